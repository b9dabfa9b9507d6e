import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appendToSequence, removeFromSequence } from '../../src/yaml/sequence.js';
import { parseYamlSource, toData, type YamlSource } from '../../src/yaml/source.js';

function source(text: string): YamlSource {
  const { source: parsed, diagnostics } = parseYamlSource('specs/billing/x.yaml', text);
  expect(diagnostics).toEqual([]);
  return parsed;
}

/** The plain data of an edited text, which must parse cleanly. */
function data(text: string): Record<string, unknown> {
  return toData(source(text)) as Record<string, unknown>;
}

const crlf = (text: string) => text.replace(/\n/g, '\r\n');

const SPEC = `# yaml-language-server: $schema=../schema.json
id: customers.get   # stable
endpoint: GET /customers/{customer_id}
behaviors:
  - id: returns-customer
    says: "Answers 200 with the customer."
    signatures:
      - GET /customers/{id} 200

  - id: hides-other-accounts
    says: |
      Another account's customer is a 404,
      never a 403.
compare:
  # Server-generated values.
  ignore:
    - $.id   # fresh per run
    - '$.created'

  status: true
`;

describe('appendToSequence: block sequences', () => {
  it('appends after the last item, keeping its trailing comment, the blank line and every other byte', () => {
    const after = appendToSequence(source(SPEC), ['compare', 'ignore'], ['$.items[*].id', 'header:x-request-id']);
    expect(after).toBe(SPEC.replace("    - '$.created'\n", "    - '$.created'\n    - $.items[*].id\n    - header:x-request-id\n"));
    expect(data(after).compare).toEqual({ ignore: ['$.id', '$.created', '$.items[*].id', 'header:x-request-id'], status: true });
  });

  it('appends after a block scalar, which already ends its own line', () => {
    const text = 'id: a\nexamples:\n  - |\n    first\n    example\n\n# trailing\n';
    const after = appendToSequence(source(text), ['examples'], ['second']);
    expect(after).toBe('id: a\nexamples:\n  - |\n    first\n    example\n  - second\n\n# trailing\n');
    expect(data(after).examples).toEqual(['first\nexample\n', 'second']);
  });

  it('follows items level with their key in a file indented by 4', () => {
    const text = 'compare:\n    ignore:\n    - $.id\n    # end of ignore\nexamples:\n-   name: one\n';
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.created', { path: '$.x', tags: ['a', 'b'] }]);
    expect(after).toBe(
      'compare:\n    ignore:\n    - $.id\n    - $.created\n    - path: $.x\n      tags:\n        - a\n        - b\n    # end of ignore\nexamples:\n-   name: one\n',
    );
    expect(data(after).compare).toEqual({ ignore: ['$.id', '$.created', { path: '$.x', tags: ['a', 'b'] }] });
  });

  it('quotes new strings the way the existing ones are all quoted', () => {
    const text = 'ignore_headers:\n  - "date"\n  - "x-request-id"\n';
    expect(appendToSequence(source(text), ['ignore_headers'], ['etag'])).toBe('ignore_headers:\n  - "date"\n  - "x-request-id"\n  - "etag"\n');
  });

  it('quotes what YAML would otherwise read differently', () => {
    const text = 'values:\n  - a\n';
    const odd = ['123', 'true', '# not a comment', 'a: b', '', 'null', '- x', '{"x": 1}'];
    const after = appendToSequence(source(text), ['values'], odd);
    expect(after.startsWith(text)).toBe(true);
    expect(data(after).values).toEqual(['a', ...odd]);
  });

  it('keeps CRLF line endings', () => {
    const text = crlf(SPEC);
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.number']);
    expect(after).toBe(crlf(SPEC.replace("    - '$.created'\n", "    - '$.created'\n    - $.number\n")));
  });

  it('keeps a file without a final line break without one', () => {
    const text = 'ignore:\n  - $.id';
    expect(appendToSequence(source(text), ['ignore'], ['$.created'])).toBe('ignore:\n  - $.id\n  - $.created');
  });

  it('returns the text unchanged when there is nothing to append', () => {
    expect(appendToSequence(source(SPEC), ['nowhere', 'at', 'all'], [])).toBe(SPEC);
  });
});

