import { describe, expect, it } from 'vitest';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

async function lint(dir: string, text: string) {
  writeFiles(dir, { 'specs/a.yaml': text });
  const run = await parity(dir, 'spec', 'lint');
  return { ...run, lines: run.stdout.split('\n').filter((l) => /^specs\//.test(l)) };
}

describe('parity spec lint: compare rules', () => {
  const tmp = useTempDir('lint-compare');

  it('accepts header, mask and whitespace rules', async () => {
    const run = await lint(
      tmp(),
      `id: a
endpoint: GET /a
compare:
  headers: ["*", etag]
  ignore_headers: [x-cache, "x-amzn-*"]
  mask: {"$.errors[*].message": "req_[a-z0-9]+", body: "\\\\d+ms", "header:Location": "inv_\\\\w+"}
  ignore_tag_whitespace: true
`,
    );
    expect(run.lines).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('reports a bad mask path at the key and a bad mask regex at the value', async () => {
    const run = await lint(
      tmp(),
      `id: a
endpoint: GET /a
compare:
  mask:
    "$..message": "req_\\\\w+"
    message: "x"
    "header:": "x"
    body: "(unclosed"
    "$.note": "a*"
  headers: ["cache control"]
`,
    );
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      'specs/a.yaml:5:5: compare.mask["$..message"]: invalid JSONPath "$..message" at character 2: recursive descent ("..") is not supported: name the field',
      'specs/a.yaml:6:5: compare.mask.message: invalid mask target "message": expected a JSONPath such as "$.message", "body" or "header:Name"',
      'specs/a.yaml:7:5: compare.mask["header:"]: invalid mask target "header:": expected a header name after "header:"',
      'specs/a.yaml:8:11: compare.mask.body: mask regex does not compile: Invalid regular expression: /(unclosed/u: Unterminated group',
      'specs/a.yaml:9:15: compare.mask["$.note"]: mask regex "a*" matches the empty string; it must match some text',
      'specs/a.yaml:10:13: compare.headers[0]: expected a header name such as "cache-control"',
    ]);
  });
});
