/**
 * What happens to one mirrored exchange once the client has its answer: send the request to the
 * candidate (and the secondary), each with its own headers and timeout, compare, record. The
 * same function runs on the proxy's own event loop (tests, detached mode) or in the mirror
 * thread (`parity shadow` inline, see mirror-thread.ts).
 */
import type { Agent } from 'undici';
import type { ShadowComparator } from './compare.js';
import type { MirrorPolicy, MirrorTarget } from './policy.js';
import type { ComparisonRecord, ShadowStore } from './store.js';
import { sendUpstream, type MirroredRequest, type UpstreamAnswer } from './upstream.js';

export interface MirrorJob extends MirroredRequest {
  /** When the client's request arrived, ms since the epoch. */
  at: number;
  primary: UpstreamAnswer;
  /** The client's body was over the cap: not kept (`body` is null), not sent on, recorded as not compared. */
  requestOverCap?: boolean;
}

export interface MirrorContext {
  agent: Agent;
  comparator: ShadowComparator;
  policy: MirrorPolicy;
  candidate: string;
  secondary?: string;
  maxBodyBytes: number;
  store: Pick<ShadowStore, 'record'>;
}

export async function mirrorExchange(job: MirrorJob, context: MirrorContext): Promise<ComparisonRecord['outcome']> {
  if (job.requestOverCap) {
    const record = context.comparator.notSent(job, job.primary);
    context.store.record(record);
    return record.outcome;
  }
  // Each target gets its own headers (its own auth token) and timeout; the record keeps the client's request.
  const send = (target: MirrorTarget, base: string) =>
    sendUpstream(
      context.agent,
      base,
      { method: job.method, target: job.target, headers: context.policy.headersFor(target, job.headers), body: job.body },
      { timeoutMs: context.policy.timeoutFor(target), maxBodyBytes: context.maxBodyBytes },
    );
  const [candidate, secondary] = await Promise.all([
    send('candidate', context.candidate),
    context.secondary ? send('secondary', context.secondary) : undefined,
  ]);
  const record = context.comparator.compare({ at: job.at, request: job, primary: job.primary, candidate, ...(secondary && { secondary }) });
  context.store.record(record);
  return record.outcome;
}
