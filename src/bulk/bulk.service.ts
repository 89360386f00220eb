import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import { type DB, json } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { LoadedPlaybook } from '../provisioning/playbooks/playbooks.js';
import type { BatchGate } from '../provisioning/engine/index.js';
import type { ProvisioningService } from '../provisioning/provisioning.service.js';
import { englishClause, say } from '../provisioning/preflight-texts.js';
import type { Clock } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { Batch, BatchParams, BatchRow, DryRunReport, RowError } from './bulk.schemas.js';
import type { ServicesService } from '../services/services.service.js';
import type { BatchStatus } from './bulk.tables.js';
import { BatchValidator, type CheckedRow } from './bulk.validator.js';

export interface BulkDeps {
  db: Kysely<DB>;
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
  services: ServicesService;
  provisioning: ProvisioningService;
  playbooks: ReadonlyMap<string, LoadedPlaybook>;
  clock: Clock;
  logger: Logger;
  /** Runs at once for a batch that does not say (BULK_CONCURRENCY). */
  defaultConcurrency: number;
  /** Called when a batch has rows to start (the pump in this process wakes up). */
  wake: () => void;
}

/** The reservation holder of a row: its items are held for it until it starts. */
export const rowHolder = (batchId: string, line: number) => `batch:${batchId}:${line}`;
/** Items a file names are held for their rows this long; a row that waits longer loses them. */
const NAMED_HOLD_SECONDS = 30 * 86_400;
const REPORT_ERRORS = 1000;

/**
 * Bulk assignment (R11): a CSV file checked row by row (the dry run writes nothing), then
 * committed as a batch whose good rows the pump (bulk.pump.ts) turns into provisions on the
 * batch's own queue, at most `concurrency` running at once.
 */
/**
 * What the provisioning engine asks before it starts a batch's runs (R11.3): whether the batch
 * lets them start (running, not paused) and how many may run at once. The batches' rows are
 * locked for the claiming transaction, so a pause waits for a claim under way and holds from its
 * commit on. A batch that is completed or cancelled no longer governs its runs (a failed row
 * retried later runs like any other).
 */
export const batchGate: BatchGate = {
  async limits(trx, batchIds) {
    if (!batchIds.length) return new Map();
    const rows = await trx.selectFrom('batches').select(['id', 'status', 'concurrency']).where('id', 'in', batchIds).where('status', 'in', ['running', 'paused']).forUpdate().execute();
    return new Map(rows.map((b) => [b.id, { open: b.status === 'running', concurrency: b.concurrency }]));
  },
};

export class BulkService {
  constructor(private readonly d: BulkDeps) {}

  private validator(params: BatchParams) {
    return new BatchValidator({ ...this.d, promisedStock: (template) => this.promisedStock(template) }, params);
  }

  /** Items of a template the rows of running and paused batches will pick from stock when they start. */
  async promisedStock(template: string): Promise<number> {
    const r = await sql<{ n: number }>`
      select count(*)::int as n
      from batch_rows r join batches b on b.id = r.batch_id join products p on p.slug = r.input ->> 'product'
      where b.status in ('running', 'paused') and r.status = 'pending'
        and ${template} = any(p.inventory_templates) and not coalesce((r.input -> 'inventory') ? ${template}, false)`.execute(this.d.db);
    return r.rows[0]!.n;
  }

  /** Checks every row as the review screen would (R11.2); nothing is reserved or written. */
  async dryRun(params: BatchParams, file: Readable): Promise<DryRunReport> {
    const started = performance.now();
    const v = this.validator(params);
    const report = newTally();
    const { rows } = await v.run(file, async (chunk) => {
      for (const r of chunk) tally(report, r);
    });
    return finishReport(v, report, rows, started);
  }

