import { describe, expect, it } from 'vitest';
import { hashSourceLines, parseSpan } from '../../src/spec/source-hash.js';

describe('the handler source hash', () => {
  it('parses file:line and file:start-end', () => {
    expect(parseSpan('app/routes/a.js:12')).toEqual({ file: 'app/routes/a.js', start: 12, end: 12 });
    expect(parseSpan('app/routes/a.js:12-40')).toEqual({ file: 'app/routes/a.js', start: 12, end: 40 });
    expect(() => parseSpan('app.js')).toThrow('expected "file:line"');
    expect(() => parseSpan('app.js:9-3')).toThrow('runs forward');
  });

  it('hashes only the span, the same for either line ending, and changes when a line in it does', () => {
    const text = 'a\nb\nc\nd\n';
    const hash = hashSourceLines(text, { start: 2, end: 3 });
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashSourceLines(text.replace(/\n/g, '\r\n'), { start: 2, end: 3 })).toBe(hash);
    expect(hashSourceLines('x\nb\nc\ny\n', { start: 2, end: 3 })).toBe(hash);
    expect(hashSourceLines('a\nb\nC\nd\n', { start: 2, end: 3 })).not.toBe(hash);
    expect(() => hashSourceLines(text, { start: 4, end: 9 })).toThrow('run past the end');
  });
});
