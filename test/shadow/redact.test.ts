import { describe, expect, it } from 'vitest';
import type { Difference } from '../../src/compare/response.js';
import { JsonPathSyntaxError } from '../../src/jsonpath.js';
import { compileRedaction, REDACTED, redactBody, redactDifferences, redactHeaders, redactJson, redactTarget } from '../../shadow-proxy/redact.js';

const plan = compileRedaction({
  headers: ['X-Session-Token'],
  jsonPaths: ['$.card.number', '$.users[*].password', '$.*.secret', '$.items[1].pin'],
  queryParameters: ['api_key', 'Sig'],
});

describe('redacting headers', () => {
  it('replaces the default and configured headers, whatever their case, and keeps the rest', () => {
    const headers = {
      Authorization: 'Bearer abc',
      'proxy-authorization': 'Basic xyz',
      COOKIE: 'sid=1',
      'set-cookie': ['a=1', 'b=2'],
      'x-api-key': 'k',
      'x-session-token': 't',
      'content-type': 'application/json',
      accept: ['a', 'b'],
      gone: undefined,
    };
    expect(redactHeaders(headers, plan)).toEqual({
      Authorization: REDACTED,
      'proxy-authorization': REDACTED,
      COOKIE: REDACTED,
      'set-cookie': REDACTED,
      'x-api-key': REDACTED,
      'x-session-token': REDACTED,
      'content-type': 'application/json',
      accept: ['a', 'b'],
    });
    expect(headers.Authorization).toBe('Bearer abc');
  });

  it('redacts query parameters inside URL-valued headers', () => {
    expect(redactHeaders({ location: '/next?api_key=s3cret&page=2', referer: 'https://x.test/?access_token=t' }, plan)).toEqual({
      location: `/next?api_key=${REDACTED}&page=2`,
      referer: `https://x.test/?access_token=${REDACTED}`,
    });
  });
});

describe('redacting request targets', () => {
  it.each([
    ['/a?api_key=s3cret&page=2', `/a?api_key=${REDACTED}&page=2`],
    ['/a?API_KEY=s3cret', `/a?API_KEY=${REDACTED}`],
    ['/a?api%5Fkey=s3cret', `/a?api%5Fkey=${REDACTED}`],
    ['/a?page=2&sig=x&sig=y#frag', `/a?page=2&sig=${REDACTED}&sig=${REDACTED}#frag`],
    ['/a?access_token=t', `/a?access_token=${REDACTED}`],
    ['/a?api_key', '/a?api_key'],
    ['/a?api_keys=x&key=y', '/a?api_keys=x&key=y'],
    ['/a', '/a'],
    ['/a#api_key=x', '/a#api_key=x'],
  ])('%s', (target, expected) => {
    expect(redactTarget(target, plan)).toBe(expected);
  });
});

describe('redacting JSON', () => {
  it('replaces what the paths select, wildcards included, without adding fields or touching the input', () => {
    const input = {
      card: { number: '4111', expiry: '12/30' },
      users: [{ name: 'a', password: 'p1' }, { name: 'b' }, { name: 'c', password: 'p3' }],
      a: { secret: 1 },
      b: { other: 2 },
      items: [{ pin: 1 }, { pin: 2 }],
    };
    const copy = structuredClone(input);
    const result = redactJson(input, plan);
    expect(result.changed).toBe(true);
    expect(result.value).toEqual({
      card: { number: REDACTED, expiry: '12/30' },
      users: [{ name: 'a', password: REDACTED }, { name: 'b' }, { name: 'c', password: REDACTED }],
      a: { secret: REDACTED },
      b: { other: 2 },
      items: [{ pin: 1 }, { pin: REDACTED }],
    });
    expect(input).toEqual(copy);
  });

  it('reports no change, and returns the same value, when nothing is selected', () => {
    const input = { card: 'not an object', users: {} };
    const result = redactJson(input, plan);
    expect(result).toEqual({ value: input, changed: false });
    expect(result.value).toBe(input);
  });
});

