/**
 * The report at the size of a real rewrite: 100 endpoints, 70 shadowed through the real store
 * writer, a charset difference on 50 of them beside real body differences on some. The Markdown
 * starts with the triage, names the shared header difference once (not once per endpoint) and
 * stays under the bound a pull-request comment allows; the HTML keeps every endpoint in full.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Difference } from '../../src/compare/response.js';
import { ReportConfigSchema } from '../../src/config/schema.js';
import { loadSpecs } from '../../src/spec/load.js';
import { openShadowStore, type ComparisonRecord, type ShadowStore } from '../../shadow-proxy/store.js';
import type { EndpointReport } from '../../reports/model.js';
import { buildReadinessReport, thresholdsOf, triageOf } from '../../reports/readiness.js';
import { renderHtml } from '../../reports/render-html.js';
import { renderMarkdown } from '../../reports/render-markdown.js';
import { useTempDir } from '../helpers/tmp.js';

const tempDir = useTempDir('report-triage');
const open: ShadowStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

/** The pull-request comment bound this report keeps for 100 endpoints. */
const MARKDOWN_BOUND_BYTES = 60 * 1024;
const T0 = Date.UTC(2026, 10, 2);
const HEADERS = { 'content-type': 'application/json' };
const CHARSET: Difference = {
  kind: 'header',
  path: 'header:content-type',
  pattern: 'header:content-type;charset',
  primary: 'application/json',
  candidate: 'application/json; charset=utf-8',
};

function record(endpoint: string, i: number, at: number, differences: Difference[], rewriteStatus = 200): ComparisonRecord {
  return {
    at,
    endpoint,
    outcome: differences.length > 0 ? 'mismatch' : 'match',
    request: { method: 'GET', target: `${endpoint.slice(4).replace('{id}', String(i))}`, headers: {}, body: null },
    primary: { status: 200, headers: HEADERS, body: Buffer.from(`{"id":${i},"items":[{"price":1}]}`), durationMs: 10 },
    candidate: { status: rewriteStatus, headers: HEADERS, body: Buffer.from(`{"id":${i},"items":[{"price":2}]}`), durationMs: 11 },
    differences,
    noise: [],
    signature: null,
    primaryTimedLikeCandidate: true,
  };
}

describe('the report of a 100-endpoint rewrite', () => {
  it('starts with the triage, names a shared header difference once, and keeps the Markdown under 60 KB', () => {
    const dir = tempDir();
    const specsDir = path.join(dir, 'specs');
    fs.mkdirSync(specsDir);
    const endpoints = Array.from({ length: 100 }, (_, i) => `GET /resource-${String(i).padStart(3, '0')}/{id}`);
    endpoints.forEach((endpoint, i) => fs.writeFileSync(path.join(specsDir, `r${i}.yaml`), `id: r${i}.get\nendpoint: ${endpoint}\nbehaviors: []\n`));

    const file = path.join(dir, 'shadow.db');
    const store = openShadowStore(file, { flushIntervalMs: 60_000 });
    open.push(store);
    endpoints.slice(0, 70).forEach((endpoint, e) => {
      for (let i = 0; i < 30; i++) {
        const differences: Difference[] = [];
        if (e < 50) differences.push(CHARSET);
        if (e < 20 && i % 2 === 0) differences.push({ kind: 'value', path: '$.items[0].price', pattern: '$.items[*].price', primary: 1, candidate: 2 });
        const broken = e === 5 && i < 3;
        if (broken) differences.push({ kind: 'status', path: 'status', pattern: 'status', primary: 200, candidate: 500 });
        store.record(record(endpoint, i, T0 + e * 1000 + i, differences, broken ? 500 : 200));
      }
    });
    store.flush();

    const report = buildReadinessReport({
      stores: [file],
      specs: loadSpecs(specsDir, dir).specs,
      thresholds: thresholdsOf(ReportConfigSchema.parse({})),
      cwd: dir,
      now: T0 + 3_600_000,
    });
    const [shared, price, status] = report.triage.top_differences;
    expect(shared).toMatchObject({ pattern: 'header:content-type;charset', kind: 'header', requests: 50 * 30 });
    expect(shared!.endpoints).toHaveLength(50);
    expect(price).toMatchObject({ pattern: '$.items[*].price', kind: 'value', requests: 20 * 15 });
    expect(status).toMatchObject({ pattern: 'status', requests: 3, endpoints: [{ endpoint: endpoints[5], requests: 3 }] });
    expect(status!.sample).toMatchObject({ endpoint: endpoints[5], legacy_status: 200, rewrite_status: 500 });
    expect(report.triage.no_traffic).toEqual(endpoints.slice(70));
    expect(report.triage.blocked_by_evidence).toHaveLength(70);

    const markdown = renderMarkdown(report);
    expect(Buffer.byteLength(markdown)).toBeLessThan(MARKDOWN_BOUND_BYTES);
    const headings = markdown.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual(['## Triage', '## Endpoints', '## Details', '## Thresholds and method']);
    expect(markdown).toContain(
      '| 1 | `header:content-type;charset` (header) | 1,500 | `GET /resource-000/{id}` 30, `GET /resource-001/{id}` 30, `GET /resource-002/{id}` 30 and 47 more |',
    );
    // The shared cause is one row of the triage, however many endpoints show it.
    const triage = markdown.slice(markdown.indexOf('## Triage'), markdown.indexOf('## Endpoints'));
    expect(triage.split('`header:content-type;charset` (header)')).toHaveLength(2);
    expect(markdown.match(/^### GET /gm)).toHaveLength(10);

    const html = renderHtml(report);
    expect(html.match(/<section class="endpoint"/g)).toHaveLength(100);
    expect(html.match(/<details open>/g)).toHaveLength(70);
  });

  it('tells the endpoints held back only by paperwork from those the evidence holds back', () => {
    const gates = (spec: 'PASS' | 'FAIL', evidence: 'PASS' | 'INSUFFICIENT'): EndpointReport['gates'] =>
      (['spec', 'spec_tests', 'shadow_correctness', 'errors', 'latency', 'coverage'] as const).map((name) => ({
        name,
        status: name === 'spec' ? spec : evidence,
        detail: '',
        numbers: {},
      }));
    const endpoint = (name: string, verdict: EndpointReport['verdict'], g: EndpointReport['gates'], seen: number | null) =>
      ({ endpoint: name, verdict, gates: g, causes: [], traffic: { first_seen: seen } }) as unknown as EndpointReport;
    const triage = triageOf([
      endpoint('GET /ready', 'READY', gates('PASS', 'PASS'), T0),
      endpoint('GET /unapproved', 'NOT_READY', gates('FAIL', 'PASS'), T0),
      endpoint('GET /young', 'NOT_READY', gates('FAIL', 'INSUFFICIENT'), T0),
      endpoint('GET /quiet', 'INSUFFICIENT_DATA', gates('PASS', 'INSUFFICIENT'), null),
    ]);
    expect(triage).toEqual({ top_differences: [], blocked_by_evidence: ['GET /young'], blocked_by_paperwork: ['GET /unapproved'], no_traffic: ['GET /quiet'] });
  });
});
