/**
 * Sending a mirrored request to the candidate or the secondary: a deadline, a body cap (a body
 * over it is not buffered further and not compared), and every failure turned into a value,
 * because a candidate that is down, resets or speaks garbage is a finding, never an exception.
 *
 * Every mirrored request passes here (and the primary's, in detached mode), so it uses undici's
 * dispatcher directly: callbacks, one timer for the deadline, no response stream.
 */
import type { Dispatcher } from 'undici';

export interface MirroredRequest {
  method: string;
  /** Path and query. */
  target: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer | null;
  durationMs: number;
  /** The body was larger than the cap: not kept, not compared. */
  overCap: boolean;
}

export interface UpstreamFailure {
  error: string;
  durationMs: number;
}

/** An upstream's origin and path prefix ("http://host:8080" and "/api" for "http://host:8080/api/"). */
export interface UpstreamBase {
  origin: string;
  prefix: string;
}

/** By URL; only configured upstreams pass here, so it stays a handful of entries. */
const bases = new Map<string, UpstreamBase>();

/** The origin and path prefix of an upstream URL, parsed once per URL. */
export function upstreamBase(url: string): UpstreamBase {
  let base = bases.get(url);
  if (!base) {
    const parsed = new URL(url);
    base = { origin: parsed.origin, prefix: parsed.pathname.replace(/\/+$/, '') };
    bases.set(url, base);
  }
  return base;
}

/** The request path on an upstream: its prefix, then the client's path and query. */
export function upstreamPath(base: UpstreamBase, target: string): string {
  return `${base.prefix}${target.startsWith('/') ? target : `/${target}`}`;
}

class DeadlineExceeded extends Error {}

export function sendUpstream(
  dispatcher: Dispatcher,
  baseUrl: string,
  mirrored: MirroredRequest,
  limits: { timeoutMs: number; maxBodyBytes: number },
): Promise<UpstreamAnswer | UpstreamFailure> {
  const started = performance.now();
  const base = upstreamBase(baseUrl);
  return new Promise((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: Record<string, string | string[]> = {};
    let kept: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: UpstreamAnswer | UpstreamFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const fail = (error: Error) => {
      const code = (error as { code?: string }).code;
      const message = error instanceof DeadlineExceeded ? error.message : `${code ? `${code}: ` : ''}${error.message}`;
      settle({ error: message, durationMs: performance.now() - started });
    };
    const deadline = setTimeout(() => {
      const error = new DeadlineExceeded(`no answer within ${limits.timeoutMs} ms`);
      fail(error);
      controller?.abort(error);
    }, limits.timeoutMs);

    dispatcher.dispatch(
      {
        origin: base.origin,
        path: upstreamPath(base, mirrored.target),
        method: mirrored.method as Dispatcher.HttpMethod,
        headers: mirrored.headers,
        body: mirrored.body,
      },
      {
        onRequestStart(started) {
          controller = started;
          if (settled) started.abort(new Error('the deadline passed'));
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          if (statusCode < 200) return;
          status = statusCode;
          headers = {};
          for (const name in responseHeaders) headers[name] = responseHeaders[name]!;
        },
        onResponseData(current, chunk) {
          size += chunk.length;
          if (size > limits.maxBodyBytes) {
            // Over the cap: not buffered further, not compared; the connection goes with the rest of the body.
            kept = [];
            settle({ status, headers, body: null, durationMs: performance.now() - started, overCap: true });
            current.abort(new Error('over the body cap'));
            return;
          }
          kept.push(chunk);
        },
        onResponseEnd() {
          const body = kept.length === 0 ? null : kept.length === 1 ? kept[0]! : Buffer.concat(kept);
          settle({ status, headers, body, durationMs: performance.now() - started, overCap: false });
        },
        onResponseError(_controller, error) {
          fail(error);
        },
      },
    );
  });
}

/**
 * Starts the sends in a random order and answers in the given one. Sides sent together are timed
 * against each other by the latency gate (the candidate against the secondary, or against the
 * primary in detached mode), and the one sent first would otherwise always be first in every
 * queue on the way: a bias identical services must not show.
 */
export function startedInRandomOrder<T>(sends: readonly (() => Promise<T>)[]): Promise<T[]> {
  const order = sends.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const started = new Array<Promise<T>>(sends.length);
  for (const i of order) started[i] = sends[i]!();
  return Promise.all(started);
}
