/**
 * The figures and labels both renderers print, so Markdown and HTML show the very same numbers,
 * and the gate details use them too. Pure formatting: nothing here decides anything.
 */
import type {
  DownstreamReport,
  EndpointReport,
  GateStatus,
  IntentionalDifference,
  LatencyPercentiles,
  ReadinessReport,
  ReportSignature,
  StatusCell,
  Thresholds,
  Verdict,
} from './model.js';

const VERDICT_LABELS: Record<Verdict, string> = { READY: 'READY', NOT_READY: 'NOT READY', INSUFFICIENT_DATA: 'INSUFFICIENT DATA' };
const VERDICT_SYMBOLS: Record<Verdict, string> = { READY: '✅', NOT_READY: '❌', INSUFFICIENT_DATA: '⏳' };
const GATE_SYMBOLS: Record<GateStatus, string> = { PASS: '✅', FAIL: '❌', INSUFFICIENT: '⏳' };

export function verdictLabel(verdict: Verdict): string {
  return VERDICT_LABELS[verdict];
}

export function verdictSymbol(verdict: Verdict): string {
  return VERDICT_SYMBOLS[verdict];
}

export function gateSymbol(status: GateStatus): string {
  return GATE_SYMBOLS[status];
}

/** `12,345`: grouped by hand so the output does not depend on the machine's locale. */
export function formatCount(n: number): string {
  const [whole = '', fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/**
 * A match-rate lower bound as `99.912 %`. Rounded down, never up: a bound of 0.9989996 printed as
 * 99.900 % would look like it meets a 99.9 % target it actually misses.
 */
/** An endpoint's match-rate bound: none without compared requests ("no traffic" when nothing was seen at all). */
export function endpointBoundText(endpoint: EndpointReport): string {
  if (endpoint.match_rate_lower_bound !== null) return formatLowerBound(endpoint.match_rate_lower_bound);
  return endpoint.traffic.first_seen === null ? 'no traffic' : 'none compared';
}

export function formatLowerBound(rate: number): string {
  // The epsilon absorbs binary noise such as 0.999 * 1e5 = 99899.99999999999.
  const thousandths = Math.floor(rate * 100_000 + 1e-6);
  return `${(thousandths / 1000).toFixed(3)} %`;
}

/** A configured percentage such as 99.9 % or 95 %: as precise as it was given, up to 3 decimals. */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(3))} %`;
}

/** Latency in ms with precision that suits its size: 0.42 ms, 12.3 ms, 1,204 ms. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${formatCount(Math.round(ms))} ms`;
}

/** An epoch-ms instant as ISO 8601 UTC to the second: sub-second precision is noise in a report. */
export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return plural(ms / size, unit);
  }
  return `${formatCount(ms)} ms`;
}

/** `1 day`, `12,345 requests`: the count grouped. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${n === 1 ? word : `${word}s`}`;
}

/** HTTP status as shown in the status matrix: 0 is how the model says the rewrite never answered. */
export function formatStatus(status: number | null): string {
  return status === null || status === 0 ? 'no answer' : String(status);
}

export function formatWindow(window: ReadinessReport['window']): string {
  return window.since === null ? `all recorded traffic (until ${window.until})` : `${window.since} .. ${window.until}`;
}

export function overallSummary(overall: ReadinessReport['overall']): string {
  return `${formatCount(overall.not_ready)} not ready, ${formatCount(overall.ready)} ready, ${formatCount(overall.insufficient)} insufficient data`;
}

/** Statuses sorted numerically with "no answer" (0) last, where a reader looks for it. */
export function sortedStatuses(statuses: Iterable<number>): number[] {
  const rank = (s: number): number => (s === 0 ? Number.MAX_SAFE_INTEGER : s);
  return [...new Set(statuses)].sort((a, b) => rank(a) - rank(b));
}

export function statusMatrixAxes(cells: StatusCell[]): { legacy: number[]; rewrite: number[]; count: (legacy: number, rewrite: number) => number } {
  const counts = new Map(cells.map((cell) => [`${cell.legacy}:${cell.rewrite}`, cell.count]));
  return {
    legacy: sortedStatuses(cells.map((cell) => cell.legacy)),
    rewrite: sortedStatuses(cells.map((cell) => cell.rewrite)),
    count: (legacy, rewrite) => counts.get(`${legacy}:${rewrite}`) ?? 0,
  };
}

export const LATENCY_ROWS = ['p50', 'p95', 'p99', 'max'] as const satisfies readonly (keyof LatencyPercentiles)[];

/** What a divergence root was, when it has no signature to show. */
export function rootOutcomeText(outcome: string): string {
  if (outcome === 'dropped') return 'a write the mirror queue dropped (the candidate never got it)';
  if (outcome === 'candidate_error') return 'a write the candidate did not answer';
  return `a write recorded ${outcome}`;
}

