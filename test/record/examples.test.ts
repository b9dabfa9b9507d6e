import { describe, expect, it } from 'vitest';
import { appendExamples } from '../../src/record/append.js';
import { examplesFromExchanges, type RecordingOptions } from '../../src/record/examples.js';
import { withUniqueValues } from '../../src/record/unique.js';
import type { RecordedExchange } from '../../src/record/exchange.js';
import { parseSpecText, type LoadedSpec } from '../../src/spec/load.js';
import { ACME_KEY, AUTH, CUSTOMERS_CREATE, CUSTOMERS_GET, exchange, spec, T0 } from './fixtures.js';

const OPTIONS: RecordingOptions = { auth: AUTH, env: {} };
const BEARER = { Authorization: `Bearer ${ACME_KEY}` };

function run(exchanges: RecordedExchange[], specs: LoadedSpec[], options: RecordingOptions = OPTIONS) {
  const result = examplesFromExchanges(exchanges, specs, options);
  return { ...result, byId: Object.fromEntries(result.specs.map((s) => [s.spec.spec.id, s.examples])) };
}

const customer = (id: string, email: string) => ({ id, object: 'customer', email, created: Math.floor(T0 / 1000) });

describe('examples from exchanges: the request', () => {
  it('writes method, path, query (repeated keys as lists), JSON body and the headers that mean something', () => {
    const create = spec(CUSTOMERS_CREATE);
    const { byId } = run(
      [
        exchange({
          method: 'POST',
          target: '/customers?expand=address&expand=metadata&dry=1',
          headers: {
            ...BEARER,
            Host: 'legacy:3000',
            'User-Agent': 'curl/8',
            Accept: '*/*',
            'Accept-Encoding': 'gzip',
            Connection: 'keep-alive',
            'Content-Length': '30',
            traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
            'X-Request-Id': 'abc',
            'Idempotency-Key': 'key-1',
          },
          json: { email: 'ada@example.test' },
          status: 201,
          responseJson: { email: 'ada@example.test' },
        }),
      ],
      [create],
    );
    expect(byId['customers.create']).toEqual([
      {
        name: 'recorded POST /customers → 201',
        recorded: true,
        request: {
          method: 'POST',
          path: '/customers',
          query: { expand: ['address', 'metadata'], dry: '1' },
          headers: { 'idempotency-key': 'key-1' },
          auth: 'acme',
          json: { email: 'ada@example.test' },
        },
        expect: { status: 201, json: { email: 'ada@example.test' } },
      },
    ]);
  });

  it('writes form bodies as `form`, other text as `body` with its content type, and text responses by content type', () => {
    const login = spec('id: login\nendpoint: POST /login\n');
    const { byId } = run(
      [
        exchange({
          method: 'POST',
          target: '/login',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'user=ada&remember=1',
          responseText: 'welcome',
          responseHeaders: { 'Content-Type': 'text/plain; charset=utf-8' },
        }),
        exchange({ method: 'POST', target: '/login', headers: { 'Content-Type': 'text/csv' }, body: 'a,b\n1,2\n', status: 415, at: 1 }),
      ],
      [login],
    );
    expect(byId.login).toEqual([
      {
        name: 'recorded POST /login → 200',
        recorded: true,
        request: { method: 'POST', path: '/login', form: { user: 'ada', remember: '1' } },
        expect: { status: 200, headers: { 'content-type': { $regex: '^text\\/plain' } }, body: 'welcome' },
      },
      {
        name: 'recorded POST /login → 415',
        recorded: true,
        request: { method: 'POST', path: '/login', headers: { 'content-type': 'text/csv' }, body: 'a,b\n1,2\n' },
        expect: { status: 415 },
      },
    ]);
  });
});

