/**
 * Stateful shadowing: following the entities and tokens each side made up, so that a client who
 * creates something and then uses the id it was given is shadowed as that client, not as one whose
 * every later request the candidate cannot know.
 *
 * For each mirrored exchange, in the mirror thread (inline) or the detached server:
 * 1. **Translation.** Before the request goes to the candidate (and the secondary), every whole
 *    value the primary made up earlier is replaced by that side's own (src/correlate/request.ts).
 * 2. **Learning.** When both answered alike, the identifiers they made up for this request are
 *    paired (src/correlate/learn.ts), one map per side (src/correlate/map.ts).
 * 3. **Comparison.** A learned pair compares equal (src/correlate/equivalence.ts).
 * 4. **Ordering.** The queue holds a request back until the earlier ones it depends on have been
 *    answered by the candidate: `orderKeys` (see order.ts): the same client session (Authorization,
 *    a cookie, the connection), an identifier an earlier write produced or used, or the very same
 *    anonymous write sent again.
 * 5. **Divergence.** A write whose outcome differs between the sides (status class, or the
 *    candidate failed, timed out, or the mirror dropped it) marks the identifiers it touched. A
 *    later difference on a request that uses one of them is recorded as `downstream`, linked to that
 *    first divergence (its root), instead of as one more unexpected mismatch: one lost create must
 *    not read as fifty regressions on every endpoint that touches the entity. The root itself stays
 *    what it was (a mismatch, an expected fix, a candidate error), and a difference on a request
 *    that touches no diverged value counts on its own endpoint as always.
 */
import { pairEquivalence, type Equivalence } from '../src/correlate/equivalence.js';
import { collectionOf, type Scalar } from '../src/correlate/identifiers.js';
import { learnPairs, producedValues } from '../src/correlate/learn.js';
import { CorrelationMap, hashKey, pairKey, type CorrelationMapStats, type PairChange, type StoredPair } from '../src/correlate/map.js';
import { LruMap } from '../src/correlate/lru.js';
import { isWrite, namedIdentifiers, requestValues, walkRequest, type RequestLike, type WalkContext } from '../src/correlate/request.js';
import type { LoadedSpec } from '../src/spec/load.js';
import type { OrderKeys } from './order.js';
import type { ComparisonRecord, DivergenceChange, DivergenceRoot } from './store.js';
import type { UpstreamAnswer, UpstreamFailure } from './upstream.js';

export type CorrelatedSide = 'candidate' | 'secondary';

export interface CorrelationConfig {
  enabled: boolean;
  /** Pairs kept per side, and diverged values kept, at most. */
  maxEntries: number;
  /** A pair (or a diverged value) not used for this long is forgotten. */
  maxAgeMs: number;
  /** More JSON keys that hold identifiers (any case). */
  keys: readonly string[];
  /** What makes requests one client's for ordering (default all three). */
  sessions?: readonly SessionKind[];
}

export type SessionKind = 'connection' | 'authorization' | 'cookie';

export const DEFAULT_CORRELATION: CorrelationConfig = {
  enabled: true,
  maxEntries: 100_000,
  maxAgeMs: 7 * 86_400_000,
  keys: [],
  sessions: ['connection', 'authorization', 'cookie'],
};

export interface CorrelationStats {
  /** Pairs learned, per side together. */
  learned: number;
  /** Mirrored requests sent with at least one value translated. */
  translated: number;
  /** Differences recorded as downstream of an earlier divergence. */
  downstream: number;
  /** Identifier values marked diverged. */
  diverged: number;
  /** Pairs (and diverged values) pushed out by the entry bound, or forgotten by age. */
  evicted: number;
  expired: number;
  /** Pairings refused because they contradicted a learned pair. */
  conflicts: number;
  /** Pairs held now, both sides. */
  entries: number;
}

export const EMPTY_CORRELATION_STATS: Readonly<CorrelationStats> = {
  learned: 0,
  translated: 0,
  downstream: 0,
  diverged: 0,
  evicted: 0,
  expired: 0,
  conflicts: 0,
  entries: 0,
};

/** Where learned pairs and divergences go to survive a restart (the shadow store). */
export interface CorrelationPersistence {
  pairChanged(side: CorrelatedSide, change: PairChange): void;
  divergenceChanged(change: DivergenceChange): void;
}

