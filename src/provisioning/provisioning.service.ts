import { transaction } from '../db/transaction.js';
import { createHash, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { ServicesService } from '../services/services.service.js';
import { type DB, type Executor, json } from '../db/schema.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { RunLedger } from './ledger.js';
import { preflight, type PreflightDeps, variablesFor } from './preflight.js';
import { ProgressCache } from './progress-cache.js';
import type { ProgressHub } from './progress-hub.js';
import type { ProvisionsTable } from './provisioning.tables.js';
import { doneTaskStatuses, provisionLifecycle } from './provisioning.lifecycle.js';
import { renderString } from './playbooks/templating.js';
import type { AssignmentInput, PreflightResult, Progress, ProvisionStatus, RunVariables } from './provisioning.schemas.js';

export interface ProvisioningDeps extends PreflightDeps {
  db: Kysely<DB>;
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

export interface StartOptions {
  /** A row of a bulk assignment: its batch, and what marks the row started. */
  batch?: { id: string; started: (trx: Executor, provisionId: string, serviceId: number) => Promise<void> };
}

/** Runs of one playbook as it was confirmed share a key: the dispatcher groups them by it. */
export const playbookKey = (name: string, snapshot: unknown) => `${name}@${createHash('md5').update(JSON.stringify(snapshot)).digest('hex')}`;

export class ProvisioningService {
  private readonly cache: ProgressCache;

  constructor(private readonly d: ProvisioningDeps) {
    this.cache = new ProgressCache(d.hub, { ttlMs: 1000, maxEntries: 10_000 });
  }

  /** The polling route's read (R7.2): from memory until the run changes, one second at most. */
  polledProgress(id: string): Promise<Progress> {
    return this.cache.get(id, () => this.progress(id));
  }

  /** The checks of the review screen (R6.3); nothing is written. */
  async preflight(input: AssignmentInput): Promise<PreflightResult> {
    return (await preflight(this.d, input)).result;
  }

  /**
   * Confirms an assignment (R6): checks everything, then in one transaction writes the service
   * (for a plan), the provision and its tasks, moves the inventory from the wizard's timed
   * reservation to a hold by the provision, and enqueues its workflow. The same Idempotency-Key
   * gives back the same provision, also when both requests arrive at once (R6.2).
   */
  async start(ctx: Ctx, idempotencyKey: string, input: AssignmentInput, opts: StartOptions = {}): Promise<{ progress: Progress; created: boolean }> {
    const hash = fingerprint(input);
    const replay = await this.byKey(idempotencyKey, hash);
    if (replay) return { progress: replay, created: false };

    const { result, plan } = await preflight(this.d, input);
    if (!plan) {
      // The same confirmation may have won meanwhile (its hold is why the checks now fail).
      const winner = await this.byKey(idempotencyKey, hash);
      if (winner) return { progress: winner, created: false };
      const failed = result.checks.filter((c) => !c.ok);
      throw new AppError('PRECONDITION_FAILED', failed.map((c) => c.message).join(' '), failed[0]?.hint, { checks: result.checks, field: failed[0]?.field });
    }

    const id = randomUUID();
    const snapshot = stripRefs(plan.playbook);
    const created = await this.d.ledger.write(async (w) => {
      const trx = w.trx;
      const claimed = await trx
        .insertInto('provisions')
        .values({
          id,
          idempotencyKey,
          requestHash: hash,
          kind: plan.kind,
          status: 'queued',
          customerId: plan.customer.id,
          productId: plan.product.id,
          serviceId: plan.target?.id ?? null,
          playbook: plan.playbook.name,
          playbookSnapshot: json(snapshot),
          playbookKey: playbookKey(plan.playbook.name, snapshot),
          variables: json({}),
          timeoutSeconds: Math.ceil(plan.playbook.timeout / 1000),
          deadlineAt: null,
          failedTask: null,
          errorCode: null,
          error: null,
          errorHint: null,
          requestedBy: ctx.actor.id,
          requestedByLabel: ctx.actor.label,
          batchId: opts.batch?.id ?? null,
          startedAt: null,
          finishedAt: null,
        })
        .onConflict((oc) => oc.column('idempotencyKey').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!claimed) return false; // the same key won in another request

      let service = plan.target ? { id: plan.target.id, name: plan.target.name, ocsAccount: plan.target.ocsAccount } : null;
      if (plan.kind === 'new_service') {
        const s = await this.d.services.createProvisioning(trx, {
          customerId: plan.customer.id,
          productId: plan.product.id,
          serviceType: plan.product.serviceType,
          siteId: plan.site?.id ?? null,
          billingContactId: plan.billingContact?.id ?? null,
          technicalContactId: plan.technicalContact?.id ?? null,
          autoRenew: plan.autoRenew,
          customFields: Object.fromEntries(Object.entries(plan.customFields).filter(([, v]) => v !== '')),
        });
        service = { id: s.id, name: plan.product.name, ocsAccount: s.ocsAccount };
      }
      let vars = variablesFor(plan, id, service!);
      if (plan.kind === 'new_service') {
        // The service is named from the start as its playbook will name it ("Mobile - +44 7700 900123").
        const activate = plan.playbook.tasks.find((t) => t.action === 'service.activate');
        const name = activate ? String(renderString(String(activate.args.name), vars)) : plan.product.name;
        await this.d.services.rename(trx, service!.id, name);
        service = { ...service!, name };
        vars = variablesFor(plan, id, service);
      }
      await trx.updateTable('provisions').set({ variables: json(vars), serviceId: service!.id }).where('id', '=', id).execute();
      await trx
        .insertInto('provisionTasks')
        .values(pendingTasks(id, plan.playbook, vars))
        .execute();
      await this.d.inventory.holdForProvision(trx, input.reservation ?? '', plan.items.map((i) => i.id), id);
      await opts.batch?.started(trx, id, service!.id);
      await w.enqueued([{ id, attempt: 1, message: `${plan.product.name} for ${plan.customer.name}` }]);
      await recordAudit(trx, ctx, {
        action: 'provision.create',
        entityType: 'provision',
        entityId: id,
        after: { kind: plan.kind, customerId: plan.customer.id, product: plan.product.slug, serviceId: service!.id, inventory: plan.items.map((i) => i.reference), autoRenew: plan.autoRenew },
      });
      return true;
    });
    if (!created) {
      const winner = await this.byKey(idempotencyKey, hash);
      if (!winner) throw new Error('idempotency key claimed but not readable');
      return { progress: winner, created: false };
    }
    return { progress: await this.progress(id), created: true };
  }

  private async byKey(key: string, hash: string): Promise<Progress | null> {
    const row = await this.d.db.selectFrom('provisions').select(['id', 'requestHash']).where('idempotencyKey', '=', key).executeTakeFirst();
    if (!row) return null;
    if (row.requestHash !== hash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different assignment.', 'Use a new key for a new assignment (one key per confirmation).', { provisionId: row.id });
    }
    return this.progress(row.id);
  }

  /** What the progress view shows (R7.1): one indexed query, cheap enough to poll every 0.2 s (R7.2). */
  async progress(id: string): Promise<Progress> {
    type Row = Pick<ProvisionsTable, 'id' | 'kind' | 'status' | 'customerId' | 'productId' | 'failedTask' | 'errorCode' | 'error' | 'errorHint' | 'startedAt' | 'finishedAt' | 'deadlineAt' | 'requestedByLabel'> & {
      attempt: number;
      createdAt: string;
      customerName: string | null;
      productName: string | null;
      service: Progress['service'];
      tasks: Progress['tasks'] | null;
    };
    const { rows } = await sql<Row>`
      select p.id, p.kind, p.status, p.attempt, p.customer_id, p.product_id, p.failed_task, p.error_code, p.error, p.error_hint,
             p.created_at, p.started_at, p.finished_at, p.deadline_at, p.requested_by_label,
             p.variables -> 'customer' ->> 'name' as customer_name,
             p.variables -> 'product' ->> 'name' as product_name,
             (select json_build_object('id', s.id, 'name', s.name, 'status', s.status) from services s where s.id = p.service_id) as service,
             (select json_agg(json_build_object('seq', t.seq, 'name', t.name, 'action', t.action, 'status', t.status, 'attempts', t.attempts) order by t.seq)
                from provision_tasks t where t.provision_id = p.id) as tasks
      from provisions p where p.id = ${id}`.execute(this.d.db);
    const p = rows[0];
    if (!p) throw notFound('Provisioning', id, 'Check the provisioning ID; GET /api/provisions lists recent ones.');
    const tasks = p.tasks ?? [];
    const completed = tasks.filter((t) => doneTaskStatuses.includes(t.status)).length;
    const failedTask = p.failedTask ? tasks.find((t) => t.seq === p.failedTask) : undefined;
    return {
      id: p.id,
      kind: p.kind,
      status: p.status,
      attempt: p.attempt,
      customer: { id: p.customerId, name: p.customerName ?? `Customer ${p.customerId}` },
      product: { id: p.productId, name: p.productName ?? `Product ${p.productId}` },
      service: p.service ?? null,
      tasks,
      completed,
      total: tasks.length,
      summary: `${completed} of ${tasks.length} tasks completed`,
      error: p.error && (p.status === 'failed' || p.status === 'timed_out') ? { code: p.errorCode ?? 'TASK_FAILED', message: p.error, hint: p.errorHint, task: failedTask?.name ?? null } : null,
      createdAt: p.createdAt,
      startedAt: p.startedAt,
      finishedAt: p.finishedAt,
      deadlineAt: p.deadlineAt,
      requestedBy: p.requestedByLabel,
    };
  }

  /** Each task's output and log, and the run's event history (R7.3, R13.2). */
  async logs(id: string) {
    const p = await this.d.db.selectFrom('provisions').select(['id', 'status', 'attempt']).where('id', '=', id).executeTakeFirst();
    if (!p) throw notFound('Provisioning', id);
    const [tasks, events] = await Promise.all([
      this.d.db.selectFrom('provisionTasks').select(['seq', 'name', 'action', 'status', 'attempts', 'output', 'error', 'log', 'startedAt', 'finishedAt']).where('provisionId', '=', id).orderBy('seq').execute(),
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
    await this.d.ledger.write(async (w) => {
      const p = await w.trx.selectFrom('provisions').select(['status', 'attempt']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!p) throw notFound('Provisioning', id);
      // A second click on Retry for the attempt already retried: nothing more to do.
      if (seenAttempt !== undefined && p.attempt > seenAttempt) return;
      if (p.status === 'queued' || (p.status === 'running' && p.attempt > 1)) return;
      provisionLifecycle.assert(p.status, 'queued', 'provisioning');
      const attempt = await w.requeue(id, (n) => `Retry (attempt ${n})`);
      await recordAudit(w.trx, ctx, { action: 'provision.retry', entityType: 'provision', entityId: id, before: { status: p.status, attempt: p.attempt }, after: { status: 'queued', attempt } });
    });
    return this.progress(id);
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
      await this.d.inventory.releaseForProvision(w.trx, ids);
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
    await this.d.ledger.write(async (w) => {
      const trx = w.trx;
      const p = await trx.selectFrom('provisions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!p) throw notFound('Provisioning', id);
      if (p.status === 'cancelled') return;
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
      const released = await this.d.inventory.releaseForProvision(trx, id);
      await w.cancel([id], `Cancelled by ${ctx.actor.label}; ${released} inventory item(s) back in stock`);
      await recordAudit(trx, ctx, { action: 'provision.cancel', entityType: 'provision', entityId: id, before: { status: p.status }, after: { status: 'cancelled', inventoryReleased: released } });
    });
    return this.progress(id);
  }
}

/** The playbook as stored with a run: its definition without the load-time analysis. */
export function stripRefs<T extends { references: unknown; file: string }>(pb: T): Omit<T, 'references' | 'file'> {
  const { references: _r, file: _f, ...rest } = pb;
  return rest;
}

/** A new run's tasks, all pending, named as the run's variables render them. */
export function pendingTasks(provisionId: string, playbook: { tasks: readonly { name: string; action: string }[] }, vars: RunVariables) {
  return playbook.tasks.map((t, i) => ({ provisionId, seq: i + 1, name: String(renderString(t.name, vars)), action: t.action, status: 'pending' as const, log: json([]), output: null, undo: null, error: null, startedAt: null, finishedAt: null }));
}
