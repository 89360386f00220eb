import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { DB, Executor } from '../db/schema.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { ProvisioningService } from '../provisioning/provisioning.service.js';
import type { AssignmentInput } from '../provisioning/provisioning.schemas.js';
import { AppError } from '../shared/errors.js';
import { type Ctx, systemCtx } from '../users/actor.js';
import { rowHolder } from './bulk.service.js';
import type { BatchStatus } from './bulk.tables.js';

export interface PumpDeps {
  db: Kysely<DB>;
  catalog: CatalogService;
  inventory: InventoryService;
  provisioning: ProvisioningService;
  logger: Logger;
  /** This process (WORKER_ID), for the lease on a batch: a restarted process takes its batches back at once. */
  owner: string;
  intervalMs?: number;
}

/** An item picked for a row is held this long between its pick and its run being written. */
const PICK_HOLD_SECONDS = 600;
/** Rows started in one transaction at most. */
const START_CHUNK = 200;
const LEASE_SECONDS = 30;

/**
 * Feeds the rows of running batches to their queues (R11.3). A row becomes a provision exactly as
 * a confirmed assignment does (the same checks, the same transaction), with its items picked
 * from stock, and goes onto its batch's queue, which DBOS runs at most `concurrency` at a time
 * across every process. The pump keeps at most `concurrency` runs waiting on the queue, so a
 * batch of 100,000 rows is not 100,000 runs at once, and pausing or cancelling acts at once.
 *
 * Its state is the database: a process killed mid-batch leaves rows `pending` (or a run already
 * written, which the row's idempotency key gives back), and whichever process holds the batch's
 * lease next goes on. A lease lasts 30 s and is renewed every pass.
 */
export class BatchPump {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private again = false;
  private stopped = true;

  constructor(private readonly d: PumpDeps) {}

  start(): void {
    this.stopped = false;
    void this.dropAbandonedImports().catch((err: Error) => this.d.logger.warn({ err: err.message }, 'could not drop abandoned imports'));
    this.timer = setInterval(() => this.wake(), this.d.intervalMs ?? 250);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.d.db.updateTable('batches').set({ pumpLeaseUntil: null }).where('pumpOwner', '=', this.d.owner).execute();
  }

