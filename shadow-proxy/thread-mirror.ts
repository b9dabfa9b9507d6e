/**
 * The proxy's side of the mirror thread (mirror-thread.ts): post jobs, keep the bound, count
 * outcomes, and on close wait for every posted job to be compared and written.
 *
 * The bound is kept here, on the proxy's loop, where the jobs are offered: jobs posted and not
 * yet done may not exceed the queue limit plus what runs at once; beyond that a job is dropped,
 * counted, and the drop recorded. The thread is loaded from the built package
 * (dist/shadow-proxy/mirror-thread.js), which `npm run build` produces.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../src/diagnostics.js';
import { ParityError, type ErrorCode, type ExitCode } from '../src/errors.js';
import { packageRoot } from '../src/package-info.js';
import type { CompareRules } from '../src/compare/response.js';
import { isWrite } from '../src/correlate/request.js';
import type { CorrelationConfig, CorrelationStats } from './correlation.js';
import type { MirrorJob } from './mirror-work.js';
import type { MirrorPolicyConfig } from './policy.js';
import type { ComparisonRecord, ShadowStoreOptions, ShadowStoreStats } from './store.js';

export interface MirrorThreadInit {
  storeFile: string;
  /** Only the plain-data options cross to the thread. */
  storeOptions: Pick<ShadowStoreOptions, 'sessionInfo' | 'redaction' | 'minuteRetentionMs'>;
  specsDir: string | null;
  compare?: CompareRules;
  cwd: string;
  candidate: string;
  secondary?: string;
  policy: MirrorPolicyConfig;
  env: Readonly<Record<string, string | undefined>>;
  maxBodyBytes: number;
  concurrency: number;
  /** On close, how long queued comparisons may take before the rest are dropped. */
  drainMs: number;
  /** Stateful shadowing (correlation.ts); undefined or disabled: requests go as the client sent them. */
  correlation?: CorrelationConfig;
}

/**
 * A dropped read crosses as its method and target only; a dropped write whole, because what it
 * touched diverges (correlation.ts) and the thread must know what that was.
 */
export type ToMirrorThread =
  { type: 'jobs'; jobs: MirrorJob[] } | { type: 'dropped'; method: string; target: string; at: number; job?: MirrorJob } | { type: 'close' };

export type FromMirrorThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string; code?: ErrorCode; exitCode?: ExitCode; hint?: string | undefined; diagnostics?: Diagnostic[] }
  /** Jobs finished since the last message; `outcomes` of those that were compared; the correlation counters now. */
  | { type: 'done'; count: number; outcomes: ComparisonRecord['outcome'][]; dropped: number; correlation?: CorrelationStats }
  | { type: 'closed'; stats: ShadowStoreStats };

export interface ThreadMirror {
  /** Post a job; false (dropped, counted, recorded) when the bound is reached. */
  offer(job: MirrorJob): boolean;
  stats(): { depth: number; inFlight: number; dropped: number };
  /** Wait for every posted job, close the store in the thread, end the thread. */
  close(): Promise<ShadowStoreStats>;
}

export async function startMirrorThread(
  init: MirrorThreadInit,
  options: {
    queueLimit: number;
    onCompared(outcome: ComparisonRecord['outcome']): void;
    onDropped?(count: number): void;
    onCorrelation?(stats: CorrelationStats): void;
    onCrash?(error: Error): void;
  },
): Promise<ThreadMirror> {
  const worker = new Worker(path.join(packageRoot(), 'dist', 'shadow-proxy', 'mirror-thread.js'), { workerData: init });
  let inFlight = 0;
  let dropped = 0;
  let closed: ((stats: ShadowStoreStats) => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: FromMirrorThread) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'failed') {
        reject(
          message.code
            ? new ParityError(message.code, message.message, {
                ...(message.exitCode !== undefined && { exitCode: message.exitCode }),
                ...(message.hint !== undefined && { hint: message.hint }),
                diagnostics: message.diagnostics ?? [],
              })
            : new Error(`the mirror thread did not start: ${message.message}`),
        );
      }
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
  });
  let crashed: Error | undefined;
  worker.on('message', (message: FromMirrorThread) => {
    if (message.type === 'done') {
      inFlight -= message.count;
      for (const outcome of message.outcomes) options.onCompared(outcome);
      if (message.dropped > 0) options.onDropped?.(message.dropped);
      if (message.correlation) options.onCorrelation?.(message.correlation);
    } else if (message.type === 'closed') closed?.(message.stats);
  });
  // A thread that dies takes its queued comparisons with it; the clients never notice, and
  // close() must not wait for answers that will never come.
  worker.on('error', (error) => {
    crashed = error;
    options.onCrash?.(error);
  });
  worker.on('exit', () => {
    crashed ??= new Error('the mirror thread exited');
    closed?.(lostStats(inFlight));
  });
  const limit = options.queueLimit + init.concurrency;
  const tracksWrites = init.correlation?.enabled === true;
  let pending: MirrorJob[] = [];
  const flushJobs = () => {
    const jobs = pending;
    pending = [];
    if (jobs.length > 0) worker.postMessage({ type: 'jobs', jobs } satisfies ToMirrorThread);
  };
  return {
    offer(job) {
      if (crashed || inFlight >= limit) {
        dropped += 1;
        const write = tracksWrites && isWrite(job.method);
        worker.postMessage({ type: 'dropped', method: job.method, target: job.target, at: job.at, ...(write && { job }) } satisfies ToMirrorThread);
        return false;
      }
      inFlight += 1;
      // One message per event-loop turn, not per job: posting is a cost on the clients' loop.
      if (pending.push(job) === 1) setImmediate(flushJobs);
      return true;
    },
    stats: () => ({ depth: Math.max(0, inFlight - init.concurrency), inFlight, dropped }),
    async close() {
      if (crashed) return lostStats(inFlight);
      flushJobs();
      const stats = await new Promise<ShadowStoreStats>((resolve) => {
        closed = resolve;
        worker.postMessage({ type: 'close' } satisfies ToMirrorThread);
      });
      await worker.terminate();
      return stats;
    },
  };
}

/** What a crashed thread leaves: nothing known written by this side, the jobs in flight lost. */
function lostStats(inFlight: number): ShadowStoreStats {
  return { recorded: 0, flushed: 0, batches: 0, pending: 0, dropped: 0, lost: inFlight, failedFlushes: 0, lastError: 'the mirror thread stopped' };
}
