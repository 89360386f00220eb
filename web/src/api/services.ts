import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, patch, post } from './client';
import type { Charge, Item, Progress, Service, ServiceAddon, ServiceBalance, Ticket } from './types';

export const serviceKeys = {
  all: ['services'] as const,
  detail: (id: number) => [...serviceKeys.all, id] as const,
  part: (id: number, part: 'inventory' | 'addons' | 'balance' | 'tickets' | 'charges') => [...serviceKeys.all, id, part] as const,
};

export function useService(id: number) {
  return useQuery({ queryKey: serviceKeys.detail(id), queryFn: () => get<Service>(`/api/services/${id}`), enabled: id > 0 });
}
export function useServiceInventory(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'inventory'), queryFn: () => get<{ items: Item[] }>(`/api/services/${id}/inventory`).then((r) => r.items) });
}
export function useServiceAddons(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'addons'), queryFn: () => get<{ items: ServiceAddon[] }>(`/api/services/${id}/addons`).then((r) => r.items) });
}
export function useServiceBalance(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'balance'), queryFn: () => get<ServiceBalance>(`/api/services/${id}/balance`) });
}
export function useServiceTickets(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'tickets'), queryFn: () => get<{ items: Ticket[] }>(`/api/services/${id}/tickets`).then((r) => r.items) });
}
export function useServiceCharges(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'charges'), queryFn: () => get<{ items: Charge[] }>(`/api/services/${id}/charges`).then((r) => r.items) });
}

export type LifecycleAction = 'suspend' | 'unsuspend' | 'renew' | 'terminate';

/** What the lifecycle table lets staff do from each status (the server checks again). */
export const actionsFor: Record<string, LifecycleAction[]> = {
  active: ['suspend', 'terminate'],
  suspended: ['unsuspend', 'terminate'],
  expired: ['renew', 'terminate'],
};

/** Suspend, unsuspend, renew, terminate: starts the lifecycle playbook, gives back its run. */
export function useLifecycle(serviceId: number) {
  // One key per confirmation: the same confirmation sent twice gives the same run.
  return useMutation({ mutationFn: ({ action, key }: { action: LifecycleAction; key: string }) => post<Progress>(`/api/services/${serviceId}/${action}`, { reason: 'staff' }, { 'idempotency-key': key }) });
}

export function useSetAutoRenew(serviceId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (autoRenew: boolean) => patch<Service>(`/api/services/${serviceId}`, { autoRenew }),
    onSuccess: (s) => qc.setQueryData(serviceKeys.detail(serviceId), s),
  });
}
