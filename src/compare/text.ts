/**
 * Text, HTML and XML bodies: compared as text after normalising line endings, the difference
 * reported as the first line that differs, an excerpt from each side with its line number. Pure.
 *
 * Only the first differing line is reported: one body difference per response is what a
 * signature counts, and the excerpt is what a reviewer needs to find it; the whole bodies stay
 * in the stored samples. Excerpts are bounded (a minified page is one long line), so a
 * difference never carries a body.
 *
 * With `ignoreTagWhitespace` (HTML and XML), whitespace that stands alone between two tags, or
 * between a tag and either end of the body, does not count: re-indented markup is equal. Line
 * numbers are then each side's own, since the two may be laid out differently.
 */

export interface TextDifference {
  /** `line 3: <excerpt>`, `line 1, col 812: …<excerpt>…`, or `(end of body after line 2)`. */
  primary: string;
  candidate: string;
}

/** Characters of a line shown around the first difference. */
const EXCERPT = 120;
const BEFORE = 40;

/** A line of two bodies with as many lines each: its 1-based number and an excerpt from each side. */
export interface LineDifference extends TextDifference {
  line: number;
}

/** Differing lines reported one by one up to this many; past it the bodies differ as a whole. */
export const MAX_LINE_DIFFERENCES = 20;

/**
 * Bodies with as many lines on both sides, compared line by line: every differing line (up to
 * MAX_LINE_DIFFERENCES), so noise on one line (a host name, a timestamp) cannot hide a difference
 * on another. Undefined when the line counts differ or too many lines differ: then the body is
 * one difference (diffText), a difference of the whole.
 */
export function diffLinesApart(primary: string, candidate: string): LineDifference[] | undefined {
  const linesA = normaliseLineEndings(primary).split('\n');
  const linesB = normaliseLineEndings(candidate).split('\n');
  if (linesA.length !== linesB.length || linesA.length < 2) return undefined;
  const found: LineDifference[] = [];
  for (let i = 0; i < linesA.length; i++) {
    const a = linesA[i]!;
    const b = linesB[i]!;
    if (a === b) continue;
    if (found.length === MAX_LINE_DIFFERENCES) return undefined;
    const col = commonPrefix(a, b);
    found.push({ line: i + 1, primary: describe(a, i + 1, col, true), candidate: describe(b, i + 1, col, true) });
  }
  return found;
}

export function diffText(primary: string, candidate: string, options: { ignoreTagWhitespace?: boolean } = {}): TextDifference | undefined {
  const a = normaliseLineEndings(primary);
  const b = normaliseLineEndings(candidate);
  return options.ignoreTagWhitespace ? diffMarkup(a, b) : diffLines(a, b);
}

export function normaliseLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

function diffLines(a: string, b: string): TextDifference | undefined {
  if (a === b) return undefined;
  const linesA = a.split('\n');
  const linesB = b.split('\n');
  let i = 0;
  while (i < linesA.length && i < linesB.length && linesA[i] === linesB[i]) i++;
  const lineA = linesA[i];
  const lineB = linesB[i];
  const col = commonPrefix(lineA ?? '', lineB ?? '');
  // A one-line body needs no line number: the excerpt alone says it.
  const bare = linesA.length === 1 && linesB.length === 1;
  return { primary: describe(lineA, i + 1, col, bare), candidate: describe(lineB, i + 1, col, bare) };
}

function diffMarkup(a: string, b: string): TextDifference | undefined {
  const rangesA = keptRanges(a);
  const rangesB = keptRanges(b);
  const normalA = rangesA.map(([start, end]) => a.slice(start, end)).join('');
  const normalB = rangesB.map(([start, end]) => b.slice(start, end)).join('');
  if (normalA === normalB) return undefined;
  const k = commonPrefix(normalA, normalB);
  const bare = !a.includes('\n') && !b.includes('\n');
  return { primary: describeAt(a, originalOffset(rangesA, k, a.length), bare), candidate: describeAt(b, originalOffset(rangesB, k, b.length), bare) };
}

/** The [start, end) ranges of `text` that count: all but whitespace runs standing between tags (or a tag and an end of the body). */
function keptRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let from = 0;
  for (const match of text.matchAll(/\s+/g)) {
    const start = match.index;
    const end = start + match[0].length;
    const afterTag = start === 0 || text[start - 1] === '>';
    const beforeTag = end === text.length || text[end] === '<';
    if (!afterTag || !beforeTag) continue;
    if (start > from) ranges.push([from, start]);
    from = end;
  }
  if (from < text.length) ranges.push([from, text.length]);
  return ranges;
}

/** Where the k-th kept character sits in the original text; `length` when k is past the end. */
function originalOffset(ranges: readonly [number, number][], k: number, length: number): number {
  let seen = 0;
  for (const [start, end] of ranges) {
    if (k < seen + (end - start)) return start + (k - seen);
    seen += end - start;
  }
  return length;
}

function describeAt(text: string, offset: number, bare: boolean): string {
  // A difference at a line break is a difference in what the next line holds.
  if (text[offset] === '\n') offset++;
  if (offset >= text.length) return describe(undefined, lineOf(text, text.trimEnd().length) + 1, 0, bare);
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const newline = text.indexOf('\n', offset);
  const end = newline === -1 ? text.length : newline;
  return describe(text.slice(start, end), lineOf(text, offset), offset - start, bare);
}

/** The 1-based line holding `offset`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** One side's excerpt: the line (undefined when the body ended before it), windowed around column `col` when long. */
function describe(line: string | undefined, number: number, col: number, bare: boolean): string {
  if (line === undefined) return `(end of body after line ${number - 1})`;
  if (line.length <= EXCERPT) {
    const shown = line === '' ? '(empty line)' : line;
    return bare && line !== '' ? shown : `line ${number}: ${shown}`;
  }
  const start = Math.max(0, Math.min(col - BEFORE, line.length - EXCERPT));
  const end = Math.min(line.length, start + EXCERPT);
  return `line ${number}, col ${col + 1}: ${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
}

function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
