import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, post, qs } from './client';
import type { AvailableInventory, Item, ItemStatus, Template } from './types';

export const inventoryKeys = {
  all: ['inventory'] as const,
  templates: () => [...inventoryKeys.all, 'templates'] as const,
  available: (template: string, q: string) => [...inventoryKeys.all, 'available', template, q] as const,
  items: (f: ItemFilters) => [...inventoryKeys.all, 'items', f] as const,
};

export interface ItemFilters {
  template?: string | undefined;
  status?: ItemStatus | undefined;
  q?: string | undefined;
  limit: number;
}

export function useTemplates() {
  return useQuery({ queryKey: inventoryKeys.templates(), queryFn: () => get<{ items: Template[] }>('/api/inventory/templates').then((r) => r.items), staleTime: 60_000 });
}

/** What a selector offers, loaded by template name (R4.2), with why it may be empty (R4.5). */
export function useAvailable(template: string, q = '') {
  return useQuery({
    queryKey: inventoryKeys.available(template, q),
    queryFn: () => get<AvailableInventory>(`/api/inventory/available${qs({ template, q, limit: 50 })}`),
    staleTime: 5_000,
    // While the next search is on its way the list keeps the last answer, rather than emptying.
    placeholderData: keepPreviousData,
  });
}

export function useItems(f: ItemFilters) {
  return useQuery({ queryKey: inventoryKeys.items(f), queryFn: () => get<{ items: Item[] }>(`/api/inventory/items${qs({ ...f })}`).then((r) => r.items) });
}

export const reserveItem = (itemId: number, holder: string) => post<Item>(`/api/inventory/items/${itemId}/reservations`, { holder });
export const releaseItem = (itemId: number, holder: string) => del<{ released: boolean }>(`/api/inventory/items/${itemId}/reservations/${encodeURIComponent(holder)}`);
export const releaseAll = (holder: string) => del<{ released: number }>(`/api/inventory/reservations/${encodeURIComponent(holder)}`);

export function useAddItems() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { template: string; items: { reference: string; attributes: Record<string, string>; status: 'new' | 'in_stock' }[] }) =>
      post<{ created: number; template: Template }>('/api/inventory/items', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: inventoryKeys.all }),
  });
}
