/**
 * The inline proxy's client path: one request to the primary, its answer streamed to the client as
 * it arrives, and a copy of the answer kept (up to the body cap) for the comparison.
 *
 * This is the hot path of `parity shadow`, so it talks to undici's dispatcher directly: callbacks
 * straight into the client's response, no response stream, no async iteration, and a single-chunk
 * answer leaves in one write (headers and body together) rather than a write and an end. Measured
 * in bench/shadow.ts ("parity no mirror").
 */
import type http from 'node:http';
import type { Dispatcher } from 'undici';
import { HOP_BY_HOP } from './serve.js';
import { upstreamPath, type UpstreamBase } from './upstream.js';

export interface PrimaryExchange {
  method: string;
  /** Path and query. */
  target: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

export type ForwardResult =
  /**
   * The client got the primary's whole answer; `body` is null when empty or over the cap.
   * `durationMs` runs from sending the request to the answer's last byte, as the candidate's does
   * (upstream.ts): the two are compared by the latency gate.
   */
  | { kind: 'answered'; status: number; headers: Record<string, string | string[]>; body: Buffer | null; overCap: boolean; durationMs: number }
  /** The primary did not answer (refused, reset, timed out before its headers): the client got a 502. */
  | { kind: 'unanswered'; error: Error }
  /** The answer did not reach the client whole: the primary cut it, or the client left. Nothing to compare. */
  | { kind: 'cut' };

/**
 * Send `exchange` to the primary (`base`) through `dispatcher` and stream the answer into `res`.
 * Never rejects: every failure is a result, and the client always gets an answer or a cut connection.
 */
export function forwardToPrimary(
  dispatcher: Dispatcher,
  base: UpstreamBase,
  exchange: PrimaryExchange,
  res: http.ServerResponse,
  maxBodyBytes: number,
): Promise<ForwardResult> {
  // A client gone while its request body was read: nothing to send, nothing to mirror.
  if (res.destroyed) return Promise.resolve({ kind: 'cut' });
  return new Promise((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: Record<string, string | string[]> = {};
    let expectedLength = -1;
    let received = 0;
    let kept: Buffer[] = [];
    let overCap = false;
    let settled = false;
    const settle = (result: ForwardResult) => {
      if (settled) return;
      settled = true;
      res.off('close', onClientClose);
      res.off('drain', onDrain);
      resolve(result);
    };
    // A client that leaves takes the exchange with it: the primary is not read on (an endless stream would never end).
    const onClientClose = () => {
      if (res.writableFinished) return;
      settle({ kind: 'cut' });
      controller?.abort(new Error('the client closed the connection'));
    };
    const onDrain = () => controller?.resume();
    res.on('close', onClientClose);
    res.on('drain', onDrain);

    const sentAt = performance.now();
    dispatcher.dispatch(
      {
        origin: base.origin,
        path: upstreamPath(base, exchange.target),
        method: exchange.method as Dispatcher.HttpMethod,
        headers: exchange.headers,
        body: exchange.body,
      },
      {
        onRequestStart(started) {
          controller = started;
          if (settled) started.abort(new Error('the client closed the connection'));
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          // 1xx answers are the connection's business; the client gets the final one.
          if (statusCode < 200) return;
          status = statusCode;
          headers = {};
          for (const name in responseHeaders) {
            if (!HOP_BY_HOP.has(name)) headers[name] = responseHeaders[name]!;
          }
          const length = responseHeaders['content-length'];
          expectedLength = typeof length === 'string' && exchange.method !== 'HEAD' ? Number(length) : -1;
          res.writeHead(statusCode, headers);
        },
        onResponseData(current, chunk) {
          received += chunk.length;
          if (!overCap) {
            if (received > maxBodyBytes) {
              overCap = true;
              kept = [];
            } else kept.push(chunk);
          }
          if (settled) return;
          // The last bytes of an answer of known length go out with end(): one write, not two.
          if (received === expectedLength) res.end(chunk);
          else if (!res.write(chunk)) current.pause();
        },
        onResponseEnd() {
          if (settled) return;
          if (!res.writableEnded) res.end();
          const body = overCap || kept.length === 0 ? null : kept.length === 1 ? kept[0]! : Buffer.concat(kept);
          settle({ kind: 'answered', status, headers, body, overCap, durationMs: performance.now() - sentAt });
        },
        onResponseError(_controller, error) {
          if (settled) return;
          if (res.headersSent) {
            // The primary cut its answer: so does parity, so the client sees the cut it would have seen.
            res.destroy();
            settle({ kind: 'cut' });
            return;
          }
          res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`parity shadow: the primary did not answer: ${error.message}\n`);
          settle({ kind: 'unanswered', error });
        },
      },
    );
  });
}
