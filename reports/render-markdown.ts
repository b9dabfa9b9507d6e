/**
 * The readiness report as GitHub-flavoured Markdown, sized for a pull-request comment. It shows
 * the report's data and decides nothing. The number and label formatters are exported because the
 * HTML renderer must print the very same figures.
 */

import {
  GATE_TITLES,
  type EndpointReport,
  type GateName,
  type GateStatus,
  type IntentionalDifference,
  type LatencyPercentiles,
  type ReadinessReport,
  type ReportSignature,
  type StatusCell,
  type Thresholds,
  type Verdict,
} from './model.js';

export const GATE_ORDER = Object.keys(GATE_TITLES) as GateName[];

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
    ['Rewrite p99 over legacy p99 at most', `× ${thresholds.max_p99_ratio.toFixed(2)}`],
    ['p99 slack (passes whatever the ratio)', `${formatCount(thresholds.p99_slack_ms)} ms`],
    ['Requests per side before latency is judged', formatCount(thresholds.min_latency_samples)],
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

function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ');
}

/**
 * A table row. GFM splits cells on every unescaped `|`, code spans included, so each pipe is escaped
 * here; inside a table a code span's `\|` renders as a bare pipe.
 */
function tableRow(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/(?<!\\)((?:\\\\)*)\|/g, '$1\\|')).join(' | ')} |`;
}

function table(header: string[], rows: string[][], align?: ('left' | 'right')[]): string {
  const rule = header.map((_, i) => (align?.[i] === 'right' ? '---:' : '---'));
  return [tableRow(header), `| ${rule.join(' | ')} |`, ...rows.map(tableRow)].join('\n');
}

function verdictText(verdict: Verdict): string {
  return `${verdictSymbol(verdict)} ${verdictLabel(verdict)}`;
}

function gateCell(endpoint: EndpointReport, name: GateName): string {
  const gate = endpoint.gates.find((g) => g.name === name);
  return gate ? `${gateSymbol(gate.status)} ${gate.status}` : '—';
}

function header(report: ReadinessReport): string {
  const lines = [
    '# Cutover readiness',
    '',
    `**${verdictLabel(report.overall.verdict)}**: ${overallSummary(report.overall)}`,
    '',
    `- Generated: ${escapeMarkdown(report.generated_at)}`,
    `- Window: ${escapeMarkdown(formatWindow(report.window))}`,
    `- Sources: ${report.sources.length === 0 ? 'none' : report.sources.map(codeSpan).join(', ')}`,
  ];
  if (report.endpoint_filter !== null) lines.push(`- Endpoint filter: ${codeSpan(report.endpoint_filter)}`);
  return lines.join('\n');
}

function summaryTable(report: ReadinessReport): string {
  if (report.endpoints.length === 0) return '_No endpoints in the window._';
  const head = ['Endpoint', 'Verdict', 'Requests', 'Mismatches', 'Match-rate lower bound', ...GATE_ORDER.map((name) => GATE_TITLES[name])];
  const rows = report.endpoints.map((endpoint) => [
    escapeMarkdown(endpoint.endpoint),
    verdictText(endpoint.verdict),
    formatCount(endpoint.requests),
    formatCount(endpoint.mismatches),
    formatLowerBound(endpoint.match_rate_lower_bound),
    ...GATE_ORDER.map((name) => gateCell(endpoint, name)),
  ]);
  return table(head, rows, ['left', 'left', 'right', 'right', 'right']);
}

function specLine(endpoint: EndpointReport): string {
  if (endpoint.spec === null) return 'Spec: none covers this traffic.';
  return `Spec: ${codeSpan(endpoint.spec)}${endpoint.spec_file === null ? '' : ` in ${codeSpan(endpoint.spec_file)}`}`;
}

function trafficLine(traffic: EndpointReport['traffic']): string {
  const counts = [
    `${formatCount(traffic.match)} match`,
    `${formatCount(traffic.mismatch)} mismatch`,
    `${formatCount(traffic.expected)} expected`,
    `${formatCount(traffic.noise)} noise`,
    `${formatCount(traffic.candidate_error)} candidate error`,
    `${formatCount(traffic.not_compared)} not compared`,
    `${formatCount(traffic.dropped)} dropped`,
  ].join(' · ');
  const seen =
    traffic.first_seen === null || traffic.last_seen === null
      ? 'no traffic seen'
      : `first seen ${formatInstant(traffic.first_seen)}, last seen ${formatInstant(traffic.last_seen)}`;
  return `Traffic: ${counts}; ${seen}.`;
}

function statusMatrix(cells: StatusCell[]): string {
  if (cells.length === 0) return '_No compared responses._';
  const axes = statusMatrixAxes(cells);
  const head = ['legacy ↓ · rewrite →', ...axes.rewrite.map(formatStatus)];
  const rows = axes.legacy.map((legacy) => [
    `**${formatStatus(legacy)}**`,
    ...axes.rewrite.map((rewrite) => {
      const count = axes.count(legacy, rewrite);
      return count === 0 ? '·' : formatCount(count);
    }),
  ]);
  return table(
    head,
    rows,
    head.map((_, i) => (i === 0 ? 'left' : 'right')),
  );
}

function latencyTable(latency: EndpointReport['latency']): string {
  if (latency.legacy === null && latency.rewrite === null) return '_No latency data._';
  const value = (side: LatencyPercentiles | null, key: (typeof LATENCY_ROWS)[number]): string => (side === null ? '—' : formatMs(side[key]));
  const rows = LATENCY_ROWS.map((key) => [key, value(latency.legacy, key), value(latency.rewrite, key)]);
  rows.push([
    'samples',
    latency.legacy === null ? '—' : formatCount(latency.legacy.count),
    latency.rewrite === null ? '—' : formatCount(latency.rewrite.count),
  ]);
  return table(['', 'Legacy', 'Rewrite'], rows, ['left', 'right', 'right']);
}

function signatureDifferences(signature: ReportSignature): string {
  return signature.differences.map((d) => `${codeSpan(d.pattern)} (${escapeMarkdown(d.kind)})`).join(', ');
}

function signatures(list: ReportSignature[]): string {
  if (list.length === 0) return '_No differences._';
  const rows = list.map((signature, i) => [
    String(i + 1),
    signature.differences.length === 0 ? codeSpan(signature.signature) : signatureDifferences(signature),
    formatCount(signature.count),
    formatCount(signature.expected),
    signature.noise ? 'noise' : 'no',
    formatInstant(signature.first_seen),
    formatInstant(signature.last_seen),
  ]);
  const summary = table(['#', 'Differences', 'Count', 'Expected', 'Noise', 'First seen', 'Last seen'], rows, ['right', 'left', 'right', 'right']);
  const samples = list.flatMap((signature, i) => {
    if (signature.sample === null) return [];
    const sample = signature.sample;
    return [
      `- **#${i + 1}** ${codeSpan(sample.request)}: legacy ${formatStatus(sample.legacy_status)}, rewrite ${formatStatus(sample.rewrite_status)}, at ${formatInstant(sample.at)}`,
      ...sample.differences.map((difference) => `  - ${codeSpan(difference)}`),
    ];
  });
  return samples.length === 0 ? summary : `${summary}\n\nSamples (the earliest stored request of each):\n\n${samples.join('\n')}`;
}

