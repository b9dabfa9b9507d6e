/**
 * The legacy source hash an approval is bound to: the hash of the handler's lines, as cited by
 * `extracted.handler` ("file:start-end", relative to the legacy source directory). `parity
 * extract` writes it; when the lines change, an approved spec becomes drifted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../hash.js';

export interface SourceSpan {
  file: string;
  start: number;
  end: number;
}

export function parseSpan(evidence: string): SourceSpan {
  const match = /^(.+):(\d+)(?:-(\d+))?$/.exec(evidence);
  if (!match) throw new Error(`expected "file:line" or "file:start-end", got ${JSON.stringify(evidence)}`);
  const start = Number(match[2]);
  const end = match[3] === undefined ? start : Number(match[3]);
  if (start < 1 || end < start) throw new Error(`a line range runs forward from 1, got ${JSON.stringify(evidence)}`);
  return { file: match[1]!, start, end };
}

/** sha256 of the span's lines, line endings normalised to \n so a checkout's settings do not matter. */
export function hashSourceLines(text: string, span: Pick<SourceSpan, 'start' | 'end'>): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (span.end > lines.length) throw new Error(`lines ${span.start}-${span.end} run past the end of the file (${lines.length} lines)`);
  return sha256(lines.slice(span.start - 1, span.end).join('\n'));
}

export function handlerSourceHash(sourceRoot: string, handler: string): string {
  const span = parseSpan(handler);
  return hashSourceLines(fs.readFileSync(path.join(sourceRoot, span.file), 'utf8'), span);
}