describe('examples from exchanges: volatile values', () => {
  it('turns each class of volatile value into its matcher and keeps the rest literal', () => {
    const create = spec(CUSTOMERS_CREATE);
    const { byId } = run(
      [
        exchange({
          method: 'POST',
          target: '/customers',
          headers: BEARER,
          json: { email: 'ada@example.test', ref: 'cus_0000000000000001', born: '1990-01-01' },
          status: 201,
          responseJson: {
            id: 'cus_9f2c1a7b3d4e5f60',
            invoice: 'in_1NvX8kLmQ2pR7sT9',
            request_uuid: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
            created_at: '2026-11-20T10:00:00.123Z',
            due_on: '2026-12-01',
            created: Math.floor(T0 / 1000),
            updated_ms: T0 + 5,
            session: 'Zx81kQ2mP0vR5tY7wB3nC6dF',
            email: 'ada@example.test',
            ref: 'cus_0000000000000001',
            born: '1990-01-01',
            name: 'Ada',
            amount: 500,
            long_ago: 86_400,
            kind: 'invoice_finalized',
            tags: ['a', 'b'],
            address: null,
          },
        }),
      ],
      [create],
    );
    expect(byId['customers.create']![0]!.expect).toEqual({
      status: 201,
      json: {
        id: { $regex: '^cus_[0-9a-f]{16}$' },
        invoice: { $regex: '^in_[0-9A-Za-z]{16}$' },
        request_uuid: { $uuid: true },
        created_at: { $iso_date: true },
        due_on: { $iso_date: true },
        created: { $type: 'integer' },
        updated_ms: { $type: 'integer' },
        session: { $type: 'string' },
        // Sent by the example itself: stays literal even where it looks volatile.
        email: 'ada@example.test',
        ref: 'cus_0000000000000001',
        born: '1990-01-01',
        name: 'Ada',
        amount: 500,
        long_ago: 86_400,
        kind: 'invoice_finalized',
        tags: ['a', 'b'],
        address: null,
      },
    });
  });

  it('loosens the fields extracted.volatile names to their type, ignoring the unknown field "$"', () => {
    const counter = spec(`id: counter.bump
endpoint: POST /counter
extracted:
  volatile:
    - {field: $, reason: something changes}
    - {field: $.value, reason: a counter}
    - {field: "$.items[*].label", reason: generated}
    - {field: $.echo, reason: copied from the request}
    - {field: $.flag, reason: random}
`);
    const { byId } = run(
      [
        exchange({
          method: 'POST',
          target: '/counter',
          json: { echo: 'hello' },
          responseJson: { value: 42, items: [{ label: 'x', n: 1 }], echo: 'hello', flag: true, fixed: 'same' },
        }),
      ],
      [counter],
    );
    expect(byId['counter.bump']![0]!.expect!.json).toEqual({
      value: { $type: 'integer' },
      items: [{ label: { $type: 'string' }, n: 1 }],
      echo: 'hello',
      flag: { $type: 'boolean' },
      fixed: 'same',
    });
  });

  it('checks a response key starting with "$" only as an object, since it would read as a matcher', () => {
    const schema = spec('id: schema.get\nendpoint: GET /schema\n');
    const { byId } = run([exchange({ target: '/schema', responseJson: { doc: { $ref: '#/a' } } })], [schema]);
    expect(byId['schema.get']![0]!.expect!.json).toEqual({ doc: { $type: 'object' } });
  });
});

