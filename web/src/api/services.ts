import { useQuery } from '@tanstack/react-query';
import { get } from './client';
import type { Item, Service, ServiceAddon, ServiceBalance, Ticket } from './types';

export const serviceKeys = {
  all: ['services'] as const,
  detail: (id: number) => [...serviceKeys.all, id] as const,
  part: (id: number, part: 'inventory' | 'addons' | 'balance' | 'tickets') => [...serviceKeys.all, id, part] as const,
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
