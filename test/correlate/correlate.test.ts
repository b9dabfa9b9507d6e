/**
 * Identifier correlation, the pure parts: which values are learned from two answers, how a
 * request is translated, how learned pairs compare, and the map's bounds and one-to-one rule.
 */
import { describe, expect, it } from 'vitest';
import { compareResponses } from '../../src/compare/response.js';
import { pairEquivalence } from '../../src/correlate/equivalence.js';
import { identifierKey, looksGenerated, singular } from '../../src/correlate/identifiers.js';
import { learnPairs, producedValues } from '../../src/correlate/learn.js';
import { CorrelationMap, type PairChange } from '../../src/correlate/map.js';
import { requestValues, walkRequest, type RequestLike } from '../../src/correlate/request.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const JSON_HEADERS = { 'content-type': 'application/json' };
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { ...JSON_HEADERS, ...headers },
  body: json(body),
});
const request = (method: string, target: string, body?: unknown, headers: Record<string, string> = {}): RequestLike => ({
  method,
  target,
  headers: { ...(body !== undefined && JSON_HEADERS), ...headers },
  body: body === undefined ? null : json(body),
});

function newMap(maxEntries = 1000, now?: () => number): CorrelationMap {
  return new CorrelationMap({ maxEntries, maxAgeMs: 3_600_000, ...(now && { now }) });
}

function translate(map: CorrelationMap, req: RequestLike, template?: string) {
  return walkRequest(req, (value, scope) => map.get(value, scope), template === undefined ? {} : { template });
}

describe('identifier keys', () => {
  it('knows opaque and derived identifier keys and the scope their names give', () => {
    expect(identifierKey('id')).toEqual({ tier: 'opaque', scope: undefined });
    expect(identifierKey('customer_id')).toEqual({ tier: 'opaque', scope: 'customer' });
    expect(identifierKey('authorId')).toEqual({ tier: 'opaque', scope: 'author' });
    expect(identifierKey('tag_ids')).toEqual({ tier: 'opaque', scope: 'tag' });
    expect(identifierKey('access_token')).toEqual({ tier: 'opaque', scope: undefined });
    expect(identifierKey('resetToken')).toEqual({ tier: 'opaque', scope: 'token' });
    expect(identifierKey('slug')).toEqual({ tier: 'derived', scope: undefined });
    expect(identifierKey('article_slug')).toEqual({ tier: 'derived', scope: 'article' });
    for (const key of ['name', 'page', 'quantity', 'created', 'valid', 'paid']) expect(identifierKey(key), key).toBeUndefined();
    expect(identifierKey('number', new Set(['number']))).toEqual({ tier: 'opaque', scope: undefined });
  });

  it('singularises collection names just enough for scopes to meet', () => {
    expect(['customers', 'customer', 'categories', 'addresses', 'boxes', 'status'].map(singular)).toEqual([
      'customer',
      'customer',
      'category',
      'address',
      'box',
      'status',
    ]);
  });

  it('tells made-up slugs from slugs that differ for a reason', () => {
    expect(looksGenerated('how-to-train-your-dragon-yzqlfw', 'how-to-train-your-dragon-k3j9a')).toBe(true);
    expect(looksGenerated('a1b2', 'c3d4')).toBe(true);
    expect(looksGenerated('hello-world', 'hello-world-2')).toBe(false);
    expect(looksGenerated('hello-world', 'hello-there', new Set(['hello', 'world']))).toBe(false);
    expect(looksGenerated('dragons', 'wyverns')).toBe(false);
  });
});