describe('examples from exchanges: dedupe and names', () => {
  it('keeps the first exchange per method, endpoint, status and response shape, and names the rest apart', () => {
    const create = spec(CUSTOMERS_CREATE);
    const post = (at: number, json: unknown, status: number, responseJson: unknown) =>
      exchange({ method: 'POST', target: '/customers', headers: BEARER, json, status, responseJson, at });
    const result = run(
      [
        post(0, { email: 'a@x.test' }, 201, customer('cus_1111111111111111', 'a@x.test')),
        post(1, { email: 'b@x.test' }, 201, customer('cus_2222222222222222', 'b@x.test')),
        post(2, { email: 'c@x.test', name: 'C' }, 201, { ...customer('cus_3333333333333333', 'c@x.test'), name: 'C' }),
        post(3, {}, 400, { error: { message: 'Missing required param: email' } }),
        post(4, { email: '' }, 400, { error: { message: 'Missing required param: email' } }),
        post(5, { email: 'd@x.test', tags: [1] }, 201, { ...customer('cus_4444444444444444', 'd@x.test'), tags: [1, 2] }),
        post(6, { email: 'e@x.test', tags: [] }, 201, { ...customer('cus_5555555555555555', 'e@x.test'), tags: [3] }),
      ],
      [create],
    );
    expect(result.duplicates).toBe(3);
    const examples = result.byId['customers.create']!;
    expect(examples.map((e) => e.name)).toEqual([
      'recorded POST /customers → 201',
      'recorded POST /customers → 201 (2)',
      'recorded POST /customers → 400',
      'recorded POST /customers → 201 (3)',
    ]);
    expect(examples.map((e) => e.request!.json)).toEqual([{ email: 'a@x.test' }, { email: 'c@x.test', name: 'C' }, {}, { email: 'd@x.test', tags: [1] }]);
  });

  it('counts an exchange shaped like an existing example as a duplicate, human or recorded, reading matchers as their type', () => {
    const create = spec(`${CUSTOMERS_CREATE.replace('examples: []\n', '')}examples:
  - name: recorded POST /customers → 201
    request: {method: POST, path: /customers, json: {email: x@y.test}}
    expect:
      status: [200, 201]
      json: {id: {$regex: "^cus_"}, object: customer, email: x@y.test, created: {$type: integer}, gone: {$absent: true}}
`);
    const result = run(
      [
        exchange({ method: 'POST', target: '/customers', json: {}, status: 201, responseJson: customer('cus_1111111111111111', 'a@x.test') }),
        exchange({ method: 'POST', target: '/customers', json: {}, status: 201, responseJson: { ...customer('cus_1111111111111111', 'a@x.test'), extra: 1 } }),
      ],
      [create],
    );
    expect(result.duplicates).toBe(1);
    expect(result.byId['customers.create']!.map((e) => e.name)).toEqual(['recorded POST /customers → 201 (2)']);
  });

  it('adds nothing when the same traffic is recorded again into the updated spec', () => {
    const create = spec(CUSTOMERS_CREATE, 'customers.create.yaml');
    const get = spec(CUSTOMERS_GET, 'customers.get.yaml');
    const traffic = [
      exchange({
        method: 'POST',
        target: '/customers',
        headers: BEARER,
        json: { email: 'a@x.test' },
        status: 201,
        responseJson: customer('cus_9f2c1a7b3d4e5f60', 'a@x.test'),
      }),
      exchange({ target: '/customers/cus_9f2c1a7b3d4e5f60', headers: BEARER, responseJson: customer('cus_9f2c1a7b3d4e5f60', 'a@x.test'), at: 1 }),
      exchange({ target: '/customers/cus_none', headers: BEARER, status: 404, responseJson: { error: 'not found' }, at: 2 }),
      exchange({
        target: '/customers/cus_x/',
        headers: BEARER,
        status: 200,
        responseText: '<p>hi</p>',
        responseHeaders: { 'content-type': 'text/html' },
        at: 3,
      }),
    ];
    const first = run(traffic, [create, get]);
    expect(first.specs.map((s) => s.examples.length)).toEqual([1, 3]);
    const updated = first.specs.map(({ spec: loaded, examples }) => {
      const reparsed = parseSpecText(loaded.file, loaded.source.file, appendExamples(loaded, examples));
      return reparsed.spec!;
    });
    const second = run(traffic, updated);
    expect(second.specs).toEqual([]);
    expect(second.duplicates).toBe(4);
  });
});

