/**
 * What the two shadow servers (inline in proxy.ts, detached in detached.ts) share: the request
 * headers that may travel on to an upstream, and the operations endpoints `/__parity/health`
 * (JSON) and `/__parity/metrics` (Prometheus text).
 */
import type http from 'node:http';
import { targetPath } from '../src/record/match.js';
import type { CompareRules } from '../src/compare/response.js';
import type { LoadedSpec } from '../src/spec/load.js';
import type { CorrelationConfig, CorrelationStats } from './correlation.js';
import { compilePolicy, type MirrorPolicy } from './policy.js';
import type { ShadowMetrics } from './proxy.js';

/** What the inline proxy and detached mode are both configured with. */
export interface ShadowServerOptions {
  /** The legacy: inline, it answers the clients; detached, a non-production instance whose answers are the reference. */
  primary: string;
  candidate: string;
  /** A second legacy instance, for noise. */
  secondary?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  specs: readonly LoadedSpec[];
  /** Workspace-wide compare rules (shadow.compare), under each spec's own. */
  compare?: CompareRules;
  /** Which requests are mirrored and what each target is sent (shadow.* in parity.yaml). When given, methods, samplePercent and timeoutMs are ignored. */
  policy?: MirrorPolicy;
  /** Methods mirrored, without a policy (default GET, HEAD, OPTIONS). */
  methods?: readonly string[];
  /** Share of eligible requests mirrored, 0 to 100, without a policy (default 100). */
  samplePercent?: number;
  queueLimit: number;
  /** Mirror jobs in flight at most (default 16). */
  mirrorConcurrency?: number;
  /** Per-request timeout towards the candidate and the secondary, without a policy (default 5000). */
  timeoutMs?: number;
  /** Bodies larger than this are not compared (not_compared). */
  maxBodyBytes: number;
  /** On close, how long queued comparisons may take before the rest are dropped (default 10 s). */
  drainMs?: number;
  /** Stateful shadowing (correlation.ts); off when undefined. */
  correlation?: CorrelationConfig;
}

/** The options' policy, or one made from the plain methods / samplePercent / timeoutMs (tests, embedding). */
export function policyOf(options: ShadowServerOptions): MirrorPolicy {
  return (
    options.policy ??
    compilePolicy(
      { methods: options.methods ?? ['GET', 'HEAD', 'OPTIONS'], sample_percent: options.samplePercent ?? 100, timeout_ms: options.timeoutMs ?? 5_000 },
      {},
    )
  );
}

/**
 * Headers that belong to one connection, not to the request: never forwarded. `host` too, so
 * that a request only ever reaches the configured upstream, whatever Host it came with.
 */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'expect']);

/** The request's headers minus hop-by-hop ones (and those its Connection header names), repeated headers joined. */
export function forwardableHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const named = new Set((headers.connection ?? '').split(',').map((name) => name.trim().toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Answers a request under `/__parity/`: health, metrics, or a 404 naming both. */
export function answerOperations(target: string, res: http.ServerResponse, metrics: ShadowMetrics, extra: Readonly<Record<string, string>> = {}): void {
  const path = targetPath(target);
  if (path === '/__parity/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', ...extra, ...metrics }));
    return;
  }
  if (path === '/__parity/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(prometheusText(metrics));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: `unknown parity endpoint ${path}; try /__parity/health or /__parity/metrics` }));
}

/** Stateful shadowing's counters as Prometheus metrics: `parity_shadow_correlation_<key>[_total]`. */
const CORRELATION_METRICS: readonly [keyof CorrelationStats, 'counter' | 'gauge', string][] = [
  ['learned', 'counter', 'Identifier pairs learned (primary value -> candidate or secondary value).'],
  ['translated', 'counter', 'Mirrored requests sent to the candidate with learned values translated.'],
  ['downstream', 'counter', 'Differences recorded as downstream of an earlier diverged write.'],
  ['diverged', 'counter', 'Identifiers marked diverged by a write whose outcome differed.'],
  ['evicted', 'counter', 'Learned pairs and diverged identifiers pushed out by shadow.correlation.max_entries.'],
  ['expired', 'counter', 'Learned pairs and diverged identifiers forgotten after shadow.correlation.max_age_hours unused.'],
  ['conflicts', 'counter', 'Pairings refused because they contradicted a learned pair.'],
  ['entries', 'gauge', 'Learned pairs held now (candidate and secondary).'],
];

export function prometheusText(m: ShadowMetrics): string {
  const lines = [
    '# HELP parity_shadow_requests_total Requests received (inline: client requests proxied to the primary; detached: mirrored copies).',
    '# TYPE parity_shadow_requests_total counter',
    `parity_shadow_requests_total ${m.requests}`,
    '# HELP parity_shadow_mirrored_total Requests queued for mirroring.',
    '# TYPE parity_shadow_mirrored_total counter',
    `parity_shadow_mirrored_total ${m.mirrored}`,
    '# HELP parity_shadow_dropped_total Mirror jobs dropped because the queue was full.',
    '# TYPE parity_shadow_dropped_total counter',
    `parity_shadow_dropped_total ${m.dropped}`,
    '# HELP parity_shadow_compared_total Comparisons by outcome.',
    '# TYPE parity_shadow_compared_total counter',
    ...Object.entries(m.compared).map(([outcome, n]) => `parity_shadow_compared_total{outcome="${outcome}"} ${n}`),
    '# HELP parity_shadow_primary_errors_total Requests the primary did not answer.',
    '# TYPE parity_shadow_primary_errors_total counter',
    `parity_shadow_primary_errors_total ${m.primaryErrors}`,
    '# HELP parity_shadow_queue_depth Mirror jobs waiting.',
    '# TYPE parity_shadow_queue_depth gauge',
    `parity_shadow_queue_depth ${m.queueDepth}`,
    ...CORRELATION_METRICS.flatMap(([key, type, help]) => {
      const name = `parity_shadow_correlation_${key}${type === 'counter' ? '_total' : ''}`;
      return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${m.correlation[key]}`];
    }),
  ];
  return `${lines.join('\n')}\n`;
}
