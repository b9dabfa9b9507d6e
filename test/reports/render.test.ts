import { describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../reports/model.js';
import { anchorIds, renderHtml } from '../../reports/render-html.js';
import { escapeHtml } from '../../reports/svg.js';
import { codeSpan, escapeMarkdown, formatLowerBound, formatMs } from '../../reports/format.js';
import { triageOf } from '../../reports/readiness.js';
import { renderMarkdown } from '../../reports/render-markdown.js';
import { fixtureReport, SCRIPT_PROBE } from './fixture-report.js';

/** Splits a GFM table row into cells the way GitHub does: on every pipe not escaped by a backslash. */
function tableCells(row: string): string[] {
  const inner = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/** The rows (header and rule left out) of the first table after the line `startsWith`. */
function tableAfter(markdown: string, startsWith: string): string[][] {
  const lines = markdown.split('\n');
  const headerAt = lines.findIndex((line, i) => line.startsWith(startsWith) && i > 0 && lines[i + 1]?.startsWith('| ---'));
  expect(headerAt, `a table headed ${startsWith}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = headerAt + 2; lines[i]?.startsWith('|'); i++) rows.push(tableCells(lines[i] ?? ''));
  return rows;
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next === -1 ? undefined : next);
}

const markdown = renderMarkdown(fixtureReport);
const page = renderHtml(fixtureReport);

function htmlSection(id: string): string {
  const start = page.indexOf(`<section class="endpoint" id="${id}">`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</section>', start));
}

const VOID_ELEMENTS = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** The tags still open after reading `markup` with a stack; throws at the first close that does not match. */
function unclosedTags(markup: string): string[] {
  const stack: string[] = [];
  const body = markup.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, rawName = '', selfClosing] = match;
    const name = rawName.toLowerCase();
    if (selfClosing || VOID_ELEMENTS.has(name)) continue;
    if (!closing) {
      stack.push(name);
      continue;
    }
    const open = stack.pop();
    if (open !== name) throw new Error(`</${name}> closes <${open}> at ${match.index}`);
  }
  return stack;
}

describe('renderMarkdown', () => {
  it('starts with the overall verdict, the window and the sources', () => {
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Cutover readiness');
    expect(markdown).toContain('**NOT READY**: 1 not ready, 1 ready, 1 insufficient data');
    expect(markdown).toContain('- Window: 2025-03-01T00:00:00Z .. 2025-03-08T00:00:00Z');
    expect(markdown).toContain('- Sources: `.parity/shadow.db`, `.parity/shadow-eu.db`');
    expect(markdown).not.toContain('Endpoint filter');
  });

  it('says "all recorded traffic" without a start and shows the endpoint filter when given', () => {
    const filtered: ReadinessReport = { ...fixtureReport, window: { since: null, until: '2025-03-08T00:00:00Z' }, endpoint_filter: 'POST /invoices' };
    const text = renderMarkdown(filtered);
    expect(text).toContain('- Window: all recorded traffic (until 2025-03-08T00:00:00Z)');
    expect(text).toContain('- Endpoint filter: `POST /invoices`');
  });

  it('lists the endpoints with traffic in the summary table with verdicts, lower bounds and gate symbols, the others one line each', () => {
    const rows = tableAfter(markdown, '| Endpoint | Verdict | Requests | Mismatches | Match-rate lower bound | Spec approved |');
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      ['GET /customers/{customer_id}', '✅ READY', '48,210', '2', '99.990 %'],
      ['POST /invoices', '❌ NOT READY', '4,120', '37', '98.862 %'],
    ]);
    expect(rows[1]?.slice(5)).toEqual(['✅ PASS', '✅ PASS', '❌ FAIL', '❌ FAIL', '✅ PASS', '✅ PASS']);
    expect(rows.every((row) => row.length === 11)).toBe(true);
    expect(tableAfter(markdown, '| Endpoint | Spec | Verdict |')).toEqual([
      ['DELETE /customers/{customer_id}/notes/{note_id}', 'none', '⏳ INSUFFICIENT DATA'],
    ]);
  });

  it('starts with the triage: the counts, the top differences across endpoints with a sample, and what holds each endpoint back', () => {
    const triage = section(markdown, '## Triage');
    expect(markdown.indexOf('## Triage')).toBeLessThan(markdown.indexOf('## Endpoints'));
    expect(triage).toContain(
      '3 endpoints: 1 not ready, 1 ready, 1 insufficient data. Held back by the evidence: 1; only by paperwork (the spec is not approved): 0; without traffic: 1.',
    );
    expect(tableAfter(triage, '| # | Difference |')).toEqual([
      ['1', '`$.memo` (value)', '25', '`POST /invoices` 25', '`` POST /invoices?customer=1042&draft=`true` ``: legacy 201, rewrite 201'],
      ['2', "`$.tags['a\\|b']` (missing)", '25', '`POST /invoices` 25', '—'],
      ['3', '`status` (status)', '12', '`POST /invoices` 12', '`POST /invoices`: legacy 201, rewrite 500'],
    ]);
    expect(tableAfter(triage, '| Endpoint | Verdict | Requests | Mismatches | Match-rate lower bound | Not passing |')).toEqual([
      ['POST /invoices', '❌ NOT READY', '4,120', '37', '98.862 %', '❌ Shadow correctness, ❌ Error rate'],
    ]);
    expect(triage).not.toContain('paperwork |');
    const paperwork = renderMarkdown({
      ...fixtureReport,
      triage: { ...fixtureReport.triage, blocked_by_evidence: [], blocked_by_paperwork: ['POST /invoices'] },
    });
    expect(tableAfter(section(paperwork, '## Triage'), '| Endpoint | Requests |')).toEqual([['POST /invoices', '4,120', '98.862 %', '`invoices.create`']]);
    expect(paperwork).not.toContain('## Details');
  });
  it('puts every gate detail in the HTML gates tables, and what does not pass in the Markdown reasons', () => {
    for (const endpoint of fixtureReport.endpoints) {
      for (const gate of endpoint.gates) expect(page, gate.detail).toContain(escapeHtml(gate.detail));
    }
    expect(section(markdown, '## Details')).toContain('- Shadow correctness: lower bound 98.862 % is below the 99.9 % target');
    expect(markdown).not.toContain('| Gate |');
  });
  it('details only the endpoints the evidence holds back, reasons first', () => {
    const details = section(markdown, '## Details');
    expect(details).toContain('### POST /invoices — ❌ NOT READY');
    expect(details).not.toContain('GET /customers/{customer_id}');
    expect(details).not.toContain('DELETE /customers');
    expect(details.indexOf('\n- Shadow correctness:')).toBeLessThan(details.indexOf('Traffic:'));
  });
  it('keeps a pipe in recorded data inside its table cell', () => {
    const rows = tableAfter(section(markdown, '## Details'), '| # | Differences |');
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.length)).toEqual([7, 7, 7]);
    expect(rows[0]?.[1]).toBe("`$.memo` (value), `$.tags['a\\|b']` (missing)");
    expect(rows[0]?.slice(2)).toEqual(['25', '0', 'no', '2025-03-01T09:30:00Z', '2025-03-07T17:05:42Z']);
  });

  it('shows sample differences as a nested list of code spans, markup included', () => {
    const invoices = section(markdown, '## Details');
    expect(invoices).toContain('- **#1** `` POST /invoices?customer=1042&draft=`true` ``: legacy 201, rewrite 201, at 2025-03-01T09:30:00Z');
    expect(invoices).toContain(`  - \`$.memo: legacy "${SCRIPT_PROBE}", rewrite "&lt;script&gt;"\``);
    expect(invoices).toContain("  - `$.tags['a|b']: missing in the rewrite`");
    expect(invoices).toContain('- **#2** `POST /invoices`: legacy 201, rewrite 500');
  });

  it('leaves status codes, latency and readiness over time to the HTML report, and keeps the intentional fix of a detailed endpoint', () => {
    for (const heading of ['Status codes', 'Latency', 'Readiness over time']) expect(markdown).not.toContain(`## ${heading}\n`);
    expect(markdown).not.toContain('| Day |');
    expect(page.match(/<h3>Status codes<\/h3>/g)).toHaveLength(3);
    expect(page.match(/<h3>Readiness over time<\/h3>/g)).toHaveLength(3);
    expect(tableAfter(section(markdown, '## Details'), '| Behaviour |')).toEqual([
      [
        '`invoices.create.rounding`',
        'fix',
        'Totals round half-even to cents instead of truncating.',
        'The legacy truncation under-bills by up to a cent per line; finance asked for it to be fixed (FIN-212).',
        'by lee at 2025-02-26',
        '212',
      ],
    ]);
  });
  it("shows what a root endpoint's diverged writes caused downstream, and the downstream count in the traffic line", () => {
    const invoices = section(markdown, '## Details');
    const downstream = invoices.slice(invoices.indexOf('#### Downstream of diverged writes'));
    expect(downstream).toContain(
      '- **14 differences downstream of** `POST /invoices | status status` (mismatch), first at 2025-03-02T11:00:00Z: GET /invoices/{invoice_id} 12, POST /payments 2',
    );
    expect(downstream).toContain(`  - \`POST /payments | $.error.message ${SCRIPT_PROBE}\``);
    expect(downstream).toContain(
      '- **1 difference downstream of** a write the mirror queue dropped (the candidate never got it), first at 2025-03-03T10:00:00Z',
    );
    expect(invoices).toContain('0 not compared · 0 downstream · 5 dropped');
  });

  it('has one readiness row per day in the HTML, and placeholders for an endpoint without traffic', () => {
    const ids = anchorIds(fixtureReport.endpoints.map((e) => e.endpoint));
    const ready = htmlSection(ids[0]!);
    expect(ready.match(/<tr><td>2025-03-0\d<\/td>/g)).toHaveLength(7);
    const empty = htmlSection(ids[2]!);
    expect(empty).toContain('No compared responses.');
    expect(empty).toContain('No latency data.');
    expect(empty).toContain('no traffic seen');
  });
  it('shows raw, noise, inconclusive and unexpected apart, a drifted secondary, and the paired latency the gate judged', () => {
    const base = fixtureReport.endpoints[0]!;
    // Drift caps correctness at INSUFFICIENT: the evidence holds the endpoint back, so the Markdown details it.
    const endpoint = {
      ...base,
      verdict: 'INSUFFICIENT_DATA' as const,
      gates: base.gates.map((g) => (g.name === 'shadow_correctness' ? { ...g, status: 'INSUFFICIENT' as const } : g)),
      traffic: { ...base.traffic, raw: 120, noise: 80, inconclusive: 38, mismatch: 2, expected: 0 },
      secondary: { compared: 400, diverged: 38, drifted: true },
      latency: { ...base.latency, paired: { basis: 'secondary' as const, reference: base.latency.legacy, rewrite: base.latency.rewrite } },
      signatures: [{ ...base.signatures[0]!, noise: true, inconclusive: 38 }],
    };
    const drifted: ReadinessReport = { ...fixtureReport, endpoints: [endpoint], triage: triageOf([endpoint]) };
    const text = renderMarkdown(drifted);
    expect(text).toContain('120 raw differences · 80 noise (matched once left out) · 38 inconclusive · 2 unexpected mismatch');
    expect(text).toContain('Secondary: DRIFTED. It disagreed with the primary on status or structure on 38 of 400 requests');
    expect(tableAfter(text, '| # | Differences |')[0]![4]).toBe('inconclusive');
    const html = renderHtml(drifted);
    expect(html).toContain('<p class="secondary drifted">Secondary: DRIFTED.');
    expect(html).toContain('<th class="num">Secondary (judged)</th>');
    expect(html).toContain('<th class="num">Rewrite beside it (judged)</th>');
    expect(unclosedTags(html)).toEqual([]);
  });

  it('ends with every threshold and every gate method', () => {
    const method = section(markdown, '## Thresholds and method');
    for (const line of [
      'Target match rate (lower confidence bound at least): 99.9 %',
      'Confidence of the bounds (one-sided): 95 %',
      'Error-rate margin (rewrite over legacy at most): 0.1 percentage points',
      "Rewrite p50 and p99 over the reference's at most: × 1.10",
      'Latency slack (passes whatever the ratio): 5 ms',
      'Requests per side before latency is judged: 1,000',
      'Secondary disagreeing on status or structure at most (else drifted): 1 %',
      'Minimum shadowing time: 7 days',
    ]) {
      expect(method).toContain(`- ${line}\n`);
    }
    expect(method).toContain(`- **Shadow correctness**: ${fixtureReport.method.shadow_correctness}`);
    expect(method.match(/^- \*\*/gm)).toHaveLength(6);
  });
});

