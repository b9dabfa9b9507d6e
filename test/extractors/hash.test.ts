import { describe, expect, it } from 'vitest';
import { endpointSourceHash } from '../../extractors/hash.js';

const span = (file: string, start: number, text: string) => ({ file, start, end: start + text.split('\n').length - 1, text });

describe('the endpoint source hash', () => {
  it('covers the handler and its helpers, whatever the order helpers were found in or the line endings', () => {
    const handler = span('a.js', 10, 'function h(req, res) {\n  helper();\n}');
    const helpers = [span('lib/x.js', 1, 'function helper() {}'), span('lib/y.js', 5, 'function other() {}')];
    const hash = endpointSourceHash(handler, helpers);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(endpointSourceHash(handler, [...helpers].reverse())).toBe(hash);
    expect(endpointSourceHash({ ...handler, text: handler.text.replace(/\n/g, '\r\n') }, helpers)).toBe(hash);
    expect(endpointSourceHash(handler, [...helpers, helpers[0]!, handler])).toBe(hash);
  });

  it('changes when the handler, a helper, or where they are changes', () => {
    const handler = span('a.js', 10, 'function h() {}');
    const helper = span('lib/x.js', 1, 'function helper() { return 1 }');
    const hash = endpointSourceHash(handler, [helper]);
    expect(endpointSourceHash({ ...handler, text: 'function h() { }' }, [helper])).not.toBe(hash);
    expect(endpointSourceHash(handler, [{ ...helper, text: 'function helper() { return 2 }' }])).not.toBe(hash);
    expect(endpointSourceHash(handler, [])).not.toBe(hash);
    expect(endpointSourceHash({ ...handler, start: 11, end: 11 }, [helper])).not.toBe(hash);
  });
});