describe('redacting bodies', () => {
  it('rewrites a JSON body only when something was redacted', () => {
    const body = Buffer.from('{"card": {"number": "4111"}}');
    expect(JSON.parse(redactBody(body, 'application/json; charset=utf-8', plan).toString())).toEqual({ card: { number: REDACTED } });
    const untouched = Buffer.from('{ "card" : { "expiry": 1 } }');
    expect(redactBody(untouched, 'application/json', plan)).toBe(untouched);
  });

  it('treats an untyped body that looks like JSON as JSON, and vendor +json types too', () => {
    expect(redactBody(Buffer.from('{"card":{"number":1}}'), undefined, plan).toString()).toContain(REDACTED);
    expect(redactBody(Buffer.from('{"card":{"number":1}}'), 'application/vnd.api+json', plan).toString()).toContain(REDACTED);
  });

  it('redacts form bodies by the query-parameter names', () => {
    expect(redactBody(Buffer.from('user=a&api_key=s3cret'), 'application/x-www-form-urlencoded', plan).toString()).toBe(`user=a&api_key=${REDACTED}`);
  });

  it('leaves binary, broken JSON and free text alone', () => {
    for (const [body, type] of [
      [Buffer.from([0xff, 0x00, 0x7b]), 'application/octet-stream'],
      [Buffer.from('{"card": '), 'application/json'],
      [Buffer.from('card.number is 4111'), 'text/plain'],
    ] as const) {
      expect(redactBody(body, type, plan)).toBe(body);
    }
  });
});

describe('redacting differences', () => {
  const d = (path: string, primary: unknown, candidate: unknown, kind: Difference['kind'] = 'value'): Difference => ({
    kind,
    path,
    pattern: path,
    primary,
    candidate,
  });

  it('replaces values at or below a redacted path, and redacts inside values above one', () => {
    const out = redactDifferences(
      [
        d('$.card.number', '4111', '4222'),
        d('$.users[2].password', 'p', 'q'),
        d('$.card', { number: '4111', expiry: 'x' }, { number: '4222', expiry: 'y' }),
        d('$.users', [{ password: 'p' }], [{ password: 'q', name: 'n' }], 'length'),
        d('$.card.number.deeper', 1, 2),
        d('$.card.expiry', '12/30', '12/31'),
        d('$.items[0].pin', 1, 2),
        d('$.items[1].pin', 1, 2),
      ],
      plan,
    );
    expect(out.map((x) => [x.primary, x.candidate])).toEqual([
      [REDACTED, REDACTED],
      [REDACTED, REDACTED],
      [
        { number: REDACTED, expiry: 'x' },
        { number: REDACTED, expiry: 'y' },
      ],
      [[{ password: REDACTED }], [{ password: REDACTED, name: 'n' }]],
      [REDACTED, REDACTED],
      ['12/30', '12/31'],
      [1, 2],
      [REDACTED, REDACTED],
    ]);
  });

  it('keeps a missing side missing', () => {
    const [out] = redactDifferences([{ kind: 'missing', path: '$.card.number', pattern: '$.card.number', primary: '4111' }], plan);
    expect(out).toEqual({ kind: 'missing', path: '$.card.number', pattern: '$.card.number', primary: REDACTED });
  });

  it('redacts differences on redacted headers and URL headers', () => {
    const out = redactDifferences(
      [
        d('header:set-cookie', 'a=1', 'a=2', 'header'),
        d('header:location', '/x?api_key=1', '/x?api_key=2', 'header'),
        d('header:content-type', 'a', 'b', 'header'),
      ],
      plan,
    );
    expect(out.map((x) => [x.primary, x.candidate])).toEqual([
      [REDACTED, REDACTED],
      [`/x?api_key=${REDACTED}`, `/x?api_key=${REDACTED}`],
      ['a', 'b'],
    ]);
  });

  it('redacts whole-body text differences that hold JSON or a form', () => {
    const [json, form] = redactDifferences([d('$', '{"card":{"number":"4111"}}', 'other', 'body'), d('$', 'api_key=1&x=2', 'x=2', 'body')], plan);
    expect(json!.primary).toBe(`{"card":{"number":"${REDACTED}"}}`);
    expect(json!.candidate).toBe('other');
    expect(form!.primary).toBe(`api_key=${REDACTED}&x=2`);
  });

  it('redacts a differing line of a text body as it redacts the whole body', () => {
    const [json, form] = redactDifferences(
      [d('line:2', '{"card":{"number":"4111"}}', '{"card":{"number":"4222"}}', 'line'), d('line:5', 'api_key=1&x=2', 'api_key=2&x=2', 'line')],
      plan,
    );
    expect([json!.primary, json!.candidate]).toEqual([`{"card":{"number":"${REDACTED}"}}`, `{"card":{"number":"${REDACTED}"}}`]);
    expect([form!.primary, form!.candidate]).toEqual([`api_key=${REDACTED}&x=2`, `api_key=${REDACTED}&x=2`]);
  });

  it('leaves status differences alone', () => {
    const status: Difference = { kind: 'status', path: 'status', pattern: 'status', primary: 200, candidate: 500 };
    expect(redactDifferences([status], plan)).toEqual([status]);
  });
});

it('refuses a malformed JSON path when compiling', () => {
  expect(() => compileRedaction({ jsonPaths: ['card.number'] })).toThrow(JsonPathSyntaxError);
});
