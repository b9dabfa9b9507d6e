/**
 * Adding items to, and removing items from, one sequence of a human-edited YAML file (a spec's
 * `compare.ignore`, a behaviour's `signatures`) while every other byte stays as it was.
 *
 * Same approach as `edit.ts` and `record/append.ts`: locate the nodes in the parsed document by
 * their source ranges, render only the new text with the `yaml` package and splice it in. Every
 * result is parsed again before it is returned, so an edit can fail but never corrupt a file.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  stringify,
  visit,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { contentEnd, detectIndent, lineStart } from './edit.js';
import { findPair, formatPath, parseYamlSource, type PathSegment, type YamlSource } from './source.js';

type Path = readonly PathSegment[];
type StringType = Scalar.Type;

interface Style {
  eol: string;
  indent: number;
  /** Whether block sequences sit indented under their key (`key:\n  - a`) rather than level with it. */
  indentSeq: boolean;
}

type Target =
  | { kind: 'sequence'; seq: YAMLSeq; key: Node | undefined }
  /** `key:` or `key: ~`; `rest` is what the path still wants below it. */
  | { kind: 'null'; pair: Pair<Node, Node | null>; parent: YAMLMap; rest: Path }
  /** `rest[0]` is not a key of `map`; `map` is null for a document with no content at all. */
  | { kind: 'missing'; map: YAMLMap | null; rest: Path }
  | { kind: 'no-item'; at: Path };

/** The text with `items` appended to the sequence at `path`, creating the sequence (and the mappings above it) when absent. */
export function appendToSequence(source: YamlSource, path: Path, items: readonly unknown[]): string {
  if (items.length === 0) return source.text;
  const target = resolve(source, path, 'append to');
  const style = fileStyle(source);
  let text: string;
  let before: unknown[] = [];
  switch (target.kind) {
    case 'sequence': {
      before = target.seq.items.map((item) => jsValue(source.doc, item));
      const stringType = quoteStyle(target.seq);
      if (target.seq.flow) text = insertFlow(source.text, target.seq, renderFlowItems(items, stringType), style.eol);
      else text = appendBlock(source.text, target.seq, target.key, items, style, stringType);
      break;
    }
    case 'null':
      text = fillNull(source.text, target.pair, target.parent, nest(source.file, path, target.rest, items), style);
      break;
    case 'missing':
      text = addKey(source.file, source.text, target.map, path, target.rest, items, style);
      break;
    case 'no-item':
      throw new Error(`${source.file}: cannot append to ${formatPath(path)}: ${formatPath(target.at)} does not exist`);
  }

  const after = reparse(source.file, text, `appending to ${formatPath(path)}`);
  // Parsing is not enough: a value rendered in the wrong context (a flow indicator left plain, a
  // string YAML reads as a number) would parse fine and silently change the spec.
  const expected = [...before, ...(JSON.parse(JSON.stringify(items)) as unknown[])];
  if (!isDeepStrictEqual(valueAt(after.doc.toJS({ maxAliasCount: 100 }), path), expected)) {
    throw new Error(`${source.file}: appending to ${formatPath(path)} would not read back as the values given`);
  }
  return text;
}

/** The text without the items of the sequence at `path` for which `shouldRemove` holds, and how many went. */
export function removeFromSequence(source: YamlSource, path: Path, shouldRemove: (value: unknown) => boolean): { text: string; removed: number } {
  const target = resolve(source, path, 'remove from');
  if (target.kind !== 'sequence') return { text: source.text, removed: 0 };
  // The predicate sees each original item once, however the removals below re-parse.
  const indices = target.seq.items.flatMap((item, i) => (shouldRemove(jsValue(source.doc, item)) ? [i] : []));
  let current = source;
  // Last first, so the indices still to remove keep pointing at the same items; re-parsing after
  // each removal keeps the ranges (and which comma is whose) right.
  for (const index of indices.reverse()) {
    const here = resolve(current, path, 'remove from');
    if (here.kind !== 'sequence') throw new Error(`${source.file}: lost ${formatPath(path)} while removing from it`);
    const text = here.seq.flow ? removeFlowItem(current.text, here.seq, index) : removeBlockItem(current.text, here.seq, here.key, index, source.file, path);
    current = reparse(source.file, text, `removing from ${formatPath(path)}`);
  }
  return { text: current.text, removed: indices.length };
}

