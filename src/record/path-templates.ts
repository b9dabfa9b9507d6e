/**
 * Templates for paths no spec names, learned from the traffic: one endpoint is one line in
 * `parity record`'s list of unmatched endpoints, one row in the shadow store and the dashboard,
 * however many articles, users or orders the clients asked for.
 *
 * A segment becomes a parameter in two ways:
 * - **By shape** (`shapeParameter`): numbers, UUIDs, dates, hashes and prefixed ids are `{id}`;
 *   slugs with a random-looking suffix, and titles of five words and more, are `{slug}`.
 * - **By variation**: under one parent (the path before it, already templated), a position where
 *   at least VARIATION_THRESHOLD different words were seen is a parameter: `{slug}` when most of
 *   them were hyphenated at that moment, `{name}` otherwise, and it keeps that name (`/api/articles/my-first-post`, `/api/articles/hello`...
 *   become `/api/articles/{slug}`; `/api/profiles/alice`, `/bob`... `/api/profiles/{name}`).
 *
 * Ambiguity (`/users/me` beside `/users/{id}`, `/articles/feed` beside `/articles/{slug}`):
 * - a spec that names the route always wins: only paths no spec matches are templated here;
 * - a word beside ids that are ids by shape stays literal: `me` is one word, not five;
 * - at a position that is a parameter by variation, a word stays literal when it is used far
 *   more than the values around it: seen at least LITERAL_MIN_USES times and at least
 *   LITERAL_USE_RATIO times as often as the median word there. A route is called again and
 *   again; each article is read a few times.
 * So the first words seen at a position stay literal until the position has varied enough; a
 * whole recording is looked at before `parity record` templates it, and the shadow proxy learns
 * as traffic arrives: the words it saw before a position was recognised keep the rows they had
 * (at most VARIATION_THRESHOLD - 1 per position), and what it recognised is seeded again from the
 * store's endpoints when it restarts.
 */
import { decodeSegment, shapeParameter } from './match.js';

/** Different words at one position from which it is a parameter. */
export const VARIATION_THRESHOLD = 5;
/** A word at a parameter position stays literal from this many uses... */
export const LITERAL_MIN_USES = 3;
/** ...and this many times the median uses of the words there. */
export const LITERAL_USE_RATIO = 3;
/** Words remembered per position: past this, new words are parameters without being counted (literals show up early and often). */
const MAX_WORDS_PER_POSITION = 64;
/** Positions remembered, so that memory stays small (a few MB) whatever the traffic, scanners included; paths past it are templated by shape only. */
const MAX_POSITIONS = 2_000;

interface Position {
  /** Word -> uses. */
  words: Map<string, number>;
  /** Hyphenated or underscored words among them. */
  joined: number;
  /** Once the position is a parameter, its name: fixed then, so that one endpoint keeps one row. */
  parameter?: '{slug}' | '{name}';
  /** The median uses of the words, while no word was added or used since. */
  median?: number;
}

export class PathTemplates {
  private readonly positions = new Map<string, Position>();

  /** Learn from one path (no query); answers its template once it is learned from. */
  observe(path: string): string {
    return this.walk(path, true);
  }

  /**
   * Remember the parameters of a template learned before (an endpoint a shadow store holds,
   * `/api/articles/{slug}`), so that learning goes on where it stopped rather than from nothing.
   */
  seed(template: string): void {
    let parent = '';
    for (const segment of template.split('/')) {
      if (segment === '') continue;
      if ((segment === '{slug}' || segment === '{name}') && !this.positions.has(parent) && this.positions.size < MAX_POSITIONS) {
        this.positions.set(parent, { words: new Map(), joined: 0, parameter: segment });
      }
      parent = `${parent}/${segment}`;
    }
  }

  /** The template of a path: segments that are parameters by shape or by variation as `{id}`, `{slug}`, `{name}`. */
  template(path: string): string {
    return this.walk(path, false);
  }

  private walk(path: string, learn: boolean): string {
    const out: string[] = [];
    let parent = '';
    for (const segment of path.split('/')) {
      if (segment === '') continue;
      const value = decodeSegment(segment);
      const shaped = shapeParameter(value);
      let shown = shaped ?? segment;
      if (!shaped) {
        const position = learn ? this.learn(parent, value) : this.positions.get(parent);
        if (position?.parameter && !literalAmong(position, value)) shown = position.parameter;
      }
      out.push(shown);
      parent = `${parent}/${shown}`;
    }
    return `/${out.join('/')}`;
  }

  private learn(parent: string, word: string): Position | undefined {
    let position = this.positions.get(parent);
    if (!position) {
      if (this.positions.size >= MAX_POSITIONS) return undefined;
      this.positions.set(parent, (position = { words: new Map(), joined: 0 }));
    }
    const uses = position.words.get(word);
    delete position.median;
    if (uses !== undefined) position.words.set(word, uses + 1);
    else if (position.words.size < MAX_WORDS_PER_POSITION) {
      position.words.set(word, 1);
      if (/[-_]/.test(word)) position.joined += 1;
      if (!position.parameter && position.words.size >= VARIATION_THRESHOLD)
        position.parameter = position.joined * 2 >= position.words.size ? '{slug}' : '{name}';
    }
    return position;
  }
}

function literalAmong(position: Position, word: string): boolean {
  const uses = position.words.get(word) ?? 0;
  if (uses < LITERAL_MIN_USES) return false;
  if (position.median === undefined) {
    const counts = [...position.words.values()].sort((a, b) => a - b);
    position.median = counts[Math.floor((counts.length - 1) / 2)]!;
  }
  return uses >= LITERAL_USE_RATIO * position.median;
}