describe('learning pairs from two answers', () => {
  it('pairs the ids a create made up on each side, with the scope of what was created', () => {
    const pairs = learnPairs({
      request: request('POST', '/customers', { email: 'a@example.test' }),
      primary: answer(201, { id: 'cus_1111111111111111', object: 'customer', email: 'a@example.test' }),
      other: answer(201, { id: 'cus_2222222222222222', object: 'customer', email: 'a@example.test' }),
    });
    expect(pairs).toEqual([{ primary: 'cus_1111111111111111', other: 'cus_2222222222222222', scope: undefined, source: 'POST /customers $.id' }]);
    const numbers = learnPairs({ request: request('POST', '/items', { name: 'x' }), primary: answer(201, { id: 1000 }), other: answer(201, { id: 1 }) });
    expect(numbers).toEqual([{ primary: 1000, other: 1, scope: 'item', source: 'POST /items $.id' }]);
  });

  it('learns tokens, JWTs anywhere, Location segments and session cookies', () => {
    const jwt = (n: string) => `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.${n}`;
    const pairs = learnPairs({
      request: request('POST', '/users/login', { user: { email: 'ada@example.test', password: 'pw' } }),
      primary: answer(
        200,
        { user: { id: 1000, email: 'ada@example.test', token: jwt('primarysig') }, refresh: jwt('primaryrefresh') },
        {
          location: 'http://legacy.internal/users/1000',
          'set-cookie': 'sid=aaaaaaaaaaaaaaaa; Path=/; HttpOnly',
        },
      ),
      other: answer(
        200,
        { user: { id: 7, email: 'ada@example.test', token: jwt('othersig') }, refresh: jwt('otherrefresh') },
        {
          location: 'http://rewrite.internal/users/7',
          'set-cookie': 'sid=bbbbbbbbbbbbbbbb; Path=/; HttpOnly',
        },
      ),
    });
    const byPrimary = Object.fromEntries(pairs.map((p) => [String(p.primary), { other: p.other, scope: p.scope }]));
    expect(byPrimary['1000']).toEqual({ other: '7', scope: 'user' });
    expect(byPrimary[jwt('primarysig')]).toEqual({ other: jwt('othersig'), scope: undefined });
    expect(byPrimary[jwt('primaryrefresh')]).toEqual({ other: jwt('otherrefresh'), scope: undefined });
    expect(byPrimary.aaaaaaaaaaaaaaaa).toEqual({ other: 'bbbbbbbbbbbbbbbb', scope: undefined });
  });

  it('learns nothing when the sides did not succeed alike', () => {
    const input = { request: request('POST', '/items', { name: 'x' }), other: answer(201, { id: 1 }) };
    expect(learnPairs({ ...input, primary: answer(400, { id: 1000 }) })).toEqual([]);
    expect(learnPairs({ ...input, primary: answer(302, { id: 1000 }) })).toEqual([]);
  });

  it('does not learn a value the client sent, a reordered list, or a slug that differs for a reason', () => {
    // The rewrite echoes another customer than the one asked for: a bug, not a pair.
    const echoed = learnPairs({
      request: request('POST', '/invoices', { customer_id: 'cus_1111111111111111' }),
      primary: answer(201, { id: 'in_aaaaaaaaaaaaaaaa', customer_id: 'cus_1111111111111111' }),
      other: answer(201, { id: 'in_bbbbbbbbbbbbbbbb', customer_id: 'cus_2222222222222222' }),
    });
    expect(echoed.map((p) => p.primary)).toEqual(['in_aaaaaaaaaaaaaaaa']);
    // The same seeded things in another order.
    const reordered = learnPairs({
      request: request('POST', '/search', { q: 'x' }),
      primary: answer(200, { data: [{ id: 'in_aaaaaaaaaaaaaaaa' }, { id: 'in_bbbbbbbbbbbbbbbb' }] }),
      other: answer(200, { data: [{ id: 'in_bbbbbbbbbbbbbbbb' }, { id: 'in_aaaaaaaaaaaaaaaa' }] }),
    });
    expect(reordered).toEqual([]);
    const slugs = learnPairs({
      request: request('POST', '/articles', { title: 'Hello World' }),
      primary: answer(201, { article: { slug: 'hello-world' } }),
      other: answer(201, { article: { slug: 'hello-world-2' } }),
    });
    expect(slugs).toEqual([]);
    const made = learnPairs({
      request: request('POST', '/articles', { title: 'How to train your dragon' }),
      primary: answer(201, { article: { slug: 'how-to-train-your-dragon-yzqlfw' } }),
      other: answer(201, { article: { slug: 'how-to-train-your-dragon-k3j9a' } }),
    });
    expect(made.map((p) => [p.primary, p.other])).toEqual([['how-to-train-your-dragon-yzqlfw', 'how-to-train-your-dragon-k3j9a']]);
  });

  it('lists what a write produced (not what it was sent)', () => {
    const produced = producedValues({
      request: request('POST', '/items', { name: 'x', owner_id: 5 }),
      primary: answer(201, { id: 1000, name: 'x', owner_id: 5 }, { location: '/items/1000' }),
    });
    // The Location segment and the body's id are one value; the owner was sent, not produced.
    expect(produced).toEqual([{ value: 1000, scope: 'item', own: true }]);
  });

  it('tells what a write made from what its answer only refers to', () => {
    const produced = producedValues({
      request: request('POST', '/posts', { title: 't', views: 7 }),
      primary: answer(201, { id: 13, title: 't', userId: 1, editor_id: 4, views: 7 }),
    });
    expect(produced).toEqual([
      { value: 13, scope: 'post', own: true },
      { value: 1, scope: 'user', own: false },
      { value: 4, scope: 'editor', own: false },
    ]);
  });
});

