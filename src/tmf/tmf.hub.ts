import { z } from 'zod';
import type { Renderer } from '../webhooks/webhooks.sender.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { webhookUrl } from '../webhooks/webhooks.schemas.js';
import { AppError } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { Hrefs, type TmfApi, typed } from './tmf.common.js';
import { version } from '../version.js';
import type { ServiceStatus } from '../services/services.schemas.js';
import type { ItemStatus } from '../inventory/inventory.schemas.js';
import { productStatusOf, resourceStatusOf, serviceStateOf } from './tmf.lifecycle.js';

/** The endpoint kind of a TM Forum hub's listeners (webhook_endpoints.kind). */
export const TMF_KIND = 'tmf';

/** The events each API's hub offers, as written by migration 0017's triggers and the facade. */
export const hubEvents: Record<TmfApi, string[]> = {
  catalog: [],
  ordering: ['ProductOrderCreateEvent', 'ProductOrderStateChangeEvent'],
  customer: [],
  productInventory: ['ProductStateChangeEvent'],
  serviceInventory: ['ServiceStateChangeEvent'],
  resourceInventory: ['ResourceStateChangeEvent'],
};

export const hubInput = z
  .looseObject({
    callback: webhookUrl.describe("The listener's URL: each event is POSTed to it (the same rules as a webhook endpoint's)"),
    query: z.string().max(500).optional().describe('"eventType=ProductOrderStateChangeEvent" (several separated by commas): only those; all of the API\'s events if left out'),
  })
  .meta({ id: 'TmfHubCreate' });
export const hub = z.object({ id: z.string(), callback: z.string(), query: z.string().nullable() }).meta({ id: 'TmfHub' });

/** Which entity an event carries, and where it lives. */
const carried: Record<string, { key: string; api: TmfApi; resource: string; type: string }> = {
  ProductOrderCreateEvent: { key: 'productOrder', api: 'ordering', resource: 'productOrder', type: 'ProductOrder' },
  ProductOrderStateChangeEvent: { key: 'productOrder', api: 'ordering', resource: 'productOrder', type: 'ProductOrder' },
  ProductStateChangeEvent: { key: 'product', api: 'productInventory', resource: 'product', type: 'Product' },
  ServiceStateChangeEvent: { key: 'service', api: 'serviceInventory', resource: 'service', type: 'Service' },
  ResourceStateChangeEvent: { key: 'resource', api: 'resourceInventory', resource: 'resource', type: 'Resource' },
};

/**
 * Shapes an attempt for a hub listener: the TMF event (`eventId`, `eventTime`, `eventType`,
 * `event: { productOrder: {...} }`) with the entity's id, href and state. Delivered by the one
 * webhook sender (claims, leases, retries with backoff, the delivery log).
 */
export function tmfRenderer(publicUrl: string | null | undefined): Renderer {
  const h = new Hrefs((publicUrl ?? '').replace(/\/$/, ''));
  return (d) => {
    const eventType = d.event.type.replace(/^tmf\./, '');
    const what = carried[eventType];
    const data = d.event.data as { id: string; state?: string; status?: string; previousState?: string; name?: string };
    const entity = what
      ? {
          id: data.id,
          href: h.to(what.api, what.resource, data.id),
          ...(data.name && { name: data.name }),
          ...(what.key === 'productOrder' && { state: data.state }),
          ...(what.key === 'service' && { state: data.status && serviceStateOf[data.status as ServiceStatus] }),
          ...(what.key === 'product' && { status: data.status && productStatusOf[data.status as ServiceStatus] }),
          ...(what.key === 'resource' && { resourceStatus: data.status && resourceStatusOf[data.status as ItemStatus] }),
          '@type': what.type,
        }
      : data;
    const body = {
      eventId: d.event.id,
      eventTime: d.event.timestamp,
      eventType,
      ...(data.previousState && { previousState: data.previousState }),
      event: { [what?.key ?? 'data']: entity },
      ...typed(what?.api ?? 'ordering', eventType, 'Event'),
    };
    return { url: d.endpoint.url, body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'user-agent': `Switchboard-TMF-Hub/${version}`, 'x-event-id': d.event.id } };
  };
}

/** Hub registrations, as listeners of the webhook delivery. */
export class TmfHub {
  constructor(private readonly webhooks: WebhooksService) {}

  async register(ctx: Ctx, api: TmfApi, input: z.infer<typeof hubInput>): Promise<z.infer<typeof hub>> {
    const offered = hubEvents[api];
    const asked = /eventType=([^&]+)/.exec(input.query ?? '')?.[1]?.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = asked?.filter((e) => !offered.includes(e)) ?? [];
    if (unknown.length) throw new AppError('VALIDATION_FAILED', `query: this API sends no ${unknown.join(', ')}.`, offered.length ? `It sends: ${offered.join(', ')}.` : 'It sends no events yet.', { field: 'query' });
    const events = (asked ?? offered).map((e) => `tmf.${e}`);
    const made = await this.webhooks.createListener(ctx, { kind: TMF_KIND, url: input.callback, events, description: `TMF hub (${api})${input.query ? `: ${input.query}` : ''}` });
    return { id: made.id, callback: made.url, query: input.query ?? null };
  }

  async remove(ctx: Ctx, id: string): Promise<void> {
    await this.webhooks.removeListener(ctx, TMF_KIND, id);
  }
}
