/**
 * The readiness report as data: what `buildReadinessReport` returns and every renderer (JSON,
 * Markdown, HTML) reads. Field names are the JSON format's, so `--format json` is this object
 * as it stands; renderers never compute verdicts, they only show them.
 */

export type GateStatus = 'PASS' | 'FAIL' | 'INSUFFICIENT';
export type Verdict = 'READY' | 'NOT_READY' | 'INSUFFICIENT_DATA';
export type GateName = 'spec' | 'spec_tests' | 'shadow_correctness' | 'errors' | 'latency' | 'coverage';

/** The gates in the order every report lists them. */
export const GATE_ORDER: readonly GateName[] = ['spec', 'spec_tests', 'shadow_correctness', 'errors', 'latency', 'coverage'];

export const GATE_TITLES: Record<GateName, string> = {
  spec: 'Spec approved',
  spec_tests: 'Spec tests',
  shadow_correctness: 'Shadow correctness',
  errors: 'Error rate',
  latency: 'Latency',
  coverage: 'Coverage',
};

export interface Gate {
  name: GateName;
  status: GateStatus;
  /** One sentence with the numbers behind the status. */
  detail: string;
  /** The numbers themselves, for machines. */
  numbers: Record<string, number | string | boolean | null>;
}

export interface Thresholds {
  /** The match rate the lower confidence bound must reach (0.999). */
  target_match_rate: number;
  /** One-sided confidence of the bounds (0.95). */
  confidence: number;
  /** How much the rewrite's error rate may exceed the legacy's (0.001 = 0.1 percentage points). */
  error_rate_margin: number;
  /** The rewrite's p99 over the legacy's at most (1.10). */
  max_p99_ratio: number;
  /** A p99 within this many ms of the legacy's passes whatever the ratio. */
  p99_slack_ms: number;
  /** Requests each side needs before latency is judged. */
  min_latency_samples: number;
  /** The share of an endpoint's requests on which the secondary may disagree with the primary on status or structure before it is not trusted as a noise reference (0.01). */
  max_secondary_divergence: number;
  /** How long an endpoint must have been shadowed, ms. */
  min_shadow_duration_ms: number;
}

export interface LatencyPercentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface StatusCell {
  legacy: number;
  /** 0: the rewrite gave no response (timeout, reset, refused). */
  rewrite: number;
  count: number;
}

export interface SignatureExcerpt {
  /** `METHOD /target` of the earliest stored sample. */
  request: string;
  legacy_status: number;
  rewrite_status: number | null;
  /** The first differences of that sample, in words. */
  differences: string[];
  at: number;
}

export interface ReportSignature {
  signature: string;
  differences: { pattern: string; kind: string }[];
  /** In the window. */
  count: number;
  /** Of `count`, explained by a fix behaviour. */
  expected: number;
  /** Every differing path of it is within the noise a second legacy instance shows (or a compare rule). */
  noise: boolean;
  /**
   * Of `count`, requests that are neither match nor mismatch: the secondary disagreed with the
   * primary on the status or the structure too (all of them when such noise is the whole signature).
   */
  inconclusive: number;
  first_seen: number;
  last_seen: number;
  sample: SignatureExcerpt | null;
}

/**
 * Differences recorded downstream of a divergence: a write of this endpoint whose outcome differed
 * between the sides (the root) left the identifiers it touched diverged, and later requests using
 * them differed. They are not counted as mismatches anywhere; the root is, on this endpoint.
 */
export interface DownstreamReport {
  /** The root's difference signature; null when it had none (`root_outcome` says what happened). */
  root_signature: string | null;
  /** mismatch, expected, candidate_error, or dropped (the mirror never sent the write). */
  root_outcome: string;
  /** The earliest such root. */
  root_at: number;
  count: number;
  /** Where the downstream differences were, most first. */
  endpoints: { endpoint: string; count: number }[];
  /** A few of their own signatures. */
  signatures: string[];
  first_seen: number;
  last_seen: number;
}

export interface IntentionalDifference {
  behavior: string;
  disposition: 'fix' | 'drop';
  says: string;
  /** The behaviour's notes: why it is fixed or dropped. */
  rationale: string | null;
  approved_by: string | null;
  approved_at: string | null;
  /** Shadowed requests classified expected because of this behaviour; null when not attributable (drop). */
  requests_affected: number | null;
}

