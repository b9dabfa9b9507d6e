import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, invalidRequest } from './errors.js';

/** A body that could not be read; answered in preValidation, once the request is routed. */
class UnreadableBody {
  constructor(readonly error: ApiError) {}
}

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** The largest JSON body accepted: larger ones are read off and answered 413. */
export const JSON_BODY_LIMIT = 100 * 1024;

/** A media type as RFC 9110 writes it; anything else is treated as no content type at all. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

function unsupportedCharset(charset: string): UnreadableBody {
  return new UnreadableBody(new ApiError(415, 'invalid_request_error', `unsupported charset "${charset.toUpperCase()}"`));
}

/** The text of a body in UTF-8 or UTF-16 (a byte order mark decides the order of UTF-16), without its BOM. */
function decode(raw: Buffer, charset: string): string | undefined {
  let text: string;
  if (charset === 'utf-8') text = raw.toString('utf8');
  else if (charset === 'utf-16le' || (charset === 'utf-16' && !(raw[0] === 0xfe && raw[1] === 0xff))) text = raw.toString('utf16le');
  else if (charset === 'utf-16be' || charset === 'utf-16')
    text = Buffer.from(raw.subarray(0, raw.length - (raw.length % 2)))
      .swap16()
      .toString('utf16le');
  else return undefined;
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * JSON bodies are objects or arrays (`{` or `[` first) and an empty body is `{}`; only UTF
 * charsets are accepted.
 */
function parseJsonBody(contentType: string, raw: Buffer): unknown {
  const charset = (CHARSET.exec(contentType)?.[1] ?? '').toLowerCase() || 'utf-8';
  if (!charset.startsWith('utf-')) return unsupportedCharset(charset);
  if (raw.length > JSON_BODY_LIMIT) return new UnreadableBody(new ApiError(413, 'invalid_request_error', 'request entity too large'));
  const text = decode(raw, charset);
  if (text === undefined) return unsupportedCharset(charset);
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') return new UnreadableBody(invalidRequest('Invalid JSON body'));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new UnreadableBody(invalidRequest('Invalid JSON body'));
  }
}

/** Reads a body to its end, keeping no more of it once it is past the limit: enough to know it is too large. */
function readBody(payload: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer | string) => {
      if (size > JSON_BODY_LIMIT) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      size += bytes.length;
    });
    payload.once('error', reject);
    payload.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function parseRequestBody(request: FastifyRequest, payload: NodeJS.ReadableStream): Promise<unknown> {
  const raw = await readBody(payload);
  rawBodies.set(request, raw);
  return parseJsonBody(request.headers['content-type'] ?? '', raw);
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function registerBodyParsing(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  // Read by hand rather than with Fastify's body limit, so that an oversized body is read off and
  // answered like any other client error instead of closing the connection.
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage) => parseRequestBody(request, payload));
  // Only application/json carries parameters; any other body is drained and ignored.
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    payload.once('end', () => done(null, {}));
    payload.once('error', (error) => done(error, undefined));
  });
  app.addHook('onRequest', async (request) => {
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && !MEDIA_TYPE.test(contentType.trim())) delete request.headers['content-type'];
  });
  app.addHook('preValidation', async (request) => {
    // Fastify never reads the body of a GET; a JSON one must still be valid JSON.
    const { headers } = request;
    const hasBody = headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined;
    if (request.body === undefined && hasBody && JSON_TYPE.test(headers['content-type'] ?? '')) request.body = await parseRequestBody(request, request.raw);
    if (request.body instanceof UnreadableBody) throw request.body.error;
  });
}

/** The body exactly as received, for HMAC signatures; empty when it was not JSON. */
export function rawBodyOf(request: FastifyRequest): Buffer {
  return rawBodies.get(request) ?? Buffer.alloc(0);
}

export type Fields = Readonly<Record<string, unknown>>;

/** The body's fields: unknown ones are simply never read. */
export function fieldsOf(request: FastifyRequest): Fields {
  const body = request.body;
  return typeof body === 'object' && body !== null ? (body as Fields) : {};
}
