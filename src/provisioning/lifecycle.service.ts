import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import { type DB, json } from '../db/schema.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { serviceLifecycle } from '../services/services.lifecycle.js';
import type { Service, ServiceStatus } from '../services/services.schemas.js';
import type { ServicesService } from '../services/services.service.js';
import { AppError } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { LedgerWriter, RunLedger } from './ledger.js';
import type { LoadedPlaybook } from './playbooks/playbooks.js';
import type { Progress, RunVariables } from './provisioning.schemas.js';
import { productVariables } from './variables.js';
import { pendingTasks, playbookKey, type ProvisioningService, stripRefs } from './provisioning.service.js';

/** The changes of a service's life after activation, each with its target status and playbook. */
export const lifecycleActions = {
  suspend: { to: 'suspended', playbook: 'service-suspend' },
  unsuspend: { to: 'active', playbook: 'service-unsuspend' },
  renew: { to: 'active', playbook: 'service-renew' },
  expire: { to: 'expired', playbook: 'service-expire' },
  terminate: { to: 'terminated', playbook: 'service-terminate' },
} as const satisfies Record<string, { to: ServiceStatus; playbook: string }>;
export type LifecycleAction = keyof typeof lifecycleActions;

/** A service is tested while it is meant to work: active, or suspended (to see what the network says). */
const testable: readonly ServiceStatus[] = ['active', 'suspended'];

export interface LifecycleDeps {
  db: Kysely<DB>;
  ledger: RunLedger;
  provisioning: ProvisioningService;
  catalog: CatalogService;
  customers: CustomersService;
  services: ServicesService;
  inventory: InventoryService;
  playbooks: ReadonlyMap<string, LoadedPlaybook>;
}

/**
 * Suspend, unsuspend, renew by hand, expire, terminate (issue 5): each is allowed only where the
 * service lifecycle table allows it (409 with the reason otherwise) and runs a playbook, so the
 * OCS and the network follow; the playbook's last word sets the status. One change at a time per
 * service; asking for the change already running gives that run back, and so does asking again
 * with the same Idempotency-Key after it has finished.
 */
export class LifecycleService {
  constructor(private readonly d: LifecycleDeps) {}

  async start(ctx: Ctx, serviceId: number, action: LifecycleAction, reason: string, key?: string): Promise<Progress> {
    const { to, playbook: playbookName } = lifecycleActions[action];
    const playbook = this.d.playbooks.get(playbookName);
    if (!playbook) throw new AppError('PRECONDITION_FAILED', `The playbook ${playbookName} is not loaded.`, 'An administrator must add it to playbooks/.');
    const service = await this.d.services.get(serviceId);

    const id = randomUUID();
    const idempotencyKey = `lifecycle:${serviceId}:${action}:${key ?? id}`;
    const { vars, customer, product } = await this.variables(service, id, { action, reason, from: service.status, to });

    const running = await this.d.ledger.write(async (w) => {
      const trx = w.trx;
      // The service row is the lock: one change starts at a time, checked against the state now.
      const now = await trx.selectFrom('services').select('status').where('id', '=', serviceId).forUpdate().executeTakeFirstOrThrow();
      if (key) {
        const same = await trx.selectFrom('provisions').select('id').where('idempotencyKey', '=', idempotencyKey).executeTakeFirst();
        if (same) return same.id; // the same request again (a double click), whatever became of it
      }
      const busy = await trx.selectFrom('provisions').select(['id', 'playbook']).where('serviceId', '=', serviceId).where('status', 'in', ['queued', 'running']).executeTakeFirst();
      if (busy?.playbook === playbookName) return busy.id; // the same change, asked twice
      if (busy) {
        throw new AppError('CONFLICT', `Another change to ${service.name} is running (provisioning ${busy.id}).`, 'Wait for it to finish (see the Provisioning page), then try again.', { provisionId: busy.id });
      }
      if (action === 'renew' && now.status !== 'expired') {
        throw new AppError('INVALID_TRANSITION', `${service.name} is ${now.status}; only an expired service is renewed by hand.`, now.status === 'active' ? 'It renews by itself with auto-renew on, or expires at the end of its contract.' : undefined, { from: now.status, to });
      }
      if (now.status === to) throw new AppError('INVALID_TRANSITION', `${service.name} is already ${to}.`, 'Nothing to do.', { from: now.status, to });
      serviceLifecycle.assert(now.status, to);
      await this.queue(w, ctx, { id, idempotencyKey, requestHash: action, customerId: customer.id, productId: product.id, serviceId, playbook, vars });
      await w.enqueued([{ id, attempt: 1, message: `${action} ${service.name} (${reason})` }]);
      await recordAudit(trx, ctx, { action: `service.${action}`, entityType: 'service', entityId: serviceId, before: { status: now.status }, after: { status: to, reason, provisionId: id } });
      return null;
    });
    return this.d.provisioning.progress(running ?? id);
  }
  /** What a run on this service's life knows: its customer, product, inventory, site and contacts. */
  private async variables(service: Service, id: string, runVars: Record<string, unknown>) {
    const [customer, product, items] = await Promise.all([this.d.customers.detail(service.customerId), this.d.catalog.get(service.productId), this.d.inventory.forService(service.id)]);
    const site = customer.sites.find((s) => s.id === service.siteId) ?? null;
    const contact = (id: number | null) => {
      const c = customer.contacts.find((x) => x.id === id);
      return c ? { id: c.id, name: c.name, email: c.email ?? '', phone: c.phone ?? '' } : null;
    };
    const vars: RunVariables = {
      provision: { id, kind: 'lifecycle' },
      customer: { id: customer.id, type: customer.type, name: customer.name, email: customer.email ?? '', phone: customer.phone ?? '', status: customer.status, language: customer.language },
      product: productVariables(product),
      vars: runVars,
      service: { id: service.id, name: service.name, ocs_account: service.ocsAccount ?? '' },
      inventory: Object.fromEntries(items.map((i) => [i.templateName, { id: i.id, reference: i.reference, template: i.templateName, attributes: i.attributes }])),
      custom_fields: service.customFields,
      site: site && { id: site.id, name: site.name, address: [site.addressLine1, site.addressLine2].filter(Boolean).join(', '), city: site.city, postcode: site.postcode, country: site.country },
      contacts: { billing: contact(service.billingContactId), technical: contact(service.technicalContactId) },
      auto_renew: service.autoRenew,
    };
    return { vars, customer, product, items };
  }

