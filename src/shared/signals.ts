/**
 * One AbortSignal for a group's rows that still knows its rows: an action that makes one batched
 * call for many runs passes it down, and whoever must tell the rows apart below (a trace's call
 * spans, issue 12) finds each row's own signal again, in order, without the call saying more.
 */
const sources = new WeakMap<AbortSignal, AbortSignal[]>();

export function groupSignal(rows: readonly { signal: AbortSignal }[]): AbortSignal {
  const signals = rows.map((r) => r.signal);
  const any = AbortSignal.any(signals);
  sources.set(any, signals);
  return any;
}

/** The rows' signals a group signal was made of; undefined for any other signal. */
export const signalSources = (signal: AbortSignal | undefined): AbortSignal[] | undefined => (signal ? sources.get(signal) : undefined);
