import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { get, qs } from './client';
import type { SearchHit } from './types';

export interface ServiceSearchHit {
  id: number;
  name: string;
  serviceType: 'mobile' | 'internet' | 'iptv' | 'voip';
  status: string;
  customerId: number;
  customerName: string;
  matchedOn: 'id' | 'reference';
  reference: string | null;
  template: string | null;
}

export interface RunSearchHit {
  id: string;
  kind: 'new_service' | 'addon';
  status: string;
  productId: number;
  productName: string;
  customerId: number;
  customerName: string;
  serviceId: number | null;
  createdAt: string;
}

export interface GlobalSearchResult {
  customers: SearchHit[];
  services: ServiceSearchHit[];
  runs: RunSearchHit[];
}

/** The top bar's search: customers, services and runs at once; keeps the last results while typing. */
export function useGlobalSearch(q: string) {
  const term = q.trim();
  return useQuery({
    queryKey: ['search', term],
    queryFn: () => get<GlobalSearchResult>(`/api/search${qs({ q: term, limit: 5 })}`),
    enabled: term.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}
