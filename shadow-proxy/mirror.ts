/**
 * The mirror queue: jobs wait here between the client's path and the comparisons. It is bounded,
 * and full means drop (and count), never grow: a candidate that stalls for an hour must cost the
 * proxy a fixed amount of memory, not all of it. Workers take jobs in order, at most
 * `concurrency` at a time.
 *
 * With `order`, a job also waits for the earlier jobs it depends on (same client session, an
 * identifier an earlier write produced or used: see order.ts) while independent jobs go ahead of
 * it; a waiting job counts against the bound like any other.
 */
import { OrderTracker, type OrderKeys, type OrderNode } from './order.js';

interface Queued<T> {
  job: T;
  node: OrderNode | undefined;
}

export class MirrorQueue<T> {
  private ready: Queued<T>[] = [];
  /** Jobs waiting for earlier ones, by their node in the tracker. */
  private readonly held = new Map<OrderNode, Queued<T>>();
  private readonly tracker = new OrderTracker();
  private running = 0;
  private dropped = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly concurrency: number,
    private readonly work: (job: T) => Promise<void>,
    private readonly onDrop: (job: T) => void = () => {},
    /** The keys a job is ordered by; undefined (or no function) for a job that waits for nothing. */
    private readonly order?: (job: T) => OrderKeys | undefined,
  ) {}

  /** Queue a job; false (and counted) when the queue is full. Never blocks, never throws. */
  offer(job: T): boolean {
    if (this.depth() >= this.limit) {
      this.dropped += 1;
      this.onDrop(job);
      return false;
    }
    let keys: OrderKeys | undefined;
    try {
      keys = this.order?.(job);
    } catch {
      // A job whose keys cannot be read is sent unordered rather than lost.
      keys = undefined;
    }
    const queued: Queued<T> = { job, node: keys ? this.tracker.add(keys) : undefined };
    if (queued.node && queued.node.blockers > 0) this.held.set(queued.node, queued);
    else this.ready.push(queued);
    this.pump();
    return true;
  }

  /** Resolves once every queued and running job has finished. */
  idle(): Promise<void> {
    if (this.depth() === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Wait for the queue to empty, at most `deadlineMs`; then throw away what still waits (counted as
   * dropped) and wait only for the jobs already running (each bounded by its own timeouts). A
   * SIGTERM must end: a full queue towards a slow candidate could otherwise take minutes.
   */
  async drain(deadlineMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), deadlineMs)));
    const tooLate = await Promise.race([this.idle().then(() => false), late]);
    clearTimeout(timer);
    if (tooLate) {
      this.discardWaiting();
      await this.idle();
    }
  }

  /** Throw away the jobs still waiting (not those running), counted as dropped; how many. For a drain that must end. */
  discardWaiting(): number {
    const discarded = [...this.ready.splice(0), ...this.held.values()];
    this.held.clear();
    for (const queued of discarded) {
      if (queued.node) this.tracker.finish(queued.node);
      this.dropped += 1;
      this.onDrop(queued.job);
    }
    if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    return discarded.length;
  }

  stats(): { depth: number; running: number; dropped: number; waiting: number; waited: number } {
    return { depth: this.depth(), running: this.running, dropped: this.dropped, waiting: this.held.size, waited: this.tracker.waited };
  }

  private depth(): number {
    return this.ready.length + this.held.size;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const queued = this.ready.shift()!;
      this.running += 1;
      // A failing job is the job's business (it records its own error); the queue keeps going.
      void this.work(queued.job)
        .catch(() => {})
        .finally(() => {
          this.running -= 1;
          if (queued.node) {
            for (const node of this.tracker.finish(queued.node)) {
              const released = this.held.get(node);
              if (!released) continue;
              this.held.delete(node);
              this.ready.push(released);
            }
          }
          this.pump();
          if (this.depth() === 0 && this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
