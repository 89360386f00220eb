/**
 * A failure of an external system or of a task, said the way staff need it: a stable code, a
 * message ("Unable to connect to OCS"), a hint, and whether trying again can help.
 */
export class TaskError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'TaskError';
  }
}

export const unreachable = (label: string, code: string) =>
  new TaskError(`${code}_UNREACHABLE`, `Unable to connect to ${label}`, `Check that ${label} is online and reachable, then retry.`, true);

/** Waits `ms`, or throws when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(abortReason(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new TaskError('ABORTED', 'The task was stopped (timeout or deadline).');
}
