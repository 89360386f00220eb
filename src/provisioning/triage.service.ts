import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB, Executor } from '../db/schema.js';
import { AppError } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { type ProvisionKind, type ProvisionStatus, provisionStatus } from './provisioning.schemas.js';
import type { ProvisioningService } from './provisioning.service.js';
import { systemCodes, systemOf, taskLabelOf, withoutJit } from './provisioning.stats.js';
import { type BulkResult, type CancelRequest, MAX_RUNS, type RetryRequest, type RunOutcome, type TriageFilter, type TriageList, type TriageQuery, triageStates } from './triage.schemas.js';

export interface TriageDeps {
  db: Kysely<DB>;
  provisioning: ProvisioningService;
  /** The HTTP systems playbooks call by name (their error codes name them). */
  httpSystems: Iterable<string>;
  /** Batch names by ID (the bulk domain's). */
  batchNames: (ids: string[]) => Promise<Map<string, string>>;
  /** Runs retried or cancelled at once (each its own transaction); 1 on the embedded database. */
  concurrency: number;
}

/** Where a run has been since: ended (failed, timed out), started running, or queued (a queued run's row changes only when it is queued). */
const since = sql<string>`(case p.status when 'running' then p.started_at when 'queued' then p.updated_at else p.finished_at end)`;

const minutesAgo = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

/** The runs of the states asked for: failed, timed out, or running or queued for longer than the filter says. */
function stateWhere(f: Pick<TriageFilter, 'state' | 'longerThanMinutes'>, now: Date): RawBuilder<unknown> {
  const states = f.state ?? triageStates;
  const cutoff = minutesAgo(now, f.longerThanMinutes);
  const arms = states.map((s) =>
    s === 'running'
      ? sql`(p.status = 'running' and p.started_at < ${cutoff}::timestamptz)`
      : s === 'queued'
        ? sql`(p.status = 'queued' and p.updated_at < ${cutoff}::timestamptz)`
        : sql`p.status = ${s}`,
  );
  return sql`(${sql.join(arms, sql` or `)})`;
}

/** The failed task's name as the playbook says it, for the runs that failed at a task. */
const failedTaskLabel = sql<string | null>`case when p.failed_task is not null then ${taskLabelOf(sql.ref('p.playbook_snapshot'), sql.ref('p.failed_task'))} end`;

/** What the filters say besides the state: code, task, playbook, batch. */
function filterConds(f: TriageFilter): RawBuilder<unknown>[] {
  const conds: RawBuilder<unknown>[] = [];
  if (f.errorCode) conds.push(sql`p.error_code = ${f.errorCode}`);
  if (f.task) conds.push(sql`${failedTaskLabel} = ${f.task}`);
  if (f.playbook) conds.push(sql`p.playbook = ${f.playbook}`);
  if (f.batchId) conds.push(sql`p.batch_id = ${f.batchId}::uuid`);
  return conds;
}

/** The age filters on when a run got where it is (`column`). */
function ageConds(f: TriageFilter, now: Date, column: RawBuilder<unknown>): RawBuilder<unknown>[] {
  const conds: RawBuilder<unknown>[] = [];
  // Acting on "all matching" as the list was read: nothing that got there since.
  if (f.asOf) conds.push(sql`${column} <= ${f.asOf}::timestamptz`);
  if (f.olderThanMinutes) conds.push(sql`${column} <= ${minutesAgo(now, f.olderThanMinutes)}::timestamptz`);
  if (f.newerThanMinutes) conds.push(sql`${column} >= ${minutesAgo(now, f.newerThanMinutes)}::timestamptz`);
  return conds;
}

/** Every run the filters match. */
function where(f: TriageFilter, now: Date): RawBuilder<unknown> {
  return sql.join([stateWhere(f, now), ...filterConds(f), ...ageConds(f, now, since)], sql` and `);
}

/**
 * The runs the filters match, newest first (by when they got where they are), `limit` of them from
 * `offset`: the newest `offset + limit` of each state read in order from its index (failed and
 * timed-out runs from provisions_failed_idx, by when they ended), then merged.
 */
function ordered(f: TriageFilter, now: Date, limit: number, offset: number) {
  const states = f.state ?? triageStates;
  const cutoff = minutesAgo(now, f.longerThanMinutes);
  const arm = (column: RawBuilder<unknown>, state: RawBuilder<unknown>) =>
    sql`(select p.id, ${column} as since from provisions p where ${sql.join([state, ...filterConds(f), ...ageConds(f, now, column)], sql` and `)}
         order by ${column} desc, p.id limit ${offset + limit})`;
  const ended = states.filter((s) => s === 'failed' || s === 'timed_out');
  const arms = [
    // The states as literals, so that the planner sees the partial index applies.
    ...(ended.length ? [arm(sql.ref('p.finished_at'), sql`p.status in (${sql.join(ended.map((s) => sql.lit(s)))})`)] : []),
    ...(states.includes('running') ? [arm(sql.ref('p.started_at'), sql`p.status = 'running' and p.started_at < ${cutoff}::timestamptz`)] : []),
    ...(states.includes('queued') ? [arm(sql.ref('p.updated_at'), sql`p.status = 'queued' and p.updated_at < ${cutoff}::timestamptz`)] : []),
  ];
  return sql<{ id: string; since: string }>`select id, since from (${sql.join(arms, sql` union all `)}) x order by since desc, id limit ${limit} offset ${offset}`;
}

