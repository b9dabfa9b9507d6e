/** Expectations and matchers against response values: every matcher passing and failing, with its message. */
import { describe, expect, it } from 'vitest';
import { checkResponse, matchValue } from '../../src/runner/expect.js';
import { renderValue, TemplateError } from '../../src/runner/template.js';

const at = (expected: unknown, actual: unknown, present = true) => matchValue(expected, actual, '$.f', present);

describe('matchValue', () => {
  it.each([
    [{ $type: 'integer' }, 3, true],
    [{ $type: 'integer' }, 3.5, false],
    [{ $type: 'number' }, 3.5, true],
    [{ $type: 'object' }, [], false],
    [{ $type: 'array' }, [], true],
    [{ $type: 'null' }, null, true],
    [{ $regex: '^in_[0-9a-f]{4}$' }, 'in_09af', true],
    [{ $regex: '^in_' }, 42, false],
    [{ $uuid: true }, '0b6a1e1c-3c2e-4b8e-9b7a-2f1d2c3b4a5e', true],
    [{ $uuid: true }, 'not-a-uuid', false],
    [{ $iso_date: true }, '2026-11-21', true],
    [{ $iso_date: true }, '2026-11-21T10:00:00.123Z', true],
    [{ $iso_date: true }, '2026-13-45', false],
    [{ $iso_date: true }, 'yesterday', false],
    [{ $number: 10, $tolerance: 0.5 }, 10.4, true],
    [{ $number: 10, $tolerance: 0.5 }, 10.6, false],
    [{ $number: 0.3 }, 0.1 + 0.2, true],
    [{ $unordered: [1, 2, 3] }, [3, 1, 2], true],
    [
      { $unordered: [{ a: 1 }, { a: 1, b: 2 }] },
      [
        { a: 1, b: 2 },
        { a: 1, c: 3 },
      ],
      true,
    ],
    [{ $unordered: [1, 2] }, [1, 1], false],
    [{ $ignore: true }, 'anything', true],
    [[1, { a: 2 }], [1, { a: 2, b: 3 }], true],
    [[1, 2], [1, 2, 3], false],
    [{ a: 'x' }, { a: 'x', other: 1 }, true],
  ])('%j against %j: %s', (expected, actual, ok) => {
    expect(at(expected, actual).length === 0).toBe(ok);
  });

  it('absent and ignore look at presence; other matchers need the field', () => {
    expect(at({ $absent: true }, undefined, false)).toEqual([]);
    expect(at({ $absent: true }, null)).toEqual([{ path: '$.f', expected: 'absent', actual: null, message: 'expected the field to be absent, got null' }]);
    expect(at({ $ignore: true }, undefined, false)).toEqual([]);
    expect(at({ $type: 'string' }, undefined, false)).toEqual([
      { path: '$.f', expected: 'any string', message: 'expected any string, but the field is missing' },
    ]);
  });

  it('reports nested mismatches at their JSON path, with expected versus given', () => {
    expect(matchValue({ data: [{ id: 'a' }, { id: 'b', 'odd key': 1 }] }, { data: [{ id: 'a' }, { id: 'c', 'odd key': 2 }] }, '$', true)).toEqual([
      { path: '$.data[1].id', expected: 'b', actual: 'c', message: 'expected "b", got "c"' },
      { path: "$.data[1]['odd key']", expected: 1, actual: 2, message: 'expected 1, got 2' },
    ]);
    expect(at([1], { a: 1 })).toEqual([{ path: '$.f', expected: [1], actual: { a: 1 }, message: 'expected an array, got object' }]);
    expect(at({ $unordered: [1, 2] }, [1, 3])[0]!.message).toBe('expected these items in any order, but this one has no match: [2]');
  });
});

describe('checkResponse', () => {
  const response = { status: 201, headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': 'r1' }, body: '{"id":"cus_1","n":2}' };

  it('checks status (or a list), headers case-insensitively, and the JSON body', () => {
    expect(checkResponse({ status: [200, 201], headers: { 'x-request-id': { $regex: '^r' } }, json: { id: 'cus_1' } }, response)).toEqual([]);
    expect(checkResponse({ status: [200, 204], headers: { 'x-missing': 'y' } }, response)).toEqual([
      { path: 'status', expected: [200, 204], actual: 201, message: 'expected one of 200, 204, got 201' },
      { path: 'header:x-missing', expected: 'y', message: 'expected "y", but the field is missing' },
    ]);
  });

  it('a JSON expectation of a text response, and a text expectation of a JSON response', () => {
    const text = { status: 200, headers: { 'content-type': 'text/html' }, body: '<h1>oops</h1>' };
    expect(checkResponse({ json: { ok: true } }, text)).toEqual([
      { path: '$', expected: 'a JSON body', actual: '<h1>oops</h1>', message: 'expected a JSON body, got text/html' },
    ]);
    expect(checkResponse({ body: '{"id":"cus_1","n":2}' }, response)).toEqual([]);
    expect(checkResponse({ body: { $regex: 'oops' } }, text)).toEqual([]);
  });
});

describe('templates', () => {
  it('keeps the type of a whole-string placeholder and interpolates inside strings', () => {
    const vars = new Map<string, unknown>([
      ['amount', 250],
      ['id', 'in_1'],
    ]);
    expect(renderValue({ amount: '{{amount}}', note: 'invoice {{ id }} for {{amount}}' }, vars)).toEqual({ amount: 250, note: 'invoice in_1 for 250' });
    expect(() => renderValue('{{nope}}', vars)).toThrow(new TemplateError('nope', ['amount', 'id']));
    expect(() => renderValue('{{nope}}', new Map())).toThrow('{{nope}} has no value: nothing captured it before this request (nothing has been captured yet)');
  });
});
