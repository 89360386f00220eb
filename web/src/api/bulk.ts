import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post, qs, upload } from './client';
import { inventoryKeys } from './inventory';
import { provisionKeys } from './provisioning';
import type { Batch, BatchRow, DryRunReport } from './types';

export const bulkKeys = {
  all: ['batches'] as const,
  list: (limit: number) => [...bulkKeys.all, 'list', limit] as const,
  detail: (id: string) => [...bulkKeys.all, 'detail', id] as const,
  rows: (id: string, status: RowFilter | undefined) => [...bulkKeys.all, 'rows', id, status ?? 'all'] as const,
};

/** The statuses a row can be filtered by (`failed` includes timed out, as the API counts it). */
export const rowFilters = ['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'invalid'] as const;
export type RowFilter = (typeof rowFilters)[number];
export type BatchAction = 'pause' | 'resume' | 'cancel' | 'retry-failed';

/** What the rows of a file leave out (R11.1); the file itself goes as the request body. */
export interface BatchParams {
  product?: string | undefined;
  autoRenew?: boolean | undefined;
  concurrency?: number | undefined;
  fields: Record<string, string>;
  name?: string | undefined;
}

const query = (p: BatchParams) => qs({ product: p.product, autoRenew: p.autoRenew, concurrency: p.concurrency, fields: Object.keys(p.fields).length ? JSON.stringify(p.fields) : undefined, name: p.name });

/** A batch still has something to show while it runs, is paused, or is cancelled with runs finishing. */
export const batchLive = (b: Batch | undefined) => Boolean(b && (b.status === 'running' || b.status === 'paused' || (b.status === 'cancelled' && !b.finishedAt)));

/** Failed rows, timed-out runs included (what "Retry failed rows" sends again). */
export const failedOf = (b: Batch) => b.counts.failed + b.counts.timed_out;

/** The dry run (R11.2): every row checked, nothing written. */
export function useDryRun() {
  return useMutation({ mutationFn: ({ file, params }: { file: File; params: BatchParams }) => upload<DryRunReport>(`/api/batches/dry-run${query(params)}`, file) });
}

/**
 * Commits the file (R11.3): its good rows become runs on the batch's queue. The key is the
 * commit's: sent again (a retried request), it gives back the same batch, never a second one.
 */
export function useCommitBatch() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, params, key }: { file: File; params: BatchParams; key: string }) =>
      upload<{ batch: Batch; report: DryRunReport }>(`/api/batches${query(params)}`, file, { 'idempotency-key': key }),
    onSuccess: ({ batch }) => {
      qc.setQueryData(bulkKeys.detail(batch.id), batch);
      void qc.invalidateQueries({ queryKey: [...bulkKeys.all, 'list'] });
      void qc.invalidateQueries({ queryKey: inventoryKeys.all });
    },
  });
}

/** Recent batches; every second while one of them is going, else every 5 s. */
export function useBatches(limit = 20) {
  return useQuery({
    queryKey: bulkKeys.list(limit),
    queryFn: () => get<{ items: Batch[] }>(`/api/batches${qs({ limit })}`).then((r) => r.items),
    refetchInterval: (q) => (q.state.data?.some(batchLive) ? 1_000 : 5_000),
  });
}

/** One batch (R11.4), refreshed every second until it has finished. */
export function useBatch(id: string) {
  return useQuery({
    queryKey: bulkKeys.detail(id),
    queryFn: () => get<Batch>(`/api/batches/${id}`),
    refetchInterval: (q) => (batchLive(q.state.data) ? 1_000 : false),
    staleTime: 0,
  });
}

const PAGE = 100;

/** A batch's rows, a page at a time after the last line shown ("Load more"). */
export function useBatchRows(id: string, status: RowFilter | undefined) {
  return useInfiniteQuery({
    queryKey: bulkKeys.rows(id, status),
    queryFn: ({ pageParam }) => get<{ items: BatchRow[] }>(`/api/batches/${id}/rows${qs({ status, afterLine: pageParam || undefined, limit: PAGE })}`).then((r) => r.items),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.length < PAGE ? undefined : last[last.length - 1]!.line),
  });
}

/** Pause, resume, cancel, retry the failed rows; the server says 409 when the batch cannot. */
export function useBatchAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: BatchAction) => post<Batch & { retried?: number }>(`/api/batches/${id}/${action}`),
    onSuccess: (b) => {
      qc.setQueryData(bulkKeys.detail(id), b);
      void qc.invalidateQueries({ queryKey: [...bulkKeys.all, 'rows', id] });
      void qc.invalidateQueries({ queryKey: [...bulkKeys.all, 'list'] });
      void qc.invalidateQueries({ queryKey: provisionKeys.all });
    },
  });
}
