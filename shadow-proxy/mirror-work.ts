/**
 * What happens to one mirrored exchange once the client has its answer: send the request to the
 * candidate (and the secondary), each with its own headers and timeout, compare, record. The
 * same function runs on the proxy's own event loop (tests, detached mode) or in the mirror
 * thread (`parity shadow` inline, see mirror-thread.ts).
 *
 * With correlation (correlation.ts), each side is sent the request with the identifiers it made up
 * in place of the primary's, what it made up this time is learned before the comparison (so a
 * create's own id compares equal), and a difference that follows from an earlier divergence is
 * recorded as downstream of it.
 */
import type { Agent } from 'undici';
import type { ShadowComparator } from './compare.js';
import type { CorrelatedSide, JobContext, ShadowCorrelation } from './correlation.js';
import type { OrderKeys } from './order.js';
import type { MirrorPolicy, MirrorTarget } from './policy.js';
import type { ComparisonRecord, ShadowStore } from './store.js';
import { sendUpstream, startedInRandomOrder, type MirroredRequest, type UpstreamAnswer } from './upstream.js';

export interface MirrorJob extends MirroredRequest {
  /** When the client's request arrived, ms since the epoch. */
  at: number;
  primary: UpstreamAnswer;
  /** The client's body was over the cap: not kept (`body` is null), not sent on, recorded as not compared. */
  requestOverCap?: boolean;
  /** The client connection it came on (inline): one connection's requests are one client's, in order. */
  connection?: number;
}

export interface MirrorContext {
  agent: Agent;
  comparator: ShadowComparator;
  policy: MirrorPolicy;
  candidate: string;
  secondary?: string;
  maxBodyBytes: number;
  store: Pick<ShadowStore, 'record'>;
  /** Stateful shadowing; without it every request is sent as the client sent it. */
  correlation?: ShadowCorrelation;
}

export async function mirrorExchange(job: MirrorJob, context: MirrorContext): Promise<ComparisonRecord['outcome']> {
  if (job.requestOverCap) {
    const record = context.comparator.notSent(job, job.primary);
    context.store.record(record);
    return record.outcome;
  }
  const match = endpointOf(context.comparator, job);
  const correlation = context.correlation;
  const ids = correlation?.contextOf(match.spec);
  // Each target gets its own identifiers, then its own headers (its own auth token) and timeout; the record keeps the client's request.
  const send = (target: MirrorTarget, base: string) => {
    const request = correlation && ids ? correlation.translate(target as CorrelatedSide, job, ids) : job;
    return sendUpstream(
      context.agent,
      base,
      { method: job.method, target: request.target, headers: context.policy.headersFor(target, request.headers), body: request.body },
      { timeoutMs: context.policy.timeoutFor(target), maxBodyBytes: context.maxBodyBytes },
    );
  };
  const secondaryBase = context.secondary;
  const answers = await startedInRandomOrder([() => send('candidate', context.candidate), ...(secondaryBase ? [() => send('secondary', secondaryBase)] : [])]);
  const [candidate, secondary] = [answers[0]!, answers[1]];
  if (correlation && ids) {
    correlation.learn('candidate', job, ids, job.primary, candidate);
    if (secondary) correlation.learn('secondary', job, ids, job.primary, secondary);
  }
  let record = context.comparator.compare({
    at: job.at,
    request: job,
    primary: job.primary,
    candidate,
    ...(secondary && { secondary }),
    match,
    ...(correlation &&
      ids && { equivalence: { candidate: correlation.equivalence('candidate', job, ids), secondary: correlation.equivalence('secondary', job, ids) } }),
  });
  if (correlation && ids) record = correlation.settle(record, job, ids, job.primary, candidate);
  context.store.record(record);
  return record.outcome;
}

/** The queue's ordering of mirror jobs (see order.ts): by client session and by the identifiers they use and produce. */
export function mirrorOrder(comparator: ShadowComparator, correlation: ShadowCorrelation): (job: MirrorJob) => OrderKeys | undefined {
  return (job) => {
    if (job.requestOverCap) return undefined;
    const ids: JobContext = correlation.contextOf(endpointOf(comparator, job).spec);
    return correlation.orderKeys(job, job.primary, ids);
  };
}

/** The endpoint a job belongs to, matched once: the queue's ordering and the exchange both need it. */
const matched = new WeakMap<MirroredRequest, ReturnType<ShadowComparator['endpointOf']>>();

export function endpointOf(comparator: ShadowComparator, job: MirroredRequest): ReturnType<ShadowComparator['endpointOf']> {
  let match = matched.get(job);
  if (!match) matched.set(job, (match = comparator.endpointOf(job.method, job.target)));
  return match;
}

/** A mirror job the queue dropped: a write among them leaves what it touched diverged. */
export function mirrorDropped(
  comparator: ShadowComparator,
  correlation: ShadowCorrelation | undefined,
  job: MirroredRequest & { at: number; primary?: UpstreamAnswer },
): void {
  if (!correlation) return;
  const { endpoint, spec } = comparator.endpointOf(job.method, job.target);
  correlation.dropped(job, correlation.contextOf(spec), job.primary, endpoint, job.at);
}
