import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/spec/load.js';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';
import { ACME_KEY, CUSTOMERS_GET, har, harEntry } from './fixtures.js';

const CREATE = `# Customers: reviewed.
id: customers.create
endpoint: POST /customers
examples:
  - name: create with only an email   # by hand
    request: {method: POST, path: /customers, auth: acme, json: {email: "x@y.test"}}
    expect: {status: 400}
`;

const json = (text: string) => ({ mimeType: 'application/json', text });
const auth = [{ name: 'Authorization', value: `Bearer ${ACME_KEY}` }];

const TRAFFIC = har([
  harEntry({
    method: 'POST',
    url: 'http://127.0.0.1:3000/customers',
    requestHeaders: [...auth, { name: 'Content-Type', value: 'application/json' }, { name: 'User-Agent', value: 'Mozilla/5.0' }],
    postData: json('{"email":"ada@example.test"}'),
    status: 201,
    content: { size: 1, mimeType: 'application/json', text: '{"id":"cus_9f2c1a7b3d4e5f60","email":"ada@example.test","created":1795168800}' },
    startedDateTime: '2026-11-20T10:00:00.000Z',
  }),
  harEntry({
    url: 'http://127.0.0.1:3000/customers/cus_9f2c1a7b3d4e5f60',
    requestHeaders: auth,
    content: { size: 1, mimeType: 'application/json', text: '{"id":"cus_9f2c1a7b3d4e5f60","email":"ada@example.test","created":1795168800}' },
    startedDateTime: '2026-11-20T10:00:01.000Z',
  }),
  harEntry({ url: 'http://127.0.0.1:3000/customers/cus_9f2c1a7b3d4e5f60', status: 0, startedDateTime: '2026-11-20T10:00:02.000Z' }),
  harEntry({ url: 'http://127.0.0.1:3000/widgets', requestHeaders: auth, startedDateTime: '2026-11-20T10:00:03.000Z' }),
]);

function workspace(dir: string, traffic = TRAFFIC): { create: string; get: string } {
  writeFiles(dir, {
    'parity.yaml': `specs: specs\nauth:\n  acme:\n    headers: {Authorization: "Bearer ${ACME_KEY}"}\n`,
    'specs/customers.create.yaml': CREATE,
    'specs/customers.get.yaml': CUSTOMERS_GET,
    'traffic.har': traffic,
  });
  return { create: path.join(dir, 'specs/customers.create.yaml'), get: path.join(dir, 'specs/customers.get.yaml') };
}

describe('parity import har', () => {
  const tmp = useTempDir('import-har');

  it('adds recorded examples to the matching specs, and they validate', async () => {
    const dir = tmp();
    const files = workspace(dir);
    const run = await parity(dir, 'import', 'har', 'traffic.har');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'specs/customers.create.yaml (customers.create): added 1 example',
        '  + recorded POST /customers → 201',
        'specs/customers.get.yaml (customers.get): added 1 example',
        '  + recorded GET /customers/{customer_id} → 200',
        'not in any spec — endpoints the extraction may have missed:',
        '  GET /widgets  (1 request)',
        '3 exchanges read, 2 examples added to 2 specs, 0 duplicates skipped, 1 entry with status 0 (aborted) skipped',
        '',
      ].join('\n'),
    );
    const create = fs.readFileSync(files.create, 'utf8');
    expect(create.startsWith(CREATE)).toBe(true);
    expect(create).not.toContain(ACME_KEY);

    const set = loadSpecs(path.join(dir, 'specs'), dir);
    expect(set.diagnostics).toEqual([]);
    const get = set.specs.find((s) => s.spec.id === 'customers.get')!.spec;
    expect(get.examples[0]).toMatchObject({
      recorded: true,
      steps: [
        { request: { method: 'POST', path: '/customers', auth: 'acme' }, capture: { customer_id: '$.id' } },
        { request: { method: 'GET', path: '/customers/{{customer_id}}', auth: 'acme' }, expect: { status: 200, json: { id: '{{customer_id}}' } } },
      ],
    });
    expect((await parity(dir, 'spec', 'lint')).code).toBe(0);

    // The same traffic again adds nothing and leaves the files alone.
    const before = fs.readFileSync(files.get, 'utf8');
    const again = await parity(dir, 'import', 'har', 'traffic.har', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      specs: [],
      unmatched: [{ method: 'GET', path: '/widgets', count: 1 }],
      duplicates: 2,
      warnings: [],
      notReproducible: [],
      loosened: 0,
      aborted: 1,
    });
    expect(fs.readFileSync(files.get, 'utf8')).toBe(before);
  });

  it('--dry-run says what it would add and writes nothing', async () => {
    const dir = tmp();
    const files = workspace(dir);
    const run = await parity(dir, 'import', 'har', 'traffic.har', '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('specs/customers.get.yaml (customers.get): would add 1 example\n');
    expect(fs.readFileSync(files.create, 'utf8')).toBe(CREATE);
    expect(fs.readFileSync(files.get, 'utf8')).toBe(CUSTOMERS_GET);
  });

  it('warns, without the secret, about credentials no auth profile knows', async () => {
    const dir = tmp();
    workspace(dir, har([harEntry({ url: 'http://h/customers/cus_1', requestHeaders: [{ name: 'Authorization', value: 'Bearer sk_live_other' }] })]));
    const run = await parity(dir, 'import', 'har', 'traffic.har');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: skipped 1 exchange whose credentials \(authorization\) match no auth profile/);
    expect(run.stdout + run.stderr).not.toContain('sk_live_other');
  });

  it('exits 2 with one clear message for a broken HAR file, and writes nothing', async () => {
    const dir = tmp();
    const files = workspace(dir, TRAFFIC.replace('"entries": [', '"entries": [}'));
    const run = await parity(dir, 'import', 'har', 'traffic.har');
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'error: traffic.har:8:17: not valid JSON: unexpected "}"\n' });
    expect(fs.readFileSync(files.create, 'utf8')).toBe(CREATE);

    const missing = await parity(dir, 'import', 'har', 'missing.har');
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'error: cannot read missing.har: ENOENT\n' });
  });

  it('refuses to write any spec while one spec file does not load', async () => {
    const dir = tmp();
    const files = workspace(dir);
    writeFiles(dir, { 'specs/broken.yaml': 'id: broken\nendpoint: FETCH /x\n' });
    const run = await parity(dir, 'import', 'har', 'traffic.har');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^specs\/broken\.yaml:2:11: endpoint: expected "METHOD \/path"/);
    expect(run.stderr).toContain('error: 1 spec file could not be loaded; no example was added\n');
    expect(fs.readFileSync(files.create, 'utf8')).toBe(CREATE);
    expect(fs.readFileSync(files.get, 'utf8')).toBe(CUSTOMERS_GET);
  });
});