describe('examples from exchanges: captures', () => {
  it('captures a short numeric id a write made, by what it names: post 13 is not the comment 13 the client read before', () => {
    const posts = spec('id: posts.create\nendpoint: POST /posts\n', 'posts.create.yaml');
    const patch = spec('id: posts.update\nendpoint: PATCH /posts/{id}\n', 'posts.update.yaml');
    const comments = spec('id: comments.get\nendpoint: GET /comments/{id}\n', 'comments.get.yaml');
    const result = run(
      [
        exchange({ target: '/comments/13', responseJson: { id: 13, postId: 1, body: 'a comment' } }),
        exchange({ method: 'POST', target: '/posts', json: { title: 'x', views: 0 }, status: 201, responseJson: { title: 'x', views: 0, id: 13 }, at: 1 }),
        exchange({ method: 'PATCH', target: '/posts/13', json: { views: 1 }, responseJson: { title: 'x', views: 1, id: 13 }, at: 2 }),
        // A seeded post a list answered: a short id from a read is not chained on.
        exchange({ target: '/comments/7', responseJson: { id: 7, postId: 2, body: 'another' }, at: 3 }),
      ],
      [posts, patch, comments],
    );
    const [update] = result.byId['posts.update']!;
    expect(update!.steps!.map((step) => ({ path: step.request.path, capture: step.capture }))).toEqual([
      { path: '/posts', capture: { id: '$.id' } },
      { path: '/posts/{{id}}', capture: undefined },
    ]);
    expect(update!.steps![1]!.expect!.json).toEqual({ title: 'x', views: 1, id: '{{id}}' });
    expect(result.byId['comments.get']!.map((e) => e.request?.path)).toEqual(['/comments/13']);
  });

  it('writes the changes made to what the example created before its request: a comment read after its post was deleted', () => {
    const comments = spec('id: comments.get\nendpoint: GET /comments/{id}\n', 'comments.get.yaml');
    const result = run(
      [
        exchange({ method: 'POST', target: '/posts', json: { title: 'x' }, status: 201, responseJson: { title: 'x', id: 13 } }),
        exchange({
          method: 'POST',
          target: '/comments',
          json: { postId: 13, body: 'hi' },
          status: 201,
          responseJson: { postId: 13, body: 'hi', id: 21 },
          at: 1,
        }),
        exchange({ method: 'POST', target: '/posts', json: { title: 'y' }, status: 201, responseJson: { title: 'y', id: 14 }, at: 2 }),
        // Another post's change, and a failed one, are not what the comment depends on.
        exchange({ method: 'PATCH', target: '/posts/14', json: { title: 'z' }, responseJson: { title: 'z', id: 14 }, at: 3 }),
        exchange({ method: 'PATCH', target: '/posts/13', json: { title: '' }, status: 422, responseJson: { error: 'title' }, at: 4 }),
        exchange({ method: 'DELETE', target: '/posts/13', responseJson: {}, at: 5 }),
        exchange({ target: '/comments/21', status: 404, responseJson: {}, at: 6 }),
      ],
      [comments],
    );
    const [read] = result.byId['comments.get']!;
    expect(read!.steps!.map((step) => `${step.request.method} ${step.request.path}`)).toEqual([
      'POST /posts',
      'POST /comments',
      'DELETE /posts/{{postId}}',
      'GET /comments/{{id}}',
    ]);
    expect(read!.steps![1]!.request.json).toEqual({ postId: '{{postId}}', body: 'hi' });
  });

  it("follows an id made again by a later create (json-server 0.17 gives the next post a deleted one's id) to the later create", () => {
    const create = spec('id: posts.create\nendpoint: POST /posts\n', 'posts.create.yaml');
    const get = spec('id: posts.get\nendpoint: GET /posts/{id}\n', 'posts.get.yaml');
    const result = run(
      [
        exchange({ method: 'POST', target: '/posts', json: { title: 'x' }, status: 201, responseJson: { title: 'x', id: 13 } }),
        exchange({ target: '/posts/13', responseJson: { title: 'x', id: 13 }, at: 1 }),
        exchange({ method: 'DELETE', target: '/posts/13', responseJson: {}, at: 2 }),
        exchange({ method: 'POST', target: '/posts', json: { title: 'y', views: 1 }, status: 201, responseJson: { title: 'y', views: 1, id: 13 }, at: 3 }),
        exchange({ method: 'PATCH', target: '/posts/13', json: { title: 'z' }, responseJson: { title: 'z', views: 1, id: 13 }, at: 4 }),
        exchange({ target: '/posts/13', responseJson: { title: 'z', views: 1, id: 13 }, at: 5 }),
        exchange({ method: 'DELETE', target: '/posts/13', responseJson: {}, at: 6 }),
      ],
      [create, get],
    );
    const steps = (example: { steps?: { request: { method: string; path: string; json?: unknown } }[] } | undefined) =>
      example!.steps!.map((step) => `${step.request.method} ${step.request.path} ${JSON.stringify(step.request.json ?? null)}`);
    const [first, second] = result.byId['posts.get']!;
    expect(steps(first)).toEqual(['POST /posts {"title":"x"}', 'GET /posts/{{id}} null']);
    // The later read is of the post made again, as the patch left it; the first post's create and delete are not its steps.
    expect(steps(second)).toEqual(['POST /posts {"title":"y","views":1}', 'PATCH /posts/{{id}} {"title":"z"}', 'GET /posts/{{id}} null']);
    // Each example deletes what it made, once: the first post's cleanup is the first DELETE only.
    expect(first!.cleanup!.map((step) => `${step.request.method} ${step.request.path}`)).toEqual(['DELETE /posts/{{id}}']);
  });

  it('chains a read of a created customer into two steps with a capture', () => {
    const create = spec(CUSTOMERS_CREATE, 'customers.create.yaml');
    const get = spec(CUSTOMERS_GET, 'customers.get.yaml');
    const { byId } = run(
      [
        exchange({
          method: 'POST',
          target: '/customers',
          headers: BEARER,
          json: { email: 'a@x.test' },
          status: 201,
          responseJson: customer('cus_9f2c1a7b3d4e5f60', 'a@x.test'),
        }),
        exchange({ target: '/customers/cus_9f2c1a7b3d4e5f60', headers: BEARER, responseJson: customer('cus_9f2c1a7b3d4e5f60', 'a@x.test'), at: 1 }),
      ],
      [create, get],
    );
    expect(byId['customers.get']).toEqual([
      {
        name: 'recorded GET /customers/{customer_id} → 200',
        recorded: true,
        steps: [
          {
            request: { method: 'POST', path: '/customers', auth: 'acme', json: { email: 'a@x.test' } },
            capture: { customer_id: '$.id' },
            expect: { status: 201 },
          },
          {
            request: { method: 'GET', path: '/customers/{{customer_id}}', auth: 'acme' },
            expect: { status: 200, json: { id: '{{customer_id}}', object: 'customer', email: 'a@x.test', created: { $type: 'integer' } } },
          },
        ],
      },
    ]);
    // The POST is an example of its own spec as well, as one request.
    expect(byId['customers.create']![0]!.request).toMatchObject({ method: 'POST', path: '/customers' });
  });

  it('follows producers recursively through bodies, lists, headers and numeric ids, naming captures uniquely', () => {
    const refunds = spec('id: refunds.create\nendpoint: POST /invoices/{invoice_id}/refunds\n');
    const traffic = [
      exchange({ method: 'POST', target: '/customers', json: { email: 'a@x.test' }, status: 201, responseJson: { data: [{ id: 'cus_1a2b3c4d' }] } }),
      exchange({
        method: 'POST',
        target: '/invoices',
        json: { customer: 'cus_1a2b3c4d', seed_customer: 'cus_seed0001' },
        status: 201,
        responseJson: { id: 'in_5e6f7a8b', customer: 'cus_1a2b3c4d', line_id: 90125 },
        responseHeaders: { 'X-Batch': 'batch_77aa88bb' },
        at: 1,
      }),
      exchange({
        method: 'POST',
        target: '/invoices/in_5e6f7a8b/refunds?batch=batch_77aa88bb',
        json: { line_id: 90125, customer: 'cus_1a2b3c4d' },
        status: 201,
        responseJson: { invoice: 'in_5e6f7a8b', line: 90125, customer: 'cus_1a2b3c4d', batch: 'batch_77aa88bb' },
        at: 2,
      }),
    ];
    const { byId } = run(traffic, [refunds]);
    expect(byId['refunds.create']![0]!.steps).toEqual([
      {
        request: { method: 'POST', path: '/customers', json: { email: 'a@x.test' } },
        capture: { customer_id: '$.data[0].id' },
        expect: { status: 201 },
      },
      {
        // cus_seed0001 was never in a response: seed data stays literal.
        request: { method: 'POST', path: '/invoices', json: { customer: '{{customer_id}}', seed_customer: 'cus_seed0001' } },
        capture: { invoice_id: '$.id', batch_id: 'header:X-Batch', line_id: '$.line_id' },
        expect: { status: 201 },
      },
      {
        request: {
          method: 'POST',
          path: '/invoices/{{invoice_id}}/refunds',
          query: { batch: '{{batch_id}}' },
          json: { line_id: '{{line_id}}', customer: '{{customer_id}}' },
        },
        expect: { status: 201, json: { invoice: '{{invoice_id}}', line: '{{line_id}}', customer: '{{customer_id}}', batch: '{{batch_id}}' } },
      },
    ]);
  });

  it('stops at four producers deep', () => {
    const last = spec('id: chain.get\nendpoint: GET /chain/{id}\n');
    const traffic = [0, 1, 2, 3, 4].map((i) =>
      exchange({ target: i === 0 ? '/start' : `/link/node_${i}0000000`, responseJson: { next: `node_${i + 1}0000000` }, at: i }),
    );
    traffic.push(exchange({ target: '/chain/node_50000000', responseJson: { ok: true }, at: 5 }));
    const { byId } = run(traffic, [last]);
    const steps = byId['chain.get']![0]!.steps!;
    // /start produced node_1, but it is a fifth producer: node_1 stays literal.
    expect(steps.map((s) => s.request.path)).toEqual([
      '/link/node_10000000',
      '/link/{{link_id_3}}',
      '/link/{{link_id_2}}',
      '/link/{{link_id}}',
      '/chain/{{id}}',
    ]);
    expect(steps.map((s) => s.capture)).toEqual([{ link_id_3: '$.next' }, { link_id_2: '$.next' }, { link_id: '$.next' }, { id: '$.next' }, undefined]);
  });

  it('captures only from responses to the same credentials', () => {
    const get = spec(CUSTOMERS_GET);
    const options: RecordingOptions = { auth: { ...AUTH, globex: { headers: { Authorization: 'Bearer sk_test_globex_x' } } }, env: {} };
    const { byId } = run(
      [
        exchange({ method: 'POST', target: '/customers', headers: BEARER, json: {}, status: 201, responseJson: { id: 'cus_9f2c1a7b3d4e5f60' } }),
        exchange({
          target: '/customers/cus_9f2c1a7b3d4e5f60',
          headers: { Authorization: 'Bearer sk_test_globex_x' },
          status: 404,
          responseJson: { error: 'No such customer: cus_9f2c1a7b3d4e5f60' },
          at: 1,
        }),
      ],
      [get],
      options,
    );
    expect(byId['customers.get']).toEqual([
      {
        name: 'recorded GET /customers/{customer_id} → 404',
        recorded: true,
        request: { method: 'GET', path: '/customers/cus_9f2c1a7b3d4e5f60', auth: 'globex' },
        expect: { status: 404, json: { error: 'No such customer: cus_9f2c1a7b3d4e5f60' } },
      },
    ]);
  });
});

