/**
 * The mirror queue's ordering: a write waits for every earlier job on its keys, a read for the
 * earlier writes, reads never wait for reads, independent jobs go ahead, a job held back counts
 * against the bound, and a job thrown away releases what waits for it.
 */
import { describe, expect, it } from 'vitest';
import { ShadowCorrelation, DEFAULT_CORRELATION } from '../../shadow-proxy/correlation.js';
import { MirrorQueue } from '../../shadow-proxy/mirror.js';
import type { OrderKeys } from '../../shadow-proxy/order.js';

interface Job {
  name: string;
  keys: OrderKeys;
}

/** A queue whose jobs finish only when the test says so; `started` lists them in the order they began. */
function controlledQueue(limit = 100, concurrency = 10) {
  const started: string[] = [];
  const dropped: string[] = [];
  const finishers = new Map<string, () => void>();
  const queue = new MirrorQueue<Job>(
    limit,
    concurrency,
    (job) =>
      new Promise<void>((resolve) => {
        started.push(job.name);
        finishers.set(job.name, resolve);
      }),
    (job) => dropped.push(job.name),
    (job) => job.keys,
  );
  const finish = async (name: string) => {
    finishers.get(name)!();
    // Let the queue's finally() run and start what it released.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { queue, started, dropped, finish };
}

const read = (name: string, ...keys: string[]): Job => ({ name, keys: { writes: [], reads: keys } });
const write = (name: string, ...keys: string[]): Job => ({ name, keys: { writes: keys, reads: [] } });

describe('the mirror queue with ordering', () => {
  it('holds a read behind an earlier write on its key, lets reads run together, and lets unrelated jobs go ahead', async () => {
    const { queue, started, finish } = controlledQueue();
    queue.offer(write('create', 'v:item-1'));
    queue.offer(read('read-1', 'v:item-1'));
    queue.offer(read('read-2', 'v:item-1'));
    queue.offer(read('other', 'v:item-2'));
    expect(started).toEqual(['create', 'other']);
    expect(queue.stats()).toMatchObject({ waiting: 2, waited: 2 });
    await finish('create');
    expect(started).toEqual(['create', 'other', 'read-1', 'read-2']);
  });

  it('holds a write behind every earlier job on its key, reads included', async () => {
    const { queue, started, finish } = controlledQueue();
    queue.offer(read('get', 'auth:a'));
    queue.offer(read('list', 'auth:a'));
    queue.offer(write('delete', 'auth:a'));
    queue.offer(read('after', 'auth:a'));
    expect(started).toEqual(['get', 'list']);
    await finish('get');
    expect(started).toEqual(['get', 'list']);
    await finish('list');
    expect(started).toEqual(['get', 'list', 'delete']);
    await finish('delete');
    expect(started).toEqual(['get', 'list', 'delete', 'after']);
  });

  it('counts a held job against the bound, and releases what waits for a job it throws away', async () => {
    const { queue, started, dropped, finish } = controlledQueue(2, 1);
    queue.offer(write('a', 'k'));
    queue.offer(write('b', 'k'));
    queue.offer(read('c', 'k'));
    // One runs (not counted), two wait: the third is over the bound.
    expect(queue.offer(read('d', 'other'))).toBe(false);
    expect(dropped).toEqual(['d']);
    expect(queue.discardWaiting()).toBe(2);
    expect(dropped).toEqual(['d', 'b', 'c']);
    await finish('a');
    queue.offer(read('e', 'k'));
    expect(started).toEqual(['a', 'e']);
  });
});

describe('ordering keys', () => {
  const answer = {
    status: 201,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"id":"cus_1111111111111111"}'),
    durationMs: 1,
    overCap: false,
  };
  const request = (method: string, target: string, headers: Record<string, string> = {}, body: string | null = null) => ({
    method,
    target,
    headers,
    body: body === null ? null : Buffer.from(body),
    connection: 7,
  });

  it('names the session, the identifiers a request uses, what a write produced, and the write itself', () => {
    const correlation = new ShadowCorrelation(DEFAULT_CORRELATION);
    const context = correlation.contextOf(undefined);
    const create = correlation.orderKeys(
      request('POST', '/customers', { authorization: 'Bearer k', cookie: 'sid=s1; theme=dark' }, '{"email":"a@x"}'),
      answer,
      context,
    );
    expect(create.reads).toEqual([]);
    expect(create.writes).toEqual(expect.arrayContaining(['conn:7', 'auth:Bearer k', 'cookie:sid=s1', 'cookie:theme=dark', 'v:\u0001cus_1111111111111111']));
    // A signed-in client's identical writes are its own session's: no order with other sessions' same write.
    expect(create.writes.some((key) => key.startsWith('w:'))).toBe(false);
    const anonymous = correlation.orderKeys(request('POST', '/users', {}, '{"username":"ada"}'), undefined, context);
    expect(anonymous.writes.some((key) => key.startsWith('w:POST /users '))).toBe(true);
    const get = correlation.orderKeys(request('GET', '/customers/cus_1111111111111111?page=2'), undefined, context);
    // The read waits for the create that produced its id and for the writes to what it reads, by path; `customers` and `page` name nothing.
    expect(get).toEqual({ writes: [], reads: ['conn:7', 'v:\u0001cus_1111111111111111', 'path:/customers/cus_1111111111111111'] });
    // A create touches its collection (and what holds it); a change to an item writes the item and touches its collection.
    expect(create.touches).toEqual(['path:/customers', 'path:/']);
    const patch = correlation.orderKeys(request('PATCH', '/customers/cus_1111111111111111?notify=1', {}, '{}'), undefined, context);
    expect(patch.writes).toContain('path:/customers/cus_1111111111111111');
    expect(patch.touches).toEqual(['path:/customers']);
  });

  it('orders a read after the write to the same resource from another connection of a pooled client, and lets creates in one collection run together', async () => {
    const correlation = new ShadowCorrelation(DEFAULT_CORRELATION);
    const context = correlation.contextOf(undefined);
    // Each write with its own body: the same anonymous write twice is a double submit, ordered on purpose.
    const keysOf = (method: string, target: string, connection: number) =>
      correlation.orderKeys({ ...request(method, target, {}, method === 'GET' ? null : `{"n":${connection}}`), connection }, undefined, context);
    const { queue, started, finish } = controlledQueue();
    queue.offer({ name: 'list-before', keys: keysOf('GET', '/posts', 1) });
    queue.offer({ name: 'patch-profile', keys: keysOf('PATCH', '/profile', 1) });
    queue.offer({ name: 'read-profile', keys: keysOf('GET', '/profile', 2) });
    queue.offer({ name: 'create-a', keys: keysOf('POST', '/posts', 3) });
    queue.offer({ name: 'create-b', keys: keysOf('POST', '/posts', 4) });
    queue.offer({ name: 'patch-item', keys: keysOf('PATCH', '/posts/7', 5) });
    queue.offer({ name: 'list-after', keys: keysOf('GET', '/posts?_sort=views', 6) });
    // The creates wait for the list read before them, not for each other; the list after waits for every change in /posts.
    expect(started).toEqual(['list-before']);
    await finish('list-before');
    expect(started).toEqual(['list-before', 'patch-profile', 'create-a', 'create-b', 'patch-item']);
    await finish('patch-profile');
    expect(started).toContain('read-profile');
    for (const name of ['create-a', 'create-b']) await finish(name);
    expect(started).not.toContain('list-after');
    await finish('patch-item');
    expect(started.at(-1)).toBe('list-after');
  });

  it('makes a request signed with a token wait for the login that handed it out, whatever connection each came on', () => {
    const correlation = new ShadowCorrelation(DEFAULT_CORRELATION);
    const context = correlation.contextOf(undefined);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
    const loginAnswer = { ...answer, body: Buffer.from(JSON.stringify({ user: { token: jwt } })) };
    const login = correlation.orderKeys({ ...request('POST', '/users/login', {}, '{"user":"ada"}'), connection: 1 }, loginAnswer, context);
    const signed = correlation.orderKeys(
      { ...request('POST', '/items', { authorization: `Bearer ${jwt}` }, '{"name":"x"}'), connection: 2 },
      undefined,
      context,
    );
    const shared = login.writes.filter((key) => signed.writes.includes(key));
    expect(shared).toEqual([`v:\u0001${jwt}`]);
  });

  it('leaves a shared credential out of the session when told to', () => {
    const correlation = new ShadowCorrelation({ ...DEFAULT_CORRELATION, sessions: ['cookie'] });
    const keys = correlation.orderKeys(request('POST', '/events', { authorization: 'Bearer partner' }, '{}'), undefined, correlation.contextOf(undefined));
    expect(keys.writes.filter((key) => key.startsWith('auth:') || key.startsWith('conn:'))).toEqual([]);
  });
});
