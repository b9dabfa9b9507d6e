/**
 * The spec-test runner's semantics against small real servers on loopback: dispositions,
 * captures, setup and teardown, templates, auth profiles, request hooks, timeouts, and the exit
 * codes and messages of every way a run can go wrong before or during it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import type { TestRun } from '../../src/runner/run.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: Seen, res: http.ServerResponse, server: http.Server) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function serve(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body };
      if (req.url !== '/') seen.push(entry);
      handler(entry, res, server);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A tiny widget service; `fixed` decides whether it has the over-limit bug. */
function widgets(options: { fixed: boolean }): Handler {
  let next = 1;
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/widgets') {
      const body = JSON.parse(req.body || '{}') as { size?: number };
      if (options.fixed && (body.size ?? 0) > 10) return json(res, 400, { error: 'too big' });
      const id = `wid_${crypto.randomBytes(4).toString('hex')}_${next++}`;
      return json(res, 201, { id, size: body.size ?? 1, created: new Date().toISOString() }, { location: `/widgets/${id}` });
    }
    if (req.method === 'GET' && req.url.startsWith('/widgets/')) return json(res, 200, { id: req.url.slice('/widgets/'.length), size: 1 });
    if (req.method === 'DELETE' && req.url.startsWith('/widgets/')) return json(res, 200, { deleted: true });
    if (req.url.startsWith('/echo'))
      return json(res, 200, { url: req.url, auth: req.headers.authorization ?? null, sig: req.headers['x-sig'] ?? null, body: req.body });
    if (req.url === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('pong');
    }
    if (req.url === '/slow') return; // never answers
    json(res, 404, { error: 'not found' });
  };
}

const tempDir = useTempDir('runner');

function workspace(files: Record<string, string>, urls: { legacy: string; rewrite: string }, extraConfig = ''): string {
  const dir = tempDir();
  writeFiles(dir, {
    'parity.yaml': `legacy: {url: "${urls.legacy}"}\nrewrite: {url: "${urls.rewrite}"}\nauth:\n  tester: {headers: {Authorization: "Bearer \${TEST_TOKEN}"}}\n${extraConfig}`,
    ...files,
  });
  return dir;
}