  /**
   * Commits a file (R11.3): checks it again (stock and customers may have changed since the dry
   * run), stores every row, holds the items rows name, and starts the batch. The batch is
   * invisible and inert until the whole file is in; a file that fails half-way leaves nothing.
   */
  async commit(ctx: Ctx, params: BatchParams, file: Readable, idempotencyKey?: string): Promise<{ batch: Batch; report: DryRunReport; created: boolean }> {
    const started = performance.now();
    const id = randomUUID();
    const concurrency = params.concurrency ?? this.d.defaultConcurrency;
    const claimed = await this.d.db
      .insertInto('batches')
      .values({
        id,
        idempotencyKey: idempotencyKey ?? null,
        name: params.name?.trim() || `Batch of ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
        status: 'importing',
        params: json({ product: params.product, autoRenew: params.autoRenew, fields: params.fields }),
        concurrency,
        totalRows: 0,
        goodRows: 0,
        badRows: 0,
        createdBy: ctx.actor.id,
        createdByLabel: ctx.actor.label,
      })
      .onConflict((oc) => oc.column('idempotencyKey').where('idempotencyKey', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return this.replay(idempotencyKey!);
    const v = this.validator(params);
    const report = newTally();
    try {
      const { rows } = await v.run(file, async (chunk) => {
        await this.holdNamedItems(ctx, id, chunk);
        for (const r of chunk) tally(report, r);
        await this.d.db
          .insertInto('batchRows')
          .values(
            chunk.map((r) => ({
              batchId: id,
              line: r.line,
              status: r.input ? ('pending' as const) : ('invalid' as const),
              customerRef: r.customerRef,
              customerId: r.customerId,
              input: r.input ? json(r.input) : null,
              errors: json(r.errors),
            })),
          )
          .execute();
      });
      const out = finishReport(v, report, rows, started);
      if (out.good === 0) {
        throw new AppError('PRECONDITION_FAILED', rows === 0 ? 'The file has no rows.' : `None of the ${rows.toLocaleString('en')} rows can be assigned.`, 'Correct the rows the report names, then import the file again.', {
          report: out,
        });
      }
      await transaction(this.d.db, async (trx) => {
        await trx.updateTable('batches').set({ status: 'running', totalRows: out.rows, goodRows: out.good, badRows: out.bad, report: json(out) }).where('id', '=', id).execute();
        await recordAudit(trx, ctx, { action: 'batch.create', entityType: 'batch', entityId: id, after: { rows: out.rows, good: out.good, bad: out.bad, concurrency, product: params.product ?? null } });
      });
      this.d.wake();
      return { batch: await this.get(id), report: out, created: true };
    } catch (e) {
      await this.d.db.deleteFrom('batches').where('id', '=', id).execute();
      await this.d.inventory.releaseHolderPrefix(ctx, `batch:${id}:`);
      throw e;
    }
  }

  /** The batch a commit with this key made: the same answer, the file not read again. */
  private async replay(key: string): Promise<{ batch: Batch; report: DryRunReport; created: boolean }> {
    const b = await this.d.db.selectFrom('batches').select(['id', 'status', 'report']).where('idempotencyKey', '=', key).executeTakeFirst();
    if (!b || b.status === 'importing' || !b.report) {
      throw new AppError('CONFLICT', 'This file is still being imported by the same request sent earlier.', 'Wait a moment, then open the batch from the provisioning page.');
    }
    return { batch: await this.get(b.id), report: b.report, created: false };
  }

  /** Holds, for their rows, the items a chunk of rows names; a row whose item was taken since the check becomes bad. */
  private async holdNamedItems(ctx: Ctx, batchId: string, chunk: CheckedRow[]) {
    const holds = chunk.flatMap((r) => (r.input ? Object.values(r.input.inventory).map((itemId) => ({ holder: rowHolder(batchId, r.line), itemId, row: r })) : []));
    const lost = new Set(await this.d.inventory.reserveForRows(ctx, holds, NAMED_HOLD_SECONDS));
    const spoilt: string[] = [];
    for (const h of holds) {
      if (!lost.has(h.itemId) || !h.row.input) continue;
      const template = Object.entries(h.row.input.inventory).find(([, itemId]) => itemId === h.itemId)?.[0] ?? 'inventory';
      const text = say('row.takenMeanwhile', { template });
      h.row.errors.push({ line: h.row.line, column: template, message: englishClause(text), text });
      h.row.input = null;
      spoilt.push(h.holder);
    }
    await this.d.inventory.releaseHolders(ctx, spoilt);
  }

  // --- reading ------------------------------------------------------------------------------------

  async list(limit: number): Promise<Batch[]> {
    const ids = await this.d.db.selectFrom('batches').select('id').where('status', '<>', 'importing').orderBy('createdAt', 'desc').limit(limit).execute();
    return Promise.all(ids.map((b) => this.get(b.id)));
  }

  /** Batches' names by ID (the triage names the batch a run belongs to). */
  async names(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.d.db.selectFrom('batches').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((b) => [b.id, b.name]));
  }

  /** A batch with its counts by status, its rate over the last minute and the time left at that rate (R11.4). */
  async get(id: string): Promise<Batch> {
    const b = await this.d.db.selectFrom('batches').selectAll().where('id', '=', id).where('status', '<>', 'importing').executeTakeFirst();
    if (!b) throw notFound('Batch', id, 'GET /api/batches lists the batches.');
    const [counts, recent] = await Promise.all([
      sql<{ status: string; n: string }>`
        select coalesce(p.status, r.status) as status, count(*) as n
        from batch_rows r left join provisions p on p.id = r.provision_id
        where r.batch_id = ${id} group by 1`.execute(this.d.db),
      sql<{ n: string; total: string; first: string | null; last: string | null }>`
        select count(*) filter (where finished_at > now() - interval '60 seconds') as n, count(*) as total, min(started_at) as first, max(finished_at) as last
        from provisions where batch_id = ${id} and status in ('succeeded', 'failed', 'timed_out')`.execute(this.d.db),
    ]);
    const by = Object.fromEntries(counts.rows.map((r) => [r.status, Number(r.n)]));
    const c = { invalid: 0, pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, cancelled: 0 };
    for (const [k, n] of Object.entries(by)) {
      if (k === 'started') c.queued += n;
      else if (k in c) c[k as keyof typeof c] += n;
    }
    // Going: rows finished over the last minute (or since the first run started). Finished: the whole batch's average.
    const r = recent.rows[0];
    const first = r?.first ? Date.parse(r.first) : Date.now();
    const rate = b.finishedAt
      ? (Number(r?.total ?? 0) * 60) / Math.max(1, ((r?.last ? Date.parse(r.last) : first) - first) / 1000)
      : (Number(r?.n ?? 0) * 60) / Math.min(60, Math.max(1, (Date.now() - first) / 1000));
    const ratePerMinute = Math.round(rate * 10) / 10;
    const left = c.pending + c.queued + c.running;
    const etaSeconds = (b.status === 'running' || b.status === 'cancelled') && left > 0 && ratePerMinute > 0 ? Math.ceil((left * 60) / ratePerMinute) : left === 0 ? 0 : null;
    return {
      id: b.id,
      name: b.name,
      status: b.status as Exclude<BatchStatus, 'importing'>,
      concurrency: b.concurrency,
      params: { ...(b.params.product && { product: b.params.product }), ...(b.params.autoRenew !== undefined && { autoRenew: b.params.autoRenew }), fields: b.params.fields ?? {} },
      totalRows: b.totalRows,
      goodRows: b.goodRows,
      badRows: b.badRows,
      counts: c,
      ratePerMinute,
      etaSeconds,
      createdBy: b.createdByLabel,
      createdAt: b.createdAt,
      finishedAt: b.finishedAt,
    };
  }

  /** The rows of a batch, each with its provision's status and error (R11.4). */
  async rows(id: string, q: { status?: string | undefined; afterLine?: number | undefined; limit: number }): Promise<BatchRow[]> {
    await this.get(id);
    const statuses = q.status === 'failed' ? ['failed', 'timed_out'] : q.status ? [q.status] : null;
    const { rows } = await sql<{
      line: number;
      status: BatchRow['status'];
      customerRef: string;
      customerId: number | null;
      provisionId: string | null;
      serviceId: number | null;
      error: string | null;
      errorCode: string | null;
      failedTask: { seq: number; name: string; action: string } | null;
      errors: RowError[];
    }>`
      select r.line, coalesce(p.status, r.status) as status, r.customer_ref, r.customer_id, r.provision_id, r.service_id,
             case when p.status in ('failed', 'timed_out') then p.error else r.error end as error,
             case when p.status in ('failed', 'timed_out') then p.error_code else r.error_code end as error_code,
             case when t.seq is not null then json_build_object('seq', t.seq, 'name', t.name, 'action', t.action) end as failed_task, r.errors
      from batch_rows r left join provisions p on p.id = r.provision_id
      left join provision_tasks t on p.status in ('failed', 'timed_out') and t.provision_id = p.id and t.seq = p.failed_task
      where r.batch_id = ${id} and r.line > ${q.afterLine ?? 0}
        and (${statuses}::text[] is null or coalesce(p.status, r.status) = any(${statuses}::text[]))
      order by r.line limit ${q.limit}`.execute(this.d.db);
    const names = await this.d.customers.names(rows.flatMap((r) => (r.customerId ? [r.customerId] : [])));
    return rows.map((r) => ({ ...r, customerName: r.customerId ? (names.get(r.customerId) ?? null) : null, status: (r.status as string) === 'started' ? 'queued' : r.status }));
  }

  /** Every row and what became of it, as CSV, read a page at a time (R11.4). */
  resultsCsv(id: string): Readable {
    const self = this;
    async function* pages() {
      let after = 0;
      for (;;) {
        const page = await self.rows(id, { afterLine: after, limit: 1000 });
        for (const r of page) {
          yield [
            r.line,
            safeCell(r.customerRef),
            r.customerId ?? '',
            r.status,
            r.serviceId ?? '',
            r.provisionId ?? '',
            r.failedTask ? safeCell(`${r.failedTask.seq}. ${r.failedTask.name}`) : '',
            r.errorCode ?? '',
            safeCell(r.error ?? r.errors.map((e) => `${e.column}: ${e.message}`).join('; ')),
          ];
        }
        if (page.length < 1000) return;
        after = page[page.length - 1]!.line;
      }
    }
    return Readable.from(pages()).pipe(stringify({ header: true, columns: ['line', 'customer', 'customer_id', 'status', 'service_id', 'provision_id', 'failed_task', 'error_code', 'error'] }));
  }

  // --- acting -------------------------------------------------------------------------------------

  private async lock(trx: Parameters<Parameters<typeof transaction>[1]>[0], id: string) {
    const b = await trx.selectFrom('batches').selectAll().where('id', '=', id).where('status', '<>', 'importing').forUpdate().executeTakeFirst();
    if (!b) throw notFound('Batch', id);
    return b;
  }

  /** Stops starting rows; runs already going finish (R11.4). */
  async pause(ctx: Ctx, id: string): Promise<Batch> {
    // Runs are claimed under a lock on their batch's row (BatchGate): once this commits, none of
    // the batch's runs starts until it is resumed.
    await transaction(this.d.db, async (trx) => {
      const b = await this.lock(trx, id);
      if (b.status === 'paused') return;
      if (b.status !== 'running') throw notNow(b.status, 'paused');
      await trx.updateTable('batches').set({ status: 'paused' }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'batch.pause', entityType: 'batch', entityId: id, before: { status: b.status }, after: { status: 'paused' } });
    });
    return this.get(id);
  }

  async resume(ctx: Ctx, id: string): Promise<Batch> {
    await transaction(this.d.db, async (trx) => {
      const b = await this.lock(trx, id);
      if (b.status === 'running') return;
      if (b.status !== 'paused') throw notNow(b.status, 'running');
      await trx.updateTable('batches').set({ status: 'running' }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'batch.resume', entityType: 'batch', entityId: id, before: { status: b.status }, after: { status: 'running' } });
    });
    // Its queued runs may start now, in any process.
    this.d.provisioning.nudge();
    this.d.wake();
    return this.get(id);
  }

  /**
   * Cancels a batch (R11.4): rows not started are cancelled and their items go back to stock;
   * runs queued but not started are cancelled the same way (service cancelled, items released);
   * runs already going finish.
   */
  async cancel(ctx: Ctx, id: string): Promise<Batch> {
    const changed = await transaction(this.d.db, async (trx) => {
      const b = await this.lock(trx, id);
      if (b.status === 'cancelled') return false;
      if (b.status === 'completed') throw notNow(b.status, 'cancelled');
      await trx.updateTable('batches').set({ status: 'cancelled' }).where('id', '=', id).execute();
      const rows = await trx.updateTable('batchRows').set({ status: 'cancelled', updatedAt: new Date().toISOString() }).where('batchId', '=', id).where('status', '=', 'pending').executeTakeFirst();
      await recordAudit(trx, ctx, { action: 'batch.cancel', entityType: 'batch', entityId: id, before: { status: b.status }, after: { status: 'cancelled', rowsCancelled: Number(rows.numUpdatedRows) } });
      return true;
    });
    if (changed) {
      await this.d.inventory.releaseHolderPrefix(ctx, `batch:${id}:`);
      // Runs not started yet are cancelled (a run that started meanwhile finishes like the others).
      await this.d.provisioning.cancelQueued(ctx, { batchId: id }, `Cancelled with its batch by ${ctx.actor.label}`);
      this.d.wake();
    }
    return this.get(id);
  }

  /**
   * Retries the failed rows together (R11.4): rows that could not start go back to waiting;
   * failed and timed-out runs get a new attempt, within the batch's concurrency again.
   */
  async retryFailed(ctx: Ctx, id: string): Promise<Batch & { retried: number }> {
    const { rows, failed } = await transaction(this.d.db, async (trx) => {
      const b = await this.lock(trx, id);
      if (b.status === 'cancelled') throw notNow(b.status, 'running', 'A cancelled batch stays cancelled: import the rows again as a new batch.');
      const res = await trx.updateTable('batchRows').set({ status: 'pending', error: null, errorCode: null, updatedAt: new Date().toISOString() }).where('batchId', '=', id).where('status', '=', 'failed').executeTakeFirst();
      if (b.status === 'completed') await trx.updateTable('batches').set({ status: 'running', finishedAt: null }).where('id', '=', id).execute();
      const failedRuns = await trx.selectFrom('provisions').select('id').where('batchId', '=', id).where('status', 'in', ['failed', 'timed_out']).execute();
      const requeued = Number(res.numUpdatedRows);
      await recordAudit(trx, ctx, { action: 'batch.retry_failed', entityType: 'batch', entityId: id, after: { rowsRequeued: requeued, runsRetried: failedRuns.length } });
      return { rows: requeued, failed: failedRuns };
    });
    let retried = rows;
    for (const p of failed) {
      await this.d.provisioning.retry(ctx, p.id);
      retried++;
    }
    this.d.wake();
    return { ...(await this.get(id)), retried };
  }
}

type Tally = { good: number; bad: number; errors: RowError[]; errorCount: number };
const newTally = (): Tally => ({ good: 0, bad: 0, errors: [], errorCount: 0 });

function tally(report: Tally, r: CheckedRow) {
  if (r.input) report.good++;
  else {
    report.bad++;
    report.errorCount += r.errors.length;
    for (const e of r.errors) if (report.errors.length < REPORT_ERRORS) report.errors.push(e);
  }
}

function finishReport(v: BatchValidator, report: Tally, rows: number, started: number): DryRunReport {
  const errors = v.shortfallMessages(report.errors);
  return {
    rows,
    good: report.good,
    bad: report.bad,
    errors,
    errorsTruncated: report.errorCount > report.errors.length,
    inventory: v.inventorySummary(),
    products: v.productSummary(),
    seconds: Math.round(performance.now() - started) / 1000,
  };
}

/**
 * A cell a spreadsheet would run as a formula (=, @, or + and - not starting a phone number) is
 * prefixed with an apostrophe: the file came from outside and goes back to someone's desktop.
 */
export function safeCell(v: string): string {
  return /^[=@\t\r]/.test(v) || /^[+-](?![\d\s().]*$)/.test(v) ? `'${v}` : v;
}

function notNow(from: string, to: string, hint?: string) {
  return new AppError('INVALID_TRANSITION', `This batch is ${from}; it cannot be ${to === 'running' ? 'resumed' : to} now.`, hint ?? 'Reload the batch to see what it is doing.', { from, to });
}
