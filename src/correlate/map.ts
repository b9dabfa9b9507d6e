/**
 * The learned pairs of one side: the primary's value -> that side's value for the same thing
 * (`cus_P -> cus_C`, `1000 -> 1` under scope `customer`, a login token -> the rewrite's token).
 *
 * Bounded in entries and in age: shadowing runs for weeks, and every create teaches a pair. The
 * least recently used pair goes first when the map is full (counted as evicted), and a pair not
 * used for `maxAgeMs` is forgotten (counted as expired): an entity nobody touched for a week is
 * rarely touched again, and if it is, the read differs and says so.
 *
 * Pairs are one-to-one: a primary value is learned once (the first pairing wins; a later,
 * different pairing is a difference, not a lesson), and a value of the other side stands for one
 * primary value only. Two creates answered with the same candidate id are a bug to report, not two
 * pairs.
 *
 * For persistence (the shadow store keeps the pairs across restarts) every pair has a `hash`: the
 * SHA-256 of its key (128 bits of it). The primary's values are the production side's (session tokens among them)
 * and are never written anywhere: a restored pair is found again by hashing the value looked up.
 */
import { hash } from 'node:crypto';
import { isStrong, type Scalar } from './identifiers.js';
import { LruMap } from './lru.js';

export interface CorrelationPair {
  primary: Scalar;
  other: Scalar;
  /** The scope of a weak value (`customer`); undefined for a strong one, which stands alone. */
  scope: string | undefined;
  /** Where it was learned: `POST /customers $.id`. */
  source: string;
}

export interface StoredPair {
  /** SHA-256 (hex) of the pair's key: the primary's value and scope. */
  hash: string;
  other: Scalar;
  scope: string | undefined;
  source: string;
  learnedAt: number;
  usedAt: number;
}

export type PairChange = { kind: 'learned'; pair: StoredPair } | { kind: 'touched'; hash: string; usedAt: number } | { kind: 'removed'; hash: string };

export interface CorrelationMapOptions {
  maxEntries: number;
  maxAgeMs: number;
  now?: () => number;
  /** Told about every pair learned, used (at most hourly per pair), evicted or expired: for persistence. */
  onChange?: (change: PairChange) => void;
}

export interface CorrelationMapStats {
  entries: number;
  learned: number;
  /** A primary value seen paired with a second value, or another side's value already taken: not learned. */
  conflicts: number;
  evicted: number;
  expired: number;
  /** Pairs replaced because the same source made their primary value up again (an id the legacy reused). */
  reused: number;
}

interface Entry {
  primary: Scalar | undefined;
  other: Scalar;
  scope: string | undefined;
  source: string;
  hash: string;
  learnedAt: number;
  usedAt: number;
  persistedUseAt: number;
}

const TOUCH_PERSIST_MS = 3_600_000;

/** The map key of a value: strong values alone, weak ones with their scope. */
export function pairKey(value: Scalar, scope: string | undefined): string {
  return isStrong(value) ? `\u0001${value}` : `${scope ?? ''}\u0000${value}`;
}

/** The value part of a key, as text (the scope is before the separator). */
function keyValue(key: string): string {
  return key.startsWith('\u0001') ? key.slice(1) : key.slice(key.indexOf('\u0000') + 1);
}