describe('translating a request', () => {
  it('replaces whole values only: path segments, query values, JSON and form values, credentials, cookies', () => {
    const map = newMap();
    map.learn({ primary: 1, other: 7, scope: 'item', source: 'test' });
    map.learn({ primary: 'cus_1111111111111111', other: 'cus_2222222222222222', scope: undefined, source: 'test' });
    map.learn({ primary: 'tokenPRIMARY0001', other: 'tokenOTHER000001', scope: undefined, source: 'test' });
    map.learn({ primary: 'sessPRIMARY00001', other: 'sessOTHER0000001', scope: undefined, source: 'test' });

    const plain = translate(map, request('GET', '/items/12?page=1&limit=1'));
    expect(plain.replaced).toBe(0);
    expect(plain.request.target).toBe('/items/12?page=1&limit=1');

    const path = translate(map, request('GET', '/items/1?page=1&item_id=1&q=1'));
    expect(path.request.target).toBe('/items/7?page=1&item_id=7&q=1');

    const body = translate(
      map,
      request(
        'POST',
        '/invoices',
        { customer: 'cus_1111111111111111', item_id: 1, quantity: 1, note: 'cus_1111111111111111 x' },
        {
          authorization: 'Bearer tokenPRIMARY0001',
          cookie: 'theme=dark; sid=sessPRIMARY00001',
          'content-length': '999',
        },
      ),
    );
    expect(JSON.parse(body.request.body!.toString())).toEqual({ customer: 'cus_2222222222222222', item_id: 7, quantity: 1, note: 'cus_1111111111111111 x' });
    expect(body.request.headers.authorization).toBe('Bearer tokenOTHER000001');
    expect(body.request.headers.cookie).toBe('theme=dark; sid=sessOTHER0000001');
    expect(body.request.headers['content-length']).toBe(String(body.request.body!.length));

    const form = translate(map, {
      method: 'POST',
      target: '/items/1/notes',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('item_id=1&text=a+b&customer=cus_1111111111111111'),
    });
    expect(form.request.target).toBe('/items/7/notes');
    expect(form.request.body!.toString()).toBe('item_id=7&text=a+b&customer=cus_2222222222222222');
  });

  it('sends a body that does not parse, and a segment with a broken escape, as they came', () => {
    const map = newMap();
    map.learn({ primary: 'cus_1111111111111111', other: 'cus_2222222222222222', scope: undefined, source: 'test' });
    const broken = { method: 'POST', target: '/x/%zz/cus_1111111111111111', headers: JSON_HEADERS, body: Buffer.from('{"customer": "cus_1111111111111111"') };
    const out = translate(map, broken);
    expect(out.request.target).toBe('/x/%zz/cus_2222222222222222');
    expect(out.request.body).toBe(broken.body);
    expect(out.replaced).toBe(1);
  });

  it("keeps a spec's literal segments, and leaves Basic credentials alone", () => {
    const map = newMap();
    map.learn({ primary: 'customers', other: 'clients', scope: undefined, source: 'test' });
    map.learn({ primary: 'dXNlcjpwYXNz', other: 'b3RoZXI6cGFzcw', scope: undefined, source: 'test' });
    const out = translate(map, request('GET', '/customers/x', undefined, { authorization: 'Basic dXNlcjpwYXNz' }), '/customers/{customer_id}');
    expect(out.replaced).toBe(0);
  });

  it('lists the identifiers a request uses, not every word', () => {
    const slots = requestValues(request('PATCH', '/customers/cus_1111111111111111?expand=invoices', { name: 'Ada', customer_id: 'cus_x' }));
    expect(slots.filter((slot) => slot.identifier).map((slot) => slot.value)).toEqual(['cus_1111111111111111', 'cus_x']);
  });
});

describe('comparing with learned pairs', () => {
  it('treats a learned pair as equal, in bodies, inside paths, and in Location headers, and nothing else', () => {
    const map = newMap();
    map.learn({ primary: 'cus_1111111111111111', other: 'cus_2222222222222222', scope: undefined, source: 'test' });
    map.learn({ primary: 1000, other: 1, scope: 'customer', source: 'test' });
    const rules = { headers: ['content-type', 'location'] };
    const equivalent = pairEquivalence(map, { target: '/customers/cus_1111111111111111' });
    const differences = compareResponses(
      answer(
        200,
        { id: 'cus_1111111111111111', url: '/customers/cus_1111111111111111/invoices', legacy_id: 1000, customer_id: 1000, seq: 1000 },
        { location: '/customers/1000' },
      ),
      answer(
        200,
        { id: 'cus_2222222222222222', url: '/customers/cus_2222222222222222/invoices', legacy_id: 1, customer_id: 1, seq: 1 },
        { location: '/customers/1' },
      ),
      rules,
      { equivalent },
    );
    // legacy_id names a thing by another name (an alias); seq is no identifier: 1000 -> 1 is not its to match.
    expect(differences.map((d) => d.path)).toEqual(['$.seq']);
    const wrong = compareResponses(answer(200, { id: 'cus_1111111111111111' }), answer(200, { id: 'cus_3333333333333333' }), rules, { equivalent });
    expect(wrong.map((d) => [d.path, d.primary, d.candidate])).toEqual([['$.id', 'cus_1111111111111111', 'cus_3333333333333333']]);
  });

  it('pairs a weak value met under another name when it is that very pair, and learns the alias', () => {
    const map = newMap();
    map.learn({ primary: 1000, other: 1, scope: 'user', source: 'POST /users $.user.id' });
    const equivalent = pairEquivalence(map, { target: '/items/5' });
    expect(compareResponses(answer(200, { owner_id: 1000 }), answer(200, { owner_id: 1 }), {}, { equivalent })).toEqual([]);
    expect(compareResponses(answer(200, { owner_id: 1000 }), answer(200, { owner_id: 2 }), {}, { equivalent })).toHaveLength(1);
    expect(map.get(1000, 'owner')).toBe(1);
  });
});

