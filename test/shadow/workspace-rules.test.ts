/** `shadow.compare` in parity.yaml: rules for every endpoint, under each spec's own `compare`. */
import { describe, expect, it } from 'vitest';
import { ShadowComparator } from '../../shadow-proxy/compare.js';
import { compareRulesOf, ruleCovers } from '../../src/compare/rules.js';
import { parseConfigText } from '../../src/config/load.js';
import { parseSpecText } from '../../src/spec/load.js';

const spec = parseSpecText(
  '/specs/things.yaml',
  'specs/things.yaml',
  'id: things.get\nendpoint: GET /things/{id}\ncompare:\n  ignore: ["$.etag"]\n  tolerance: {"$.price": 0.5}\n',
).spec!;

const answer = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
  durationMs: 1,
  overCap: false,
});
const request = (target: string) => ({ method: 'GET', target, headers: {}, body: null });

describe('workspace-wide compare rules', () => {
  it('join the spec rules: lists are joined, the spec wins where both set the same path', () => {
    expect(compareRulesOf(spec.spec, { ignore: ['$.served_at'], tolerance: { '$.price': 2, '$.tax': 1 } })).toEqual({
      ignore: ['$.served_at', '$.etag'],
      tolerance: { '$.price': 0.5, '$.tax': 1 },
    });
  });

  it('apply to endpoints a spec names and to those it does not', () => {
    const comparator = new ShadowComparator([spec], { ignore: ['$.served_at'] });
    const compare = (target: string, a: unknown, b: unknown) =>
      comparator.compare({ at: 0, request: request(target), primary: answer(a), candidate: answer(b) });
    expect(compare('/things/1', { served_at: 1, etag: 'a', price: 10 }, { served_at: 2, etag: 'b', price: 10.4 }).outcome).toBe('match');
    expect(compare('/other/1', { served_at: 1, n: 1 }, { served_at: 2, n: 1 }).outcome).toBe('match');
    const record = compare('/other/1', { served_at: 1, n: 1 }, { served_at: 2, n: 2 });
    expect([record.outcome, record.endpoint, record.signature]).toEqual(['mismatch', 'GET /other/{id}', 'GET /other/{id} | $.n value']);
  });

  it('are validated in parity.yaml like a spec compare section', () => {
    expect(() => parseConfigText('parity.yaml', 'shadow:\n  compare:\n    ignore: ["served_at"]\n')).toThrow(/has 1 problem/);
    expect(parseConfigText('parity.yaml', 'shadow:\n  compare:\n    ignore: ["$.served_at"]\n').shadow.compare).toEqual({ ignore: ['$.served_at'] });
  });
});

describe('rules and links a reviewer adds after traffic was recorded', () => {
  it('ruleCovers: an ignored path covers itself and what lies under it, unordered covers an order difference, ignore_headers a header', () => {
    const rules = { ignore: ['$.meta', '$.items[*].id'], unordered: ['$.tags'], ignore_headers: ['x-amzn-*', 'ETag'] };
    expect(ruleCovers(rules, { pattern: '$.meta.generated_at', kind: 'value' })).toBe(true);
    expect(ruleCovers(rules, { pattern: '$.meta', kind: 'missing' })).toBe(true);
    expect(ruleCovers(rules, { pattern: '$.metadata', kind: 'value' })).toBe(false);
    expect(ruleCovers(rules, { pattern: '$.items[*].id', kind: 'value' })).toBe(true);
    expect(ruleCovers(rules, { pattern: '$.items[*].name', kind: 'value' })).toBe(false);
    expect(ruleCovers(rules, { pattern: '$.tags', kind: 'order' })).toBe(true);
    expect(ruleCovers(rules, { pattern: '$.tags', kind: 'length' })).toBe(false);
    expect(ruleCovers(rules, { pattern: 'header:x-amzn-trace-id', kind: 'header' })).toBe(true);
    expect(ruleCovers(rules, { pattern: 'header:etag', kind: 'header' })).toBe(true);
    expect(ruleCovers(rules, { pattern: 'header:content-type', kind: 'header' })).toBe(false);
    expect(ruleCovers(rules, { pattern: 'status', kind: 'status' })).toBe(false);
  });

  it('a signature linked to a fix behaviour is classified expected by the shadow comparator', () => {
    const linked = parseSpecText(
      '/specs/things.yaml',
      'specs/things.yaml',
      [
        'id: things.get',
        'endpoint: GET /things/{id}',
        'behaviors:',
        '  - id: rounding',
        '    says: Totals are rounded half-up.',
        '    disposition: fix',
        '    signatures: ["GET /things/{id} | $.total value"]',
        '',
      ].join('\n'),
    ).spec!;
    const comparator = new ShadowComparator([linked]);
    const compare = (a: unknown, b: unknown) => comparator.compare({ at: 0, request: request('/things/1'), primary: answer(a), candidate: answer(b) });
    expect(compare({ total: 1 }, { total: 2 }).outcome).toBe('expected');
    expect(compare({ total: 1, n: 1 }, { total: 2, n: 2 }).outcome).toBe('mismatch');
  });
});
