import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DbNotifier } from '../../db/notifier.js';
import type { DB } from '../../db/schema.js';
import { transaction } from '../../db/transaction.js';
import { doneTaskStatuses } from '../provisioning.lifecycle.js';
import { type RunLedger, RUNS_CHANNEL } from '../ledger.js';
import type { Playbook } from '../playbooks/playbook.schema.js';
import type { GroupHandle, GroupRunner, Member } from './group-runner.js';
import type { Undoer } from './undo.js';

/**
 * What governs runs that belong to a bulk batch (R11.3), asked by the dispatcher as it claims
 * them; the bulk domain answers (provisioning does not read its tables). `limits` locks the
 * batches' rows for the claiming transaction, so a pause or a change of concurrency waits for the
 * claim, and the next claim sees it: no run of a paused batch starts.
 */
export interface BatchGate {
  limits(trx: Transaction<DB>, batchIds: string[]): Promise<Map<string, { open: boolean; concurrency: number }>>;
}

export interface DispatcherOptions {
  db: Kysely<DB>;
  ledger: RunLedger;
  runner: GroupRunner;
  undoer: Undoer;
  notifier: DbNotifier;
  logger: Logger;
  gate: BatchGate;
  workerId: string;
  /** Runs this process works on at once (WORKER_CONCURRENCY). */
  capacity: number;
  /** Runs in one group at most. */
  groupSize: number;
  /** How long a group's lease lasts without a heartbeat: past it, another worker takes the group. */
  leaseMs: number;
  /** How long a wake-up waits, so that runs confirmed within a few milliseconds share a group. */
  gatherMs: number;
}

interface LiveGroup {
  id: string;
  kind: 'run' | 'undo';
  members: Set<string>;
  pending: Set<Promise<void>>;
  controller: AbortController;
}

interface RunRow {
  id: string;
  attempt: number;
  kind: Member['kind'];
  deadlineAt: string | null;
  timeoutSeconds: number;
  playbookKey: string;
  variables: Member['variables'];
  traceParent: string | null;
}

/**
 * Claims work for this process and runs it (issue 10). Work is a provision's row: `queued` runs,
 * and cancelled runs with an undo pending. The dispatcher claims them in groups (runs of one
 * playbook, up to `groupSize`, within its free capacity), writes a lease for each group, renews
 * its leases with a heartbeat, and takes over groups whose lease ran out (their worker died). It
 * wakes on NOTIFY (runs queued by any process), on this process's own news, and every second.
 */
export class Dispatcher {
  private readonly groups = new Map<string, LiveGroup>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private again = false;
  /** The next pass also looks for groups to take over and undos due (the periodic look). */
  private sweepNext = true;
  private draining = false;
  private stopped = false;
  private readonly playbooks = new Map<string, Playbook>();
  private readonly unlisten: (() => void)[] = [];

  constructor(private readonly o: DispatcherOptions) {}

  get runsInFlight(): number {
    return this.inFlight;
  }

  async start(): Promise<void> {
    await this.o.db
      .insertInto('workers')
      .values({ id: this.o.workerId, pid: process.pid, host: os.hostname(), concurrency: this.o.capacity })
      .onConflict((oc) => oc.column('id').doUpdateSet({ pid: process.pid, host: os.hostname(), concurrency: this.o.capacity, startedAt: sql`now()`, heartbeatAt: sql`now()`, draining: false }))
      .execute();
    const heard = (what: string) => {
      if (what === 'undo') this.sweepNext = true;
      this.wake();
    };
    this.unlisten.push(await this.o.notifier.on(RUNS_CHANNEL, heard));
    this.unlisten.push(this.o.ledger.onQueued(heard));
    // What this worker held before it restarted is taken back at once (no need to wait its lease).
    await this.o.db.updateTable('provisionGroups').set({ leaseUntil: new Date(0).toISOString() }).where('owner', '=', this.o.workerId).where('finishedAt', 'is', null).execute();
    const beat = Math.max(200, Math.floor(this.o.leaseMs / 4));
    this.heartbeat = setInterval(() => void this.beat().catch((err: Error) => this.o.logger.warn({ err: err.message }, 'heartbeat failed')), beat);
    this.heartbeat.unref();
    // Once a second: what NOTIFY may not say (a lease that ran out, an undo due, room freed elsewhere).
    this.poll = setInterval(() => {
      this.sweepNext = true;
      this.wake();
    }, 1000);
    this.poll.unref();
    this.wake();
  }

