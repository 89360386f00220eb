/**
 * A failure of an external system or of a task, said the way staff need it: a stable code, a
 * message ("Unable to connect to OCS"), a hint, and whether trying again can help.
 */
/** A message as a key and its values, which the console says in the reader's language. */
export interface KeyedText {
  key: string;
  params: Record<string, string | number | string[]>;
}

export class TaskError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly retryable = false,
    /** The message and hint as keyed clauses, when they have a translation. */
    readonly text?: { text: KeyedText; hintText?: KeyedText; hint?: string },
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
