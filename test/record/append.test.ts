import { describe, expect, it } from 'vitest';
import { appendExamples } from '../../src/record/append.js';
import { parseSpecText } from '../../src/spec/load.js';
import type { Example } from '../../src/spec/schema.js';
import { spec } from './fixtures.js';

const NEW: Example[] = [
  {
    name: 'recorded GET /customers/{customer_id} → 200',
    recorded: true,
    steps: [
      { request: { method: 'POST', path: '/customers', auth: 'acme', json: { email: 'a@x.test' } }, capture: { customer_id: '$.id' }, expect: { status: 201 } },
      {
        request: { method: 'GET', path: '/customers/{{customer_id}}', auth: 'acme', query: { expand: ['a', 'b'], n: '2' } },
        expect: { status: 200, json: { id: '{{customer_id}}', created: { $type: 'integer' }, note: 'yes', tags: [] } },
      },
    ],
  },
  { name: 'recorded GET /customers/{customer_id} → 404', recorded: true, request: { method: 'GET', path: '/customers/cus_1' }, expect: { status: 404 } },
];

const COMMENTED = `# yaml-language-server: $schema=../schema.json
id: customers.get   # stable
endpoint: GET /customers/{customer_id}
behaviors:
    - id: returns-customer
      says: Answers 200 with the customer.
      disposition: preserve

examples:
    # Written by hand, reviewed.
    - name: read a seed customer
      behavior: returns-customer
      request: {method: GET, path: /customers/cus_1, auth: acme}
      expect: {status: 200, json: {id: cus_1}}   # keep
    # more to come
compare:
    ignore: ["$.id"]
`.replace(/\n/g, '\r\n');

/** The new text must hold the old one with one block inserted, and that block must be the new examples. */
function inserted(before: string, after: string): string {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start++;
  // Whole lines are inserted: the common prefix may run into the indentation of the next line.
  start = before.lastIndexOf('\n', start - 1) + 1;
  const tail = before.slice(start);
  expect(after.endsWith(tail)).toBe(true);
  return after.slice(start, after.length - tail.length);
}

function reparsed(text: string) {
  const { spec: loaded, diagnostics } = parseSpecText('/specs/x.yaml', 'specs/x.yaml', text);
  expect(diagnostics).toEqual([]);
  return loaded!.spec;
}

describe('appendExamples', () => {
  it('appends after the last example of a commented CRLF file, keeping every existing byte and the indentation', () => {
    const loaded = spec(COMMENTED);
    const after = appendExamples(loaded, NEW);
    const block = inserted(COMMENTED, after);
    expect(after.startsWith(COMMENTED.slice(0, COMMENTED.indexOf('    # more to come')))).toBe(true);
    expect(block.startsWith('    - name: recorded GET /customers/{customer_id} → 200\r\n      recorded: true\r\n')).toBe(true);
    expect(block.replace(/\r\n/g, '')).not.toContain('\n');
    expect(block).toContain('\r\n          - request:\r\n                method: GET\r\n                path: /customers/{{customer_id}}\r\n');
    const result = reparsed(after);
    expect(result.examples.map((e) => e.name)).toEqual(['read a seed customer', ...NEW.map((e) => e.name)]);
    expect(result.examples.slice(1)).toEqual(NEW);
    expect(result.compare).toEqual({ ignore: ['$.id'] });
  });

  it('follows items written level with their key', () => {
    const text = 'id: a\nendpoint: GET /a\nexamples:\n- name: one\n  request: {method: GET, path: /a}\n';
    const after = appendExamples(spec(text), NEW);
    expect(after.startsWith(text)).toBe(true);
    expect(after.slice(text.length)).toMatch(/^- name: recorded GET[^\n]*\n {2}recorded: true\n {2}steps:\n {2}- request:\n/);
    expect(reparsed(after).examples.slice(1)).toEqual(NEW);
  });

  it('appends after a last example ending in a block scalar, and to a file without a final newline', () => {
    const scalar =
      'id: a\nendpoint: GET /a\nexamples:\n  - name: one\n    request: {method: GET, path: /a}\n    description: |\n      two lines\n      here\n\n# end\n';
    const after = appendExamples(spec(scalar), NEW);
    expect(inserted(scalar, after)).toMatch(/^ {2}- name: recorded/);
    expect(reparsed(after).examples[0]!.description).toBe('two lines\nhere\n');

    const unterminated = 'id: a\nendpoint: GET /a\nexamples:\n  - {name: one, request: {method: GET, path: /a}}';
    const appended = appendExamples(spec(unterminated), NEW);
    expect(appended.startsWith(`${unterminated}\n  - name: recorded`)).toBe(true);
    expect(reparsed(appended).examples).toHaveLength(3);
  });

  it('adds a top-level examples key when there is none, after the behaviours', () => {
    const text = 'id: a\nendpoint: GET /a\nbehaviors:\n  - {id: b, says: something, disposition: preserve}\ncompare:\n  ignore: ["$.id"]\n';
    const after = appendExamples(spec(text), NEW.slice(1));
    expect(after).toBe(
      'id: a\nendpoint: GET /a\nbehaviors:\n  - {id: b, says: something, disposition: preserve}\n' +
        'examples:\n  - name: recorded GET /customers/{customer_id} → 404\n    recorded: true\n    request:\n      method: GET\n      path: /customers/cus_1\n    expect:\n      status: 404\n' +
        'compare:\n  ignore: ["$.id"]\n',
    );
  });

  it('replaces an empty `examples: []` and extends a flow sequence in place', () => {
    const empty = 'id: a\nendpoint: GET /a\nexamples: []   # none yet\n';
    const after = appendExamples(spec(empty), NEW.slice(1));
    expect(after).toMatch(/^id: a\nendpoint: GET \/a\nexamples:\n {2}- name: recorded GET [^\n]+\n[^]*status: 404 {3}# none yet\n$/);
    expect(reparsed(after).examples).toEqual(NEW.slice(1));

    const flow = 'id: a\nendpoint: GET /a\nexamples: [{name: one, request: {method: GET, path: /a}}]  # flow\n';
    const extended = appendExamples(spec(flow), NEW);
    expect(extended.startsWith('id: a\nendpoint: GET /a\nexamples: [{name: one, request: {method: GET, path: /a}}, {"name":')).toBe(true);
    expect(extended.endsWith('}]  # flow\n')).toBe(true);
    expect(reparsed(extended).examples.slice(1)).toEqual(NEW);
  });

  it('returns the text unchanged when there is nothing to add', () => {
    expect(appendExamples(spec(COMMENTED), [])).toBe(COMMENTED);
  });
});
