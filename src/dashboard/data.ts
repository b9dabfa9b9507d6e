/**
 * What the dashboard shows, built from the stores and the specs on each request: the same
 * evidence and gates as `parity report` (reports/), bucketed per hour for the trends, plus the
 * views only the dashboard has (the field tree, samples, marks).
 *
 * Fast on a large store because it reads the hourly rollups and memoises decoded latency
 * histograms: an hour's histogram changes only while that hour is current, so a long-running
 * dashboard decodes each one once (the memo is keyed by the stored bytes, so a changed hour is
 * simply a new key). Specs are re-read when a spec file changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { mergedDays, readEvidence, HOUR_MS, DAY_MS, type EndpointEvidence } from '../../reports/evidence.js';
import type { Thresholds } from '../../reports/model.js';
import { compareEndpoints, correctnessCounts, emptyEvidence, judgeEndpoint, signatureClassifier, VERDICT_RANK } from '../../reports/readiness.js';
import { readSamples, reportable, type SampleBody, type SampleError, type SampleResponse } from '../../shadow-proxy/query.js';
import { decodeHistogram } from '../../shadow-proxy/store.js';
import type { CompareRules } from '../compare/response.js';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import { findSpecFiles, loadSpecs, type LoadedSpec } from '../spec/load.js';
import { specStatus } from '../spec/status.js';
import { wilsonInterval } from '../stats/binomial.js';
import { openStore } from '../store/store.js';
import { readMarks } from './marks.js';
import type {
  EndpointDetail,
  Overview,
  OverviewEndpoint,
  PathView,
  SampleBodyView,
  SampleResponseView,
  SamplesResponse,
  SignatureView,
  WindowName,
} from './api.js';

export interface DashboardDataOptions {
  /** Store files, read-only here (marks go to `marksStore`). */
  stores: readonly string[];
  /** Where marks are kept: the first store. */
  marksStore: string;
  specsDir: string;
  cwd: string;
  thresholds: Thresholds;
  compareRules: CompareRules;
}

const WINDOW_MS: Record<WindowName, number | null> = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, all: null };
const MAX_SAMPLES = 5;
const MEMO_LIMIT = 50_000;

export class DashboardData {
  private readonly memo = new Map<string, hdr.Histogram>();
  private specsCache: { key: string; specs: LoadedSpec[] } | null = null;

  constructor(private readonly options: DashboardDataOptions) {}

