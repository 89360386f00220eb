import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Logger } from 'pino';
import type { LifecycleService } from '../provisioning/lifecycle.service.js';
import type { ServicesService } from '../services/services.service.js';
import { AppError } from '../shared/errors.js';
import { systemCtx } from '../users/actor.js';
import type { BillingService, CollectResult } from './billing.service.js';

/**
 * Renewals and payment retries as durable work on the workflow engine (issue 5). A sweep (every
 * minute, on a DBOS schedule, or on demand) finds what is due by the one clock and starts one
 * workflow per due item, whose ID is the item itself: `renewal:<service>:<period end>`,
 * `charge:<charge>:<attempt>`. DBOS starts a workflow ID once, so a renewal is processed once
 * whichever process or sweep gets there first; a crashed one resumes on restart, and its payment
 * attempt reuses its idempotency key at the gateway.
 */
export const BILLING_QUEUE = 'billing';

let runner: BillingRunner | null = null;
const current = () => {
  if (!runner) throw new Error('The billing runner is not started in this process');
  return runner;
};

async function renewalWorkflow(serviceId: number, periodEnd: string): Promise<string> {
  const r = await DBOS.runStep(() => current().billing.renew(serviceId, periodEnd), { name: 'renew' });
  if (r.action === 'expire') {
    await DBOS.runStep(() => current().lifecycle('expire', serviceId, 'contract_end'), { name: 'expire' });
    return 'expired';
  }
  if (r.action === 'renewed') {
    for (const c of r.charges) await DBOS.runStep(() => current().collect(c.id, c.attempts + 1), { name: `collect ${c.id}` });
  }
  return r.action;
}

async function chargeWorkflow(chargeId: number, attempt: number): Promise<string> {
  return DBOS.runStep(() => current().collect(chargeId, attempt), { name: 'collect' });
}

async function sweepWorkflow(_scheduledAt: Date): Promise<void> {
  const due = await DBOS.runStep(() => current().billing.due(), { name: 'due' });
  for (const r of due.renewals) await DBOS.startWorkflow(renewal, { workflowID: renewalId(r), queueName: BILLING_QUEUE })(r.serviceId, r.periodEnd);
  for (const c of due.retries) await DBOS.startWorkflow(charge, { workflowID: chargeId(c), queueName: BILLING_QUEUE })(c.chargeId, c.attempt);
}

const renewal = DBOS.registerWorkflow(renewalWorkflow, { name: 'billing-renewal' });
const charge = DBOS.registerWorkflow(chargeWorkflow, { name: 'billing-charge' });
const sweep = DBOS.registerWorkflow(sweepWorkflow, { name: 'billing-sweep' });
const renewalId = (r: { serviceId: number; periodEnd: string }) => `renewal:${r.serviceId}:${r.periodEnd}`;
const chargeId = (c: { chargeId: number; attempt: number }) => `charge:${c.chargeId}:${c.attempt}`;

export class BillingRunner {
  constructor(
    readonly billing: BillingService,
    private readonly services: ServicesService,
    private readonly lifecycleService: LifecycleService,
    private readonly logger: Logger,
    private readonly options: { concurrency: number; schedule: boolean },
  ) {}

  /** After DBOS has launched: the queue, and the sweep every minute. */
  async start(): Promise<void> {
    runner = this;
    await DBOS.registerQueue(BILLING_QUEUE, { workerConcurrency: this.options.concurrency, minPollingIntervalMs: 200, onConflict: 'always_update' });
    if (this.options.schedule) await DBOS.applySchedules([{ scheduleName: 'billing-sweep', workflowFn: sweep, schedule: '0 * * * * *' }]);
  }

  stop(): void {
    if (runner === this) runner = null;
  }

  /** A suspend, unsuspend or expiry the billing asks for; refused moves are logged, not thrown. */
  async lifecycle(action: 'suspend' | 'unsuspend' | 'expire', serviceId: number, reason: string): Promise<string> {
    try {
      const p = await this.lifecycleService.start(systemCtx, serviceId, action, reason);
      return p.id;
    } catch (e) {
      if (e instanceof AppError && (e.code === 'INVALID_TRANSITION' || e.code === 'CONFLICT')) {
        this.logger.info({ serviceId, action, reason: e.message }, 'billing did not change the service');
        return 'not changed';
      }
      throw e;
    }
  }

  /**
   * One attempt at a charge, then what follows from it: the schedule used up suspends the
   * service (the customer is told by the suspend playbook); the last debt paid unsuspends it.
   */
  async collect(id: number, attempt: number): Promise<string> {
    const before = await this.billing.getCharge(id);
    if (before.status === 'paid' || before.attempts + 1 !== attempt) return 'stale';
    const r: CollectResult = await this.billing.collect(id, { dunning: true });
    const serviceId = r.charge.serviceId;
    if (!serviceId) return r.outcome;
    const service = await this.services.get(serviceId);
    if (r.exhausted && service.status === 'active') await this.lifecycle('suspend', serviceId, 'non_payment');
    if (r.outcome === 'paid' && service.status === 'suspended' && service.statusReason === 'non_payment') {
      const unpaid = await this.billing.unpaidFor(serviceId);
      if (unpaid === 0) await this.lifecycle('unsuspend', serviceId, 'payment_received');
    }
    return r.outcome;
  }

  /** Starts what is due now (the schedule does this every minute); optionally waits for it. */
  async runDue(wait: boolean): Promise<{ renewals: string[]; retries: string[]; results: Record<string, unknown> }> {
    const due = await this.billing.due();
    const handles = [
      ...(await Promise.all(due.renewals.map((r) => DBOS.startWorkflow(renewal, { workflowID: renewalId(r), queueName: BILLING_QUEUE })(r.serviceId, r.periodEnd)))),
      ...(await Promise.all(due.retries.map((c) => DBOS.startWorkflow(charge, { workflowID: chargeId(c), queueName: BILLING_QUEUE })(c.chargeId, c.attempt)))),
    ];
    const results: Record<string, unknown> = {};
    if (wait) for (const h of handles) results[h.workflowID] = await h.getResult();
    return { renewals: due.renewals.map(renewalId), retries: due.retries.map(chargeId), results };
  }

  /** Staff try a failed charge now (the customer gave a new card). */
  async retryNow(id: number): Promise<string> {
    const c = await this.billing.getCharge(id);
    const h = await DBOS.startWorkflow(charge, { workflowID: chargeId({ chargeId: id, attempt: c.attempts + 1 }), queueName: BILLING_QUEUE })(id, c.attempts + 1);
    return String(await h.getResult());
  }
}
