/**
 * The dashboard's HTTP API: what each JSON endpoint answers. The server (server.ts) builds these
 * from the stores and the specs; the page (assets/app.js) only renders them. Times are ms since
 * the epoch; rates are fractions.
 *
 *   GET  /api/overview?window=W                       Overview
 *   GET  /api/endpoint?endpoint=E&window=W            EndpointDetail
 *   GET  /api/samples?endpoint=E&signature=S          SamplesResponse
 *   POST /api/marks         {endpoint, signature, mark, behavior?}   MarkResult
 *   POST /api/marks/undo    {endpoint, signature}                    MarkResult
 *   GET  /api/events        text/event-stream: `event: changed` whenever a store or spec changes
 *
 * POSTs need `Content-Type: application/json` and the `X-Parity-Csrf` header holding the token
 * the page carries in `<meta name="parity-csrf">`; errors answer `{ "error": message }` with 4xx.
 */
import type { DownstreamReport, Gate, Verdict } from '../../reports/model.js';
import type { SpecStatus } from '../spec/status.js';

export const WINDOWS = ['1h', '24h', '7d', '30d', 'all'] as const;
export type WindowName = (typeof WINDOWS)[number];

export interface OverviewEndpoint {
  endpoint: string;
  spec: { id: string; status: SpecStatus; file: string } | null;
  /** Compared requests in the window: match + noise + mismatch + expected (inconclusive ones are not). */
  requests: number;
  match: number;
  /** Unexpected mismatches: not explained by a fix, not noise. */
  diverged: number;
  expected: number;
  /** Requests whose answers differed before noise was left out. */
  raw: number;
  /** Matched once the secondary's leaf noise (or a compare rule) was left out. */
  noise: number;
  /** The secondary disagreed with the primary on status or structure too: neither match nor mismatch. */
  inconclusive: number;
  /** With a secondary: how often it disagreed with the primary on status or structure; drifted above the threshold. */
  secondary: { compared: number; diverged: number; drifted: boolean } | null;
  candidate_error: number;
  not_compared: number;
  /** Differences on requests that used an identifier an earlier write left diverged: counted against that write's endpoint. */
  downstream: number;
  dropped: number;
  /** (requests - diverged) / requests; null without requests. */
  match_rate: number | null;
  /** Two-sided 95 % Wilson interval of the match rate. */
  interval: { lower: number; upper: number };
  /** Hourly (windows up to 7d) or daily buckets over the window, oldest first. */
  trend: { at: number; requests: number; diverged: number }[];
  latency: { legacy: { p50: number; p99: number } | null; rewrite: { p50: number; p99: number } | null };
  /** 5xx share of the legacy's answers; 5xx-or-no-answer share of the rewrite's. */
  error_rate: { legacy: number | null; rewrite: number | null };
  latest_test: { passed: boolean; rewrite_failures: number; finished_at: string } | null;
  verdict: Verdict;
}

export interface Overview {
  generated_at: number;
  window: WindowName;
  /** Start of the window (hour-aligned), or null for everything. */
  since: number | null;
  sources: string[];
  endpoints: OverviewEndpoint[];
}

export interface BehaviorView {
  id: string;
  says: string;
  disposition: 'preserve' | 'fix' | 'drop' | 'undecided';
  evidence: string[];
  notes: string | null;
}

export type MarkKind = 'noise' | 'expected' | 'bug';

export interface SignatureMark {
  mark: MarkKind;
  /** The fix behaviour an `expected` mark links the signature to. */
  behavior: string | null;
  at: number;
}

export interface SignatureView {
  /** The signature text: the key of samples and marks. */
  signature: string;
  differences: { pattern: string; kind: string }[];
  count: number;
  expected: number;
  /** count - expected - inconclusive, unless noise. */
  unexpected: number;
  /** Left out of the mismatches: within the secondary's noise, or every path ignored by the spec's compare rules. */
  noise: boolean;
  /** Requests of it the secondary could not judge (it disagreed with the primary on status or structure too). */
  inconclusive: number;
  mark: SignatureMark | null;
  first_seen: number;
  last_seen: number;
  /** Stored samples of it. */
  samples: number;
}

export interface PathView {
  pattern: string;
  kind: string;
  /** Compared requests where primary and candidate differed at this path. */
  raw: number;
  /** Requests where primary and secondary differed at this path. */
  noise: number;
  raw_rate: number;
  noise_rate: number;
  /** Diffy's rule: raw clearly exceeds noise. */
  reportable: boolean;
}

export interface EndpointDetail {
  window: WindowName;
  summary: OverviewEndpoint;
  spec: {
    id: string;
    file: string;
    status: SpecStatus;
    reasons: string[];
    approval: { by: string; at: string } | null;
    behaviors: BehaviorView[];
  } | null;
  gates: Gate[];
  reasons: string[];
  /** Most unexpected first. */
  signatures: SignatureView[];
  /** Sorted by pattern: the page builds the field tree from the patterns. */
  paths: PathView[];
  status_matrix: { legacy: number; rewrite: number; count: number }[];
  /** What this endpoint's diverged writes caused downstream, most first (the report's model). */
  downstream: DownstreamReport[];
}

export interface SampleBodyView {
  /** The body as text when it was stored as UTF-8. */
  text: string | null;
  base64: string | null;
  size: number;
  truncated: boolean;
}

export interface SampleResponseView {
  status: number;
  headers: Record<string, string | string[]>;
  body: SampleBodyView | null;
  duration_ms: number;
}

export interface SampleView {
  at: number;
  outcome: string;
  request: { method: string; target: string; headers: Record<string, string | string[]>; body: SampleBodyView | null };
  primary: SampleResponseView;
  candidate: SampleResponseView | { error: string; duration_ms: number } | null;
  secondary: SampleResponseView | { error: string; duration_ms: number } | null;
  /** Primary vs candidate: `path` is concrete (`$.items[3].id`), `pattern` wildcarded. */
  differences: { kind: string; path: string; pattern: string; primary?: unknown; candidate?: unknown }[];
  noise: { kind: string; path: string; pattern: string }[];
}

export interface SamplesResponse {
  endpoint: string;
  signature: string;
  samples: SampleView[];
}

export interface MarkRequest {
  endpoint: string;
  signature: string;
  mark: MarkKind;
  /** Required for `expected`: a fix behaviour of the endpoint's spec. */
  behavior?: string;
}

export interface MarkResult {
  endpoint: string;
  signature: string;
  /** The mark now in force (null after undo). */
  mark: SignatureMark | null;
  /** The spec file changed, as shown to the user; null when it did not change. */
  spec_file: string | null;
  /** What changed in it, in words. */
  change: string | null;
}
