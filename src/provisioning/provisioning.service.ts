import { transaction } from '../db/transaction.js';
import { createHash, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { ServicesService } from '../services/services.service.js';
import { type DB, type Executor, json } from '../db/schema.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit, recordAuditMany } from '../users/audit.service.js';
import type { RunLedger } from './ledger.js';
import { checkAssignment, loadRules, type Plan, preflight, type PreflightDeps, variablesFor } from './rulebook.js';
import { ProgressCache } from './progress-cache.js';
import { PolledReads, type RunEvent } from './progress-reads.js';
import type { ProgressHub } from './progress-hub.js';
import type { ProvisionsTable } from './provisioning.tables.js';
import { doneTaskStatuses, provisionLifecycle } from './provisioning.lifecycle.js';
import { renderString } from './playbooks/templating.js';
import { type AssignmentInput, type PreflightResult, type Progress, progress as progressSchema, type ProvisionKind, type ProvisionStatus, type RunVariables } from './provisioning.schemas.js';
import { inLanguage } from './variables.js';

export interface ProvisioningDeps extends PreflightDeps {
  db: Kysely<DB>;
  /** Where the consoles' polls and event streams read (the database's `reads`); `db` if not given. */
  reads?: Kysely<DB>;
  ledger: RunLedger;
  hub: ProgressHub;
  inventory: InventoryService;
  services: ServicesService;
}

/** A canonical fingerprint of a request body: the same assignment gives the same hash. */
function fingerprint(input: AssignmentInput): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
      : v;
  return createHash('sha256').update(JSON.stringify(canon(input))).digest('hex');
}

/** An assignment to start; a bulk batch's row says which. */
export interface StartRow {
  key: string;
  input: AssignmentInput;
  batch?: { id: string; line: number };
}

export type StartOutcome = { ok: true; progress: Progress; created: boolean } | { ok: false; error: AppError };

export interface StartOptions {
  /** Marks bulk rows started, in the transaction that writes their runs. */
  started?: (trx: Executor, rows: { batchId: string; line: number; provisionId: string; serviceId: number }[]) => Promise<void>;
}

/** Thrown inside the writing transaction to write it again without the rows that lost their items. */
class Rewrite extends Error {}

const ocsAccountOf = (serviceId: number) => `SB${String(serviceId).padStart(8, '0')}`;

/** What the progress view shows of a run just queued, without reading it back. */
function queuedProgress(b: { id: string; plan: Plan; service: { id: number; name: string }; vars: RunVariables }, ctx: Ctx, now: string): Progress {
  const tasks = pendingTasks(b.id, b.plan.playbook, b.vars).map((t, i) => ({ seq: t.seq, name: t.name, names: localNames(b.plan.playbook.tasks[i]!, b.vars), action: t.action, status: t.status, attempts: 0 }));
  return {
    id: b.id,
    kind: b.plan.kind,
    status: 'queued',
    attempt: 1,
    customer: { id: b.plan.customer.id, name: b.plan.customer.name },
    product: { id: b.plan.product.id, name: b.plan.product.name },
    service: { id: b.service.id, name: b.service.name, status: b.plan.kind === 'new_service' ? 'provisioning' : (b.plan.target?.status ?? 'active') },
    tasks,
    completed: 0,
    total: tasks.length,
    summary: `0 of ${tasks.length} tasks completed`,
    error: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    deadlineAt: null,
    requestedBy: ctx.actor.label,
    // Older than any snapshot read from the database (its first event is being written with it).
    version: 0,
  };
}

/** Runs of one playbook as it was confirmed share a key: the dispatcher groups them by it. */
export const playbookKey = (name: string, snapshot: unknown) => `${name}@${createHash('md5').update(JSON.stringify(snapshot)).digest('hex')}`;

export class ProvisioningService {
  private readonly cache: ProgressCache;
  private readonly reads: PolledReads;