  /** Writes a run of a service's life and its pending tasks, queued in the same transaction. */
  private async queue(
    w: LedgerWriter,
    ctx: Ctx,
    r: { id: string; idempotencyKey: string; requestHash: string; customerId: number; productId: number; serviceId: number; playbook: LoadedPlaybook; vars: RunVariables },
  ): Promise<void> {
    const snapshot = stripRefs(r.playbook);
    await w.trx
      .insertInto('provisions')
      .values({
        id: r.id,
        idempotencyKey: r.idempotencyKey,
        requestHash: r.requestHash,
        kind: 'lifecycle',
        status: 'queued',
        customerId: r.customerId,
        productId: r.productId,
        serviceId: r.serviceId,
        playbook: r.playbook.name,
        playbookSnapshot: json(snapshot),
        playbookKey: playbookKey(r.playbook.name, snapshot),
        variables: json(r.vars),
        timeoutSeconds: Math.ceil(r.playbook.timeout / 1000),
        deadlineAt: null,
        failedTask: null,
        errorCode: null,
        error: null,
        errorHint: null,
        requestedBy: ctx.actor.id,
        requestedByLabel: ctx.actor.label,
        startedAt: null,
        finishedAt: null,
        traceParent: ctx.traceparent ?? null,
      })
      .execute();
    await w.trx.insertInto('provisionTasks').values(pendingTasks(r.id, r.playbook, r.vars)).execute();
  }

  /**
   * Tests a service (issue 13, the seed's "test the service if possible"): the diagnostic playbook
   * of its type (diagnostic-mobile, -internet, -iptv, -voip) runs through the same engine; its
   * checks only read, each says what it found, and the run stays on the service's history. It
   * changes nothing, so it may run beside another change; the same test asked twice while it runs
   * (or with the same Idempotency-Key) gives that run back.
   */
  async test(ctx: Ctx, serviceId: number, key?: string): Promise<Progress> {
    const service = await this.d.services.get(serviceId);
    const playbookName = `diagnostic-${service.serviceType}`;
    const playbook = this.d.playbooks.get(playbookName);
    if (!playbook) throw new AppError('PRECONDITION_FAILED', `No test is defined for ${service.serviceType} services: the playbook ${playbookName} is not loaded.`, `An administrator can add playbooks/${playbookName}.yaml.`);
    if (!testable.includes(service.status)) {
      throw new AppError('INVALID_TRANSITION', `${service.name} is ${service.status}: there is nothing to test.`, service.status === 'failed' || service.status === 'provisioning' ? 'Finish its provisioning first (Retry on its run).' : 'Only an active or suspended service can be tested.', { status: service.status });
    }
    const id = randomUUID();
    const idempotencyKey = `diagnostic:${serviceId}:${key ?? id}`;
    const { vars, customer, product } = await this.variables(service, id, { action: 'test', from: service.status, to: service.status });
    const missing = playbook.references.inventory.size ? [...playbook.references.inventory].filter((tpl) => !(tpl in vars.inventory)) : [];
    if (missing.length) throw new AppError('PRECONDITION_FAILED', `${service.name} has no ${missing.join(' nor ')} assigned: the test needs it.`, 'Look at the service\'s inventory.', { missing });
    const running = await this.d.ledger.write(async (w) => {
      const trx = w.trx;
      await trx.selectFrom('services').select('id').where('id', '=', serviceId).forUpdate().executeTakeFirstOrThrow();
      if (key) {
        const same = await trx.selectFrom('provisions').select('id').where('idempotencyKey', '=', idempotencyKey).executeTakeFirst();
        if (same) return same.id;
      }
      const busy = await trx.selectFrom('provisions').select('id').where('serviceId', '=', serviceId).where('playbook', '=', playbookName).where('status', 'in', ['queued', 'running']).executeTakeFirst();
      if (busy) return busy.id;
      await this.queue(w, ctx, { id, idempotencyKey, requestHash: 'test', customerId: customer.id, productId: product.id, serviceId, playbook, vars });
      await w.enqueued([{ id, attempt: 1, message: `test ${service.name}` }]);
      await recordAudit(trx, ctx, { action: 'service.test', entityType: 'service', entityId: serviceId, after: { provisionId: id } });
      return null;
    });
    return this.d.provisioning.progress(running ?? id);
  }
}
