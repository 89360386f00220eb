import { describe, expect, it } from 'vitest';
import { en } from './en';
import { fr } from './fr';

/** Every string of the console exists in both languages, with the same placeholders. */
function leaves(o: object, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out[key] = v;
    else Object.assign(out, leaves(v as object, key));
  }
  return out;
}

describe('console translations', () => {
  const e = leaves(en);
  const f = leaves(fr);
  it('has every English key in French and no French key missing in English', () => {
    expect(Object.keys(f).sort()).toEqual(Object.keys(e).sort());
  });
  it('keeps the same {{placeholders}} in both languages', () => {
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const k of Object.keys(e)) expect(vars(f[k] ?? ''), k).toEqual(vars(e[k]!));
  });
  it('translates: no French string left identical to a long English one', () => {
    const sameInBoth = new Set(['service.title', 'bulk.duration.minutes', 'bulk.duration.hours', 'search.runLine']); // "Service {{id}}", "2 min 5 s", "1 h 5 min", a run's product, customer and status: French too
    const same = Object.keys(e).filter((k) => e[k]!.length > 12 && e[k] === f[k] && !sameInBoth.has(k));
    expect(same).toEqual([]);
  });
});
