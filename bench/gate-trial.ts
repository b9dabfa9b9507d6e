/**
 * One trial of the readiness gates on real servers: three upstreams of the gate service
 * (bench/gate-service.ts) as primary, candidate and optional secondary, `parity shadow` in front of
 * them exactly as the CLI runs it (shadowSession: the mirror thread, the store file, the config),
 * the traffic a caller drives, then `parity report` of that store. The A/A and A/B checks of the
 * suite (test/shadow/gates-aa.test.ts) and of bench/aa.ts are such trials.
 *
 * Traffic is drawn like a client population's: item numbers uniform over a catalogue of 1,000
 * from a seeded generator, mostly JSON reads with NDJSON and text reads beside them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { buildReadinessReport, thresholdsOf } from '../reports/readiness.js';
import type { EndpointReport, Gate, GateName, ReadinessReport } from '../reports/model.js';
import { loadWorkspace } from '../src/config/load.js';
import { shadowSession } from '../shadow-proxy/session.js';
import type { GateServiceOptions } from './gate-service.js';
import { seededRandom } from '../src/random.js';

/** A running upstream: its URL and how to stop it. */
export interface Upstream {
  url: string;
  stop(): Promise<void>;
}

export interface TrialSetup {
  primary: GateServiceOptions;
  candidate: GateServiceOptions;
  secondary?: GateServiceOptions;
  /** Inline (the default: a proxy in front of the primary) or detached (parity calls every side itself). */
  mode?: 'inline' | 'detached';
  /** Starts one upstream: in this process (the suite) or in its own (the bench). */
  start(options: GateServiceOptions): Promise<Upstream>;
  /** Sends the trial's traffic to parity's URL. */
  traffic(url: string): Promise<void>;
  /** A fresh directory for the workspace and its store. */
  dir: string;
}

export interface TrialResult {
  report: ReadinessReport;
  /** By endpoint: each gate, and the endpoint's report. */
  endpoints: Map<string, { gates: Record<GateName, Gate>; report: EndpointReport }>;
}

export async function runTrial(setup: TrialSetup): Promise<TrialResult> {
  const upstreams: Upstream[] = [];
  try {
    const primary = await setup.start(setup.primary);
    upstreams.push(primary);
    const candidate = await setup.start(setup.candidate);
    upstreams.push(candidate);
    const secondary = setup.secondary ? await setup.start(setup.secondary) : undefined;
    if (secondary) upstreams.push(secondary);
    fs.mkdirSync(setup.dir, { recursive: true });
    fs.writeFileSync(
      path.join(setup.dir, 'parity.yaml'),
      [
        `legacy: {url: "${primary.url}"}`,
        `rewrite: {url: "${candidate.url}"}`,
        'store: shadow.db',
        'shadow:',
        `  mode: ${setup.mode ?? 'inline'}`,
        ...(secondary ? [`  secondary: "${secondary.url}"`] : []),
        '  queue_limit: 100000',
        // The trials judge the statistical gates; an hour of shadowing is not what they are about.
        'report: {min_shadow_duration: 1m}',
        '',
      ].join('\n'),
    );
    const workspace = loadWorkspace({ cwd: setup.dir });
    const abort = new AbortController();
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => (listening = resolve));
    const session = shadowSession({ workspace, cwd: setup.dir, env: {}, port: 0, signal: abort.signal, onListening: (info) => listening(info.url) });
    const stoppedEarly = session.then(() => {
      throw new Error('parity shadow stopped before the traffic was sent');
    });
    // Raced below while starting; once the traffic is sent, its stopping is the plan.
    stoppedEarly.catch(() => {});
    try {
      await setup.traffic(await Promise.race([url, stoppedEarly]));
    } finally {
      abort.abort();
    }
    const result = await session;
    if (result.lost > 0) throw new Error(`the store lost ${result.lost} comparisons`);
    const report = buildReadinessReport({ stores: [workspace.storePath], specs: [], thresholds: thresholdsOf(workspace.report), cwd: setup.dir });
    const endpoints = new Map(
      report.endpoints.map((e) => [e.endpoint, { report: e, gates: Object.fromEntries(e.gates.map((g) => [g.name, g])) as Record<GateName, Gate> }]),
    );
    return { report, endpoints };
  } finally {
    await Promise.all(upstreams.map((u) => u.stop()));
  }
}

/** The gates a trial judges: the ones computed from shadow evidence (spec and spec tests are paperwork, not statistics). */
export const STATISTICAL_GATES = ['shadow_correctness', 'errors', 'latency', 'coverage'] as const satisfies readonly GateName[];

export const JSON_READ = 'GET /items/{id}';
export const NDJSON_READ = 'GET /items/{id}/events';
export const TEXT_READ = 'GET /items/{id}/report';

/** `count` targets: JSON reads, and every `sideEvery`-th an NDJSON or a text read; item numbers from a seeded generator. */
export function trafficPlan(count: number, seed: number, sideEvery = 0): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const n = Math.floor(random() * 1000);
    if (sideEvery > 0 && i % sideEvery === 0) return i % (2 * sideEvery) === 0 ? `/items/${n}/events` : `/items/${n}/report`;
    return `/items/${n}`;
  });
}

/** Sends the targets from `clients` keep-alive clients, each waiting for its answer before the next (a closed loop). */
export async function sendClosedLoop(url: string, targets: readonly string[], clients: number): Promise<void> {
  const agent = new Agent({ connections: clients, keepAliveTimeout: 30_000 });
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = client; i < targets.length; i += clients) {
          const res = await request(`${url}${targets[i]}`, { dispatcher: agent });
          await res.body.dump();
        }
      }),
    );
  } finally {
    await agent.close();
  }
}
