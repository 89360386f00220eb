import { AppError } from './errors.js';

/**
 * A lifecycle written as data: each state lists the states it may move to (STYLE.md, "Lifecycles
 * as data"). Every status change of a record goes through its table, and a unit test checks that
 * every state is reachable and every target exists.
 */
export interface Lifecycle<S extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly transitions: Readonly<Record<S, readonly S[]>>;
  can(from: S, to: S): boolean;
  /** The states from which `to` can be reached in one step (for guarded UPDATE ... WHERE status IN). */
  sourcesOf(to: S): S[];
  /** Throws a 409 INVALID_TRANSITION with the reason when the table forbids the move. */
  assert(from: S, to: S, what?: string): void;
  /** States reachable from `start` (for the tests). */
  reachableFrom(start: S): Set<S>;
}

export function defineLifecycle<S extends string>(name: string, transitions: Record<S, readonly S[]>): Lifecycle<S> {
  const states = Object.keys(transitions) as S[];
  for (const [from, tos] of Object.entries(transitions) as [S, S[]][]) {
    for (const to of tos) {
      if (!(to in transitions)) throw new Error(`${name} lifecycle: ${from} -> ${to}, but ${to} is not a state`);
    }
  }
  const can = (from: S, to: S) => transitions[from]?.includes(to) ?? false;
  return {
    name,
    states,
    transitions,
    can,
    sourcesOf: (to) => states.filter((s) => can(s, to)),
    assert(from, to, what = name) {
      if (can(from, to)) return;
      const allowed = transitions[from] ?? [];
      throw new AppError(
        'INVALID_TRANSITION',
        `The ${what} is ${from.replace(/_/g, ' ')}; it cannot become ${to.replace(/_/g, ' ')}.`,
        allowed.length ? `From ${from.replace(/_/g, ' ')} it can become: ${allowed.join(', ')}.` : `Nothing can change a ${from.replace(/_/g, ' ')} ${what}.`,
        { from, to },
      );
    },
    reachableFrom(start) {
      const seen = new Set<S>([start]);
      const queue = [start];
      while (queue.length) {
        const s = queue.shift()!;
        for (const t of transitions[s]) if (!seen.has(t)) (seen.add(t), queue.push(t));
      }
      return seen;
    },
  };
}
