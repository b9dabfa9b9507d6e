/**
 * A readiness report as `buildReadinessReport` could return it: one endpoint READY after a week of
 * shadowing, one NOT_READY on shadow correctness whose recorded traffic holds markup and pipes,
 * and one with no traffic at all.
 */

import type { DayVerdict, Gate, GateName, GateStatus, ReadinessReport, Verdict } from '../../reports/model.js';

const at = (iso: string): number => Date.parse(iso);

/** The probe recorded traffic may carry: it must come out of every renderer as inert text. */
export const SCRIPT_PROBE = '<script>alert("x")</script>';

function dayGates(statuses: Partial<Record<GateName, GateStatus>>): DayVerdict['gates'] {
  const names: GateName[] = ['spec', 'spec_tests', 'shadow_correctness', 'errors', 'latency', 'coverage'];
  return names.map((name) => ({ name, status: statuses[name] ?? 'PASS' }));
}

function day(
  date: string,
  verdict: Verdict,
  requests: number,
  mismatches: number,
  bound: number,
  statuses: Partial<Record<GateName, GateStatus>> = {},
): DayVerdict {
  return { day: date, verdict, requests, mismatches, match_rate_lower_bound: bound, gates: dayGates(statuses) };
}

function gate(name: GateName, status: GateStatus, detail: string, numbers: Gate['numbers'] = {}): Gate {
  return { name, status, detail, numbers };
}