describe('examples from exchanges: credentials', () => {
  it('writes `auth: <profile>` for credentials equal to a profile, expanding ${NAME} from the environment', () => {
    const get = spec(CUSTOMERS_GET);
    const options: RecordingOptions = { auth: { ops: { headers: { 'X-Api-Key': '${OPS_KEY}', 'X-Tenant': 't1' } } }, env: { OPS_KEY: 'k_live_123' } };
    const { byId, warnings } = run([exchange({ target: '/customers/cus_1', headers: { 'x-api-key': 'k_live_123', 'x-tenant': 't1' } })], [get], options);
    expect(warnings).toEqual([]);
    expect(byId['customers.get']![0]!.request).toEqual({ method: 'GET', path: '/customers/cus_1', auth: 'ops' });
  });

  it('never writes a secret: credentials that match no profile skip the exchange with a warning', () => {
    const get = spec(CUSTOMERS_GET);
    const options: RecordingOptions = { auth: { ...AUTH, ops: { headers: { 'X-Api-Key': '${OPS_KEY}' } } }, env: {} };
    const result = run(
      [
        exchange({ target: '/customers/cus_1', headers: { Authorization: 'Bearer sk_live_stolen' } }),
        exchange({ target: '/customers/cus_2', headers: { ...BEARER, Cookie: 'session=s3cr3t' }, at: 1 }),
        exchange({ target: '/customers/cus_3', headers: BEARER, status: 404, at: 2 }),
      ],
      [get],
      options,
    );
    expect(result.byId['customers.get']!.map((e) => e.request!.path)).toEqual(['/customers/cus_3']);
    expect(result.warnings).toEqual([
      'skipped 2 exchanges whose credentials (authorization, cookie) match no auth profile and were not handed out by an earlier response of the recording ' +
        '(a login or a registration), so that no secret is written to a spec: ' +
        'add an auth profile with these headers to the auth section of parity.yaml and run again (auth profile "ops" is unusable: ${OPS_KEY} not set)',
    ]);
    expect(JSON.stringify(result)).not.toMatch(/stolen|s3cr3t/);
  });
});

