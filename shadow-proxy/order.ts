/**
 * Which mirrored requests must wait for which: the ordering of stateful shadowing.
 *
 * The primary answered requests in some order; a request that uses what an earlier one did (the
 * id a create returned, the token a login returned, an entity an earlier write changed) must reach
 * the candidate after that earlier one has been answered there, or the candidate answers a 404 or
 * a 409 the client never saw. Each job names keys, each as a read or a write:
 * - its client session (`Authorization`, each cookie, its connection): a read for GET, HEAD,
 *   OPTIONS and TRACE, a write for anything else;
 * - every identifier its request uses, with the same mode;
 * - every identifier its primary answer produced (a write);
 * - the resource it addresses, by path: a read of `/profile` or of the list `/posts` must see the
 *   `PATCH /profile` or the `POST /posts` the client had been answered before it asked, even when
 *   the two came on different connections of a pooled client and carry no id in common. A
 *   `PUT`/`PATCH`/`DELETE` writes its own path; a create, and any write to the items below a
 *   collection, *touches* the collection (`POST /posts`, `PATCH /posts/13` touch `/posts`).
 * Per key, a write waits for every earlier job on that key; a touch waits for the earlier writes
 * and reads but not for other touches (two creates in one collection commute); a read waits for
 * the earlier writes and touches; reads never wait for reads. Jobs are taken in arrival order, which is the order the
 * primary finished them (inline) or the mirror sent them (detached). Dependencies only ever point
 * to earlier jobs, so there is no cycle to deadlock on.
 */

export interface OrderKeys {
  /** Keys this job writes (waits for every earlier job on them). */
  writes: readonly string[];
  /** Keys this job reads (waits for earlier writes and touches on them). */
  reads: readonly string[];
  /** Keys this job changes in a way that commutes with other touches (waits for earlier writes and reads on them). */
  touches?: readonly string[];
}

export interface OrderNode {
  /** Unfinished jobs this one waits for. */
  blockers: number;
  dependents: OrderNode[];
  finished: boolean;
  keys: OrderKeys;
}

interface KeyState {
  lastWrite: OrderNode | undefined;
  readers: Set<OrderNode>;
  touchers: Set<OrderNode>;
}

export class OrderTracker {
  private readonly keys = new Map<string, KeyState>();
  /** Jobs that had to wait for another, since the start. */
  waited = 0;

  /** Register a job in arrival order; its node says how many unfinished jobs it waits for. */
  add(keys: OrderKeys): OrderNode {
    const node: OrderNode = { blockers: 0, dependents: [], finished: false, keys };
    // Most jobs wait for nothing: the set is only made for one that does.
    let waitFor: Set<OrderNode> | undefined;
    const wait = (blocker: OrderNode | undefined) => {
      if (blocker && !blocker.finished && blocker !== node) (waitFor ??= new Set()).add(blocker);
    };
    for (const key of keys.writes) {
      const state = this.state(key);
      wait(state.lastWrite);
      for (const reader of state.readers) wait(reader);
      for (const toucher of state.touchers) wait(toucher);
      state.lastWrite = node;
      state.readers.clear();
      state.touchers.clear();
    }
    for (const key of keys.touches ?? []) {
      const state = this.state(key);
      if (state.lastWrite === node) continue;
      wait(state.lastWrite);
      // The readers stay: a later touch must not overtake them either.
      for (const reader of state.readers) wait(reader);
      state.touchers.add(node);
    }
    for (const key of keys.reads) {
      const state = this.state(key);
      if (state.lastWrite === node || state.touchers.has(node)) continue;
      wait(state.lastWrite);
      for (const toucher of state.touchers) wait(toucher);
      state.readers.add(node);
    }
    if (waitFor) {
      for (const blocker of waitFor) blocker.dependents.push(node);
      node.blockers = waitFor.size;
      this.waited += 1;
    }
    return node;
  }

  /** A job finished (answered, failed, or thrown away): the jobs that now wait for nothing. */
  finish(node: OrderNode): OrderNode[] {
    if (node.finished) return [];
    node.finished = true;
    for (const key of [...node.keys.writes, ...node.keys.reads, ...(node.keys.touches ?? [])]) {
      const state = this.keys.get(key);
      if (!state) continue;
      if (state.lastWrite === node) state.lastWrite = undefined;
      state.readers.delete(node);
      state.touchers.delete(node);
      if (state.lastWrite === undefined && state.readers.size === 0 && state.touchers.size === 0) this.keys.delete(key);
    }
    const ready: OrderNode[] = [];
    for (const dependent of node.dependents) {
      dependent.blockers -= 1;
      if (dependent.blockers === 0 && !dependent.finished) ready.push(dependent);
    }
    node.dependents = [];
    return ready;
  }

  /** Keys with unfinished jobs on them (bounded by the jobs in the queue). */
  size(): number {
    return this.keys.size;
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { lastWrite: undefined, readers: new Set(), touchers: new Set() }));
    return state;
  }
}
