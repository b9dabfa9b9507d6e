/**
 * Sending a mirrored request to the candidate or the secondary: a deadline, a body cap (a body
 * over it is not buffered further and not compared), and every failure turned into a value,
 * because a candidate that is down, resets or speaks garbage is a finding, never an exception.
 */
import type { Agent, Dispatcher } from 'undici';
import { request } from 'undici';
import { joinUrl } from '../src/runner/http.js';

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

export async function sendUpstream(
  agent: Agent,
  base: string,
  mirrored: MirroredRequest,
  limits: { timeoutMs: number; maxBodyBytes: number },
): Promise<UpstreamAnswer | UpstreamFailure> {
  const started = performance.now();
  try {
    const response = await request(joinUrl(base, mirrored.target), {
      method: mirrored.method as Dispatcher.HttpMethod,
      headers: mirrored.headers,
      body: mirrored.body,
      dispatcher: agent,
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
    const kept: Buffer[] = [];
    let size = 0;
    let overCap = false;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > limits.maxBodyBytes) {
        overCap = true;
        response.body.destroy();
        break;
      }
      kept.push(chunk as Buffer);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = value;
    return {
      status: response.statusCode,
      headers,
      body: overCap || kept.length === 0 ? null : Buffer.concat(kept),
      durationMs: performance.now() - started,
      overCap,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${limits.timeoutMs} ms`
        : `${code ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
    return { error: message, durationMs: performance.now() - started };
  }
}