/**
 * Removes the key at `path` when its value is empty (`key: []`, `key: {}`, or nothing) and the key
 * has its own line in a block mapping: undoing an append that had to create the key. Anything
 * else (a non-empty value, a flow mapping, a key sharing its line) leaves the text as it is.
 */
export function removeKeyIfEmpty(source: YamlSource, path: Path): string {
  const { text } = source;
  let parent: unknown = source.doc.contents;
  for (const segment of path.slice(0, -1)) {
    if (isMap(parent)) parent = findPair(parent.items, segment)?.value;
    else if (isSeq(parent) && typeof segment === 'number') parent = parent.items[segment];
    else return text;
  }
  if (!isMap(parent) || parent.flow) return text;
  const pair = findPair(parent.items, path[path.length - 1]!);
  const keyRange = pair?.key.range;
  if (!pair || !keyRange) return text;
  const value = pair.value as Node | null;
  const empty = value === null || isNull(value) || ((isSeq(value) || isMap(value)) && value.items.length === 0);
  if (!empty || !startsLine(text, keyRange[0])) return text;
  const end = value?.range ? value.range[1] : keyRange[1];
  const newline = text.indexOf('\n', end);
  const result = text.slice(0, lineStart(text, keyRange[0])) + (newline === -1 ? '' : text.slice(newline + 1));
  reparse(source.file, result, `removing ${formatPath(path)}`);
  return result;
}

function resolve(source: YamlSource, path: Path, verb: string): Target {
  const fail = (at: number, what: string, node: unknown): never => {
    throw new Error(`${source.file}: cannot ${verb} ${formatPath(path)}: ${formatPath(path.slice(0, at))} is ${describe(node)}, not ${what}`);
  };
  let node: unknown = source.doc.contents;
  let key: Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (typeof segment === 'string') {
      if (i === 0 && isNull(node)) return { kind: 'missing', map: null, rest: path };
      if (!isMap(node)) return fail(i, 'a mapping', node);
      const pair = findPair(node.items, segment);
      if (!pair) return { kind: 'missing', map: node, rest: path.slice(i) };
      if (isNull(pair.value)) return { kind: 'null', pair, parent: node, rest: path.slice(i + 1) };
      node = pair.value;
      key = pair.key;
    } else {
      if (!isSeq(node)) return fail(i, 'a sequence', node);
      if (!Number.isInteger(segment) || segment < 0 || segment >= node.items.length) return { kind: 'no-item', at: path.slice(0, i + 1) };
      node = node.items[segment];
      key = undefined;
    }
  }
  if (!isSeq(node)) return fail(path.length, 'a sequence', node);
  return { kind: 'sequence', seq: node, key };
}

function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a sequence';
  if (isScalar(node)) return `the ${node.value === null ? 'null' : typeof node.value} ${JSON.stringify(node.value)}`;
  if (isNull(node)) return 'empty';
  return 'an alias or other node';
}

function isNull(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

function jsValue(doc: Document.Parsed, item: unknown): unknown {
  if (isPair(item)) return { [String(jsValue(doc, item.key))]: jsValue(doc, item.value) };
  return isNode(item) ? item.toJS(doc, { maxAliasCount: 100 }) : (item ?? null);
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const segment of path) value = (value as Record<PathSegment, unknown> | null | undefined)?.[segment];
  return value;
}

/** The value to write under an existing or new key: what is left of the path, down to the items. */
function nest(file: string, path: Path, rest: Path, items: readonly unknown[]): unknown {
  let value: unknown = [...items];
  for (let i = rest.length - 1; i >= 0; i--) {
    const segment = rest[i]!;
    if (typeof segment !== 'string') {
      const at = path.slice(0, path.length - rest.length + i + 1);
      throw new Error(`${file}: cannot create ${formatPath(at)}: a sequence index can only refer to an existing item`);
    }
    value = { [segment]: value };
  }
  return value;
}

