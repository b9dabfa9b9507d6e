import { describe, expect, it } from 'vitest';
import { jsonPathProblem, parseJsonPath } from '../src/jsonpath.js';

describe('the JSONPath subset', () => {
  it('parses keys, quoted keys, indices and wildcards', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath("$.items[*].id['odd key'][2].*")).toEqual([
      { kind: 'key', name: 'items' },
      { kind: 'wildcard' },
      { kind: 'key', name: 'id' },
      { kind: 'key', name: 'odd key' },
      { kind: 'index', index: 2 },
      { kind: 'wildcard' },
    ]);
    expect(parseJsonPath('$["a]b"]')).toEqual([{ kind: 'key', name: 'a]b' }]);
    expect(parseJsonPath("$['it\\'s']")).toEqual([{ kind: 'key', name: "it's" }]);
  });

  it.each([
    ['items', 'at character 1: a path starts with "$"'],
    ['$..id', 'at character 2: recursive descent ("..") is not supported'],
    ['$.', 'at character 3: expected a field name after "."'],
    ['$[?(@.a)]', 'at character 3: expected an index, * or a quoted name inside [ ]'],
    ['$[1', 'at character 2: missing "]"'],
    ['$a', 'at character 2: unexpected "a"'],
  ])('rejects %s, saying where and why', (path, reason) => {
    expect(jsonPathProblem(path)).toContain(reason);
  });

  it('accepts valid paths', () => {
    expect(jsonPathProblem('$.a.b[0]')).toBeUndefined();
  });
});
