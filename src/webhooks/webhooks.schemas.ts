import { z } from 'zod';
import { patchOf, timestamp } from '../shared/schemas.js';

/** What an endpoint can subscribe to (issue 12). `webhook.test` is sent only by "Send a test event". */
export const webhookEventTypes = ['provision.succeeded', 'provision.failed', 'service.status_changed', 'batch.completed', 'payment.failed', 'stock.low'] as const;
export const webhookEventType = z
  .enum(webhookEventTypes)
  .describe(
    'provision.succeeded; provision.failed (failed or timed out: see data.status); service.status_changed (from, to, reason); batch.completed; payment.failed (declined, or the gateway failed); stock.low (a template below its threshold, once per crossing)',
  );
export type WebhookEventType = z.infer<typeof webhookEventType>;
export const TEST_EVENT = 'webhook.test';

export const deliveryStatus = z
  .enum(['pending', 'sending', 'delivered', 'failed'])
  .describe('pending: waiting for its (next) attempt; sending: under way; delivered: a 2xx answer; failed: every attempt failed, or its endpoint was disabled');
export type DeliveryStatus = z.infer<typeof deliveryStatus>;

/**
 * The ports the WHATWG Fetch standard's "bad port" list blocks (SMTP, SSH, X11...): Node's fetch
 * refuses them, so an endpoint on one could never be delivered to.
 */
const fetchBadPorts = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
]);

/** An http:// or https:// address, with a host and no credentials in it: where the webhooks go, and nowhere else. */
export const webhookUrl = z
  .string()
  .trim()
  .min(1, 'say where to send the webhooks')
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a URL (e.g. https://crm.example.net/hooks/switchboard)' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// address, not ${url.protocol}//` });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'names no host' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password: receivers verify the signature instead' });
    else if (url.port && fetchBadPorts.has(Number(url.port))) ctx.addIssue({ code: 'custom', message: `port ${url.port} is one the Fetch standard forbids (it belongs to another protocol): every delivery would fail` });
  })
  .describe('http:// or https://; redirects are not followed');

/** A Standard Webhooks secret: `whsec_` and 24 to 64 random bytes in base64. */
export const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64 (as Standard Webhooks secrets are)')
  .refine((s) => {
    const b64 = s.slice('whsec_'.length);
    const bytes = (b64.length * 3) / 4 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
    return b64.length % 4 === 0 && bytes >= 24 && bytes <= 64;
  }, 'must hold 24 to 64 bytes once decoded (base64 in groups of 4 characters)')
  .describe('whsec_ and 24 to 64 random bytes in base64; leave it out and Switchboard makes one');

const events = z
  .array(webhookEventType)
  .min(1, 'choose at least one event')
  .max(webhookEventTypes.length * 2)
  .transform((list) => [...new Set(list)]);

export const endpointInput = z
  .object({
    url: webhookUrl,
    events,
    description: z.string().trim().max(500).default(''),
    enabled: z.boolean().default(true),
    secret: webhookSecret.optional(),
  })
  .meta({ id: 'WebhookEndpointCreate' });
export type EndpointInput = z.infer<typeof endpointInput>;
/** The body a client sends (defaults left out). */
export type EndpointCreate = z.input<typeof endpointInput>;

export const endpointUpdate = patchOf(endpointInput.omit({ secret: true })).meta({ id: 'WebhookEndpointUpdate' });
export type EndpointUpdate = z.infer<typeof endpointUpdate>;
export type EndpointChange = z.input<typeof endpointUpdate>;

export const rotateInput = z
  .object({
    secret: webhookSecret.optional(),
    keepPreviousHours: z.number().int().min(0).max(168).default(24).describe('How long the previous secret keeps signing too (each request then carries both signatures); 0: it stops at once'),
  })
  .meta({ id: 'WebhookSecretRotate' });

export const endpoint = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    events: z.array(webhookEventType),
    enabled: z.boolean(),
    previousSecretUntil: timestamp.nullable().describe('Until when the secret before the last rotation still signs too'),
    createdAt: timestamp,
    updatedAt: timestamp,
    lastDelivery: z
      .object({ status: deliveryStatus, lastStatus: z.number().int().nullable(), at: timestamp })
      .nullable()
      .describe('The newest delivery to this endpoint'),
  })
  .meta({ id: 'WebhookEndpoint' });
export type Endpoint = z.infer<typeof endpoint>;

export const endpointWithSecret = endpoint
  .extend({ secret: z.string().describe('Shown once, now: keep it where the receiver can read it (whsec_...)') })
  .meta({ id: 'WebhookEndpointWithSecret' });
export type EndpointWithSecret = z.infer<typeof endpointWithSecret>;

/** What a receiver gets: the body of every request, signed. */
export const webhookBody = z
  .object({
    id: z.string().describe('The event ID, also the webhook-id header: the receiver deduplicates by it'),
    type: z.string(),
    timestamp: timestamp.describe('When the change happened'),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookEvent' });
export type WebhookBody = z.infer<typeof webhookBody>;

export const delivery = z
  .object({
    id: z.number().int(),
    endpointId: z.uuid(),
    status: deliveryStatus,
    attempts: z.number().int(),
    nextAttemptAt: timestamp.nullable().describe('pending: when it is tried next'),
    lastAttemptAt: timestamp.nullable(),
    lastStatus: z.number().int().nullable().describe("The receiver's last HTTP status; null when it gave none (timeout, no connection)"),
    lastResponse: z.string().nullable().describe("The start of the receiver's last answer (2 KB at most)"),
    lastError: z.string().nullable(),
    lastDurationMs: z.number().int().nullable(),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
    event: webhookBody,
  })
  .meta({ id: 'WebhookDelivery' });
export type Delivery = z.infer<typeof delivery>;

export const deliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  status: deliveryStatus.optional(),
});
export const deliveriesPage = z
  .object({ items: z.array(delivery), hasMore: z.boolean().describe('More, older deliveries: ask again with a larger offset') })
  .meta({ id: 'WebhookDeliveries' });

export const endpointParams = z.object({ id: z.uuid() });
export const deliveryParams = z.object({ id: z.uuid(), deliveryId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
