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
  /** Rows a batch starts at once (1 on the embedded database, whose one connection serialises them anyway). */
  lanes?: number;
}

/** An item picked for a row is held this long between its pick and its run being written. */
const PICK_HOLD_SECONDS = 600;
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

  /** Starts rows until `concurrency` runs wait on the batch's queue. */
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
    // A few rows at once: each is a handful of short queries, mostly waiting on the database.
    let next = 0;
    const lane = async () => {
      while (next < rows.length && !this.stopped) {
        const r = rows[next++]!;
        // Paused or cancelled meanwhile: stop here.
        const now = await this.d.db.selectFrom('batches').select('status').where('id', '=', b.id).executeTakeFirst();
        if (now?.status !== 'running') return;
        await this.startRow(ctx, b.id, r.line, r.input!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.d.lanes ?? 4, rows.length) }, lane));
  }

  /** One row: its items picked and held for it, then the same path as a confirmed assignment. */
  private async startRow(ctx: Ctx, batchId: string, line: number, input: AssignmentInput) {
    const holder = rowHolder(batchId, line);
    try {
      const product = await this.d.catalog.get(input.product);
      const inventory: Record<string, number> = {};
      for (const t of product.inventoryTemplates) inventory[t] = (await this.d.inventory.reserveFromStock(ctx, holder, t, input.inventory[t], PICK_HOLD_SECONDS)).id;
      const started = (trx: Executor, provisionId: string, serviceId: number) => this.markStarted(trx, batchId, line, provisionId, serviceId);
      const { progress } = await this.d.provisioning.start(ctx, holder, { ...input, inventory, reservation: holder }, { batch: { id: batchId, started } });
      // Given back by its key (the process stopped after writing it): the row says so now.
      await this.markStarted(this.d.db, batchId, line, progress.id, progress.service?.id ?? null);
    } catch (e) {
      const message = e instanceof AppError ? e.message : 'Switchboard could not start this row (see the server log).';
      const errorCode = e instanceof AppError ? e.code : 'ROW_NOT_STARTED';
      if (!(e instanceof AppError)) this.d.logger.error({ batchId, line, err: (e as Error).message }, 'a batch row failed to start');
      await this.d.inventory.releaseHolders(ctx, [holder]);
      await this.d.db.updateTable('batchRows').set({ status: 'failed', error: message, errorCode, updatedAt: new Date().toISOString() }).where('batchId', '=', batchId).where('line', '=', line).where('status', '=', 'pending').execute();
    }
  }

  private async markStarted(db: Executor, batchId: string, line: number, provisionId: string, serviceId: number | null) {
    await db
      .updateTable('batchRows')
      .set({ status: 'started', provisionId, serviceId, error: null, updatedAt: new Date().toISOString() })
      .where('batchId', '=', batchId)
      .where('line', '=', line)
      .where('status', '=', 'pending')
      .execute();
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
