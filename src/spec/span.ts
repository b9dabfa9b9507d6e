/** Evidence spans: `file:line` or `file:start-end`, as specs cite the legacy source. */

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
