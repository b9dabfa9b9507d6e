/**
 * What a write that failed on one side marks diverged: what it addressed or made, never what its
 * answer only refers to. A PATCH of post 13 that the candidate answers 404 leaves post 13 diverged;
 * the user its `userId` names is not, so later requests about that user are compared as usual,
 * and their real differences counted, not filed downstream.
 */
import { describe, expect, it } from 'vitest';
import { ShadowCorrelation } from '../../shadow-proxy/correlation.js';
import type { RequestLike } from '../../src/correlate/request.js';
import type { ComparisonRecord } from '../../shadow-proxy/store.js';
import type { UpstreamAnswer } from '../../shadow-proxy/upstream.js';

function answer(status: number, body: unknown): UpstreamAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), durationMs: 1, overCap: false };
}

const request = (method: string, target: string, body?: unknown): RequestLike => ({
  method,
  target,
  headers: body === undefined ? {} : { 'content-type': 'application/json' },
  body: body === undefined ? null : Buffer.from(JSON.stringify(body)),
});

const mismatch = (endpoint: string) => ({ at: 1, endpoint, outcome: 'mismatch', signature: `${endpoint} | $.x value` }) as unknown as ComparisonRecord;

describe('divergence', () => {
  it('marks what a failed write addressed or made, not what its answer refers to', () => {
    const correlation = new ShadowCorrelation({ enabled: true, maxEntries: 100, maxAgeMs: 86_400_000, keys: [] });
    const context = correlation.contextOf(undefined);
    const patch = request('PATCH', '/posts/13', { views: 7 });
    correlation.settle(mismatch('PATCH /posts/{id}'), patch, context, answer(200, { id: 13, userId: 1, views: 7 }), answer(404, {}));
    expect(correlation.stats().diverged).toBe(1);

    // The post itself: later differences on it are downstream of the failed PATCH.
    const read = correlation.settle(mismatch('GET /posts/{id}'), request('GET', '/posts/13'), context, answer(200, { id: 13 }), answer(404, {}));
    expect(read.outcome).toBe('downstream');
    // The user it refers to: compared as always.
    const user = correlation.settle(mismatch('GET /users/{id}'), request('GET', '/users/1'), context, answer(200, { id: 1 }), answer(200, { id: '1' }));
    expect(user.outcome).toBe('mismatch');
    const list = correlation.settle(mismatch('GET /posts'), request('GET', '/posts?userId=1'), context, answer(200, []), answer(200, []));
    expect(list.outcome).toBe('mismatch');
  });

  it('marks what a failed create made (its own id), not the parent its body names', () => {
    const correlation = new ShadowCorrelation({ enabled: true, maxEntries: 100, maxAgeMs: 86_400_000, keys: [] });
    const context = correlation.contextOf(undefined);
    const create = request('POST', '/comments', { postId: 4, body: 'First!' });
    correlation.settle(mismatch('POST /comments'), create, context, answer(201, { id: 21, postId: 4, body: 'First!' }), answer(500, {}));
    const comment = correlation.settle(mismatch('DELETE /comments/{id}'), request('DELETE', '/comments/21'), context, answer(200, {}), answer(404, {}));
    expect(comment.outcome).toBe('downstream');
    const post = correlation.settle(mismatch('GET /posts/{id}'), request('GET', '/posts/4'), context, answer(200, { id: 4 }), answer(200, { id: '4' }));
    expect(post.outcome).toBe('mismatch');
  });
});
