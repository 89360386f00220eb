import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, patch, post, qs } from './client';
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointChange, WebhookEndpointCreate, WebhookEndpointWithSecret, WebhookEventType } from './types';

export const webhookKeys = {
  all: ['webhooks'] as const,
  list: ['webhooks', 'list'] as const,
  deliveries: (endpointId: string, limit: number) => ['webhooks', 'deliveries', endpointId, limit] as const,
};

/** Every event an endpoint can subscribe to, in the order the page lists them (the type checks none is missing). */
const eventOrder = { 'provision.succeeded': 1, 'provision.failed': 2, 'service.status_changed': 3, 'payment.failed': 4, 'batch.completed': 5, 'stock.low': 6 } satisfies Record<WebhookEventType, number>;
export const webhookEvents = Object.keys(eventOrder) as WebhookEventType[];

/** The endpoints (admins only), refreshed every 5 s: their newest delivery moves on its own. */
export function useWebhookEndpoints() {
  return useQuery({ queryKey: webhookKeys.list, queryFn: () => get<{ items: WebhookEndpoint[] }>('/api/webhooks').then((r) => r.items), refetchInterval: 5_000 });
}

/** An endpoint's delivery log, newest first: every 2 s while it is shown (attempts move in the background). */
export function useDeliveries(endpointId: string | null, limit = 20) {
  return useQuery({
    queryKey: webhookKeys.deliveries(endpointId ?? '', limit),
    queryFn: () => get<{ items: WebhookDelivery[]; hasMore: boolean }>(`/api/webhooks/${endpointId}/deliveries${qs({ limit })}`),
    enabled: Boolean(endpointId),
    refetchInterval: 2_000,
  });
}

function useWebhookMutation<V, R>(fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => void qc.invalidateQueries({ queryKey: webhookKeys.all }) });
}

/** Registers an endpoint; the answer holds its secret, the one time it is shown. */
export const useCreateEndpoint = () => useWebhookMutation((input: WebhookEndpointCreate) => post<WebhookEndpointWithSecret>('/api/webhooks', input));
export const useUpdateEndpoint = () => useWebhookMutation(({ id, change }: { id: string; change: WebhookEndpointChange }) => patch<WebhookEndpoint>(`/api/webhooks/${id}`, change));
export const useDeleteEndpoint = () => useWebhookMutation((id: string) => del<{ ok: true }>(`/api/webhooks/${id}`));
/** A new secret, shown once; the previous one keeps signing for a day. */
export const useRotateSecret = () => useWebhookMutation((id: string) => post<WebhookEndpointWithSecret>(`/api/webhooks/${id}/rotate-secret`, { keepPreviousHours: 24 }));
export const useSendTest = () => useWebhookMutation((id: string) => post<WebhookDelivery>(`/api/webhooks/${id}/test`));
/** Send again: the same event (the same webhook-id) queued once more. */
export const useResend = () => useWebhookMutation((d: { endpointId: string; id: number }) => post<WebhookDelivery>(`/api/webhooks/${d.endpointId}/deliveries/${d.id}/resend`));
