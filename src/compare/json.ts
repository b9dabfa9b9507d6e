/**
 * The structural diff of two JSON values: typed differences at concrete paths. Pure.
 *
 * Arrays are compared in order unless a rule says otherwise; when two arrays hold the same
 * elements in a different order, that is ONE `order` difference at the array, not one value
 * difference per element, so that "the rewrite sorts this list differently" reads as what it is.
 */
import { parseJsonPath, type PathSegment } from '../jsonpath.js';

export type JsonDifferenceKind = 'missing' | 'extra' | 'type' | 'value' | 'length' | 'order';

export interface JsonDifference {
  kind: JsonDifferenceKind;
  /** Concrete segments from the body root. */
  path: Concrete[];
  primary?: unknown;
  candidate?: unknown;
}

export type Concrete = { kind: 'key'; name: string } | { kind: 'index'; index: number };

export interface JsonRules {
  ignore: PathSegment[][];
  unordered: PathSegment[][];
  tolerance: { path: PathSegment[]; within: number }[];
}

export function compileJsonRules(rules: {
  ignore?: readonly string[];
  unordered?: readonly string[];
  tolerance?: Readonly<Record<string, number>>;
}): JsonRules {
  return {
    ignore: (rules.ignore ?? []).map(parseJsonPath),
    unordered: (rules.unordered ?? []).map(parseJsonPath),
    tolerance: Object.entries(rules.tolerance ?? {}).map(([path, within]) => ({ path: parseJsonPath(path), within })),
  };
}

/**
 * Two differing strings or numbers that are nevertheless the same (learned identifier pairs, see
 * src/correlate/equivalence.ts); asked only where the values differ.
 */
export type LeafEquivalence = (primary: string | number, candidate: string | number, path: readonly Concrete[]) => boolean;

export function diffJson(primary: unknown, candidate: unknown, rules: JsonRules, equivalent?: LeafEquivalence): JsonDifference[] {
  const out: JsonDifference[] = [];
  walk(primary, candidate, [], { ...rules, equivalent }, out);
  return out;
}

type WalkRules = JsonRules & { equivalent: LeafEquivalence | undefined };

function walk(a: unknown, b: unknown, path: Concrete[], rules: WalkRules, out: JsonDifference[]): void {
  if (matchesAny(rules.ignore, path)) return;
  const ta = jsonType(a);
  const tb = jsonType(b);
  if (ta !== tb) {
    out.push({ kind: 'type', path, primary: a, candidate: b });
    return;
  }
  if (ta === 'object') {
    const oa = a as Record<string, unknown>;
    const ob = b as Record<string, unknown>;
    for (const key of Object.keys(oa)) {
      const child: Concrete[] = [...path, { kind: 'key', name: key }];
      if (!Object.hasOwn(ob, key)) {
        if (!matchesAny(rules.ignore, child)) out.push({ kind: 'missing', path: child, primary: oa[key] });
      } else walk(oa[key], ob[key], child, rules, out);
    }
    for (const key of Object.keys(ob)) {
      const child: Concrete[] = [...path, { kind: 'key', name: key }];
      if (!Object.hasOwn(oa, key) && !matchesAny(rules.ignore, child)) out.push({ kind: 'extra', path: child, candidate: ob[key] });
    }
    return;
  }
  if (ta === 'array') {
    diffArrays(a as unknown[], b as unknown[], path, rules, out);
    return;
  }
  if (ta === 'number') {
    const tolerance = rules.tolerance.find((t) => matches(t.path, path));
    const equal = tolerance ? Math.abs((a as number) - (b as number)) <= tolerance.within + Number.EPSILON : a === b;
    if (!equal && !rules.equivalent?.(a as number, b as number, path)) out.push({ kind: 'value', path, primary: a, candidate: b });
    return;
  }
  if (a !== b && !(ta === 'string' && rules.equivalent?.(a as string, b as string, path))) out.push({ kind: 'value', path, primary: a, candidate: b });
}

const MAX_ORDER_CHECK = 500;

function diffArrays(a: unknown[], b: unknown[], path: Concrete[], rules: WalkRules, out: JsonDifference[]): void {
  const elementPath = (i: number): Concrete[] => [...path, { kind: 'index', index: i }];
  if (matchesAny(rules.unordered, path)) {
    // As multisets: pair equal elements first, then diff what is left in order.
    const restA = [...a.keys()];
    const restB = [...b.keys()];
    for (let i = restA.length - 1; i >= 0; i--) {
      const j = restB.findIndex((k) => isEqual(a[restA[i]!], b[k], elementPath(restA[i]!), rules));
      if (j !== -1) {
        restA.splice(i, 1);
        restB.splice(j, 1);
      }
    }
    const common = Math.min(restA.length, restB.length);
    for (let i = 0; i < common; i++) walk(a[restA[i]!], b[restB[i]!], elementPath(restA[i]!), rules, out);
    if (restA.length !== restB.length) out.push({ kind: 'length', path, primary: a.length, candidate: b.length });
    return;
  }
  // The permutation check is quadratic; past a few hundred elements an order change is reported
  // as the value differences it causes instead.
  const checkOrder = a.length === b.length && a.length > 1 && a.length <= MAX_ORDER_CHECK;
  if (checkOrder && !a.every((x, i) => isEqual(x, b[i], elementPath(i), rules)) && isPermutation(a, b, path, rules)) {
    out.push({ kind: 'order', path });
    return;
  }
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) walk(a[i], b[i], elementPath(i), rules, out);
  if (a.length !== b.length) out.push({ kind: 'length', path, primary: a.length, candidate: b.length });
}

function isPermutation(a: unknown[], b: unknown[], path: Concrete[], rules: WalkRules): boolean {
  const used = new Set<number>();
  return a.every((x, i) => {
    const j = b.findIndex((y, k) => !used.has(k) && isEqual(x, y, [...path, { kind: 'index', index: i }], rules));
    if (j === -1) return false;
    used.add(j);
    return true;
  });
}

function isEqual(a: unknown, b: unknown, path: Concrete[], rules: WalkRules): boolean {
  const out: JsonDifference[] = [];
  walk(a, b, path, rules, out);
  return out.length === 0;
}

type JsonType = 'null' | 'object' | 'array' | 'string' | 'number' | 'boolean' | 'undefined';

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'object' || t === 'string' || t === 'number' || t === 'boolean' ? t : 'undefined';
}

function matchesAny(patterns: readonly PathSegment[][], path: readonly Concrete[]): boolean {
  return patterns.some((p) => matches(p, path));
}

/** A pattern matches a concrete path of the same length; a wildcard matches any key or index. */
export function matches(pattern: readonly PathSegment[], path: readonly Concrete[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((p, i) => {
    const c = path[i]!;
    if (p.kind === 'wildcard') return true;
    if (p.kind === 'index') return c.kind === 'index' && c.index === p.index;
    return c.kind === 'key' && c.name === p.name;
  });
}

/** `$.data[3].id`; with `wildcard`, every index becomes `[*]` so one bug across a list is one path. */
export function formatConcrete(path: readonly Concrete[], wildcard = false): string {
  let out = '$';
  for (const s of path) {
    if (s.kind === 'index') out += wildcard ? '[*]' : `[${s.index}]`;
    else out += /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s.name) ? `.${s.name}` : `['${s.name.replace(/[\\']/g, '\\$&')}']`;
  }
  return out;
}
