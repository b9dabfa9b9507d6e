/**
 * The dashboard's HTTP server: the page and its assets (served from the package, no network),
 * the JSON API of api.ts, and a change feed (server-sent events) so new traffic shows without a
 * reload.
 *
 * Safety, because the page shows recorded production traffic and its actions edit spec files:
 * - it binds 127.0.0.1 unless told otherwise, and on any other address every request needs the
 *   access token (once as `?token=`, which sets a SameSite=Strict cookie, or as a Bearer header);
 * - on loopback the Host header must name the loopback address, so a DNS-rebinding page cannot
 *   reach it;
 * - actions are POSTs that need JSON and the per-process CSRF token the page carries; a
 *   cross-site form can send neither;
 * - every response forbids inline script (Content-Security-Policy) and the page renders recorded
 *   data as text only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isParityError, ParityError } from '../errors.js';
import { packageRoot } from '../package-info.js';
import { WINDOWS, type MarkKind, type MarkRequest, type WindowName } from './api.js';
import type { DashboardData } from './data.js';
import { applyMark, undoMark } from './marks.js';

export interface DashboardServerOptions {
  data: DashboardData;
  /** Where marks are written. */
  marksStore: string;
  cwd: string;
  host?: string;
  port?: number;
  /** Required when `host` is not a loopback address. */
  token?: string;
  /** How often the change feed looks at the stores and specs (ms). Default 1000. */
  pollMs?: number;
  /** Unexpected errors (answered 500). */
  onError?: (error: unknown) => void;
}