/** What a job's endpoint tells correlation: its template, and the extra identifier positions its spec names. */
export interface JobContext extends WalkContext {
  idPaths: readonly string[];
}

/** Keys whose values are clocks, not identifiers, even when a spec calls them volatile. */
const TIME_KEY = /(^|_)(created|updated|modified|deleted|expires?|at|on|date|time|timestamp|ts|start|end|since|until)$/;

interface DivergedEntry {
  root: DivergenceRoot;
  hash: string;
  usedAt: number;
}

export class ShadowCorrelation {
  private readonly maps: Record<CorrelatedSide, CorrelationMap>;
  /** Diverged identifier key -> the first divergence that touched it, least recently used first. */
  private readonly diverged = new LruMap<DivergedEntry>();
  /** Restored divergences by hash, until a lookup finds them. */
  private readonly restoredDivergences = new LruMap<DivergedEntry>();
  private readonly extraKeys: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly counts = { translated: 0, downstream: 0, diverged: 0, divergedEvicted: 0, divergedExpired: 0 };
  private readonly contexts = new WeakMap<LoadedSpec, JobContext>();
  /** The context of every request no spec names (one object: what is derived from it is cached by identity). */
  private readonly noSpec: JobContext;
  private readonly sessions: ReadonlySet<SessionKind>;

  constructor(
    readonly config: CorrelationConfig,
    private readonly persistence?: CorrelationPersistence,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    const map = (side: CorrelatedSide) =>
      new CorrelationMap({
        maxEntries: config.maxEntries,
        maxAgeMs: config.maxAgeMs,
        now: this.now,
        ...(persistence && { onChange: (change: PairChange) => persistence.pairChanged(side, change) }),
      });
    this.maps = { candidate: map('candidate'), secondary: map('secondary') };
    this.extraKeys = new Set(config.keys.map((key) => key.toLowerCase()));
    this.noSpec = { idPaths: [], extraKeys: this.extraKeys };
    this.sessions = new Set(config.sessions ?? ['connection', 'authorization', 'cookie']);
  }

  /** Pairs and divergences from the store. */
  restore(pairs: Record<CorrelatedSide, Iterable<StoredPair>>, divergences: Iterable<{ hash: string; root: DivergenceRoot; usedAt: number }>): void {
    this.maps.candidate.restore(pairs.candidate);
    this.maps.secondary.restore(pairs.secondary);
    const now = this.now();
    for (const divergence of divergences) {
      if (now - divergence.usedAt > this.config.maxAgeMs) continue;
      this.restoredDivergences.set(divergence.hash, { ...divergence });
    }
    while (this.divergedSize() > this.config.maxEntries) this.evictDivergence();
  }

