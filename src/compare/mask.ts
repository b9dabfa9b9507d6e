/**
 * Regex masks: `mask: {"<target>": "<regex>"}`. Every match of the regex is replaced by
 * `[masked]` on both sides before they are compared, so a value that is volatile only in part (a
 * request id inside an error message, a timestamp in a page footer) stops differing while the
 * rest of it is still compared. Pure.
 *
 * Targets:
 * - a JSONPath (wildcards allowed): every string at that path in a JSON body, or beneath it when
 *   the path selects an object or array (`$` masks every string of the body);
 * - `body`: the text of a text, HTML or XML body (not JSON: name the fields instead);
 * - `header:Name`: that response header's value, when it is compared (see `headers`).
 * Regexes are JavaScript regular expressions with the `u` flag; one that can match the empty
 * string is refused, since it would mask between every character.
 */
import { jsonPathProblem, parseJsonPath, type PathSegment } from '../jsonpath.js';
import { matches, type Concrete } from './json.js';

export const MASK_PLACEHOLDER = '[masked]';
export const BODY_TARGET = 'body';
export const HEADER_TARGET = 'header:';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface CompiledMasks {
  json: { path: PathSegment[]; regex: RegExp }[];
  body: RegExp[];
  /** By lower-case header name. */
  headers: Map<string, RegExp[]>;
}

export const NO_MASKS: CompiledMasks = { json: [], body: [], headers: new Map() };

/** What is wrong with one mask entry: its target (the key) or its regex (the value). */
export function maskProblems(target: string, regex: string): { target?: string; regex?: string } {
  const problems: { target?: string; regex?: string } = {};
  if (target.startsWith(HEADER_TARGET)) {
    if (!HEADER_NAME.test(target.slice(HEADER_TARGET.length)))
      problems.target = `invalid mask target ${JSON.stringify(target)}: expected a header name after "header:"`;
  } else if (target.startsWith('$')) {
    const problem = jsonPathProblem(target);
    if (problem) problems.target = problem;
  } else if (target !== BODY_TARGET) {
    problems.target = `invalid mask target ${JSON.stringify(target)}: expected a JSONPath such as "$.message", "body" or "header:Name"`;
  }
  try {
    if (new RegExp(regex, 'u').test('')) problems.regex = `mask regex ${JSON.stringify(regex)} matches the empty string; it must match some text`;
  } catch (error) {
    problems.regex = `mask regex does not compile: ${(error as Error).message}`;
  }
  return problems;
}

/** The masks ready to apply; throws on an entry `maskProblems` rejects (specs are validated before they get here). */
export function compileMasks(mask: Readonly<Record<string, string>> | undefined): CompiledMasks {
  const entries = Object.entries(mask ?? {});
  if (entries.length === 0) return NO_MASKS;
  const compiled: CompiledMasks = { json: [], body: [], headers: new Map() };
  for (const [target, source] of entries) {
    const problems = maskProblems(target, source);
    const problem = problems.target ?? problems.regex;
    if (problem) throw new Error(`compare mask ${JSON.stringify(target)}: ${problem}`);
    const regex = new RegExp(source, 'gu');
    if (target === BODY_TARGET) compiled.body.push(regex);
    else if (target.startsWith(HEADER_TARGET)) {
      const name = target.slice(HEADER_TARGET.length).toLowerCase();
      compiled.headers.set(name, [...(compiled.headers.get(name) ?? []), regex]);
    } else compiled.json.push({ path: parseJsonPath(target), regex });
  }
  return compiled;
}

export function maskText(text: string, regexes: readonly RegExp[]): string {
  return regexes.reduce((out, regex) => out.replace(regex, MASK_PLACEHOLDER), text);
}

/** A copy of `value` with the JSON masks applied (the value itself when none can apply). */
export function maskJson(value: unknown, masks: CompiledMasks['json']): unknown {
  if (masks.length === 0) return value;
  const deepest = Math.max(...masks.map((m) => m.path.length));
  const walk = (node: unknown, path: Concrete[], active: readonly RegExp[]): unknown => {
    const here = masks.filter((m) => matches(m.path, path)).map((m) => m.regex);
    const regexes = here.length > 0 ? [...active, ...here] : active;
    // Past the deepest mask path with nothing active, nothing below can change.
    if (regexes.length === 0 && path.length >= deepest) return node;
    if (typeof node === 'string') return regexes.length > 0 ? maskText(node, regexes) : node;
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, { kind: 'index', index }], regexes));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([name, item]) => [name, walk(item, [...path, { kind: 'key', name }], regexes)]));
    }
    return node;
  };
  return walk(value, [], []);
}
