/**
 * The readiness report as GitHub-flavoured Markdown, sized for a pull-request comment. It shows
 * the report's data and decides nothing. The number and label formatters are exported because the
 * HTML renderer must print the very same figures.
 */

import {
  GATE_ORDER,
  GATE_TITLES,
  type DownstreamReport,
  type EndpointReport,
  type GateName,
  type IntentionalDifference,
  type LatencyPercentiles,
  type ReadinessReport,
  type ReportSignature,
  type StatusCell,
  type Verdict,
} from './model.js';
import {
  approvalText,
  endpointBoundText,
  downstreamEndpointsText,
  codeSpan,
  escapeMarkdown,
  formatCount,
  formatInstant,
  formatLowerBound,
  formatMs,
  formatStatus,
  formatWindow,
  gateSymbol,
  LATENCY_ROWS,
  latencyColumns,
  noiseLabel,
  overallSummary,
  requestsAffectedText,
  rootOutcomeText,
  secondaryLine,
  statusMatrixAxes,
  thresholdRows,
  trafficCounts,
  verdictLabel,
  verdictSymbol,
} from './format.js';

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
    endpointBoundText(endpoint),
    ...GATE_ORDER.map((name) => gateCell(endpoint, name)),
  ]);
  return table(head, rows, ['left', 'left', 'right', 'right', 'right']);
}

function specLine(endpoint: EndpointReport): string {
  if (endpoint.spec === null) return 'Spec: none covers this traffic.';
  return `Spec: ${codeSpan(endpoint.spec)}${endpoint.spec_file === null ? '' : ` in ${codeSpan(endpoint.spec_file)}`}`;
}

function trafficLine(traffic: EndpointReport['traffic']): string {
  const counts = trafficCounts(traffic)
    .map(([name, count]) => `${formatCount(count)} ${name}`)
    .join(' · ');
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
  const sides = latencyColumns(latency);
  const rows = LATENCY_ROWS.map((key) => [key, ...sides.map(({ side }) => value(side, key))]);
  rows.push(['samples', ...sides.map(({ side }) => (side === null ? '—' : formatCount(side.count)))]);
  return table(['', ...sides.map(({ title }) => title)], rows, ['left', ...sides.map(() => 'right' as const)]);
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
    noiseLabel(signature),
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

function downstream(list: DownstreamReport[]): string {
  const items = list.map((d) => {
    const root =
      d.root_signature === null ? escapeMarkdown(rootOutcomeText(d.root_outcome)) : `${codeSpan(d.root_signature)} (${escapeMarkdown(d.root_outcome)})`;
    return [
      `- **${formatCount(d.count)} ${d.count === 1 ? 'difference' : 'differences'} downstream of** ${root}, first at ${formatInstant(d.root_at)}: ${escapeMarkdown(downstreamEndpointsText(d))}`,
      ...d.signatures.map((signature) => `  - ${codeSpan(signature)}`),
    ].join('\n');
  });
  return [
    'Writes of this endpoint whose outcome differed between the sides left what they touched diverged; later differences on it are counted here, not as mismatches of their own endpoints.',
    items.join('\n'),
  ].join('\n\n');
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
  );
  const secondary = secondaryLine(endpoint.secondary);
  if (secondary !== null) parts.push(escapeMarkdown(secondary));
  parts.push(
    '### Status codes',
    statusMatrix(endpoint.status_matrix),
    '### Latency',
    latencyTable(endpoint.latency),
    '### Top difference signatures',
    signatures(endpoint.signatures),
  );
  if (endpoint.downstream.length > 0) parts.push('### Downstream of diverged writes', downstream(endpoint.downstream));
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
