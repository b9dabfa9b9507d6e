/**
 * The readiness report as one self-contained HTML5 file: inline style and SVG only, no script and
 * no external reference of any kind, so it can be attached to a ticket, opened offline or printed.
 * It shows the report's data and decides nothing. Every value goes through the escaping `markup` tag.
 */

import {
  GATE_ORDER,
  GATE_TITLES,
  type DownstreamReport,
  type EndpointReport,
  type Gate,
  type GateName,
  type IntentionalDifference,
  type LatencyPercentiles,
  type ReadinessReport,
  type ReportSignature,
  type StatusCell,
  type Verdict,
} from './model.js';
import {
  LATENCY_ROWS,
  approvalText,
  endpointBoundText,
  downstreamEndpointsText,
  formatCount,
  formatInstant,
  formatLowerBound,
  formatMs,
  formatStatus,
  formatWindow,
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
} from './format.js';
import { latencyChart, Markup, markup, readinessChart, VERDICT_COLOURS } from './svg.js';

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.9em; margin: 0 0 8px; }
h2 { font-size: 1.4em; margin: 0 0 12px; }
h3 { font-size: 1.1em; margin: 24px 0 8px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; background: var(--soft); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
h2 code { font-size: 0.85em; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.93em; }
caption { caption-side: bottom; text-align: left; font-size: 0.85em; padding-top: 4px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary { font-size: 0.85em; }
table.summary td.gate { white-space: nowrap; text-align: center; }
table.summary td:first-child { max-width: 16em; overflow-wrap: anywhere; }
table.summary .badge { font-size: 0.7rem; padding: 1px 6px; }
.wide { overflow-x: auto; }
section { margin-top: 40px; }
section.endpoint { border-top: 3px solid var(--line); padding-top: 20px; }
section.endpoint summary { cursor: pointer; }
section.endpoint summary h2 { display: inline; }
table.top-differences td:nth-child(4) { max-width: 22em; overflow-wrap: anywhere; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; }
.muted { color: var(--muted); }
.badge { display: inline-block; vertical-align: middle; padding: 1px 10px; border-radius: 999px; color: #fff; font-weight: 600; font-size: 0.8rem; letter-spacing: 0.02em; white-space: nowrap; }
.badge.large { font-size: 1.05rem; padding: 3px 14px; }
.verdict-READY { background: ${VERDICT_COLOURS.READY}; }
.verdict-NOT_READY { background: ${VERDICT_COLOURS.NOT_READY}; }
.verdict-INSUFFICIENT_DATA { background: ${VERDICT_COLOURS.INSUFFICIENT_DATA}; }
.gate-PASS { color: ${VERDICT_COLOURS.READY}; font-weight: 600; }
.gate-FAIL { color: ${VERDICT_COLOURS.NOT_READY}; font-weight: 600; }
.gate-INSUFFICIENT { color: var(--muted); font-weight: 600; }
.reasons { border-left: 4px solid ${VERDICT_COLOURS.NOT_READY}; background: #fff5f5; padding: 8px 12px 8px 32px; margin: 8px 0 16px; }
.matrix td.same { background: #dafbe1; box-shadow: inset 0 0 0 2px ${VERDICT_COLOURS.READY}; }
.matrix td.differs { background: #ffebe9; font-weight: 700; }
.matrix td.empty { color: var(--muted); }
.chart { display: block; width: 100%; max-width: 720px; height: auto; margin: 8px 0 12px; font-size: 12px; font-family: inherit; }
.chart text { fill: var(--fg); }
.chart .axis text { fill: var(--muted); }
.samples li { margin: 4px 0; }
.method dt { margin-top: 8px; }
.method dd { margin-left: 16px; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  section.endpoint { break-before: page; border-top: none; padding-top: 0; margin-top: 0; }
  table.gates, table.matrix, table.latency, .chart { break-inside: avoid; }
  tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .wide { overflow: visible; }
  .badge { background: none; color: var(--fg); border: 1.5px solid var(--fg); }
  .reasons { background: none; }
  details > summary { list-style: none; }
  th, code { background: none; }
  .matrix td.same { background: none; box-shadow: none; outline: 2px solid var(--fg); outline-offset: -3px; }
  .matrix td.differs { background: none; text-decoration: underline; }
}
`;

/** Anchor ids from endpoint text: lower-case alphanumerics and dashes, numbered when two endpoints slug alike. */
export function anchorIds(endpoints: readonly string[]): string[] {
  const used = new Set<string>();
  return endpoints.map((endpoint) => {
    const slug = endpoint
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const base = `endpoint-${slug || 'unnamed'}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}

function badge(verdict: Verdict, large = false): Markup {
  return markup`<span class="badge verdict-${verdict}${large ? ' large' : ''}">${verdictLabel(verdict)}</span>`;
}

// Marks every font has: emoji would need an emoji font on the machine that opens or prints the file.
const GATE_MARKS: Record<Gate['status'], string> = { PASS: '✓', FAIL: '✗', INSUFFICIENT: '…' };

/** `markOnly`: the summary table's cells, explained by the legend under it. */
function gateStatus(status: Gate['status'], markOnly = false): Markup {
  return markup`<span class="gate-${status}" title="${status}">${GATE_MARKS[status]}${markOnly ? '' : ` ${status}`}</span>`;
}

function num(value: string): Markup {
  return markup`<td class="num">${value}</td>`;
}

function code(text: string): Markup {
  return markup`<code>${text}</code>`;
}

function header(report: ReadinessReport): Markup {
  const sources = report.sources.length === 0 ? 'none' : report.sources.map((source, i) => markup`${i > 0 ? ', ' : ''}${code(source)}`);
  const filter = report.endpoint_filter === null ? null : markup`<dt>Endpoint filter</dt><dd>${code(report.endpoint_filter)}</dd>\n`;
  return markup`<header>
<h1>Cutover readiness</h1>
<p class="overall">${badge(report.overall.verdict, true)} ${overallSummary(report.overall)}</p>
<dl class="meta">
<dt>Generated</dt><dd>${report.generated_at}</dd>
<dt>Window</dt><dd>${formatWindow(report.window)}</dd>
<dt>Sources</dt><dd>${sources}</dd>
${filter}</dl>
</header>`;
}

function summaryRow(endpoint: EndpointReport, id: string): Markup {
  const gates = GATE_ORDER.map((name) => {
    const gate = endpoint.gates.find((g) => g.name === name);
    return markup`<td class="gate">${gate ? gateStatus(gate.status, true) : '—'}</td>`;
  });
  return markup`<tr><td><a href="#${id}">${endpoint.endpoint}</a></td><td>${badge(endpoint.verdict)}</td>${num(formatCount(endpoint.requests))}${num(
    formatCount(endpoint.mismatches),
  )}${num(endpointBoundText(endpoint))}${gates}</tr>
`;
}

/** The summary table has a column per gate: short headings keep it within the page. */
const SHORT_GATE_TITLES: Record<GateName, string> = {
  spec: 'Spec',
  spec_tests: 'Tests',
  shadow_correctness: 'Shadow',
  errors: 'Errors',
  latency: 'Latency',
  coverage: 'Coverage',
};

function summary(report: ReadinessReport, ids: string[]): Markup {
  if (report.endpoints.length === 0) {
    return markup`<section id="summary">
<h2>Summary</h2>
<p class="muted">No endpoints in the window.</p>
</section>`;
  }
  return markup`<section id="summary">
<h2>Summary</h2>
<div class="wide"><table class="summary">
<thead><tr><th>Endpoint</th><th>Verdict</th><th class="num">Requests</th><th class="num">Mismatches</th><th class="num" title="Match-rate lower bound">Lower bound</th>${GATE_ORDER.map(
    (name) => markup`<th title="${GATE_TITLES[name]}">${SHORT_GATE_TITLES[name]}</th>`,
  )}</tr></thead>
<tbody>
${report.endpoints.map((endpoint, i) => summaryRow(endpoint, ids[i] ?? ''))}</tbody>
</table></div>
<p class="muted legend">${GATE_MARKS.PASS} pass · ${GATE_MARKS.FAIL} fail · ${GATE_MARKS.INSUFFICIENT} insufficient data</p>
</section>`;
}

function gatesTable(gates: Gate[]): Markup {
  return markup`<table class="gates">
<thead><tr><th>Gate</th><th>Status</th><th>Detail</th></tr></thead>
<tbody>
${gates.map((gate) => markup`<tr><td>${GATE_TITLES[gate.name]}</td><td>${gateStatus(gate.status)}</td><td>${gate.detail}</td></tr>\n`)}</tbody>
</table>`;
}

function traffic(counts: EndpointReport['traffic']): Markup {
  const entries = trafficCounts(counts);
  const seen =
    counts.first_seen === null || counts.last_seen === null
      ? 'no traffic seen'
      : `first seen ${formatInstant(counts.first_seen)}, last seen ${formatInstant(counts.last_seen)}`;
  const parts = entries.map(([name, count], i) => markup`${i > 0 ? ' · ' : ''}<strong>${formatCount(count)}</strong> ${name}`);
  return markup`<p class="traffic">Traffic: ${parts}; ${seen}.</p>`;
}

function secondaryParagraph(secondary: EndpointReport['secondary']): Markup | null {
  const line = secondaryLine(secondary);
  if (line === null) return null;
  return markup`<p class="${secondary?.drifted ? 'secondary drifted' : 'secondary'}">${line}</p>\n`;
}

function statusMatrix(cells: StatusCell[]): Markup {
  if (cells.length === 0) return markup`<p class="muted">No compared responses.</p>`;
  const axes = statusMatrixAxes(cells);
  const rows = axes.legacy.map((legacy) => {
    const row = axes.rewrite.map((rewrite) => {
      const count = axes.count(legacy, rewrite);
      const kind = legacy === rewrite ? 'same' : count === 0 ? 'empty' : 'differs';
      return markup`<td class="num ${kind}">${count === 0 ? '·' : formatCount(count)}</td>`;
    });
    return markup`<tr><th>${formatStatus(legacy)}</th>${row}</tr>\n`;
  });
  return markup`<table class="matrix">
<caption class="muted">Rows: legacy status; columns: rewrite status. Outlined cells: both sides agree; bold cells: they differ.</caption>
<thead><tr><th>legacy ↓ · rewrite →</th>${axes.rewrite.map((rewrite) => markup`<th class="num">${formatStatus(rewrite)}</th>`)}</tr></thead>
<tbody>
${rows}</tbody>
</table>`;
}

function latency(endpoint: EndpointReport): Markup {
  const chart = latencyChart(endpoint.latency, endpoint.endpoint);
  if (chart === null) return markup`<p class="muted">No latency data.</p>`;
  const value = (side: LatencyPercentiles | null, key: (typeof LATENCY_ROWS)[number]): string => (side === null ? '—' : formatMs(side[key]));
  const count = (side: LatencyPercentiles | null): string => (side === null ? '—' : formatCount(side.count));
  const sides = latencyColumns(endpoint.latency);
  const rows = LATENCY_ROWS.map((key) => markup`<tr><th>${key}</th>${sides.map(({ side }) => num(value(side, key)))}</tr>\n`);
  return markup`${chart}
<table class="latency">
<thead><tr><th></th>${sides.map(({ title }) => markup`<th class="num">${title}</th>`)}</tr></thead>
<tbody>
${rows}<tr><th>samples</th>${sides.map(({ side }) => num(count(side)))}</tr>
</tbody>
</table>`;
}

function signatureDifferences(signature: ReportSignature): Markup {
  if (signature.differences.length === 0) return code(signature.signature);
  return markup`${signature.differences.map((d, i) => markup`${i > 0 ? ', ' : ''}${code(d.pattern)} <span class="muted">(${d.kind})</span>`)}`;
}

function signatureRow(signature: ReportSignature, i: number): Markup {
  return markup`<tr><td class="num">${i + 1}</td><td>${signatureDifferences(signature)}</td>${num(formatCount(signature.count))}${num(
    formatCount(signature.expected),
  )}<td>${noiseLabel(signature)}</td><td>${formatInstant(signature.first_seen)}</td><td>${formatInstant(signature.last_seen)}</td></tr>
`;
}

function signatureSample(signature: ReportSignature, i: number): Markup | null {
  const sample = signature.sample;
  if (sample === null) return null;
  return markup`<li><strong>#${i + 1}</strong> ${code(sample.request)}: legacy ${formatStatus(sample.legacy_status)}, rewrite ${formatStatus(
    sample.rewrite_status,
  )}, at ${formatInstant(sample.at)}
<ul>${sample.differences.map((difference) => markup`<li>${code(difference)}</li>`)}</ul></li>
`;
}

function signatures(list: ReportSignature[]): Markup {
  if (list.length === 0) return markup`<p class="muted">No differences.</p>`;
  const samples = list.some((signature) => signature.sample !== null)
    ? markup`<p>Samples (the earliest stored request of each):</p>
<ul class="samples">
${list.map(signatureSample)}</ul>`
    : null;
  return markup`<div class="wide"><table class="signatures">
<thead><tr><th class="num">#</th><th>Differences</th><th class="num">Count</th><th class="num">Expected</th><th>Noise</th><th>First seen</th><th>Last seen</th></tr></thead>
<tbody>
${list.map(signatureRow)}</tbody>
</table></div>
${samples}`;
}

function downstream(list: DownstreamReport[]): Markup | null {
  if (list.length === 0) return null;
  const items = list.map((d) => {
    const root =
      d.root_signature === null ? markup`${rootOutcomeText(d.root_outcome)}` : markup`${code(d.root_signature)} <span class="muted">(${d.root_outcome})</span>`;
    return markup`<li><strong>${formatCount(d.count)} ${d.count === 1 ? 'difference' : 'differences'} downstream of</strong> ${root}, first at ${formatInstant(
      d.root_at,
    )}: ${downstreamEndpointsText(d)}
<ul>${d.signatures.map((signature) => markup`<li>${code(signature)}</li>`)}</ul></li>
`;
  });
  return markup`<h3>Downstream of diverged writes</h3>
<p class="muted">Writes of this endpoint whose outcome differed between the sides left what they touched diverged; later differences on it are counted here, not as mismatches of their own endpoints.</p>
<ul class="downstream">
${items}</ul>`;
}

function intentional(list: IntentionalDifference[]): Markup | null {
  if (list.length === 0) return null;
  const rows = list.map(
    (d) =>
      markup`<tr><td>${code(d.behavior)}</td><td>${d.disposition}</td><td>${d.says}</td><td>${d.rationale ?? '—'}</td><td>${approvalText(d)}</td>${num(
        requestsAffectedText(d),
      )}</tr>\n`,
  );
  return markup`<h3>Intentional differences</h3>
<div class="wide"><table class="intentional">
<thead><tr><th>Behaviour</th><th>Disposition</th><th>Says</th><th>Rationale</th><th>Approved</th><th class="num">Requests affected</th></tr></thead>
<tbody>
${rows}</tbody>
</table></div>`;
}

function readinessOverTime(endpoint: EndpointReport, target: number): Markup {
  if (endpoint.days.length === 0) return markup`<p class="muted">No days in the window.</p>`;
  const rows = endpoint.days.map(
    (day) =>
      markup`<tr><td>${day.day}</td><td>${badge(day.verdict)}</td>${num(formatCount(day.requests))}${num(formatCount(day.mismatches))}${num(
        formatLowerBound(day.match_rate_lower_bound),
      )}</tr>\n`,
  );
  return markup`${readinessChart(endpoint.days, target, endpoint.endpoint)}
<table class="days">
<thead><tr><th>Day</th><th>Verdict</th><th class="num">Requests</th><th class="num">Mismatches</th><th class="num">Lower bound</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`;
}

function triage(report: ReadinessReport, idOf: ReadonlyMap<string, string>): Markup {
  const t = report.triage;
  const link = (endpoint: string) => markup`<a href="#${idOf.get(endpoint) ?? ''}">${code(endpoint)}</a>`;
  const list = (names: readonly string[]) => markup`<p>${names.map((name, i) => markup`${i > 0 ? ', ' : ''}${link(name)}`)}</p>`;
  const rows = t.top_differences.map(
    (
      d,
      i,
    ) => markup`<tr>${num(String(i + 1))}<td>${code(d.pattern)} <span class="muted">(${d.kind})</span></td>${num(formatCount(d.requests))}<td>${d.endpoints.map(
      (e, j) => markup`${j > 0 ? ', ' : ''}${link(e.endpoint)} ${formatCount(e.requests)}`,
    )}</td><td>${
      d.sample === null
        ? '—'
        : markup`${code(d.sample.request)}: legacy ${formatStatus(d.sample.legacy_status)}, rewrite ${formatStatus(d.sample.rewrite_status)}`
    }</td></tr>
`,
  );
  return markup`<section id="triage">
<h2>Triage</h2>
<p>${formatCount(report.endpoints.length)} endpoints: ${overallSummary(report.overall)}. Held back by the evidence: ${formatCount(
    t.blocked_by_evidence.length,
  )}; only by paperwork (the spec is not approved): ${formatCount(t.blocked_by_paperwork.length)}; without traffic: ${formatCount(t.no_traffic.length)}.</p>
<h3>Top differences</h3>
${
  t.top_differences.length === 0
    ? markup`<p class="muted">No unexplained differences.</p>`
    : markup`<p class="muted">Across all endpoints, by the unexplained mismatching requests that showed each difference (a request showing two counts under both).</p>
<div class="wide"><table class="top-differences">
<thead><tr><th class="num">#</th><th>Difference</th><th class="num">Requests</th><th>Endpoints</th><th>Sample</th></tr></thead>
<tbody>
${rows}</tbody>
</table></div>`
}
${
  t.blocked_by_evidence.length > 0
    ? markup`<h3>Held back by the evidence</h3>
${list(t.blocked_by_evidence)}
`
    : null
}${
    t.blocked_by_paperwork.length > 0
      ? markup`<h3>Held back only by paperwork</h3>
${list(t.blocked_by_paperwork)}
`
      : null
  }${
    t.no_traffic.length > 0
      ? markup`<h3>Without traffic</h3>
${list(t.no_traffic)}
`
      : null
  }</section>`;
}

function endpointSection(endpoint: EndpointReport, id: string, target: number, open: boolean): Markup {
  const spec =
    endpoint.spec === null
      ? markup`<p class="muted">Spec: none covers this traffic.</p>`
      : markup`<p>Spec: ${code(endpoint.spec)}${endpoint.spec_file === null ? null : markup` in ${code(endpoint.spec_file)}`}</p>`;
  const reasons =
    endpoint.verdict !== 'READY' && endpoint.reasons.length > 0
      ? markup`<ul class="reasons">${endpoint.reasons.map((reason) => markup`<li>${reason}</li>`)}</ul>\n`
      : null;
  // Collapsible: open where the evidence holds the endpoint back, which is what a reader came for.
  return markup`<section class="endpoint" id="${id}">
<details${open ? new Markup(' open') : null}>
<summary><h2>${code(endpoint.endpoint)} ${badge(endpoint.verdict)}</h2></summary>
${spec}
${reasons}${gatesTable(endpoint.gates)}
${traffic(endpoint.traffic)}
${secondaryParagraph(endpoint.secondary)}<h3>Status codes</h3>
${statusMatrix(endpoint.status_matrix)}
<h3>Latency</h3>
${latency(endpoint)}
<h3>Top difference signatures</h3>
${signatures(endpoint.signatures)}
${downstream(endpoint.downstream)}
${intentional(endpoint.intentional)}
<h3>Readiness over time</h3>
${readinessOverTime(endpoint, target)}
</details>
</section>
`;
}

function thresholdsAndMethod(report: ReadinessReport): Markup {
  return markup`<section id="thresholds">
<h2>Thresholds and method</h2>
<table class="thresholds">
<tbody>
${thresholdRows(report.thresholds).map(([name, value]) => markup`<tr><th>${name}</th>${num(value)}</tr>\n`)}</tbody>
</table>
<dl class="method">
${GATE_ORDER.map((name) => markup`<dt><strong>${GATE_TITLES[name]}</strong></dt><dd>${report.method[name]}</dd>\n`)}</dl>
</section>`;
}

export function renderHtml(report: ReadinessReport): string {
  const ids = anchorIds(report.endpoints.map((endpoint) => endpoint.endpoint));
  const idOf = new Map(report.endpoints.map((endpoint, i) => [endpoint.endpoint, ids[i] ?? '']));
  const held = new Set(report.triage.blocked_by_evidence);
  const target = report.thresholds.target_match_rate;
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cutover readiness: ${verdictLabel(report.overall.verdict)}</title>
<style>${new Markup(STYLE)}</style>
</head>
<body>
<main>
${header(report)}
${triage(report, idOf)}
${summary(report, ids)}
${report.endpoints.map((endpoint, i) => endpointSection(endpoint, ids[i] ?? '', target, held.has(endpoint.endpoint)))}${thresholdsAndMethod(report)}
</main>
</body>
</html>
`.value;
}
