/**
 * Edits that keep every byte of a human-edited YAML file except the part being changed.
 *
 * Re-serialising a document (even with the `yaml` package's comment support) reflows long
 * strings, normalises quoting and blank lines. Reviewers diff spec files in pull requests, so
 * instead we find the changed node's source range in the parsed document and splice freshly
 * rendered text into the original.
 */
import { isMap, isPair, isSeq, stringify, type Node } from 'yaml';
import { findPair, type YamlSource } from './source.js';

export interface SetBlockOptions {
  /** When the key is absent, insert it after the first of these top-level keys that exists. */
  insertAfter?: readonly string[];
}

/** The text with top-level `key` set to `value`, rendered as a block; all other bytes unchanged. */
export function setTopLevelBlock(source: YamlSource, key: string, value: unknown, options: SetBlockOptions = {}): string {
  const { text, doc } = source;
  const root = doc.contents;
  if (!isMap(root)) throw new Error('the document is not a mapping');
  const indent = detectIndent(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';

  const existing = findPair(root.items, key);
  if (existing) {
    const keyRange = existing.key.range;
    if (!keyRange) throw new Error(`no source range for key "${key}"`);
    const start = keyRange[0];
    const end = existing.value ? contentEnd(existing.value) : keyRange[1];
    const column = start - lineStart(text, start);
    const block = render(key, value, indent, column, eol).trimEnd();
    return text.slice(0, start) + block + text.slice(end);
  }

  const anchor = (options.insertAfter ?? []).map((k) => findPair(root.items, k)).find((pair) => pair !== undefined);
  const anchorEnd = anchor?.value ? contentEnd(anchor.value) : anchor?.key.range?.[1];
  if (anchor && anchorEnd !== undefined) {
    const newline = text.indexOf('\n', anchorEnd);
    const column = (anchor.key.range?.[0] ?? 0) - lineStart(text, anchor.key.range?.[0] ?? 0);
    const block = render(key, value, indent, column, eol);
    if (newline === -1) return text + eol + block;
    return text.slice(0, newline + 1) + block + text.slice(newline + 1);
  }
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  return text + separator + render(key, value, indent, 0, eol);
}

function render(key: string, value: unknown, indent: number, column: number, eol: string): string {
  const rendered = stringify({ [key]: value }, { indent, lineWidth: 0 });
  const pad = ' '.repeat(column);
  return rendered
    .split('\n')
    .filter((line, i, lines) => !(i === lines.length - 1 && line === ''))
    .map((line) => pad + line + eol)
    .join('');
}

/**
 * Where a node's own text ends. A block collection's range runs on through the line break (and
 * comments) after its last entry, which belong to whatever follows; so descend to the last
 * entry instead. Scalars and flow collections end where their range says.
 */
export function contentEnd(node: Node): number {
  if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0) {
    const last = node.items[node.items.length - 1];
    if (isPair(last)) return contentEnd((last.value as Node | null) ?? (last.key as Node));
    return contentEnd(last as Node);
  }
  if (!node.range) throw new Error('a YAML node without a source range');
  return node.range[1];
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The indentation step the file already uses (2 when it has no nested block). */
export function detectIndent(text: string): number {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (!/^[^\s#][^#]*:\s*(#.*)?\r?$/.test(line)) continue;
    const next = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    const width = next ? /^( +)/.exec(next)?.[1]?.length : undefined;
    if (width) return width;
  }
  return 2;
}
