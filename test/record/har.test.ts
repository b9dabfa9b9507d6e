import { describe, expect, it } from 'vitest';
import { ParityError } from '../../src/errors.js';
import { parseHar, readHar } from '../../src/record/har.js';
import { har, harEntry } from './fixtures.js';

function failure(text: string): string {
  try {
    parseHar(text, 'traffic.har');
  } catch (error) {
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('HAR_INVALID');
    expect((error as ParityError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected parseHar to fail');
}

describe('parseHar', () => {
  it('reads requests, headers, bodies and start times', () => {
    const text = har([
      harEntry({
        method: 'post',
        url: 'https://legacy.example.test:8443/customers?expand=a&expand=b',
        requestHeaders: [
          { name: ':authority', value: 'legacy.example.test' },
          { name: 'Authorization', value: 'Bearer k' },
          { name: 'X-Tag', value: 'a' },
          { name: 'x-tag', value: 'b' },
        ],
        postData: { mimeType: 'application/json', text: '{"email":"a@x.test"}' },
        status: 201,
        responseHeaders: [{ name: 'Content-Type', value: 'application/json' }],
        content: { size: 20, mimeType: 'application/json', text: '{"id":"cus_1"}' },
        startedDateTime: '2026-11-20T10:00:01.500+01:00',
      }),
    ]);
    expect(parseHar(text, 'traffic.har')).toEqual([
      {
        method: 'POST',
        target: '/customers?expand=a&expand=b',
        requestHeaders: { authorization: 'Bearer k', 'x-tag': 'a, b', 'content-type': 'application/json' },
        requestBody: Buffer.from('{"email":"a@x.test"}'),
        status: 201,
        responseHeaders: { 'content-type': 'application/json' },
        responseBody: Buffer.from('{"id":"cus_1"}'),
        startedAt: Date.parse('2026-11-20T09:00:01.500Z'),
      },
    ]);
  });

  it('decodes base64 content, builds form bodies from params, and takes mime types when headers are missing', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const [image, form] = parseHar(
      har([
        harEntry({ content: { size: 6, mimeType: 'image/png', text: bytes.toString('base64'), encoding: 'base64' } }),
        harEntry({
          method: 'POST',
          postData: {
            mimeType: 'application/x-www-form-urlencoded',
            params: [
              { name: 'user', value: 'ada lovelace' },
              { name: 'remember', value: '1' },
            ],
          },
          content: { size: 0, mimeType: '' },
        }),
      ]),
      'traffic.har',
    );
    expect(image!.responseBody).toEqual(bytes);
    expect(image!.responseHeaders).toEqual({ 'content-type': 'image/png' });
    expect(form!.requestBody!.toString()).toBe('user=ada+lovelace&remember=1');
    expect(form!.requestHeaders['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form!.responseBody).toBeNull();
  });

  it('skips and counts entries with status 0 (aborted in the browser)', () => {
    const reading = readHar(har([harEntry({ status: 0 }), harEntry(), harEntry({ status: 0, url: 'not even a url' })]), 'traffic.har');
    expect(reading.aborted).toBe(2);
    expect(reading.exchanges).toHaveLength(1);
  });

  it('reports JSON syntax errors with line:col, in words that do not depend on the Node version', () => {
    expect(failure('{\n  "log": {\n    "entries": [,]\n  }\n}')).toBe('traffic.har:3:17: not valid JSON: unexpected ","');
    expect(failure('{"log": {"entries": []}')).toBe('traffic.har:1:24: not valid JSON: expected "," or "}", got the end of the file');
    expect(failure('{\n  "log": {"entries": [],}\n}')).toBe('traffic.har:2:25: not valid JSON: a trailing comma before "}"');
    expect(failure('{"log": "x\n"}')).toBe('traffic.har:1:11: not valid JSON: a control character inside a string (escape it)');
    expect(failure('')).toBe('traffic.har:1:1: not valid JSON: unexpected end of the file');
    expect(failure('{} x')).toBe('traffic.har:1:4: not valid JSON: unexpected "x" after the end of the JSON value');
  });

  it('names the entry and field of a structural problem', () => {
    expect(failure('[]')).toBe('traffic.har: (document): expected an object with "log" (is this a HAR file?)');
    expect(failure('{"entries": []}')).toBe('traffic.har: log: expected an object (is this a HAR file?)');
    expect(failure('{"log": {"entries": {}}}')).toBe('traffic.har: log.entries: expected a list');
    const entries = [harEntry(), harEntry(), harEntry(), harEntry({ url: '/customers' })];
    expect(failure(har(entries))).toBe('traffic.har: log.entries[3].request.url: expected an absolute URL');
    expect(failure(har([harEntry({ url: 'ftp://x/y' })]))).toBe('traffic.har: log.entries[0].request.url: expected an absolute URL');
    expect(failure(har([harEntry({ method: '' })]))).toBe('traffic.har: log.entries[0].request.method: expected an HTTP method such as "GET"');
    expect(failure(har([harEntry({ status: 99 })]))).toBe(
      'traffic.har: log.entries[0].response.status: expected an HTTP status (100-599, or 0 for an aborted request)',
    );
    expect(failure(har([harEntry({ startedDateTime: 'yesterday' })]))).toBe('traffic.har: log.entries[0].startedDateTime: expected an ISO 8601 date-time');
    expect(failure(har([harEntry({ requestHeaders: [{ name: 'a' }] as never })]))).toBe(
      'traffic.har: log.entries[0].request.headers[0]: expected {name, value} with string name and value',
    );
    expect(failure(har([harEntry({ content: { text: '***', encoding: 'base64' } })]))).toBe(
      'traffic.har: log.entries[0].response.content.text: not valid base64',
    );
    expect(failure(har([harEntry({ content: { text: 'x', encoding: 'gzip' } })]))).toBe(
      'traffic.har: log.entries[0].response.content.encoding: expected "base64" or no encoding',
    );
    expect(failure(har([{ request: {} }]))).toBe('traffic.har: log.entries[0].response: expected an object');
  });
});