describe('Markdown formatting helpers', () => {
  it('rounds lower bounds down so a near miss never reads as meeting the target', () => {
    expect(formatLowerBound(0.9989996)).toBe('99.899 %');
    expect(formatLowerBound(0.999)).toBe('99.900 %');
    expect(formatLowerBound(0.999124)).toBe('99.912 %');
    expect(formatLowerBound(1)).toBe('100.000 %');
  });

  it('gives latency a precision that suits its size', () => {
    expect(formatMs(0.4)).toBe('0.40 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(1234.4)).toBe('1,234 ms');
  });

  it('fences code spans past any backtick run and escapes table-breaking text', () => {
    expect(codeSpan('a ``b`` c')).toBe('```a ``b`` c```');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(escapeMarkdown('line one\nline *two* | <b>')).toBe('line one line \\*two\\* \\| \\<b\\>');
    expect(escapeMarkdown('/customers/{customer_id}')).toBe('/customers/{customer_id}');
    expect(escapeMarkdown('_private_')).toBe('\\_private\\_');
  });
});

describe('renderHtml', () => {
  it('is one self-contained HTML5 document with no script and no external reference', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/https?:/i);
    expect(page).not.toContain('//');
    expect(page).not.toMatch(/\bsrc=/i);
    expect(page).not.toContain('url(');
    expect(page).not.toContain('@import');
    expect(page.match(/<style>/g)).toHaveLength(1);
  });

  it('escapes recorded data, so the script probe comes out as inert text', () => {
    expect(page).toContain(
      '<code>$.memo: legacy &quot;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;, rewrite &quot;&amp;lt;script&amp;gt;&quot;</code>',
    );
    expect(page).toContain('<code>POST /invoices?customer=1042&amp;draft=`true`</code>');
    expect(page).toContain('<code>$.tags[&#39;a|b&#39;]</code>');
    expect(page).toContain('<li><code>POST /payments | $.error.message &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</code></li>');
  });

  it("lists a root endpoint's downstream differences", () => {
    const invoices = htmlSection(anchorIds(fixtureReport.endpoints.map((e) => e.endpoint))[1]!);
    expect(invoices).toContain('<h3>Downstream of diverged writes</h3>');
    expect(invoices).toContain(
      '<li><strong>14 differences downstream of</strong> <code>POST /invoices | status status</code> <span class="muted">(mismatch)</span>, first at 2025-03-02T11:00:00Z: GET /invoices/{invoice_id} 12, POST /payments 2',
    );
    expect(invoices).toContain('<strong>0</strong> downstream');
  });

  it('escapes data inside SVG text and attributes too', () => {
    const hostile: ReadinessReport = {
      ...fixtureReport,
      endpoints: fixtureReport.endpoints.map((endpoint) => ({ ...endpoint, endpoint: `GET /x"><script>alert(1)</script>${endpoint.endpoint}` })),
    };
    const out = renderHtml(hostile);
    expect(out).not.toMatch(/<script/i);
    expect(out).toContain('aria-label="Readiness over time for GET /x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;GET /customers/{customer_id}:');
    expect(out).toContain('<title>Latency for GET /x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;POST /invoices:');
    expect(unclosedTags(out)).toEqual([]);
  });

  it('links the summary to unique endpoint anchors', () => {
    const ids = [...page.matchAll(/\bid="([^"]*)"/g)].map((match) => match[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const links = [...page.matchAll(/<a href="#([^"]*)">([^<]*)<\/a>/g)].map((match) => [match[1], match[2]]);
    expect(links).toEqual([
      ['endpoint-get-customers-customer-id', 'GET /customers/{customer_id}'],
      ['endpoint-post-invoices', 'POST /invoices'],
      ['endpoint-delete-customers-customer-id-notes-note-id', 'DELETE /customers/{customer_id}/notes/{note_id}'],
    ]);
    for (const [id] of links) expect(ids).toContain(id);
  });

  it('numbers anchors of endpoints that slug alike', () => {
    expect(anchorIds(['GET /a/{id}', 'get /a/[id]', 'GET /a/(id)', '///'])).toEqual([
      'endpoint-get-a-id',
      'endpoint-get-a-id-2',
      'endpoint-get-a-id-3',
      'endpoint-unnamed',
    ]);
  });

  it('draws readiness over time and latency as inline SVG with titles, and says when there is no latency data', () => {
    const ready = htmlSection('endpoint-get-customers-customer-id');
    expect(ready.match(/<svg /g)).toHaveLength(2);
    expect(ready).toContain(
      '<title>Readiness over time for GET /customers/{customer_id}: cumulative match-rate lower bound per day against the 99.9 % target</title>',
    );
    expect(ready).toContain('stroke-dasharray');
    expect(ready.match(/<title>2025-03-\d\d: /g)).toHaveLength(7);
    expect(ready).toContain('<title>2025-03-07: READY, lower bound 99.990 % after 48,210 requests</title><circle');
    expect(ready).toContain('<title>2025-03-01: INSUFFICIENT DATA, lower bound 99.950 % after 5,980 requests</title><path');
    expect(ready).toContain('<title>rewrite p99: 41.2 ms</title>');
    expect(ready).not.toContain('No latency data');

    const invoices = htmlSection('endpoint-post-invoices');
    expect(invoices).toContain('<title>2025-03-01: NOT READY, lower bound 97.421 % after 610 requests</title><rect');

    const empty = htmlSection('endpoint-delete-customers-customer-id-notes-note-id');
    expect(empty).not.toContain('<svg');
    expect(empty).toContain('No latency data.');
    expect(empty).toContain('No days in the window.');
    expect(empty).toContain('No compared responses.');
  });

  it('draws a single day and a single latency side without breaking', () => {
    const base = fixtureReport.endpoints[0];
    if (!base) throw new Error('fixture has endpoints');
    const lone: ReadinessReport = {
      ...fixtureReport,
      endpoints: [{ ...base, days: base.days.slice(-1), latency: { legacy: base.latency.legacy, rewrite: null, paired: null } }],
    };
    const out = renderHtml(lone);
    expect(out.match(/<svg /g)).toHaveLength(2);
    expect(out).not.toContain('<polyline');
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
    expect(out).toContain('(no rewrite data)');
    expect(out).toContain('>rewrite (no data)</text>');
    expect(unclosedTags(out)).toEqual([]);
  });

  it('highlights the diagonal of the status matrix apart from the cells that differ', () => {
    const invoices = htmlSection('endpoint-post-invoices');
    expect(invoices).toContain(
      '<tr><th>201</th><td class="num same">4,080</td><td class="num empty">·</td><td class="num differs">12</td><td class="num differs">3</td></tr>',
    );
    expect(invoices).toContain('<th class="num">no answer</th>');
    expect(page).toMatch(/\.matrix td\.same \{[^}]*background/);
    expect(page).toMatch(/\.matrix td\.differs \{[^}]*background/);
  });

  it('shows badges, every gate detail and the thresholds', () => {
    expect(page).toContain('<p class="overall"><span class="badge verdict-NOT_READY large">NOT READY</span> 1 not ready, 1 ready, 1 insufficient data</p>');
    for (const endpoint of fixtureReport.endpoints) {
      const body = htmlSection(anchorIds(fixtureReport.endpoints.map((e) => e.endpoint))[fixtureReport.endpoints.indexOf(endpoint)] ?? '');
      expect(body).toContain(`badge verdict-${endpoint.verdict}`);
      for (const gate of endpoint.gates) expect(body).toContain(`<span class="gate-${gate.status}" title="${gate.status}">`);
      for (const gate of endpoint.gates) expect(body).toContain(`<td>${gate.detail.replace(/</g, '&lt;')}</td>`);
    }
    expect(page).toContain('<tr><th>Target match rate (lower confidence bound at least)</th><td class="num">99.9 %</td></tr>');
    expect(page).toContain('<dt><strong>Coverage</strong></dt><dd>The endpoint has been shadowed for at least the minimum duration.</dd>');
  });

  it('prints well and keeps a readable width on screen', () => {
    const print = page.slice(page.indexOf('@media print'));
    expect(print).toContain('break-inside: avoid');
    expect(print).toContain('section.endpoint { break-before: page;');
    expect(print).toMatch(/a \{ color: inherit; text-decoration: none; \}/);
    expect(page).toContain('max-width: 1100px');
  });

  it('closes every section and every other element it opens', () => {
    const opened = page.match(/<section\b/g) ?? [];
    expect(opened).toHaveLength(3 + fixtureReport.endpoints.length);
    expect(page.match(/<\/section>/g)).toHaveLength(opened.length);
    expect(unclosedTags(page)).toEqual([]);
  });
});
