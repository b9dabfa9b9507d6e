/**
 * The readiness report as GitHub-flavoured Markdown, sized for a pull-request comment: it starts
 * with the triage (what to look at first), lists every endpoint in one table row (those without
 * traffic in a compact table of their own), and gives details only for the endpoints the evidence
 * holds back, the worst MAX_DETAILED first. Status matrices, latency tables and readiness over
 * time for every endpoint are in the HTML report and the JSON. The bound: under 60 KB for 100
 * endpoints (tested). It shows the report's data and decides nothing; the number and label
 * formatters are shared with the HTML renderer so both print the very same figures.
 */

import {
  GATE_ORDER,
  GATE_TITLES,
  type DownstreamReport,
  type EndpointReport,
  type GateName,
  type IntentionalDifference,
  type ReadinessReport,
  type ReportSignature,
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
  formatStatus,
  formatWindow,
  gateSymbol,
  noiseLabel,
  overallSummary,
  requestsAffectedText,
  rootOutcomeText,
  secondaryLine,
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

/** Endpoints given a section of their own, at most: the rest are one table row each. */
export const MAX_DETAILED = 10;
/** Signatures per detailed endpoint. */
const MAX_DETAILED_SIGNATURES = 3;
/** Endpoints named in a top difference's row before "and N more". */
const MAX_NAMED_ENDPOINTS = 3;

function triage(report: ReadinessReport): string {
  const { triage: t, overall } = report;
  const total = report.endpoints.length;
  const lines = [
    '## Triage',
    `${formatCount(total)} ${total === 1 ? 'endpoint' : 'endpoints'}: ${overallSummary(overall)}. ` +
      `Held back by the evidence: ${formatCount(t.blocked_by_evidence.length)}; only by paperwork (the spec is not approved): ${formatCount(t.blocked_by_paperwork.length)}; ` +
      `without traffic: ${formatCount(t.no_traffic.length)}.`,
    '### Top differences',
  ];
  if (t.top_differences.length === 0) lines.push('_No unexplained differences._');
  else {
    lines.push(
      'Across all endpoints, by the unexplained mismatching requests that showed each difference (a request showing two counts under both).',
      table(
        ['#', 'Difference', 'Requests', 'Endpoints', 'Sample'],
        t.top_differences.map((d, i) => [
          String(i + 1),
          `${codeSpan(d.pattern)} (${escapeMarkdown(d.kind)})`,
          formatCount(d.requests),
          namedEndpoints(d.endpoints),
          d.sample === null
            ? '—'
            : `${codeSpan(d.sample.request)}: legacy ${formatStatus(d.sample.legacy_status)}, rewrite ${formatStatus(d.sample.rewrite_status)}`,
        ]),
        ['right', 'left', 'right', 'left', 'left'],
      ),
    );
  }
  const byName = new Map(report.endpoints.map((e) => [e.endpoint, e]));
  if (t.blocked_by_evidence.length > 0) {
    const worst = heldBackWorstFirst(report).slice(0, MAX_DETAILED);
    const more = t.blocked_by_evidence.length - worst.length;
    lines.push(
      '### Held back by the evidence',
      ...(more > 0
        ? [`The ${formatCount(worst.length)} with the most unexplained mismatches; ${formatCount(more)} more in the table of endpoints below.`]
        : []),
      table(
        ['Endpoint', 'Verdict', 'Requests', 'Mismatches', 'Match-rate lower bound', 'Not passing'],
        worst.map((endpoint) => {
          const name = endpoint.endpoint;
          const holding = endpoint.gates.filter((g) => g.name !== 'spec' && g.status !== 'PASS');
          return [
            escapeMarkdown(name),
            verdictText(endpoint.verdict),
            formatCount(endpoint.requests),
            formatCount(endpoint.mismatches),
            endpointBoundText(endpoint),
            holding.map((g) => `${gateSymbol(g.status)} ${GATE_TITLES[g.name]}`).join(', '),
          ];
        }),
        ['left', 'left', 'right', 'right', 'right', 'left'],
      ),
    );
  }
  if (t.blocked_by_paperwork.length > 0) {
    lines.push(
      '### Held back only by paperwork',
      'Every gate of evidence passes; approve the spec (`parity spec approve`), or write one.',
      table(
        ['Endpoint', 'Requests', 'Match-rate lower bound', 'Spec'],
        t.blocked_by_paperwork.map((name) => {
          const endpoint = byName.get(name)!;
          return [escapeMarkdown(name), formatCount(endpoint.requests), endpointBoundText(endpoint), endpoint.spec === null ? 'none' : codeSpan(endpoint.spec)];
        }),
        ['left', 'right', 'right', 'left'],
      ),
    );
  }
  return lines.join('\n\n');
}

function namedEndpoints(endpoints: readonly { endpoint: string; requests: number }[]): string {
  const named = endpoints.slice(0, MAX_NAMED_ENDPOINTS).map((e) => `${codeSpan(e.endpoint)} ${formatCount(e.requests)}`);
  const more = endpoints.length - MAX_NAMED_ENDPOINTS;
  return more > 0 ? `${named.join(', ')} and ${formatCount(more)} more` : named.join(', ');
}

function noTraffic(report: ReadinessReport): string | null {
  const names = new Set(report.triage.no_traffic);
  const endpoints = report.endpoints.filter((e) => names.has(e.endpoint));
  if (endpoints.length === 0) return null;
  return [
    '### Without traffic',
    table(
      ['Endpoint', 'Spec', 'Verdict'],
      endpoints.map((e) => [escapeMarkdown(e.endpoint), e.spec === null ? 'none' : codeSpan(e.spec), verdictText(e.verdict)]),
    ),
  ].join('\n\n');
}

function summaryTable(report: ReadinessReport): string {
  const quiet = new Set(report.triage.no_traffic);
  const shown = report.endpoints.filter((e) => !quiet.has(e.endpoint));
  if (shown.length === 0) return report.endpoints.length === 0 ? '_No endpoints in the window._' : '_No endpoint had traffic in the window._';
  const head = ['Endpoint', 'Verdict', 'Requests', 'Mismatches', 'Match-rate lower bound', ...GATE_ORDER.map((name) => GATE_TITLES[name])];
  const rows = shown.map((endpoint) => [
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

function endpointSection(endpoint: EndpointReport): string {
  const parts = [`### ${escapeMarkdown(endpoint.endpoint)} — ${verdictText(endpoint.verdict)}`, specLine(endpoint)];
  if (endpoint.verdict !== 'READY' && endpoint.reasons.length > 0) {
    parts.push(endpoint.reasons.map((reason) => `- ${escapeMarkdown(reason)}`).join('\n'));
  }
  parts.push(trafficLine(endpoint.traffic));
  const secondary = secondaryLine(endpoint.secondary);
  if (secondary !== null) parts.push(escapeMarkdown(secondary));
  parts.push('#### Top difference signatures', signatures(endpoint.signatures.slice(0, MAX_DETAILED_SIGNATURES)));
  if (endpoint.downstream.length > 0) parts.push('#### Downstream of diverged writes', downstream(endpoint.downstream));
  if (endpoint.intentional.length > 0) parts.push('#### Intentional differences', intentional(endpoint.intentional));
  return parts.join('\n\n');
}

/** The endpoints the evidence holds back, most unexplained mismatches first. */
function heldBackWorstFirst(report: ReadinessReport): EndpointReport[] {
  const held = new Set(report.triage.blocked_by_evidence);
  return report.endpoints.filter((e) => held.has(e.endpoint)).sort((a, b) => b.mismatches - a.mismatches || b.requests - a.requests);
}

/** Sections for the endpoints the evidence holds back, the worst MAX_DETAILED. */
function details(report: ReadinessReport): string | null {
  const endpoints = heldBackWorstFirst(report).slice(0, MAX_DETAILED);
  if (endpoints.length === 0) return null;
  const more = report.triage.blocked_by_evidence.length - endpoints.length;
  return [
    '## Details',
    `The ${endpoints.length === 1 ? 'endpoint' : `${formatCount(endpoints.length)} endpoints`} the evidence holds back, most unexplained mismatches first` +
      `${more > 0 ? ` (${formatCount(more)} more not shown here)` : ''}; every endpoint in full, with status codes, latency and readiness over time, is in the HTML report and \`--format json\`.`,
    ...endpoints.map(endpointSection),
  ].join('\n\n');
}

function thresholdsAndMethod(report: ReadinessReport): string {
  const thresholds = thresholdRows(report.thresholds).map(([name, value]) => `- ${name}: ${value}`);
  const method = GATE_ORDER.map((name) => `- **${GATE_TITLES[name]}**: ${escapeMarkdown(report.method[name])}`);
  return ['## Thresholds and method', '### Thresholds', thresholds.join('\n'), '### How each gate decides', method.join('\n')].join('\n\n');
}

export function renderMarkdown(report: ReadinessReport): string {
  const parts = [header(report), triage(report), '## Endpoints', summaryTable(report), noTraffic(report), details(report), thresholdsAndMethod(report)];
  return parts.filter((part) => part !== null).join('\n\n') + '\n';
}
