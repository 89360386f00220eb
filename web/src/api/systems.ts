import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, put } from './client';

export interface OutsideSystem {
  system: string;
  label: string;
  mode: 'simulator' | 'real';
  url: string | null;
  simulator: { latencyMs: number; failure: 'unreachable' | 'error' | 'timeout' | null } | null;
  inFlight: number;
  peakInFlight: number;
}
export type Failure = NonNullable<NonNullable<OutsideSystem['simulator']>['failure']>;

export const systemKeys = {
  all: ['systems'] as const,
  list: () => [...systemKeys.all, 'list'] as const,
  failing: () => [...systemKeys.all, 'failing'] as const,
};

/** Every outside system (admins): simulated or real, and the simulators' settings. */
export function useSystems() {
  return useQuery({ queryKey: systemKeys.list(), queryFn: () => get<{ items: OutsideSystem[] }>('/api/systems').then((r) => r.items), refetchInterval: 10_000 });
}

/** The simulators set to fail now, for the banner every page shows (any staff member). */
export function useFailingSimulators(enabled = true) {
  return useQuery({
    queryKey: systemKeys.failing(),
    queryFn: () => get<{ items: { system: string; label: string; failure: Failure }[] }>('/api/simulators/failing').then((r) => r.items),
    refetchInterval: 15_000,
    enabled,
  });
}

export function useSetSimulator() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ system, latencyMs, failure }: { system: string; latencyMs: number; failure: Failure | null }) => put(`/api/simulators/${encodeURIComponent(system)}`, { latencyMs, failure }),
    onSuccess: () => qc.invalidateQueries({ queryKey: systemKeys.all }),
  });
}
