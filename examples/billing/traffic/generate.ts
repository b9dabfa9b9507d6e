/**
 * Traffic generator for the bundled billing example: a realistic, deterministic mix of requests
 * that reaches every endpoint of examples/billing/API.md and triggers every planted difference of
 * examples/billing/DIFFERENCES.md (Q1..Q15, B1..B3, R1, R2).
 *
 * It is meant to drive traffic THROUGH A SHADOW PROXY that answers from the legacy and mirrors to
 * the rewrite, each with its own database loaded from the same seed, and it behaves like real
 * clients: the lifecycle scenarios create a customer, an invoice or a subscription and then use
 * the id the answer gave (read it back, update it, finalize and pay it, cancel it), so the proxy
 * must follow each side's ids (stateful shadowing). The other scenarios name seeded ids. With
 * `reuseCreated: false` no lifecycle is planned and no id from a create is used again (the
 * behaviour before stateful shadowing, for comparing two services without a proxy).
 *
 * Determinism: the ORDER and the paths of the requests come from a small seeded PRNG (`seed`,
 * default 1) and `rps`; values that must be fresh on every run (idempotency keys, webhook event
 * ids) combine the PRNG's sequence with a per-run nonce.
 *
 * Pacing: open loop at `rps` requests a second for `durationSeconds`. A scenario of k requests
 * (a payment and its retry, a rate-limit burst) takes k slots of the rps budget and sends its
 * requests in order, one at a time. At most `concurrency` scenarios (so requests) are in flight;
 * a scenario that comes due while all are busy is not sent and counted in `dropped`.
 */
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import {
  DEFAULT_SECRET,
  Planner,
  REQUEST_TIMEOUT_MS,
  TRAFFIC_ENDPOINTS,
  USER_AGENT,
  validate,
  webhookSignature,
  type PlannedRequest,
  type PlannedScenario,
} from './plan.js';
import { buildWorld, loadTrafficSeed, Rng } from './world.js';

export {
  BURST_EVERY_SECONDS,
  BURST_SIZE,
  CUSTOMER_CREATE_GAP_SECONDS,
  planTraffic,
  REQUEST_TIMEOUT_MS,
  TRAFFIC_ENDPOINTS,
  TRAFFIC_MIX,
  UNROUTED_ENDPOINT,
  webhookSignature,
  type PlannedRequest,
  type PlannedScenario,
} from './plan.js';
export { defaultSeedFile, loadTrafficSeed, type TrafficSeed } from './world.js';

// ---------------------------------------------------------------------------------------------
// Public surface
// ---------------------------------------------------------------------------------------------

export interface TrafficOptions {
  /** Base URL of the service (or the shadow proxy in front of it), e.g. `http://127.0.0.1:3000`. */
  target: string;
  /** Requests per second (open loop). */
  rps: number;
  durationSeconds: number;
  /** Seed of the PRNG that decides the sequence of requests; default 1. */
  seed?: number;
  /** HMAC secret for `POST /webhooks/provider`; default `whsec_parity_demo`. */
  webhookSecret?: string;
  /** Requests in flight at most; default 32. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called at most 4 times a second, and once at the end. */
  onProgress?: (p: TrafficProgress) => void;
  /** Called as each request is sent; `seq` is its position in the planned sequence. */
  onRequest?: (r: SentRequest) => void;
  /** The seed file the services were loaded from; default examples/billing/seed.json. */
  seedFile?: string;
  /** Per-run nonce mixed into idempotency keys and webhook event ids; default random. */
  nonce?: string;
  /** Lifecycle scenarios that reuse the ids creates answered (default true). */
  reuseCreated?: boolean;
}

export interface TrafficProgress {
  sent: number;
  completed: number;
  failed: number;
  elapsedMs: number;
  /** Requests not sent because `concurrency` requests were already in flight. */
  dropped?: number;
}

export interface TrafficSummary {
  sent: number;
  completed: number;
  /** Network errors and timeouts (HTTP error statuses are `completed`). */
  failed: number;
  durationMs: number;
  byEndpoint: Record<string, { count: number; statuses: Record<string, number> }>;
  /** How many times each scenario ran (started). */
  scenarios: Record<string, number>;
  /** Requests not sent because `concurrency` requests were already in flight. */
  dropped: number;
  /** Requests cut short by `signal`. */
  aborted: number;
  /** Requests of a lifecycle not sent because an earlier one did not answer the id they use. */
  skipped: number;
  /** How many requests were sent for each planted difference of DIFFERENCES.md they trigger. */
  differences: Record<string, number>;
}

export interface SentRequest {
  seq: number;
  method: string;
  path: string;
  endpoint: string;
  scenario: string;
}

/** The key of requests to a path no route matches. */

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

/** The request with each `{{name}}` of its path and body replaced by what was captured; undefined when a value is missing. */
function withCaptured(req: PlannedRequest, captured: ReadonlyMap<string, string>): PlannedRequest | undefined {
  let missing = false;
  const fill = (text: string) =>
    text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = captured.get(name);
      if (value === undefined) missing = true;
      return value ?? '';
    });
  const path = fill(req.path);
  const body = req.body === undefined ? undefined : fill(req.body);
  if (missing) return undefined;
  return { ...req, path, ...(body !== undefined && { body }) };
}