export const fixtureReport: ReadinessReport = {
  generated_at: '2025-03-08T09:15:02Z',
  sources: ['.parity/shadow.db', '.parity/shadow-eu.db'],
  window: { since: '2025-03-01T00:00:00Z', until: '2025-03-08T00:00:00Z' },
  endpoint_filter: null,
  thresholds: {
    target_match_rate: 0.999,
    confidence: 0.95,
    error_rate_margin: 0.001,
    max_p99_ratio: 1.1,
    p99_slack_ms: 5,
    min_latency_samples: 1000,
    max_secondary_divergence: 0.01,
    min_shadow_duration_ms: 604_800_000,
  },
  method: {
    spec: 'The endpoint has a spec whose status is approved.',
    spec_tests: 'Every spec test passed against the rewrite in the latest run.',
    shadow_correctness: 'The one-sided 95 % Clopper-Pearson lower bound of the match rate reaches the target; noise and expected differences are left out.',
    errors: 'The rewrite’s 5xx-or-no-answer rate exceeds the legacy’s by no more than the margin.',
    latency: 'The rewrite’s p99 is within the ratio of the legacy’s, or within the slack.',
    coverage: 'The endpoint has been shadowed for at least the minimum duration.',
  },
  endpoints: [
    {
      endpoint: 'GET /customers/{customer_id}',
      spec: 'customers.get',
      spec_file: 'specs/customers.yaml',
      verdict: 'READY',
      reasons: [],
      requests: 48_210,
      mismatches: 2,
      match_rate_lower_bound: 0.999902,
      gates: [
        gate('spec', 'PASS', 'Spec customers.get is approved (by dana, 2025-02-20).'),
        gate('spec_tests', 'PASS', '42 of 42 spec tests passed on 2025-03-07.', { passed: 42, failed: 0 }),
        gate('shadow_correctness', 'PASS', 'Lower bound 99.990 % ≥ 99.9 % (2 mismatches in 48,210 requests).', { lower_bound: 0.999902 }),
        gate('errors', 'PASS', 'Rewrite error rate 0.010 % vs legacy 0.012 %.'),
        gate('latency', 'PASS', 'Rewrite p99 41.2 ms vs legacy p99 58.9 ms (ratio 0.70).'),
        gate('coverage', 'PASS', 'Shadowed for 7 days (7 days required).'),
      ],
      traffic: {
        match: 47_890,
        raw: 361,
        inconclusive: 0,
        mismatch: 2,
        expected: 318,
        noise: 41,
        candidate_error: 0,
        not_compared: 12,
        downstream: 0,
        dropped: 0,
        first_seen: at('2025-03-01T00:00:04Z'),
        last_seen: at('2025-03-07T23:59:58Z'),
      },
      secondary: null,
      status_matrix: [
        { legacy: 200, rewrite: 200, count: 47_990 },
        { legacy: 404, rewrite: 404, count: 218 },
        { legacy: 404, rewrite: 200, count: 2 },
      ],
      latency: {
        legacy: { count: 48_210, p50: 12.4, p95: 38.7, p99: 58.9, max: 412.3 },
        rewrite: { count: 48_210, p50: 6.81, p95: 22.5, p99: 41.2, max: 198 },
        paired: null,
      },
      signatures: [
        {
          signature: 'value:$.updated_at',
          differences: [{ pattern: '$.updated_at', kind: 'value' }],
          count: 41,
          expected: 0,
          noise: true,
          inconclusive: 0,
          first_seen: at('2025-03-01T03:12:00Z'),
          last_seen: at('2025-03-07T21:40:11Z'),
          sample: {
            request: 'GET /customers/1042',
            legacy_status: 200,
            rewrite_status: 200,
            differences: ['$.updated_at: legacy "2025-03-01T03:11:59.812Z", rewrite "2025-03-01T03:11:59.813Z"'],
            at: at('2025-03-01T03:12:00Z'),
          },
        },
      ],
      downstream: [],
      intentional: [
        {
          behavior: 'customers.get.trailing-slash-404',
          disposition: 'drop',
          says: 'GET /customers/{customer_id}/ answers 404 instead of redirecting.',
          rationale: null,
          approved_by: 'dana',
          approved_at: '2025-02-20',
          requests_affected: null,
        },
      ],
      days: [
        day('2025-03-01', 'INSUFFICIENT_DATA', 5_980, 0, 0.9995, { coverage: 'INSUFFICIENT' }),
        day('2025-03-02', 'INSUFFICIENT_DATA', 12_410, 1, 0.99962, { coverage: 'INSUFFICIENT' }),
        day('2025-03-03', 'INSUFFICIENT_DATA', 19_030, 1, 0.99975, { coverage: 'INSUFFICIENT' }),
        day('2025-03-04', 'INSUFFICIENT_DATA', 26_220, 2, 0.99976, { coverage: 'INSUFFICIENT' }),
        day('2025-03-05', 'INSUFFICIENT_DATA', 33_115, 2, 0.99981, { coverage: 'INSUFFICIENT' }),
        day('2025-03-06', 'INSUFFICIENT_DATA', 40_870, 2, 0.99985, { coverage: 'INSUFFICIENT' }),
        day('2025-03-07', 'READY', 48_210, 2, 0.999902),
      ],
    },
    {
      endpoint: 'POST /invoices',
      spec: 'invoices.create',
      spec_file: 'specs/invoices.yaml',
      verdict: 'NOT_READY',
      reasons: [
        'Shadow correctness: lower bound 98.862 % is below the 99.9 % target (37 unexpected mismatches in 4,120 requests).',
        'Error rate: rewrite 0.364 % vs legacy 0.000 %, over the 0.1 point margin.',
      ],
      requests: 4_120,
      mismatches: 37,
      match_rate_lower_bound: 0.988624,
      gates: [
        gate('spec', 'PASS', 'Spec invoices.create is approved (by lee, 2025-02-26).'),
        gate('spec_tests', 'PASS', '18 of 18 spec tests passed on 2025-03-07.'),
        gate('shadow_correctness', 'FAIL', 'Lower bound 98.862 % < 99.9 % (37 mismatches in 4,120 requests).', { lower_bound: 0.988624, mismatches: 37 }),
        gate('errors', 'FAIL', 'Rewrite error rate 0.364 % (12 × 500, 3 no answer) vs legacy 0.000 %: over the 0.1 point margin.'),
        gate('latency', 'PASS', 'Rewrite p99 96.0 ms vs legacy p99 91.5 ms (ratio 1.05).'),
        gate('coverage', 'PASS', 'Shadowed for 7 days (7 days required).'),
      ],
      traffic: {
        match: 3_871,
        raw: 249,
        inconclusive: 0,
        mismatch: 37,
        expected: 212,
        noise: 0,
        candidate_error: 3,
        not_compared: 0,
        downstream: 0,
        dropped: 5,
        first_seen: at('2025-03-01T08:02:17Z'),
        last_seen: at('2025-03-07T18:44:09Z'),
      },
      secondary: null,
      status_matrix: [
        { legacy: 201, rewrite: 201, count: 4_080 },
        { legacy: 201, rewrite: 500, count: 12 },
        { legacy: 422, rewrite: 422, count: 25 },
        { legacy: 201, rewrite: 0, count: 3 },
      ],
      latency: {
        legacy: { count: 4_120, p50: 24.1, p95: 71.3, p99: 91.5, max: 310.7 },
        rewrite: { count: 4_117, p50: 19.6, p95: 80.2, p99: 96, max: 1_204.4 },
        paired: null,
      },
      signatures: [
        {
          signature: "value:$.memo|missing:$.tags['a|b']",
          differences: [
            { pattern: '$.memo', kind: 'value' },
            { pattern: "$.tags['a|b']", kind: 'missing' },
          ],
          count: 25,
          expected: 0,
          noise: false,
          inconclusive: 0,
          first_seen: at('2025-03-01T09:30:00Z'),
          last_seen: at('2025-03-07T17:05:42Z'),
          sample: {
            request: 'POST /invoices?customer=1042&draft=`true`',
            legacy_status: 201,
            rewrite_status: 201,
            differences: [`$.memo: legacy "${SCRIPT_PROBE}", rewrite "&lt;script&gt;"`, `$.tags['a|b']: missing in the rewrite`],
            at: at('2025-03-01T09:30:00Z'),
          },
        },
        {
          signature: 'status',
          differences: [{ pattern: 'status', kind: 'status' }],
          count: 12,
          expected: 0,
          noise: false,
          inconclusive: 0,
          first_seen: at('2025-03-02T11:00:00Z'),
          last_seen: at('2025-03-06T16:20:00Z'),
          sample: {
            request: 'POST /invoices',
            legacy_status: 201,
            rewrite_status: 500,
            differences: ['status: legacy 201, rewrite 500'],
            at: at('2025-03-02T11:00:00Z'),
          },
        },
        {
          signature: 'value:$.total',
          differences: [{ pattern: '$.total', kind: 'value' }],
          count: 212,
          expected: 212,
          noise: false,
          inconclusive: 0,
          first_seen: at('2025-03-01T08:02:17Z'),
          last_seen: at('2025-03-07T18:44:09Z'),
          sample: null,
        },
      ],
      downstream: [
        {
          root_signature: 'POST /invoices | status status',
          root_outcome: 'mismatch',
          root_at: at('2025-03-02T11:00:00Z'),
          count: 14,
          endpoints: [
            { endpoint: 'GET /invoices/{invoice_id}', count: 12 },
            { endpoint: 'POST /payments', count: 2 },
          ],
          signatures: ['GET /invoices/{invoice_id} | status status', `POST /payments | $.error.message ${SCRIPT_PROBE}`],
          first_seen: at('2025-03-02T11:00:03Z'),
          last_seen: at('2025-03-06T16:21:00Z'),
        },
        {
          root_signature: null,
          root_outcome: 'dropped',
          root_at: at('2025-03-03T10:00:00Z'),
          count: 1,
          endpoints: [{ endpoint: 'GET /invoices/{invoice_id}', count: 1 }],
          signatures: ['GET /invoices/{invoice_id} | status status'],
          first_seen: at('2025-03-03T10:00:01Z'),
          last_seen: at('2025-03-03T10:00:01Z'),
        },
      ],
      intentional: [
        {
          behavior: 'invoices.create.rounding',
          disposition: 'fix',
          says: 'Totals round half-even to cents instead of truncating.',
          rationale: 'The legacy truncation under-bills by up to a cent per line; finance asked for it to be fixed (FIN-212).',
          approved_by: 'lee',
          approved_at: '2025-02-26',
          requests_affected: 212,
        },
      ],
      days: [
        day('2025-03-01', 'NOT_READY', 610, 9, 0.97421, { shadow_correctness: 'FAIL', coverage: 'INSUFFICIENT' }),
        day('2025-03-02', 'NOT_READY', 1_240, 15, 0.98101, { shadow_correctness: 'FAIL', errors: 'FAIL', coverage: 'INSUFFICIENT' }),
        day('2025-03-03', 'NOT_READY', 1_830, 20, 0.98412, { shadow_correctness: 'FAIL', errors: 'FAIL', coverage: 'INSUFFICIENT' }),
        day('2025-03-07', 'NOT_READY', 4_120, 37, 0.988624, { shadow_correctness: 'FAIL', errors: 'FAIL' }),
      ],
    },
    {
      endpoint: 'DELETE /customers/{customer_id}/notes/{note_id}',
      spec: null,
      spec_file: null,
      verdict: 'INSUFFICIENT_DATA',
      reasons: ['No spec covers this endpoint.', 'No shadowed traffic in the window.'],
      requests: 0,
      mismatches: 0,
      match_rate_lower_bound: null,
      gates: [
        gate('spec', 'FAIL', 'No spec covers DELETE /customers/{customer_id}/notes/{note_id}.'),
        gate('spec_tests', 'INSUFFICIENT', 'No spec tests to run.'),
        gate('shadow_correctness', 'INSUFFICIENT', 'No compared requests.'),
        gate('errors', 'INSUFFICIENT', 'No compared requests.'),
        gate('latency', 'INSUFFICIENT', 'No latency samples (1,000 per side required).'),
        gate('coverage', 'INSUFFICIENT', 'Never shadowed.'),
      ],
      traffic: {
        match: 0,
        raw: 0,
        inconclusive: 0,
        mismatch: 0,
        expected: 0,
        noise: 0,
        candidate_error: 0,
        not_compared: 0,
        downstream: 0,
        dropped: 0,
        first_seen: null,
        last_seen: null,
      },
      secondary: null,
      status_matrix: [],
      latency: { legacy: null, rewrite: null, paired: null },
      signatures: [],
      downstream: [],
      intentional: [],
      days: [],
    },
  ],
  overall: { verdict: 'NOT_READY', ready: 1, not_ready: 1, insufficient: 1 },
};
