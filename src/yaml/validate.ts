/**
 * Parse, don't cast: YAML data goes through a zod schema, and every issue becomes a
 * `file:line:col: key: message` diagnostic pointing at the offending node.
 */
import type { z } from 'zod';
import { compareDiagnostics, type Diagnostic } from '../diagnostics.js';
import { closest } from '../text.js';
import { formatPath, locate, toData, type PathSegment, type YamlSource } from './source.js';

export type Validated<T> = { ok: true; value: T; data: unknown } | { ok: false; diagnostics: Diagnostic[] };

export function validateSource<S extends z.ZodType>(source: YamlSource, schema: S): Validated<z.output<S>> {
  const data = toData(source);
  // Messages written on the schema win; zod consults this error map for everything else.
  const result = schema.safeParse(data, { reportInput: true, error: (issue) => describeIssue(issue as RawIssue) });
  if (result.success) return { ok: true, value: result.data, data };
  const diagnostics: Diagnostic[] = [];
  for (const issue of result.error.issues) diagnostics.push(...issueToDiagnostics(source, schema, issue));
  return { ok: false, diagnostics: diagnostics.sort(compareDiagnostics) };
}

type Issue = z.core.$ZodIssue;

/** `params` for a custom issue about a mapping key rather than its value, so it is located at the key. */
export const AT_KEY = { at: 'key' } as const;
type RawIssue = Issue & { inst?: unknown };

function issueToDiagnostics(source: YamlSource, schema: z.ZodType, issue: Issue): Diagnostic[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
  const at = (p: readonly PathSegment[], target: 'value' | 'key' = 'value') => locate(source, p, target);

  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => {
      const pos = at([...path, key], 'key');
      const suggestion = closest(key, known);
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
      return diag(source, pos, `${formatPath([...path, key])}: unknown key${hint}`);
    });
  }

  if (issue.code === 'invalid_type' && issue.input === undefined) {
    const parent = path.slice(0, -1);
    const key = path[path.length - 1];
    const message =
      key === undefined ? `the document is empty: expected ${article(issue.expected)}` : `${formatPath(parent)}: missing required key "${String(key)}"`;
    // Point at the key that owns the incomplete mapping (`acme:`), where the user reads it.
    return [diag(source, at(parent, typeof parent[parent.length - 1] === 'string' ? 'key' : 'value'), message)];
  }

  const target = issue.code === 'custom' && issue.params?.at === AT_KEY.at ? 'key' : 'value';
  return [diag(source, at(path, target), `${formatPath(path)}: ${issue.message}`)];
}

function diag(source: YamlSource, pos: { line: number; col: number }, message: string): Diagnostic {
  return { file: source.file, line: pos.line, col: pos.col, message, rule: 'schema' };
}

/** Say what was expected and what was given, in the user's terms rather than zod's. */
function describeIssue(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const format = (issue.inst as { _zod?: { def?: { format?: string } } } | undefined)?._zod?.def?.format;
      const expected = issue.expected === 'number' && (format === 'safeint' || format === 'int32') ? 'int' : issue.expected;
      return `expected ${article(expected)}, got ${describeValue(issue.input)}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return issue.minimum === 1 ? 'must not be empty' : `must have at least ${issue.minimum} items`;
      return `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}, got ${describeValue(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}, got ${describeValue(issue.input)}`;
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? `a string matching ${issue.pattern ?? 'the pattern'}` : `a valid ${issue.format}`}, got ${describeValue(issue.input)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return `does not match any allowed form, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`;
    default:
      return 'invalid value';
  }
}

function article(expected: string): string {
  const names: Record<string, string> = {
    int: 'an integer',
    object: 'a mapping',
    array: 'a list',
    record: 'a mapping',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  return names[expected] ?? expected;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** The keys the schema allows at `path`, for "did you mean" hints. */
function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const objects = resolveObjects(schema, path);
  return [...new Set(objects.flatMap((o) => Object.keys(o)))];
}

type AnyDef = {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: unknown[];
  in?: unknown;
  getter?: () => unknown;
  valueType?: unknown;
};

function defOf(schema: unknown): AnyDef | undefined {
  return (schema as { _zod?: { def?: AnyDef } })?._zod?.def;
}

function resolveObjects(schema: unknown, path: readonly PathSegment[]): Record<string, unknown>[] {
  const def = defOf(schema);
  if (!def) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return resolveObjects(def.innerType, path);
    case 'pipe':
      return [...resolveObjects(def.in, path), ...resolveObjects((def as { out?: unknown }).out, path)];
    case 'lazy':
      return def.getter ? resolveObjects(def.getter(), path) : [];
    case 'union':
      return (def.options ?? []).flatMap((option) => resolveObjects(option, path));
    case 'array':
      return path.length === 0 ? [] : resolveObjects(def.element, path.slice(1));
    case 'record':
      return path.length === 0 ? [] : resolveObjects(def.valueType, path.slice(1));
    case 'object': {
      const shape = def.shape ?? {};
      if (path.length === 0) return [shape];
      const next = shape[String(path[0])];
      return next ? resolveObjects(next, path.slice(1)) : [];
    }
    default:
      return [];
  }
}
