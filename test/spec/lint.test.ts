import { describe, expect, it } from 'vitest';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const VALID = `id: refunds.create
endpoint: POST /invoices/{invoice_id}/refunds
who_may_call: the invoice's account
rate_limit: none, intentionally
behaviors:
  - id: over-refund-rejected
    says: Refunding more than the balance answers 422.
    disposition: preserve
  - id: rounding
    says: Refund tax is rounded half-even (legacy truncates).
    disposition: fix
examples:
  - name: too much
    behavior: over-refund-rejected
    request: {method: POST, path: /invoices/inv_1/refunds, json: {amount: 999}}
    expect: {status: 422, json: {error: {$regex: exceeds}}}
  - name: rounding
    behavior: rounding
    request: {method: POST, path: /invoices/inv_1/refunds, json: {amount: 333}}
    expect: {status: 201, json: {tax: 67}}
    expect_legacy: {status: 201, json: {tax: 66}}
`;

/** Lint `files` (name -> content) in a fresh specs dir; returns the exit code and problem lines. */
async function lint(dir: string, files: Record<string, string>) {
  writeFiles(dir, Object.fromEntries(Object.entries(files).map(([name, text]) => [`specs/${name}`, text])));
  const run = await parity(dir, 'spec', 'lint');
  const lines = run.stdout.split('\n').filter((l) => /^specs\//.test(l));
  return { ...run, lines };
}

describe('parity spec lint', () => {
  const tmp = useTempDir('lint');

  it('passes a valid spec with exit 0', async () => {
    const run = await lint(tmp(), { 'refunds.yaml': VALID });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 spec file checked, no problems\n');
  });

  it('reports a YAML syntax error at its position', async () => {
    const run = await lint(tmp(), { 'broken.yaml': 'id: a\nendpoint: GET /a\nbehaviors:\n  - id: x\n    says: "unterminated\n' });
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(1);
    // The yaml parser places an unterminated string's error where the file ends.
    expect(run.lines[0]).toMatch(/^specs\/broken\.yaml:6:1: YAML syntax: Missing closing "quote/);
  });

  it('reports a duplicate key as a YAML error', async () => {
    const run = await lint(tmp(), { 'dup.yaml': 'id: a\nendpoint: GET /a\nid: b\n' });
    expect(run.lines).toEqual(['specs/dup.yaml:3:1: YAML syntax: Map keys must be unique']);
  });

  it('reports schema violations at the offending node, naming the key', async () => {
    const text = `id: a
endpoint: FETCH /a
who_may_call: 12
behaviours: []
behaviors:
  - id: x
    says: something
    disposition: keep
examples:
  - name: e
    request: {method: GET, path: a}
    expect: {status: 99}
`;
    const run = await lint(tmp(), { 'a.yaml': text });
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      'specs/a.yaml:2:11: endpoint: expected "METHOD /path" with METHOD one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or * (any), such as "POST /invoices/{invoice_id}/refunds"',
      'specs/a.yaml:3:15: who_may_call: expected a string, got 12',
      'specs/a.yaml:4:1: behaviours: unknown key (did you mean "behaviors"?)',
      'specs/a.yaml:8:18: behaviors[0].disposition: expected "preserve" | "fix" | "drop" | "undecided", got "keep"',
      'specs/a.yaml:11:34: examples[0].request.path: expected a path starting with "/" (or a {{name}} holding one, such as a captured Location header)',
      'specs/a.yaml:12:22: examples[0].expect.status: must be >= 100, got 99',
    ]);
  });

  it('reports a missing required key at the mapping that lacks it', async () => {
    const run = await lint(tmp(), { 'a.yaml': 'id: a\nbehaviors: []\n' });
    expect(run.lines).toEqual(['specs/a.yaml:1:1: (document): missing required key "endpoint"']);
  });

  it('reports malformed matchers, JSONPaths and captures', async () => {
    const text = `id: a
endpoint: GET /a
examples:
  - name: e
    steps:
      - request: {method: GET, path: /a}
        capture: {id: "id"}
        expect: {json: {total: {$regx: "^1"}, items: {$unordered: 3}}}
compare:
  ignore: ["$..created_at"]
`;
    const run = await lint(tmp(), { 'a.yaml': text });
    expect(run.lines).toEqual([
      'specs/a.yaml:7:23: examples[0].steps[0].capture.id: invalid JSONPath "id" at character 1: a path starts with "$", as in "$.items[*].id" (or "header:Name" to capture a header, "cookie:name" a cookie the response sets)',
      'specs/a.yaml:8:33: examples[0].steps[0].expect.json.total["$regx"]: unknown matcher "$regx" (matchers: $type, $regex, $uuid, $iso_date, $number, $tolerance, $unordered, $absent, $ignore)',
      'specs/a.yaml:8:67: examples[0].steps[0].expect.json.items["$unordered"]: $unordered must be a list',
      'specs/a.yaml:10:12: compare.ignore[0]: invalid JSONPath "$..created_at" at character 2: recursive descent ("..") is not supported: name the field',
    ]);
  });

  it('reports duplicate behaviour ids and example names within a spec', async () => {
    const text = `id: a
endpoint: GET /a
behaviors:
  - {id: x, says: one, disposition: preserve}
  - {id: x, says: two, disposition: drop}
examples:
  - {name: e, behavior: x, request: {method: GET, path: /a}}
  - {name: e, behavior: x, request: {method: GET, path: /a}}
`;
    const run = await lint(tmp(), { 'a.yaml': text });
    expect(run.lines).toEqual([
      'specs/a.yaml:5:10: duplicate behaviour id "x" (first declared at line 4)',
      'specs/a.yaml:8:12: duplicate example name "e" (first used at line 7)',
    ]);
  });

  it('reports the same spec id in two files, naming the first', async () => {
    const run = await lint(tmp(), { 'a.yaml': 'id: same\nendpoint: GET /a\n', 'b.yaml': 'id: same\nendpoint: GET /b\n' });
    expect(run.lines).toEqual(['specs/b.yaml:1:5: spec id "same" is also declared in specs/a.yaml:1:5']);
  });

  it('reports an endpoint declared twice, even with other parameter names', async () => {
    const run = await lint(tmp(), {
      'a.yaml': 'id: a\nendpoint: GET /invoices/{id}\n',
      'nested/b.yaml': 'id: b\nendpoint: GET /invoices/{invoice_id}\n',
      'c.yaml': 'id: c\nendpoint: POST /invoices/{id}\n',
    });
    expect(run.lines).toEqual([
      'specs/nested/b.yaml:2:11: endpoint "GET /invoices/{invoice_id}" is already declared as "GET /invoices/{id}" in specs/a.yaml:2:11 (spec "a")',
    ]);
  });

  it('reports an example naming an unknown behaviour, suggesting the closest', async () => {
    const text = VALID.replace('behavior: over-refund-rejected', 'behavior: over-refund-reject');
    const run = await lint(tmp(), { 'refunds.yaml': text });
    expect(run.lines).toEqual([
      'specs/refunds.yaml:14:15: example "too much" names unknown behaviour "over-refund-reject" (did you mean "over-refund-rejected"?)',
    ]);
  });

  it('reports a fix behaviour whose example lacks expect_legacy', async () => {
    const text = VALID.replace('    expect_legacy: {status: 201, json: {tax: 66}}\n', '');
    const run = await lint(tmp(), { 'refunds.yaml': text });
    expect(run.lines).toEqual([
      'specs/refunds.yaml:17:11: example "rounding" demonstrates fix behaviour "rounding" but has no expect_legacy: write down what the legacy does (the bug) beside what the rewrite must do',
    ]);
  });

  it('accepts expect_legacy on any step of a fix example, and rejects it on a preserve example', async () => {
    const text = `id: a
endpoint: POST /a
behaviors:
  - {id: fixed, says: one, disposition: fix}
  - {id: kept, says: two, disposition: preserve}
examples:
  - name: steps
    behavior: fixed
    steps:
      - request: {method: POST, path: /a}
        capture: {id: $.id}
      - request: {method: GET, path: "/a/{{id}}"}
        expect: {status: 200}
        expect_legacy: {status: 500}
  - name: kept
    behavior: kept
    request: {method: POST, path: /a}
    expect_legacy: {status: 500}
`;
    const run = await lint(tmp(), { 'a.yaml': text });
    expect(run.lines).toEqual(['specs/a.yaml:18:5: expect_legacy only applies to a fix behaviour, but behaviour "kept" is preserve']);
  });

  it('reports every problem of every file in one run, sorted by file and position', async () => {
    const run = await lint(tmp(), { 'b.yaml': 'id: b\nendpoint: nope\n', 'a.yaml': 'id: a\n  bad: [\n', 'c.yaml': VALID });
    expect(run.code).toBe(1);
    expect([...new Set(run.lines.map((l) => l.split(':')[0]))]).toEqual(['specs/a.yaml', 'specs/b.yaml']);
    expect(run.stdout).toMatch(new RegExp(`${run.lines.length} problems in 2 files \\(3 checked\\)\\n$`));
  });

  it('prints JSON with --json', async () => {
    const dir = tmp();
    writeFiles(dir, { 'specs/a.yaml': 'id: a\nendpoint: GET /a\nsummary: [x]\n' });
    const run = await parity(dir, 'spec', 'lint', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).problems).toEqual([
      { file: 'specs/a.yaml', line: 3, col: 10, message: 'summary: expected a string, got a list', rule: 'schema' },
    ]);
  });

  it('exits 2 when the specs directory does not exist', async () => {
    const run = await parity(tmp(), 'spec', 'lint', '--specs', 'nowhere');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: specs directory nowhere does not exist');
  });
});
