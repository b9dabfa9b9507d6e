import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { packageRoot } from '../../src/package-info.js';
import type { RecordedExchange } from '../../src/record/exchange.js';
import { recordExamples } from '../../src/record/record.js';
import { loadSpecs } from '../../src/spec/load.js';
import { useTempDir } from '../helpers/tmp.js';
import { ACME_KEY, AUTH } from './fixtures.js';

// Real traffic from the bundled legacy billing service, recorded into a copy of the worked
// billing specs: what a team gets from `parity import har` on their own service.

describe('recording the billing legacy', () => {
  const tmp = useTempDir('record-billing');
  let legacy: RunningBilling;

  beforeAll(async () => {
    legacy = await startBilling('legacy');
  });
  afterAll(async () => {
    await legacy.close();
  });

  async function send(method: string, target: string, json?: unknown): Promise<RecordedExchange> {
    const requestHeaders: Record<string, string> = {
      host: new URL(legacy.url).host,
      'user-agent': 'integration-suite/1.0',
      accept: 'application/json',
      authorization: `Bearer ${ACME_KEY}`,
      ...(json !== undefined && { 'content-type': 'application/json' }),
    };
    const requestBody = json === undefined ? null : Buffer.from(JSON.stringify(json));
    const startedAt = Date.now();
    const response = await fetch(`${legacy.url}${target}`, { method, headers: requestHeaders, ...(requestBody && { body: requestBody }) });
    const responseBody = Buffer.from(await response.arrayBuffer());
    return {
      method,
      target,
      requestHeaders,
      requestBody,
      status: response.status,
      responseHeaders: Object.fromEntries(response.headers),
      responseBody: responseBody.length > 0 ? responseBody : null,
      startedAt,
    };
  }

  it('makes examples with captures and matchers from a create-then-read session', async () => {
    const created = await send('POST', '/customers', { email: 'rec.session@example.test', name: 'Rec', metadata: { plan: 'pro' } });
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.responseBody!.toString()) as { id: string }).id;
    const read = await send('GET', `/customers/${id}`);
    const seed = await send('GET', '/customers/cus_ff48a8eb1c22c547');
    // A second create of the same shape: a duplicate.
    const again = await send('POST', '/customers', { email: 'rec.again@example.test', name: 'Again', metadata: { plan: 'basic' } });

    const dir = tmp();
    const specsDir = path.join(dir, 'specs');
    fs.cpSync(path.join(packageRoot(), 'specs', 'billing'), specsDir, { recursive: true });
    const before = fs.readFileSync(path.join(specsDir, 'customers.create.yaml'), 'utf8');

    const result = await recordExamples({ exchanges: [created, read, seed, again], specsDir, cwd: dir, auth: AUTH, env: {} });
    expect(result.warnings).toEqual([]);
    expect(result.unmatched).toEqual([]);
    expect(result.duplicates).toBe(1);
    expect(result.specs).toEqual([
      { id: 'customers.create', file: 'specs/customers.create.yaml', added: ['recorded POST /customers → 201'] },
      {
        id: 'customers.get',
        file: 'specs/customers.get.yaml',
        added: ['recorded GET /customers/{customer_id} → 200', 'recorded GET /customers/{customer_id} → 200 (2)'],
      },
    ]);

    const set = loadSpecs(specsDir, dir);
    expect(set.diagnostics).toEqual([]);
    const examples = (id: string) => set.specs.find((s) => s.spec.id === id)!.spec.examples.filter((e) => e.recorded);

    // Inserted after the last human example, before the blank line and `compare:`; every other byte kept.
    const after = fs.readFileSync(path.join(specsDir, 'customers.create.yaml'), 'utf8');
    const at = before.indexOf('\n\ncompare:') + 1;
    expect(after.slice(0, at)).toBe(before.slice(0, at));
    expect(after.slice(after.length - (before.length - at))).toBe(before.slice(at));
    expect(after.slice(at, after.length - (before.length - at))).toMatch(/^ {2}- name: recorded POST \/customers → 201\n {4}recorded: true\n/);
    expect(examples('customers.create')).toEqual([
      {
        name: 'recorded POST /customers → 201',
        recorded: true,
        request: { method: 'POST', path: '/customers', auth: 'acme', json: { email: 'rec.session@example.test', name: 'Rec', metadata: { plan: 'pro' } } },
        expect: {
          status: 201,
          json: {
            id: { $regex: '^cus_[0-9a-f]{16}$' },
            object: 'customer',
            email: 'rec.session@example.test',
            name: 'Rec',
            phone: null,
            address: null,
            metadata: { plan: 'pro' },
            balance: 0,
            created: { $type: 'integer' },
          },
        },
      },
    ]);

    const [chained, seeded] = examples('customers.get');
    expect(chained!.steps).toEqual([
      {
        request: { method: 'POST', path: '/customers', auth: 'acme', json: { email: 'rec.session@example.test', name: 'Rec', metadata: { plan: 'pro' } } },
        capture: { customer_id: '$.id' },
        expect: { status: 201 },
      },
      {
        request: { method: 'GET', path: '/customers/{{customer_id}}', auth: 'acme' },
        expect: {
          status: 200,
          json: {
            id: '{{customer_id}}',
            object: 'customer',
            email: 'rec.session@example.test',
            name: 'Rec',
            phone: null,
            address: null,
            metadata: { plan: 'pro' },
            balance: 0,
            created: { $type: 'integer' },
          },
        },
      },
    ]);
    // Seed data was never produced by a response: the id stays literal, in the path and the body.
    expect(seeded).toMatchObject({
      request: { method: 'GET', path: '/customers/cus_ff48a8eb1c22c547', auth: 'acme' },
      expect: { status: 200, json: { id: 'cus_ff48a8eb1c22c547', email: 'barbara.torvalds0@example.test', created: { $type: 'integer' } } },
    });

    // Recording the same session again adds nothing.
    const second = await recordExamples({ exchanges: [created, read, seed, again], specsDir, cwd: dir, auth: AUTH, env: {} });
    expect(second.specs).toEqual([]);
    expect(second.duplicates).toBe(4);
  });
});
