import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, patch, post } from './client';
import type { Progress, Service, ServiceBalance, ServicePage, TerminationQuote, Ticket } from './types';

export const serviceKeys = {
  all: ['services'] as const,
  detail: (id: number) => [...serviceKeys.all, id] as const,
  part: (id: number, part: 'inventory' | 'addons' | 'balance' | 'tickets' | 'charges' | 'page' | 'termination-quote') => [...serviceKeys.all, id, part] as const,
};

/** What terminating the service today credits and charges, read when staff open the confirm dialog (never cached). */
export function useTerminationQuote(id: number, enabled: boolean) {
  return useQuery({ queryKey: serviceKeys.part(id, 'termination-quote'), queryFn: () => get<TerminationQuote>(`/api/services/${id}/termination-quote`), enabled: enabled && id > 0, staleTime: 0, gcTime: 0 });
}

/** The service page's own data in one request (the balance and the tickets come from their systems). */
export function useServicePage(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'page'), queryFn: () => get<ServicePage>(`/api/services/${id}/page`), enabled: id > 0 });
}

/** A run's snapshot names its service's status as it is now: the page shows it at once, before it reloads. */
export function showServiceStatus(qc: QueryClient, service: { id: number; status: string }): void {
  qc.setQueryData<ServicePage>(serviceKeys.part(service.id, 'page'), (old) =>
    old && old.service.status !== service.status ? { ...old, service: { ...old.service, status: service.status as ServicePage['service']['status'] } } : old,
  );
}

export function useService(id: number) {
  return useQuery({ queryKey: serviceKeys.detail(id), queryFn: () => get<Service>(`/api/services/${id}`), enabled: id > 0 });
}
export function useServiceBalance(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'balance'), queryFn: () => get<ServiceBalance>(`/api/services/${id}/balance`) });
}
export function useServiceTickets(id: number) {
  return useQuery({ queryKey: serviceKeys.part(id, 'tickets'), queryFn: () => get<{ items: Ticket[] }>(`/api/services/${id}/tickets`).then((r) => r.items) });
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
    onSuccess: (s) => {
      qc.setQueryData(serviceKeys.detail(serviceId), s);
      qc.setQueryData<ServicePage>(serviceKeys.part(serviceId, 'page'), (old) => old && { ...old, service: s });
    },
  });
}

/** Test the service (issue 13): its diagnostic playbook, read-only; one key per click. */
export function useTestService(serviceId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => post<Progress>(`/api/services/${serviceId}/test`, {}, { 'idempotency-key': key }),
    onSuccess: () => qc.invalidateQueries({ queryKey: serviceKeys.part(serviceId, 'page') }),
  });
}