describe('examples from exchanges: credentials an earlier response handed out', () => {
  const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlMTIz';
  const signedIn = { Authorization: `Bearer ${TOKEN}` };

  it('writes the login as a step with a capture and the token as {{token}}, through the steps that created what the request reads', () => {
    const get = spec(CUSTOMERS_GET);
    const result = run(
      [
        exchange({ method: 'POST', target: '/login', json: { username: 'ada', password: 'pw' }, responseJson: { user: { name: 'ada', token: TOKEN } } }),
        exchange({
          method: 'POST',
          target: '/customers',
          headers: signedIn,
          json: { email: 'a@x.test' },
          status: 201,
          responseJson: customer('cus_9f2c1a7b3d4e5f60', 'a@x.test'),
          at: 1,
        }),
        exchange({ target: '/customers/cus_9f2c1a7b3d4e5f60', headers: signedIn, responseJson: customer('cus_9f2c1a7b3d4e5f60', 'a@x.test'), at: 2 }),
      ],
      [get, spec(CUSTOMERS_CREATE, 'create.yaml')],
    );
    expect(result.warnings).toEqual([]);
    const [read] = result.byId['customers.get']!;
    expect(read!.steps!.map((step) => ({ request: step.request, capture: step.capture }))).toEqual([
      { request: { method: 'POST', path: '/login', json: { username: 'ada', password: 'pw' } }, capture: { token: '$.user.token' } },
      {
        request: { method: 'POST', path: '/customers', headers: { authorization: 'Bearer {{token}}' }, json: { email: 'a@x.test' } },
        capture: { customer_id: '$.id' },
      },
      { request: { method: 'GET', path: '/customers/{{customer_id}}', headers: { authorization: 'Bearer {{token}}' } }, capture: undefined },
    ]);
    expect(JSON.stringify(result.byId)).not.toContain(TOKEN);
  });

  it('still skips a credential no response of the recording handed out, or one handed out only after it was used', () => {
    const get = spec(CUSTOMERS_GET);
    const result = run(
      [
        exchange({ target: '/customers/cus_1', headers: { Authorization: 'Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc' } }),
        exchange({ target: '/customers/cus_2', headers: signedIn, at: 1 }),
        exchange({ method: 'POST', target: '/login', json: {}, responseJson: { token: TOKEN }, at: 2 }),
        exchange({ target: '/customers/cus_3', headers: { Cookie: `theme=dark; session=${TOKEN}` }, at: 3 }),
        exchange({ target: '/customers/cus_4', headers: { Authorization: 'Basic YWRhOnB3' }, at: 4 }),
      ],
      [get],
    );
    expect(result.byId['customers.get']).toBeUndefined();
    expect(result.warnings[0]).toMatch(/^skipped 4 exchanges whose credentials \(authorization, cookie\)/);
    expect(JSON.stringify(result.byId)).not.toMatch(/sk_live|eyJ|YWRh/);
  });

  it('follows a session cookie a login set or answered, cookie by cookie, as a capture', () => {
    const get = spec(CUSTOMERS_GET);
    const result = run(
      [
        exchange({ method: 'POST', target: '/login', json: {}, responseJson: { token: TOKEN } }),
        exchange({ method: 'POST', target: '/session', json: {}, status: 204, responseHeaders: { 'set-cookie': 'sid=a1b2c3d4e5; Path=/; HttpOnly' }, at: 1 }),
        exchange({ target: '/customers/cus_3', headers: { Cookie: `session=${TOKEN}; sid=a1b2c3d4e5` }, at: 2 }),
      ],
      [get],
    );
    expect(result.warnings).toEqual([]);
    const [read] = result.byId['customers.get']!;
    expect(read!.steps!.map((step) => ({ request: step.request, capture: step.capture }))).toEqual([
      { request: { method: 'POST', path: '/login', json: {} }, capture: { session: '$.token' } },
      { request: { method: 'POST', path: '/session', json: {} }, capture: { sid: 'cookie:sid' } },
      { request: { method: 'GET', path: '/customers/cus_3', headers: { cookie: 'session={{session}}; sid={{sid}}' } }, capture: undefined },
    ]);
    expect(JSON.stringify(result.byId)).not.toMatch(/a1b2c3d4e5|eyJ/);
  });
});