  /** Runs a pass now (or right after the one under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void this.pass()
      .catch((err: Error) => this.d.logger.error({ err: err.message }, 'bulk assignment pump failed'))
      .finally(() => {
        this.busy = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** One pass over the batches that need it. Tests call it to step a batch. */
  async pass(): Promise<void> {
    const batches = await this.d.db
      .selectFrom('batches')
      .select(['id', 'status', 'concurrency', 'createdBy', 'createdByLabel', 'name'])
      .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'cancelled'), eb('finishedAt', 'is', null)])]))
      .orderBy('createdAt')
      .execute();
    for (const b of batches) {
      if (this.stopped) return;
      if (!(await this.lease(b.id))) continue;
      if (b.status === 'running') await this.feed(b);
      await this.finishIfDone(b.id);
    }
  }

  /** A file whose import a killed process left half-way (`importing` for an hour) goes, with its holds. */
  async dropAbandonedImports(): Promise<number> {
    const gone = await this.d.db.deleteFrom('batches').where('status', '=', 'importing').where('createdAt', '<', new Date(Date.now() - 3_600_000).toISOString()).returning('id').execute();
    for (const b of gone) await this.d.inventory.releaseHolderPrefix(systemCtx, `batch:${b.id}:`);
    if (gone.length) this.d.logger.warn({ batches: gone.map((b) => b.id) }, 'dropped imports abandoned half-way');
    return gone.length;
  }

  private async lease(id: string): Promise<boolean> {
    const won = await sql<{ id: string }>`
      update batches set pump_owner = ${this.d.owner}, pump_lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
      where id = ${id} and (pump_owner = ${this.d.owner} or pump_lease_until is null or pump_lease_until < now())
      returning id`.execute(this.d.db);
    return won.rows.length > 0;
  }

  /** Starts rows, as a set, until about `concurrency` of the batch's runs wait to be claimed. */
  private async feed(b: { id: string; concurrency: number; createdBy: string | null; createdByLabel: string; name: string }) {
    const waiting = await this.d.db
      .selectFrom('provisions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('batchId', '=', b.id)
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    const room = b.concurrency - Number(waiting.n);
    if (room <= 0) return;
    const rows = await this.d.db.selectFrom('batchRows').select(['line', 'input']).where('batchId', '=', b.id).where('status', '=', 'pending').orderBy('line').limit(room).execute();
    const ctx: Ctx = { actor: { id: b.createdBy, label: b.createdByLabel, role: 'system' } };
    for (let i = 0; i < rows.length && !this.stopped; i += START_CHUNK) {
      // Paused or cancelled meanwhile: stop here.
      const now = await this.d.db.selectFrom('batches').select('status').where('id', '=', b.id).executeTakeFirst();
      if (now?.status !== 'running') return;
      await this.startRows(ctx, b.id, rows.slice(i, i + START_CHUNK).map((r) => ({ line: r.line, input: r.input! })));
    }
  }

  /**
   * Rows start together: their items held for them (the ones they name) or picked from stock (one
   * statement per template for all), then the same path as a confirmed assignment
   * (`ProvisioningService.startMany`: the same rules, one transaction). A row that cannot start
   * (no stock left, its customer suspended since) fails with the reason; the others go on.
   */
  private async startRows(ctx: Ctx, batchId: string, rows: { line: number; input: AssignmentInput }[]) {
    const failures = new Map<number, { message: string; code: string }>();
    const holderOf = (line: number) => rowHolder(batchId, line);
    const products = await this.d.catalog.getByKeys(rows.map((r) => String(r.input.product)));
    // The items rows name were held for them at commit: held again now, for as long as a start takes.
    const named = rows.flatMap((r) => Object.values(r.input.inventory).map((itemId) => ({ holder: holderOf(r.line), itemId, line: r.line })));
    const lostNamed = new Set(await this.d.inventory.reserveForRows(ctx, named, PICK_HOLD_SECONDS));
    for (const n of named) if (lostNamed.has(n.itemId)) failures.set(n.line, { message: `Item ${n.itemId} this row names is no longer held for it.`, code: 'INVENTORY_UNAVAILABLE' });
    const inventory = new Map(rows.map((r) => [r.line, { ...r.input.inventory }]));
    const templates = new Set(rows.flatMap((r) => products.get(String(r.input.product))?.inventoryTemplates ?? []));
    for (const t of templates) {
      const need = rows.filter((r) => !failures.has(r.line) && products.get(String(r.input.product))?.inventoryTemplates.includes(t) && r.input.inventory[t] === undefined);
      const picked = await this.d.inventory.reserveFromStockMany(ctx, t, need.map((r) => holderOf(r.line)), PICK_HOLD_SECONDS);
      for (const r of need) {
        const id = picked.get(holderOf(r.line));
        if (id === undefined) failures.set(r.line, { message: `No ${t} is left in stock.`, code: 'INVENTORY_UNAVAILABLE' });
        else inventory.get(r.line)![t] = id;
      }
    }
    const go = rows.filter((r) => !failures.has(r.line));
    let outcomes: Awaited<ReturnType<ProvisioningService['startMany']>> = [];
    try {
      outcomes = await this.d.provisioning.startMany(
        ctx,
        go.map((r) => ({ key: holderOf(r.line), input: { ...r.input, inventory: inventory.get(r.line)!, reservation: holderOf(r.line) }, batch: { id: batchId, line: r.line } })),
        { started: (trx, started) => this.markStarted(trx, started) },
      );
    } catch (e) {
      this.d.logger.error({ batchId, rows: go.length, err: (e as Error).message }, 'batch rows failed to start');
      outcomes = go.map(() => ({ ok: false, error: new AppError('CONFLICT', 'Switchboard could not start this row (see the server log).') }));
    }
    // Given back by their key (the process stopped after writing them): the rows say so now.
    const replayed = go.flatMap((r, i) => {
      const o = outcomes[i]!;
      if (!o.ok) {
        failures.set(r.line, { message: o.error.message, code: o.error.code === 'CONFLICT' ? 'ROW_NOT_STARTED' : o.error.code });
        return [];
      }
      return o.created ? [] : [{ batchId, line: r.line, provisionId: o.progress.id, serviceId: o.progress.service?.id ?? null }];
    });
    if (replayed.length) await this.markStarted(this.d.db, replayed);
    if (failures.size) {
      await this.d.inventory.releaseHolders(ctx, [...failures.keys()].map(holderOf));
      await sql`
        update batch_rows r set status = 'failed', error = f.message, error_code = f.code, updated_at = now()
        from unnest(${[...failures.keys()]}::int[], ${[...failures.values()].map((f) => f.message)}::text[], ${[...failures.values()].map((f) => f.code)}::text[]) as f(line, message, code)
        where r.batch_id = ${batchId} and r.line = f.line and r.status = 'pending'`.execute(this.d.db);
    }
  }

  private async markStarted(db: Executor, rows: { batchId: string; line: number; provisionId: string; serviceId: number | null }[]) {
    if (!rows.length) return;
    await sql`
      update batch_rows r set status = 'started', provision_id = s.provision_id, service_id = s.service_id, error = null, updated_at = now()
      from unnest(${rows.map((x) => x.line)}::int[], ${rows.map((x) => x.provisionId)}::uuid[], ${rows.map((x) => x.serviceId)}::int[]) as s(line, provision_id, service_id)
      where r.batch_id = ${rows[0]!.batchId} and r.line = s.line and r.status = 'pending'`.execute(db);
  }

  /** A batch with nothing waiting and nothing running is completed (or, cancelled, done); its queue goes. */
  private async finishIfDone(id: string) {
    const { rows } = await sql<{ busy: boolean }>`
      select exists (select 1 from batch_rows where batch_id = ${id} and status = 'pending')
          or exists (select 1 from provisions where batch_id = ${id} and status in ('queued', 'running')) as busy`.execute(this.d.db);
    if (rows[0]?.busy) return;
    const done = await this.d.db
      .updateTable('batches')
      .set({ status: sql<BatchStatus>`case when status = 'running' then 'completed' else status end`, finishedAt: new Date().toISOString(), pumpLeaseUntil: null })
      .where('id', '=', id)
      .where('status', 'in', ['running', 'cancelled'])
      .where('finishedAt', 'is', null)
      .returning('status')
      .executeTakeFirst();
    if (done) {
      this.d.logger.info({ batchId: id, status: done.status }, 'batch finished');
    }
  }
}