  /** Claims soon: runs confirmed within `gatherMs` are claimed together. */
  wake(): void {
    if (this.stopped || this.draining) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.passing = this.pass()
        .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'claiming work failed'))
        .finally(() => {
          this.passing = null;
          if (this.again) {
            this.again = false;
            this.wake();
          }
        });
    }, this.o.gatherMs);
  }

  /**
   * Claims groups while there is room and work. A wake-up (runs queued) looks for queued runs
   * only; the periodic look also takes over groups whose lease ran out and claims undos due.
   */
  private async pass(): Promise<void> {
    const full = this.sweepNext;
    this.sweepNext = false;
    while (!this.stopped && !this.draining) {
      const free = this.o.capacity - this.inFlight;
      if (free <= 0) return;
      const claimed = (full && ((await this.takeOver()) || (await this.claimUndo(Math.min(free, this.o.groupSize))))) || (await this.claimRuns(Math.min(free, this.o.groupSize)));
      if (!claimed) return;
    }
  }

  // --- claiming ---------------------------------------------------------------------------------

  private leaseUntil(): string {
    return new Date(Date.now() + this.o.leaseMs).toISOString();
  }

  /** Queued runs of one playbook: interactive ones first, then batches' within their limits. */
  private async claimRuns(limit: number): Promise<boolean> {
    const groupId = randomUUID();
    const members = await transaction(this.o.db, async (trx) => {
      // Staff at the counter first: runs of no batch before a batch's, oldest first.
      const candidates = await trx
        .selectFrom('provisions')
        .select(['id', 'batchId', 'playbookKey'])
        .where('status', '=', 'queued')
        .orderBy(sql`batch_id is not null`)
        .orderBy('createdAt')
        .limit(limit * 2)
        .forUpdate()
        .skipLocked()
        .execute();
      if (!candidates.length) return null;
      const free = candidates.filter((c) => c.batchId === null);
      const picked = free.length ? free.slice(0, limit) : await this.withinBatches(trx, candidates, limit);
      if (!picked.length) return null;
      const key = picked[0]!.playbookKey;
      const ids = picked.filter((p) => p.playbookKey === key).map((p) => p.id);
      await trx.insertInto('provisionGroups').values({ id: groupId, kind: 'run', owner: this.o.workerId, leaseUntil: this.leaseUntil() }).execute();
      const w = this.o.ledger.writer(trx);
      const begun = await w.begin(groupId, ids);
      return { begun, w };
    });
    if (!members) return false;
    this.o.ledger.publish(members.w);
    const runs = await this.load(members.begun.map((b) => b.id));
    this.launch(groupId, 'run', runs);
    return true;
  }

  /** Queued runs of bulk batches, no more per batch than its concurrency allows, none of a paused one. */
  private async withinBatches(trx: Transaction<DB>, candidates: { id: string; batchId: string | null; playbookKey: string }[], limit: number) {
    const batchIds = [...new Set(candidates.map((c) => c.batchId!))];
    const limits = await this.o.gate.limits(trx, batchIds);
    const running = await trx
      .selectFrom('provisions')
      .select(['batchId', (eb) => eb.fn.countAll<number>().as('n')])
      .where('batchId', 'in', batchIds)
      .where('status', '=', 'running')
      .groupBy('batchId')
      .execute();
    const room = new Map<string, number>();
    for (const [id, l] of limits) room.set(id, l.open ? l.concurrency - Number(running.find((r) => r.batchId === id)?.n ?? 0) : 0);
    const out: typeof candidates = [];
    for (const c of candidates) {
      if (out.length >= limit) break;
      const left = room.get(c.batchId!);
      if (left === undefined) out.push(c); // a batch that no longer governs its runs (completed, cancelled)
      else if (left > 0) {
        room.set(c.batchId!, left - 1);
        out.push(c);
      }
    }
    return out;
  }

  /** Cancelled runs whose undo is due. */
  private async claimUndo(limit: number): Promise<boolean> {
    const groupId = randomUUID();
    const ids = await transaction(this.o.db, async (trx) => {
      const picked = await trx.selectFrom('provisions').select('id').where('undoPending', '=', true).where('undoGroupId', 'is', null).orderBy('createdAt').limit(limit).forUpdate().skipLocked().execute();
      if (!picked.length) return [];
      await trx.insertInto('provisionGroups').values({ id: groupId, kind: 'undo', owner: this.o.workerId, leaseUntil: this.leaseUntil() }).execute();
      await trx.updateTable('provisions').set({ undoGroupId: groupId }).where('id', 'in', picked.map((p) => p.id)).execute();
      return picked.map((p) => p.id);
    });
    if (!ids.length) return false;
    this.launch(groupId, 'undo', await this.load(ids));
    return true;
  }

  /**
   * A group whose lease ran out (its worker died, or this one restarted), and runs a former
   * engine left running with no group: taken over and resumed where their tasks say.
   */
  private async takeOver(): Promise<boolean> {
    const group = await sql<{ id: string; kind: 'run' | 'undo'; owner: string }>`
      update provision_groups set owner = ${this.o.workerId}, lease_until = ${this.leaseUntil()}
      where id = (select id from provision_groups where finished_at is null and lease_until < now() order by lease_until limit 1 for update skip locked)
      returning id, kind`.execute(this.o.db);
    const g = group.rows[0];
    if (g) {
      const ids =
        g.kind === 'run'
          ? await this.o.db.selectFrom('provisions').select('id').where('groupId', '=', g.id).where('status', '=', 'running').execute()
          : await this.o.db.selectFrom('provisions').select('id').where('undoGroupId', '=', g.id).where('undoPending', '=', true).execute();
      if (ids.length) this.o.logger.warn({ group: g.id, runs: ids.length }, 'took over a group whose worker stopped');
      this.launch(g.id, g.kind, await this.load(ids.map((r) => r.id)));
      return true;
    }
    const orphans = await transaction(this.o.db, async (trx) => {
      const rows = await trx.selectFrom('provisions').select('id').where('status', '=', 'running').where('groupId', 'is', null).limit(this.o.groupSize).forUpdate().skipLocked().execute();
      if (!rows.length) return null;
      const id = randomUUID();
      await trx.insertInto('provisionGroups').values({ id, kind: 'run', owner: this.o.workerId, leaseUntil: this.leaseUntil() }).execute();
      await trx.updateTable('provisions').set({ groupId: id }).where('id', 'in', rows.map((r) => r.id)).execute();
      return { id, ids: rows.map((r) => r.id) };
    });
    if (!orphans) return false;
    this.launch(orphans.id, 'run', await this.load(orphans.ids));
    return true;
  }

  /** The runs as the runner needs them: variables, playbook (kept per key), deadline, done tasks. */
  private async load(ids: string[]): Promise<Member[]> {
    if (!ids.length) return [];
    const rows: RunRow[] = await this.o.db
      .selectFrom('provisions')
      .select(['id', 'attempt', 'kind', 'deadlineAt', 'timeoutSeconds', 'playbookKey', 'variables', 'traceParent'])
      .where('id', 'in', ids)
      .execute();
    const missing = [...new Set(rows.map((r) => r.playbookKey).filter((k) => !this.playbooks.has(k)))];
    if (missing.length) {
      const snaps = await this.o.db.selectFrom('provisions').select(['playbookKey', 'playbookSnapshot']).distinctOn('playbookKey').where('id', 'in', ids).where('playbookKey', 'in', missing).execute();
      for (const s of snaps) this.playbooks.set(s.playbookKey, s.playbookSnapshot);
      if (this.playbooks.size > 1000) this.playbooks.clear();
    }
    // What is done already (a retried run, a resumed one) is not run again (R8.3).
    const done = new Map<string, Set<number>>();
    const resumed = await this.o.db.selectFrom('provisionTasks').select(['provisionId', 'seq']).where('status', 'in', doneTaskStatuses).where('provisionId', 'in', ids).execute();
    for (const t of resumed) (done.get(t.provisionId) ?? done.set(t.provisionId, new Set()).get(t.provisionId)!).add(t.seq);
    return rows.map((r) => ({
      id: r.id,
      attempt: r.attempt,
      kind: r.kind,
      deadline: r.deadlineAt ? Date.parse(r.deadlineAt) : Date.now() + r.timeoutSeconds * 1000,
      timeoutSeconds: r.timeoutSeconds,
      playbook: this.playbooks.get(r.playbookKey)!,
      variables: r.variables,
      done: done.get(r.id) ?? new Set(),
      tries: new Map(),
      traceParent: r.traceParent,
    }));
  }

  // --- running ----------------------------------------------------------------------------------

  private launch(id: string, kind: 'run' | 'undo', members: Member[]): void {
    const live: LiveGroup = { id, kind, members: new Set(members.map((m) => m.id)), pending: new Set(), controller: new AbortController() };
    this.groups.set(id, live);
    this.inFlight += members.length;
    const handle: GroupHandle = {
      id,
      signal: live.controller.signal,
      ended: (ids) => {
        for (const m of ids) if (live.members.delete(m)) this.inFlight--;
        this.settle(live);
      },
      detach: (run) => this.track(live, run),
    };
    const work =
      kind === 'run'
        ? this.o.runner.run(handle, members)
        : Promise.all(members.map((m) => this.o.undoer.cleanUp(m).finally(() => handle.ended([m.id])))).then(() => undefined);
    this.track(live, work);
  }

  private track(live: LiveGroup, work: Promise<void>): void {
    const p = work
      .catch((err: Error) => this.o.logger.error({ err: err.message, stack: err.stack, group: live.id }, 'a group stopped on an error; its runs are taken over when its lease runs out'))
      .finally(() => {
        live.pending.delete(p);
        this.settle(live);
      });
    live.pending.add(p);
  }

  /** A group whose runs have all ended is finished; capacity is free again. */
  private settle(live: LiveGroup): void {
    if (live.pending.size || !this.groups.has(live.id)) return;
    this.groups.delete(live.id);
    this.inFlight -= live.members.size;
    if (live.members.size && !live.controller.signal.aborted) {
      // The group stopped on an error of the engine itself with runs still on it: they end failed,
      // with a way out (retry), rather than be taken over only to meet the same error again.
      void this.o.ledger
        .write((w) =>
          w.finishMany([...live.members], {
            to: 'failed',
            error: { failedTask: null, code: 'ENGINE_ERROR', message: 'The provisioning engine stopped this run unexpectedly.', hint: 'Retry it; if it stops again, look at the server log for this provisioning ID.' },
          }),
        )
        .then(() => this.finished(live.id))
        .catch((err: Error) => this.o.logger.warn({ err: err.message, group: live.id }, 'could not end the runs of a group that stopped on an error'));
    } else if (!live.members.size) void this.finished(live.id);
    this.wake();
  }

  private async finished(id: string): Promise<void> {
    await this.o.db
      .updateTable('provisionGroups')
      .set({ finishedAt: new Date().toISOString() })
      .where('id', '=', id)
      .where('owner', '=', this.o.workerId)
      .execute()
      .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'could not mark a group finished'));
  }

  /** Renews this worker's leases; a group whose lease another worker took is given up here. */
  private async beat(): Promise<void> {
    await this.o.db.updateTable('workers').set({ heartbeatAt: sql`now()`, draining: this.draining }).where('id', '=', this.o.workerId).execute();
    if (!this.groups.size) return;
    const held = [...this.groups.keys()];
    const renewed = await this.o.db
      .updateTable('provisionGroups')
      .set({ leaseUntil: this.leaseUntil() })
      .where('id', 'in', held)
      .where('owner', '=', this.o.workerId)
      .where('finishedAt', 'is', null)
      .returning('id')
      .execute();
    const still = new Set(renewed.map((r) => r.id));
    for (const id of held) {
      const g = this.groups.get(id);
      if (g && !still.has(id) && g.members.size) {
        this.o.logger.warn({ group: id }, 'lost the lease of a group: another worker runs it now');
        g.controller.abort(new Error('lease lost'));
      }
    }
  }

  /**
   * Stops taking work and waits (up to `graceMs`) for the runs under way; what is still running
   * then is given up at once (leases released), for another worker to take over.
   */
  async drain(graceMs: number): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.passing?.catch(() => undefined);
    await this.o.db.updateTable('workers').set({ draining: true }).where('id', '=', this.o.workerId).execute().catch(() => undefined);
    const until = Date.now() + graceMs;
    while (this.groups.size && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (this.groups.size) {
      this.o.logger.warn({ groups: this.groups.size, runs: this.inFlight }, 'stopping with runs under way: another worker takes them over');
      const ids = [...this.groups.keys()];
      for (const g of this.groups.values()) g.controller.abort(new Error('draining'));
      await this.o.db.updateTable('provisionGroups').set({ leaseUntil: new Date().toISOString() }).where('id', 'in', ids).where('owner', '=', this.o.workerId).execute().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.timer, this.heartbeat, this.poll]) if (t) clearTimeout(t);
    for (const u of this.unlisten) u();
    await this.passing?.catch(() => undefined);
    await this.o.db.deleteFrom('workers').where('id', '=', this.o.workerId).execute().catch(() => undefined);
  }
}
