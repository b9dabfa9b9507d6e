/**
 * The readiness gates and verdicts on crafted stores: every store here is written by the real
 * shadow store writer (and test runs by the real `saveTestRun` tables), and the report is built
 * by reading those files back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Difference } from '../../src/compare/response.js';
import { approveSpec } from '../../src/spec/approve.js';
import { loadSpecs, type LoadedSpec } from '../../src/spec/load.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { openShadowStore, type ComparisonRecord, type ShadowStore } from '../../shadow-proxy/store.js';
import { buildReadinessReport, endpointFilter, thresholdsOf } from '../../reports/readiness.js';
import type { EndpointReport, GateName, ReadinessReport } from '../../reports/model.js';
import { ReportConfigSchema } from '../../src/config/schema.js';
import { useTempDir } from '../helpers/tmp.js';

const tempDir = useTempDir('readiness');
const open: ShadowStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const NOW = T0 + 10 * DAY;
const INVOICE = 'GET /invoices/{invoice_id}';
const thresholds = thresholdsOf(ReportConfigSchema.parse({}));

const SPEC = `id: invoices.get
endpoint: GET /invoices/{invoice_id}
extracted:
  source_hash: sha256:1111111111111111111111111111111111111111111111111111111111111111
summary: Reads one invoice.
who_may_call: any API key of the invoice's account
rate_limit: none, intentionally
behaviors:
  - id: found
    says: An invoice of the key's account answers 200 with the invoice.
    disposition: preserve
  - id: other-account-hidden
    says: Another account's invoice answers 404, as a missing one does.
    disposition: fix
    notes: The legacy answers 403 and so reveals the invoice exists.
  - id: gone
    says: A deleted invoice answers 410.
    disposition: preserve
  - id: xml
    says: Accept application/xml answers XML.
    disposition: drop
    notes: No client asks for XML.
examples:
  - name: own invoice
    behavior: found
    request: {method: GET, path: /invoices/in_1}
    expect: {status: 200}
  - name: another account's invoice
    behavior: other-account-hidden
    request: {method: GET, path: /invoices/in_2}
    expect: {status: 404}
    expect_legacy: {status: 403}
  - name: deleted invoice
    behavior: gone
    request: {method: GET, path: /invoices/in_3}
    expect: {status: 410}
`;

/** A specs dir holding the invoice spec, approved unless `approve` is false. */
function specs(approve = true): LoadedSpec[] {
  const dir = path.join(tempDir(), 'specs');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'invoices.get.yaml'), SPEC);
  if (approve) approveSpec({ specsDir: dir, cwd: dir, id: 'invoices.get', by: 'Ada', now: new Date(T0) });
  return loadSpecs(dir, dir).specs;
}

