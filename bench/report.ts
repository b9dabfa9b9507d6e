/**
 * How long `parity report` takes on a store of weeks of shadowing, and how the time splits
 * between one store and the same traffic spread over several (a fleet of detached comparators).
 *
 * The store is written by the real shadow writer: E endpoints, one comparison per endpoint per
 * minute for D days (so E x D x 1440 rollup rows, each with two latency histograms), with a
 * planted difference on one endpoint every 50th request and noise on another. The report is
 * built three times per layout; medians are printed.
 *
 *   npm run build && node dist/bench/report.js [--days 7] [--endpoints 20] [--stores 4]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { buildReadinessReport, thresholdsOf } from '../reports/readiness.js';
import { openShadowStore, type ComparisonRecord, type ShadowStore } from '../shadow-proxy/store.js';
import { ReportConfigSchema } from '../src/config/schema.js';
import type { Difference } from '../src/compare/response.js';

const { values } = parseArgs({
  options: { days: { type: 'string', default: '7' }, endpoints: { type: 'string', default: '20' }, stores: { type: 'string', default: '4' } },
});
const DAYS = Number(values.days);
const ENDPOINTS = Number(values.endpoints);
const STORES = Number(values.stores);
const MINUTE = 60_000;
const START = Date.UTC(2026, 9, 1);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-bench-report-'));
const json = { 'content-type': 'application/json' };
const planted: Difference = { kind: 'value', path: '$.total', pattern: '$.total', primary: 1, candidate: 2 };
const stamp: Difference = { kind: 'value', path: '$.at', pattern: '$.at', primary: 'a', candidate: 'b' };

function comparison(endpoint: number, minute: number, i: number): ComparisonRecord {
  const differs = endpoint === 0 && i % 50 === 0;
  const noisy = endpoint === 1 && i % 3 === 0;
  const response = { status: 200, headers: json, body: Buffer.from('{"id":1}'), durationMs: 2 + (i % 17) };
  return {
    at: START + minute * MINUTE + (i % 60) * 1000,
    endpoint: `GET /resource${endpoint}/{id}`,
    outcome: differs ? 'mismatch' : 'match',
    request: { method: 'GET', target: `/resource${endpoint}/${i}`, headers: {}, body: null },
    primary: response,
    candidate: { ...response, durationMs: 3 + (i % 19) },
    differences: differs ? [planted] : [],
    rawDifferences: differs ? [planted] : noisy ? [stamp] : [],
    noise: noisy ? [stamp] : [],
    signature: null,
  };
}

async function fill(files: string[]): Promise<number> {
  const stores: ShadowStore[] = files.map((file) => openShadowStore(file, { flushIntervalMs: 60_000 }));
  let i = 0;
  for (let minute = 0; minute < DAYS * 1440; minute++) {
    for (let endpoint = 0; endpoint < ENDPOINTS; endpoint++) stores[i % stores.length]!.record(comparison(endpoint, minute, i++));
    if (minute % 60 === 0) for (const store of stores) store.flush();
  }
  await Promise.all(stores.map((store) => store.close()));
  return i;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeReport(files: string[]): number {
  const thresholds = thresholdsOf(ReportConfigSchema.parse({}));
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    buildReadinessReport({ stores: files, specs: [], thresholds, cwd: work });
    times.push(performance.now() - started);
  }
  return median(times);
}

const single = [path.join(work, 'one.db')];
const fleet = Array.from({ length: STORES }, (_, i) => path.join(work, `comparator-${i}.db`));
const comparisons = await fill(single);
await fill(fleet);
const bytes = fs.statSync(single[0]!).size;
const oneMs = timeReport(single);
const fleetMs = timeReport(fleet);
console.log(
  `${DAYS} days x ${ENDPOINTS} endpoints, one comparison per endpoint-minute: ${comparisons.toLocaleString('en-US')} comparisons, ${(bytes / 1e6).toFixed(1)} MB store`,
);
console.log(`report over 1 store:        ${(oneMs / 1000).toFixed(2)} s (median of 3)`);
console.log(`report over ${STORES} stores:       ${(fleetMs / 1000).toFixed(2)} s (median of 3), ${(fleetMs / oneMs).toFixed(2)}x the single store`);
console.log(`per endpoint-hour read:     ${((oneMs * 1000) / (DAYS * 24 * ENDPOINTS)).toFixed(0)} µs (the report reads the hourly rollups)`);
console.log(`store bytes per comparison: ${(bytes / comparisons).toFixed(0)} (sparse traffic: every comparison opens its own minute row)`);
fs.rmSync(work, { recursive: true, force: true });
