import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post, qs } from './client';
import { inventoryKeys } from './inventory';
import { provisionKeys } from './provisioning';
import { serviceKeys } from './services';
import type { BulkResult, OperationsWindow, Overview, TriageFilter, TriageList, TriageState } from './types';

/** How often the operations page reads its figures again. */
export const REFRESH_MS = 30_000;

/** The triage list's filters as the page holds them (the server's TriageFilter, every field optional). */
export type TriageFilters = Partial<Omit<TriageFilter, 'state'>> & { state?: TriageState[] | undefined };

export const triageStates = ['failed', 'timed_out', 'running', 'queued'] as const satisfies readonly TriageState[];

export const operationsKeys = {
  all: ['operations'] as const,
  overview: (window: OperationsWindow) => [...operationsKeys.all, 'overview', window] as const,
  triage: (f: TriageFilters, page: { limit: number; offset: number }) => [...operationsKeys.all, 'triage', f, page] as const,
};

/** The charts of the last hour or day (and stock now), read again every 30 s. */
export function useOverview(window: OperationsWindow) {
  return useQuery({
    queryKey: operationsKeys.overview(window),
    queryFn: () => get<Overview>(`/api/operations/overview${qs({ window })}`),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

const triageQuery = (f: TriageFilters) => ({
  state: f.state?.length ? f.state.join(',') : undefined,
  errorCode: f.errorCode,
  task: f.task,
  playbook: f.playbook,
  batchId: f.batchId,
  olderThanMinutes: f.olderThanMinutes,
  newerThanMinutes: f.newerThanMinutes,
  longerThanMinutes: f.longerThanMinutes,
});

/** The runs that need someone, a page at a time, read again every 30 s. */
export function useTriage(f: TriageFilters, page: { limit: number; offset: number }) {
  return useQuery({
    queryKey: operationsKeys.triage(f, page),
    queryFn: () => get<TriageList>(`/api/provisions/triage${qs({ ...triageQuery(f), ...page })}`),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

/** What "Retry selected" and "Cancel selected" act on: the runs ticked (with the attempt each showed), or every run the filters match. */
export type Selection = { ids: string[]; attempts: Record<string, number> } | { filter: TriageFilters };

const bodyOf = (s: Selection, retry: boolean) =>
  'ids' in s ? { ids: s.ids, ...(retry && { attempts: s.attempts }) } : { filter: Object.fromEntries(Object.entries(s.filter).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))) };

/** Retry selected or Cancel selected; everything the runs show is read again after. */
export function useBulkAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ action, selection }: { action: 'retry' | 'cancel'; selection: Selection }) => post<BulkResult>(`/api/provisions/${action}`, bodyOf(selection, action === 'retry')),
    onSuccess: (_r, { action }) => {
      void qc.invalidateQueries({ queryKey: operationsKeys.all });
      void qc.invalidateQueries({ queryKey: provisionKeys.all });
      if (action === 'cancel') {
        void qc.invalidateQueries({ queryKey: inventoryKeys.all });
        void qc.invalidateQueries({ queryKey: serviceKeys.all });
      }
    },
  });
}