function fileStyle(source: YamlSource): Style {
  const { text, doc } = source;
  let indentSeq = true;
  visit(doc, {
    Pair(_, pair) {
      const { key, value } = pair;
      if (!isSeq(value) || value.flow || value.items.length === 0 || !value.range || !isNode(key) || !key.range) return undefined;
      indentSeq = column(text, value.range[0]) > column(text, key.range[0]);
      return visit.BREAK;
    },
  });
  return { eol: text.includes('\r\n') ? '\r\n' : '\n', indent: detectIndent(text), indentSeq };
}

/** New strings follow the quoting the sequence's strings already share (`["$.id", "$.created"]`). */
function quoteStyle(seq: YAMLSeq): StringType {
  const types = new Set(seq.items.filter((item): item is Scalar => isScalar(item) && typeof item.value === 'string').map((item) => item.type));
  const [only] = types;
  return types.size === 1 && (only === 'QUOTE_DOUBLE' || only === 'QUOTE_SINGLE') ? only : 'PLAIN';
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

function renderBlock(value: unknown, style: Style, indentSeq: boolean, at: number, stringType: StringType = 'PLAIN'): string {
  const rendered = stringify(value, { indent: style.indent, indentSeq, lineWidth: 0, defaultStringType: stringType, defaultKeyType: 'PLAIN' });
  const pad = ' '.repeat(at);
  return rendered
    .split('\n')
    .filter((line, i, lines) => !(i === lines.length - 1 && line === ''))
    .map((line) => (line === '' ? style.eol : pad + line + style.eol))
    .join('');
}

function renderFlow(value: unknown, stringType: StringType = 'PLAIN'): string {
  return stringify(value, {
    collectionStyle: 'flow',
    flowCollectionPadding: false,
    lineWidth: 0,
    defaultStringType: stringType,
    defaultKeyType: 'PLAIN',
  }).trimEnd();
}

/** Each entry of a rendered flow collection as its own text, so they can go into an existing collection one by one. */
function renderFlowItems(value: readonly unknown[] | Record<string, unknown>, stringType: StringType = 'PLAIN'): string[] {
  const rendered = renderFlow(value, stringType);
  const collection = parseDocument(rendered).contents;
  if (!isSeq(collection) && !isMap(collection)) throw new Error('rendering a flow collection gave something else');
  return collection.items.map((item) => rendered.slice(itemStart(item), itemEnd(item)));
}

function itemStart(item: unknown): number {
  const node = isPair(item) ? item.key : item;
  if (!isNode(node) || !node.range) throw new Error('a YAML node without a source range');
  return node.range[0];
}

function itemEnd(item: unknown): number {
  const node = isPair(item) ? (isNode(item.value) ? item.value : item.key) : item;
  if (!isNode(node)) throw new Error('a YAML node without a source range');
  return contentEnd(node);
}

/**
 * Puts whole lines (`block`, ending in a line break) after the line on which `end` lies. A block
 * scalar's range already includes its line break; anything else ends mid-line, maybe before a
 * comment that stays on its line.
 */
function insertLines(text: string, end: number, block: string, eol: string): string {
  if (text[end - 1] === '\n') return text.slice(0, end) + block + text.slice(end);
  const newline = text.indexOf('\n', end);
  // At the end of a file without a final line break, add none either.
  if (newline === -1) return text + eol + block.slice(0, -eol.length);
  return text.slice(0, newline + 1) + block + text.slice(newline + 1);
}

function appendBlock(text: string, seq: YAMLSeq, key: Node | undefined, items: readonly unknown[], style: Style, stringType: StringType): string {
  const start = seq.range![0];
  const at = column(text, start);
  const indentSeq = key?.range ? at > column(text, key.range[0]) : style.indentSeq;
  const last = seq.items[seq.items.length - 1] as Node;
  return insertLines(text, contentEnd(last), renderBlock(items, style, indentSeq, at, stringType), style.eol);
}

/** The offset of the first non-blank, non-comment character at or after `from` when it is a comma (before `limit`), else -1. */
function commaAfter(text: string, from: number, limit = text.length): number {
  let i = from;
  while (i < limit) {
    const ch = text[i]!;
    if (ch === '#') {
      const newline = text.indexOf('\n', i);
      if (newline === -1) return -1;
      i = newline + 1;
    } else if (/\s/.test(ch)) {
      i++;
    } else {
      return ch === ',' ? i : -1;
    }
  }
  return -1;
}

/** The offset of the line break ending the line, when the rest of it from `from` is blank or a comment; else -1. */
function restIsBlank(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  if (newline === -1) return -1;
  return /^[ \t]*(#.*)?$/.test(text.slice(from, newline).replace(/\r$/, '')) ? newline : -1;
}

function startsLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === '';
}

/**
 * Adds rendered entries to a flow sequence or mapping. A collection written one entry per line
 * gets one line per new entry, with the file's trailing-comma habit; one on a single line gets `, x`.
 */
function insertFlow(text: string, collection: YAMLSeq | YAMLMap, pieces: readonly string[], eol: string): string {
  const open = collection.range![0];
  if (collection.items.length === 0) return text.slice(0, open + 1) + pieces.join(', ') + text.slice(open + 1);
  const last = collection.items[collection.items.length - 1];
  const start = itemStart(last);
  const end = itemEnd(last);
  const comma = commaAfter(text, end, collection.range![1]);
  const lineEnd = restIsBlank(text, comma >= 0 ? comma + 1 : end);
  if (lineEnd !== -1 && startsLine(text, start) && lineStart(text, start) > open) {
    const pad = text.slice(lineStart(text, start), start);
    const lines = pieces.map((piece, i) => pad + piece + (i < pieces.length - 1 || comma >= 0 ? ',' : '') + eol).join('');
    return text.slice(0, end) + (comma >= 0 ? '' : ',') + text.slice(end, lineEnd + 1) + lines + text.slice(lineEnd + 1);
  }
  return text.slice(0, end) + pieces.map((piece) => `, ${piece}`).join('') + text.slice(end);
}

function fillNull(text: string, pair: Pair<Node, Node | null>, parent: YAMLMap, value: unknown, style: Style): string {
  const keyEnd = pair.key.range![1];
  const scalar = pair.value;
  const range = scalar?.range;
  if (parent.flow) {
    const flow = renderFlow(value);
    if (range && range[1] > range[0]) return text.slice(0, range[0]) + flow + text.slice(range[1]);
    if (range) return text.slice(0, range[0]) + (/\s/.test(text[range[0] - 1] ?? '') ? '' : ' ') + flow + text.slice(range[0]);
    return text.slice(0, keyEnd) + ': ' + flow + text.slice(keyEnd);
  }

  const keyColumn = column(text, pair.key.range![0]);
  const at = Array.isArray(value) && !style.indentSeq ? keyColumn : keyColumn + style.indent;
  const block = renderBlock(value, style, style.indentSeq, at);
  let cut = range ? range[0] : keyEnd;
  let edited = text;
  if (range && range[1] > range[0]) {
    // Drop an explicit `~`/`null` so the key opens the block; a comment after it stays on the key's line.
    while (cut > 0 && (text[cut - 1] === ' ' || text[cut - 1] === '\t')) cut--;
    edited = text.slice(0, cut) + text.slice(range[1]);
  }
  return insertLines(edited, cut, block, style.eol);
}

function addKey(file: string, text: string, map: YAMLMap | null, path: Path, rest: Path, items: readonly unknown[], style: Style): string {
  const [key, ...below] = rest;
  const value = { [String(key)]: nest(file, path, below, items) };
  if (map === null) {
    const separator = text === '' || text.endsWith('\n') ? '' : style.eol;
    return text + separator + renderBlock(value, style, style.indentSeq, 0);
  }
  if (map.flow) return insertFlow(text, map, renderFlowItems(value), style.eol);
  const first = map.items[0]?.key;
  if (!isNode(first) || !first.range) throw new Error(`${file}: cannot add ${formatPath(path)}: its mapping has no plain first key to align with`);
  return insertLines(text, contentEnd(map as Node), renderBlock(value, style, style.indentSeq, column(text, first.range[0])), style.eol);
}

/** The offset of the `-` that introduces a block sequence item starting at `start`. */
function dashOf(text: string, start: number): number {
  let from = lineStart(text, start);
  const prefix = text.slice(from, start);
  // Anchors and tags sit between the dash and the item's own range.
  const dashes = [...prefix.matchAll(/(?:^|[ \t])(-)(?=[ \t]|$)/g)];
  const lastDash = dashes[dashes.length - 1];
  if (lastDash) return from + lastDash.index + lastDash[0].length - 1;
  // `-` alone (or with a comment, anchor or tag) on a line above the item's content.
  while (from > 0) {
    from = lineStart(text, from - 1);
    const line = text.slice(from, text.indexOf('\n', from));
    const trimmed = line.trim();
    if (trimmed.startsWith('-')) return from + line.indexOf('-');
    if (trimmed !== '' && !trimmed.startsWith('#')) break;
  }
  throw new Error('could not find the "-" of a sequence item');
}

function removeBlockItem(text: string, seq: YAMLSeq, key: Node | undefined, index: number, file: string, path: Path): string {
  const item = seq.items[index] as Node;
  const dash = dashOf(text, itemStart(item));
  const end = contentEnd(item);
  let from = lineStart(text, dash);
  let to = text[end - 1] === '\n' ? end : text.indexOf('\n', end) + 1 || text.length;
  const emptied = seq.items.length === 1;

  if (emptied && !key?.range) return text.slice(0, dash) + '[]' + text.slice(end);
  if (!startsLine(text, dash)) throw new Error(`${file}: cannot remove item ${index} of ${formatPath(path)}: it shares its line with other content`);
  // The last line of a file without a final line break: take the break before it instead.
  if (to === text.length && !text.endsWith('\n') && from > 0) {
    from -= text[from - 2] === '\r' ? 2 : 1;
    to = text.length;
  }
  if (!emptied) return text.slice(0, from) + text.slice(to);

  // `key: []` rather than dropping the key: an empty list still says "nothing here, on purpose".
  const colon = text.indexOf(':', key!.range![1]);
  if (colon === -1 || colon > from) throw new Error(`${file}: cannot find the ":" after the key of ${formatPath(path)}`);
  return text.slice(0, colon + 1) + ' []' + text.slice(colon + 1, from) + text.slice(to);
}

function removeFlowItem(text: string, seq: YAMLSeq, index: number): string {
  const items = seq.items;
  const open = seq.range![0];
  const close = seq.range![1] - 1;
  const start = itemStart(items[index]);
  const end = itemEnd(items[index]);
  const inner = text.slice(open + 1, close);
  if (items.length === 1 && !inner.includes('#')) return text.slice(0, open + 1) + text.slice(close);

  const comma = commaAfter(text, end, close);
  const ownLine = startsLine(text, start);
  if (comma >= 0) {
    const lineEnd = restIsBlank(text, comma + 1);
    if (ownLine && lineEnd !== -1) return text.slice(0, lineStart(text, start)) + text.slice(lineEnd + 1);
    let next = comma + 1;
    while (text[next] === ' ' || text[next] === '\t') next++;
    return text.slice(0, start) + text.slice(next);
  }

  const lineEnd = restIsBlank(text, end);
  const previous = index > 0 ? itemEnd(items[index - 1]) : -1;
  const previousComma = previous >= 0 ? commaAfter(text, previous, start) : -1;
  if (ownLine && lineEnd !== -1) {
    const from = lineStart(text, start);
    if (previousComma === -1) return text.slice(0, from) + text.slice(lineEnd + 1);
    return text.slice(0, previousComma) + text.slice(previousComma + 1, from) + text.slice(lineEnd + 1);
  }
  if (previous === -1) return text.slice(0, start) + text.slice(end);
  return text.slice(0, previous) + text.slice(end);
}

function reparse(file: string, text: string, doing: string): YamlSource {
  const { source, diagnostics } = parseYamlSource(file, text);
  if (diagnostics.length > 0 || source.doc.errors.length > 0) {
    const reasons = diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('; ');
    throw new Error(`${file}: ${doing} would produce YAML that does not parse: ${reasons}`);
  }
  return source;
}
