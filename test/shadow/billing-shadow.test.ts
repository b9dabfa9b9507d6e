/**
 * The shadow proxy in front of the real billing pair, driven by its traffic generator, with a
 * second legacy instance as the secondary: every planted regression (R rows of DIFFERENCES.md)
 * shows as a mismatch signature on its endpoint and nothing else does; every planted fix (B rows)
 * is classified expected; ids and timestamps are not reported; no client saw an error. The
 * traffic creates customers, invoices, payments and subscriptions and then uses the ids it was
 * given, like real clients: the proxy follows each side's ids, so reusing them causes no mismatch.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAnswerKey } from '../../examples/billing/answer-key.js';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { generateTraffic } from '../../examples/billing/traffic/generate.js';
import { startBillingShadow } from '../../src/demo/demo.js';
import { readShadowSummary } from '../../shadow-proxy/query.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { packageRoot } from '../../src/package-info.js';
import { loadSpecs } from '../../src/spec/load.js';
import { openStore } from '../../src/store/store.js';
import { useTempDir } from '../helpers/tmp.js';

const running: RunningBilling[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
const tempDir = useTempDir('shadow-billing');

describe('parity shadow on the billing pair', () => {
  it('finds the planted regressions, classifies the planted fixes as expected, and reports no ids or timestamps', { timeout: 60_000 }, async () => {
    const [primary, secondary, candidate] = await Promise.all([startBilling('legacy'), startBilling('legacy'), startBilling('rewrite')]);
    running.push(primary, secondary, candidate);
    const file = path.join(tempDir(), 'shadow.db');
    const store = openShadowStore(file);
    const { specs } = loadSpecs(path.join(packageRoot(), 'specs', 'billing'), packageRoot());
    const proxy = await startBillingShadow({
      primary: primary.url,
      secondary: secondary.url,
      candidate: candidate.url,
      specs,
      store,
    });
    const traffic = await generateTraffic({ target: proxy.url, rps: 60, durationSeconds: 5, seed: 1, concurrency: 8 });
    await proxy.close();
    await store.close();
    expect(traffic.failed).toBe(0);
    expect(traffic.completed).toBe(traffic.sent);
    const metrics = proxy.metrics();
    expect(metrics).toMatchObject({ requests: traffic.sent, mirrored: traffic.sent, dropped: 0, primaryErrors: 0 });
    expect(metrics.compared.candidate_error).toBe(0);
    // Clients reused what creates answered, and every such request reached each side with that side's own id.
    expect(traffic.scenarios['customers.lifecycle']).toBeGreaterThan(0);
    expect(traffic.scenarios['invoices.lifecycle']).toBeGreaterThan(0);
    expect(traffic.scenarios['subscriptions.lifecycle']).toBeGreaterThan(0);
    expect(metrics.correlation.learned).toBeGreaterThan(0);
    expect(metrics.correlation.translated).toBeGreaterThan(20);
    expect(metrics.compared.downstream).toBe(0);

    const answerKey = readAnswerKey();
    const endpointsOf = (category: string) => new Set(answerKey.filter((row) => row.category === category).flatMap((row) => row.endpoints));
    const db = openStore(file, { readonly: true });
    try {
      const summary = readShadowSummary(db.db, {});
      const byEndpoint = new Map(summary.endpoints.map((e) => [e.endpoint, e]));
      const mismatching = summary.endpoints.filter((e) => e.outcomes.mismatch > 0).map((e) => e.endpoint);
      expect(new Set(mismatching)).toEqual(endpointsOf('regression'));
      for (const endpoint of endpointsOf('bug fixed')) expect(byEndpoint.get(endpoint)?.outcomes.expected, endpoint).toBeGreaterThan(0);

      const signaturesOf = (endpoint: string, expected: boolean) =>
        byEndpoint
          .get(endpoint)!
          .signatures.filter((s) => (expected ? s.expected === s.count : s.expected < s.count))
          .map((s) => s.signature);
      expect(signaturesOf('PATCH /customers/{customer_id}', false)).toEqual(['PATCH /customers/{customer_id} | $.address missing']);
      expect(signaturesOf('GET /customers/{customer_id}/invoices', false)).toContain('GET /customers/{customer_id}/invoices | $.data order');
      expect(signaturesOf('POST /invoices', true)).toEqual(['POST /invoices | $.amount_remaining value; $.tax value; $.total value']);

      // Outside R1 (whose reordered lists compare different invoices with each other), no id or timestamp is ever a difference.
      const patterns = summary.endpoints
        .filter((e) => e.endpoint !== 'GET /customers/{customer_id}/invoices')
        .flatMap((e) => e.signatures.flatMap((s) => s.differences.map((d) => d.pattern)));
      expect(patterns.filter((p) => /(\.id|\.created|_at|\.number)$/.test(p))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