describe('appendToSequence: flow sequences', () => {
  const text = 'compare:\n  ignore: ["$.id", "$.created"]   # server values\n  headers: []\n';

  it('adds items inside the brackets, following the quoting', () => {
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.items[*].id', 'header:x-request-id']);
    expect(after).toBe('compare:\n  ignore: ["$.id", "$.created", "$.items[*].id", "header:x-request-id"]   # server values\n  headers: []\n');
    expect(data(after).compare).toEqual({ ignore: ['$.id', '$.created', '$.items[*].id', 'header:x-request-id'], headers: [] });
  });

  it('fills an empty flow sequence, quoting flow indicators', () => {
    const after = appendToSequence(source(text), ['compare', 'headers'], ['etag', '$.items[*].id', 'a, b']);
    expect(after).toBe('compare:\n  ignore: ["$.id", "$.created"]   # server values\n  headers: [etag, "$.items[*].id", "a, b"]\n');
    expect((data(after).compare as { headers: unknown }).headers).toEqual(['etag', '$.items[*].id', 'a, b']);
  });

  it('adds one line per item to a flow sequence written one item per line', () => {
    const multi = 'ignore: [\n    "$.id",   # fresh\n    "$.created"  # clock\n]\nstatus: true\n';
    const after = appendToSequence(source(multi), ['ignore'], ['$.number', { path: '$.x' }]);
    expect(after).toBe('ignore: [\n    "$.id",   # fresh\n    "$.created",  # clock\n    "$.number",\n    {path: "$.x"}\n]\nstatus: true\n');
    expect(data(after).ignore).toEqual(['$.id', '$.created', '$.number', { path: '$.x' }]);
  });

  it('keeps a trailing comma habit', () => {
    const multi = 'ignore: [\n  a,\n  b,\n]\n';
    expect(appendToSequence(source(multi), ['ignore'], ['c'])).toBe('ignore: [\n  a,\n  b,\n  c,\n]\n');
  });

  it('keeps CRLF line endings in a multi-line flow sequence', () => {
    const multi = crlf('ignore: [\n  a,\n  b\n]\n');
    expect(appendToSequence(source(multi), ['ignore'], ['c'])).toBe(crlf('ignore: [\n  a,\n  b,\n  c\n]\n'));
  });
});