  constructor(private readonly d: ProvisioningDeps) {
    this.cache = new ProgressCache(d.hub, { ttlMs: 1000, maxEntries: 10_000 });
    const reads = d.reads ?? d.db;
    this.reads = new PolledReads(reads, (ids) => this.progressMany(ids, reads));
  }

  /** A run's progress as the consoles following it read it: gathered with theirs into one query. */
  private async polledRead(id: string): Promise<Progress> {
    const p = await this.reads.progress(id);
    if (!p) throw notFound('Provisioning', id, 'Check the provisioning ID; GET /api/provisions lists recent ones.');
    return p;
  }

  /** The polling route's read (R7.2): from memory until the run changes, one second at most. */
  polledProgress(id: string): Promise<Progress> {
    return this.cache.get(id, () => this.polledRead(id));
  }

  /** The same, as the JSON the route sends (checked against its schema once per change). */
  polledProgressJson(id: string): Promise<string> {
    return this.cache.json(id, () => this.polledRead(id), (p) => JSON.stringify(progressSchema.parse(p)));
  }

  /** A run's events after `afterId`, for an event stream: gathered with the other streams' reads. */
  polledEvents(id: string, afterId: number): Promise<RunEvent[]> {
    return this.reads.events(id, afterId);
  }

  /** The checks of the review screen (R6.3); nothing is written. */
  async preflight(input: AssignmentInput): Promise<PreflightResult> {
    return (await preflight(this.d, input)).result;
  }

  /**
   * Confirms an assignment (R6): checks everything, then in one transaction writes the service
   * (for a plan), the provision and its tasks, moves the inventory from the wizard's timed
   * reservation to a hold by the provision, and queues the run. The same Idempotency-Key gives
   * back the same provision, also when both requests arrive at once (R6.2).
   */
  async start(ctx: Ctx, idempotencyKey: string, input: AssignmentInput): Promise<{ progress: Progress; created: boolean }> {
    const [out] = await this.startMany(ctx, [{ key: idempotencyKey, input }]);
    if (!out!.ok) throw out!.error;
    return { progress: out!.progress, created: out!.created };
  }

