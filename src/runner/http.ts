/**
 * The HTTP side of spec tests: one undici Agent (keep-alive pools per origin) shared by every
 * example, a per-request deadline, and failures sorted into what they mean for a run: a target
 * that refuses connections is unreachable (the run stops with one message), a slow answer is a
 * timeout (that example errors), anything else is an error of that request.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { ResponseData } from '../compare/response.js';

export interface OutgoingRequest {
  method: string;
  /** Path and query, appended to the target's base URL (whose own path is kept as a prefix). */
  target: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

export interface ReceivedResponse extends ResponseData {
  headers: Record<string, string | string[]>;
  body: Buffer;
  durationMs: number;
}

export type RequestFailureKind = 'unreachable' | 'timeout' | 'error';

export class RequestFailure extends Error {
  constructor(
    readonly kind: RequestFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'RequestFailure';
  }
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'DNS lookup failed',
  EADDRNOTAVAIL: 'address not available',
};

export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly timeoutMs: number,
    connections: number,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000, pipelining: 1 });
  }

  async send(baseUrl: string, outgoing: OutgoingRequest, signal?: AbortSignal): Promise<ReceivedResponse> {
    const url = joinUrl(baseUrl, outgoing.target);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const started = performance.now();
    try {
      const response = await request(url, {
        method: outgoing.method as Dispatcher.HttpMethod,
        headers: outgoing.headers,
        body: outgoing.body,
        dispatcher: this.agent,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = value;
      return { status: response.statusCode, headers, body, durationMs: performance.now() - started };
    } catch (error) {
      throw classify(error, url, deadline.aborted, this.timeoutMs);
    }
  }

  /** Undefined when something answers HTTP at `baseUrl` (any status is an answer); otherwise why the request failed. */
  async probe(baseUrl: string): Promise<RequestFailure | undefined> {
    try {
      await this.send(baseUrl, { method: 'GET', target: '/', headers: {}, body: null });
      return undefined;
    } catch (error) {
      if (error instanceof RequestFailure) return error;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export function joinUrl(baseUrl: string, target: string): string {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${target.startsWith('/') ? target : `/${target}`}`;
}

function classify(error: unknown, url: string, timedOut: boolean, timeoutMs: number): RequestFailure {
  if (timedOut) return new RequestFailure('timeout', `no answer from ${url} within ${timeoutMs} ms`);
  const code = errorCode(error);
  if (code && Object.hasOwn(UNREACHABLE, code)) return new RequestFailure('unreachable', `${UNREACHABLE[code]} (${code})`);
  const message = error instanceof Error ? error.message : String(error);
  return new RequestFailure('error', `${url}: ${code ? `${code}: ` : ''}${message}`);
}

function errorCode(error: unknown): string | undefined {
  // undici wraps socket errors: the code may sit on the error or on its cause (or the cause's errors for happy eyeballs).
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = cause;
  }
  return undefined;
}
