/**
 * `parity demo`: the whole workflow on the bundled billing pair, in one workspace, each step
 * reporting what it did and where its output is.
 *
 *   1. start the billing legacy and rewrite (plus fresh instances for shadowing, so the spec
 *      tests' writes never become shadow differences, and a second legacy for noise);
 *   2. extract the legacy's endpoints into drafts, shown beside the worked, approved specs;
 *   3. run the spec tests against both;
 *   4. shadow: the proxy in front of the legacy, the traffic generator through it;
 *   5. write the readiness report (HTML and Markdown);
 *   6. serve the dashboard, unless told not to.
 *
 * Returns a summary the CLI prints and the demo's test holds against DIFFERENCES.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAnswerKey, type AnswerKeyRow } from '../../examples/billing/answer-key.js';
import { billingDir, loadSeed, startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { generateTraffic } from '../../examples/billing/traffic/generate.js';
import { readinessReport } from '../../reports/command.js';
import type { Verdict } from '../../reports/model.js';
import { thresholdsOf } from '../../reports/readiness.js';
import { DEFAULT_CORRELATION } from '../../shadow-proxy/correlation.js';
import { startShadowProxy, type ShadowProxy, type ShadowProxyOptions } from '../../shadow-proxy/proxy.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { loadWorkspace } from '../config/load.js';
import { ParityError } from '../errors.js';
import { DashboardData } from '../dashboard/data.js';
import { startDashboard } from '../dashboard/server.js';
import { extractEndpoints } from '../extract/extract.js';
import { packageRoot } from '../package-info.js';
import { testImplementations } from '../runner/command.js';
import { loadSpecs } from '../spec/load.js';
import { specStatus } from '../spec/status.js';

export interface DemoOptions {
  /** The workspace; default: a new temporary directory. It must be empty or not exist. */
  dir?: string;
  /** Seconds of shadowed traffic. Default 60. */
  durationSeconds?: number;
  /** Serve the dashboard at the end (until the signal aborts). Default true. */
  dashboard?: boolean;
  /** Requests per second of the traffic generator. Default 40. */
  rps?: number;
  dashboardPort?: number;
  signal?: AbortSignal;
  /** Each step as it finishes: a title and lines saying what it did and where its output is. */
  onStep?: (step: DemoStep) => void;
  /** Shadowing progress, about four times a second. */
  onProgress?: (progress: { elapsedSeconds: number; durationSeconds: number; sent: number; compared: number; diverged: number }) => void;
  /** The summary, as soon as the report is written: before the dashboard, which may serve for hours. */
  onSummary?: (summary: DemoSummary) => void;
  /** Called once the dashboard listens, before waiting for the signal. */
  onDashboard?: (url: string) => void;
}

export interface DemoStep {
  title: string;
  lines: string[];
}

export interface DemoSummary {
  dir: string;
  extraction: { endpoints: number; draftsDir: string; withWorkedSpec: number };
  tests: {
    examples: number;
    legacy: { passed: number; failed: number };
    rewrite: { passed: number; failed: number };
    rewriteFailures: { endpoint: string; example: string }[];
  };
  /** `learned`: id pairs the proxy followed; `translated`: requests the rewrite got with its own ids; `downstream`: differences that followed a diverged write. */
  shadow: { seconds: number; requests: number; compared: number; store: string; learned: number; translated: number; downstream: number };
  /** Every difference signature the shadowing recorded, with how the report counts it and the answer-key row it belongs to. */
  differences: { endpoint: string; signature: string; count: number; unexpected: number; kind: 'unexpected' | 'expected' | 'noise'; planted: string | null }[];
  verdicts: { endpoint: string; verdict: Verdict; reason: string | null }[];
  report: { html: string; markdown: string };
  dashboard: string | null;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const dir = prepareDir(options.dir);
  const durationSeconds = options.durationSeconds ?? 60;
  const step = (title: string, lines: string[]) => options.onStep?.({ title, lines });
  const running: RunningBilling[] = [];
  try {
    // 1. The services.
    const [legacy, rewrite, primary, secondary, candidate] = await Promise.all([
      startBilling('legacy'),
      startBilling('rewrite'),
      startBilling('legacy'),
      startBilling('legacy'),
      startBilling('rewrite'),
    ]);
    running.push(legacy, rewrite, primary, secondary, candidate);
    writeWorkspace(dir, legacy.url, rewrite.url);
    step('Started the billing pair', [
      `legacy (Express, JavaScript) ${legacy.url}, rewrite (Fastify, TypeScript) ${rewrite.url}: examples/billing, differing as examples/billing/DIFFERENCES.md says`,
      `for shadowing, fresh instances: legacy ${primary.url}, a second legacy ${secondary.url} (for noise), rewrite ${candidate.url}`,
      `workspace: ${dir} (parity.yaml, specs/, drafts/, reports/, .parity/parity.db)`,
    ]);

    // 2. Extraction, beside the worked specs.
    const extraction = extractEndpoints({ source: path.join(billingDir(), 'legacy'), cwd: dir, specsDir: path.join(dir, 'drafts') });
    // Drafts name path parameters as the code does (`{id}`), the worked specs as people chose (`{customer_id}`).
    const shape = (endpoint: string) => endpoint.replace(/\{[^}]*\}/g, '{}');
    const worked = new Map(loadSpecs(path.join(dir, 'specs'), dir).specs.map((s) => [shape(s.spec.endpoint), s]));
    const rows = extraction.endpoints.map((e) => {
      const spec = worked.get(shape(`${e.method} ${e.path}`));
      return `${`${e.method} ${e.path}`.padEnd(46)} ${String(e.params.length).padStart(2)} params ${String(e.guards.length).padStart(2)} guards ${String(e.outcomes.length).padStart(2)} outcomes   ${spec ? `${spec.spec.id} (${specStatus(spec.spec).status})` : 'no worked spec'}`;
    });
    const withWorkedSpec = extraction.endpoints.filter((e) => worked.has(shape(`${e.method} ${e.path}`))).length;
    step(`Extracted ${extraction.endpoints.length} endpoints from the legacy source`, [
      `drafts in ${path.join(dir, 'drafts')}; beside each, the worked spec in specs/ (reviewed by people: who may call, rate limit, a disposition per behaviour)`,
      ...rows,
    ]);