function intentional(list: IntentionalDifference[]): string {
  const rows = list.map((d) => [
    codeSpan(d.behavior),
    d.disposition,
    escapeMarkdown(d.says),
    d.rationale === null ? '—' : escapeMarkdown(d.rationale),
    escapeMarkdown(approvalText(d)),
    requestsAffectedText(d),
  ]);
  return table(['Behaviour', 'Disposition', 'Says', 'Rationale', 'Approved', 'Requests affected'], rows, ['left', 'left', 'left', 'left', 'left', 'right']);
}

function days(list: EndpointReport['days']): string {
  if (list.length === 0) return '_No days in the window._';
  const rows = list.map((day) => [
    day.day,
    verdictText(day.verdict),
    formatCount(day.requests),
    formatCount(day.mismatches),
    formatLowerBound(day.match_rate_lower_bound),
  ]);
  return table(['Day', 'Verdict', 'Requests', 'Mismatches', 'Lower bound'], rows, ['left', 'left', 'right', 'right', 'right']);
}

function endpointSection(endpoint: EndpointReport): string {
  const parts = [`## ${escapeMarkdown(endpoint.endpoint)} — ${verdictText(endpoint.verdict)}`, specLine(endpoint)];
  if (endpoint.verdict !== 'READY' && endpoint.reasons.length > 0) {
    parts.push(endpoint.reasons.map((reason) => `- ${escapeMarkdown(reason)}`).join('\n'));
  }
  parts.push(
    table(
      ['Gate', 'Status', 'Detail'],
      endpoint.gates.map((gate) => [GATE_TITLES[gate.name], `${gateSymbol(gate.status)} ${gate.status}`, escapeMarkdown(gate.detail)]),
    ),
    trafficLine(endpoint.traffic),
    '### Status codes',
    statusMatrix(endpoint.status_matrix),
    '### Latency',
    latencyTable(endpoint.latency),
    '### Top difference signatures',
    signatures(endpoint.signatures),
  );
  if (endpoint.intentional.length > 0) parts.push('### Intentional differences', intentional(endpoint.intentional));
  parts.push('### Readiness over time', days(endpoint.days));
  return parts.join('\n\n');
}

function thresholdsAndMethod(report: ReadinessReport): string {
  const thresholds = thresholdRows(report.thresholds).map(([name, value]) => `- ${name}: ${value}`);
  const method = GATE_ORDER.map((name) => `- **${GATE_TITLES[name]}**: ${escapeMarkdown(report.method[name])}`);
  return ['## Thresholds and method', '### Thresholds', thresholds.join('\n'), '### How each gate decides', method.join('\n')].join('\n\n');
}

export function renderMarkdown(report: ReadinessReport): string {
  return [header(report), summaryTable(report), ...report.endpoints.map(endpointSection), thresholdsAndMethod(report)].join('\n\n') + '\n';
}
