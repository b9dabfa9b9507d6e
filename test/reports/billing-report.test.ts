/**
 * `parity report` over real evidence of the billing pair: a `parity test` run and real shadow
 * traffic from the traffic generator (a second legacy instance as the secondary) in one store.
 * The endpoints of the planted regressions (R rows of DIFFERENCES.md) are NOT READY because the
 * shadow found them and the spec tests failed there; the planted fixes (B rows) are intentional
 * differences with the requests they affected, never counted as mismatches.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAnswerKey } from '../../examples/billing/answer-key.js';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { generateTraffic } from '../../examples/billing/traffic/generate.js';
import { startBillingShadow } from '../../src/demo/demo.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import type { ReadinessReport } from '../../reports/model.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { packageRoot } from '../../src/package-info.js';
import { loadSpecs } from '../../src/spec/load.js';
import { useTempDir } from '../helpers/tmp.js';

const root = packageRoot();
const tempDir = useTempDir('report-billing');
const running: RunningBilling[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const env = { ACME_KEY: 'sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc' };
const answerKey = readAnswerKey();
const endpointsOf = (category: string) => new Set(answerKey.filter((row) => row.category === category).flatMap((row) => row.endpoints));

async function parity(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(cwd, env);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('parity report on the billing pair', () => {
  it('marks the planted regressions NOT READY and lists the planted fixes as intentional differences', { timeout: 90_000 }, async () => {
    // Spec tests on one pair, shadow traffic on fresh instances: the tests' writes must not become shadow differences.
    const [legacy, rewrite, primary, secondary, candidate] = await Promise.all([
      startBilling('legacy'),
      startBilling('rewrite'),
      startBilling('legacy'),
      startBilling('legacy'),
      startBilling('rewrite'),
    ]);
    running.push(legacy, rewrite, primary, secondary, candidate);
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'parity.yaml'),
      [
        `legacy: {url: "${legacy.url}"}`,
        `rewrite: {url: "${rewrite.url}"}`,
        `specs: ${JSON.stringify(path.join(root, 'specs', 'billing'))}`,
        `hooks: ${JSON.stringify(path.join(root, 'examples', 'billing', 'parity-hooks.mjs'))}`,
        'auth:',
        '  acme: {headers: {Authorization: "Bearer ${ACME_KEY}"}}',
        '  globex: {headers: {Authorization: "Bearer sk_test_globex_8fD21KpXzqRbBnvuE5wma3ke"}}',
        // Seconds of traffic: coverage is judged on behaviours, not on weeks of shadowing.
        'report: {min_shadow_duration: 1m}',
        '',
      ].join('\n'),
    );
    const tested = await parity(dir, 'test');
    expect(tested.code).toBe(1);

    const store = openShadowStore(path.join(dir, '.parity', 'parity.db'));
    const { specs } = loadSpecs(path.join(root, 'specs', 'billing'), root);
    const proxy = await startBillingShadow({
      primary: primary.url,
      secondary: secondary.url,
      candidate: candidate.url,
      specs,
      store,
    });
    const traffic = await generateTraffic({ target: proxy.url, rps: 60, durationSeconds: 5, seed: 3, concurrency: 8 });
    await proxy.close();
    await store.close();
    expect(traffic.failed).toBe(0);

    const result = await parity(dir, 'report', '--format', 'json', '--fail-on', 'not-ready');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as ReadinessReport;
    const byEndpoint = new Map(report.endpoints.map((e) => [e.endpoint, e]));
    const gate = (endpoint: string, name: string) => byEndpoint.get(endpoint)!.gates.find((g) => g.name === name)!;

    // Every endpoint of the specs is in the report; the endpoints traffic brought that no spec covers fail the spec gate and only it.
    for (const loaded of specs) expect(byEndpoint.get(loaded.spec.endpoint)?.spec).toBe(loaded.spec.id);
    const unspecified = report.endpoints.filter((e) => e.spec === null);
    expect(unspecified.map((e) => e.endpoint).sort()).toEqual(['GET /customers/{id}/subscriptions', 'GET /healthz']);
    for (const e of unspecified) expect(e.gates.filter((g) => g.status === 'FAIL').map((g) => g.name)).toEqual(['spec']);
    const notReady = report.endpoints.filter((e) => e.verdict === 'NOT_READY' && e.spec !== null).map((e) => e.endpoint);
    expect(new Set(notReady)).toEqual(endpointsOf('regression'));
    for (const endpoint of endpointsOf('regression')) {
      expect(gate(endpoint, 'shadow_correctness').status, endpoint).toBe('FAIL');
      expect(gate(endpoint, 'spec_tests').status, endpoint).toBe('FAIL');
      expect(byEndpoint.get(endpoint)!.reasons[0]).toMatch(/^(spec tests|shadow correctness) fails: /);
      expect(byEndpoint.get(endpoint)!.signatures[0]!.sample, endpoint).not.toBeNull();
    }
    expect(byEndpoint.get('PATCH /customers/{customer_id}')!.signatures[0]).toMatchObject({
      signature: 'PATCH /customers/{customer_id} | $.address missing',
      noise: false,
    });

    // The planted fixes: expected differences attributed to their fix behaviour, no unexpected mismatch, spec tests passing.
    for (const endpoint of endpointsOf('bug fixed')) {
      const e = byEndpoint.get(endpoint)!;
      expect(e.mismatches, endpoint).toBe(0);
      expect(gate(endpoint, 'spec_tests').status, endpoint).toBe('PASS');
      const fixes = e.intentional.filter((d) => d.disposition === 'fix');
      expect(fixes.length, endpoint).toBe(1);
      expect(fixes[0]!.approved_by, endpoint).toBe('Billing rewrite team');
      expect(fixes[0]!.requests_affected, endpoint).toBe(e.traffic.expected);
      expect(e.traffic.expected, endpoint).toBeGreaterThan(0);
    }
    // Nothing else fails a gate: the quirks are the same on both sides, ids and timestamps are not differences.
    for (const e of report.endpoints.filter((x) => x.spec !== null && !endpointsOf('regression').has(x.endpoint))) {
      expect(
        e.gates.filter((g) => g.status === 'FAIL').map((g) => `${g.name}: ${g.detail}`),
        e.endpoint,
      ).toEqual([]);
    }
    expect(report.overall).toMatchObject({ verdict: 'NOT_READY', not_ready: endpointsOf('regression').size + unspecified.length });

    // The same evidence as one self-contained HTML file and as Markdown.
    const html = await parity(dir, 'report', '--out', 'readiness.html');
    expect(html.code).toBe(0);
    const o = report.overall;
    expect(html.stdout).toBe(`wrote readiness.html (html): NOT READY: ${o.not_ready} not ready, ${o.insufficient} insufficient data, ${o.ready} ready\n`);
    const page = fs.readFileSync(path.join(dir, 'readiness.html'), 'utf8');
    expect(page).toContain('PATCH /customers/{customer_id}');
    expect(page).not.toMatch(/<script|https?:\/\//i);
    const markdown = await parity(dir, 'report', '--endpoint', 'PATCH /customers/*');
    expect(markdown.stdout).toContain('PATCH /customers/{customer_id}');
    expect(markdown.stdout).not.toContain('GET /customers/{customer_id}/invoices');
  });
});
