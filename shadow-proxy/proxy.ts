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
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent } from 'undici';
import { ShadowComparator } from './compare.js';
import { EMPTY_CORRELATION_STATS, ShadowCorrelation, type CorrelationStats } from './correlation.js';
import { forwardToPrimary } from './forward.js';
import { MirrorQueue } from './mirror.js';
import { answerOperations, forwardableHeaders, policyOf, type ShadowServerOptions } from './serve.js';
import { mirrorDropped, mirrorExchange, mirrorOrder, type MirrorJob } from './mirror-work.js';
import type { ComparisonRecord, CorrelationState, ShadowStore, ShadowStoreStats } from './store.js';
import { startMirrorThread, type MirrorThreadInit } from './thread-mirror.js';
import { upstreamBase } from './upstream.js';

export interface ShadowProxyOptions extends ShadowServerOptions {
  /** Where comparisons go when they run on this event loop (tests, embedding); with correlation, a full store also keeps the learned pairs. */
  store?: Pick<ShadowStore, 'record' | 'recordDropped'> & Partial<Pick<ShadowStore, 'pairChanged' | 'divergenceChanged'>>;
  /**
   * Run the comparisons and store writes in a mirror thread instead (what `parity shadow` does):
   * the thread opens the store itself. `store` is then unused.
   */
  thread?: Omit<MirrorThreadInit, 'concurrency' | 'drainMs' | 'correlation'>;
  /** Without a thread: what an earlier run learned (readCorrelationState), for correlation to start from. The thread reads its own. */
  correlationState?: CorrelationState;
}

export interface ShadowProxy {
  url: string;
  metrics(): ShadowMetrics;
  /** Stop accepting, let the client requests in flight finish, then finish the queued comparisons. Once; later calls wait for the same. */
  close(): Promise<void>;
  /** With a mirror thread: its store's final counts, once closed. */
  storeStats(): ShadowStoreStats | undefined;
}

export interface ShadowMetrics {
  requests: number;
  mirrored: number;
  dropped: number;
  compared: Record<ComparisonRecord['outcome'], number>;
  primaryErrors: number;
  queueDepth: number;
  /** Stateful shadowing's counters (all zero when it is off). */
  correlation: CorrelationStats;
}