describe('values unique per run', () => {
  it('makes the usernames, emails and slugs an example writes unique per run, wherever the example uses them', () => {
    const example = {
      name: 'register and read the profile',
      recorded: true,
      steps: [
        {
          request: { method: 'POST' as const, path: '/users', json: { user: { username: 'ada.l', email: 'ada@example.test', bio: 'ada' } } },
          expect: { status: 201, json: { user: { username: 'ada.l', email: 'ada@example.test' } } },
        },
        { request: { method: 'GET' as const, path: '/profiles/ada.l' }, expect: { status: 200, json: { profile: { username: 'ada.l' } } } },
      ],
    };
    expect(withUniqueValues(example)!.steps).toEqual([
      {
        request: { method: 'POST', path: '/users', json: { user: { username: 'adal{{$unique}}', email: 'ada{{$unique}}@example.test', bio: 'ada' } } },
        expect: { status: 201, json: { user: { username: 'adal{{$unique}}', email: 'ada{{$unique}}@example.test' } } },
      },
      { request: { method: 'GET', path: '/profiles/adal{{$unique}}' }, expect: { status: 200, json: { profile: { username: 'adal{{$unique}}' } } } },
    ]);
    // Reads send nothing a server keeps unique, and a value already templated stays as it is.
    expect(withUniqueValues({ name: 'read', request: { method: 'GET', path: '/users', query: { username: 'ada' } } })).toBeUndefined();
    expect(withUniqueValues({ name: 'again', request: { method: 'POST', path: '/users', json: { username: 'a{{$unique}}' } } })).toBeUndefined();
  });
});

