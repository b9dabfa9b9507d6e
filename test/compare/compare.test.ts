import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compareResponses, differenceSignature, type ResponseData } from '../../src/compare/response.js';

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): ResponseData => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

describe('compareResponses', () => {
  it('finds nothing between equal responses, whatever the key order or header case', () => {
    const a = json({ a: 1, b: [1, 2] });
    const b: ResponseData = { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"b":[1,2],"a":1}' };
    expect(compareResponses(a, b)).toEqual([]);
  });

  it('types each difference and wildcards indices in the pattern', () => {
    const diffs = compareResponses(
      json({ id: 'x', n: 1, gone: true, items: [{ price: 1 }, { price: 2 }], t: 'a' }, 200),
      json({ id: 'x', n: 2, added: 1, items: [{ price: 1 }, { price: '2' }], t: null }, 201),
    );
    expect(diffs).toEqual([
      { kind: 'status', path: 'status', pattern: 'status', primary: 200, candidate: 201 },
      { kind: 'value', path: '$.n', pattern: '$.n', primary: 1, candidate: 2 },
      { kind: 'missing', path: '$.gone', pattern: '$.gone', primary: true },
      { kind: 'type', path: '$.items[1].price', pattern: '$.items[*].price', primary: 2, candidate: '2' },
      { kind: 'type', path: '$.t', pattern: '$.t', primary: 'a', candidate: null },
      { kind: 'extra', path: '$.added', pattern: '$.added', candidate: 1 },
    ]);
  });

  it('compares only the chosen headers', () => {
    const a = json({}, 200, { 'x-request-id': '1', 'cache-control': 'no-store' });
    const b = json({}, 200, { 'x-request-id': '2', 'cache-control': 'private' });
    expect(compareResponses(a, b)).toEqual([]);
    expect(compareResponses(a, b, { headers: ['Cache-Control'] })).toEqual([
      { kind: 'header', path: 'header:cache-control', pattern: 'header:cache-control', primary: 'no-store', candidate: 'private' },
    ]);
  });

  it('leaves out ignored paths, with wildcards', () => {
    const a = json({
      id: 'in_1',
      data: [
        { id: 'a', n: 1 },
        { id: 'b', n: 2 },
      ],
    });
    const b = json({
      id: 'in_2',
      data: [
        { id: 'c', n: 1 },
        { id: 'd', n: 3 },
      ],
    });
    expect(compareResponses(a, b, { ignore: ['$.id', '$.data[*].id'] }).map((d) => d.path)).toEqual(['$.data[1].n']);
  });

  it('reports a reordered list as one order difference', () => {
    const a = json({ data: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    const b = json({ data: [{ id: 3 }, { id: 1 }, { id: 2 }] });
    expect(compareResponses(a, b)).toEqual([{ kind: 'order', path: '$.data', pattern: '$.data' }]);
    expect(compareResponses(a, b, { unordered: ['$.data'] })).toEqual([]);
  });

  it('compares unordered arrays as multisets, reporting what does not pair up', () => {
    const a = json({ tags: ['a', 'b', 'c'] });
    const b = json({ tags: ['c', 'x', 'a', 'a'] });
    expect(compareResponses(a, b, { unordered: ['$.tags'] })).toEqual([
      { kind: 'value', path: '$.tags[1]', pattern: '$.tags[*]', primary: 'b', candidate: 'x' },
      { kind: 'length', path: '$.tags', pattern: '$.tags', primary: 3, candidate: 4 },
    ]);
  });

  it('reports a length difference and compares the common prefix', () => {
    expect(compareResponses(json([1, 2, 3]), json([1, 5]))).toEqual([
      { kind: 'value', path: '$[1]', pattern: '$[*]', primary: 2, candidate: 5 },
      { kind: 'length', path: '$', pattern: '$', primary: 3, candidate: 2 },
    ]);
  });

  it('accepts numbers within a tolerance', () => {
    const rules = { tolerance: { '$.items[*].amount': 0.01 } };
    expect(compareResponses(json({ items: [{ amount: 10.004 }] }), json({ items: [{ amount: 10.01 }] }), rules)).toEqual([]);
    expect(compareResponses(json({ items: [{ amount: 10 }] }), json({ items: [{ amount: 10.02 }] }), rules)).toHaveLength(1);
  });

  it('decodes gzip and brotli bodies before comparing', () => {
    const body = JSON.stringify({ a: 1 });
    const gz: ResponseData = { status: 200, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body) };
    const br: ResponseData = { status: 200, headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: brotliCompressSync(body) };
    expect(compareResponses(gz, br)).toEqual([]);
    expect(compareResponses(gz, json({ a: 2 }), { headers: [] })).toEqual([{ kind: 'value', path: '$.a', pattern: '$.a', primary: 1, candidate: 2 }]);
  });

  it('compares text and binary bodies whole, and a JSON body against a non-JSON one by type', () => {
    const text = (body: string): ResponseData => ({ status: 200, headers: { 'content-type': 'text/plain' }, body });
    expect(compareResponses(text('a'), text('a'))).toEqual([]);
    expect(compareResponses(text('a'), text('b'))).toEqual([{ kind: 'body', path: '$', pattern: '$', primary: 'a', candidate: 'b' }]);
    const png = (bytes: number[]): ResponseData => ({ status: 200, headers: { 'content-type': 'image/png' }, body: Uint8Array.from(bytes) });
    expect(compareResponses(png([1, 2]), png([1, 2]))).toEqual([]);
    expect(compareResponses(png([1, 2]), png([1, 3]))[0]).toMatchObject({ kind: 'body' });
    expect(compareResponses(json({ a: 1 }), text('{"a":1}'), { headers: [] })).toEqual([
      { kind: 'type', path: '$', pattern: '$', primary: 'json', candidate: 'text' },
    ]);
  });

  it('compares a body that claims JSON but is not as text', () => {
    const broken: ResponseData = { status: 500, headers: { 'content-type': 'application/json' }, body: '{"oops' };
    expect(compareResponses(broken, broken)).toEqual([]);
  });
});

describe('differenceSignature', () => {
  it('is the endpoint and the sorted set of patterns and kinds, the same for the same bug at other indices', () => {
    const a = compareResponses(json({ data: [{ n: 1 }, { n: 1 }] }), json({ data: [{ n: 2 }, { n: 1 }] }));
    const b = compareResponses(json({ data: [{ n: 1 }, { n: 1 }] }), json({ data: [{ n: 1 }, { n: 2 }] }), {});
    expect(differenceSignature('GET /x', a)).toBe('GET /x | $.data[*].n value');
    expect(differenceSignature('GET /x', a)).toBe(differenceSignature('GET /x', b));
    const both = compareResponses(json({ a: 1 }, 200), json({ b: 1 }, 404));
    expect(differenceSignature('GET /x', both)).toBe('GET /x | $.a missing; $.b extra; status status');
  });
});