describe('appendToSequence: null values and missing keys', () => {
  it('turns `key:` into a block sequence under it', () => {
    const text = 'compare:\n  ignore:\n  status: true\n';
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.id']);
    expect(after).toBe('compare:\n  ignore:\n    - $.id\n  status: true\n');
    expect(data(after).compare).toEqual({ ignore: ['$.id'], status: true });
  });

  it('drops `~` and keeps the comment after it on the key line', () => {
    const text = 'compare:\n  ignore: ~   # nothing yet\n  status: true\n';
    expect(appendToSequence(source(text), ['compare', 'ignore'], ['$.id'])).toBe('compare:\n  ignore:   # nothing yet\n    - $.id\n  status: true\n');
  });

  it('follows a file whose sequences sit level with their key', () => {
    const text = 'behaviors:\n- id: a\n  says: b\ncompare:\n  ignore: null\n';
    expect(appendToSequence(source(text), ['compare', 'ignore'], ['$.id'])).toBe('behaviors:\n- id: a\n  says: b\ncompare:\n  ignore:\n  - $.id\n');
  });

  it('replaces a null in a flow mapping with a flow sequence', () => {
    const text = 'compare: {ignore: ~, status: true}\n';
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.id', 'a b']);
    expect(after).toBe('compare: {ignore: [$.id, a b], status: true}\n');
    expect(data(after).compare).toEqual({ ignore: ['$.id', 'a b'], status: true });
  });

  it('adds the key at the end of an existing block mapping', () => {
    const text = 'compare:\n  status: true   # always\n  # headers too?\nexamples: []\n';
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.id']);
    expect(after).toBe('compare:\n  status: true   # always\n  ignore:\n    - $.id\n  # headers too?\nexamples: []\n');
    expect(data(after)).toEqual({ compare: { status: true, ignore: ['$.id'] }, examples: [] });
  });

  it('adds the key to a flow mapping, empty or not', () => {
    expect(appendToSequence(source('compare: {status: true}\n'), ['compare', 'ignore'], ['$.id'])).toBe('compare: {status: true, ignore: [$.id]}\n');
    expect(appendToSequence(source('compare: {}\n'), ['compare', 'ignore'], ['$.id'])).toBe('compare: {ignore: [$.id]}\n');
  });

  it('adds the key to a behaviour found through a sequence index, aligned with its other keys', () => {
    const after = appendToSequence(source(SPEC), ['behaviors', 1, 'signatures'], ['GET /customers/{id} 404']);
    expect(after).toBe(SPEC.replace('      never a 403.\n', '      never a 403.\n    signatures:\n      - GET /customers/{id} 404\n'));
    const behaviors = data(after).behaviors as { signatures?: string[] }[];
    expect(behaviors[1]!.signatures).toEqual(['GET /customers/{id} 404']);
    expect(behaviors[0]!.signatures).toEqual(['GET /customers/{id} 200']);
  });

  it('aligns with the keys of a sequence item in a file indented by 4', () => {
    const text = 'behaviors:\n    -   id: a   # first\n        says: "A."\n    -   id: b\n        says: B.\nexamples: []\n';
    const after = appendToSequence(source(text), ['behaviors', 0, 'signatures'], ['GET /a 200']);
    expect(after).toBe(
      'behaviors:\n    -   id: a   # first\n        says: "A."\n        signatures:\n            - GET /a 200\n    -   id: b\n        says: B.\nexamples: []\n',
    );
  });

  it('extends an existing sequence reached through an index', () => {
    const after = appendToSequence(source(SPEC), ['behaviors', 0, 'signatures'], ['HEAD /customers/{id} 200']);
    expect(after).toBe(SPEC.replace('      - GET /customers/{id} 200\n', '      - GET /customers/{id} 200\n      - HEAD /customers/{id} 200\n'));
  });

  it('creates missing intermediate mappings at the end of the document', () => {
    const text = 'id: customers.get\nbehaviors:\n  - id: a\n    says: |\n      text\n# the end\n';
    const after = appendToSequence(source(text), ['compare', 'ignore'], ['$.id']);
    expect(after).toBe('id: customers.get\nbehaviors:\n  - id: a\n    says: |\n      text\ncompare:\n  ignore:\n    - $.id\n# the end\n');
    expect(data(after).compare).toEqual({ ignore: ['$.id'] });
  });

  it('creates missing intermediate mappings under a null key, with CRLF', () => {
    const text = crlf('id: a\ncompare:   # to do\nexamples: []\n');
    expect(appendToSequence(source(text), ['compare', 'ignore'], ['$.id'])).toBe(crlf('id: a\ncompare:   # to do\n  ignore:\n    - $.id\nexamples: []\n'));
  });

  it('writes into a document that has no content yet, and one without a final line break', () => {
    expect(appendToSequence(source('# new spec\n'), ['compare', 'ignore'], ['$.id'])).toBe('# new spec\ncompare:\n  ignore:\n    - $.id\n');
    expect(appendToSequence(source(''), ['ignore'], ['$.id'])).toBe('ignore:\n  - $.id\n');
    expect(appendToSequence(source('id: a'), ['compare', 'ignore'], ['$.id'])).toBe('id: a\ncompare:\n  ignore:\n    - $.id');
  });
});

describe('appendToSequence: errors', () => {
  it('names the path when a component is a scalar instead of a mapping', () => {
    expect(() => appendToSequence(source(SPEC), ['id', 'ignore'], ['x'])).toThrow(
      'specs/billing/x.yaml: cannot append to id.ignore: id is the string "customers.get", not a mapping',
    );
  });

  it('names the path when the target is not a sequence', () => {
    expect(() => appendToSequence(source(SPEC), ['compare', 'status'], ['x'])).toThrow(
      'specs/billing/x.yaml: cannot append to compare.status: compare.status is the boolean true, not a sequence',
    );
    expect(() => appendToSequence(source(SPEC), ['compare'], ['x'])).toThrow('cannot append to compare: compare is a mapping, not a sequence');
    expect(() => appendToSequence(source(SPEC), ['compare', 0], ['x'])).toThrow('cannot append to compare[0]: compare is a mapping, not a sequence');
  });

  it('refuses an index past the end, and an index below a missing key', () => {
    expect(() => appendToSequence(source(SPEC), ['behaviors', 2, 'signatures'], ['x'])).toThrow(
      'specs/billing/x.yaml: cannot append to behaviors[2].signatures: behaviors[2] does not exist',
    );
    expect(() => appendToSequence(source(SPEC), ['examples', 0, 'tags'], ['x'])).toThrow(
      'specs/billing/x.yaml: cannot create examples[0]: a sequence index can only refer to an existing item',
    );
  });

  it('refuses a document whose root is not a mapping', () => {
    expect(() => appendToSequence(source('- a\n'), ['ignore'], ['x'])).toThrow('cannot append to ignore: (document) is a sequence, not a mapping');
  });
});