  /** The endpoint's template and identifier paths (once per spec). */
  contextOf(spec: LoadedSpec | undefined): JobContext {
    if (!spec) return this.noSpec;
    let context = this.contexts.get(spec);
    if (!context) {
      const idPaths = (spec.spec.extracted?.volatile ?? [])
        .map((volatile) => volatile.field)
        .filter((field) => {
          const key = /[.'[]([A-Za-z0-9_$-]+)'?\]?$/.exec(field)?.[1];
          return key !== undefined && field !== '$' && !TIME_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase());
        });
      context = { template: spec.endpoint.path, idPaths, extraKeys: this.extraKeys };
      this.contexts.set(spec, context);
    }
    return context;
  }

  /** The request as this side must receive it: every learned value replaced by this side's. */
  translate(side: CorrelatedSide, request: RequestLike, context: JobContext): RequestLike {
    const map = this.maps[side];
    if (map.size() === 0) return request;
    const { request: translated, replaced } = walkRequest(request, (value, scope) => map.get(value, scope), context);
    if (replaced > 0 && side === 'candidate') this.counts.translated += 1;
    return translated;
  }

  /** Learn what this side made up for the same request, when it answered like the primary. */
  learn(side: CorrelatedSide, request: RequestLike, context: JobContext, primary: UpstreamAnswer, other: UpstreamAnswer | UpstreamFailure): void {
    if ('error' in other || primary.overCap || other.overCap) return;
    // Reads name existing things; new identifiers come from writes (and from cookies and Location on any answer).
    if (!isWrite(request.method) && !hasStateHeaders(primary)) return;
    const map = this.maps[side];
    for (const pair of learnPairs({ request, primary, other, context })) map.learn(pair);
  }

  /** How this side's answer is compared with the primary's: learned pairs equal; undefined while nothing is learned. */
  equivalence(side: CorrelatedSide, request: RequestLike, context: JobContext): Equivalence | undefined {
    const map = this.maps[side];
    if (map.size() === 0) return undefined;
    return pairEquivalence(map, request, context);
  }

  /** The keys the queue orders this job by (see order.ts); `primary` is known inline, not yet in detached mode. */
  orderKeys(request: RequestLike & { connection?: number }, primary: UpstreamAnswer | undefined, context: JobContext): OrderKeys {
    const write = isWrite(request.method);
    const session: string[] = [];
    if (request.connection !== undefined && this.sessions.has('connection')) session.push(`conn:${request.connection}`);
    for (const name in request.headers) {
      const value = request.headers[name]!;
      const lower = name.toLowerCase();
      if (lower === 'authorization' && this.sessions.has('authorization')) session.push(`auth:${value}`);
      else if (lower === 'cookie' && this.sessions.has('cookie'))
        for (const pair of value.split(';')) if (pair.trim() !== '') session.push(`cookie:${pair.trim()}`);
    }
    const used = namedIdentifiers(request, context).map((slot) => `v:${pairKey(slot.value, slot.scope)}`);
    const produced =
      write && primary && !primary.overCap ? producedValues({ request, primary, context }).map((value) => `v:${pairKey(value.value, value.scope)}`) : [];
    // The same anonymous write sent twice (a double submit, a retry, a duplicate registration) in order
    // too, whatever connection it came on. Not a signed-in client's: one product added to many
    // users' carts is many sessions' writes, which need no order between them.
    const anonymous = !request.headers.authorization && !request.headers.Authorization && !request.headers.cookie && !request.headers.Cookie;
    const repeated =
      write && anonymous ? [`w:${request.method} ${request.target} ${request.body === null ? '' : hashKey(request.body.toString('latin1'))}`] : [];
    const path = `path:${request.target.split('?')[0]!}`;
    if (!write) return { writes: [], reads: [...session, ...used, path] };
    const parent = path.slice(0, Math.max(path.lastIndexOf('/'), 'path:/'.length));
    const create = request.method.toUpperCase() === 'POST';
    return {
      writes: [...session, ...used, ...produced, ...repeated, ...(create ? [] : [path])],
      reads: [],
      touches: create ? [path, parent] : [parent],
    };
  }

  /**
   * After the comparison: a difference on a request that uses a diverged identifier is downstream
   * of that divergence; a write whose outcome differs between the sides marks what it touched.
   */
  settle(
    record: ComparisonRecord,
    request: RequestLike,
    context: JobContext,
    primary: UpstreamAnswer,
    candidate: UpstreamAnswer | UpstreamFailure | undefined,
  ): ComparisonRecord {
    const root = this.rootOf(request, context);
    let settled = record;
    if (root && record.outcome === 'mismatch') {
      settled = { ...record, outcome: 'downstream', root };
      this.counts.downstream += 1;
    }
    if (isWrite(request.method) && outcomesDiffer(primary, candidate) && settled.outcome !== 'not_compared') {
      this.markDiverged(request, context, primary, root ?? rootOf(record));
    }
    return settled;
  }

  /** A write the queue dropped never reached the candidate: what it touched has diverged. */
  dropped(request: RequestLike, context: JobContext, primary: UpstreamAnswer | undefined, endpoint: string, at: number): void {
    if (!isWrite(request.method)) return;
    const root = this.rootOf(request, context) ?? { endpoint, signature: null, outcome: 'dropped', at };
    this.markDiverged(request, context, primary, root);
  }

  stats(): CorrelationStats {
    const sides: CorrelationMapStats[] = [this.maps.candidate.stats(), this.maps.secondary.stats()];
    const sum = (key: keyof CorrelationMapStats) => sides.reduce((total, s) => total + s[key], 0);
    return {
      learned: sum('learned'),
      translated: this.counts.translated,
      downstream: this.counts.downstream,
      diverged: this.counts.diverged,
      evicted: sum('evicted') + this.counts.divergedEvicted,
      expired: sum('expired') + this.counts.divergedExpired,
      conflicts: sum('conflicts'),
      entries: sum('entries'),
    };
  }

  /** The learned pairs of one side (tests, inspection). */
  pairsOf(side: CorrelatedSide): CorrelationMap {
    return this.maps[side];
  }

  /** The first divergence one of the request's identifiers belongs to, if any. */
  private rootOf(request: RequestLike, context: JobContext): DivergenceRoot | undefined {
    if (this.diverged.size === 0 && this.restoredDivergences.size === 0) return undefined;
    const now = this.now();
    for (const slot of requestValues(request, context)) {
      if (!slot.identifier) continue;
      const entry = this.findDivergence(pairKey(slot.value, slot.scope), now);
      if (entry) return entry.root;
    }
    return undefined;
  }

  private markDiverged(request: RequestLike, context: JobContext, primary: UpstreamAnswer | undefined, root: DivergenceRoot): void {
    // What the write addressed or made, not what it only refers to: a post whose PATCH failed on one
    // side is diverged, the user its `userId` names is not (else every later request of that user
    // would be filed downstream, and its real differences hidden).
    const collection = collectionOf(request.target, context.template);
    const values: { value: Scalar; scope: string | undefined }[] = requestValues(request, context).filter(
      (slot) => slot.identifier && (slot.kind === 'path' || (slot.kind !== 'header' && slot.scope === collection)),
    );
    if (primary && !primary.overCap) {
      values.push(...producedValues({ request, primary, context }).filter((produced) => produced.own));
    }
    const now = this.now();
    for (const { value, scope } of values) {
      const key = pairKey(value, scope);
      // The first divergence is the root; a later one on the same value is downstream of it.
      if (this.findDivergence(key, now)) continue;
      const entry: DivergedEntry = { root, hash: hashKey(key), usedAt: now };
      this.diverged.set(key, entry);
      this.counts.diverged += 1;
      this.persistence?.divergenceChanged({ kind: 'marked', hash: entry.hash, root, at: now });
      while (this.divergedSize() > this.config.maxEntries) this.evictDivergence();
    }
  }

  private findDivergence(key: string, now: number): DivergedEntry | undefined {
    let entry = this.diverged.peek(key);
    if (!entry && this.restoredDivergences.size > 0) {
      const hash = hashKey(key);
      entry = this.restoredDivergences.peek(hash);
      if (entry) this.restoredDivergences.delete(hash);
    }
    if (!entry) return undefined;
    if (now - entry.usedAt > this.config.maxAgeMs) {
      this.diverged.delete(key);
      this.counts.divergedExpired += 1;
      this.persistence?.divergenceChanged({ kind: 'removed', hash: entry.hash });
      return undefined;
    }
    entry.usedAt = now;
    // Used now: the most recently used (a restored one becomes a live one).
    this.diverged.set(key, entry);
    return entry;
  }

  private divergedSize(): number {
    return this.diverged.size + this.restoredDivergences.size;
  }

  /** Restored divergences (not used since the restart) go before live ones. */
  private evictDivergence(): void {
    const restored = this.restoredDivergences.oldest();
    const oldest = restored ?? this.diverged.oldest();
    if (!oldest) return;
    if (restored) this.restoredDivergences.delete(oldest.key);
    else this.diverged.delete(oldest.key);
    this.counts.divergedEvicted += 1;
    this.persistence?.divergenceChanged({ kind: 'removed', hash: oldest.value.hash });
  }
}

/** Whether the two sides ended a write differently: the candidate gave no answer, or a status of another class. */
function outcomesDiffer(primary: UpstreamAnswer, candidate: UpstreamAnswer | UpstreamFailure | undefined): boolean {
  if (candidate === undefined || 'error' in candidate) return true;
  return Math.floor(primary.status / 100) !== Math.floor(candidate.status / 100);
}

function rootOf(record: ComparisonRecord): DivergenceRoot {
  return { endpoint: record.endpoint, signature: record.signature, outcome: record.outcome, at: record.at };
}

/** An answer that sets a cookie or names a location may hand out an identifier, whatever its method. */
function hasStateHeaders(answer: UpstreamAnswer): boolean {
  for (const name of Object.keys(answer.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'set-cookie' || lower === 'location' || lower === 'content-location') return true;
  }
  return false;
}