describe('the correlation map', () => {
  it('keeps pairs one-to-one: the first pairing wins and another side value stands for one primary value', () => {
    const map = newMap();
    expect(map.learn({ primary: 'cus_1111111111111111', other: 'cus_2222222222222222', scope: undefined, source: 'a' })).toBe(true);
    expect(map.learn({ primary: 'cus_1111111111111111', other: 'cus_3333333333333333', scope: undefined, source: 'b' })).toBe(false);
    expect(map.learn({ primary: 'cus_4444444444444444', other: 'cus_2222222222222222', scope: undefined, source: 'c' })).toBe(false);
    expect(map.get('cus_1111111111111111', undefined)).toBe('cus_2222222222222222');
    expect(map.stats()).toMatchObject({ entries: 1, learned: 1, conflicts: 2 });
  });

  it('takes the newer pairing when the same source makes a primary value up again: the legacy reused an id', () => {
    const changes: PairChange[] = [];
    const map = new CorrelationMap({ maxEntries: 10, maxAgeMs: 60_000, onChange: (change) => changes.push(change) });
    expect(map.learn({ primary: 13, other: 'c99c', scope: 'post', source: 'POST /posts $.id' })).toBe(true);
    // Post 13 was deleted; the legacy's next create answered 13 again, the rewrite a new id.
    expect(map.learn({ primary: 13, other: '33a9', scope: 'post', source: 'POST /posts $.id' })).toBe(true);
    expect(map.get(13, 'post')).toBe('33a9');
    expect(map.stats()).toMatchObject({ entries: 1, learned: 2, conflicts: 0, reused: 1 });
    expect(changes.map((c) => c.kind)).toEqual(['learned', 'removed', 'learned']);
    // From another source it is still a conflict: the first pairing stands.
    expect(map.learn({ primary: 13, other: 'ffff', scope: 'post', source: 'PUT /posts/{id} $.id' })).toBe(false);
    expect(map.get(13, 'post')).toBe('33a9');
  });

  it('is bounded in entries (least recently used out) and in age, and reports each removal', () => {
    let now = 0;
    const changes: PairChange[] = [];
    const map = new CorrelationMap({ maxEntries: 3, maxAgeMs: 10_000, now: () => now, onChange: (change) => changes.push(change) });
    for (let i = 1; i <= 3; i++) map.learn({ primary: i, other: i + 100, scope: 'item', source: 'test' });
    expect(map.get(1, 'item')).toBe(101);
    map.learn({ primary: 4, other: 104, scope: 'item', source: 'test' });
    // 2 was used least recently.
    expect(map.get(2, 'item')).toBeUndefined();
    expect([1, 3, 4].map((n) => map.get(n, 'item'))).toEqual([101, 103, 104]);
    now = 5_000;
    map.get(4, 'item');
    now = 12_000;
    expect(map.get(1, 'item')).toBeUndefined();
    expect(map.get(4, 'item')).toBe(104);
    expect(map.stats()).toMatchObject({ entries: 1, evicted: 1, expired: 2 });
    expect(changes.filter((c) => c.kind === 'removed')).toHaveLength(3);
  });

  it('finds restored pairs by hashing the value looked up: the primary values are never stored', () => {
    const changes: PairChange[] = [];
    const first = new CorrelationMap({ maxEntries: 10, maxAgeMs: 60_000, onChange: (change) => changes.push(change) });
    first.learn({ primary: 'tok_live_SECRET_value', other: 'tok_candidate_value', scope: undefined, source: 'test' });
    const stored = changes.flatMap((c) => (c.kind === 'learned' ? [c.pair] : []));
    expect(JSON.stringify(stored)).not.toContain('SECRET');
    const second = new CorrelationMap({ maxEntries: 10, maxAgeMs: 60_000 });
    expect(second.restore(stored)).toBe(1);
    expect(second.get('tok_live_SECRET_value', undefined)).toBe('tok_candidate_value');
    expect(second.get('tok_live_OTHER_value', undefined)).toBeUndefined();
  });
});
