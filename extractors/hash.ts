import { sha256 } from '../src/hash.js';

export interface HashedSpan {
  /** Relative to the source root, `/` separators. */
  file: string;
  start: number;
  end: number;
  text: string;
}

/**
 * The source hash of an endpoint: its handler first, then the same-repo helpers it calls (to a
 * bounded depth), each as "file:start-end" and its text. Line endings are normalised so a
 * checkout's settings do not matter; helpers are sorted so discovery order does not either.
 */
export function endpointSourceHash(handler: HashedSpan, helpers: readonly HashedSpan[] = []): string {
  const key = (s: HashedSpan) => `${s.file}:${s.start}-${s.end}`;
  const unique = [...new Map(helpers.filter((h) => key(h) !== key(handler)).map((h) => [key(h), h])).values()].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
  );
  return sha256([handler, ...unique].map((s) => `${key(s)}\n${s.text.replace(/\r\n?/g, '\n')}`).join('\n\0\n'));
}