function shadowStore(file: string): ShadowStore {
  const store = openShadowStore(file, { flushIntervalMs: 60_000 });
  open.push(store);
  return store;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

interface Exchange {
  at: number;
  outcome?: ComparisonRecord['outcome'];
  legacy?: number;
  rewrite?: number | null;
  legacyMs?: number;
  rewriteMs?: number;
  differences?: Difference[];
  raw?: Difference[];
  noise?: Difference[];
  endpoint?: string;
  /** Timed by parity beside the rewrite (detached mode): the like-for-like latency reference. Default true. */
  timedTogether?: boolean;
}

function exchange(e: Exchange): ComparisonRecord {
  const differences = e.differences ?? [];
  const legacy = e.legacy ?? 200;
  return {
    at: e.at,
    endpoint: e.endpoint ?? INVOICE,
    outcome: e.outcome ?? (differences.length > 0 ? 'mismatch' : 'match'),
    request: { method: 'GET', target: '/invoices/in_1', headers: {}, body: null },
    primary: { status: legacy, headers: JSON_HEADERS, body: Buffer.from('{"id":"in_1","total":1}'), durationMs: e.legacyMs ?? 10 },
    candidate:
      e.rewrite === null
        ? { error: 'timeout', durationMs: 5000 }
        : { status: e.rewrite ?? legacy, headers: JSON_HEADERS, body: Buffer.from('{"id":"in_1","total":2}'), durationMs: e.rewriteMs ?? 10 },
    differences,
    ...(e.raw && { rawDifferences: e.raw }),
    noise: e.noise ?? [],
    signature: null,
    primaryTimedLikeCandidate: e.timedTogether ?? true,
  };
}

/** `count` exchanges spread evenly over [from, from + spanMs). */
function spread(store: ShadowStore, count: number, from: number, spanMs: number, make: (i: number, at: number) => Exchange | null = (_, at) => ({ at })): void {
  for (let i = 0; i < count; i++) {
    const at = from + Math.floor((i * spanMs) / count);
    const e = make(i, at);
    if (e) store.record(exchange(e));
  }
  store.flush();
}

const totalDiff: Difference = { kind: 'value', path: '$.total', pattern: '$.total', primary: 1, candidate: 2 };
const stampDiff: Difference = { kind: 'value', path: '$.generated_at', pattern: '$.generated_at', primary: 'a', candidate: 'b' };
const statusDiff: Difference = { kind: 'status', path: 'status', pattern: 'status', primary: 403, candidate: 404 };

function saveRun(
  file: string,
  finishedAt: string,
  results: { example: string; behavior: string; disposition: string; target: 'legacy' | 'rewrite'; outcome: string }[],
): void {
  const store = openStore(file);
  try {
    const id = store.db
      .prepare(
        `INSERT INTO test_runs (started_at, finished_at, legacy_url, rewrite_url, specs_dir, only_glob, diff, examples, rewrite_failed, legacy_failed, differing, passed)
         VALUES (?, ?, 'http://legacy', 'http://rewrite', 'specs', NULL, 0, ?, 0, 0, 0, 1)`,
      )
      .run(finishedAt, finishedAt, results.length).lastInsertRowid;
    const insert = store.db.prepare(
      `INSERT INTO test_results (run_id, spec_id, endpoint, behavior, disposition, example, target, outcome, reason, duration_ms, failures)
       VALUES (?, 'invoices.get', ?, ?, ?, ?, ?, ?, NULL, 1, '[]')`,
    );
    for (const r of results) insert.run(id, INVOICE, r.behavior, r.disposition, r.example, r.target, r.outcome);
  } finally {
    store.close();
  }
}

const PASSING_RUN = [
  { example: 'own invoice', behavior: 'found', disposition: 'preserve', target: 'legacy' as const, outcome: 'pass' },
  { example: 'own invoice', behavior: 'found', disposition: 'preserve', target: 'rewrite' as const, outcome: 'pass' },
  { example: "another account's invoice", behavior: 'other-account-hidden', disposition: 'fix', target: 'legacy' as const, outcome: 'pass' },
  { example: "another account's invoice", behavior: 'other-account-hidden', disposition: 'fix', target: 'rewrite' as const, outcome: 'pass' },
  { example: 'deleted invoice', behavior: 'gone', disposition: 'preserve', target: 'legacy' as const, outcome: 'pass' },
  { example: 'deleted invoice', behavior: 'gone', disposition: 'preserve', target: 'rewrite' as const, outcome: 'pass' },
];

function report(stores: string[], loaded: LoadedSpec[], extra: Partial<Parameters<typeof buildReadinessReport>[0]> = {}): ReadinessReport {
  return buildReadinessReport({ stores, specs: loaded, thresholds, cwd: tempDir(), now: NOW, ...extra });
}

function endpointOf(r: ReadinessReport, endpoint = INVOICE): EndpointReport {
  const found = r.endpoints.find((e) => e.endpoint === endpoint);
  if (!found) throw new Error(`no ${endpoint} in the report: ${r.endpoints.map((e) => e.endpoint).join(', ')}`);
  return found;
}

function gateOf(e: EndpointReport, name: GateName) {
  return e.gates.find((g) => g.name === name)!;
}

/** Two days of clean traffic with a passing run: everything a READY endpoint needs. */
function readyStore(file: string, requests = 4000): void {
  const store = shadowStore(file);
  spread(store, requests, T0, 2 * DAY, (i, at) =>
    i % 3 === 1 ? { at, legacy: 403, rewrite: 404, outcome: 'expected', differences: [statusDiff] } : { at, legacy: i % 3 === 0 ? 200 : 410 },
  );
  saveRun(file, new Date(T0 + DAY).toISOString(), PASSING_RUN);
}

describe('the readiness report on crafted stores', () => {
  it('is READY when every gate passes, with the numbers behind each gate', async () => {
    const file = path.join(tempDir(), 'a.db');
    readyStore(file);
    await open.splice(0)[0]!.close();
    const e = endpointOf(report([file], specs()));
    expect(e.gates.map((g) => [g.name, g.status])).toEqual([
      ['spec', 'PASS'],
      ['spec_tests', 'PASS'],
      ['shadow_correctness', 'PASS'],
      ['errors', 'PASS'],
      ['latency', 'PASS'],
      ['coverage', 'PASS'],
    ]);
    expect(e.verdict).toBe('READY');
    expect(e.reasons).toEqual([]);
    expect(e.requests).toBe(4000);
    expect(e.mismatches).toBe(0);
    expect(e.match_rate_lower_bound).toBeCloseTo(0.05 ** (1 / 4000), 12);
    expect(gateOf(e, 'spec').detail).toBe('approved by Ada at 2026-11-02T00:00:00.000Z; 4 behaviours decided (2 preserve, 1 fix, 1 drop)');
    expect(gateOf(e, 'shadow_correctness').detail).toContain('4,000 compared, 0 unexpected mismatches (1,333 expected left out)');
    expect(e.traffic).toMatchObject({ match: 2667, expected: 1333, mismatch: 0 });
    expect(e.status_matrix).toEqual([
      { legacy: 200, rewrite: 200, count: 1334 },
      { legacy: 403, rewrite: 404, count: 1333 },
      { legacy: 410, rewrite: 410, count: 1333 },
    ]);
    // The fix behaviour is an intentional difference; the sample replayed through the spec's footprints attributes the requests to it.
    expect(e.intentional).toEqual([
      {
        behavior: 'other-account-hidden',
        disposition: 'fix',
        says: "Another account's invoice answers 404, as a missing one does.",
        rationale: 'The legacy answers 403 and so reveals the invoice exists.',
        approved_by: 'Ada',
        approved_at: '2026-11-02T00:00:00.000Z',
        requests_affected: 1333,
      },
      {
        behavior: 'xml',
        disposition: 'drop',
        says: 'Accept application/xml answers XML.',
        rationale: 'No client asks for XML.',
        approved_by: 'Ada',
        approved_at: '2026-11-02T00:00:00.000Z',
        requests_affected: null,
      },
    ]);
    expect(e.days.map((d) => [d.day, d.verdict, d.requests])).toEqual([
      ['2026-11-02', 'INSUFFICIENT_DATA', 2000],
      ['2026-11-03', 'READY', 4000],
    ]);
  });

  it('attributes expected comparisons to the fix behaviour whose footprint explains them', async () => {
    const file = path.join(tempDir(), 'a.db');
    const store = shadowStore(file);
    spread(store, 30, T0, DAY, (i, at) => (i % 3 === 0 ? { at, legacy: 403, rewrite: 404, outcome: 'expected', differences: [statusDiff] } : { at }));
    await store.close();
    const e = endpointOf(report([file], specs()));
    expect(e.intentional.find((d) => d.behavior === 'other-account-hidden')?.requests_affected).toBe(10);
    expect(e.traffic.expected).toBe(10);
    expect(e.mismatches).toBe(0);
  });

  describe('shadow correctness', () => {
    it('is INSUFFICIENT below about 3,000 clean requests and says how many more would settle it', async () => {
      const file = path.join(tempDir(), 'a.db');
      spread(shadowStore(file), 2000, T0, DAY);
      const gate = gateOf(endpointOf(report([file], specs())), 'shadow_correctness');
      expect(gate.status).toBe('INSUFFICIENT');
      expect(gate.numbers.clean_requests_needed).toBe(995);
      expect(gate.detail).toContain('995 more clean requests would settle it');
    });

    it('FAILs with 15 mismatches in 10,000, and the verdict puts that reason first', async () => {
      const file = path.join(tempDir(), 'a.db');
      spread(shadowStore(file), 10_000, T0, 2 * DAY, (i, at) => ({ at, differences: i % 666 === 0 && i < 15 * 666 ? [totalDiff] : [] }));
      const e = endpointOf(report([file], specs()));
      expect(e.mismatches).toBe(15);
      expect(gateOf(e, 'shadow_correctness').status).toBe('FAIL');
      expect(e.verdict).toBe('NOT_READY');
      expect(e.reasons[0]).toMatch(/^shadow correctness fails: 10,000 compared, 15 unexpected mismatches/);
      expect(e.signatures[0]).toMatchObject({ signature: `${INVOICE} | $.total value`, count: 15, expected: 0, noise: false });
      expect(e.signatures[0]!.sample).toMatchObject({
        request: 'GET /invoices/in_1',
        legacy_status: 200,
        rewrite_status: 200,
        differences: ['$.total value: legacy 1, rewrite 2'],
      });
    });

    it('PASSes with 3 mismatches in 10,000', async () => {
      const file = path.join(tempDir(), 'a.db');
      spread(shadowStore(file), 10_000, T0, 2 * DAY, (i, at) => ({ at, differences: i < 3 ? [totalDiff] : [] }));
      const e = endpointOf(report([file], specs()));
      expect(e.mismatches).toBe(3);
      expect(gateOf(e, 'shadow_correctness').status).toBe('PASS');
    });

    it('leaves out a signature whose every path differs between two legacy instances about as often', async () => {
      const file = path.join(tempDir(), 'a.db');
      // generated_at differs between primary and secondary on 9 of 10 requests; where they happened to agree, the candidate still differs.
      spread(shadowStore(file), 10_000, T0, 2 * DAY, (i, at) =>
        i % 10 === 0 ? { at, differences: [stampDiff], raw: [stampDiff], noise: [] } : { at, differences: [], raw: [stampDiff], noise: [stampDiff] },
      );
      const e = endpointOf(report([file], specs()));
      expect(e.traffic.mismatch).toBe(0);
      expect(e.traffic.noise).toBe(1000);
      expect(e.mismatches).toBe(0);
      expect(gateOf(e, 'shadow_correctness').status).toBe('PASS');
      expect(e.signatures[0]).toMatchObject({ signature: `${INVOICE} | $.generated_at value`, noise: true });
    });

    it('judges only the window given by --since', async () => {
      const file = path.join(tempDir(), 'a.db');
      const store = shadowStore(file);
      spread(store, 100, T0, DAY, (_, at) => ({ at, differences: [totalDiff] }));
      spread(store, 3000, T0 + 3 * DAY, DAY);
      const all = endpointOf(report([file], specs()));
      const recent = endpointOf(report([file], specs(), { since: T0 + 2 * DAY }));
      expect([all.requests, all.mismatches, gateOf(all, 'shadow_correctness').status]).toEqual([3100, 100, 'FAIL']);
      expect([recent.requests, recent.mismatches, gateOf(recent, 'shadow_correctness').status]).toEqual([3000, 0, 'PASS']);
      expect(recent.signatures).toEqual([]);
      expect(recent.days.map((d) => d.day)).toEqual(['2026-11-05']);
    });
  });

  describe('the other gates', () => {
    it('error rate: FAILs when the rewrite answers 5xx or not at all more often, PASSes when both are clean', async () => {
      const failing = path.join(tempDir(), 'a.db');
      spread(shadowStore(failing), 4000, T0, 2 * DAY, (i, at) =>
        i % 50 === 0
          ? {
              at,
              rewrite: i % 100 === 0 ? 500 : null,
              outcome: i % 100 === 0 ? 'mismatch' : 'candidate_error',
              differences: i % 100 === 0 ? [{ ...statusDiff, primary: 200, candidate: 500 }] : [],
            }
          : { at },
      );
      const gate = gateOf(endpointOf(report([failing], specs())), 'errors');
      expect(gate.status).toBe('FAIL');
      expect(gate.numbers).toMatchObject({ requests: 4000, legacy_errors: 0, rewrite_errors: 80 });
      expect(gate.detail).toMatch(/^legacy 0 5xx, rewrite 80 5xx or no answer, of 4,000: difference \+2\.000 pp/);

      const clean = path.join(tempDir(), 'b.db');
      spread(shadowStore(clean), 4000, T0, 2 * DAY);
      expect(gateOf(endpointOf(report([clean], specs())), 'errors').status).toBe('PASS');

      const few = path.join(tempDir(), 'c.db');
      spread(shadowStore(few), 500, T0, 2 * DAY);
      expect(gateOf(endpointOf(report([few], specs())), 'errors').status).toBe('INSUFFICIENT');
    });

    it('latency: FAILs a rewrite whose p99 is twice the legacy, PASSes within the ratio, INSUFFICIENT with few timings', async () => {
      const slow = path.join(tempDir(), 'a.db');
      spread(shadowStore(slow), 1000, T0, DAY, (i, at) => ({ at, legacyMs: 10 + (i % 100) / 10, rewriteMs: 2 * (10 + (i % 100) / 10) }));
      const gate = gateOf(endpointOf(report([slow], specs())), 'latency');
      expect(gate.status).toBe('FAIL');
      expect(gate.numbers.p99_ratio).toBeCloseTo(2, 1);
      expect(gate.numbers.p99_ratio_lower as number).toBeGreaterThan(1.1);
      expect(gate.numbers.reference).toBe('primary');
      const e = endpointOf(report([slow], specs()));
      expect(e.latency.legacy!.p99).toBeCloseTo(19.9, 0);
      expect(e.latency.rewrite!.p50).toBeCloseTo(30, 0);
      expect(e.latency.paired).toMatchObject({ basis: 'primary', reference: { count: 1000 }, rewrite: { count: 1000 } });

      const close = path.join(tempDir(), 'b.db');
      spread(shadowStore(close), 1000, T0, DAY, (i, at) => ({ at, legacyMs: 10 + (i % 100) / 10, rewriteMs: 1.02 * (10 + (i % 100) / 10) }));
      const passed = gateOf(endpointOf(report([close], specs())), 'latency');
      expect(passed.status, passed.detail).toBe('PASS');
      expect(passed.numbers.p99_ratio_upper as number).toBeLessThanOrEqual(1.1);

      const few = path.join(tempDir(), 'c.db');
      spread(shadowStore(few), 150, T0, DAY);
      expect(gateOf(endpointOf(report([few], specs())), 'latency')).toMatchObject({
        status: 'INSUFFICIENT',
        detail: '150 rewrite timings beside 150 of the legacy (sent by parity beside the rewrite); 200 each are needed',
      });
    });

    it("latency: INSUFFICIENT, never FAIL, when the legacy was timed on the clients' path and the rewrite on the mirror", async () => {
      const file = path.join(tempDir(), 'a.db');
      // Inline without a secondary: the rewrite looks twice as slow, but the two were not timed the same way.
      spread(shadowStore(file), 4000, T0, DAY, (_, at) => ({ at, legacyMs: 10, rewriteMs: 20, timedTogether: false }));
      const gate = gateOf(endpointOf(report([file], specs())), 'latency');
      expect(gate.status).toBe('INSUFFICIENT');
      expect(gate.detail).toContain('no like-for-like timing');
      expect(gate.detail).toContain('as recorded: p99 2.00×, not judged');
      expect(endpointOf(report([file], specs())).latency.paired).toBeNull();
    });

    it('latency: INSUFFICIENT while the interval straddles the allowance, decided once the timings narrow it', async () => {
      // The rewrite is 12 % slower in the middle of a wide spread: 300 timings cannot tell that from 10 %, 20,000 can.
      const timing = (i: number) => 20 + ((i * 7919) % 1000) / 10;
      const few = path.join(tempDir(), 'a.db');
      spread(shadowStore(few), 300, T0, DAY, (i, at) => ({ at, legacyMs: timing(i), rewriteMs: 1.25 * timing(i + 1) }));
      const unsettled = gateOf(endpointOf(report([few], specs())), 'latency');
      expect(unsettled.status, unsettled.detail).toBe('INSUFFICIENT');
      expect(unsettled.detail).toContain('straddle');
      const many = path.join(tempDir(), 'b.db');
      spread(shadowStore(many), 20_000, T0, DAY, (i, at) => ({ at, legacyMs: timing(i), rewriteMs: 1.25 * timing(i + 1) }));
      expect(gateOf(endpointOf(report([many], specs())), 'latency').status).toBe('FAIL');
    });

    it('coverage: INSUFFICIENT until shadowed long enough and every kept behaviour was seen or tested', async () => {
      const file = path.join(tempDir(), 'a.db');
      // Only 200s, for two hours: "gone" (410) is neither seen nor tested; "xml" is dropped and needs neither.
      spread(shadowStore(file), 3000, T0, 2 * 3_600_000);
      const gate = gateOf(endpointOf(report([file], specs())), 'coverage');
      expect(gate).toMatchObject({
        status: 'INSUFFICIENT',
        detail: 'shadowed for 2h of 1d required; 2 behaviours neither seen in traffic nor tested: other-account-hidden, gone',
      });
      saveRun(file, new Date(T0 + DAY).toISOString(), PASSING_RUN);
      expect(gateOf(endpointOf(report([file], specs())), 'coverage').detail).toBe('shadowed for 2h of 1d required; all 3 behaviours seen in traffic or tested');
    });

    it('coverage: a behaviour without examples is seen when the legacy answered the status it states', async () => {
      const dir = path.join(tempDir(), 'drafted');
      fs.mkdirSync(dir, { recursive: true });
      // As \`parity extract\` drafts them: no examples, the status in the id and in the words.
      fs.writeFileSync(
        path.join(dir, 'invoices.get.yaml'),
        SPEC.replace(
          /behaviors:[\s\S]*$/,
          [
            'behaviors:',
            '  - {id: answers-200, says: "Answers 200 with the invoice.", disposition: preserve}',
            '  - {id: answers-404-missing, says: "Answers 404 when the invoice does not exist.", disposition: preserve}',
            '  - {id: not-found-body, says: "A missing invoice returns 404 with {error}.", disposition: preserve}',
            '  - {id: audit-log, says: "Writes an audit line.", disposition: preserve}',
            '',
          ].join('\n'),
        ),
      );
      const file = path.join(tempDir(), 'a.db');
      spread(shadowStore(file), 20, T0, 3_600_000);
      const gate = gateOf(endpointOf(report([file], loadSpecs(dir, dir).specs)), 'coverage');
      expect(gate.detail).toMatch(/; 3 behaviours neither seen in traffic nor tested: answers-404-missing, not-found-body, audit-log$/);
      expect(gate.numbers.seen_in_traffic).toBe(1);
    });

    it('no match-rate bound for an endpoint without traffic', async () => {
      const file = path.join(tempDir(), 'a.db');
      openStore(file).close();
      const quiet = endpointOf(report([file], specs()));
      expect(quiet.requests).toBe(0);
      expect(quiet.match_rate_lower_bound).toBeNull();
    });

    it('spec: FAILs a spec that is not approved, and traffic no spec covers', async () => {
      const file = path.join(tempDir(), 'a.db');
      spread(shadowStore(file), 10, T0, DAY, (i, at) => ({ at, endpoint: i % 2 === 0 ? INVOICE : 'GET /health' }));
      const r = report([file], specs(false));
      expect(gateOf(endpointOf(r), 'spec')).toMatchObject({ status: 'FAIL', detail: 'reviewed: not approved yet' });
      const health = endpointOf(r, 'GET /health');
      expect(health.spec).toBeNull();
      expect(gateOf(health, 'spec')).toMatchObject({ status: 'FAIL', detail: 'no spec covers this endpoint: it was seen in traffic only' });
      expect(health.verdict).toBe('NOT_READY');
    });

    it('spec tests: the latest run across the stores decides; a legacy-only failure must belong to a fix', async () => {
      const a = path.join(tempDir(), 'a.db');
      const b = path.join(tempDir(), 'b.db');
      openStore(a).close();
      saveRun(a, '2026-11-03T00:00:00.000Z', PASSING_RUN);
      saveRun(
        b,
        '2026-11-04T00:00:00.000Z',
        PASSING_RUN.map((r) => (r.example === 'own invoice' && r.target === 'rewrite' ? { ...r, outcome: 'fail' } : r)),
      );
      const failing = gateOf(endpointOf(report([a, b], specs())), 'spec_tests');
      expect(failing.status).toBe('FAIL');
      expect(failing.detail).toBe('run 1 at 2026-11-04T00:00:00.000Z: 1 of 3 examples fail on the rewrite ("own invoice")');
      expect(failing.numbers.source).toBe(b);

      saveRun(
        a,
        '2026-11-05T00:00:00.000Z',
        PASSING_RUN.map((r) => (r.example === "another account's invoice" && r.target === 'legacy' ? { ...r, outcome: 'fail' } : r)),
      );
      expect(gateOf(endpointOf(report([a, b], specs())), 'spec_tests')).toMatchObject({
        status: 'PASS',
        detail: 'run 2 at 2026-11-05T00:00:00.000Z: 3 examples pass on the rewrite; 1 legacy-only failure, all of fix behaviours',
      });

      saveRun(
        a,
        '2026-11-06T00:00:00.000Z',
        PASSING_RUN.map((r) => (r.example === 'deleted invoice' && r.target === 'legacy' ? { ...r, outcome: 'fail' } : r)),
      );
      expect(gateOf(endpointOf(report([a, b], specs())), 'spec_tests').status).toBe('FAIL');

      const none = path.join(tempDir(), 'c.db');
      openStore(none).close();
      expect(gateOf(endpointOf(report([none], specs())), 'spec_tests')).toMatchObject({
        status: 'INSUFFICIENT',
        detail: 'no `parity test` run has covered this endpoint',
      });
    });
  });

  it('bounds the mismatches of a window by the rollups in a store written before the hourly counts', () => {
    const file = path.join(tempDir(), 'old.db');
    const early = openStore(file, { migrations: MIGRATIONS.slice(0, 3) });
    early.db.exec(`
      INSERT INTO shadow_rollups (endpoint, minute, match, mismatch) VALUES ('${INVOICE}', ${T0}, 0, 5), ('${INVOICE}', ${T0 + 3 * 3_600_000}, 100, 0);
      INSERT INTO shadow_signatures (endpoint, signature, differences, count, expected, first_seen, last_seen)
        VALUES ('${INVOICE}', '${INVOICE} | $.total value', '[{"pattern":"$.total","kind":"value"}]', 5, 0, ${T0}, ${T0 + 3 * 3_600_000});
    `);
    early.close();
    openStore(file).close();
    // The signature's 5 are filed under its last hour, where the rollups saw no mismatch.
    const recent = endpointOf(report([file], specs(), { since: T0 + 2 * 3_600_000 }));
    expect([recent.requests, recent.mismatches]).toEqual([100, 0]);
    const all = endpointOf(report([file], specs()));
    expect([all.requests, all.mismatches]).toEqual([105, 5]);
  });

  it('counts recorded differences as the spec says now: ignored paths as noise, signatures linked to a fix as expected', async () => {
    const file = path.join(tempDir(), 'a.db');
    const headerDiff: Difference = { kind: 'header', path: 'header:x-trace', pattern: 'header:x-trace', primary: 'a', candidate: 'b' };
    spread(shadowStore(file), 4000, T0, 2 * DAY, (i, at) =>
      i % 100 === 0 ? { at, differences: [totalDiff] } : i % 100 === 1 ? { at, differences: [stampDiff, headerDiff] } : { at },
    );
    const before = endpointOf(report([file], specs()));
    expect([before.mismatches, before.traffic.noise, before.traffic.expected]).toEqual([80, 0, 0]);

    const dir = path.join(tempDir(), 'specs');
    fs.mkdirSync(dir, { recursive: true });
    const linked = SPEC.replace(
      '    notes: The legacy answers 403 and so reveals the invoice exists.\n',
      `    notes: The legacy answers 403 and so reveals the invoice exists.\n    signatures: ["${INVOICE} | $.total value"]\n`,
    );
    fs.writeFileSync(path.join(dir, 'invoices.get.yaml'), `${linked}compare:\n  ignore: [$.generated_at]\n  ignore_headers: [x-trace]\n`);
    approveSpec({ specsDir: dir, cwd: dir, id: 'invoices.get', by: 'Ada', now: new Date(T0) });
    const after = endpointOf(report([file], loadSpecs(dir, dir).specs));
    expect([after.mismatches, after.traffic.noise, after.traffic.expected]).toEqual([0, 40, 40]);
    expect(after.signatures.map((sig) => [sig.signature, sig.expected, sig.noise])).toEqual([
      [`${INVOICE} | $.generated_at value; header:x-trace header`, 0, true],
      [`${INVOICE} | $.total value`, 40, false],
    ]);
    expect(after.intentional.find((d) => d.behavior === 'other-account-hidden')?.requests_affected).toBe(40);
    expect(gateOf(after, 'shadow_correctness').status).toBe('PASS');
  });

  it('combining two stores equals one store holding both', async () => {
    const a = path.join(tempDir(), 'a.db');
    const b = path.join(tempDir(), 'b.db');
    const both = path.join(tempDir(), 'both.db');
    const [storeA, storeB, storeBoth] = [shadowStore(a), shadowStore(b), shadowStore(both)];
    const make = (i: number, at: number): Exchange => ({
      at,
      legacy: i % 7 === 0 ? 403 : 200,
      rewrite: i % 7 === 0 ? 404 : i % 211 === 0 ? 500 : 200,
      outcome: i % 7 === 0 ? 'expected' : undefined,
      differences: i % 7 === 0 ? [statusDiff] : i % 13 === 0 ? [totalDiff] : i % 211 === 0 ? [{ ...statusDiff, primary: 200, candidate: 500 }] : [],
      raw: i % 5 === 0 ? [stampDiff] : undefined,
      noise: i % 5 === 0 ? [stampDiff] : [],
      legacyMs: 5 + (i % 37),
      rewriteMs: 6 + (i % 41),
      endpoint: i % 3 === 0 ? 'GET /health' : INVOICE,
    });
    for (let i = 0; i < 6000; i++) {
      const at = T0 + Math.floor((i * 3 * DAY) / 6000);
      const record = exchange(make(i, at));
      (i % 2 === 0 ? storeA : storeB).record(record);
      storeBoth.record(exchange(make(i, at)));
    }
    await Promise.all([storeA.close(), storeB.close(), storeBoth.close()]);
    saveRun(b, '2026-11-04T00:00:00.000Z', PASSING_RUN);
    saveRun(both, '2026-11-04T00:00:00.000Z', PASSING_RUN);
    const loaded = specs();
    const combined = report([a, b], loaded);
    const single = report([both], loaded);
    const comparable = (r: ReadinessReport) => ({
      ...r,
      sources: [],
      endpoints: r.endpoints.map((e) => ({ ...e, gates: e.gates.map((g) => ({ ...g, numbers: { ...g.numbers, source: null } })) })),
    });
    expect(comparable(combined)).toEqual(comparable(single));
    expect(combined.endpoints.map((e) => [e.endpoint, e.verdict])).toEqual([
      ['GET /health', 'NOT_READY'],
      [INVOICE, 'NOT_READY'],
    ]);
    expect(endpointOf(combined).requests).toBe(4000);
    // A store named twice counts once.
    const twice = report([a, b, a], loaded);
    expect([endpointOf(twice).requests, twice.sources]).toEqual([4000, [a, b]]);
  });

  it('keeps only endpoints matching --endpoint, and reports an empty store as insufficient', () => {
    expect(endpointFilter('GET /invoices/*')(INVOICE)).toBe(true);
    expect(endpointFilter('/invoices/**')(INVOICE)).toBe(true);
    expect(endpointFilter(INVOICE)(INVOICE)).toBe(true);
    expect(endpointFilter('POST /invoices/*')(INVOICE)).toBe(false);
    expect(endpointFilter('GET /customers/**')(INVOICE)).toBe(false);

    const file = path.join(tempDir(), 'a.db');
    openStore(file).close();
    const r = report([file], specs(), { endpoint: 'GET /invoices/*' });
    expect(r.endpoints.map((e) => e.endpoint)).toEqual([INVOICE]);
    expect(r.overall).toEqual({ verdict: 'INSUFFICIENT_DATA', ready: 0, not_ready: 0, insufficient: 1 });
    expect(report([file], specs(), { endpoint: '/nothing/**' }).overall.verdict).toBe('INSUFFICIENT_DATA');
  });
});