describe('removeFromSequence', () => {
  it('removes whole block item lines with their own trailing comment, keeping comments on other lines', () => {
    const text = 'ignore:\n  # server values\n  - $.id   # fresh\n  - "$.created"\n  # more later\n  - $.number\nstatus: true\n';
    const result = removeFromSequence(source(text), ['ignore'], (value) => value === '$.id' || value === '$.number');
    expect(result).toEqual({ text: 'ignore:\n  # server values\n  - "$.created"\n  # more later\nstatus: true\n', removed: 2 });
    expect(data(result.text).ignore).toEqual(['$.created']);
  });

  it('removes multi-line items (mappings, block scalars) and shows the value to the predicate', () => {
    const seen: unknown[] = [];
    const result = removeFromSequence(source(SPEC), ['behaviors'], (value) => {
      seen.push(value);
      return (value as { id: string }).id === 'hides-other-accounts';
    });
    expect(seen).toEqual([
      { id: 'returns-customer', says: 'Answers 200 with the customer.', signatures: ['GET /customers/{id} 200'] },
      { id: 'hides-other-accounts', says: "Another account's customer is a 404,\nnever a 403.\n" },
    ]);
    expect(result.removed).toBe(1);
    expect(result.text).toBe(SPEC.replace("  - id: hides-other-accounts\n    says: |\n      Another account's customer is a 404,\n      never a 403.\n", ''));
  });

  it('leaves `key: []` when a block sequence is emptied', () => {
    const text = 'compare:\n  ignore:   # why\n    - $.id\n    - $.created\n  status: true\n';
    expect(removeFromSequence(source(text), ['compare', 'ignore'], () => true)).toEqual({
      text: 'compare:\n  ignore: []   # why\n  status: true\n',
      removed: 2,
    });
    const level = 'ignore:\n- $.id\n';
    expect(removeFromSequence(source(level), ['ignore'], () => true).text).toBe('ignore: []\n');
  });

  it('removes flow items with one adjacent comma', () => {
    const text = 'ignore: ["$.id", "$.created", "$.number"]  # c\n';
    const without = (value: string) => removeFromSequence(source(text), ['ignore'], (v) => v === value).text;
    expect(without('$.id')).toBe('ignore: ["$.created", "$.number"]  # c\n');
    expect(without('$.created')).toBe('ignore: ["$.id", "$.number"]  # c\n');
    expect(without('$.number')).toBe('ignore: ["$.id", "$.created"]  # c\n');
    expect(removeFromSequence(source(text), ['ignore'], (v) => v !== '$.created').text).toBe('ignore: ["$.created"]  # c\n');
    expect(removeFromSequence(source(text), ['ignore'], () => true)).toEqual({ text: 'ignore: []  # c\n', removed: 3 });
  });

  it('removes the lines of a multi-line flow sequence, with the item’s own comment', () => {
    const text = 'ignore: [\n  "$.id",   # fresh\n  # clocks:\n  "$.created",  # server time\n  "$.number"\n]\n';
    expect(removeFromSequence(source(text), ['ignore'], (v) => v === '$.created').text).toBe('ignore: [\n  "$.id",   # fresh\n  # clocks:\n  "$.number"\n]\n');
    expect(removeFromSequence(source(text), ['ignore'], (v) => v === '$.number').text).toBe(
      'ignore: [\n  "$.id",   # fresh\n  # clocks:\n  "$.created"  # server time\n]\n',
    );
  });

  it('keeps CRLF line endings', () => {
    const text = crlf('ignore:\n  - a\n  - b  # bee\n  - c\nflow: [a, b]\n');
    expect(removeFromSequence(source(text), ['ignore'], (v) => v === 'b').text).toBe(crlf('ignore:\n  - a\n  - c\nflow: [a, b]\n'));
    expect(removeFromSequence(source(text), ['ignore'], () => true).text).toBe(crlf('ignore: []\nflow: [a, b]\n'));
  });

  it('goes through sequence indexes', () => {
    const result = removeFromSequence(source(SPEC), ['behaviors', 0, 'signatures'], () => true);
    expect(result.text).toBe(SPEC.replace('    signatures:\n      - GET /customers/{id} 200\n', '    signatures: []\n'));
  });

  it('reports nothing removed for a missing path, a null value or no match', () => {
    for (const path of [
      ['compare', 'headers'],
      ['nope', 'ignore'],
      ['behaviors', 7, 'signatures'],
      ['behaviors', 1, 'signatures'],
    ]) {
      expect(removeFromSequence(source(SPEC), path, () => true)).toEqual({ text: SPEC, removed: 0 });
    }
    expect(removeFromSequence(source('ignore:\n'), ['ignore'], () => true)).toEqual({ text: 'ignore:\n', removed: 0 });
    expect(removeFromSequence(source(SPEC), ['compare', 'ignore'], () => false)).toEqual({ text: SPEC, removed: 0 });
  });

  it('refuses a path through something that is not a mapping or a sequence', () => {
    expect(() => removeFromSequence(source(SPEC), ['compare', 'status'], () => true)).toThrow(
      'specs/billing/x.yaml: cannot remove from compare.status: compare.status is the boolean true, not a sequence',
    );
    expect(() => removeFromSequence(source(SPEC), ['id', 'x'], () => true)).toThrow('cannot remove from id.x: id is the string "customers.get", not a mapping');
  });
});

