/**
 * The recording proxy behind `parity record`: an HTTP server that forwards every request to the
 * upstream (the legacy, in a test environment) unchanged, hands the upstream's answer back
 * unchanged, and keeps a copy of each exchange. Point any integration suite, in any language, at
 * it; when recording stops, the exchanges become spec examples (see record.ts).
 *
 * Bodies are buffered (an integration suite's exchanges are small; a body over `maxBodyBytes` is
 * still forwarded but not recorded), and the copy kept for recording has its content-encoding
 * undone, while the client gets the bytes the upstream sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { decodedBody } from '../compare/response.js';
import { joinUrl } from '../runner/http.js';
import type { RecordedExchange } from './exchange.js';

export interface RecordingProxyOptions {
  upstream: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  maxBodyBytes?: number;
  /** Exchanges kept at most (default 100,000); later ones are forwarded and counted as skipped, so memory stays bounded. */
  maxExchanges?: number;
  timeoutMs?: number;
  onExchange?(exchange: RecordedExchange): void;
}

export interface RecordingProxy {
  url: string;
  /** The exchanges recorded so far, in the order their requests started. */
  exchanges(): RecordedExchange[];
  /** How many requests were forwarded but not recorded (body too large, upstream failure, maxExchanges reached). */
  skipped(): number;
  close(): Promise<void>;
}

/**
 * Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business, never forwarded; so is
 * `expect` (the proxy has already read the whole body, and undici refuses to send it).
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'expect']);

export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const maxExchanges = options.maxExchanges ?? 100_000;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  // Ordered by arrival, not by when answers finished: a chain (create, then read what was created) must stay in order.
  const recorded: { seq: number; exchange: RecordedExchange }[] = [];
  let arrivals = 0;
  let skipped = 0;

  const server = http.createServer((req, res) => {
    const startedAt = Date.now();
    const seq = arrivals++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const requestBody = chunks.length === 0 ? null : Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || HOP_BY_HOP.has(name)) continue;
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const target = req.url ?? '/';
      forward(target, req.method ?? 'GET', headers, requestBody)
        .then(({ status, responseHeaders, body }) => {
          res.writeHead(status, responseHeaders);
          res.end(body);
          if ((requestBody?.length ?? 0) > maxBodyBytes || body.length > maxBodyBytes || recorded.length >= maxExchanges) {
            skipped += 1;
            return;
          }
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(responseHeaders)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
          const decoded = decodedBody({ status, headers: flat, body });
          delete flat['content-encoding'];
          const exchange: RecordedExchange = {
            method: (req.method ?? 'GET').toUpperCase(),
            target,
            requestHeaders: headers,
            requestBody,
            status,
            responseHeaders: flat,
            responseBody: decoded.length === 0 ? null : decoded,
            startedAt,
          };
          recorded.push({ seq, exchange });
          options.onExchange?.(exchange);
        })
        .catch((error: unknown) => {
          skipped += 1;
          // The client sees what a gateway would say; the exchange is not a behaviour of the upstream.
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`parity record: the upstream ${options.upstream} did not answer: ${error instanceof Error ? error.message : String(error)}\n`);
        });
    });
  });

  async function forward(target: string, method: string, headers: Record<string, string>, body: Buffer | null) {
    const response = await request(joinUrl(options.upstream, target), {
      method: method as Dispatcher.HttpMethod,
      headers,
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const responseBody = Buffer.from(await response.body.arrayBuffer());
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) responseHeaders[name] = value;
    }
    return { status: response.statusCode, responseHeaders, body: responseBody };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    exchanges: () => [...recorded].sort((a, b) => a.seq - b.seq).map((r) => r.exchange),
    skipped: () => skipped,
    async close() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
