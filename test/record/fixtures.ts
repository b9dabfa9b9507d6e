import path from 'node:path';
import type { RecordedExchange } from '../../src/record/exchange.js';
import { parseSpecText, type LoadedSpec } from '../../src/spec/load.js';

export const T0 = Date.parse('2026-11-20T10:00:00Z');
export const ACME_KEY = 'sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc';
export const AUTH = { acme: { headers: { Authorization: `Bearer ${ACME_KEY}` } } };

/** A spec from YAML text, as loadSpecs would give it; fails the test when it does not validate. */
export function spec(text: string, name = 'spec.yaml'): LoadedSpec {
  const { spec: loaded, diagnostics } = parseSpecText(path.join('/specs', name), `specs/${name}`, text);
  if (!loaded) throw new Error(diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return loaded;
}

export interface ExchangeInit {
  method?: string;
  target: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  status?: number;
  responseJson?: unknown;
  responseText?: string;
  responseHeaders?: Record<string, string>;
  /** Seconds after T0. */
  at?: number;
}

/** An exchange as the recorder would hand it over: lower-case header names, bodies as buffers. */
export function exchange(init: ExchangeInit): RecordedExchange {
  const requestHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) requestHeaders[k.toLowerCase()] = v;
  if (init.json !== undefined) requestHeaders['content-type'] ??= 'application/json';
  const responseHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(init.responseHeaders ?? {})) responseHeaders[k.toLowerCase()] = v;
  if (init.responseJson !== undefined) responseHeaders['content-type'] ??= 'application/json; charset=utf-8';
  const requestText = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const responseText = init.responseJson !== undefined ? JSON.stringify(init.responseJson) : init.responseText;
  return {
    method: init.method ?? 'GET',
    target: init.target,
    requestHeaders,
    requestBody: requestText === undefined ? null : Buffer.from(requestText),
    status: init.status ?? 200,
    responseHeaders,
    responseBody: responseText === undefined ? null : Buffer.from(responseText),
    startedAt: T0 + (init.at ?? 0) * 1000,
  };
}

export const CUSTOMERS_CREATE = `id: customers.create
endpoint: POST /customers
extracted:
  volatile:
    - {field: $.id, reason: random}
examples: []
`;

export const CUSTOMERS_GET = `id: customers.get
endpoint: GET /customers/{customer_id}
`;

export interface HarEntryInit {
  method?: string;
  url?: string;
  status?: number;
  requestHeaders?: { name: string; value: string }[];
  postData?: unknown;
  responseHeaders?: { name: string; value: string }[];
  content?: unknown;
  startedDateTime?: string;
}

export function harEntry(init: HarEntryInit = {}): Record<string, unknown> {
  return {
    startedDateTime: init.startedDateTime ?? '2026-11-20T10:00:00.000Z',
    time: 12,
    request: {
      method: init.method ?? 'GET',
      url: init.url ?? 'http://127.0.0.1:3000/customers?limit=2',
      httpVersion: 'HTTP/1.1',
      headers: init.requestHeaders ?? [],
      queryString: [],
      ...(init.postData !== undefined && { postData: init.postData }),
    },
    response: {
      status: init.status ?? 200,
      statusText: 'OK',
      headers: init.responseHeaders ?? [],
      content: init.content ?? { size: 0, mimeType: 'application/json' },
    },
  };
}

export function har(entries: unknown[]): string {
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } }, null, 2);
}
