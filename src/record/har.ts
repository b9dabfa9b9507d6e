/**
 * Reading HAR 1.2 files (browser devtools "Save all as HAR", proxies, API clients) into recorded
 * exchanges. Problems are reported with where they are: line:col for JSON syntax, the entry
 * index and field for structure, since HAR files run to thousands of entries.
 */
import { ParityError } from '../errors.js';
import { plural } from '../text.js';
import type { RecordedExchange } from './exchange.js';

export interface HarReading {
  exchanges: RecordedExchange[];
  /** Entries with status 0: requests the browser aborted or that never got an answer. */
  aborted: number;
}

/** The exchanges of a HAR file, in file order; `shown` names the file in errors. */
export function parseHar(text: string, shown: string): RecordedExchange[] {
  return readHar(text, shown).exchanges;
}

export function readHar(text: string, shown: string): HarReading {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    const { offset, reason } = jsonSyntaxError(text.replace(/^\uFEFF/, ''));
    const { line, col } = lineCol(text.replace(/^\uFEFF/, ''), offset);
    throw new ParityError('HAR_INVALID', `${shown}:${line}:${col}: not valid JSON: ${reason}`);
  }
  const fail = (field: string, problem: string): never => {
    throw new ParityError('HAR_INVALID', `${shown}: ${field}: ${problem}`);
  };
  if (!isObject(data)) return fail('(document)', 'expected an object with "log" (is this a HAR file?)');
  if (!isObject(data.log)) return fail('log', 'expected an object (is this a HAR file?)');
  const entries = data.log.entries;
  if (!Array.isArray(entries)) return fail('log.entries', 'expected a list');

  const exchanges: RecordedExchange[] = [];
  let aborted = 0;
  entries.forEach((entry: unknown, i) => {
    const at = `log.entries[${i}]`;
    if (!isObject(entry)) return fail(at, 'expected an object');
    const { request, response } = entry;
    if (!isObject(request)) return fail(`${at}.request`, 'expected an object');
    if (!isObject(response)) return fail(`${at}.response`, 'expected an object');

    const status = response.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || (status !== 0 && (status < 100 || status > 599))) {
      return fail(`${at}.response.status`, 'expected an HTTP status (100-599, or 0 for an aborted request)');
    }
    if (status === 0) {
      aborted++;
      return;
    }

    const method = request.method;
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) return fail(`${at}.request.method`, 'expected an HTTP method such as "GET"');
    const url = absoluteUrl(request.url);
    if (!url) return fail(`${at}.request.url`, 'expected an absolute URL');
    const started = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : Number.NaN;
    if (Number.isNaN(started)) return fail(`${at}.startedDateTime`, 'expected an ISO 8601 date-time');

    const requestHeaders = headers(request.headers, `${at}.request.headers`, fail);
    const responseHeaders = headers(response.headers, `${at}.response.headers`, fail);

    let requestBody: Buffer | null = null;
    const postData = request.postData;
    if (postData !== undefined) {
      if (!isObject(postData)) return fail(`${at}.request.postData`, 'expected an object');
      if (postData.text !== undefined && typeof postData.text !== 'string') return fail(`${at}.request.postData.text`, 'expected a string');
      if (typeof postData.text === 'string') requestBody = Buffer.from(postData.text, 'utf8');
      else if (Array.isArray(postData.params)) requestBody = Buffer.from(formParams(postData.params, `${at}.request.postData.params`, fail), 'utf8');
      if (requestHeaders['content-type'] === undefined && typeof postData.mimeType === 'string' && postData.mimeType !== '') {
        requestHeaders['content-type'] = postData.mimeType;
      }
    }

    let responseBody: Buffer | null = null;
    const content = response.content;
    if (content !== undefined) {
      if (!isObject(content)) return fail(`${at}.response.content`, 'expected an object');
      if (content.text !== undefined && typeof content.text !== 'string') return fail(`${at}.response.content.text`, 'expected a string');
      if (content.encoding !== undefined && content.encoding !== 'base64') return fail(`${at}.response.content.encoding`, 'expected "base64" or no encoding');
      if (typeof content.text === 'string') {
        if (content.encoding === 'base64') {
          if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(content.text)) return fail(`${at}.response.content.text`, 'not valid base64');
          responseBody = Buffer.from(content.text, 'base64');
        } else {
          responseBody = Buffer.from(content.text, 'utf8');
        }
      }
      if (responseHeaders['content-type'] === undefined && typeof content.mimeType === 'string' && content.mimeType !== '') {
        responseHeaders['content-type'] = content.mimeType;
      }
    }

    exchanges.push({
      method: method.toUpperCase(),
      target: `${url.pathname}${url.search}`,
      requestHeaders,
      requestBody,
      status,
      responseHeaders,
      responseBody,
      startedAt: started,
    });
  });
  return { exchanges, aborted };
}

/** "1 entry skipped" style summary of aborted entries, for the CLI. */
export function abortedNote(aborted: number): string {
  return `${plural(aborted, 'entry', 'entries')} with status 0 (aborted) skipped`;
}

type Fail = (field: string, problem: string) => never;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function absoluteUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Lower-case names, repeated headers joined with ", "; HTTP/2 pseudo-headers (":authority") left out. */
function headers(value: unknown, at: string, fail: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) return fail(at, 'expected a list of {name, value}');
  const out: Record<string, string> = {};
  value.forEach((header: unknown, i) => {
    if (!isObject(header) || typeof header.name !== 'string' || typeof header.value !== 'string') {
      return fail(`${at}[${i}]`, 'expected {name, value} with string name and value');
    }
    const name = header.name.toLowerCase();
    if (name.startsWith(':')) return;
    out[name] = out[name] === undefined ? header.value : `${out[name]}, ${header.value}`;
  });
  return out;
}

function formParams(params: unknown[], at: string, fail: Fail): string {
  const search = new URLSearchParams();
  params.forEach((param: unknown, i) => {
    if (!isObject(param) || typeof param.name !== 'string') return fail(`${at}[${i}]`, 'expected {name, value}');
    search.append(param.name, typeof param.value === 'string' ? param.value : '');
  });
  return search.toString();
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/**
 * Where JSON.parse gave up, and why, in words that do not change between Node versions (V8's
 * messages do, and some leave out the position).
 */
export function jsonSyntaxError(text: string): { offset: number; reason: string } {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  const stop = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const describe = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else stop(`unexpected ${describe()}`);
  };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) stop('a control character inside a string (escape it)');
      if (text[i] === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) stop('a \\u escape needs 4 hex digits');
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else stop('an invalid escape in a string');
      } else i++;
    }
    if (i >= text.length) stop('a string that is never closed', start);
    i++;
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) stop(`unexpected ${describe()}`);
    i += match![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') stop(text[i] === '}' ? 'a trailing comma before "}"' : `expected a property name in double quotes, got ${describe()}`);
        string();
        ws();
        if (text[i] !== ':') stop(`expected ":" after a property name, got ${describe()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else stop(`expected "," or "}", got ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        ws();
        if (text[i] === ']') stop('a trailing comma before "]"');
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else stop(`expected "," or "]", got ${describe()}`);
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    stop(i >= text.length ? 'unexpected end of the file' : `unexpected ${describe()}`);
  };
  try {
    value();
    ws();
    if (i < text.length) stop(`unexpected ${describe()} after the end of the JSON value`);
  } catch (error) {
    if (error instanceof Stop) return { offset: error.offset, reason: error.reason };
    throw error;
  }
  // JSON.parse failed on something the scanner accepted (a lone surrogate, say): point at the start.
  return { offset: 0, reason: 'not parseable' };
}
