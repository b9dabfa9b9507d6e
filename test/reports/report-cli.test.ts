/**
 * `parity report` on the command line: formats, --out, --fail-on, and the unhappy paths, each a
 * clear message with exit 2 and nothing written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openShadowStore } from '../../shadow-proxy/store.js';
import type { ReadinessReport } from '../../reports/model.js';
import { parity } from '../helpers/cli.js';
import { useTempDir } from '../helpers/tmp.js';

const tempDir = useTempDir('report-cli');
const ENDPOINT = 'GET /things/{id}';

/** A workspace with one (draft) spec and a store of 50 clean comparisons of its endpoint, plus 5 of an unspecified one. */
async function workspace(): Promise<string> {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'specs'));
  fs.writeFileSync(path.join(dir, 'parity.yaml'), 'specs: specs\nreport:\n  target_match_rate: 0.99\n');
  fs.writeFileSync(
    path.join(dir, 'specs', 'things.get.yaml'),
    ['id: things.get', `endpoint: ${ENDPOINT}`, 'behaviors:', '  - id: found', '    says: A thing answers 200.', '    disposition: preserve', ''].join('\n'),
  );
  const store = openShadowStore(path.join(dir, '.parity', 'parity.db'));
  const at = Date.now() - 3_600_000;
  for (let i = 0; i < 55; i++) {
    const response = { status: 200, headers: {}, body: null, durationMs: 3 };
    store.record({
      at: at + i * 1000,
      endpoint: i < 50 ? ENDPOINT : 'GET /other',
      outcome: 'match',
      request: { method: 'GET', target: '/things/1', headers: {}, body: null },
      primary: response,
      candidate: response,
      differences: [],
      noise: [],
      signature: null,
    });
  }
  await store.close();
  return dir;
}

describe('parity report', () => {
  it('prints Markdown by default, JSON with --format json, and prints the thresholds it used', async () => {
    const dir = await workspace();
    const markdown = await parity(dir, 'report');
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/^# Cutover readiness/m);
    expect(markdown.stdout).toContain(ENDPOINT);
    expect(markdown.stdout).toContain('- Target match rate (lower confidence bound at least): 99 %');

    const json = await parity(dir, 'report', '--format', 'json');
    const report = JSON.parse(json.stdout) as ReadinessReport;
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['generated_at', 'thresholds', 'endpoints', 'overall']));
    expect(report.thresholds.target_match_rate).toBe(0.99);
    expect(report.sources).toEqual([path.join('.parity', 'parity.db')]);
    const things = report.endpoints.find((e) => e.endpoint === ENDPOINT)!;
    expect(things).toMatchObject({ verdict: 'NOT_READY', requests: 50, mismatches: 0 });
    expect(things.gates.map((g) => Object.keys(g))).toEqual(Array(6).fill(['name', 'status', 'detail', 'numbers']));
    expect(report.overall).toEqual({ verdict: 'NOT_READY', ready: 0, not_ready: 2, insufficient: 0 });
  });

  it('exits 1 with --fail-on not-ready when an endpoint is NOT READY, and --fail-on insufficient on anything short of READY', async () => {
    const dir = await workspace();
    expect((await parity(dir, 'report', '--fail-on', 'not-ready')).code).toBe(1);
    expect((await parity(dir, 'report', '--endpoint', '/nothing/**', '--fail-on', 'not-ready')).code).toBe(0);
    expect((await parity(dir, 'report', '--endpoint', '/nothing/**', '--fail-on', 'insufficient')).code).toBe(1);
  });

  it('writes --out atomically in the format its extension names, replacing an older report', async () => {
    const dir = await workspace();
    fs.mkdirSync(path.join(dir, 'reports'));
    fs.writeFileSync(path.join(dir, 'reports', 'readiness.json'), 'old');
    const run = await parity(dir, 'report', '--out', 'reports/readiness.json', '--endpoint', ENDPOINT);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`wrote ${path.join('reports', 'readiness.json')} (json): NOT READY: 1 not ready, 0 insufficient data, 0 ready\n`);
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'readiness.json'), 'utf8')) as ReadinessReport;
    expect(written.endpoints.map((e) => e.endpoint)).toEqual([ENDPOINT]);
    expect(fs.readdirSync(path.join(dir, 'reports'))).toEqual(['readiness.json']);

    await parity(dir, 'report', '--out', 'r.html');
    expect(fs.readFileSync(path.join(dir, 'r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });

  it.each([
    [['--since', 'yesterday'], /error: --since: expected a duration such as "7d", "36h" or "90m", or a date such as 2026-11-01, got "yesterday"$/m],
    [['--format', 'pdf'], /argument 'pdf' is invalid\. Allowed choices are md, html, json/],
    [['--fail-on', 'sometimes'], /argument 'sometimes' is invalid\. Allowed choices are not-ready, insufficient/],
    [['--endpoint', 'things'], /error: --endpoint: expected a glob on "METHOD \/path"/],
    [['--db', 'missing.db'], /missing\.db does not exist/],
  ])('exits 2 on %j with a clear message and writes nothing', async (args, message) => {
    const dir = await workspace();
    const run = await parity(dir, 'report', ...args, '--out', 'report.md');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'report.md'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
  });

  it('exits 2 naming the spec file and line when a spec does not load', async () => {
    const dir = await workspace();
    fs.writeFileSync(path.join(dir, 'specs', 'broken.yaml'), 'id: broken\nendpoint: GET /x\nbehaviors: 7\n');
    const run = await parity(dir, 'report', '--out', 'report.md');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('1 spec file could not be loaded; the report judges every endpoint against its spec');
    expect(run.stderr).toMatch(/specs\/broken\.yaml:3:\d+/);
    expect(fs.existsSync(path.join(dir, 'report.md'))).toBe(false);
  });

  it('exits 2 on a bad report section in parity.yaml, naming the field', async () => {
    const dir = await workspace();
    fs.writeFileSync(path.join(dir, 'parity.yaml'), 'specs: specs\nreport:\n  min_shadow_duration: forever\n');
    const run = await parity(dir, 'report');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/parity\.yaml:3:\d+.*report\.min_shadow_duration.*expected a duration such as "24h", "7d" or "90m", got "forever"/s);
  });
});
