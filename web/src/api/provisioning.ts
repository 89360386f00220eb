import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { customerKeys } from './customers';
import { get, post, qs } from './client';
import { inventoryKeys } from './inventory';
import { serviceKeys, showServiceStatus } from './services';
import type { AssignmentInput, PreflightResult, Progress, ProvisionLogs, ProvisionStatus, ProvisionSummary } from './types';

export const provisionKeys = {
  all: ['provisions'] as const,
  list: (f: { status?: string | undefined; serviceId?: number | undefined }) => [...provisionKeys.all, 'list', f] as const,
  progress: (id: string) => [...provisionKeys.all, 'progress', id] as const,
  logs: (id: string) => [...provisionKeys.all, 'logs', id] as const,
};

export const ended = (s: ProvisionStatus | undefined) => s === 'succeeded' || s === 'failed' || s === 'timed_out' || s === 'cancelled';

/** The input the wizard builds; `inventory` maps template names to item IDs. */
export type Assignment = Omit<AssignmentInput, 'inventory' | 'customFields'> & { inventory: Record<string, number>; customFields: Record<string, string> };

export function usePreflight() {
  return useMutation({ mutationFn: (input: Assignment) => post<PreflightResult>('/api/provisions/preflight', input) });
}

/** Confirm & Provision. The wizard's key makes a second click return the same provision (R6.2). */
export function useStartProvision() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ input, key }: { input: Assignment; key: string }) => post<Progress>('/api/provisions', input, { 'idempotency-key': key }),
    onSuccess: (p) => {
      showProgress(qc, p);
      void qc.invalidateQueries({ queryKey: inventoryKeys.all });
    },
  });
}

/** Of two snapshots of a run, the later one (the stream, a poll and an action's answer can cross). */
function newer(old: Progress | undefined, next: Progress): Progress {
  return old && old.id === next.id && old.version > next.version ? old : next;
}

function showProgress(qc: ReturnType<typeof useQueryClient>, p: Progress): void {
  qc.setQueryData<Progress>(provisionKeys.progress(p.id), (old) => newer(old, p));
}

/**
 * A run's progress, live (R7.2): the event stream pushes every change; if it cannot be opened or
 * breaks, the view polls every 0.2 s instead, as the operator's documentation describes.
 */
export function useProgress(id: string | null) {
  const qc = useQueryClient();
  const [mode, setMode] = useState<'live' | 'polling'>(() => (typeof EventSource === 'undefined' || new URLSearchParams(location.search).has('poll') ? 'polling' : 'live'));
  const query = useQuery({
    queryKey: provisionKeys.progress(id ?? ''),
    queryFn: () => get<Progress>(`/api/provisions/${id}`),
    enabled: Boolean(id),
    refetchInterval: (q) => (mode === 'polling' && !ended(q.state.data?.status) ? 200 : false),
    // A poll's answer that was read before what is shown (an event came first) does not replace it.
    structuralSharing: (old, next) => newer(old as Progress | undefined, next as Progress),
  });
  // The service's page shows the status the run has given it, as soon as the run says so.
  const service = query.data?.service;
  useEffect(() => {
    if (service) showServiceStatus(qc, service);
  }, [qc, service?.id, service?.status]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!id || mode !== 'live') return;
    const es = new EventSource(`/api/provisions/${id}/events`);
    es.addEventListener('progress', (e) => {
      const p = JSON.parse((e as MessageEvent<string>).data) as Progress;
      showProgress(qc, p);
      if (ended(p.status)) {
        void qc.invalidateQueries({ queryKey: provisionKeys.logs(id) });
        void qc.invalidateQueries({ queryKey: serviceKeys.all });
        void qc.invalidateQueries({ queryKey: customerKeys.all });
        void qc.invalidateQueries({ queryKey: provisionKeys.list({}) });
      }
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setMode('polling');
    };
    return () => es.close();
  }, [id, mode, qc]);
  return { ...query, mode };
}

/** A run's task log; given the run's `version`, read again each time the run moves, so it follows a retry. */
export function useLogs(id: string | null, enabled = true, version?: number) {
  const query = useQuery({ queryKey: provisionKeys.logs(id ?? ''), queryFn: () => get<ProvisionLogs>(`/api/provisions/${id}/logs`), enabled: Boolean(id) && enabled });
  const seen = useRef(version);
  const { refetch } = query;
  useEffect(() => {
    if (version === undefined || version === seen.current) return;
    seen.current = version;
    if (enabled && id) void refetch();
  }, [version, enabled, id, refetch]);
  return query;
}

export function useProvisions(f: { status?: ProvisionStatus | undefined; serviceId?: number | undefined; customerId?: number | undefined }) {
  return useQuery({
    queryKey: provisionKeys.list(f),
    queryFn: () => get<{ items: ProvisionSummary[] }>(`/api/provisions${qs({ ...f, limit: 50 })}`).then((r) => r.items),
    refetchInterval: 5_000,
  });
}

export function useRetry() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, attempt }: { id: string; attempt: number }) => post<Progress>(`/api/provisions/${id}/retry`, { attempt }),
    onSuccess: (p) => {
      // The run may have moved on (even ended) before this answer arrived: the stream's newer snapshot stays.
      showProgress(qc, p);
      void qc.invalidateQueries({ queryKey: provisionKeys.logs(p.id) });
    },
  });
}

export function useCancelProvision() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => post<Progress>(`/api/provisions/${id}/cancel`),
    onSuccess: (p) => {
      showProgress(qc, p);
      void qc.invalidateQueries({ queryKey: inventoryKeys.all });
      void qc.invalidateQueries({ queryKey: serviceKeys.all });
    },
  });
}
