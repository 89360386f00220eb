import { Context, Liquid, type Template, toValueSync, Value } from 'liquidjs';

/**
 * Playbook templates are Liquid (`{{ customer.email }}`, `{{ inventory['SIM Card'].reference }}`),
 * strict: an unknown variable or filter is an error, never an empty string. A value that is one
 * expression and nothing else keeps its type (`amount: "{{ vars.data_mb }}"` stays a number).
 */
export const liquid = new Liquid({ strictVariables: true, strictFilters: true, ownPropertyOnly: true, lenientIf: true });

const single = /^\s*\{\{\s*([^{}|]+?)\s*\}\}\s*$/;

export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/** Parses a template; throws with Liquid's message if its syntax is wrong. */
export function parseTemplate(s: string) {
  return liquid.parse(s);
}

/** The variables a template reads, as paths: [['inventory', 'SIM Card', 'reference'], ['vars', 'x']]. */
export function variablesOf(s: string): string[][] {
  if (!isTemplate(s)) return [];
  return liquid.globalVariableSegmentsSync(s).map((segs) => segs.map(String));
}

/**
 * Parsed templates and expressions, kept: a playbook's few dozen strings are rendered for every
 * run of every group, and parsing them each time cost more than rendering them.
 */
const parsedTemplates = new Map<string, Template[]>();
const parsedValues = new Map<string, Value>();
const kept = <K, V>(cache: Map<K, V>, key: K, make: () => V): V => {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size > 5000) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
};

function evalExpression(expr: string, scope: object): unknown {
  const value = kept(parsedValues, expr, () => new Value(expr, liquid));
  return toValueSync(value.value(new Context(scope, liquid.options, {}, { liquid })));
}

export function renderString(s: string, scope: object): unknown {
  if (!isTemplate(s)) return s;
  const m = single.exec(s);
  if (m) return evalExpression(m[1]!, scope);
  return liquid.renderSync(kept(parsedTemplates, s, () => liquid.parse(s)), scope);
}

/** Renders every string inside a value (objects and arrays included). */
export function renderDeep(value: unknown, scope: object): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, scope)]));
  return value;
}

/** Every string inside a value, with where it is (for load-time checks). */
export function stringsIn(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
  return [];
}

/** Evaluates a `when:` condition: a Liquid expression, true when truthy. */
export function evaluateCondition(expr: string, scope: object): boolean {
  const v = evalExpression(expr, scope);
  return !(v === false || v === null || v === undefined || v === '' || v === 0);
}