/** The first 128 bits of the key's SHA-256, as hex: collisions stay out of reach at any bound, and the stored pair stays small. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 32);
}

export class CorrelationMap {
  /** Live pairs by key, least recently used first. */
  private readonly entries = new LruMap<Entry>();
  /** Pairs restored from the store, by hash, until a lookup finds them again; the oldest used first. */
  private readonly restored = new LruMap<Entry>();
  /** The other side's key -> the primary key it stands for (a restored pair's: `#` and its hash). */
  private readonly reverse = new Map<string, string>();
  /** A weak primary value -> the scope it is learned under, or the scopes when several (live pairs only). */
  private readonly scopesOf = new Map<string, string | undefined | (string | undefined)[]>();
  private readonly now: () => number;
  private lastSweep = 0;
  private readonly counts = { learned: 0, conflicts: 0, evicted: 0, expired: 0, reused: 0 };

  constructor(private readonly options: CorrelationMapOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The other side's value for a primary value, or undefined. A use keeps the pair fresh. */
  get(value: Scalar, scope: string | undefined): Scalar | undefined {
    const entry = this.find(pairKey(value, scope));
    if (!entry) return undefined;
    const now = this.now();
    entry.usedAt = now;
    if (now - entry.persistedUseAt >= TOUCH_PERSIST_MS) {
      entry.persistedUseAt = now;
      this.options.onChange?.({ kind: 'touched', hash: entry.hash, usedAt: now });
    }
    return entry.other;
  }

  /**
   * Whether `other` is the learned counterpart of `primary`, as text: `1000 -> 1` learned from JSON
   * numbers pairs the path segments `"1000"` and `"1"` too (callers compare JSON types first).
   *
   * A weak value learned under one scope and met under another at an identifier position
   * (`$.user.id` learned, `$.owner_id` met) pairs too when it is that very pair: one thing under two names.
   * The pair is then learned under the new scope as well, so that requests naming it that way are
   * translated from then on.
   */
  pairs(primary: Scalar, other: Scalar, scope: string | undefined, identifier = true): boolean {
    const entry = this.find(pairKey(primary, scope));
    if (entry) return String(entry.other) === String(other);
    // Only an identifier position may name a thing by another name: a count that happens to hold 1000 is not customer 1000.
    if (isStrong(primary) || !identifier) return false;
    const scopes = this.scopesOf.get(String(primary));
    for (const otherScope of Array.isArray(scopes) ? scopes : this.scopesOf.has(String(primary)) ? [scopes] : []) {
      if (otherScope === scope) continue;
      const aliased = this.find(pairKey(primary, otherScope));
      if (aliased && String(aliased.other) === String(other)) {
        this.learn({ primary, other: aliased.other, scope, source: `${aliased.source} (as ${scope ?? 'unscoped'})` });
        return true;
      }
    }
    return false;
  }

  /** Whether a primary value has a pair. */
  has(value: Scalar, scope: string | undefined): boolean {
    return this.find(pairKey(value, scope)) !== undefined;
  }

  /**
   * Learn a pair; false when it is already known, or conflicts with one (the primary value paired
   * otherwise, or the other value taken by another primary value): the first pairing wins. Except
   * when the same source made the primary value up again (`POST /posts $.id` answered 13 once
   * more): the legacy reused an identifier (a sequence that hands out max + 1 after its top was
   * deleted), 13 now names a new thing, and the newer pairing is the live one.
   */
  learn(pair: CorrelationPair): boolean {
    const key = pairKey(pair.primary, pair.scope);
    const existing = this.find(key);
    if (existing) {
      if (String(existing.other) === String(pair.other)) return false;
      if (existing.source !== pair.source) {
        this.counts.conflicts += 1;
        return false;
      }
      this.remove(key, existing, 'reused');
    }
    const otherKey = pairKey(pair.other, pair.scope);
    const takenBy = this.reverse.get(otherKey);
    if (takenBy !== undefined && takenBy !== key) {
      this.counts.conflicts += 1;
      return false;
    }
    const now = this.now();
    // The hash only serves persistence: without it, none is computed.
    const hash = this.options.onChange ? hashKey(key) : '';
    const entry: Entry = {
      primary: pair.primary,
      other: pair.other,
      scope: pair.scope,
      source: pair.source,
      hash,
      learnedAt: now,
      usedAt: now,
      persistedUseAt: now,
    };
    this.entries.set(key, entry);
    this.reverse.set(otherKey, key);
    this.indexScope(entry, true);
    this.counts.learned += 1;
    this.options.onChange?.({
      kind: 'learned',
      pair: { hash, other: pair.other, scope: pair.scope, source: pair.source, learnedAt: now, usedAt: now },
    });
    while (this.size() > this.options.maxEntries) this.evictOldest();
    this.sweep(now);
    return true;
  }

  /** Pairs from the store, oldest use first; those past the age bound are left out, and the newest kept within the entry bound. */
  restore(pairs: Iterable<StoredPair>): number {
    const now = this.now();
    let restored = 0;
    for (const pair of pairs) {
      if (now - pair.usedAt > this.options.maxAgeMs) continue;
      const entry: Entry = { primary: undefined, ...pair, persistedUseAt: pair.usedAt };
      this.restored.set(pair.hash, entry);
      this.reverse.set(pairKey(pair.other, pair.scope), `#${pair.hash}`);
      restored += 1;
    }
    while (this.size() > this.options.maxEntries) this.evictOldest();
    return restored;
  }

  size(): number {
    return this.entries.size + this.restored.size;
  }

  stats(): CorrelationMapStats {
    return { entries: this.size(), ...this.counts };
  }

  /** Every pair, least recently used first (tests, inspection). */
  *list(): IterableIterator<CorrelationPair & { learnedAt: number; usedAt: number }> {
    for (const [, entry] of this.entries.entries()) {
      if (entry.primary !== undefined)
        yield { primary: entry.primary, other: entry.other, scope: entry.scope, source: entry.source, learnedAt: entry.learnedAt, usedAt: entry.usedAt };
    }
  }

  private find(key: string): Entry | undefined {
    const now = this.now();
    this.sweep(now);
    let entry = this.entries.get(key);
    if (entry) {
      if (now - entry.usedAt > this.options.maxAgeMs) {
        this.remove(key, entry, 'expired');
        return undefined;
      }
      return entry;
    }
    if (this.restored.size === 0) return undefined;
    const hash = hashKey(key);
    entry = this.restored.peek(hash);
    if (!entry) return undefined;
    this.restored.delete(hash);
    if (now - entry.usedAt > this.options.maxAgeMs) {
      this.reverse.delete(pairKey(entry.other, entry.scope));
      this.counts.expired += 1;
      this.options.onChange?.({ kind: 'removed', hash });
      return undefined;
    }
    // Found again by its value: from now on it is a live pair like any other.
    entry.primary = keyValue(key);
    this.entries.set(key, entry);
    this.reverse.set(pairKey(entry.other, entry.scope), key);
    this.indexScope(entry, true);
    return entry;
  }

  /** At most once a second: forget the pairs past the age bound, from the least recently used on. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1_000) return;
    this.lastSweep = now;
    for (let oldest = this.entries.oldest(); oldest && now - oldest.value.usedAt > this.options.maxAgeMs; oldest = this.entries.oldest()) {
      this.remove(oldest.key, oldest.value, 'expired');
    }
  }

  /** Restored pairs (not used since the restart) go before live ones. */
  private evictOldest(): void {
    const restored = this.restored.oldest();
    if (restored) {
      this.restored.delete(restored.key);
      this.reverse.delete(pairKey(restored.value.other, restored.value.scope));
      this.counts.evicted += 1;
      this.options.onChange?.({ kind: 'removed', hash: restored.key });
      return;
    }
    const oldest = this.entries.oldest();
    if (oldest) this.remove(oldest.key, oldest.value, 'evicted');
  }

  private indexScope(entry: Entry, add: boolean): void {
    if (entry.primary === undefined || isStrong(entry.primary)) return;
    const value = String(entry.primary);
    const known = this.scopesOf.has(value);
    const scopes = this.scopesOf.get(value);
    if (add) {
      // Nearly every value has one scope: kept as it is, an array only for the rare second one.
      if (!known) this.scopesOf.set(value, entry.scope);
      else if (Array.isArray(scopes)) {
        if (!scopes.includes(entry.scope)) scopes.push(entry.scope);
      } else if (scopes !== entry.scope) this.scopesOf.set(value, [scopes, entry.scope]);
      return;
    }
    if (!known) return;
    if (!Array.isArray(scopes)) {
      if (scopes === entry.scope) this.scopesOf.delete(value);
      return;
    }
    const rest = scopes.filter((scope) => scope !== entry.scope);
    if (rest.length === 0) this.scopesOf.delete(value);
    else this.scopesOf.set(value, rest.length === 1 ? rest[0] : rest);
  }

  private remove(key: string, entry: Entry, reason: 'evicted' | 'expired' | 'reused'): void {
    this.entries.delete(key);
    this.indexScope(entry, false);
    this.reverse.delete(pairKey(entry.other, entry.scope));
    this.counts[reason] += 1;
    this.options.onChange?.({ kind: 'removed', hash: entry.hash });
  }
}