export async function startShadowProxy(options: ShadowProxyOptions): Promise<ShadowProxy> {
  const primaryAgent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  const mirrorAgent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const comparator = new ShadowComparator(options.specs, options.compare);
  const policy = policyOf(options);
  const primaryBase = upstreamBase(options.primary);
  const metrics: ShadowMetrics = {
    requests: 0,
    mirrored: 0,
    dropped: 0,
    compared: { match: 0, noise: 0, inconclusive: 0, mismatch: 0, expected: 0, candidate_error: 0, not_compared: 0, downstream: 0 },
    primaryErrors: 0,
    queueDepth: 0,
    correlation: { ...EMPTY_CORRELATION_STATS },
  };

  const concurrency = options.mirrorConcurrency ?? 16;
  const drainMs = options.drainMs ?? 10_000;
  let storeStats: ShadowStoreStats | undefined;
  /** Local mirroring reads the counters off its correlation; the thread reports them with its results. */
  let correlationStats: (() => CorrelationStats) | undefined;
  // One number per client connection, for ordering: a connection's requests are one client's, in order.
  const connections = new WeakMap<Socket, number>();
  let nextConnection = 0;
  const connectionOf = (socket: Socket): number => {
    let id = connections.get(socket);
    if (id === undefined) connections.set(socket, (id = nextConnection++));
    return id;
  };
  const mirroring: { offer(job: MirrorJob): void; depth(): number; close(): Promise<void> } = options.thread
    ? await threadMirroring(options.thread)
    : localMirroring();

  function localMirroring() {
    const store = options.store;
    if (!store) throw new Error('startShadowProxy needs `store` or `thread`');
    const { pairChanged, divergenceChanged } = store;
    const persistence = pairChanged && divergenceChanged ? { pairChanged, divergenceChanged } : undefined;
    const correlation = options.correlation?.enabled ? new ShadowCorrelation(options.correlation, persistence) : undefined;
    if (correlation && options.correlationState) correlation.restore(options.correlationState.pairs, options.correlationState.divergences);
    if (correlation) correlationStats = () => correlation.stats();
    const context = {
      agent: mirrorAgent,
      comparator,
      policy,
      candidate: options.candidate,
      ...(options.secondary !== undefined && { secondary: options.secondary }),
      maxBodyBytes: options.maxBodyBytes,
      store,
      ...(correlation && { correlation }),
    };
    const queue = new MirrorQueue<MirrorJob>(
      options.queueLimit,
      concurrency,
      async (job) => {
        metrics.compared[await mirrorExchange(job, context)] += 1;
      },
      (job) => {
        metrics.dropped += 1;
        store.recordDropped(comparator.endpointOf(job.method, job.target).endpoint, job.at);
        mirrorDropped(comparator, correlation, job);
      },
      correlation && mirrorOrder(comparator, correlation),
    );
    return { offer: (job: MirrorJob) => void queue.offer(job), depth: () => queue.stats().depth, close: () => queue.drain(drainMs) };
  }

  async function threadMirroring(init: Omit<MirrorThreadInit, 'concurrency' | 'drainMs' | 'correlation'>) {
    const thread = await startMirrorThread(
      { ...init, concurrency, drainMs, ...(options.correlation && { correlation: options.correlation }) },
      {
        queueLimit: options.queueLimit,
        onCompared: (outcome) => (metrics.compared[outcome] += 1),
        onDropped: (count) => (metrics.dropped += count),
        onCorrelation: (stats) => (metrics.correlation = stats),
      },
    );
    return {
      offer: (job: MirrorJob) => {
        if (!thread.offer(job)) metrics.dropped += 1;
      },
      depth: () => thread.stats().depth,
      close: async () => {
        storeStats = await thread.close();
      },
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = originForm(req.url ?? '/');
    if (target.startsWith('/__parity/')) return answerOperations(target, res, current(), { mode: 'inline' });
    metrics.requests += 1;
    const at = Date.now();
    const body = await requestBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = forwardableHeaders(req.headers);

    const forwarded = await forwardToPrimary(primaryAgent, primaryBase, { method, target, headers, body }, res, options.maxBodyBytes);
    if (forwarded.kind !== 'answered') {
      if (forwarded.kind === 'unanswered') metrics.primaryErrors += 1;
      return;
    }
    if (!policy.shouldMirror({ method, target, headers, endpoint: () => comparator.endpointOf(method, target).endpoint })) return;
    metrics.mirrored += 1;
    // The queue is bounded in jobs, so what a job holds is bounded by the cap: a larger body is not kept, sent on or compared.
    const requestOverCap = body !== null && body.length > options.maxBodyBytes;
    mirroring.offer({
      at,
      method,
      target,
      connection: connectionOf(req.socket),
      headers,
      body: requestOverCap ? null : body,
      ...(requestOverCap && { requestOverCap }),
      primary: { status: forwarded.status, headers: forwarded.headers, body: forwarded.body, durationMs: forwarded.durationMs, overCap: forwarded.overCap },
    });
  }

  function current(): ShadowMetrics {
    return { ...metrics, compared: { ...metrics.compared }, queueDepth: mirroring.depth(), correlation: correlationStats?.() ?? { ...metrics.correlation } };
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
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    metrics: current,
    close() {
      closing ??= (async () => {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await mirroring.close();
        await Promise.all([primaryAgent.close(), mirrorAgent.close()]);
      })();
      return closing;
    },
    storeStats: () => storeStats,
  };
}

/** The request's body, or null without one; a bodiless request (most GETs) is not iterated at all: it is the hot path. */
async function requestBody(req: http.IncomingMessage): Promise<Buffer | null> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return null;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? null : Buffer.concat(chunks);
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
