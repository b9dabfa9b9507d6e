/**
 * Adding recorded examples to a spec file. Spec files are reviewed in pull requests and carry
 * comments and hand-written examples, so the new examples are spliced in after the last
 * existing one and every byte before and after stays as it was.
 */
import { isMap, isSeq, stringify, type Node } from 'yaml';
import { formatDiagnostic } from '../diagnostics.js';
import type { LoadedSpec } from '../spec/load.js';
import { parseSpecText } from '../spec/load.js';
import type { Example } from '../spec/schema.js';
import { contentEnd, detectIndent, lineStart, setTopLevelBlock } from '../yaml/edit.js';
import { findPair } from '../yaml/source.js';

/** The spec file's text with `examples` appended to its `examples:` sequence; nothing else changes. */
export function appendExamples(loaded: LoadedSpec, examples: readonly Example[]): string {
  const { source } = loaded;
  if (examples.length === 0) return source.text;
  const root = source.doc.contents;
  if (!isMap(root)) throw new Error(`${source.file}: the document is not a mapping`);
  const pair = findPair(root.items, 'examples');
  const sequence = pair?.value;

  let text: string;
  if (isSeq(sequence) && sequence.items.length > 0) {
    const last = sequence.items[sequence.items.length - 1] as Node;
    text = sequence.flow ? appendFlow(source.text, last, examples) : appendBlock(source.text, sequence as Node, last, pair!.key as Node, examples);
  } else {
    // No examples yet (absent, `examples:` or `examples: []`): write the key as a block.
    text = setTopLevelBlock(source, 'examples', examples, { insertAfter: ['teardown', 'setup', 'behaviors'] });
  }

  const check = parseSpecText(loaded.file, source.file, text);
  if (!check.spec) throw new Error(`appending examples produced an invalid spec:\n${check.diagnostics.map(formatDiagnostic).join('\n')}`);
  return text;
}

function appendBlock(text: string, sequence: Node, last: Node, key: Node, examples: readonly Example[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const start = sequence.range![0];
  const column = start - lineStart(text, start);
  const keyColumn = key.range![0] - lineStart(text, key.range![0]);
  // Follow the file: items indented under their key or level with it, and its indentation step.
  const rendered = stringify(examples, { indent: detectIndent(text), lineWidth: 0, indentSeq: column > keyColumn });
  const pad = ' '.repeat(column);
  const block = rendered
    .split('\n')
    .filter((line, i, lines) => !(i === lines.length - 1 && line === ''))
    .map((line) => (line === '' ? eol : pad + line + eol))
    .join('');

  const end = contentEnd(last);
  // A block scalar's range already includes its line break; anything else ends mid-line (maybe before a comment).
  if (text[end - 1] === '\n') return text.slice(0, end) + block + text.slice(end);
  const newline = text.indexOf('\n', end);
  if (newline === -1) return text + eol + block;
  return text.slice(0, newline + 1) + block + text.slice(newline + 1);
}

function appendFlow(text: string, last: Node, examples: readonly Example[]): string {
  // JSON is valid flow YAML, and keeps a flow sequence a flow sequence.
  const end = contentEnd(last);
  return text.slice(0, end) + examples.map((example) => `, ${JSON.stringify(example)}`).join('') + text.slice(end);
}
