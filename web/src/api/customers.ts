import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, patch, post, qs } from './client';
import type { Customer, CustomerDetail, PaymentMethod, SearchHit, Service } from './types';

export const customerKeys = {
  all: ['customers'] as const,
  search: (q: string) => [...customerKeys.all, 'search', q] as const,
  list: () => [...customerKeys.all, 'list'] as const,
  detail: (id: number) => [...customerKeys.all, 'detail', id] as const,
  services: (id: number, serviceType?: string) => [...customerKeys.all, 'services', id, serviceType ?? 'all'] as const,
  mail: (id: number) => [...customerKeys.all, 'mail', id] as const,
};

/** Type-ahead search (R3.1): runs from the first character, keeps the last results while typing. */
export function useCustomerSearch(q: string) {
  const term = q.trim();
  return useQuery({
    queryKey: customerKeys.search(term),
    queryFn: () => get<{ items: SearchHit[] }>(`/api/customers/search${qs({ q: term, limit: 8 })}`).then((r) => r.items),
    enabled: term.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

export function useCustomers() {
  return useQuery({ queryKey: customerKeys.list(), queryFn: () => get<{ items: Customer[] }>('/api/customers?limit=25').then((r) => r.items) });
}

export function useCustomer(id: number | undefined) {
  return useQuery({ queryKey: customerKeys.detail(id ?? 0), queryFn: () => get<CustomerDetail>(`/api/customers/${id}`), enabled: Boolean(id) });
}

export function useCustomerServices(id: number | undefined, serviceType?: string) {
  return useQuery({
    queryKey: customerKeys.services(id ?? 0, serviceType),
    queryFn: () => get<{ items: Service[] }>(`/api/customers/${id}/services${qs({ serviceType })}`).then((r) => r.items),
    enabled: Boolean(id),
  });
}

export interface MailItem {
  id: number;
  toAddress: string;
  subject: string;
  body: string;
  serviceId: number | null;
  status: string;
  createdAt: string;
}

export function useCustomerMail(id: number) {
  return useQuery({ queryKey: customerKeys.mail(id), queryFn: () => get<{ items: MailItem[] }>(`/api/customers/${id}/mail`).then((r) => r.items) });
}

export function useCreateCustomer() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { type: 'individual' | 'business'; name: string; email?: string | null; phone?: string | null; paymentType: string; language?: 'en' | 'fr' | null }) => post<Customer>('/api/customers', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.all }),
  });
}

export function useUpdateCustomer(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: Partial<Pick<Customer, 'name' | 'email' | 'phone' | 'paymentType' | 'language'>>) => patch<Customer>(`/api/customers/${id}`, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.all }),
  });
}

export function useAddSite(customerId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; addressLine1: string; city: string; postcode: string }) => post(`/api/customers/${customerId}/sites`, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.detail(customerId) }),
  });
}

export function useAddContact(customerId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { role: 'billing' | 'technical' | 'other'; name: string; email?: string | null; phone?: string | null }) => post(`/api/customers/${customerId}/contacts`, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.detail(customerId) }),
  });
}

export function useAddCard(customerId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { brand: string; last4: string; expMonth: number; expYear: number; isDefault: boolean }) => post<PaymentMethod>(`/api/customers/${customerId}/payment-methods`, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.detail(customerId) }),
  });
}

export function useMakeDefault(customerId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (paymentMethodId: number) => post(`/api/customers/${customerId}/payment-methods/${paymentMethodId}/default`),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.detail(customerId) }),
  });
}
