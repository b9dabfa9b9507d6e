/**
 * Detached mode: an existing mirror (nginx `mirror`, Envoy `request_mirror_policies`, Istio
 * mirroring) sends parity a copy of production traffic; parity answers the copy at once and then
 * calls the primary, the secondary and the candidate itself (non-production instances), compares
 * and records, exactly as the inline proxy does after the client has been served.
 *
 * The mirror must never wait on parity: it gets `202 Accepted` with an empty body as soon as the
 * copy's body has arrived, before any upstream is called, whatever the upstreams do later (nginx
 * holds the client's connection until its mirror subrequests finish). Between the answer and the
 * comparisons sits the same bounded queue as inline: full means drop and count, never grow.
 *
 * Copies carry the production Host, or a suffixed one (Envoy appends "-shadow"): it is ignored,
 * like an absolute-form request line. Requests only ever go to the configured upstreams.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { ShadowComparator } from './compare.js';
import { EMPTY_CORRELATION_STATS, ShadowCorrelation, type CorrelatedSide } from './correlation.js';
import { MirrorQueue } from './mirror.js';
import { endpointOf, mirrorDropped } from './mirror-work.js';
import type { MirrorTarget } from './policy.js';
import { originForm, type ShadowMetrics } from './proxy.js';
import { answerOperations, forwardableHeaders, policyOf, type ShadowServerOptions } from './serve.js';
import type { CorrelationState, ShadowStore } from './store.js';
import { sendUpstream, startedInRandomOrder, type MirroredRequest } from './upstream.js';

export interface DetachedShadowOptions extends ShadowServerOptions {
  /** The primary's timeout is `timeoutMs` when given, else the policy's longest. Request bodies over maxBodyBytes are not sent on. */
  store: Pick<ShadowStore, 'record' | 'recordDropped'> & Partial<Pick<ShadowStore, 'pairChanged' | 'divergenceChanged'>>;
  /** What an earlier run learned (readCorrelationState), for correlation to start from. */
  correlationState?: CorrelationState;
  /** The endpoints the store already holds (storedEndpoints), for path templates to start from. */
  knownEndpoints?: readonly string[];
}

export interface DetachedShadow {
  url: string;
  metrics(): ShadowMetrics;
  /** Stop accepting copies, then finish the queued comparisons. Once; later calls wait for the same. */
  close(): Promise<void>;
}

interface DetachedJob extends MirroredRequest {
  at: number;
}

