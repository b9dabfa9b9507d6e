/**
 * A parsed YAML file that remembers where every node came from, so that any problem found later
 * (by the schema, by lint, by a command) can be reported as `file:line:col`.
 *
 * Built on the `yaml` package: it keeps comments and source ranges, which is what both
 * positioned errors and byte-preserving edits (spec approve, dashboard actions) need.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';

export interface YamlSource {
  /** The path as shown to the user (usually relative to the working directory). */
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export type PathSegment = string | number;

export interface ParsedYaml {
  source: YamlSource;
  /** Syntax errors; when non-empty the document's data must not be trusted. */
  diagnostics: Diagnostic[];
}

export function parseYamlSource(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const diagnostics: Diagnostic[] = doc.errors.map((error) => {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    return { file, line: pos.line, col: pos.col, message: `YAML syntax: ${firstLine(error.message)}`, rule: 'yaml-syntax' };
  });
  return { source: { file, text, doc, lineCounter }, diagnostics };
}

/** The plain data of a document that parsed without errors. */
export function toData(source: YamlSource): unknown {
  return source.doc.toJS({ maxAliasCount: 100 });
}

export function positionAt(source: YamlSource, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, col };
}

/**
 * Where the node at `path` starts. With `target: 'key'` the position of the map key itself (for
 * "unknown key" problems). When the path does not exist (a missing key), the nearest existing
 * ancestor is used, which is where the user has to add the key.
 */
export function locate(source: YamlSource, path: readonly PathSegment[], target: 'value' | 'key' = 'value'): Position {
  let node: unknown = source.doc.contents;
  let best: number = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(node.items, segment);
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      if (isLast && target === 'key' && keyStart !== undefined) return positionAt(source, keyStart);
      const valueStart = rangeStart(pair.value);
      // `key:` with nothing after it has a null value without a useful range: point at the key.
      best = valueStart !== undefined && !(isScalar(pair.value) && pair.value.value === null) ? valueStart : (keyStart ?? best);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      const start = rangeStart(item);
      if (start === undefined) break;
      best = start;
      node = item;
    } else {
      break;
    }
  }
  return positionAt(source, best);
}

/** The key/value pair for `key` in a parsed map's items. */
export function findPair(items: readonly unknown[], key: PathSegment): Pair<Node, Node> | undefined {
  for (const item of items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) return item as Pair<Node, Node>;
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    if (range) return range[0];
  }
  return undefined;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(document)' : out;
}