  overview(window: WindowName, now = Date.now()): Overview {
    const { since, evidence, specs } = this.read(window, now);
    const names = new Set([...specs.keys(), ...evidence.endpoints.keys()]);
    const endpoints = [...names].map(
      (name) => this.endpointSummary(name, specs.get(name) ?? null, evidence.endpoints.get(name) ?? emptyEvidence(name)).summary,
    );
    endpoints.sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || compareEndpoints(a.endpoint, b.endpoint));
    return { generated_at: now, window, since, sources: this.options.stores.map((s) => displayPath(s, this.options.cwd)), endpoints };
  }

  endpoint(name: string, window: WindowName, now = Date.now()): EndpointDetail {
    const { evidence, specs } = this.read(window, now, name);
    const loaded = specs.get(name) ?? null;
    const endpointEvidence = evidence.endpoints.get(name);
    if (!loaded && !endpointEvidence) throw new ParityError('USAGE', `no endpoint ${name} in the specs or the stores`);
    const ev = endpointEvidence ?? emptyEvidence(name);
    const { summary, report, classify, total } = this.endpointSummary(name, loaded, ev);
    const marks = readMarks(this.options.marksStore, name);
    const signatures: SignatureView[] = [...total.signatures].map(([signature, counts]) => {
      const info = ev.signatureInfo.get(signature);
      const { linked, noise, inconclusive } = classify(signature);
      const expected = linked !== undefined ? counts.count : counts.expected;
      return {
        signature,
        differences: info?.differences ?? [],
        count: counts.count,
        expected,
        unexpected: noise ? 0 : counts.count - expected - counts.inconclusive,
        noise,
        inconclusive: inconclusive ? counts.count - expected : counts.inconclusive,
        mark: marks.get(signature) ?? null,
        first_seen: info?.firstSeen ?? 0,
        last_seen: info?.lastSeen ?? 0,
        samples: info?.samples.length ?? 0,
      };
    });
    signatures.sort((a, b) => b.unexpected - a.unexpected || b.count - a.count || (a.signature < b.signature ? -1 : 1));
    const compared = summary.requests;
    const paths: PathView[] = [...total.paths]
      .map(([key, counts]) => {
        const [pattern = '', kind = ''] = key.split('\u0000');
        return {
          pattern,
          kind,
          raw: counts.raw,
          noise: counts.noise,
          raw_rate: compared > 0 ? counts.raw / compared : 0,
          noise_rate: compared > 0 ? counts.noise / compared : 0,
          reportable: reportable(counts.raw, counts.noise, compared),
        };
      })
      .sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : a.kind < b.kind ? -1 : 1));
    const spec = loaded?.spec;
    return {
      window,
      summary,
      spec: spec
        ? {
            id: spec.id,
            file: displayPath(loaded.file, this.options.cwd),
            ...specStatus(spec),
            approval: spec.approval ? { by: spec.approval.by, at: spec.approval.at } : null,
            behaviors: spec.behaviors.map((b) => ({ id: b.id, says: b.says, disposition: b.disposition, evidence: b.evidence ?? [], notes: b.notes ?? null })),
          }
        : null,
      gates: report.gates,
      reasons: report.reasons,
      signatures,
      paths,
      status_matrix: report.status_matrix,
      downstream: report.downstream,
    };
  }

  /** The stored samples of a signature, earliest first, from whichever stores hold them. */
  samples(endpoint: string, signature: string): SamplesResponse {
    const found: SamplesResponse['samples'] = [];
    for (const file of this.options.stores) {
      const store = openStore(file, { readonly: true });
      try {
        const id = store.db.prepare('SELECT id FROM shadow_signatures WHERE endpoint = ? AND signature = ?').pluck().get(endpoint, signature) as
          number | undefined;
        if (id === undefined) continue;
        for (const sample of readSamples(store.db, id)) {
          found.push({
            at: sample.at,
            outcome: sample.outcome,
            request: { ...sample.request, body: bodyView(sample.request.body) },
            primary: responseView(sample.primary),
            candidate: sample.candidate && answerView(sample.candidate),
            secondary: sample.secondary && answerView(sample.secondary),
            differences: sample.differences,
            noise: sample.noise,
          });
        }
      } finally {
        store.close();
      }
    }
    found.sort((a, b) => a.at - b.at);
    return { endpoint, signature, samples: found.slice(0, MAX_SAMPLES) };
  }

  /** A signature's differing paths and kinds, from whichever store has it. */
  signatureParts(endpoint: string, signature: string): { pattern: string; kind: string }[] {
    for (const file of this.options.stores) {
      const store = openStore(file, { readonly: true });
      try {
        const differences = store.db
          .prepare('SELECT differences FROM shadow_signatures WHERE endpoint = ? AND signature = ?')
          .pluck()
          .get(endpoint, signature) as string | undefined;
        if (differences !== undefined) return JSON.parse(differences) as { pattern: string; kind: string }[];
      } finally {
        store.close();
      }
    }
    throw new ParityError('USAGE', `no signature ${JSON.stringify(signature)} on ${endpoint} in the stores`);
  }

  /** The current specs, keyed by endpoint; re-read when a spec file is added, removed or changed. */
  specs(): Map<string, LoadedSpec> {
    const dir = this.options.specsDir;
    if (!fs.existsSync(dir)) return new Map();
    const files = findSpecFiles(dir);
    const key = files.map((file) => `${file}:${fs.statSync(file).mtimeMs}`).join('\n');
    if (this.specsCache?.key !== key) {
      const set = loadSpecs(dir, this.options.cwd);
      this.specsCache = { key, specs: set.specs };
    }
    return new Map(this.specsCache.specs.map((loaded) => [loaded.spec.endpoint, loaded]));
  }

  /** Something a page shows changed: a store was written or a spec file edited. */
  version(): string {
    const parts: string[] = [];
    for (const file of this.options.stores) {
      for (const suffix of ['', '-wal']) {
        const stat = fs.statSync(file + suffix, { throwIfNoEntry: false });
        parts.push(stat ? `${stat.mtimeMs}:${stat.size}` : '-');
      }
    }
    const dir = this.options.specsDir;
    if (fs.existsSync(dir)) for (const file of findSpecFiles(dir)) parts.push(`${path.basename(file)}:${fs.statSync(file).mtimeMs}`);
    return parts.join('|');
  }

  /** `only`: one endpoint, with its samples (the endpoint page); else every endpoint, counts only (the overview). */
  private read(window: WindowName, now: number, only?: string) {
    const span = WINDOW_MS[window];
    const since = span === null ? null : Math.floor((now - span) / HOUR_MS) * HOUR_MS;
    // Up to a week, trends are hourly; beyond, daily.
    const grainMs = span !== null && span <= 7 * DAY_MS ? HOUR_MS : DAY_MS;
    const evidence = readEvidence({
      stores: this.options.stores,
      grainMs,
      decode: (bytes) => this.decode(bytes),
      samples: only !== undefined,
      ...(since !== null && { since }),
      ...(only !== undefined && { includeEndpoint: (endpoint: string) => endpoint === only }),
    });
    return { since, evidence, specs: this.specs() };
  }

  private endpointSummary(name: string, loaded: LoadedSpec | null, evidence: EndpointEvidence) {
    const { thresholds, compareRules: rules, cwd } = this.options;
    const report = judgeEndpoint(name, loaded, evidence, { thresholds, rules, cwd, days: false });
    const spec = loaded?.spec ?? null;
    const total = mergedDays(evidence);
    const classify = signatureClassifier(spec, rules, evidence, total);
    const trend = [...evidence.days.keys()]
      .sort((a, b) => a - b)
      .map((at) => {
        const bucket = evidence.days.get(at)!;
        const counts = correctnessCounts(bucket, classify);
        return { at, requests: counts.compared, diverged: counts.mismatches };
      });
    let pairs = 0;
    let legacyErrors = 0;
    let rewriteErrors = 0;
    for (const cell of report.status_matrix) {
      pairs += cell.count;
      if (cell.legacy >= 500) legacyErrors += cell.count;
      if (cell.rewrite >= 500 || cell.rewrite === 0) rewriteErrors += cell.count;
    }
    const test = evidence.latestTestRun;
    const rewriteFailures = test ? test.results.filter((r) => r.target === 'rewrite' && (r.outcome === 'fail' || r.outcome === 'error')).length : 0;
    const interval = wilsonInterval(report.requests - report.mismatches, report.requests, 0.95);
    const latency = (side: typeof report.latency.legacy) => (side ? { p50: side.p50, p99: side.p99 } : null);
    const summary: OverviewEndpoint = {
      endpoint: name,
      spec: spec ? { id: spec.id, status: specStatus(spec).status, file: displayPath(loaded!.file, cwd) } : null,
      requests: report.requests,
      match: report.traffic.match,
      diverged: report.mismatches,
      expected: report.traffic.expected,
      raw: report.traffic.raw,
      noise: report.traffic.noise,
      inconclusive: report.traffic.inconclusive,
      secondary: report.secondary,
      candidate_error: report.traffic.candidate_error,
      not_compared: report.traffic.not_compared,
      downstream: report.traffic.downstream,
      dropped: report.traffic.dropped,
      match_rate: report.requests > 0 ? (report.requests - report.mismatches) / report.requests : null,
      interval,
      trend,
      latency: { legacy: latency(report.latency.legacy), rewrite: latency(report.latency.rewrite) },
      error_rate: { legacy: pairs > 0 ? legacyErrors / pairs : null, rewrite: pairs > 0 ? rewriteErrors / pairs : null },
      latest_test: test ? { passed: rewriteFailures === 0, rewrite_failures: rewriteFailures, finished_at: test.finishedAt } : null,
      verdict: report.verdict,
    };
    return { summary, report, classify, total };
  }

  private decode(bytes: Buffer): hdr.Histogram {
    const key = bytes.toString('base64');
    let histogram = this.memo.get(key);
    if (!histogram) {
      // A simple bound: past hours are what is worth keeping, and they are re-decoded at worst.
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      histogram = decodeHistogram(bytes);
      this.memo.set(key, histogram);
    }
    return histogram;
  }
}

function bodyView(body: SampleBody | null): SampleBodyView | null {
  if (!body) return null;
  return { text: body.text, base64: body.text === null ? body.bytes.toString('base64') : null, size: body.size, truncated: body.truncated };
}

function responseView(response: SampleResponse): SampleResponseView {
  return { status: response.status, headers: response.headers, body: bodyView(response.body), duration_ms: response.durationMs };
}

function answerView(answer: SampleResponse | SampleError): SampleResponseView | { error: string; duration_ms: number } {
  return 'error' in answer ? { error: answer.error, duration_ms: answer.durationMs } : responseView(answer);
}
