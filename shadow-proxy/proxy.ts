/**
 * The inline shadow proxy: clients -> parity -> primary (the legacy).
 *
 * The client's path is sacred. The primary's answer is streamed back as it arrives, status,
 * headers and bytes unchanged, and nothing on that path waits for the candidate: the copy of the
 * exchange is queued only after the client's response has ended, into a bounded queue that
 * drops (and counts) when full. Mirror workers then send the request to the candidate (and the
 * secondary, for noise), compare, classify and hand the result to the store writer, whose
 * writes are batched away from the request path.
 *
 * Requests only ever go to the configured upstreams: the Host header and an absolute-form
 * request line (`GET http://elsewhere/ HTTP/1.1`) are ignored, so parity is never an open proxy.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { targetPath } from '../src/record/match.js';
import { joinUrl } from '../src/runner/http.js';
import type { LoadedSpec } from '../src/spec/load.js';
import { ShadowComparator } from './compare.js';
import { MirrorQueue } from './mirror.js';
import type { ComparisonRecord, ShadowStore } from './store.js';
import { sendUpstream, type MirroredRequest, type UpstreamAnswer } from './upstream.js';

export interface ShadowProxyOptions {
  primary: string;
  candidate: string;
  secondary?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  specs: readonly LoadedSpec[];
  /** Methods mirrored to the candidate. */
  methods: readonly string[];
  /** Share of eligible requests mirrored, 0 to 100. */
  samplePercent: number;
  queueLimit: number;
  /** Mirror jobs in flight at most. */
  mirrorConcurrency?: number;
  /** Per-request timeout towards the candidate and the secondary. */
  timeoutMs: number;
  /** Bodies larger than this are not compared (recorded as not_compared). */
  maxBodyBytes: number;
  store: Pick<ShadowStore, 'record' | 'recordDropped'>;
}

export interface ShadowProxy {
  url: string;
  metrics(): ShadowMetrics;
  /** Stop accepting, let the client requests in flight finish, then finish the queued comparisons. */
  close(): Promise<void>;
}

export interface ShadowMetrics {
  requests: number;
  mirrored: number;
  dropped: number;
  compared: Record<ComparisonRecord['outcome'], number>;
  primaryErrors: number;
  queueDepth: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'expect']);

interface MirrorJob extends MirroredRequest {
  at: number;
  primary: UpstreamAnswer;
}

export async function startShadowProxy(options: ShadowProxyOptions): Promise<ShadowProxy> {
  const primaryAgent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  const mirrorAgent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const methods = new Set(options.methods.map((m) => m.toUpperCase()));
  const comparator = new ShadowComparator(options.specs);
  const metrics: ShadowMetrics = {
    requests: 0,
    mirrored: 0,
    dropped: 0,
    compared: { match: 0, mismatch: 0, expected: 0, candidate_error: 0, not_compared: 0 },
    primaryErrors: 0,
    queueDepth: 0,
  };

  const queue = new MirrorQueue<MirrorJob>(
    options.queueLimit,
    options.mirrorConcurrency ?? 16,
    (job) => mirror(job),
    (job) => {
      metrics.dropped += 1;
      options.store.recordDropped(comparator.endpointOf(job.method, job.target).endpoint, job.at);
    },
  );

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = originForm(req.url ?? '/');
    if (target.startsWith('/__parity/')) return operations(target, res);
    metrics.requests += 1;
    const at = Date.now();
    const started = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length === 0 ? null : Buffer.concat(chunks);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = forwardable(req.headers);

    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(joinUrl(options.primary, target), { method: method as Dispatcher.HttpMethod, headers, body, dispatcher: primaryAgent });
    } catch (error) {
      metrics.primaryErrors += 1;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`parity shadow: the primary did not answer: ${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) responseHeaders[name] = value;
    res.writeHead(upstream.statusCode, responseHeaders);
    const kept: Buffer[] = [];
    let size = 0;
    let overCap = false;
    let clientGone = false;
    res.once('close', () => (clientGone = !res.writableFinished));
    for await (const chunk of upstream.body) {
      const buffer = chunk as Buffer;
      if (!overCap) {
        size += buffer.length;
        if (size > options.maxBodyBytes) {
          overCap = true;
          kept.length = 0;
        } else kept.push(buffer);
      }
      if (clientGone) continue;
      if (!res.write(buffer)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
    const durationMs = performance.now() - started;
    if (clientGone || !methods.has(method) || Math.random() * 100 >= options.samplePercent) return;
    metrics.mirrored += 1;
    queue.offer({
      at,
      method,
      target,
      headers,
      body,
      primary: { status: upstream.statusCode, headers: responseHeaders, body: kept.length === 0 ? null : Buffer.concat(kept), durationMs, overCap },
    });
  }

  async function mirror(job: MirrorJob): Promise<void> {
    const [candidate, secondary] = await Promise.all([
      sendUpstream(mirrorAgent, options.candidate, job, options),
      options.secondary ? sendUpstream(mirrorAgent, options.secondary, job, options) : undefined,
    ]);
    const record = comparator.compare({ at: job.at, request: job, primary: job.primary, candidate, ...(secondary && { secondary }) });
    metrics.compared[record.outcome] += 1;
    options.store.record(record);
  }

  function operations(target: string, res: http.ServerResponse): void {
    const path = targetPath(target);
    if (path === '/__parity/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', ...current() }));
      return;
    }
    if (path === '/__parity/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(prometheus(current()));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `unknown parity endpoint ${path}; try /__parity/health or /__parity/metrics` }));
  }

  function current(): ShadowMetrics {
    return { ...metrics, compared: { ...metrics.compared }, queueDepth: queue.stats().depth };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The client gets an answer whatever went wrong in parity; the primary's answer if it had one.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(res.headersSent ? undefined : `parity shadow: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    metrics: current,
    async close() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.idle();
      await Promise.all([primaryAgent.close(), mirrorAgent.close()]);
    },
  };
}

/** The path and query of a request line, whatever form it came in: never another host. */
export function originForm(requestTarget: string): string {
  if (requestTarget.startsWith('/')) return requestTarget;
  try {
    const url = new URL(requestTarget);
    return url.pathname + url.search;
  } catch {
    return `/${requestTarget}`;
  }
}

function forwardable(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function prometheus(m: ShadowMetrics): string {
  const lines = [
    '# HELP parity_shadow_requests_total Client requests proxied to the primary.',
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
    '# HELP parity_shadow_primary_errors_total Client requests the primary did not answer.',
    '# TYPE parity_shadow_primary_errors_total counter',
    `parity_shadow_primary_errors_total ${m.primaryErrors}`,
    '# HELP parity_shadow_queue_depth Mirror jobs waiting.',
    '# TYPE parity_shadow_queue_depth gauge',
    `parity_shadow_queue_depth ${m.queueDepth}`,
  ];
  return `${lines.join('\n')}\n`;
}
