/**
 * A catch-all endpoint (`GET /files/{path*}`) beside a one-segment one (`GET /files/{name}`), as
 * a user's specs would have them: recorded traffic becomes examples of the right spec, `parity
 * test` runs an example with a multi-segment path, and `parity shadow` and `parity report` count
 * `/files/a/b` under the catch-all instead of listing it as an endpoint no spec covers. Real
 * servers on loopback.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../reports/model.js';
import { examplesFromExchanges } from '../../src/record/examples.js';
import type { TestRun } from '../../src/runner/run.js';
import { exchange, spec } from '../record/fixtures.js';
import { parity, runShadow, waitForComparisons } from '../helpers/cli.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('catch-all');

const ALL = 'id: files.all\nendpoint: GET /files/{path*}\nbehaviors: []\n';
const ONE = 'id: files.one\nendpoint: GET /files/{name}\nbehaviors: []\n';

function files() {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: decodeURIComponent((req.url ?? '').slice('/files/'.length)) }));
  });
}

describe('a catch-all endpoint through record, test, shadow and report', () => {
  it('record writes multi-segment requests as examples of the catch-all spec', () => {
    const result = examplesFromExchanges(
      [
        exchange({ target: '/files/docs/guide.md', responseJson: { path: 'docs/guide.md' } }),
        exchange({ target: '/files/a.txt', responseJson: { path: 'a.txt' }, at: 1 }),
      ],
      [spec(ALL, 'all.yaml'), spec(ONE, 'one.yaml')],
      { auth: {}, env: {} },
    );
    expect(result.unmatched).toEqual([]);
    expect(result.specs.map((s) => [s.spec.spec.id, s.examples.map((e) => e.request?.path)])).toEqual([
      ['files.all', ['/files/docs/guide.md']],
      ['files.one', ['/files/a.txt']],
    ]);
  });

  it('test runs its example; shadow and the report count its traffic under it', { timeout: 60_000 }, async () => {
    const [legacy, rewrite] = await Promise.all([listen(files()), listen(files())]);
    const dir = tempDir();
    writeFiles(dir, {
      'parity.yaml': `legacy: {url: "${legacy}"}\nrewrite: {url: "${rewrite}"}\n`,
      'specs/all.yaml': `${ALL}examples:\n  - name: a nested file\n    request: {method: GET, path: /files/docs/guide.md}\n    expect: {status: 200, json: {path: docs/guide.md}}\n`,
      'specs/one.yaml': ONE,
    });
    const test = await parity(dir, 'test', '--json', '--diff');
    expect(test.code, test.stderr).toBe(0);
    expect((JSON.parse(test.stdout) as TestRun).results.map((r) => [r.specId, r.legacy.outcome, r.rewrite.outcome])).toEqual([['files.all', 'pass', 'pass']]);

    const shadow = await runShadow(dir);
    for (const target of ['/files/a.txt', '/files/docs/guide.md', '/files/src/record/match.ts'])
      expect((await fetch(`${shadow.url}${target}`)).status).toBe(200);
    await waitForComparisons(shadow.url, 3);
    expect(await shadow.stop(), shadow.io.err()).toBe(0);
    const report = await parity(dir, 'report', '--format', 'json');
    expect(report.code, report.stderr).toBe(0);
    const endpoints = (JSON.parse(report.stdout) as ReadinessReport).endpoints.map((e) => [e.endpoint, e.spec, e.requests]).sort();
    expect(endpoints).toEqual([
      ['GET /files/{name}', 'files.one', 1],
      ['GET /files/{path*}', 'files.all', 2],
    ]);
  });
});