describe('examples from exchanges: unmatched', () => {
  it('groups requests no spec matches by method and path, ids folded into {id}', () => {
    const get = spec(CUSTOMERS_GET);
    const { unmatched, specs } = run(
      [
        exchange({ target: '/widgets/wid_1a2b3c4d5e', status: 200 }),
        exchange({ target: '/widgets/wid_9f8e7d6c5b?x=1', status: 200, at: 1 }),
        exchange({ target: '/widgets/12/parts', at: 2 }),
        exchange({ method: 'DELETE', target: '/customers/cus_1', at: 3 }),
        exchange({ method: 'TRACE', target: '/customers/cus_1', at: 4 }),
      ],
      [get],
    );
    expect(specs).toEqual([]);
    expect(unmatched).toEqual([
      { method: 'GET', path: '/widgets/{id}', count: 2 },
      { method: 'GET', path: '/widgets/{id}/parts', count: 1 },
      { method: 'DELETE', path: '/customers/cus_1', count: 1 },
      { method: 'TRACE', path: '/customers/cus_1', count: 1 },
    ]);
  });

  it('folds slugs that read like words into {slug} by how they vary across the whole recording, the first ones too, and keeps a route used far more', () => {
    const slugs = ['my-first-post', 'hello-world', 'why-we-rewrote-it', 'on-dragons', 'notes-from-berlin'];
    const exchanges = slugs.flatMap((slug, i) => [
      exchange({ target: `/api/articles/${slug}`, at: 3 * i }),
      exchange({ method: 'PUT', target: `/api/articles/${slug}`, at: 3 * i + 1 }),
      exchange({ target: '/api/articles/feed', at: 3 * i + 2 }),
    ]);
    const { unmatched } = run([...exchanges, exchange({ target: '/api/articles/feed', at: 20 })], [spec(CUSTOMERS_GET)]);
    expect(unmatched).toEqual([
      { method: 'GET', path: '/api/articles/{slug}', count: 5 },
      { method: 'PUT', path: '/api/articles/{slug}', count: 5 },
      { method: 'GET', path: '/api/articles/feed', count: 6 },
    ]);
  });
});
