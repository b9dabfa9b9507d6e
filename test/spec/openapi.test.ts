import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';
import { loadSpecs } from '../../src/spec/load.js';
import { exportOpenApi, type OpenApiDocument, type Operation } from '../../src/spec/openapi.js';

const SPECS: Record<string, string> = {
  'invoices/show.yaml': `
id: invoices.show
endpoint: GET /invoices/{invoice_id}
extracted:
  handler: app/controllers/invoices_controller.rb:5
  params:
    - {name: invoice_id, in: path, type: integer, required: true}
    - {name: expand, in: query, type: list, validations: ["one of lines, customer"]}
    - {name: X-Account, in: header, type: string, required: true}
    - {name: session, in: cookie, type: str}
  guards:
    - {kind: auth, text: before_action :authenticate, level: controller}
  outcomes:
    - {status: 200, when: "invoice found"}
    - {status: 404, when: "no such invoice", body: {error: "not found"}}
summary: Show one invoice.
who_may_call: the invoice's account
rate_limit: none, intentionally
idempotency: safe, read only
behaviors:
  - {id: found, says: "An existing invoice answers 200 with its fields", disposition: preserve}
examples:
  - name: shows an invoice
    behavior: found
    request: {method: GET, path: /invoices/inv_1, headers: {X-Account: acc_1}}
    expect:
      status: 200
      json:
        id: {$regex: "^inv_"}
        total: {$type: integer}
        currency: EUR
        created_at: {$iso_date: true}
        secret: {$absent: true}
`,
  'invoices/delete.yaml': `
id: invoices.delete
endpoint: DELETE /invoices/{invoice_id}
extracted:
  params:
    - {name: invoice_id, in: path, type: integer}
  outcomes:
    - {status: 204, when: "deleted"}
  side_effects:
    - {kind: db_write, target: invoices}
who_may_call: admins
rate_limit: none, intentionally
behaviors:
  - {id: paid-deleted, says: "Legacy deletes paid invoices; the rewrite answers 409", disposition: fix}
examples:
  - name: paid invoice cannot be deleted
    behavior: paid-deleted
    request: {method: DELETE, path: /invoices/inv_paid}
    expect: {status: 409, json: {error: {$regex: "paid"}}}
    expect_legacy: {status: 204}
`,
  'refunds/create.yaml': `
id: refunds.create
endpoint: POST /invoices/{invoice_id}/refunds
extracted:
  handler: app/controllers/refunds_controller.rb:12
  params:
    - {name: invoice_id, in: path, type: integer, required: true, evidence: "app/controllers/refunds_controller.rb:13"}
    - {name: amount, in: body, type: integer, required: true, validations: ["> 0"], evidence: "app/controllers/refunds_controller.rb:14"}
    - {name: reason, in: body, type: Refund::Reason}
    - {name: Idempotency-Key, in: header, type: string}
  outcomes:
    - {status: 201, when: "refund created", evidence: "app/controllers/refunds_controller.rb:25"}
    - {status: 422, when: "amount > invoice.balance", body: {error: "refund exceeds balance"}, evidence: "app/controllers/refunds_controller.rb:20"}
summary: Refund part or all of a paid invoice.
who_may_call: the invoice's account
rate_limit: none, intentionally
behaviors:
  - {id: over-refund-rejected, says: "Refunding more than the balance answers 422", disposition: preserve}
examples:
  - name: refund larger than balance
    behavior: over-refund-rejected
    steps:
      - request: {method: POST, path: /invoices, json: {customer: cus_1, amount: 500}}
        capture: {invoice_id: $.id}
      - request: {method: POST, path: "/invoices/{{invoice_id}}/refunds", json: {amount: 999}}
        expect: {status: 422, json: {error: {$regex: "exceeds"}, remaining: {$type: integer}}}
  - name: Refund larger than balance!
    request: {method: POST, path: /invoices/inv_2/refunds, json: {amount: 1000}}
    expect: {status: 422}
`,
  'health.yaml': `
id: health
endpoint: GET /health
behaviors:
  - {id: up, says: "Answers while the process runs", disposition: undecided}
`,
};

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-openapi-'));
  for (const [file, text] of Object.entries(SPECS)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text.trimStart());
  }
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function exportAll(): OpenApiDocument {
  const set = loadSpecs(dir, dir);
  expect(set.diagnostics).toEqual([]);
  expect(set.specs).toHaveLength(4);
  return exportOpenApi(set.specs, { title: 'Billing', version: '1.2.0', description: 'Exported from parity specs.' });
}

async function validate(doc: unknown) {
  const validator = new Validator();
  // A deep copy: the validator must judge the document, not change the one the test inspects.
  const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
  return { ...result, version: validator.version };
}

function op(doc: OpenApiDocument, template: string, method: 'get' | 'post' | 'delete'): Operation {
  const operation = doc.paths[template]?.[method];
  if (!operation) throw new Error(`no ${method} ${template} in ${Object.keys(doc.paths).join(', ')}`);
  return operation;
}