  /**
   * Confirms many assignments at once (a bulk batch's rows, or one confirmation): the checks of
   * all with one query per kind of thing (the rulebook), then one transaction for all that pass,
   * one statement per kind of row written. Each gets its outcome: its run (new, or the one its key
   * already made), or why not.
   */
  async startMany(ctx: Ctx, rows: StartRow[], opts: StartOptions = {}): Promise<StartOutcome[]> {
    const out: (StartOutcome | undefined)[] = rows.map(() => undefined);
    const hashes = rows.map((r) => fingerprint(r.input));
    const loaded = await loadRules(this.d, rows.map((r) => r.input));
    let ready: { i: number; plan: Plan }[] = [];
    const failed: { i: number; result: PreflightResult }[] = [];
    rows.forEach((r, i) => {
      const { result, plan } = checkAssignment(this.d, loaded, r.input, 'held');
      if (plan) ready.push({ i, plan });
      else failed.push({ i, result });
    });
    // A check that fails may be the same confirmation having won meanwhile (its hold is why).
    const replays = new Set<number>();
    if (failed.length) {
      const known = await this.byKeys(failed.map((f) => rows[f.i]!.key));
      for (const f of failed) {
        const row = known.get(rows[f.i]!.key);
        if (row) {
          replays.add(f.i);
          continue;
        }
        const bad = f.result.checks.filter((c) => !c.ok);
        out[f.i] = { ok: false, error: new AppError('PRECONDITION_FAILED', bad.map((c) => c.message).join(' '), bad[0]?.hint, { checks: f.result.checks, field: bad[0]?.field }) };
      }
    }
    // Written together; a row whose items were taken meanwhile leaves, and the others are written again.
    for (let round = 0; ready.length && round < 3; round++) {
      const written = await this.writeRuns(ctx, ready.map((x) => ({ ...x, row: rows[x.i]!, hash: hashes[x.i]! })), opts);
      for (const [i, progress] of written.created) out[i] = { ok: true, progress, created: true };
      for (const i of written.conflicts) replays.add(i);
      for (const [i, error] of written.lost) out[i] = { ok: false, error };
      if (!written.retry) break;
      ready = ready.filter((x) => !written.lost.has(x.i) && !written.created.has(x.i) && !written.conflicts.has(x.i));
    }
    if (replays.size) {
      const known = await this.byKeys([...replays].map((i) => rows[i]!.key));
      for (const i of replays) {
        const row = known.get(rows[i]!.key)!;
        if (row.requestHash !== hashes[i]) {
          out[i] = { ok: false, error: new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different assignment.', 'Use a new key for a new assignment (one key per confirmation).', { provisionId: row.id }) };
        } else out[i] = { ok: true, progress: await this.progress(row.id), created: false };
      }
    }
    return out.map((o) => o ?? { ok: false, error: new AppError('CONFLICT', 'This assignment could not be written.', 'Try again.') });
  }

  /**
   * One transaction for many checked assignments: their services (IDs drawn first, so each run's
   * variables and names are complete before anything is written), provisions, tasks, inventory
   * holds, events and audit, one statement each. Rows whose key was claimed meanwhile are
   * conflicts (given back by their key); rows whose items are no longer held are lost, and the
   * transaction is written again without them (`retry`).
   */
  private async writeRuns(ctx: Ctx, plans: { i: number; plan: Plan; row: StartRow; hash: string }[], opts: StartOptions) {
    const created = new Map<number, Progress>();
    const conflicts = new Set<number>();
    const lost = new Map<number, AppError>();
    let retry = false;
    const now = new Date().toISOString();
    try {
      await this.d.ledger.write(async (w) => {
        const trx = w.trx;
        const fresh = plans.filter((p) => p.plan.kind === 'new_service');
        const ids = fresh.length ? (await sql<{ id: number }>`select nextval(pg_get_serial_sequence('services', 'id'))::int as id from generate_series(1, ${fresh.length})`.execute(trx)).rows.map((r) => r.id) : [];
        const built = plans.map((p) => {
          const id = randomUUID();
          const snapshot = stripRefs(p.plan.playbook);
          let service = p.plan.target ? { id: p.plan.target.id, name: p.plan.target.name, ocsAccount: p.plan.target.ocsAccount } : null;
          if (p.plan.kind === 'new_service') {
            const serviceId = ids[fresh.indexOf(p)]!;
            service = { id: serviceId, name: p.plan.product.name, ocsAccount: ocsAccountOf(serviceId) };
            // The service is named from the start as its playbook will name it ("Mobile - +44 7700 900123").
            const activate = p.plan.playbook.tasks.find((t) => t.action === 'service.activate');
            if (activate) service.name = String(renderString(String(activate.args.name), variablesFor(p.plan, id, service)));
          }
          const vars = variablesFor(p.plan, id, service!);
          return { ...p, id, snapshot, service: service!, vars };
        });
        if (fresh.length) {
          await this.d.services.createMany(
            trx,
            built
              .filter((b) => b.plan.kind === 'new_service')
              .map((b) => ({
                id: b.service.id,
                name: b.service.name,
                ocsAccount: b.service.ocsAccount!,
                customerId: b.plan.customer.id,
                productId: b.plan.product.id,
                serviceType: b.plan.product.serviceType,
                siteId: b.plan.site?.id ?? null,
                billingContactId: b.plan.billingContact?.id ?? null,
                technicalContactId: b.plan.technicalContact?.id ?? null,
                autoRenew: b.plan.autoRenew,
                customFields: Object.fromEntries(Object.entries(b.plan.customFields).filter(([, v]) => v !== '')),
              })),
          );
        }
        const claimed = await trx
          .insertInto('provisions')
          .values(
            built.map((b) => ({
              id: b.id,
              idempotencyKey: b.row.key,
              requestHash: b.hash,
              kind: b.plan.kind,
              status: 'queued' as const,
              customerId: b.plan.customer.id,
              productId: b.plan.product.id,
              serviceId: b.service.id,
              playbook: b.plan.playbook.name,
              playbookSnapshot: json(b.snapshot),
              playbookKey: playbookKey(b.plan.playbook.name, b.snapshot),
              variables: json(b.vars),
              timeoutSeconds: Math.ceil(b.plan.playbook.timeout / 1000),
              deadlineAt: null,
              failedTask: null,
              errorCode: null,
              error: null,
              errorHint: null,
              requestedBy: ctx.actor.id,
              requestedByLabel: ctx.actor.label,
              batchId: b.row.batch?.id ?? null,
              startedAt: null,
              finishedAt: null,
              traceParent: ctx.traceparent ?? null,
            })),
          )
          .onConflict((oc) => oc.column('idempotencyKey').doNothing())
          .returning('id')
          .execute();
        const won = new Set(claimed.map((c) => c.id));
        const mine = built.filter((b) => won.has(b.id));
        for (const b of built) if (!won.has(b.id)) conflicts.add(b.i);
        // The same key won in another request: its service was not to be.
        const orphans = built.filter((b) => !won.has(b.id) && b.plan.kind === 'new_service').map((b) => b.service.id);
        if (orphans.length) await trx.deleteFrom('services').where('id', 'in', orphans).execute();
        if (!mine.length) return;
        await trx.insertInto('provisionTasks').values(mine.flatMap((b) => pendingTasks(b.id, b.plan.playbook, b.vars))).execute();
        const notHeld = await this.d.inventory.holdForProvisions(trx, mine.flatMap((b) => b.plan.items.map((item) => ({ itemId: item.id, holder: b.row.input.reservation ?? '', provisionId: b.id }))));
        if (notHeld.size) {
          for (const b of mine) {
            const gone = b.plan.items.filter((item) => notHeld.has(item.id));
            if (gone.length) {
              lost.set(b.i, new AppError('INVENTORY_UNAVAILABLE', `${gone.length === 1 ? 'An item' : `${gone.length} items`} of this assignment ${gone.length === 1 ? 'is' : 'are'} no longer reserved for it (item ${gone.map((g) => g.id).join(', ')}): the reservation expired or another assignment took it.`, 'Pick the inventory again; the selectors show what is available now.', { itemIds: gone.map((g) => g.id) }));
            }
          }
          retry = true;
          throw new Rewrite();
        }
        await opts.started?.(trx, mine.filter((b) => b.row.batch).map((b) => ({ batchId: b.row.batch!.id, line: b.row.batch!.line, provisionId: b.id, serviceId: b.service.id })));
        await w.enqueued(mine.map((b) => ({ id: b.id, attempt: 1, message: `${b.plan.product.name} for ${b.plan.customer.name}` })));
        await recordAuditMany(
          trx,
          ctx,
          mine.map((b) => ({
            action: 'provision.create',
            entityType: 'provision',
            entityId: b.id,
            after: { kind: b.plan.kind, customerId: b.plan.customer.id, product: b.plan.product.slug, serviceId: b.service.id, inventory: b.plan.items.map((i) => i.reference), autoRenew: b.plan.autoRenew, ...(b.row.batch && { batch: b.row.batch.id, line: b.row.batch.line }) },
          })),
        );
        for (const b of mine) created.set(b.i, queuedProgress(b, ctx, now));
      });
    } catch (e) {
      if (!(e instanceof Rewrite)) throw e;
      created.clear();
      conflicts.clear();
    }
    return { created, conflicts, lost, retry };
  }

  private async byKeys(keys: string[]): Promise<Map<string, { id: string; requestHash: string }>> {
    if (!keys.length) return new Map();
    const rows = await this.d.db.selectFrom('provisions').select(['id', 'idempotencyKey', 'requestHash']).where('idempotencyKey', 'in', keys).execute();
    return new Map(rows.map((r) => [r.idempotencyKey, r]));
  }

  /** The status, kind and service of many runs at once (the TMF622 orders they belong to, issue 14). */
  async statuses(ids: string[], db: Executor = this.d.db): Promise<Map<string, { id: string; status: ProvisionStatus; kind: ProvisionKind; serviceId: number | null }>> {
    if (!ids.length) return new Map();
    const rows = await db.selectFrom('provisions').select(['id', 'status', 'kind', 'serviceId']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** What the progress view shows (R7.1): one indexed query, cheap enough to poll every 0.2 s (R7.2). */
  async progress(id: string): Promise<Progress> {
    const p = (await this.progressMany([id])).get(id);
    if (!p) throw notFound('Provisioning', id, 'Check the provisioning ID; GET /api/provisions lists recent ones.');
    return p;
  }

  /** The progress of many runs in one query (what the polls of one moment ask for). */
  async progressMany(ids: readonly string[], db: Kysely<DB> = this.d.db): Promise<Map<string, Progress>> {
    type Row = Pick<ProvisionsTable, 'id' | 'kind' | 'status' | 'customerId' | 'productId' | 'failedTask' | 'errorCode' | 'error' | 'errorHint' | 'startedAt' | 'finishedAt' | 'deadlineAt' | 'requestedByLabel'> & {
      attempt: number;
      createdAt: string;
      customerName: string | null;
      productName: string | null;
      service: Progress['service'];
      tasks: Progress['tasks'] | null;
      version: number | string | null;
    };
    const { rows } = await sql<Row>`
      select p.id, p.kind, p.status, p.attempt, p.customer_id, p.product_id, p.failed_task, p.error_code, p.error, p.error_hint,
             p.created_at, p.started_at, p.finished_at, p.deadline_at, p.requested_by_label,
             p.variables -> 'customer' ->> 'name' as customer_name,
             p.variables -> 'product' ->> 'name' as product_name,
             (select json_build_object('id', s.id, 'name', s.name, 'status', s.status) from services s where s.id = p.service_id) as service,
             (select json_agg(json_build_object('seq', t.seq, 'name', t.name, 'names', t.names, 'action', t.action, 'status', t.status, 'attempts', t.attempts) order by t.seq)
                from provision_tasks t where t.provision_id = p.id) as tasks,
             (select max(e.id) from provision_events e where e.provision_id = p.id) as version
      from provisions p where p.id = any(${ids as string[]}::uuid[])`.execute(db);
    const found = new Map<string, Progress>();
    for (const p of rows) {
      const tasks = p.tasks ?? [];
      const completed = tasks.filter((t) => doneTaskStatuses.includes(t.status)).length;
      const failedTask = p.failedTask ? tasks.find((t) => t.seq === p.failedTask) : undefined;
      found.set(p.id, {
        id: p.id,
        kind: p.kind,
        status: p.status,
        attempt: p.attempt,
        customer: { id: p.customerId, name: p.customerName ?? `Customer ${p.customerId}` },
        version: Number(p.version ?? 0),
        product: { id: p.productId, name: p.productName ?? `Product ${p.productId}` },
        service: p.service ?? null,
        tasks,
        completed,
        total: tasks.length,
        summary: `${completed} of ${tasks.length} tasks completed`,
        error: p.error && (p.status === 'failed' || p.status === 'timed_out') ? { code: p.errorCode ?? 'TASK_FAILED', message: p.error, hint: p.errorHint, task: failedTask?.name ?? null, taskSeq: failedTask?.seq ?? null } : null,
        createdAt: p.createdAt,
        startedAt: p.startedAt,
        finishedAt: p.finishedAt,
        deadlineAt: p.deadlineAt,
        requestedBy: p.requestedByLabel,
      });
    }
    return found;
  }

  /** Each task's output and log, and the run's event history (R7.3, R13.2). */
  async logs(id: string) {
    const p = await this.d.db.selectFrom('provisions').select(['id', 'status', 'attempt']).where('id', '=', id).executeTakeFirst();
    if (!p) throw notFound('Provisioning', id);
    const [tasks, events] = await Promise.all([
      this.d.db.selectFrom('provisionTasks').select(['seq', 'name', 'names', 'action', 'status', 'attempts', 'output', 'error', 'errorText', 'log', 'startedAt', 'finishedAt']).where('provisionId', '=', id).orderBy('seq').execute(),
      this.events(id, 0),
    ]);
    return { ...p, tasks, events };
  }

  async events(id: string, afterId: number) {
    return this.d.db.selectFrom('provisionEvents').select(['id', 'occurredAt', 'attempt', 'taskSeq', 'status', 'message']).where('provisionId', '=', id).where('id', '>', afterId).orderBy('id').execute();
  }

  async list(q: { status?: ProvisionStatus | undefined; customerId?: number | undefined; serviceId?: number | undefined; limit: number; before?: string | undefined }) {
    let query = this.d.db
      .selectFrom('provisions')
      .select((eb) => [
        'id',
        'kind',
        'status',
        'attempt',
        'customerId',
        'serviceId',
        'playbook',
        'error',
        'createdAt',
        'finishedAt',
        'requestedByLabel as requestedBy',
        'variables',
        eb.selectFrom('provisionTasks').select((e) => e.fn.countAll<number>().as('n')).whereRef('provisionTasks.provisionId', '=', 'provisions.id').as('total'),
        eb
          .selectFrom('provisionTasks')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('provisionTasks.provisionId', '=', 'provisions.id')
          .where('provisionTasks.status', 'in', doneTaskStatuses)
          .as('completed'),
      ]);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.customerId) query = query.where('customerId', '=', q.customerId);
    if (q.serviceId) query = query.where('serviceId', '=', q.serviceId);
    if (q.before) query = query.where('createdAt', '<', q.before);
    const rows = await query.orderBy('createdAt', 'desc').limit(q.limit).execute();
    return rows.map(({ variables, total, completed, ...r }) => ({
      ...r,
      customerName: variables.customer?.name ?? `Customer ${r.customerId}`,
      productName: variables.product?.name ?? '',
      total: Number(total ?? 0),
      completed: Number(completed ?? 0),
    }));
  }

  /**
   * Retry (R8.3): a new attempt of a failed or timed-out run. Finished tasks stay finished and are
   * skipped; failed ones run again. A second click (the same `attempt` seen, or while the new
   * attempt is queued or running) changes nothing.
   */
  async retry(ctx: Ctx, id: string, seenAttempt?: number): Promise<Progress> {
    await this.retryRun(ctx, id, seenAttempt);
    return this.progress(id);
  }

  /** Retry's move alone, saying what it did: a new attempt, or nothing (the run as it is). For the triage's Retry selected. */
  async retryRun(ctx: Ctx, id: string, seenAttempt?: number): Promise<{ retried: boolean; status: ProvisionStatus; attempt: number }> {
    return this.d.ledger.write(async (w) => {
      const p = await w.trx.selectFrom('provisions').select(['status', 'attempt']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!p) throw notFound('Provisioning', id);
      // A second click on Retry for the attempt already retried: nothing more to do.
      if (seenAttempt !== undefined && p.attempt > seenAttempt) return { retried: false, ...p };
      if (p.status === 'queued' || (p.status === 'running' && p.attempt > 1)) return { retried: false, ...p };
      provisionLifecycle.assert(p.status, 'queued', 'provisioning');
      const attempt = await w.requeue(id, (n) => `Retry (attempt ${n})`, ctx.traceparent);
      await recordAudit(w.trx, ctx, { action: 'provision.retry', entityType: 'provision', entityId: id, before: { status: p.status, attempt: p.attempt }, after: { status: 'queued', attempt } });
      return attempt === null ? { retried: false, ...p } : { retried: true, status: 'queued' as const, attempt };
    });
  }

  /**
   * Cancels a failed run: the service becomes cancelled (it never worked), its inventory goes back
   * to stock, and what the run did outside (OCS account, RADIUS user...) is undone by a workflow.
   */
  /**
   * Cancels the runs of a batch that have not started (the batch is cancelled, R11.4): their
   * services cancelled, their inventory back in stock, in one transaction. A run that started
   * meanwhile is not touched: it finishes like the others.
   */
  async cancelQueued(ctx: Ctx, which: { batchId: string }, message: string): Promise<number> {
    return this.d.ledger.write(async (w) => {
      const queued = await w.trx.selectFrom('provisions').select('id').where('batchId', '=', which.batchId).where('status', '=', 'queued').forUpdate().skipLocked().execute();
      const ids = queued.map((q) => q.id);
      await this.d.inventory.releaseForProvision(ctx, w.trx, ids);
      const cancelled = await w.cancel(ids, message);
      if (cancelled.length) await recordAudit(w.trx, ctx, { action: 'provision.cancel', entityType: 'batch', entityId: which.batchId, after: { provisions: cancelled.length } });
      return cancelled.length;
    });
  }

  /** Tells every dispatcher to look for work now (a batch resumed). */
  nudge(): void {
    void this.d.ledger.write((w) => w.nudge()).catch(() => undefined);
  }

  async cancel(ctx: Ctx, id: string): Promise<Progress> {
    await this.cancelRun(ctx, id);
    return this.progress(id);
  }

  /** Cancel's move alone, saying what it did (nothing: it was cancelled already). For the triage's Cancel selected. */
  async cancelRun(ctx: Ctx, id: string): Promise<{ cancelled: boolean; inventoryReleased: number }> {
    return this.d.ledger.write(async (w) => {
      const trx = w.trx;
      const p = await trx.selectFrom('provisions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!p) throw notFound('Provisioning', id);
      if (p.status === 'cancelled') return { cancelled: false, inventoryReleased: 0 };
      provisionLifecycle.assert(p.status, 'cancelled', 'provisioning');
      if (p.kind === 'new_service' && p.serviceId) {
        const s = await this.d.services.get(p.serviceId, trx);
        if (s.status === 'active') {
          throw new AppError(
            'INVALID_TRANSITION',
            `${s.name} is already active: a task after its activation failed, so there is nothing to cancel.`,
            'Retry to finish the remaining tasks; to end the service, terminate it.',
            { from: s.status, to: 'cancelled' },
          );
        }
      }
      const released = await this.d.inventory.releaseForProvision(ctx, trx, id);
      await w.cancel([id], `Cancelled by ${ctx.actor.label}; ${released} inventory item(s) back in stock`);
      await recordAudit(trx, ctx, { action: 'provision.cancel', entityType: 'provision', entityId: id, before: { status: p.status }, after: { status: 'cancelled', inventoryReleased: released } });
      return { cancelled: true, inventoryReleased: released };
    });
  }
}

/** The playbook as stored with a run: its definition without the load-time analysis. */
export function stripRefs<T extends { references: unknown; file: string }>(pb: T): Omit<T, 'references' | 'file'> {
  const { references: _r, file: _f, ...rest } = pb;
  return rest;
}

/** A new run's tasks, all pending, named as the run's variables render them. */
export function pendingTasks(provisionId: string, playbook: { tasks: readonly { name: string; names?: Record<string, string> | undefined; action: string }[] }, vars: RunVariables) {
  return playbook.tasks.map((t, i) => ({
    provisionId,
    seq: i + 1,
    name: String(renderString(t.name, vars)),
    names: jsonOrNull(localNames(t, vars)),
    action: t.action,
    status: 'pending' as const,
    log: json([]),
    output: null,
    undo: null,
    error: null,
    startedAt: null,
    finishedAt: null,
  }));
}

/** A task's name in each other language its playbook gives, rendered with the run's values (R13); null when it gives none. */
export function localNames(task: { names?: Record<string, string> | undefined }, vars: RunVariables): Record<string, string> | null {
  const entries = Object.entries(task.names ?? {});
  return entries.length ? Object.fromEntries(entries.map(([lang, name]) => [lang, String(renderString(name, inLanguage(vars, lang)))])) : null;
}
const jsonOrNull = (v: unknown) => (v === null ? null : json(v));