async function run(cwd: string, argv: string[], env: Record<string, string> = { TEST_TOKEN: 'tok_123' }) {
  const io = memoryIo(cwd, env);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

async function runJson(cwd: string, argv: string[] = []): Promise<{ code: number; run: TestRun }> {
  const result = await run(cwd, ['test', '--json', ...argv]);
  if (result.stderr !== '') throw new Error(result.stderr);
  return { code: result.code, run: JSON.parse(result.stdout) as TestRun };
}

const WIDGET_SPEC = `id: widgets.create
endpoint: POST /widgets
behaviors:
  - {id: creates, says: creates a widget, disposition: preserve}
  - {id: size-limit, says: the legacy accepts any size; the rewrite refuses more than 10, disposition: fix}
  - {id: legacy-only, says: something the rewrite drops, disposition: drop}
examples:
  - name: create then read
    behavior: creates
    steps:
      - request: {method: POST, path: /widgets, json: {size: 3}}
        capture: {widget_id: $.id, location: "header:Location"}
        expect: {status: 201, json: {id: {$regex: "^wid_"}, size: 3, created: {$iso_date: true}}}
      - request: {method: GET, path: "{{location}}"}
        expect: {status: 200, json: {id: "{{widget_id}}"}}
  - name: too big
    behavior: size-limit
    request: {method: POST, path: /widgets, json: {size: 11}}
    expect: {status: 400, json: {error: too big}}
    expect_legacy: {status: 201}
  - name: dropped one
    behavior: legacy-only
    request: {method: POST, path: /widgets, json: {size: 2}}
    expect: {status: 201}
`;

describe('dispositions', () => {
  it('holds the legacy to expect_legacy and the rewrite to expect for a fix, and never sends a dropped example to the rewrite', async () => {
    const legacy = await serve(widgets({ fixed: false }));
    const rewrite = await serve(widgets({ fixed: true }));
    const dir = workspace({ 'specs/widgets.yaml': WIDGET_SPEC }, { legacy: legacy.url, rewrite: rewrite.url });
    const { code, run: result } = await runJson(dir);
    expect(code).toBe(0);
    const byName = Object.fromEntries(result.results.map((r) => [r.example, r]));
    expect(byName['create then read']!.legacy.outcome).toBe('pass');
    expect(byName['create then read']!.rewrite.outcome).toBe('pass');
    expect(byName['too big']!.legacy).toMatchObject({ outcome: 'pass', steps: [{ checked: 'expect_legacy', status: 201 }] });
    expect(byName['too big']!.rewrite).toMatchObject({ outcome: 'pass', steps: [{ checked: 'expect', status: 400 }] });
    expect(byName['dropped one']!.rewrite).toEqual({ outcome: 'skipped', reason: 'dropped: the rewrite need not do this', durationMs: 0, steps: [] });
    expect(rewrite.seen.filter((s) => s.body === '{"size":2}')).toEqual([]);
    expect(legacy.seen.filter((s) => s.body === '{"size":2}')).toHaveLength(1);
    // The captured Location header was followed as a path.
    expect(legacy.seen.map((s) => `${s.method} ${s.url.replace(/wid_\w+/, 'wid_X')}`)).toContain('GET /widgets/wid_X');
  });

  it('reports a fix example whose legacy no longer shows the bug as bug-gone, not as a failure', async () => {
    const legacy = await serve(widgets({ fixed: true }));
    const rewrite = await serve(widgets({ fixed: true }));
    const dir = workspace({ 'specs/widgets.yaml': WIDGET_SPEC }, { legacy: legacy.url, rewrite: rewrite.url });
    const { code, run: result } = await runJson(dir, ['--only', 'widgets.*']);
    expect(code).toBe(0);
    const tooBig = result.results.find((r) => r.example === 'too big')!;
    expect(tooBig.legacy.outcome).toBe('bug-gone');
    expect(tooBig.legacy.reason).toMatch(/no longer shows the documented bug/);
    expect(result.totals.legacy['bug-gone']).toBe(1);

    const text = await run(dir, ['test']);
    expect(text.stdout).toMatch(/^widgets\.create\s+size-limit\s+fix\s+1\s+\? bug gone\s+✓ fixed$/m);
    expect(text.stdout).toContain('Bugs the legacy no longer shows');
  });

  it('a rewrite that misses a fix fails with expected versus given at the JSON path; exit 1', async () => {
    const legacy = await serve(widgets({ fixed: false }));
    const rewrite = await serve(widgets({ fixed: false }));
    const dir = workspace({ 'specs/widgets.yaml': WIDGET_SPEC }, { legacy: legacy.url, rewrite: rewrite.url });
    const { code, run: result } = await runJson(dir);
    expect(code).toBe(1);
    const tooBig = result.results.find((r) => r.example === 'too big')!;
    expect(tooBig.rewrite.outcome).toBe('fail');
    expect(tooBig.rewrite.steps[0]!.mismatches).toEqual([
      { path: 'status', expected: 400, actual: 201, message: 'expected 400, got 201' },
      { path: '$.error', expected: 'too big', message: 'expected "too big", but the field is missing' },
    ]);
    expect(result.passed).toBe(false);
  });
});

describe('steps, setup and teardown', () => {
  it('runs setup before and teardown after each example, stops an example at its first failing step, and still tears down', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: widgets.get
endpoint: GET /widgets/{id}
setup:
  - request: {method: POST, path: /widgets, json: {size: 1}}
    capture: {widget_id: $.id}
teardown:
  - request: {method: DELETE, path: "/widgets/{{widget_id}}"}
    expect: {status: 200}
examples:
  - name: fails on the first step
    steps:
      - request: {method: GET, path: "/widgets/{{widget_id}}"}
        expect: {status: 200, json: {size: 2}}
      - request: {method: GET, path: /echo/never-sent}
`;
    const rewrite = await serve(widgets({ fixed: true }));
    const dir = workspace({ 'specs/get.yaml': spec }, { legacy: server.url, rewrite: rewrite.url });
    const { code, run: result } = await runJson(dir, ['--concurrency', '1']);
    expect(code).toBe(1);
    const [only] = result.results;
    expect(only!.legacy.steps.map((s) => `${s.phase} ${s.method} ${s.mismatches.length}`)).toEqual(['setup POST 0', 'example GET 1', 'teardown DELETE 0']);
    expect(only!.legacy.steps[1]!.mismatches[0]).toMatchObject({ path: '$.size', expected: 2, actual: 1 });
    for (const side of [server, rewrite]) {
      expect(side.seen.map((s) => `${s.method} ${s.url.replace(/wid_\w+/, 'wid_X')}`)).toEqual([
        'POST /widgets',
        'GET /widgets/wid_X',
        'DELETE /widgets/wid_X',
      ]);
    }
  });

  it("runs an example's own cleanup after it, failed or not, with the values that side captured", async () => {
    const legacy = await serve(widgets({ fixed: true }));
    const rewrite = await serve(widgets({ fixed: true }));
    const spec = `id: widgets.create
endpoint: POST /widgets
examples:
  - name: creates, then fails a check
    steps:
      - request: {method: POST, path: /widgets, json: {size: 1}}
        capture: {widget_id: $.id}
      - request: {method: GET, path: "/widgets/{{widget_id}}"}
        expect: {status: 200, json: {size: 2}}
    cleanup:
      - request: {method: DELETE, path: "/widgets/{{widget_id}}"}
  - name: fails before it creates anything
    steps:
      - request: {method: POST, path: /widgets, json: {size: 99}}
        expect: {status: 201}
        capture: {widget_id: $.id}
    cleanup:
      - request: {method: DELETE, path: "/widgets/{{widget_id}}"}
`;
    const dir = workspace({ 'specs/create.yaml': spec }, { legacy: legacy.url, rewrite: rewrite.url });
    const { run: result } = await runJson(dir, ['--concurrency', '1']);
    const [created, refused] = result.results;
    expect(created!.rewrite.steps.map((s) => `${s.phase} ${s.method} ${s.mismatches.length}`)).toEqual([
      'example POST 0',
      'example GET 1',
      'teardown DELETE 0',
    ]);
    // Each side deletes the widget it made, under its own id.
    for (const side of [legacy, rewrite]) {
      const made = side.seen.find((s) => s.method === 'POST' && !s.body.includes('99'))!;
      const deleted = side.seen.filter((s) => s.method === 'DELETE').map((s) => s.url);
      expect(deleted).toHaveLength(1);
      expect(side.seen.indexOf(made)).toBeLessThan(side.seen.findIndex((s) => s.method === 'DELETE'));
    }
    expect(legacy.seen.find((s) => s.method === 'DELETE')!.url).not.toBe(rewrite.seen.find((s) => s.method === 'DELETE')!.url);
    // Nothing was captured: the cleanup has nothing to undo and is left out, not an error.
    expect(refused!.rewrite.outcome).toBe('fail');
    expect(refused!.rewrite.steps.map((s) => s.phase)).toEqual(['example']);
  });

  it('a placeholder nothing captured is an error naming it and the values that exist', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: widgets.get
endpoint: GET /widgets/{id}
examples:
  - name: typo in a capture name
    steps:
      - request: {method: POST, path: /widgets, json: {size: 1}}
        capture: {widget_id: $.id}
      - request: {method: GET, path: "/widgets/{{widgetid}}"}
`;
    const dir = workspace({ 'specs/get.yaml': spec }, { legacy: server.url, rewrite: server.url });
    const { code, run: result } = await runJson(dir);
    expect(code).toBe(1);
    expect(result.results[0]!.rewrite.outcome).toBe('error');
    expect(result.results[0]!.rewrite.reason).toBe(
      'specs/get.yaml:8: {{widgetid}} has no value: nothing captured it before this request (values so far: {{widget_id}})',
    );
  });

  it('template functions make an example that registers a user run again and again: one value per run, the same on both sides', async () => {
    // Usernames are unique per server: a fixed one passes once, then answers 409.
    const registry = (): Handler => {
      const taken = new Set<string>();
      return (req, res) => {
        const body = JSON.parse(req.body || '{}') as { username?: string; email?: string };
        if (req.method === 'POST' && req.url === '/users') {
          if (taken.has(body.username!)) return json(res, 409, { error: 'username taken' });
          taken.add(body.username!);
          return json(res, 201, { username: body.username, email: body.email, id: req.headers['x-request-id'] });
        }
        if (req.method === 'POST' && req.url === '/login') return json(res, taken.has(body.username!) ? 200 : 401, { username: body.username });
        json(res, 404, {});
      };
    };
    const [legacy, rewrite] = await Promise.all([serve(registry()), serve(registry())]);
    const spec = `id: users.create
endpoint: POST /users
examples:
  - name: register, then log in
    steps:
      - request:
          method: POST
          path: /users
          headers: {X-Request-Id: "{{$uuid}}"}
          json: {username: "ada-{{$unique}}", email: "{{$unique}}@example.test", joined: "{{$now}}"}
        expect: {status: 201, json: {username: "ada-{{$unique}}", email: "{{$unique}}@example.test", id: "{{$uuid}}"}}
      - request: {method: POST, path: /login, json: {username: "ada-{{$unique}}"}}
        expect: {status: 200}
      - request: {method: POST, path: /users, json: {username: "bob-{{$unique:bob}}"}}
        expect: {status: 201, json: {username: {$regex: "^bob-u[a-z0-9]{11}$"}}}
  - name: a typo in a function name
    request: {method: POST, path: /users, json: {username: "{{$uniq}}"}}
`;
    const dir = workspace({ 'specs/users.yaml': spec }, { legacy: legacy.url, rewrite: rewrite.url });
    for (let time = 0; time < 2; time++) {
      const { run: result } = await runJson(dir);
      const [registered, typo] = result.results;
      expect([registered!.legacy.outcome, registered!.rewrite.outcome], `run ${time + 1}`).toEqual(['pass', 'pass']);
      expect(typo!.rewrite.reason).toBe(
        'specs/users.yaml:17: {{$uniq}} is not a template function (there are {{$unique}}, {{$uuid}}, {{$now}}, {{$timestamp}}, each optionally with a label: {{$unique:alice}})',
      );
    }
    // Both sides were sent the same made-up values, and each run made new ones.
    const usernames = (seen: Seen[]) => seen.filter((r) => r.url === '/users').map((r) => (JSON.parse(r.body) as { username: string }).username);
    expect(usernames(legacy.seen)).toEqual(usernames(rewrite.seen));
    const [first, bob, , second] = usernames(legacy.seen);
    expect(first).toMatch(/^ada-u[a-z0-9]{11}$/);
    expect(bob).toMatch(/^bob-u[a-z0-9]{11}$/);
    expect(second).not.toBe(first);
    expect(legacy.seen[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a capture whose path matches nothing fails the step', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: widgets.create
endpoint: POST /widgets
examples:
  - name: wrong capture
    request: {method: POST, path: /widgets, json: {size: 1}}
`;
    const stepped = spec.replace(
      '    request: {method: POST, path: /widgets, json: {size: 1}}\n',
      '    steps:\n      - request: {method: POST, path: /widgets, json: {size: 1}}\n        capture: {widget_id: $.widget.id}\n',
    );
    const dir = workspace({ 'specs/c.yaml': stepped }, { legacy: server.url, rewrite: server.url });
    const { run: result } = await runJson(dir);
    expect(result.results[0]!.legacy.steps[0]!.mismatches).toEqual([
      { path: '$.widget.id', expected: 'a value to capture as {{widget_id}}', message: 'capture widget_id: $.widget.id matched nothing in the JSON body' },
    ]);
  });
});

describe('requests', () => {
  it('sends query lists, auth profiles with ${ENV} expanded, text bodies, and checks text responses and status lists', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: echo
endpoint: GET /echo
examples:
  - name: query and auth
    request: {method: GET, path: /echo, query: {tag: [a, b], n: 2}, auth: tester}
    expect: {status: [200, 204], json: {url: /echo?tag=a&tag=b&n=2, auth: Bearer tok_123}}
  - name: text
    request: {method: POST, path: /text, body: ping}
    expect: {status: 200, headers: {Content-Type: {$regex: "^text/plain"}}, body: pong}
`;
    const dir = workspace({ 'specs/echo.yaml': spec }, { legacy: server.url, rewrite: server.url });
    const { code, run: result } = await runJson(dir);
    expect(result.results.flatMap((r) => [r.legacy, r.rewrite]).map((s) => s.outcome)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(code).toBe(0);
    expect(server.seen.find((s) => s.url === '/text')).toMatchObject({ body: 'ping', headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });

  it('fills header placeholders from the request hook, computed over the exact body bytes', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: echo
endpoint: POST /echo
examples:
  - name: signed
    steps:
      - request: {method: POST, path: /widgets, json: {size: 4}}
        capture: {widget_id: $.id}
      - request: {method: POST, path: /echo, headers: {X-Sig: "{{body_sha}}"}, json: {widget: "{{widget_id}}"}}
        expect: {status: 200}
`;
    const hooks = `import crypto from 'node:crypto';
export function requestVariables({ target, body }) {
  return { body_sha: target + ':' + crypto.createHash('sha256').update(body ?? '').digest('hex') };
}
`;
    const dir = workspace({ 'specs/echo.yaml': spec, 'hooks.mjs': hooks }, { legacy: server.url, rewrite: server.url }, 'hooks: hooks.mjs\n');
    const { code } = await runJson(dir);
    expect(code).toBe(0);
    const signed = server.seen.filter((s) => s.url === '/echo');
    expect(signed).toHaveLength(2);
    for (const request of signed) {
      expect(request.body).toMatch(/^\{"widget":"wid_/);
      const target = request.headers['x-sig']!.toString().split(':')[0]!;
      expect(['legacy', 'rewrite']).toContain(target);
      expect(request.headers['x-sig']).toBe(`${target}:${crypto.createHash('sha256').update(request.body).digest('hex')}`);
    }
  });

  it('a request that takes longer than the timeout is an error of that example, and the run goes on', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: slow
endpoint: GET /slow
examples:
  - name: slow
    request: {method: GET, path: /slow}
  - name: fast
    request: {method: GET, path: /text}
`;
    const dir = workspace({ 'specs/slow.yaml': spec }, { legacy: server.url, rewrite: server.url });
    const { code, run: result } = await runJson(dir, ['--timeout', '300']);
    expect(code).toBe(1);
    const slow = result.results.find((r) => r.example === 'slow')!;
    expect(slow.rewrite).toMatchObject({ outcome: 'error', reason: `no answer from ${server.url}/slow within 300 ms` });
    expect(result.results.find((r) => r.example === 'fast')!.rewrite.outcome).toBe('pass');
  });
});

describe('refusals before any request', () => {
  it('an auth profile parity.yaml does not define, or whose variable is unset, is exit 2 at its file:line:col', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: echo
endpoint: GET /echo
examples:
  - name: a
    request: {method: GET, path: /echo, auth: testr}
  - name: b
    request: {method: GET, path: /echo, auth: tester}
`;
    const dir = workspace({ 'specs/echo.yaml': spec }, { legacy: server.url, rewrite: server.url });
    const result = await run(dir, ['test'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('specs/echo.yaml:5:47: auth profile "testr" is not defined in parity.yaml (did you mean "tester"?)');
    expect(result.stderr).toContain('specs/echo.yaml:7:47: auth profile "tester" needs the environment variable TEST_TOKEN, which is not set');
    expect(result.stderr).toContain('error: 2 requests cannot be sent as written');
    expect(server.seen).toEqual([]);
    expect(fs.existsSync(path.join(dir, '.parity'))).toBe(false);
  });

  it('a spec with lint problems is exit 2 with its diagnostics', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = `id: echo
endpoint: GET /echo
examples:
  - name: a
    behavior: nope
    request: {method: GET, path: /echo}
`;
    const dir = workspace({ 'specs/echo.yaml': spec }, { legacy: server.url, rewrite: server.url });
    const result = await run(dir, ['test']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('specs/echo.yaml:5:15: example "a" names unknown behaviour "nope" (this spec declares no behaviours)');
    expect(result.stderr).toContain('error: the specs have 1 problem; fix them before testing');
  });

  it('reads --legacy :PORT and --rewrite :PORT as loopback URLs, as most tools do', async () => {
    const server = await serve(widgets({ fixed: true }));
    const port = new URL(server.url).port;
    const spec = 'id: echo\nendpoint: GET /echo\nexamples:\n  - {name: a, request: {method: GET, path: /echo}}\n';
    const dir = tempDir();
    writeFiles(dir, { 'specs/echo.yaml': spec });
    const result = await run(dir, ['test', '--json', '--legacy', `:${port}`, '--rewrite', `localhost:${port}`]);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as { legacyUrl: string; rewriteUrl: string };
    expect([parsed.legacyUrl, parsed.rewriteUrl]).toEqual([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
    const bad = await run(dir, ['test', '--legacy', 'ftp://x', '--rewrite', `:${port}`]);
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, 'error: --legacy: expected an http:// or https:// URL, got the scheme "ftp:"']);
  });

  it('no rewrite URL, an --only that matches nothing, and a broken hooks module are exit 2 with one message', async () => {
    const server = await serve(widgets({ fixed: true }));
    const spec = 'id: echo\nendpoint: GET /echo\nexamples:\n  - {name: a, request: {method: GET, path: /echo}}\n';
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${server.url}"}\n`, 'specs/echo.yaml': spec });
    const noRewrite = await run(dir, ['test']);
    expect([noRewrite.code, noRewrite.stderr]).toEqual([2, 'error: no rewrite URL to test\nhint: pass --rewrite URL or rewrite.url in parity.yaml\n']);

    const only = await run(dir, ['test', '--rewrite', server.url, '--only', 'refunds.*']);
    expect([only.code, only.stderr.split('\n')[0]]).toEqual([2, 'error: --only refunds.* matches no spec id']);

    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${server.url}"}\nhooks: hooks.mjs\n`, 'hooks.mjs': 'export const nothing = 1;\n' });
    const hooks = await run(dir, ['test', '--rewrite', server.url]);
    expect([hooks.code, hooks.stderr.split('\n')[0]]).toEqual([2, 'error: hooks: hooks.mjs does not export a function requestVariables(request)']);

    const withHeader = spec.replace('path: /echo}', 'path: /echo, headers: {X-Sig: "{{sig}}"}}');
    writeFiles(dir, { 'specs/echo.yaml': withHeader, 'throwing.mjs': "export function requestVariables() { throw new Error('boom'); }\n" });
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${server.url}"}\nhooks: throwing.mjs\n` });
    const throwing = await run(dir, ['test', '--rewrite', server.url]);
    expect([throwing.code, throwing.stdout, throwing.stderr]).toEqual([2, '', 'error: hooks: throwing.mjs: requestVariables threw: boom\n']);
    expect(fs.existsSync(path.join(dir, '.parity'))).toBe(false);
  });

  it('a target that stops answering during the run ends it with exit 2 and one message, and saves nothing', async () => {
    const legacy = await serve(widgets({ fixed: true }));
    const dying = await serve((req, res, server) => {
      json(res, 200, { ok: true });
      if (req.url === '/die') {
        server.close();
        server.closeAllConnections();
      }
    });
    const spec = `id: echo
endpoint: GET /echo
examples:
${Array.from({ length: 5 }, (_, i) => `  - {name: e${i}, request: {method: GET, path: ${i === 0 ? '/die' : '/echo'}}}`).join('\n')}
`;
    const dir = workspace({ 'specs/echo.yaml': spec }, { legacy: legacy.url, rewrite: dying.url });
    const result = await run(dir, ['test', '--concurrency', '1']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^error: the rewrite at ${dying.url} stopped answering during the run: connection refused \\(ECONNREFUSED\\)\\nhint: nothing was saved`),
    );
    expect(fs.existsSync(path.join(dir, '.parity'))).toBe(false);
  });
});
