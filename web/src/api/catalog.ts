import { useQuery } from '@tanstack/react-query';
import { get, qs } from './client';
import type { Product } from './types';

export interface ProductFilters {
  category?: 'plan' | 'addon' | undefined;
  customerType?: 'individual' | 'business' | undefined;
  serviceType?: Product['serviceType'] | undefined;
}

const typeOrder = ['mobile', 'internet', 'iptv', 'voip'];

export const catalogKeys = {
  all: ['products'] as const,
  list: (f: ProductFilters) => [...catalogKeys.all, 'list', f] as const,
};

export function useProducts(f: ProductFilters, enabled = true) {
  return useQuery({
    queryKey: catalogKeys.list(f),
    // Mobile first, as shops sell it most; then by price (the API's order).
    queryFn: () => get<{ items: Product[] }>(`/api/products${qs({ ...f })}`).then((r) => [...r.items].sort((a, b) => typeOrder.indexOf(a.serviceType) - typeOrder.indexOf(b.serviceType))),
    enabled,
  });
}
