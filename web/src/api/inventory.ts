import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, post, qs } from './client';
import type { AvailableInventory, Item, ItemPage, ItemStatus, Template, TemplateSummary } from './types';

export const inventoryKeys = {
  all: ['inventory'] as const,
  templates: () => [...inventoryKeys.all, 'templates'] as const,
  available: (template: string, q: string) => [...inventoryKeys.all, 'available', template, q] as const,
  items: (f: ItemFilters) => [...inventoryKeys.all, 'items', f] as const,
  summary: () => [...inventoryKeys.all, 'summary'] as const,
};

export interface ItemFilters {
  template?: string | undefined;
  status?: ItemStatus | undefined;
  q?: string | undefined;
  limit: number;
  offset?: number | undefined;
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

/** One page of items and how many match in all (the inventory page). */
export function useItems(f: ItemFilters) {
  return useQuery({ queryKey: inventoryKeys.items(f), queryFn: () => get<ItemPage>(`/api/inventory/items${qs({ ...f })}`), placeholderData: keepPreviousData });
}

/** Each template's items by status now, and when the first quarantined number comes back. */
export function useStockSummary() {
  return useQuery({ queryKey: inventoryKeys.summary(), queryFn: () => get<{ templates: TemplateSummary[] }>('/api/inventory/summary').then((r) => r.templates) });
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