    // 3. Spec tests against both.
    const workspace = loadWorkspace({ cwd: dir });
    const tested = await testImplementations({ workspace, cwd: dir, env: {}, ...(options.signal && { signal: options.signal }) });
    const results = tested.run.results;
    const legacyFailed = results.filter((r) => r.legacy.outcome === 'fail' || r.legacy.outcome === 'error').length;
    const rewriteFailures = results.filter((r) => r.rewrite.outcome === 'fail' || r.rewrite.outcome === 'error');
    step(`Ran ${results.length} spec examples against both`, [
      `legacy: ${results.length - legacyFailed} passed, ${legacyFailed} failed; rewrite: ${results.length - rewriteFailures.length} passed, ${rewriteFailures.length} failed`,
      ...rewriteFailures.map((r) => `rewrite fails ${r.endpoint}: ${r.example}`),
      `fix behaviours pass on both sides: the legacy shows the bug, the rewrite the fix; run #${tested.runId} saved in ${tested.store}`,
    ]);

    // 4. Shadowing.
    const storeFile = workspace.storePath;
    const store = openShadowStore(storeFile);
    const proxy = await startBillingShadow({
      primary: primary.url,
      secondary: secondary.url,
      candidate: candidate.url,
      specs: loadSpecs(workspace.specsDir, dir).specs,
      store,
    });
    const started = Date.now();
    let traffic;
    try {
      traffic = await generateTraffic({
        target: proxy.url,
        rps: options.rps ?? 40,
        durationSeconds,
        seed: 1,
        concurrency: 16,
        ...(options.signal && { signal: options.signal }),
        onProgress: (p) => {
          const m = proxy.metrics();
          options.onProgress?.({
            elapsedSeconds: (Date.now() - started) / 1000,
            durationSeconds,
            sent: p.sent,
            compared: m.compared.match + m.compared.noise + m.compared.mismatch + m.compared.expected,
            diverged: m.compared.mismatch,
          });
        },
      });
    } finally {
      await proxy.close();
      await store.close();
    }
    const metrics = proxy.metrics();
    const compared = metrics.compared.match + metrics.compared.noise + metrics.compared.mismatch + metrics.compared.expected;
    step(`Shadowed ${durationSeconds} s of traffic`, [
      `the generator sent ${traffic.sent} requests through the shadow proxy in front of the legacy (${traffic.failed} failed); each went to the rewrite and the second legacy too`,
      `${compared} compared: ${metrics.compared.match} match, ${metrics.compared.noise} match once the second legacy's noise was left out, ${metrics.compared.mismatch} differ, ${metrics.compared.expected} expected (a fix behaviour), ${metrics.compared.inconclusive} inconclusive (the second legacy disagreed on status or structure too); stored in ${storeFile}`,
      `clients reused the ids their creates answered: ${metrics.correlation.learned} id pairs learned, ${metrics.correlation.translated} requests sent to the rewrite with its own ids, ${metrics.compared.downstream} differences downstream of a diverged write`,
    ]);

    // 5. The readiness report.
    const html = path.join(dir, 'reports', 'readiness.html');
    const markdown = path.join(dir, 'reports', 'readiness.md');
    const { report } = readinessReport({ workspace, cwd: dir, out: html });
    readinessReport({ workspace, cwd: dir, out: markdown });
    const o = report.overall;
    step('Wrote the readiness report', [`${html} and ${markdown}: ${o.not_ready} not ready, ${o.insufficient} insufficient data, ${o.ready} ready`]);

    const answerKey = readAnswerKey();
    const differences: DemoSummary['differences'] = report.endpoints.flatMap((e) =>
      e.signatures.map((s) => {
        const unexpected = s.noise ? 0 : s.count - s.expected;
        const kind = s.noise ? ('noise' as const) : unexpected > 0 ? ('unexpected' as const) : ('expected' as const);
        return { endpoint: e.endpoint, signature: s.signature, count: s.count, unexpected, kind, planted: plantedRow(answerKey, e.endpoint, kind) };
      }),
    );

