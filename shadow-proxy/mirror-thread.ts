/**
 * The mirror thread of `parity shadow` (inline): the candidate and secondary requests, the
 * comparisons and the store writes run here, on their own event loop, so that none of that work
 * queues behind, or in front of, the clients' requests on the proxy's loop. The proxy posts each
 * job after the client's response has ended; the thread answers `done` with the outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Agent } from 'undici';
import { isParityError } from '../src/errors.js';
import { loadSpecs } from '../src/spec/load.js';
import { ShadowComparator } from './compare.js';
import { ShadowCorrelation } from './correlation.js';
import { MirrorQueue } from './mirror.js';
import { mirrorDropped, mirrorExchange, mirrorOrder, type MirrorJob } from './mirror-work.js';
import { compilePolicy } from './policy.js';
import { storedEndpoints } from './query.js';
import { openShadowStore, pruneCorrelationState, readCorrelationState, type ComparisonRecord } from './store.js';
import type { MirrorThreadInit, ToMirrorThread, FromMirrorThread } from './thread-mirror.js';

const init = workerData as MirrorThreadInit;
const port = parentPort!;
const post = (message: FromMirrorThread) => port.postMessage(message);

try {
  const specs = init.specsDir === null ? [] : loadSpecs(init.specsDir, init.cwd).specs;
  const store = openShadowStore(init.storeFile, init.storeOptions);
  const comparator = new ShadowComparator(specs, init.compare);
  comparator.seedEndpoints(storedEndpoints(store.db));
  // The pairs learned before a restart come back from the store, which keeps the new ones.
  let correlation: ShadowCorrelation | undefined;
  if (init.correlation?.enabled) {
    correlation = new ShadowCorrelation(init.correlation, store);
    pruneCorrelationState(store.db, init.correlation);
    const state = readCorrelationState(store.db, init.correlation);
    correlation.restore(state.pairs, state.divergences);
  }
  const context = {
    agent: new Agent({ keepAliveTimeout: 30_000, connections: 64 }),
    comparator,
    policy: compilePolicy(init.policy, init.env),
    candidate: init.candidate,
    ...(init.secondary !== undefined && { secondary: init.secondary }),
    maxBodyBytes: init.maxBodyBytes,
    store,
    ...(correlation && { correlation }),
  };
  // The proxy bounds what it posts; this queue only limits how many run at once.
  // Finished jobs are reported once per event-loop turn, not one message each.
  let finished = 0;
  let dropped = 0;
  let outcomes: ComparisonRecord['outcome'][] = [];
  const report = () => {
    if (finished === 0) return;
    post({ type: 'done', count: finished, outcomes, dropped, ...(correlation && { correlation: correlation.stats() }) });
    finished = 0;
    dropped = 0;
    outcomes = [];
  };
  const finish = () => {
    if (finished++ === 0) setImmediate(report);
  };
  const queue = new MirrorQueue<MirrorJob>(
    Number.MAX_SAFE_INTEGER,
    init.concurrency,
    async (job) => {
      try {
        // Awaited first: `outcomes` is replaced on each report, and must be read after the await.
        const outcome = await mirrorExchange(job, context);
        outcomes.push(outcome);
      } finally {
        finish();
      }
    },
    // Only a drain past its deadline drops here (the proxy bounds what it posts).
    (job) => {
      store.recordDropped(comparator.endpointOf(job.method, job.target).endpoint, job.at);
      mirrorDropped(comparator, correlation, job);
      dropped += 1;
      finish();
    },
    correlation && mirrorOrder(comparator, correlation),
  );
  port.on('message', (message: ToMirrorThread) => {
    if (message.type === 'jobs') for (const job of message.jobs) queue.offer(revive(job));
    else if (message.type === 'dropped') {
      store.recordDropped(comparator.endpointOf(message.method, message.target).endpoint, message.at);
      if (message.job) mirrorDropped(comparator, correlation, revive(message.job));
    } else if (message.type === 'close') {
      void queue
        .drain(init.drainMs)
        .then(() => Promise.all([store.close(), context.agent.close()]))
        .then(() => {
          report();
          post({ type: 'closed', stats: store.stats() });
        });
    }
  });
  post({ type: 'ready' });
} catch (error) {
  // A ParityError (a bad store file, a spec that does not load) crosses the thread boundary as its code, hint and diagnostics.
  post({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
    ...(isParityError(error) && { code: error.code, exitCode: error.exitCode, hint: error.hint, diagnostics: [...error.diagnostics] }),
  });
}

/** Buffers cross the thread boundary as plain Uint8Arrays. */
function revive(job: MirrorJob): MirrorJob {
  const buffer = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { ...job, body: buffer(job.body), primary: { ...job.primary, body: buffer(job.primary.body) } };
}
