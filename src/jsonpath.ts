/**
 * The JSONPath subset parity uses everywhere a field is named: spec `compare` rules, captures,
 * volatile fields, difference signatures. `$`, `.name`, `['name']`, `[3]` and the wildcards
 * `.*` / `[*]`. Filters and recursive descent are left out on purpose: a rule must name the
 * fields it affects so a reviewer can read it, and signatures must stay comparable as strings.
 *
 * Hand-written rather than a JSONPath library: evaluation libraries bring filter expressions we
 * do not want in rules, and parity's comparator will need what they do not offer (a canonical
 * string form for a path, matching concrete paths against wildcard patterns).
 */

export type PathSegment = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

export class JsonPathSyntaxError extends Error {
  constructor(
    readonly path: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`invalid JSONPath ${JSON.stringify(path)} at character ${offset + 1}: ${reason}`);
    this.name = 'JsonPathSyntaxError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new JsonPathSyntaxError(path, 0, 'a path starts with "$", as in "$.items[*].id"');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      if (path[i + 1] === '.') throw new JsonPathSyntaxError(path, i, 'recursive descent ("..") is not supported: name the field');
      if (path[i + 1] === '*') {
        segments.push({ kind: 'wildcard' });
        i += 2;
        continue;
      }
      const match = IDENTIFIER.exec(path.slice(i + 1));
      if (!match) throw new JsonPathSyntaxError(path, i + 1, 'expected a field name after "." (use [\'name\'] for other characters)');
      segments.push({ kind: 'key', name: match[0] });
      i += 1 + match[0].length;
    } else if (ch === '[') {
      const close = findClosingBracket(path, i);
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^'(?:[^'\\]|\\.)*'$/.test(inner) || /^"(?:[^"\\]|\\.)*"$/.test(inner)) {
        segments.push({ kind: 'key', name: inner.slice(1, -1).replace(/\\(.)/g, '$1') });
      } else {
        throw new JsonPathSyntaxError(path, i + 1, 'expected an index, * or a quoted name inside [ ] (filters are not supported)');
      }
      i = close + 1;
    } else {
      throw new JsonPathSyntaxError(path, i, `unexpected ${JSON.stringify(ch)}; expected "." or "["`);
    }
  }
  return segments;
}

function findClosingBracket(path: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < path.length; i++) {
    const ch = path[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ']') return i;
  }
  throw new JsonPathSyntaxError(path, open, 'missing "]"');
}

/** A reason the path is invalid, or undefined when it parses. For schema refinements. */
export function jsonPathProblem(path: string): string | undefined {
  try {
    parseJsonPath(path);
    return undefined;
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) return error.message;
    throw error;
  }
}

/** Every value the path selects in `root`, in document order; a wildcard visits each element or field. */
export function selectJsonPath(root: unknown, segments: readonly PathSegment[]): unknown[] {
  let current: unknown[] = [root];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const value of current) {
      if (segment.kind === 'wildcard') {
        if (Array.isArray(value)) next.push(...value);
        else if (value !== null && typeof value === 'object') next.push(...Object.values(value));
      } else if (segment.kind === 'index') {
        if (Array.isArray(value) && segment.index < value.length) next.push(value[segment.index]);
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, segment.name)) {
        next.push((value as Record<string, unknown>)[segment.name]);
      }
    }
    current = next;
  }
  return current;
}