    const summary: DemoSummary = {
      dir,
      extraction: { endpoints: extraction.endpoints.length, draftsDir: path.join(dir, 'drafts'), withWorkedSpec },
      tests: {
        examples: results.length,
        legacy: { passed: results.length - legacyFailed, failed: legacyFailed },
        rewrite: { passed: results.length - rewriteFailures.length, failed: rewriteFailures.length },
        rewriteFailures: rewriteFailures.map((r) => ({ endpoint: r.endpoint, example: r.example })),
      },
      shadow: {
        seconds: durationSeconds,
        requests: traffic.sent,
        compared,
        store: storeFile,
        learned: metrics.correlation.learned,
        translated: metrics.correlation.translated,
        downstream: metrics.compared.downstream,
      },
      differences,
      verdicts: report.endpoints.map((e) => ({ endpoint: e.endpoint, verdict: e.verdict, reason: e.reasons[0] ?? null })),
      report: { html, markdown },
      dashboard: null,
    };

    options.onSummary?.(summary);

    // 6. The dashboard.
    if (options.dashboard ?? true) {
      const data = new DashboardData({
        stores: [storeFile],
        marksStore: storeFile,
        specsDir: workspace.specsDir,
        cwd: dir,
        thresholds: thresholdsOf(workspace.report),
        compareRules: workspace.shadow.compare ?? {},
      });
      const start = (port: number) => startDashboard({ data, marksStore: storeFile, cwd: dir, port });
      // The usual port when it is free; any free one when another dashboard (or anything) holds it.
      const dashboard = await start(options.dashboardPort ?? 8490).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EADDRINUSE') throw error;
        return start(0);
      });
      summary.dashboard = dashboard.url;
      try {
        options.onDashboard?.(dashboard.url);
        const signal = options.signal;
        if (signal && !signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      } finally {
        await dashboard.close();
      }
    }
    return summary;
  } finally {
    await Promise.all(running.map((service) => service.close()));
  }
}

/**
 * The inline shadow proxy as the demo (and the tests on real billing traffic) run it: every
 * request mirrored, writes too, since the traffic generator never reuses an id a create returned,
 * so they can go to instances with separate databases.
 */
export function startBillingShadow(options: Pick<ShadowProxyOptions, 'primary' | 'secondary' | 'candidate' | 'specs' | 'store'>): Promise<ShadowProxy> {
  return startShadowProxy({
    ...options,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    samplePercent: 100,
    queueLimit: 10_000,
    timeoutMs: 5_000,
    maxBodyBytes: 1 << 20,
    // The traffic creates and then uses what it created, like real clients: the ids are followed.
    correlation: DEFAULT_CORRELATION,
  });
}

/** The answer-key row a difference on this endpoint belongs to: a regression's or a fix's. */
function plantedRow(answerKey: readonly AnswerKeyRow[], endpoint: string, kind: 'unexpected' | 'expected' | 'noise'): string | null {
  const category = kind === 'unexpected' ? 'regression' : kind === 'expected' ? 'bug fixed' : null;
  if (category === null) return null;
  return answerKey.find((row) => row.category === category && row.endpoints.includes(endpoint))?.id ?? null;
}

function prepareDir(dir: string | undefined): string {
  if (dir === undefined) return fs.mkdtempSync(path.join(os.tmpdir(), 'parity-demo-'));
  const absolute = path.resolve(dir);
  if (fs.existsSync(absolute) && fs.readdirSync(absolute).length > 0) {
    throw new ParityError('USAGE', `--dir ${dir} is not empty: the demo writes a fresh workspace there`);
  }
  fs.mkdirSync(absolute, { recursive: true });
  return absolute;
}

/** parity.yaml for the demo, and the worked specs copied in, so marks from the dashboard edit the copies. */
function writeWorkspace(dir: string, legacyUrl: string, rewriteUrl: string): void {
  fs.cpSync(path.join(packageRoot(), 'specs', 'billing'), path.join(dir, 'specs'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'reports'), { recursive: true });
  // The seed's own API keys: the worked specs' examples call as these two accounts.
  const keyOf = (account: string) => loadSeed().accounts.find((a) => a.id === account)!.api_key;
  fs.writeFileSync(
    path.join(dir, 'parity.yaml'),
    [
      '# Written by `parity demo`: the bundled billing pair, with its worked specs.',
      `legacy: {source: ${JSON.stringify(path.join(billingDir(), 'legacy'))}, url: "${legacyUrl}"}`,
      `rewrite: {url: "${rewriteUrl}"}`,
      'specs: specs',
      'store: .parity/parity.db',
      'reports: reports',
      `hooks: ${JSON.stringify(path.join(billingDir(), 'parity-hooks.mjs'))}`,
      'auth:',
      `  acme: {headers: {Authorization: "Bearer ${keyOf('acct_acme')}"}}`,
      `  globex: {headers: {Authorization: "Bearer ${keyOf('acct_globex')}"}}`,
      '# A demo shadows for a minute, not the day a real cutover would want.',
      'report: {min_shadow_duration: 1m}',
      '',
    ].join('\n'),
  );
}
