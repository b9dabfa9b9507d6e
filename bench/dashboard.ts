/**
 * The dashboard on a large store: how long each page's data request takes.
 *
 * A store of N comparisons (default 1,000,000) written by the real shadow writer: 20 endpoints
 * over 2 days, a planted difference on two endpoints, noise on another, a few candidate errors.
 * Then the dashboard server on loopback, and each API request the pages make, timed over HTTP:
 * the first request (cold: latency histograms decoded for the first time) and the median of the
 * next five (warm: what a page that stays open sees on every refresh).
 *
 *   npm run build && node dist/bench/dashboard.js [--comparisons 1000000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { thresholdsOf } from '../reports/readiness.js';
import { openShadowStore, type ComparisonRecord } from '../shadow-proxy/store.js';
import type { Difference } from '../src/compare/response.js';
import { ReportConfigSchema } from '../src/config/schema.js';
import { DashboardData } from '../src/dashboard/data.js';
import { startDashboard } from '../src/dashboard/server.js';

const { values } = parseArgs({ options: { comparisons: { type: 'string', default: '1000000' } } });
const COMPARISONS = Number(values.comparisons);
const ENDPOINTS = 20;
const SPAN_MS = 2 * 86_400_000;
const now = Date.now();
const start = now - SPAN_MS;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-bench-dashboard-'));
const file = path.join(work, 'shadow.db');
fs.mkdirSync(path.join(work, 'specs'));
const json = { 'content-type': 'application/json' };
const total: Difference = { kind: 'value', path: '$.total', pattern: '$.total', primary: 1, candidate: 2 };
const items: Difference = { kind: 'length', path: '$.items', pattern: '$.items', primary: 3, candidate: 2 };
const stamp: Difference = { kind: 'value', path: '$.at', pattern: '$.at', primary: 'a', candidate: 'b' };

function comparison(i: number): ComparisonRecord {
  const endpoint = i % ENDPOINTS;
  const differences = endpoint === 0 && i % 97 === 0 ? [total] : endpoint === 1 && i % 41 === 0 ? [items, total] : [];
  const noisy = endpoint === 2 && i % 3 === 0;
  const response = { status: 200, headers: json, body: Buffer.from(`{"id":${i},"total":1}`), durationMs: 2 + (i % 23) };
  const failed = i % 5000 === 0;
  return {
    at: start + Math.floor((i * SPAN_MS) / COMPARISONS),
    endpoint: `GET /resource${endpoint}/{id}`,
    outcome: failed ? 'candidate_error' : differences.length > 0 ? 'mismatch' : 'match',
    request: { method: 'GET', target: `/resource${endpoint}/${i}`, headers: {}, body: null },
    primary: response,
    candidate: failed ? { error: 'timeout', durationMs: 5000 } : { ...response, durationMs: 3 + (i % 29) },
    differences,
    rawDifferences: noisy ? [stamp] : differences,
    noise: noisy ? [stamp] : [],
    signature: null,
  };
}

const writeStarted = performance.now();
const store = openShadowStore(file, { flushIntervalMs: 60_000 });
for (let i = 0; i < COMPARISONS; i++) {
  store.record(comparison(i));
  if (i % 5000 === 4999) store.flush();
}
await store.close();
const writeSeconds = (performance.now() - writeStarted) / 1000;

const data = new DashboardData({
  stores: [file],
  marksStore: file,
  specsDir: path.join(work, 'specs'),
  cwd: work,
  thresholds: thresholdsOf(ReportConfigSchema.parse({})),
  compareRules: {},
});
const dashboard = await startDashboard({ data, marksStore: file, cwd: work });

async function time(pathname: string): Promise<{ cold: number; warm: number }> {
  const runs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    const response = await request(`${dashboard.url}${pathname}`);
    await response.body.arrayBuffer();
    if (response.statusCode !== 200) throw new Error(`${pathname}: ${response.statusCode}`);
    runs.push(performance.now() - started);
  }
  const warm = runs.slice(1).sort((a, b) => a - b);
  return { cold: runs[0]!, warm: warm[Math.floor(warm.length / 2)]! };
}

const endpoint = encodeURIComponent('GET /resource1/{id}');
const signature = encodeURIComponent('GET /resource1/{id} | $.items length; $.total value');
const pages: [string, string][] = [
  ['overview, 1h', '/api/overview?window=1h'],
  ['overview, 24h', '/api/overview?window=24h'],
  ['overview, 7d', '/api/overview?window=7d'],
  ['overview, all', '/api/overview?window=all'],
  ['endpoint page, 24h', `/api/endpoint?endpoint=${endpoint}&window=24h`],
  ['endpoint page, all', `/api/endpoint?endpoint=${endpoint}&window=all`],
  ['samples of a signature', `/api/samples?endpoint=${endpoint}&signature=${signature}`],
];
const bytes = fs.statSync(file).size;
console.log(
  `store: ${COMPARISONS.toLocaleString('en-US')} comparisons, ${ENDPOINTS} endpoints over 2 days, ${(bytes / 1e6).toFixed(1)} MB, written in ${writeSeconds.toFixed(1)} s`,
);
console.log('request                      cold ms   warm ms (median of 5)');
let worst = 0;
for (const [name, pathname] of pages) {
  const { cold, warm } = await time(pathname);
  worst = Math.max(worst, warm);
  console.log(`${name.padEnd(28)} ${cold.toFixed(0).padStart(7)}   ${warm.toFixed(0).padStart(7)}`);
}
console.log(`slowest warm request: ${worst.toFixed(0)} ms (aim: under 200 ms)`);
await dashboard.close();
fs.rmSync(work, { recursive: true, force: true });
