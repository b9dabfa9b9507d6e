import { sha256 } from '../src/hash.js';

export interface HashedSpan {
  /** Relative to the source root, `/` separators. */
  file: string;
  start: number;
  end: number;
  text: string;
}

/** Where a hashed span is, without its text. */
export interface SpanLocation {
  file: string;
  start: number;
  end: number;
}

/**
 * The spans behind each hash this process computed, handler first, then helpers in the order the
 * extractor found them (nearest first). The LLM describer sends exactly the code the hash covers;
 * keyed by the hash itself, which covers every span's location, so one hash names one list
 * whichever extractor produced it, without each extractor threading its spans through the facts.
 */
const spansByHash = new Map<string, readonly SpanLocation[]>();

/**
 * The source hash of an endpoint: its handler first, then the same-repo helpers it calls (to a
 * bounded depth), each as "file:start-end" and its text. Line endings are normalised so a
 * checkout's settings do not matter; helpers are sorted so discovery order does not either.
 */
export function endpointSourceHash(handler: HashedSpan, helpers: readonly HashedSpan[] = []): string {
  const key = (s: HashedSpan) => `${s.file}:${s.start}-${s.end}`;
  const found = [...new Map(helpers.filter((h) => key(h) !== key(handler)).map((h) => [key(h), h])).values()];
  const unique = [...found].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const hash = sha256([handler, ...unique].map((s) => `${key(s)}\n${s.text.replace(/\r\n?/g, '\n')}`).join('\n\0\n'));
  spansByHash.set(
    hash,
    [handler, ...found].map(({ file, start, end }) => ({ file, start, end })),
  );
  return hash;
}

/** The handler and helper spans a source hash was computed over in this process, if it was. */
export function hashedSpans(sourceHash: string): readonly SpanLocation[] | undefined {
  return spansByHash.get(sourceHash);
}