export interface DayVerdict {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  verdict: Verdict;
  /** Evidence accumulated from the window's start to the end of this day. */
  requests: number;
  mismatches: number;
  match_rate_lower_bound: number;
  gates: { name: GateName; status: GateStatus }[];
}

export interface EndpointReport {
  endpoint: string;
  /** The spec's id, or null for traffic no spec covers. */
  spec: string | null;
  spec_file: string | null;
  verdict: Verdict;
  /** Why it is not READY, failing gates first. Empty when READY. */
  reasons: string[];
  /** Compared requests (match, mismatch, expected) in the window. */
  requests: number;
  /** Unexpected mismatches: noise and expected differences left out. */
  mismatches: number;
  /** Null without compared requests: there is nothing to bound. */
  match_rate_lower_bound: number | null;
  gates: Gate[];
  /**
   * The window's requests by outcome, as counted now (spec links and rules applied): match + noise +
   * mismatch + expected = requests; inconclusive ones are not among them.
   */
  traffic: {
    /** Answers equal as they came. */
    match: number;
    /** Answers that differed before noise was taken out: noise + inconclusive + mismatch + expected. */
    raw: number;
    /** Matched once the secondary's leaf noise (or a compare rule) was taken out: clean matches. */
    noise: number;
    /** The secondary disagreed with the primary on status or structure too: neither a match nor a mismatch, not in `requests`. */
    inconclusive: number;
    /** Unexpected mismatches (= `mismatches`). */
    mismatch: number;
    /** Explained by a fix behaviour. */
    expected: number;
    candidate_error: number;
    not_compared: number;
    /** Differences on requests that used an identifier an earlier write left diverged: counted against that root (see `downstream` on its endpoint), not here. */
    downstream: number;
    dropped: number;
    first_seen: number | null;
    last_seen: number | null;
  };
  /** With a secondary: how often it disagreed with the primary on status or structure, and whether that is more than the threshold allows. */
  secondary: { compared: number; diverged: number; drifted: boolean } | null;
  status_matrix: StatusCell[];
  latency: {
    /** The primary as the clients saw it (inline: on the clients' path). */
    legacy: LatencyPercentiles | null;
    /** The candidate as the mirror saw it. */
    rewrite: LatencyPercentiles | null;
    /** What the gate judges: the rewrite beside a reference timed the same way (the secondary, or the primary in detached mode); null without one. */
    paired: { basis: 'secondary' | 'primary'; reference: LatencyPercentiles | null; rewrite: LatencyPercentiles | null } | null;
  };
  /** Unexpected signatures first, most frequent first; at most 10. */
  signatures: ReportSignature[];
  /**
   * The unexplained differences one by one, whatever signatures they came in (a charset beside a
   * body difference is one cause and the body difference another), most requests first: what the
   * triage adds up across endpoints. At most 20.
   */
  causes: DifferenceCause[];
  /** On a root's endpoint: the differences its diverged writes caused downstream, most first. */
  downstream: DownstreamReport[];
  intentional: IntentionalDifference[];
  days: DayVerdict[];
}

/** One difference (a pattern and a kind) and the unexplained mismatching requests that showed it. */
export interface DifferenceCause {
  pattern: string;
  kind: string;
  requests: number;
  /** A stored request that showed it (from its most frequent signature). */
  sample: SignatureExcerpt | null;
}

/** What to look at first, across endpoints. */
export interface Triage {
  /** Differences by the requests they affected across all endpoints (each request counted under every cause it showed), most first; at most 10. */
  top_differences: (Omit<DifferenceCause, 'sample'> & {
    /** The endpoints showing it, most requests first. */
    endpoints: { endpoint: string; requests: number }[];
    sample: (SignatureExcerpt & { endpoint: string }) | null;
  })[];
  /** Not READY with traffic, held back by the evidence: a gate other than the spec's approval fails or needs more data. */
  blocked_by_evidence: string[];
  /** Not READY only because the spec is not approved (or there is none): every gate of evidence passes. */
  blocked_by_paperwork: string[];
  /** No shadow traffic in the window. */
  no_traffic: string[];
}

export interface ReadinessReport {
  generated_at: string;
  /** The stores read, as given. */
  sources: string[];
  window: { since: string | null; until: string };
  /** --endpoint, when given. */
  endpoint_filter: string | null;
  thresholds: Thresholds;
  /** How each gate decides, in words: printed with every report. */
  method: Record<GateName, string>;
  endpoints: EndpointReport[];
  overall: { verdict: Verdict; ready: number; not_ready: number; insufficient: number };
  triage: Triage;
}