/** Runs `fn` on each item, `n` at a time, keeping their order. */
async function eachLimit<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const skipped = (id: string, status: ProvisionStatus | null, code: string, reason: string, hint: string | null = null): RunOutcome => ({ id, outcome: 'skipped', status, code, reason, hint });

/**
 * Failed-run triage (issue 12): the runs that need someone (failed, timed out, running or queued
 * too long), filtered and paged; and Retry / Cancel for many at once, each run through the same
 * ProvisioningService.retry and cancel as the single routes (the ledger moves it, audited alike),
 * each run answered for.
 */
export class TriageService {
  constructor(private readonly d: TriageDeps) {}

  async list(q: TriageQuery): Promise<TriageList> {
    const now = new Date();
    const filter: TriageFilter = q;
    const db = this.d.db;
    const [rows, total, facets] = await Promise.all([
      withoutJit(db, (trx) => sql<{
        id: string;
        status: ProvisionStatus;
        kind: ProvisionKind;
        attempt: number;
        playbook: string;
        batchId: string | null;
        customerId: number;
        customerName: string | null;
        productName: string | null;
        serviceId: number | null;
        serviceStatus: string | null;
        errorCode: string | null;
        error: string | null;
        errorHint: string | null;
        taskSeq: number | null;
        taskName: string | null;
        taskAction: string | null;
        taskLabel: string | null;
        argSystem: string | null;
        since: string;
        createdAt: string;
      }>`
        select p.id, p.status, p.kind, p.attempt, p.playbook, p.batch_id, p.customer_id, p.service_id, p.error_code, p.error, p.error_hint, p.created_at,
               p.variables -> 'customer' ->> 'name' as customer_name,
               p.variables -> 'product' ->> 'name' as product_name,
               (select s.status from services s where s.id = p.service_id) as service_status,
               t.seq as task_seq, t.name as task_name, t.action as task_action,
               case when t.seq is not null then ${taskLabelOf(sql.ref('p.playbook_snapshot'), sql.ref('t.seq'))} end as task_label,
               case when t.seq is not null then p.playbook_snapshot -> 'tasks' -> (t.seq - 1) -> 'args' ->> 'system' end as arg_system,
               page.since
        from (${ordered(filter, now, q.limit, q.offset)}) page
        join provisions p on p.id = page.id
        left join lateral (
          select t.seq, t.name, t.action from provision_tasks t
          where t.provision_id = p.id and (t.seq = p.failed_task or (p.status = 'running' and t.status = 'running'))
          order by t.seq limit 1
        ) t on true
        order by page.since desc, p.id`.execute(trx)),
      withoutJit(db, (trx) => sql<{ n: number }>`select count(*)::int as n from provisions p where ${where(filter, now)}`.execute(trx)),
      withoutJit(db, (trx) => this.facets(trx, filter, now)),
    ]);
    const names = await this.d.batchNames([...new Set([...rows.rows.map((r) => r.batchId), ...facets.batches.map((b) => b.value)].filter((b): b is string => b !== null))]);
    const codes = systemCodes(this.d.httpSystems);
    return {
      total: total.rows[0]!.n,
      asOf: now.toISOString(),
      longerThanMinutes: q.longerThanMinutes,
      facets: { ...facets, batches: facets.batches.map((b) => ({ ...b, name: names.get(b.value) ?? null })) },
      items: rows.rows.map((r) => ({
        id: r.id,
        status: r.status,
        kind: r.kind,
        attempt: r.attempt,
        playbook: r.playbook,
        customer: { id: r.customerId, name: r.customerName ?? `Customer ${r.customerId}` },
        product: r.productName ?? '',
        service: r.serviceId !== null && r.serviceStatus !== null ? { id: r.serviceId, status: r.serviceStatus } : null,
        batch: r.batchId ? { id: r.batchId, name: names.get(r.batchId) ?? null } : null,
        task: r.taskSeq !== null ? { seq: r.taskSeq, name: r.taskName ?? '', label: r.taskLabel, action: r.taskAction ?? '' } : null,
        system: r.status === 'failed' || r.status === 'timed_out' ? systemOf(r.taskAction, r.argSystem, r.errorCode, codes) : null,
        error: r.error && (r.status === 'failed' || r.status === 'timed_out') ? { code: r.errorCode ?? 'TASK_FAILED', message: r.error, hint: r.errorHint } : null,
        since: r.since,
        ageSeconds: Math.max(0, Math.round((now.getTime() - new Date(r.since).getTime()) / 1000)),
        createdAt: r.createdAt,
      })),
    };
  }