export async function generateTraffic(options: TrafficOptions): Promise<TrafficSummary> {
  const { rps, durationSeconds, signal, onProgress, onRequest } = options;
  const concurrency = options.concurrency ?? 32;
  validate(rps, durationSeconds, concurrency);
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`target must be an http(s) URL, got ${options.target}`);
  const prefix = target.pathname.replace(/\/+$/, '');
  const secret = options.webhookSecret ?? DEFAULT_SECRET;
  const nonce = options.nonce ?? crypto.randomBytes(4).toString('hex');
  const planner = new Planner(buildWorld(loadTrafficSeed(options.seedFile)), new Rng(options.seed ?? 1), nonce, rps, options.reuseCreated ?? true);

  const summary: TrafficSummary = {
    sent: 0,
    completed: 0,
    failed: 0,
    durationMs: 0,
    byEndpoint: {},
    scenarios: {},
    dropped: 0,
    aborted: 0,
    skipped: 0,
    differences: {},
  };
  for (const endpoint of TRAFFIC_ENDPOINTS) summary.byEndpoint[endpoint] = { count: 0, statuses: {} };
  const bump = (record: Record<string, number>, key: string, by = 1) => {
    record[key] = (record[key] ?? 0) + by;
  };

  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  if (signal?.aborted) stop.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });

  const pool = new Pool(target.origin, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const progress = (): TrafficProgress => ({
    sent: summary.sent,
    completed: summary.completed,
    failed: summary.failed,
    elapsedMs: Math.round(elapsed()),
    dropped: summary.dropped,
  });
  const ticker = onProgress ? setInterval(() => onProgress(progress()), 250) : undefined;

  /** Sends one request; with `capture`, answers its JSON body (undefined when there is none to read). */
  async function send(req: PlannedRequest, seq: number, scenario: PlannedScenario): Promise<unknown> {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
    if (req.apiKey !== undefined) headers.authorization = `Bearer ${req.apiKey}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey;
    if (req.webhook) {
      const signature = webhookSignature(req.body ?? '', secret, req.webhook);
      if (signature !== undefined) headers['provider-signature'] = signature;
    }
    const stats = (summary.byEndpoint[req.endpoint] ??= { count: 0, statuses: {} });
    summary.sent++;
    stats.count++;
    for (const id of scenario.triggers) bump(summary.differences, id);
    onRequest?.({ seq, method: req.method, path: req.path, endpoint: req.endpoint, scenario: scenario.name });
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      const res = await pool.request({
        path: prefix + req.path,
        method: req.method,
        headers,
        ...(req.body !== undefined && { body: req.body }),
        signal: AbortSignal.any([stop.signal, timeout]),
      });
      let answer: unknown;
      if (req.capture) {
        const text = await res.body.text();
        try {
          answer = JSON.parse(text);
        } catch {
          answer = undefined;
        }
      } else {
        for await (const _chunk of res.body) {
          // discard
        }
      }
      summary.completed++;
      bump(stats.statuses, String(res.statusCode));
      return answer;
    } catch {
      if (stop.signal.aborted && !timeout.aborted) summary.aborted++;
      else {
        summary.failed++;
        bump(stats.statuses, 'error');
      }
      return undefined;
    }
  }

  /** A scenario's requests in order; later ones use what earlier answers gave (`capture`, `{{name}}`), as a client does. */
  async function run(scenario: PlannedScenario, firstSeq: number): Promise<void> {
    const captured = new Map<string, string>();
    for (const [n, planned] of scenario.requests.entries()) {
      if (stop.signal.aborted) return;
      const req = withCaptured(planned, captured);
      if (!req) {
        // The create did not answer an id (a 400, a 429, a failure): a client would stop here too.
        summary.skipped += scenario.requests.length - n;
        return;
      }
      const answer = await send(req, firstSeq + n, scenario);
      for (const [name, key] of Object.entries(req.capture ?? {})) {
        const value = answer !== null && typeof answer === 'object' ? (answer as Record<string, unknown>)[key] : undefined;
        if (typeof value === 'string' || typeof value === 'number') captured.set(name, String(value));
      }
    }
  }

  const running = new Set<Promise<void>>();
  let inFlight = 0;
  const totalTicks = Math.floor(durationSeconds * rps);
  let tick = 0;
  try {
    while (tick < totalTicks && !stop.signal.aborted) {
      const wait = start + (tick * 1000) / rps - performance.now();
      if (wait > 1) {
        try {
          await sleep(wait, undefined, { signal: stop.signal });
        } catch {
          break;
        }
      }
      const scenario = planner.next(totalTicks - tick);
      if (!scenario) break;
      const firstSeq = tick;
      tick += scenario.requests.length;
      if (inFlight >= concurrency) {
        summary.dropped += scenario.requests.length;
        continue;
      }
      bump(summary.scenarios, scenario.name);
      inFlight++;
      const task: Promise<void> = run(scenario, firstSeq).finally(() => {
        inFlight--;
        running.delete(task);
      });
      running.add(task);
    }
    await Promise.all([...running]);
  } finally {
    if (ticker) clearInterval(ticker);
    signal?.removeEventListener('abort', onAbort);
    summary.durationMs = Math.round(elapsed());
    if (stop.signal.aborted) await pool.destroy().catch(() => undefined);
    else await pool.close().catch(() => undefined);
  }
  onProgress?.(progress());
  return summary;
}