describe('append then remove gives back the original text', () => {
  const cases: [string, string, (string | number)[]][] = [
    ['block, indented, with comments', SPEC, ['compare', 'ignore']],
    ['block through an index', SPEC, ['behaviors', 0, 'signatures']],
    ['block level with its key, indent 4', 'compare:\n    ignore:\n    - $.id   # c\n    # tail\nx: 1\n', ['compare', 'ignore']],
    ['block after a block scalar', 'list:\n  - |\n    text\n\nnext: 1\n', ['list']],
    ['block at the end of a file without a final line break', 'ignore:\n  - $.id', ['ignore']],
    ['block, CRLF', crlf(SPEC), ['compare', 'ignore']],
    ['flow on one line', 'ignore: ["$.id"]  # c\n', ['ignore']],
    ['flow, empty', 'ignore: []\n', ['ignore']],
    ['flow, one item per line', 'ignore: [\n  "$.id",  # fresh\n  "$.created"  # clock\n]\n', ['ignore']],
    ['flow, trailing comma, CRLF', crlf('ignore: [\n  a,\n  b,\n]\n'), ['ignore']],
  ];
  for (const [name, text, path] of cases) {
    it(name, () => {
      const added = ['$.items[*].id', 'header:x-request-id', 'plain'];
      const appended = appendToSequence(source(text), path, added);
      expect(appended).not.toBe(text);
      const result = removeFromSequence(source(appended), path, (value) => added.includes(value as string));
      expect(result).toEqual({ text, removed: 3 });
    });
  }
});

describe('on the billing example specs', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../specs/billing');
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml'));

  it('append then remove gives back each file, for a flow and a block sequence', () => {
    expect(files.length).toBeGreaterThan(0);
    let checked = 0;
    for (const name of files) {
      const text = readFileSync(join(dir, name), 'utf8');
      const spec = data(text) as { compare?: { ignore?: unknown }; behaviors?: unknown };
      const paths = [spec.compare?.ignore ? ['compare', 'ignore'] : [], spec.behaviors ? ['behaviors'] : []].filter((path) => path.length > 0);
      for (const path of paths) {
        const original = source(text);
        expect(removeFromSequence(original, path, () => false)).toEqual({ text, removed: 0 });
        const appended = appendToSequence(original, path, ['$.items[*].id']);
        expect(removeFromSequence(source(appended), path, (value) => value === '$.items[*].id')).toEqual({ text, removed: 1 });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(files.length);
  });
});