export interface RunningDashboard {
  url: string;
  /** The URL to open: with the token when one is needed. */
  openUrl: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const CSP =
  "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};
const MAX_BODY = 64 * 1024;

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

export async function startDashboard(options: DashboardServerOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  if (!isLoopback(host) && !token) throw new Error('a dashboard bound to a non-loopback address needs a token');
  const csrf = crypto.randomBytes(24).toString('base64url');
  const assetsDir = path.join(packageRoot(), 'src', 'dashboard', 'assets');
  const index = fs.readFileSync(path.join(assetsDir, 'index.html'), 'utf8').replaceAll('{{CSRF_TOKEN}}', csrf);
  const feed = new ChangeFeed(options.data, options.pollMs ?? 1000);
  let port = 0;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      // A user's mistake (a bad parameter, a refused mark) is a 400 with its message; anything else is parity's bug.
      if (isParityError(error)) return json(res, 400, { error: error.message });
      options.onError?.(error);
      json(res, 500, { error: 'internal error' });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (isLoopback(host) && !hostIsLoopback(req.headers.host, port)) return json(res, 421, { error: 'this dashboard answers only to its loopback address' });
    if (token) {
      const given = url.searchParams.get('token');
      if (given !== null && safeEqual(given, token)) {
        // Trade the token in the URL for a cookie, and drop it from the address bar and history.
        url.searchParams.delete('token');
        res.setHeader('Set-Cookie', `parity_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
        res.writeHead(303, { Location: `${url.pathname}${url.search}` });
        return void res.end();
      }
      if (!authorized(req, token)) return json(res, 401, { error: 'this dashboard needs its access token: open the URL parity dashboard printed' });
    }

    if (req.method === 'GET' || req.method === 'HEAD') {
      if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, 'text/html; charset=utf-8', index);
      const asset = ASSETS[url.pathname];
      if (asset) return send(res, 200, asset.type, fs.readFileSync(path.join(assetsDir, asset.file)));
      if (url.pathname === '/api/overview') return json(res, 200, options.data.overview(windowOf(url)));
      if (url.pathname === '/api/endpoint') return json(res, 200, options.data.endpoint(required(url, 'endpoint'), windowOf(url)));
      if (url.pathname === '/api/samples') return json(res, 200, options.data.samples(required(url, 'endpoint'), required(url, 'signature')));
      if (url.pathname === '/api/events') return feed.subscribe(req, res);
      return json(res, 404, { error: `no such page: ${url.pathname}` });
    }
    if (req.method === 'POST' && (url.pathname === '/api/marks' || url.pathname === '/api/marks/undo')) {
      const problem = crossSiteProblem(req, csrf);
      if (problem) return json(res, 403, { error: problem });
      const body = parseMarkRequest(await readBody(req), url.pathname === '/api/marks');
      const specs = options.data.specs();
      const context = {
        store: options.marksStore,
        cwd: options.cwd,
        endpoint: body.endpoint,
        signature: body.signature,
        spec: specs.get(body.endpoint) ?? null,
      };
      // Undo needs nothing from the stores: a mark can be taken back even when its signature has aged out of them.
      const result =
        url.pathname === '/api/marks'
          ? applyMark({
              ...context,
              parts: options.data.signatureParts(body.endpoint, body.signature),
              mark: body.mark,
              ...(body.behavior !== undefined && { behavior: body.behavior }),
            })
          : undoMark(context);
      feed.poke();
      return json(res, 200, result);
    }
    res.setHeader('Allow', 'GET, HEAD, POST');
    return json(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
  }

  function json(res: http.ServerResponse, status: number, body: unknown): void {
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
  }

  function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  return {
    url,
    openUrl: token ? `${url}/?token=${encodeURIComponent(token)}` : url,
    async close() {
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** On loopback, the Host header must be the loopback address itself (DNS rebinding defence). */
function hostIsLoopback(header: string | undefined, port: number): boolean {
  if (!header) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (!match) return false;
  const name = match[1]!.replace(/^\[|\]$/g, '');
  return isLoopback(name) && (match[2] === undefined || Number(match[2]) === port);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function authorized(req: http.IncomingMessage, token: string): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined && safeEqual(bearer, token)) return true;
  const cookie = (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith('parity_token='));
  return cookie !== undefined && safeEqual(decodeURIComponent(cookie.slice('parity_token='.length)), token);
}

/** Why a POST is refused as possibly cross-site, or undefined. */
function crossSiteProblem(req: http.IncomingMessage, csrf: string): string | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return 'actions take Content-Type: application/json';
  const given = req.headers['x-parity-csrf'];
  if (typeof given !== 'string' || !safeEqual(given, csrf)) return 'missing or wrong X-Parity-Csrf header: reload the page';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return `bad Origin ${origin}`;
    }
    if (originHost !== req.headers.host) return `cross-site request from ${origin} refused`;
  }
  return undefined;
}

function windowOf(url: URL): WindowName {
  const value = url.searchParams.get('window') ?? '24h';
  if (!(WINDOWS as readonly string[]).includes(value))
    throw new ParityError('USAGE', `window: expected one of ${WINDOWS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as WindowName;
}

function required(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (value === null || value === '') throw new ParityError('USAGE', `the ${name} parameter is required`);
  return value;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ParityError('USAGE', `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const MARKS: readonly MarkKind[] = ['noise', 'expected', 'bug'];

function parseMarkRequest(text: string, needsMark: boolean): MarkRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ParityError('USAGE', 'the body is not JSON');
  }
  const body = (value ?? {}) as Record<string, unknown>;
  const text_ = (key: string): string => {
    const field = body[key];
    if (typeof field !== 'string' || field === '') throw new ParityError('USAGE', `${key}: expected a non-empty string`);
    return field;
  };
  const request: MarkRequest = { endpoint: text_('endpoint'), signature: text_('signature'), mark: 'bug' };
  if (needsMark) {
    if (!MARKS.includes(body.mark as MarkKind)) throw new ParityError('USAGE', `mark: expected one of ${MARKS.join(', ')}`);
    request.mark = body.mark as MarkKind;
    if (request.mark === 'expected') request.behavior = text_('behavior');
  }
  return request;
}

/**
 * Server-sent events: one poller for every open page, which tells them when a store was written
 * or a spec edited; the pages then fetch what they show.
 */
class ChangeFeed {
  private readonly clients = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private last: string;

  constructor(
    private readonly data: DashboardData,
    private readonly pollMs: number,
  ) {
    this.last = data.version();
  }

  subscribe(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => this.check(), this.pollMs);
  }

  /** A change the server itself made (a mark): tell the pages now. */
  poke(): void {
    this.last = this.data.version();
    this.broadcast();
  }

  close(): void {
    this.stop();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private check(): void {
    const now = this.data.version();
    if (now === this.last) return;
    this.last = now;
    this.broadcast();
  }

  private broadcast(): void {
    const message = `event: changed\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`;
    for (const client of this.clients) client.write(message);
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
