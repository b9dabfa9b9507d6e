/**
 * `parity test` against the real billing pair with the worked specs (specs/billing/): every
 * planted fix (B rows of DIFFERENCES.md) is reported as expected on both sides, every planted
 * regression (R rows) as a rewrite failure and nothing else; --diff finds the regressions by
 * comparison; results land in the store and in JUnit XML; a target that is down is one message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAnswerKey } from '../../examples/billing/answer-key.js';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { packageRoot } from '../../src/package-info.js';
import type { TestRun } from '../../src/runner/run.js';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { useTempDir } from '../helpers/tmp.js';
import { freeLoopbackPort } from '../../src/net.js';

const root = packageRoot();
const tempDir = useTempDir('test-billing');
const running: RunningBilling[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function pair(): Promise<{ legacy: string; rewrite: string }> {
  const [legacy, rewrite] = await Promise.all([startBilling('legacy'), startBilling('rewrite')]);
  running.push(legacy, rewrite);
  return { legacy: legacy.url, rewrite: rewrite.url };
}

function workspace(urls: { legacy: string; rewrite: string }): string {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'parity.yaml'),
    [
      `legacy: {url: "${urls.legacy}"}`,
      `rewrite: {url: "${urls.rewrite}"}`,
      `specs: ${JSON.stringify(path.join(root, 'specs', 'billing'))}`,
      `hooks: ${JSON.stringify(path.join(root, 'examples', 'billing', 'parity-hooks.mjs'))}`,
      'auth:',
      '  acme: {headers: {Authorization: "Bearer ${ACME_KEY}"}}',
      '  globex: {headers: {Authorization: "Bearer sk_test_globex_8fD21KpXzqRbBnvuE5wma3ke"}}',
      '',
    ].join('\n'),
  );
  return dir;
}

const env = { ACME_KEY: 'sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc' };

async function parityWithEnv(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(cwd, env);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
const answerKey = readAnswerKey();
const endpointsOf = (category: string) => new Set(answerKey.filter((row) => row.category === category).flatMap((row) => row.endpoints));

describe('parity test on the billing pair', () => {
  it('reports each planted fix as expected and each planted regression as a rewrite failure, and nothing else', async () => {
    const dir = workspace(await pair());
    const result = await parityWithEnv(dir, 'test', '--json', '--junit', 'results.xml');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as TestRun & { runId: number; store: string };

    // Every example ran on the legacy and met what the spec says it does.
    expect(run.results.filter((r) => r.legacy.outcome !== 'pass').map((r) => `${r.specId} › ${r.example}: ${r.legacy.outcome}`)).toEqual([]);

    const fixes = run.results.filter((r) => r.disposition === 'fix');
    expect(new Set(fixes.map((r) => r.endpoint))).toEqual(endpointsOf('bug fixed'));
    for (const fix of fixes) expect([fix.legacy.outcome, fix.rewrite.outcome], `${fix.specId} › ${fix.example}`).toEqual(['pass', 'pass']);
    // The legacy was held to expect_legacy (the bug) on the step that shows it.
    expect(fixes.every((r) => r.legacy.steps.some((s) => s.checked === 'expect_legacy'))).toBe(true);

    const failing = run.results.filter((r) => r.rewrite.outcome !== 'pass');
    expect(failing.every((r) => r.rewrite.outcome === 'fail')).toBe(true);
    expect(new Set(failing.map((r) => r.endpoint))).toEqual(endpointsOf('regression'));
    const r2 = failing.find((r) => r.endpoint === 'PATCH /customers/{customer_id}')!;
    expect(r2.rewrite.steps.flatMap((s) => s.mismatches)).toContainEqual(
      expect.objectContaining({ path: '$.address', expected: null, message: 'expected null, but the field is missing' }),
    );
    const r1 = failing.find((r) => r.endpoint === 'GET /customers/{customer_id}/invoices')!;
    expect(r1.rewrite.steps.flatMap((s) => s.mismatches.map((m) => m.path))).toContain('$.data[0].id');

    expect(run.passed).toBe(false);
    expect(run.totals.examples).toBeGreaterThan(100);
    expect(run.totals.rewrite.fail).toBe(failing.length);

    // Saved for the dashboard and the readiness report.
    const store = openStore(path.join(dir, '.parity', 'parity.db'), { readonly: true });
    try {
      expect(store.db.prepare('SELECT id, examples, rewrite_failed, passed FROM test_runs').all()).toEqual([
        { id: run.runId, examples: run.totals.examples, rewrite_failed: failing.length, passed: 0 },
      ]);
      const rows = store.db.prepare('SELECT target, outcome, COUNT(*) AS n FROM test_results GROUP BY target, outcome ORDER BY target, outcome').all();
      expect(rows).toEqual([
        { target: 'legacy', outcome: 'pass', n: run.totals.examples },
        { target: 'rewrite', outcome: 'fail', n: failing.length },
        { target: 'rewrite', outcome: 'pass', n: run.totals.examples - failing.length },
      ]);
      const saved = store.db
        .prepare("SELECT failures FROM test_results WHERE target = 'rewrite' AND endpoint = 'PATCH /customers/{customer_id}' AND outcome = 'fail'")
        .get() as {
        failures: string;
      };
      expect(saved.failures).toContain('$.address');
    } finally {
      store.close();
    }

    const junit = fs.readFileSync(path.join(dir, 'results.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    expect(junit).toMatch(new RegExp(`<testsuite name="legacy" tests="${run.totals.examples}" failures="0" errors="0" skipped="0"`));
    expect(junit).toMatch(new RegExp(`<testsuite name="rewrite" tests="${run.totals.examples}" failures="${failing.length}" errors="0" skipped="0"`));
    expect(junit).toContain('$.address: expected null, but the field is missing');
  });

  it('renders the behaviour x target matrix and the failures as expected versus given', async () => {
    const dir = workspace(await pair());
    const result = await parityWithEnv(dir, 'test', '--only', 'customers.*');
    expect(result.code).toBe(1);
    const out = result.stdout;
    expect(out).toMatch(/^spec\s+behaviour\s+disposition\s+examples\s+legacy\s+rewrite$/m);
    expect(out).toMatch(/^customers\.update\s+address-always-present\s+preserve\s+1\s+✓ pass\s+✗ 1\/1 failed$/m);
    expect(out).toMatch(/^customers\.create\s+\S+\s+preserve\s+\d+\s+✓ pass\s+✓ pass$/m);
    expect(out).toContain('✗ rewrite  customers.update › patch a customer without an address');
    expect(out).toContain('$.address: expected null, but the field is missing');
    expect(out).toMatch(/run #1 saved in \.parity\/parity\.db/);
    expect(out).toMatch(/^FAILED: 2 examples failing on the rewrite$/m);
    expect(out).not.toContain('invoices.create');
  });

  it('--diff finds the regressions by comparing the two sides, with captured ids and compare rules taken out', async () => {
    const dir = workspace(await pair());
    const result = await parityWithEnv(dir, 'test', '--diff', '--json', '--only', 'customers.update');
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as TestRun;
    const differing = run.results.filter((r) => (r.differences?.length ?? 0) > 0);
    // R2 shows on every PATCH of a customer without an address, also in examples that do not look at the address.
    expect(differing.length).toBeGreaterThan(1);
    const kinds = new Set(differing.flatMap((r) => r.differences!.flatMap((s) => s.differences.map((d) => `${d.pattern} ${d.kind}`))));
    expect([...kinds]).toEqual(['$.address missing']);
    expect(run.totals.differing).toBe(differing.length);
  });

  it('a target that is down is exit 2 and one message, with nothing saved', async () => {
    const urls = await pair();
    const down = `http://127.0.0.1:${await freeLoopbackPort()}`;
    const dir = workspace({ legacy: down, rewrite: urls.rewrite });
    const run = await parityWithEnv(dir, 'test');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter((line) => line.startsWith('error:'))).toEqual([
      `error: the legacy at ${down} is unreachable: connection refused (ECONNREFUSED)`,
    ]);
    expect(fs.existsSync(path.join(dir, '.parity', 'parity.db'))).toBe(false);
  });
});
