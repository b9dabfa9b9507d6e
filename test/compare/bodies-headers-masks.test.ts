import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compareResponses, fingerprint, type ResponseData } from '../../src/compare/response.js';
import { compareRulesOf, ruleCovers } from '../../src/compare/rules.js';
import { compileMasks, maskProblems } from '../../src/compare/mask.js';
import { diffText } from '../../src/compare/text.js';
import { SpecSchema } from '../../src/spec/schema.js';

const json = (body: unknown, headers: Record<string, string | string[]> = {}): ResponseData => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const typed = (contentType: string, body: string | Uint8Array): ResponseData => ({ status: 200, headers: { 'content-type': contentType }, body });

describe('headers: ["*"]', () => {
  const primary = json(
    {},
    {
      date: 'Mon, 01 Jun 2026 10:00:00 GMT',
      etag: 'W/"abc"',
      'Last-Modified': 'Mon, 01 Jun 2026 09:00:00 GMT',
      'x-request-id': 'req_1',
      server: 'Puma',
      'content-length': '2',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'x-api-version': '2024-01-01',
      'cache-control': 'no-store',
    },
  );
  const candidate = json(
    {},
    {
      Date: 'Mon, 01 Jun 2026 10:00:01 GMT',
      ETag: '"xyz"',
      'x-request-id': 'req_2',
      server: 'go',
      'content-length': '3',
      'X-Api-Version': '2025-01-01',
      'cache-control': 'no-store',
      vary: 'Accept',
    },
  );

  it('compares every header but hop-by-hop, body-derived and per-response ones, in name order', () => {
    expect(compareResponses(primary, candidate, { headers: ['*'] })).toEqual([
      { kind: 'header', path: 'header:vary', pattern: 'header:vary', candidate: 'Accept' },
      { kind: 'header', path: 'header:x-api-version', pattern: 'header:x-api-version', primary: '2024-01-01', candidate: '2025-01-01' },
    ]);
  });

  it('keeps content-type alone as the default', () => {
    expect(compareResponses(primary, candidate)).toEqual([]);
  });

  it('compares a volatile header named beside "*", and leaves out ignore_headers (prefixes too)', () => {
    expect(compareResponses(primary, candidate, { headers: ['*', 'ETag'], ignore_headers: ['vary', 'X-API-*'] })).toEqual([
      { kind: 'header', path: 'header:etag', pattern: 'header:etag', primary: 'W/"abc"', candidate: '"xyz"' },
    ]);
    expect(compareResponses(primary, candidate, { headers: ['x-api-version'], ignore_headers: ['x-api-version'] })).toEqual([]);
  });

  it('treats names a Connection header lists as hop-by-hop', () => {
    const a = json({}, { connection: 'close, x-hop' });
    const b = json({}, { 'x-hop': '1' });
    expect(compareResponses(a, b, { headers: ['*'] })).toEqual([]);
  });

  it('compares Set-Cookie by cookie names and attributes, not values or Expires', () => {
    const a = json({}, { 'set-cookie': ['sid=abc; Path=/; HttpOnly; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'lang=en; Path=/'] });
    const b = json({}, { 'Set-Cookie': 'lang=fr; Path=/, sid=xyz; Expires=Thu, 22 Oct 2026 07:28:00 GMT; HttpOnly; Path=/' });
    expect(compareResponses(a, b, { headers: ['*'] })).toEqual([]);
    const lost = json({}, { 'set-cookie': 'sid=xyz; Path=/' });
    expect(compareResponses(a, lost, { headers: ['*'] })).toEqual([
      {
        kind: 'header',
        path: 'header:set-cookie',
        pattern: 'header:set-cookie',
        primary: 'lang=…; path=/\nsid=…; httponly; path=/',
        candidate: 'sid=…; path=/',
      },
    ]);
  });
});

describe('parameterised headers (content-type)', () => {
  const withType = (contentType: string): ResponseData => ({ status: 200, headers: { 'content-type': contentType }, body: '{}' });
  // The bodies are the same bytes; under two media types they are also parsed differently, which is not what is looked at here.
  const compare = (a: string, b: string, rules = {}) => compareResponses(withType(a), withType(b), rules).filter((d) => d.kind === 'header');

  it('are equal when they differ only in case and spacing where those mean nothing', () => {
    expect(compare('application/json;charset=UTF-8', 'Application/JSON; charset="utf-8"')).toEqual([]);
  });

  it('report a differing parameter as its own cause, and a differing media type as the header', () => {
    expect(compare('application/json', 'application/json; charset=utf-8')).toEqual([
      {
        kind: 'header',
        path: 'header:content-type',
        pattern: 'header:content-type;charset',
        primary: 'application/json',
        candidate: 'application/json; charset=utf-8',
      },
    ]);
    expect(compare('application/json; charset=utf-8', 'text/plain; charset=utf-8').map((d) => d.pattern)).toEqual(['header:content-type']);
    expect(compare('text/csv; header=present', 'text/csv; charset=latin1').map((d) => d.pattern)).toEqual([
      'header:content-type;charset',
      'header:content-type;header',
    ]);
  });

  it('leave out the parameters ignore_header_parameters names, or all of them with "*", never the media type', () => {
    expect(compare('application/json', 'application/json; charset=utf-8', { ignore_header_parameters: ['Content-Type;charset'] })).toEqual([]);
    expect(
      compare('text/csv; header=present', 'text/csv; charset=latin1', { ignore_header_parameters: ['content-type;charset'] }).map((d) => d.pattern),
    ).toEqual(['header:content-type;header']);
    expect(compare('text/csv; header=present', 'text/csv; charset=latin1', { ignore_header_parameters: ['content-type;*'] })).toEqual([]);
    expect(compare('application/json', 'text/html', { ignore_header_parameters: ['content-type;*'] }).map((d) => d.pattern)).toEqual(['header:content-type']);
  });

  it('count a charset signature recorded before the rule as covered once the rule is there', () => {
    const rules = { ignore_header_parameters: ['content-type;charset'] };
    expect(ruleCovers(rules, { pattern: 'header:content-type;charset', kind: 'header' })).toBe(true);
    expect(ruleCovers(rules, { pattern: 'header:content-type', kind: 'header' })).toBe(false);
    expect(ruleCovers({ ignore_headers: ['content-type'] }, { pattern: 'header:content-type;charset', kind: 'header' })).toBe(true);
  });

  it('are refused in a spec for a header without parameters, with what is expected', () => {
    const parsed = SpecSchema.safeParse({ id: 'a', endpoint: 'GET /a', compare: { ignore_header_parameters: ['cache-control;max-age'] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toBe(
      'expected content-type or content-disposition and one of its parameters, as in "content-type;charset", or "content-type;*" for the media type only',
    );
  });
});

describe('text, HTML and XML bodies', () => {
  it('normalises line endings and reports a differing line by its number', () => {
    const a = typed('text/plain', 'one\r\ntwo\r\nthree\r\nfour\r\n');
    const b = typed('text/plain; charset=utf-8', 'one\ntwo\nTHREE\nfour\n');
    expect(compareResponses(typed('text/plain', 'one\r\ntwo\r\n'), typed('text/plain', 'one\ntwo\n'))).toEqual([]);
    expect(compareResponses(a, b, { headers: [] })).toEqual([{ kind: 'line', path: 'line:3', pattern: 'line:3', primary: 'three', candidate: 'THREE' }]);
  });

  it('compares bodies of as many lines line by line, so one noisy line does not hide another; otherwise as a whole', () => {
    const a = typed('text/plain', 'item 7\nserved by http://127.0.0.1:4001\nprice 999\n');
    const b = typed('text/plain', 'item 7\nserved by http://127.0.0.1:4002\nprice 1000\n');
    expect(compareResponses(a, b)).toEqual([
      { kind: 'line', path: 'line:2', pattern: 'line:2', primary: 'served by http://127.0.0.1:4001', candidate: 'served by http://127.0.0.1:4002' },
      { kind: 'line', path: 'line:3', pattern: 'line:3', primary: 'price 999', candidate: 'price 1000' },
    ]);
    // A line more or less shifts every line after it: a difference of the whole body, at its first differing line.
    expect(compareResponses(a, typed('text/plain', 'item 7\nprice 999\n'))).toEqual([
      { kind: 'body', path: '$', pattern: '$', primary: 'line 2: served by http://127.0.0.1:4001', candidate: 'line 2: price 999' },
    ]);
    // Past 20 differing lines the body differs as a whole too.
    const many = (tag: string) => typed('text/plain', Array.from({ length: 30 }, (_, i) => `${tag} ${i}`).join('\n'));
    expect(compareResponses(many('a'), many('b'))).toEqual([{ kind: 'body', path: '$', pattern: '$', primary: 'line 1: a 0', candidate: 'line 1: b 0' }]);
  });

  it('compares line-delimited JSON record by record as JSON', () => {
    const ndjson = (records: unknown[], type = 'application/x-ndjson') => typed(type, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const a = ndjson([
      { seq: 0, self: 'http://127.0.0.1:4001' },
      { seq: 1, qty: 2 },
    ]);
    const b = ndjson([
      { seq: 0, self: 'http://127.0.0.1:4002' },
      { seq: 1, qty: 3 },
    ]);
    expect(compareResponses(a, b)).toEqual([
      { kind: 'value', path: '$[0].self', pattern: '$[*].self', primary: 'http://127.0.0.1:4001', candidate: 'http://127.0.0.1:4002' },
      { kind: 'value', path: '$[1].qty', pattern: '$[*].qty', primary: 2, candidate: 3 },
    ]);
    expect(compareResponses(ndjson([{ a: 1 }], 'application/jsonl'), ndjson([{ a: 1 }, { a: 2 }], 'application/jsonl'))).toEqual([
      { kind: 'length', path: '$', pattern: '$', primary: 1, candidate: 2 },
    ]);
    // A line that is not JSON: the body is compared as text, line by line.
    const broken = typed('application/x-ndjson', '{"a":1}\nnot json\n');
    expect(compareResponses(broken, typed('application/x-ndjson', '{"a":2}\nnot json\n'))).toEqual([
      { kind: 'line', path: 'line:1', pattern: 'line:1', primary: '{"a":1}', candidate: '{"a":2}' },
    ]);
  });

  it('says where one body ends before the other', () => {
    expect(diffText('a\nb\nc', 'a\nb')).toEqual({ primary: 'line 3: c', candidate: '(end of body after line 2)' });
    expect(diffText('a\n', 'a')).toEqual({ primary: 'line 2: (empty line)', candidate: '(end of body after line 1)' });
  });

  it('shows a window around the difference in a long line, with its column', () => {
    const a = `${'x'.repeat(5000)}A${'y'.repeat(5000)}`;
    const b = `${'x'.repeat(5000)}B${'y'.repeat(5000)}`;
    const found = diffText(a, b);
    expect(found?.primary).toBe(`line 1, col 5001: …${'x'.repeat(40)}A${'y'.repeat(79)}…`);
    expect(found?.candidate).toBe(`line 1, col 5001: …${'x'.repeat(40)}B${'y'.repeat(79)}…`);
  });

  it('compares HTML as text, whitespace between tags ignored only when asked', () => {
    const a = typed('text/html', '<html>\n  <body>\n    <h1>Invoice</h1>\n    <p>Total: 10.00</p>\n  </body>\n</html>\n');
    const b = typed('text/html; charset=utf-8', '<html><body><h1>Invoice</h1><p>Total: 10.00</p></body></html>');
    expect(compareResponses(a, b, { headers: [] })).toEqual([
      { kind: 'body', path: '$', pattern: '$', primary: 'line 1: <html>', candidate: 'line 1: <html><body><h1>Invoice</h1><p>Total: 10.00</p></body></html>' },
    ]);
    expect(compareResponses(a, b, { headers: [], ignore_tag_whitespace: true })).toEqual([]);
    const c = typed('text/html', '<html><body><h1>Invoice</h1><p>Total: 10.01</p></body></html>');
    // Each side's own line: the primary's 4th line, the candidate's only one.
    expect(compareResponses(a, c, { ignore_tag_whitespace: true })).toEqual([
      {
        kind: 'body',
        path: '$',
        pattern: '$',
        primary: 'line 4:     <p>Total: 10.00</p>',
        candidate: 'line 1: <html><body><h1>Invoice</h1><p>Total: 10.01</p></body></html>',
      },
    ]);
  });

  it('keeps whitespace inside text between tags significant', () => {
    const a = typed('application/xml', '<a>\n  <b>x y</b>\n</a>');
    const b = typed('application/xml', '<a><b>x  y</b></a>');
    expect(compareResponses(a, b, { ignore_tag_whitespace: true })).toEqual([
      { kind: 'body', path: '$', pattern: '$', primary: 'line 2:   <b>x y</b>', candidate: 'line 1: <a><b>x  y</b></a>' },
    ]);
  });

  it('decodes gzip before comparing text', () => {
    const gz: ResponseData = { status: 200, headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' }, body: gzipSync('<p>a</p>\n<p>b</p>') };
    expect(compareResponses(gz, typed('text/html', '<p>a</p>\n<p>c</p>'))).toEqual([
      { kind: 'line', path: 'line:2', pattern: 'line:2', primary: '<p>b</p>', candidate: '<p>c</p>' },
    ]);
  });
});

describe('binary bodies', () => {
  it('are compared by length and SHA-256, and no body bytes end up in the difference', () => {
    const big = Buffer.alloc(1_000_000, 7);
    const other = Buffer.from(big);
    other[999_999] = 8;
    const diffs = compareResponses(typed('application/octet-stream', big), typed('application/octet-stream', other));
    expect(diffs).toEqual([
      {
        kind: 'body',
        path: '$',
        pattern: '$',
        primary: expect.stringMatching(/^1000000 bytes, sha256:[0-9a-f]{64}$/),
        candidate: expect.stringMatching(/^1000000 bytes, sha256:[0-9a-f]{64}$/),
      },
    ]);
    expect(diffs[0]?.primary).not.toBe(diffs[0]?.candidate);
    expect(JSON.stringify(diffs).length).toBeLessThan(400);
    expect(fingerprint(Buffer.from('abc'))).toBe('3 bytes, sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(compareResponses(typed('image/png', big), typed('image/png', Buffer.from(big)))).toEqual([]);
  });
});

describe('masks', () => {
  it('masks matches inside strings at a JSON path, with wildcards, on both sides', () => {
    const a = json({ errors: [{ message: 'not found (request req_1a2b)', code: 'nf' }], other: 'req_1a2b' });
    const b = json({ errors: [{ message: 'not found (request req_9z8y)', code: 'nf' }], other: 'req_9z8y' });
    const rules = { mask: { '$.errors[*].message': 'req_[a-z0-9]+' } };
    expect(compareResponses(a, b, rules)).toEqual([{ kind: 'value', path: '$.other', pattern: '$.other', primary: 'req_1a2b', candidate: 'req_9z8y' }]);
    // The rest of the string is still compared.
    const c = json({ errors: [{ message: 'gone (request req_9z8y)', code: 'nf' }], other: 'req_1a2b' });
    expect(compareResponses(a, c, rules)).toEqual([
      {
        kind: 'value',
        path: '$.errors[0].message',
        pattern: '$.errors[*].message',
        primary: 'not found (request [masked])',
        candidate: 'gone (request [masked])',
      },
    ]);
  });

  it('masks every string beneath a path that selects an object or array', () => {
    const a = json({ data: [{ note: 'at 10:00:01' }, { deep: { note: 'at 10:00:02' } }], n: 1 });
    const b = json({ data: [{ note: 'at 11:30:00' }, { deep: { note: 'at 11:30:05' } }], n: 1 });
    expect(compareResponses(a, b, { mask: { $: '\\d\\d:\\d\\d:\\d\\d' } })).toEqual([]);
  });

  it('masks a text body', () => {
    const a = typed('text/html', '<p>Hello</p>\n<footer>rendered in 12ms, request abc-1</footer>');
    const b = typed('text/html', '<p>Hello</p>\n<footer>rendered in 9ms, request def-22</footer>');
    expect(compareResponses(a, b)).toHaveLength(1);
    expect(compareResponses(a, b, { mask: { body: '\\d+ms|request [a-z]+-\\d+' } })).toEqual([]);
    const c = typed('text/html', '<p>Bye</p>\n<footer>rendered in 9ms, request def-22</footer>');
    expect(compareResponses(a, c, { mask: { body: '\\d+ms|request [a-z]+-\\d+' } })).toEqual([
      { kind: 'line', path: 'line:1', pattern: 'line:1', primary: '<p>Hello</p>', candidate: '<p>Bye</p>' },
    ]);
  });

  it('masks a header value, named in any case', () => {
    const a = json({}, { location: '/invoices/inv_123?sig=aaa' });
    const b = json({}, { Location: '/invoices/inv_456?sig=bbb' });
    const rules = { headers: ['location'], mask: { 'header:Location': 'inv_\\d+|sig=\\w+' } };
    expect(compareResponses(a, b, rules)).toEqual([]);
    expect(compareResponses(a, json({}, { location: '/refunds/inv_1?sig=c' }), rules)).toEqual([
      { kind: 'header', path: 'header:location', pattern: 'header:location', primary: '/invoices/[masked]?[masked]', candidate: '/refunds/[masked]?[masked]' },
    ]);
  });

  it('refuses bad targets and regexes', () => {
    expect(maskProblems('$.a', 'x')).toEqual({});
    expect(maskProblems('body', '(')).toEqual({ regex: expect.stringMatching(/^mask regex does not compile: /) });
    expect(maskProblems('$..a', 'x').target).toMatch(/recursive descent/);
    expect(maskProblems('message', 'x').target).toBe('invalid mask target "message": expected a JSONPath such as "$.message", "body" or "header:Name"');
    expect(maskProblems('header:', 'x').target).toMatch(/expected a header name/);
    expect(maskProblems('body', 'a*').regex).toMatch(/matches the empty string/);
    expect(() => compileMasks({ body: '[' })).toThrow(/compare mask "body": mask regex does not compile/);
  });
});

describe('compareRulesOf', () => {
  it('passes the header, mask and whitespace rules from a spec', () => {
    const spec = SpecSchema.parse({
      id: 'a',
      endpoint: 'GET /a',
      compare: { headers: ['*'], ignore_headers: ['x-cache'], mask: { '$.message': 'req_\\w+' }, ignore_tag_whitespace: true },
    });
    expect(compareRulesOf(spec)).toEqual({
      ignore: [],
      headers: ['*'],
      ignore_headers: ['x-cache'],
      mask: { '$.message': 'req_\\w+' },
      ignore_tag_whitespace: true,
    });
  });
});

describe('identical bytes', () => {
  it('are a match without parsing, but the same bytes under another content type still differ', () => {
    const body = Buffer.from('{"a":1}');
    expect(
      compareResponses(
        { status: 200, headers: { 'content-type': 'application/json' }, body },
        { status: 200, headers: { 'content-type': 'application/json' }, body },
      ),
    ).toEqual([]);
    const asText = compareResponses(
      { status: 200, headers: { 'content-type': 'application/json' }, body },
      { status: 200, headers: { 'content-type': 'text/plain' }, body },
    );
    expect(asText.map((d) => `${d.path} ${d.kind}`)).toEqual(['header:content-type header', '$ type']);
  });
});
