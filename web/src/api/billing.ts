import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from './client';
import { serviceKeys } from './services';
import type { BillingBody, Charge } from './types';

export const billingKeys = {
  all: ['billing'] as const,
  customer: (id: number) => [...billingKeys.all, 'customer', id] as const,
};

export function useCustomerBilling(customerId: number) {
  return useQuery({ queryKey: billingKeys.customer(customerId), queryFn: () => get<BillingBody>(`/api/customers/${customerId}/billing`) });
}

/** Try a failed charge again now (the customer gave another card). */
export function useRetryCharge() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (chargeId: number) => post<{ outcome: string; charge: Charge }>(`/api/charges/${chargeId}/retry`),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: billingKeys.all });
      void qc.invalidateQueries({ queryKey: serviceKeys.all });
    },
  });
}