describe('exportOpenApi', () => {
  it('produces a document the OpenAPI 3.1 schema accepts', async () => {
    const doc = exportAll();
    const result = await validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(result.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual({ title: 'Billing', version: '1.2.0', description: 'Exported from parity specs.' });
  });

  it('catches a broken document, so the validity check can fail', async () => {
    const doc = exportAll();
    const responses = op(doc, '/invoices/{invoice_id}', 'get').responses;
    delete (responses['200'] as { description?: string }).description;
    const result = await validate(doc);
    expect(result.valid).toBe(false);
    expect(result.errors).toBeDefined();
    expect(JSON.stringify(result.errors)).toContain('description');
  });

  it('sorts paths and merges methods on one path into one path item', () => {
    const doc = exportAll();
    expect(Object.keys(doc.paths)).toEqual(['/health', '/invoices/{invoice_id}', '/invoices/{invoice_id}/refunds']);
    expect(Object.keys(doc.paths['/invoices/{invoice_id}']!)).toEqual(['get', 'delete']);
    expect(op(doc, '/invoices/{invoice_id}', 'get').operationId).toBe('invoices.show');
    expect(op(doc, '/invoices/{invoice_id}', 'delete').operationId).toBe('invoices.delete');
    expect(op(doc, '/invoices/{invoice_id}/refunds', 'post').operationId).toBe('refunds.create');
    expect(op(doc, '/health', 'get').operationId).toBe('health');
    expect(doc.tags).toEqual([{ name: 'health' }, { name: 'invoices' }]);
  });

  it('lists path, query, header and cookie parameters with JSON Schema types', () => {
    const show = op(exportAll(), '/invoices/{invoice_id}', 'get');
    expect(show.parameters).toEqual([
      { name: 'invoice_id', in: 'path', required: true, schema: { type: 'integer' } },
      { name: 'expand', in: 'query', description: 'Validations: one of lines, customer', schema: { type: 'array' } },
      { name: 'X-Account', in: 'header', required: true, schema: { type: 'string' } },
      { name: 'session', in: 'cookie', schema: { type: 'string' } },
    ]);
  });

  it('builds a request body from body params and matching example steps only', () => {
    const refunds = op(exportAll(), '/invoices/{invoice_id}/refunds', 'post');
    expect(refunds.parameters?.find((p) => p.in === 'path')).toEqual({ name: 'invoice_id', in: 'path', required: true, schema: { type: 'integer' } });
    expect(refunds.parameters?.find((p) => p.in === 'header')?.name).toBe('Idempotency-Key');
    const json = refunds.requestBody?.content['application/json'];
    expect(refunds.requestBody?.required).toBe(true);
    expect(json?.schema).toEqual({
      type: 'object',
      properties: {
        amount: { type: 'integer', description: 'Validations: > 0' },
        reason: { 'x-parity-type': 'Refund::Reason' },
      },
      required: ['amount'],
    });
    // The POST /invoices setup step belongs to another endpoint; the duplicate name is deduped.
    expect(json?.examples).toEqual({
      'refund-larger-than-balance': { summary: 'refund larger than balance', value: { amount: 999 } },
      'refund-larger-than-balance-2': { summary: 'Refund larger than balance!', value: { amount: 1000 } },
    });
  });

  it('documents responses from outcomes and examples, with matchers made plain', () => {
    const doc = exportAll();
    const show = op(doc, '/invoices/{invoice_id}', 'get');
    expect(Object.keys(show.responses)).toEqual(['200', '404']);
    expect(show.responses['200']).toEqual({
      description: 'invoice found',
      content: {
        'application/json': {
          examples: { 'shows-an-invoice': { summary: 'shows an invoice', value: { total: 0, currency: 'EUR', created_at: '2024-01-01T00:00:00Z' } } },
        },
      },
    });
    expect(show.responses['404']?.content?.['application/json']?.examples).toEqual({
      'outcome-404': { summary: 'outcome 404', value: { error: 'not found' } },
    });

    const refunds = op(doc, '/invoices/{invoice_id}/refunds', 'post');
    expect(Object.keys(refunds.responses)).toEqual(['201', '422']);
    expect(refunds.responses['422']?.description).toBe('amount > invoice.balance');
    expect(refunds.responses['422']?.content?.['application/json']?.examples?.['refund-larger-than-balance']?.value).toEqual({ remaining: 0 });

    // A fix behaviour documents what the rewrite answers (409), not the legacy bug (204 only from the outcome).
    const del = op(doc, '/invoices/{invoice_id}', 'delete');
    expect(Object.keys(del.responses)).toEqual(['204', '409']);
    expect(del.responses['409']?.description).toBe('Conflict');
    expect(del.responses['409']?.content).toBeUndefined();

    const text = JSON.stringify(doc);
    for (const matcher of ['$regex', '$type', '$absent', '$iso_date']) expect(text).not.toContain(`"${matcher}"`);
  });

  it('falls back to a default response when no status is known', () => {
    const health = op(exportAll(), '/health', 'get');
    expect(health.responses).toEqual({ default: { description: 'not documented in the spec' } });
    expect(health.parameters).toBeUndefined();
    expect(health.requestBody).toBeUndefined();
    expect(health['x-parity-status']).toBe('draft');
  });

  it('carries the review decisions in the description and x-parity fields', () => {
    const doc = exportAll();
    const show = op(doc, '/invoices/{invoice_id}', 'get');
    expect(show.summary).toBe('Show one invoice.');
    expect(show.description).toContain("**Who may call:** the invoice's account");
    expect(show.description).toContain('**Rate limit:** none, intentionally');
    expect(show.description).toContain('**Idempotency:** safe, read only');
    expect(show.description).toContain('- `found` (preserve): An existing invoice answers 200 with its fields');
    expect(show['x-parity-id']).toBe('invoices.show');
    expect(show['x-parity-status']).toBe('reviewed');
    expect(show['x-parity-handler']).toBe('app/controllers/invoices_controller.rb:5');
    expect(show['x-parity-guards']).toEqual([{ kind: 'auth', text: 'before_action :authenticate', level: 'controller' }]);
    expect(show.tags).toEqual(['invoices']);

    const del = op(doc, '/invoices/{invoice_id}', 'delete');
    expect(del.description).toContain('- `paid-deleted` (fix): Legacy deletes paid invoices; the rewrite answers 409');
    expect(del['x-parity-behaviors']).toEqual([{ id: 'paid-deleted', says: 'Legacy deletes paid invoices; the rewrite answers 409', disposition: 'fix' }]);
    expect(del['x-parity-side-effects']).toEqual([{ kind: 'db_write', target: 'invoices' }]);
    expect(del['x-parity-handler']).toBeUndefined();
  });

  it('is deterministic, whatever order the specs come in', () => {
    const set = loadSpecs(dir, dir);
    const options = { title: 'Billing', version: '1.2.0' };
    const first = JSON.stringify(exportOpenApi(set.specs, options));
    expect(JSON.stringify(exportOpenApi(set.specs, options))).toBe(first);
    expect(JSON.stringify(exportOpenApi([...set.specs].reverse(), options))).toBe(first);
  });
});

describe('parity spec export-openapi', () => {
  const tmp = useTempDir('export');

  it('writes a valid OpenAPI 3.1 document as YAML with --out, and as JSON to stdout', async () => {
    const dir = tmp();
    writeFiles(dir, Object.fromEntries(Object.entries(SPECS).map(([name, text]) => [`specs/${name}`, text])));
    const written = await parity(dir, 'spec', 'export-openapi', '--out', 'out/openapi.yaml', '--title', 'Billing', '--api-version', '2.1.0');
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect(written.stdout).toBe(`wrote ${Object.keys(SPECS).length} operations to out/openapi.yaml\n`);
    const fromYaml = parseYaml(fs.readFileSync(path.join(dir, 'out', 'openapi.yaml'), 'utf8')) as Record<string, unknown>;
    expect(fromYaml.info).toEqual({ title: 'Billing', version: '2.1.0' });
    const validator = new Validator();
    expect((await validator.validate(fromYaml)).valid).toBe(true);

    const printed = await parity(dir, 'spec', 'export-openapi');
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual({ ...fromYaml, info: { title: 'Legacy service (parity specs)', version: '0.0.0' } });
  });

  it('refuses to export specs with lint problems, exit 2, writing nothing', async () => {
    const dir = tmp();
    writeFiles(dir, { 'specs/a.yaml': 'id: a\nendpoint: GET /a\n', 'specs/b.yaml': 'id: a\nendpoint: GET /b\n' });
    const run = await parity(dir, 'spec', 'export-openapi', '--out', 'openapi.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('specs/b.yaml:1:5: spec id "a" is also declared in specs/a.yaml:1:5');
    expect(fs.existsSync(path.join(dir, 'openapi.json'))).toBe(false);
  });
});

describe('a route that answers any method', () => {
  const tmp = useTempDir('export-any');

  it('is documented under every method, each a valid operation of its own', async () => {
    const dir = tmp();
    writeFiles(dir, { 'specs/health.yaml': 'id: health\nendpoint: "* /health"\nextracted:\n  outcomes: [{status: 200, when: always}]\n' });
    const run = await parity(dir, 'spec', 'export-openapi');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { paths: Record<string, Record<string, { operationId: string; 'x-parity-any-method': boolean }>> };
    expect(Object.keys(document.paths['/health']!)).toEqual(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);
    expect(document.paths['/health']!.post).toMatchObject({ operationId: 'health.post', 'x-parity-any-method': true });
    const validator = new Validator();
    expect((await validator.validate(document as unknown as Record<string, unknown>)).valid).toBe(true);
  });
});
