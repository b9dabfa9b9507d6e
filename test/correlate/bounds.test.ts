/**
 * Stateful shadowing runs for weeks and every create teaches a pair: a million creates through the
 * mirror's own learning and divergence code must leave the maps at their bound, with every pair
 * pushed out counted, and memory flat.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ShadowCorrelation } from '../../shadow-proxy/correlation.js';
import type { ComparisonRecord } from '../../shadow-proxy/store.js';
import type { UpstreamAnswer } from '../../shadow-proxy/upstream.js';

const CREATES = 1_000_000;
const MAX_ENTRIES = 10_000;
/** One create in this many is lost on the candidate: 20,000 diverged values, twice the bound. */
const FAIL_EVERY = 50;

/** A full collection before measuring, so the heap holds what is alive, not what awaits collection. */
function liveHeap(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

function answer(status: number, body: unknown): UpstreamAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), durationMs: 1, overCap: false };
}

describe('the bounds of stateful shadowing', () => {
  it('stays at its entry bound through a million creates, counting every eviction, with memory flat', { timeout: 120_000 }, () => {
    const correlation = new ShadowCorrelation({ enabled: true, maxEntries: MAX_ENTRIES, maxAgeMs: 86_400_000, keys: [] });
    const context = correlation.contextOf(undefined);
    const request = { method: 'POST', target: '/items', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"name":"x"}') };
    const candidateFailed = { error: 'ECONNRESET: socket hang up', durationMs: 1 };
    let heapAtBound = 0;
    for (let i = 0; i < CREATES; i++) {
      const primary = answer(201, { id: 1_000_000 + i, name: 'x' });
      if (i % FAIL_EVERY === FAIL_EVERY - 1) {
        const record = { at: i, endpoint: 'POST /items', outcome: 'candidate_error', signature: null } as unknown as ComparisonRecord;
        correlation.settle(record, request, context, primary, candidateFailed);
      } else {
        correlation.learn('candidate', request, context, primary, answer(201, { id: i, name: 'x' }));
      }
      if (i === 100_000) heapAtBound = liveHeap();
    }
    const stats = correlation.stats();
    const failed = CREATES / FAIL_EVERY;
    const learned = CREATES - failed;
    expect(stats.learned).toBe(learned);
    expect(stats.diverged).toBe(failed);
    // Pairs and diverged values each stay at the bound; everything beyond was pushed out and counted.
    expect(stats.entries).toBe(MAX_ENTRIES);
    expect(stats.evicted).toBe(learned - MAX_ENTRIES + (failed - MAX_ENTRIES));
    // The newest pairs are the ones kept.
    expect(correlation.pairsOf('candidate').get(1_000_000 + CREATES - 2, 'item')).toBe(CREATES - 2);
    expect(correlation.pairsOf('candidate').get(1_000_000, 'item')).toBeUndefined();
    // From the moment the maps are full, 900,000 more creates leave the live heap where it was.
    const growthMb = (liveHeap() - heapAtBound) / 1e6;
    expect(growthMb).toBeLessThan(5);
  });
});
