/**
 * `parity demo --no-dashboard --duration 10`, the way a newcomer runs it, held against the answer
 * key (examples/billing/DIFFERENCES.md): every planted regression found as an unexpected
 * difference, every planted fix classified expected, no quirk reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnswerKey } from '../../examples/billing/answer-key.js';
import { renderSummary } from '../../src/cli/commands/demo.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { runDemo, type DemoSummary } from '../../src/demo/demo.js';
import { request } from 'undici';
import { useTempDir } from '../helpers/tmp.js';
import pc from 'picocolors';

const tempDir = useTempDir('demo');
const answerKey = readAnswerKey();
const endpointsOf = (category: string) => new Set(answerKey.filter((row) => row.category === category).flatMap((row) => row.endpoints));

describe('parity demo', () => {
  it('finds every planted regression, classifies every planted fix as expected, and reports no quirk', { timeout: 120_000 }, async () => {
    const dir = path.join(tempDir(), 'workspace');
    const io = memoryIo(tempDir());
    const code = await runCli(['demo', '--no-dashboard', '--duration', '10', '--dir', dir, '--json'], io);
    expect(io.err()).not.toMatch(/error/i);
    expect(code).toBe(0);
    const summary = JSON.parse(io.out()) as DemoSummary;

    // Each step said what it did and where its output is.
    for (const title of ['Started the billing pair', 'Extracted', 'spec examples against both', 'Shadowed 10 s of traffic', 'Wrote the readiness report']) {
      expect(io.err()).toContain(title);
    }
    expect(summary.extraction).toMatchObject({ endpoints: 15, withWorkedSpec: 15 });
    expect(fs.readdirSync(summary.extraction.draftsDir).length).toBeGreaterThan(0);

    const regressions = endpointsOf('regression');
    const fixes = endpointsOf('bug fixed');
    expect(summary.tests.legacy.failed).toBe(0);
    expect(new Set(summary.tests.rewriteFailures.map((f) => f.endpoint))).toEqual(regressions);

    const unexpected = summary.differences.filter((d) => d.kind === 'unexpected');
    // Every regression is found, on its endpoint, and named after its answer-key row.
    for (const row of answerKey.filter((r) => r.category === 'regression')) {
      expect(
        unexpected.some((d) => row.endpoints.includes(d.endpoint) && d.planted === row.id),
        row.id,
      ).toBe(true);
    }
    // Nothing else differs unexpectedly: no quirk, no id or timestamp.
    expect(new Set(unexpected.map((d) => d.endpoint))).toEqual(regressions);
    // Every fix is expected, never unexpected.
    for (const row of answerKey.filter((r) => r.category === 'bug fixed')) {
      expect(
        summary.differences.some((d) => d.kind === 'expected' && row.endpoints.includes(d.endpoint) && d.planted === row.id),
        row.id,
      ).toBe(true);
    }
    expect(unexpected.filter((d) => fixes.has(d.endpoint))).toEqual([]);
    // The traffic reused the ids its creates answered, and the proxy followed them: no false mismatch came of it.
    expect(summary.shadow.learned).toBeGreaterThan(0);
    expect(summary.shadow.translated).toBeGreaterThan(0);
    expect(summary.shadow.downstream).toBe(0);

    for (const endpoint of regressions) expect(summary.verdicts.find((v) => v.endpoint === endpoint)?.verdict).toBe('NOT_READY');
    expect(fs.readFileSync(summary.report.html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
    expect(fs.readFileSync(summary.report.markdown, 'utf8')).toMatch(/^# Cutover readiness/);
    expect(summary.dashboard).toBeNull();

    const text = renderSummary(summary, pc.createColors(false));
    expect(text).toMatch(/^spec tests: \d+ examples; legacy \d+ passed, 0 failed; rewrite \d+ passed, 2 failed$/m);
    expect(text).toContain('(R2 in DIFFERENCES.md)');
    expect(text).toMatch(/PATCH \/customers\/\{customer_id\}\s+NOT READY/);
  });

  it('serves the dashboard over the workspace it made, until the signal aborts', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    let overview: { endpoints: { endpoint: string; requests: number }[] } | undefined;
    const summary = await runDemo({
      dir: path.join(tempDir(), 'ws'),
      durationSeconds: 2,
      dashboardPort: 0,
      signal: controller.signal,
      onDashboard: (url) => {
        void request(`${url}/api/overview?window=24h`)
          .then(async (response) => {
            overview = (await response.body.json()) as typeof overview;
          })
          .finally(() => controller.abort());
      },
    });
    expect(summary.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(overview!.endpoints.find((e) => e.endpoint === 'PATCH /customers/{customer_id}')?.requests).toBeGreaterThan(0);
  });

  it('refuses a --dir that is not empty, touching nothing', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const io = memoryIo(dir);
    const code = await runCli(['demo', '--no-dashboard', '--dir', dir], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('is not empty: the demo writes a fresh workspace there');
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });
});