/** "GET /invoices/{invoice_id} 12, POST /payments 2". */
export function downstreamEndpointsText(downstream: DownstreamReport): string {
  return downstream.endpoints.map((e) => `${e.endpoint} ${formatCount(e.count)}`).join(', ');
}

export function approvalText(difference: IntentionalDifference): string {
  if (difference.approved_by === null && difference.approved_at === null) return 'not approved';
  return [difference.approved_by && `by ${difference.approved_by}`, difference.approved_at && `at ${difference.approved_at}`].filter(Boolean).join(' ');
}

export function requestsAffectedText(difference: IntentionalDifference): string {
  return difference.requests_affected === null ? 'not attributed' : formatCount(difference.requests_affected);
}

export function thresholdRows(thresholds: Thresholds): [string, string][] {
  return [
    ['Target match rate (lower confidence bound at least)', formatPercent(thresholds.target_match_rate)],
    ['Confidence of the bounds (one-sided)', formatPercent(thresholds.confidence)],
    ['Error-rate margin (rewrite over legacy at most)', `${Number((thresholds.error_rate_margin * 100).toFixed(3))} percentage points`],
    ["Rewrite p50 and p99 over the reference's at most", `× ${thresholds.max_p99_ratio.toFixed(2)}`],
    ['Latency slack (passes whatever the ratio)', `${formatCount(thresholds.p99_slack_ms)} ms`],
    ['Requests per side before latency is judged', formatCount(thresholds.min_latency_samples)],
    ['Secondary disagreeing on status or structure at most (else drifted)', formatPercent(thresholds.max_secondary_divergence)],
    ['Minimum shadowing time', formatDuration(thresholds.min_shadow_duration_ms)],
  ];
}

/** Escapes text for Markdown outside code spans. One line only: a newline would end a table row or list item. */
export function escapeMarkdown(text: string): string {
  return (
    oneLine(text)
      .replace(/[\\`*[\]<>|~&]/g, (c) => `\\${c}`)
      // An underscore inside a word never starts emphasis in GFM; leaving it keeps `{customer_id}` readable.
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
      .replace(/^([#+=-])/, '\\$1')
  );
}

/** A code span whose fence is longer than any backtick run inside, so the content cannot close it. */
export function codeSpan(text: string): string {
  const content = oneLine(text);
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = content.startsWith('`') || content.endsWith('`') || content === '' ? ` ${content} ` : content;
  return `${fence}${padded}${fence}`;
}

export function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ');
}

/** The traffic counts every report shows, in order: raw differences split into noise, inconclusive and unexpected. */
export function trafficCounts(traffic: EndpointReport['traffic']): [string, number][] {
  return [
    ['match', traffic.match],
    ['raw differences', traffic.raw],
    ['noise (matched once left out)', traffic.noise],
    ['inconclusive', traffic.inconclusive],
    ['unexpected mismatch', traffic.mismatch],
    ['expected', traffic.expected],
    ['candidate error', traffic.candidate_error],
    ['not compared', traffic.not_compared],
    ['downstream', traffic.downstream],
    ['dropped', traffic.dropped],
  ];
}

/** A signature's noise column: inconclusive noise is named as such. */
export function noiseLabel(signature: ReportSignature): string {
  if (signature.noise && signature.inconclusive > 0) return 'inconclusive';
  if (signature.noise) return 'noise';
  return signature.inconclusive > 0 ? `${formatCount(signature.inconclusive)} inconclusive` : 'no';
}

/** The secondary's faithfulness on an endpoint, in one sentence; null without a secondary. */
export function secondaryLine(secondary: EndpointReport['secondary']): string | null {
  if (secondary === null) return null;
  const share = `${formatCount(secondary.diverged)} of ${formatCount(secondary.compared)} requests`;
  return secondary.drifted
    ? `Secondary: DRIFTED. It disagreed with the primary on status or structure on ${share}: it is not a replica of the primary here, so its noise cannot be trusted and correctness is at most INSUFFICIENT.`
    : `Secondary: disagreed with the primary on status or structure on ${share}.`;
}

/** The latency columns a report shows: the sides as recorded and, when there is one, the like-for-like pair the gate judges. */
export function latencyColumns(latency: EndpointReport['latency']): { title: string; side: LatencyPercentiles | null }[] {
  const columns = [
    { title: 'Legacy', side: latency.legacy },
    { title: 'Rewrite', side: latency.rewrite },
  ];
  if (latency.paired === null) return columns;
  const reference = latency.paired.basis === 'secondary' ? 'Secondary (judged)' : 'Legacy beside it (judged)';
  return [...columns, { title: reference, side: latency.paired.reference }, { title: 'Rewrite beside it (judged)', side: latency.paired.rewrite }];
}
