import { describe, expect, it } from 'vitest';
import { parseSpan } from '../../src/spec/span.js';

describe('evidence spans', () => {
  it('parses file:line and file:start-end, and rejects anything else', () => {
    expect(parseSpan('app/routes/a.js:12')).toEqual({ file: 'app/routes/a.js', start: 12, end: 12 });
    expect(parseSpan('app/routes/a.js:12-40')).toEqual({ file: 'app/routes/a.js', start: 12, end: 40 });
    expect(() => parseSpan('app.js')).toThrow('expected "file:line"');
    expect(() => parseSpan('app.js:9-3')).toThrow('runs forward');
  });
});