  /**
   * The values the filters can take among the runs of the states asked for: one scan, four
   * groupings. A task's name is read from one run's playbook per playbook version and position,
   * not from every run.
   */
  private async facets(db: Executor, f: TriageFilter, now: Date) {
    const { rows } = await sql<{ facet: 'errorCodes' | 'tasks' | 'playbooks' | 'batches'; value: string; n: number }>`
      with m as (
        select p.id, p.error_code, p.playbook, p.batch_id::text as batch_id, p.playbook_key, p.failed_task
        from provisions p where ${stateWhere(f, now)}
      ), tasks as (
        select g.n, ${taskLabelOf(sql.ref('q.playbook_snapshot'), sql.ref('g.failed_task'))} as task
        from (select playbook_key, failed_task, count(*)::int as n, min(id::text)::uuid as one from m where failed_task is not null group by 1, 2) g
        join provisions q on q.id = g.one
      )
      select 'errorCodes' as facet, error_code as value, count(*)::int as n from m where error_code is not null group by error_code
      union all select 'tasks', task, sum(n)::int from tasks where task is not null group by task
      union all select 'playbooks', playbook, count(*)::int from m group by playbook
      union all select 'batches', batch_id, count(*)::int from m where batch_id is not null group by batch_id`.execute(db);
    const of = (facet: (typeof rows)[number]['facet']) =>
      rows
        .filter((r) => r.facet === facet)
        .sort((a, b) => b.n - a.n || a.value.localeCompare(b.value))
        .slice(0, 100)
        .map((r) => ({ value: r.value, count: r.n }));
    return { errorCodes: of('errorCodes'), tasks: of('tasks'), playbooks: of('playbooks'), batches: of('batches') };
  }

  /** The runs a request acts on: its IDs (each once, in order), or up to MAX_RUNS a filter reaches, the most recent first. */
  private async targets(req: { ids?: string[] | undefined; filter?: TriageFilter | undefined }): Promise<{ ids: string[]; more: boolean }> {
    if (req.ids) return { ids: [...new Set(req.ids)], more: false };
    const f = req.filter!;
    const { rows } = await withoutJit(this.d.db, (trx) => ordered(f, f.asOf ? new Date(f.asOf) : new Date(), MAX_RUNS + 1, 0).execute(trx));
    return { ids: rows.slice(0, MAX_RUNS).map((r) => r.id), more: rows.length > MAX_RUNS };
  }

  /** Retry selected: a new attempt for each failed or timed-out run; the others say why not. */
  async retry(ctx: Ctx, req: RetryRequest): Promise<BulkResult> {
    return this.act(req, async (id) => {
      const seen = req.attempts?.[id];
      const r = await this.d.provisioning.retryRun(ctx, id, seen);
      if (r.retried) return { id, outcome: 'retried', attempt: r.attempt };
      if (seen !== undefined && r.attempt > seen) return skipped(id, r.status, 'ALREADY_RETRIED', `Attempt ${seen} was retried already: the run is ${said(r.status)} (attempt ${r.attempt}).`);
      return skipped(id, r.status, 'ALREADY_QUEUED', `The run is ${said(r.status)} already (attempt ${r.attempt}): there is nothing to retry.`, 'Wait for it to end; if it fails, retry it then.');
    });
  }

  /** Cancel selected: each failed, timed-out or queued run cancelled (its service, its inventory, its undo); the others say why not. */
  async cancel(ctx: Ctx, req: CancelRequest): Promise<BulkResult> {
    return this.act(req, async (id) => {
      const r = await this.d.provisioning.cancelRun(ctx, id);
      if (r.cancelled) return { id, outcome: 'cancelled', inventoryReleased: r.inventoryReleased };
      return skipped(id, 'cancelled', 'ALREADY_CANCELLED', 'The run was cancelled already.');
    });
  }

  private async act(req: { ids?: string[] | undefined; filter?: TriageFilter | undefined }, one: (id: string) => Promise<RunOutcome>): Promise<BulkResult> {
    const { ids, more } = await this.targets(req);
    const results = await eachLimit(ids, this.d.concurrency, async (id) => {
      try {
        return await one(id);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        const from = e.details?.from;
        return skipped(id, e.code === 'NOT_FOUND' ? null : typeof from === 'string' ? await this.statusOf(id, from) : null, e.code, e.message, e.hint ?? null);
      }
    });
    const done = results.filter((r) => r.outcome !== 'skipped').length;
    return { done, skipped: results.length - done, more, results };
  }

  /** The run's status when a move was refused (the refusal may name its service's status instead). */
  private async statusOf(id: string, from: string): Promise<ProvisionStatus | null> {
    const known = provisionStatus.safeParse(from);
    if (known.success) return known.data;
    const r = await this.d.db.selectFrom('provisions').select('status').where('id', '=', id).executeTakeFirst();
    return r?.status ?? null;
  }
}

const said = (s: ProvisionStatus) => s.replace(/_/g, ' ');
