/**
 * The mirror queue: jobs wait here between the client's path and the comparisons. It is bounded,
 * and full means drop (and count), never grow: a candidate that stalls for an hour must cost the
 * proxy a fixed amount of memory, not all of it. Workers take jobs in order, at most
 * `concurrency` at a time.
 */
export class MirrorQueue<T> {
  private readonly waiting: T[] = [];
  private running = 0;
  private dropped = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly concurrency: number,
    private readonly work: (job: T) => Promise<void>,
    private readonly onDrop: (job: T) => void = () => {},
  ) {}

  /** Queue a job; false (and counted) when the queue is full. Never blocks, never throws. */
  offer(job: T): boolean {
    if (this.waiting.length >= this.limit) {
      this.dropped += 1;
      this.onDrop(job);
      return false;
    }
    this.waiting.push(job);
    this.pump();
    return true;
  }

  /** Resolves once every queued and running job has finished. */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.running === 0) return Promise.resolve();
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
    const discarded = this.waiting.splice(0);
    for (const job of discarded) {
      this.dropped += 1;
      this.onDrop(job);
    }
    if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    return discarded.length;
  }

  stats(): { depth: number; running: number; dropped: number } {
    return { depth: this.waiting.length, running: this.running, dropped: this.dropped };
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running += 1;
      // A failing job is the job's business (it records its own error); the queue keeps going.
      void this.work(job)
        .catch(() => {})
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.waiting.length === 0 && this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