export async function startDetachedShadow(options: DetachedShadowOptions): Promise<DetachedShadow> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const comparator = new ShadowComparator(options.specs, options.compare);
  comparator.seedEndpoints(options.knownEndpoints ?? []);
  const policy = policyOf(options);
  // The primary is compared against, never waited on by anyone: as patient as the most patient other target.
  const primaryTimeoutMs = options.timeoutMs ?? Math.max(policy.timeoutFor('candidate'), policy.timeoutFor('secondary'));
  const metrics: ShadowMetrics = {
    requests: 0,
    mirrored: 0,
    dropped: 0,
    compared: { match: 0, noise: 0, inconclusive: 0, mismatch: 0, expected: 0, candidate_error: 0, not_compared: 0, downstream: 0 },
    primaryErrors: 0,
    queueDepth: 0,
    correlation: { ...EMPTY_CORRELATION_STATS },
  };
  // The copies carry production's identifiers, which neither the primary nor the candidate called
  // here has; what correlation follows is what these two make up themselves (see the README).
  const { pairChanged, divergenceChanged } = options.store;
  const correlation = options.correlation?.enabled
    ? new ShadowCorrelation(options.correlation, pairChanged && divergenceChanged ? { pairChanged, divergenceChanged } : undefined)
    : undefined;
  if (correlation && options.correlationState) correlation.restore(options.correlationState.pairs, options.correlationState.divergences);

  const queue = new MirrorQueue<DetachedJob>(
    options.queueLimit,
    options.mirrorConcurrency ?? 16,
    (job) => compare(job),
    (job) => {
      metrics.dropped += 1;
      options.store.recordDropped(comparator.endpointOf(job.method, job.target).endpoint, job.at);
      mirrorDropped(comparator, correlation, job);
    },
    // The primary's answer is not known yet when a copy is queued: ordered by session and the identifiers it uses.
    correlation && ((job) => correlation.orderKeys(job, undefined, correlation.contextOf(endpointOf(comparator, job).spec))),
  );

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = originForm(req.url ?? '/');
    if (target.startsWith('/__parity/')) {
      req.resume();
      return answerOperations(target, res, current(), { mode: 'detached' });
    }
    metrics.requests += 1;
    const at = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Past the cap the rest is read and thrown away: the copy is acknowledged but not compared.
      if (size <= options.maxBodyBytes) chunks.push(chunk as Buffer);
    }
    // The mirror's answer, before any upstream is called.
    res.writeHead(202, { 'content-length': '0' });
    res.end();
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = forwardableHeaders(req.headers);
    if (size > options.maxBodyBytes) return;
    if (!policy.shouldMirror({ method, target, headers, endpoint: () => comparator.endpointOf(method, target).endpoint })) return;
    metrics.mirrored += 1;
    queue.offer({ at, method, target, headers, body: chunks.length === 0 ? null : Buffer.concat(chunks) });
  }

  async function compare(job: DetachedJob): Promise<void> {
    const match = endpointOf(comparator, job);
    const ids = correlation?.contextOf(match.spec);
    // The primary gets the copy's headers as they came; the candidate and the secondary each their own identifiers, rewrites and timeout.
    const send = (target: MirrorTarget, base: string) => {
      const request = correlation && ids ? correlation.translate(target as CorrelatedSide, job, ids) : job;
      return sendUpstream(
        agent,
        base,
        { method: job.method, target: request.target, headers: policy.headersFor(target, request.headers), body: request.body },
        { timeoutMs: policy.timeoutFor(target), maxBodyBytes: options.maxBodyBytes },
      );
    };
    const secondaryBase = options.secondary;
    const answers = await startedInRandomOrder([
      () => sendUpstream(agent, options.primary, job, { timeoutMs: primaryTimeoutMs, maxBodyBytes: options.maxBodyBytes }),
      () => send('candidate', options.candidate),
      ...(secondaryBase ? [() => send('secondary', secondaryBase)] : []),
    ]);
    const [primary, candidate, secondary] = [answers[0]!, answers[1]!, answers[2]];
    // Without the reference answer there is nothing to compare against: counted, not recorded.
    if ('error' in primary) {
      metrics.primaryErrors += 1;
      return;
    }
    if (correlation && ids) {
      correlation.learn('candidate', job, ids, primary, candidate);
      if (secondary) correlation.learn('secondary', job, ids, primary, secondary);
    }
    let record = comparator.compare({
      at: job.at,
      request: job,
      primary,
      candidate,
      ...(secondary && { secondary }),
      match,
      ...(correlation &&
        ids && { equivalence: { candidate: correlation.equivalence('candidate', job, ids), secondary: correlation.equivalence('secondary', job, ids) } }),
    });
    // Sent, timed and queued together by this process: the primary is the candidate's like-for-like latency reference.
    record.primaryTimedLikeCandidate = true;
    if (correlation && ids) record = correlation.settle(record, job, ids, primary, candidate);
    metrics.compared[record.outcome] += 1;
    options.store.record(record);
  }

  function current(): ShadowMetrics {
    return { ...metrics, compared: { ...metrics.compared }, queueDepth: queue.stats().depth, correlation: correlation?.stats() ?? { ...metrics.correlation } };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      // The copy was cut off mid-body, or parity failed: the mirror gets an answer either way.
      if (!res.headersSent) res.writeHead(202, { 'content-length': '0' });
      res.end();
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
        await queue.drain(options.drainMs ?? 10_000);
        await agent.close();
      })();
      return closing;
    },
  };
}
