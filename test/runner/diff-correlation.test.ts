/**
 * `parity test --diff` pairs the ids each side made up with the shadow proxy's own correlation
 * code: values captured under one name, and values a step's two answers made up without any
 * capture (a create whose id only a later list shows, an owner id), compare equal; a real
 * difference still shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestRun } from '../../src/runner/run.js';
import { parity } from '../helpers/cli.js';
import { useLoopback } from '../helpers/loopback.js';
import { statefulApp } from '../helpers/stateful-app.js';
import { useTempDir } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('diff-correlation');

const SPEC = `id: items.list
endpoint: GET /items
summary: Lists items.
behaviors:
  - id: lists-created
    says: An item a user created is listed with its owner.
    disposition: preserve
examples:
  - name: a new item is listed
    behavior: lists-created
    steps:
      - request: {method: POST, path: /users, json: {username: ada, password: pw}}
        capture: {token: $.user.token}
        expect: {status: 201}
      - request: {method: POST, path: /items, headers: {authorization: "Bearer {{token}}"}, json: {name: kept}}
        expect: {status: 201}
      - request: {method: GET, path: /items}
        expect: {status: 200}
`;

async function run(candidate: { pageAsString?: boolean } = {}): Promise<TestRun> {
  const legacy = await listen(statefulApp({ idStart: 1000, secret: 'legacy' }).server);
  const rewrite = await listen(statefulApp({ idStart: 1, secret: 'rewrite', ...candidate }).server);
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'specs'));
  fs.writeFileSync(path.join(dir, 'specs', 'items.list.yaml'), SPEC);
  fs.writeFileSync(path.join(dir, 'parity.yaml'), [`legacy: {url: "${legacy}"}`, `rewrite: {url: "${rewrite}"}`, ''].join('\n'));
  const result = await parity(dir, 'test', '--diff', '--json');
  return JSON.parse(result.stdout) as TestRun;
}

describe('parity test --diff with correlation', () => {
  it('pairs ids no step captured: the created item and its owner compare equal in the list', async () => {
    const result = await run();
    expect(result.results.map((r) => r.differences ?? [])).toEqual([[]]);
    expect(result.totals.differing).toBe(0);
  });

  it('still shows a real difference in the same step', async () => {
    const result = await run({ pageAsString: true });
    const differences = result.results[0]!.differences!;
    expect(differences.map((step) => step.differences.map((d) => `${d.path} ${d.kind}`))).toEqual([['$.page type']]);
  });
});
