import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chiExtractor, echoExtractor, ginExtractor, netHttpExtractor } from '../../extractors/go/index.js';
import { convertPath, joinPaths, parseServeMuxPattern } from '../../extractors/go/routes.js';
import type { EndpointFacts, ExtractionWarning, Extractor, SourceProject } from '../../extractors/types.js';
import { ExtractedSchema } from '../../src/spec/schema.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Every file under `dir`, posix paths relative to it, sorted. */
function projectFrom(dir: string): SourceProject {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  files.sort();
  return { root: dir, files, read: (f) => readFileSync(join(dir, f), 'utf8') };
}

function inMemory(files: Record<string, string>): SourceProject {
  return { root: '/virtual', files: Object.keys(files).sort(), read: (f) => files[f] ?? '' };
}

function run(extractor: Extractor, project: SourceProject): { facts: EndpointFacts[]; warnings: ExtractionWarning[]; progress: string[] } {
  const warnings: ExtractionWarning[] = [];
  const progress: string[] = [];
  const facts = extractor.extract({ project, warn: (w) => warnings.push(w), progress: (f) => progress.push(f) });
  return { facts, warnings, progress };
}

interface ExpectedRoute {
  method: string;
  path: string;
  guards: string[];
  outcomes: number[];
  side_effects: { kind: string; target: string }[];
}
interface Expected {
  routes: ExpectedRoute[];
  warnings: ExtractionWarning[];
}

const CASES = [
  { fixture: 'go-nethttp', extractor: netHttpExtractor },
  { fixture: 'go-gin', extractor: ginExtractor },
  { fixture: 'go-chi', extractor: chiExtractor },
  { fixture: 'go-echo', extractor: echoExtractor },
] as const;

const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const sorted = <T>(xs: T[]) => [...xs].sort();
const uniqueSorted = <T>(xs: T[]) => [...new Set(xs)].sort();
const effectKeys = (xs: { kind: string; target: string }[]) => uniqueSorted(xs.map((s) => `${s.kind} ${s.target}`));

describe.each(CASES)('$fixture', ({ fixture, extractor }) => {
  const dir = join(FIXTURES, fixture);
  const project = projectFrom(dir);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  const { facts, warnings, progress } = run(extractor, project);

  it('finds every route and nothing else (recall and precision 1.0)', () => {
    const found = new Set(facts.map(routeKey));
    const wanted = new Set(expected.routes.map(routeKey));
    const hits = [...found].filter((k) => wanted.has(k)).length;
    const recall = hits / wanted.size;
    const precision = hits / found.size;
    expect({ recall, precision, missing: [...wanted].filter((k) => !found.has(k)), extra: [...found].filter((k) => !wanted.has(k)) }).toEqual({
      recall: 1,
      precision: 1,
      missing: [],
      extra: [],
    });
    expect(facts).toHaveLength(expected.routes.length);
  });

  it('has the guards, outcome statuses and side effects of each route', () => {
    for (const want of expected.routes) {
      const got = facts.find((f) => routeKey(f) === routeKey(want));
      expect(got, routeKey(want)).toBeDefined();
      expect({ route: routeKey(want), guards: sorted(got!.guards.map((g) => g.text)) }).toEqual({ route: routeKey(want), guards: sorted(want.guards) });
      expect({ route: routeKey(want), outcomes: uniqueSorted(got!.outcomes.map((o) => o.status)) }).toEqual({
        route: routeKey(want),
        outcomes: uniqueSorted(want.outcomes),
      });
      expect({ route: routeKey(want), side_effects: effectKeys(got!.side_effects) }).toEqual({
        route: routeKey(want),
        side_effects: effectKeys(want.side_effects),
      });
    }
  });

  it('warns about the route path it cannot resolve, at its file:line', () => {
    expect(warnings).toEqual(expected.warnings);
    expect(warnings.some((w) => w.message === 'cannot resolve route path statically')).toBe(true);
  });

  it('is detected by its own extractor only', () => {
    for (const c of CASES)
      expect({ extractor: c.extractor.name, detected: c.extractor.detect(project) }).toEqual({
        extractor: c.extractor.name,
        detected: c.extractor === extractor,
      });
  });

  it('is deterministic, sorted by path then method, and reports progress once per Go file', () => {
    const again = run(extractor, projectFrom(dir));
    expect(again.facts).toEqual(facts);
    expect(again.warnings).toEqual(warnings);
    const keys = facts.map((f) => [f.path, f.method] as const);
    const resorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(keys).toEqual(resorted);
    expect(progress).toEqual(project.files.filter((f) => f.endsWith('.go')));
  });

  it('cites evidence that exists, in the spec format', () => {
    const lineCount = new Map(project.files.map((f) => [f, project.read(f).split('\n').length]));
    const check = (ev: string | undefined) => {
      if (ev === undefined) return;
      const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(ev);
      expect(m, ev).not.toBeNull();
      const [, file, a, b] = m!;
      expect(lineCount.has(file!), ev).toBe(true);
      const start = Number(a);
      const end = b === undefined ? start : Number(b);
      expect(start >= 1 && start <= end && end <= lineCount.get(file!)!, ev).toBe(true);
    };
    for (const f of facts) {
      check(f.handler);
      expect(f.framework).toBe(extractor.name);
      expect(f.source_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      for (const x of [...f.params, ...f.guards, ...f.outcomes, ...f.side_effects, ...f.volatile]) check(x.evidence);
      const { method: _m, path: _p, ...extracted } = f;
      expect(() => ExtractedSchema.parse(extracted), routeKey(f)).not.toThrow();
    }
  });
});

describe('facts in detail', () => {
  const nethttp = run(netHttpExtractor, projectFrom(join(FIXTURES, 'go-nethttp'))).facts;
  const gin = run(ginExtractor, projectFrom(join(FIXTURES, 'go-gin'))).facts;
  const chi = run(chiExtractor, projectFrom(join(FIXTURES, 'go-chi'))).facts;
  const echo = run(echoExtractor, projectFrom(join(FIXTURES, 'go-echo'))).facts;
  const get = (facts: EndpointFacts[], key: string) => {
    const f = facts.find((x) => routeKey(x) === key);
    if (!f) throw new Error(`no ${key}`);
    return f;
  };

  it('net/http: body params from json tags and validate tags, outcomes with when and literal body, volatile fields', () => {
    const create = get(nethttp, 'POST /api/books');
    expect(create.handler).toBe('internal/api/books.go:72-101');
    expect(create.params).toEqual([
      { name: 'title', in: 'body', type: 'string', required: true, validations: ['required'], evidence: 'internal/api/books.go:26' },
      { name: 'author', in: 'body', type: 'string', required: true, validations: ['required'], evidence: 'internal/api/books.go:27' },
      { name: 'price_cents', in: 'body', type: 'integer', required: true, validations: ['required', 'min=1'], evidence: 'internal/api/books.go:28' },
    ]);
    expect(create.outcomes).toContainEqual({ status: 400, when: 'err != nil', body: 'invalid JSON body', evidence: 'internal/api/books.go:75' });
    expect(create.outcomes).toContainEqual({
      status: 409,
      when: 'errors.As(err, &pqErr) && pqErr.Code == "23505"',
      body: 'a book with this title already exists',
      evidence: 'internal/api/books.go:93',
    });
    expect(create.volatile.map((v) => [v.field, v.reason])).toEqual([
      ['$.id', 'uuid.NewString()'],
      ['$.created_at', 'time.Now()'],
    ]);
    expect(create.guards).toEqual([
      { kind: 'rate_limit', text: 'middleware.Throttle', level: 'app', evidence: 'cmd/server/main.go:33' },
      { kind: 'auth', text: 'middleware.RequireAuth', level: 'handler', required: true, evidence: 'internal/api/handler.go:30' },
    ]);
    const admin = get(nethttp, 'DELETE /admin/users/{id}');
    expect(admin.guards.find((g) => g.kind === 'authz')).toEqual({
      kind: 'authz',
      text: 'middleware.RequireAdmin',
      level: 'group',
      evidence: 'cmd/server/main.go:28',
    });
    expect(admin.params).toEqual([{ name: 'id', in: 'path', required: true, evidence: 'internal/api/admin.go:29' }]);
    const list = get(nethttp, 'GET /api/books');
    expect(list.params.map((p) => `${p.in}:${p.name}`)).toEqual(['query:author', 'query:limit']);
    const order = get(nethttp, 'POST /api/orders');
    expect(order.params.find((p) => p.in === 'header')?.name).toBe('Idempotency-Key');
    expect(order.volatile.map((v) => v.field)).toEqual(['$.id', '$.placed_at']);
    // GET /healthz has no explicit status: it writes a body, so 200
    expect(get(nethttp, 'GET /healthz').outcomes).toContainEqual({ status: 200, evidence: 'cmd/server/main.go:38' });
  });

  it('gin: app, group and handler level guards; binding tags; :param and *wildcard paths', () => {
    const del = get(gin, 'DELETE /api/v1/projects/{id}');
    expect(del.guards.map((g) => `${g.kind}:${g.level}:${g.text}`)).toEqual([
      'rate_limit:app:middleware.RateLimiter(100)',
      'auth:group:middleware.JWTAuth()',
      'authz:handler:middleware.RequireRole("owner")',
    ]);
    expect(del.outcomes).toContainEqual({
      status: 404,
      when: 'errors.Is(err, store.ErrNotFound)',
      body: { error: 'project not found' },
      evidence: 'internal/handlers/projects.go:79',
    });
    const create = get(gin, 'POST /api/v1/projects');
    expect(create.params).toContainEqual({
      name: 'name',
      in: 'body',
      type: 'string',
      required: true,
      validations: ['required', 'min=3', 'max=80'],
      evidence: 'internal/handlers/projects.go:24',
    });
    expect(create.volatile.map((v) => v.field)).toEqual(['$.id', '$.created_at']);
    const cache = get(gin, '* /admin/cache/{key*}');
    expect(cache.guards.map((g) => `${g.kind}:${g.level}`)).toEqual(['rate_limit:app', 'auth:group', 'authz:group']);
    const update = get(gin, 'PATCH /api/v1/projects/{id}/tasks/{taskID}');
    expect(update.outcomes.find((o) => o.status === 409)?.when).toBe('case errors.Is(err, store.ErrVersionConflict)');
    expect(update.params.map((p) => `${p.in}:${p.name}`)).toEqual(['body:title', 'body:done', 'header:If-Match', 'path:taskID']);
    // the store's uuid is assigned to t.ID of a store.Task
    expect(
      get(gin, 'POST /api/v1/projects/{id}/tasks')
        .volatile.map((v) => v.field)
        .sort(),
    ).toEqual(['$.created_at', '$.id']);
  });

  it('chi: Route/Group/Mount nesting, With at handler level, regex params stripped', () => {
    const cancel = get(chi, 'DELETE /v1/orders/{orderID}');
    expect(cancel.guards.map((g) => `${g.kind}:${g.level}`)).toEqual(['rate_limit:app', 'auth:group', 'auth:group', 'authz:handler']);
    expect(cancel.params).toEqual([{ name: 'orderID', in: 'path', required: true, type: 'integer', evidence: 'internal/api/orders.go:94' }]);
    expect(get(chi, 'POST /v1/items').guards.at(-1)).toEqual({
      kind: 'authz',
      text: 'auth.RequireScope("items:write")',
      level: 'group',
      evidence: 'internal/api/items.go:37',
    });
    expect(get(chi, 'GET /admin/stock-report').guards.map((g) => `${g.kind}:${g.level}:${g.text}`)).toContain('authz:group:auth.AdminOnly');
  });

  it('echo: groups with middleware, per-route middleware, echo.ErrNotFound and NewHTTPError', () => {
    const put = get(echo, 'PUT /api/patients/{id}');
    expect(put.guards.map((g) => `${g.kind}:${g.level}`)).toEqual(['rate_limit:app', 'auth:group', 'authz:handler']);
    expect(put.params.find((p) => p.in === 'header')?.name).toBe('If-Match');
    expect(get(echo, 'GET /api/patients/{id}').outcomes.map((o) => o.status)).toEqual([404, 200]);
    expect(get(echo, '* /admin/sync').guards.find((g) => g.level === 'group')?.kind).toBe('auth');
    expect(get(echo, 'POST /api/patients').params.find((p) => p.name === 'email')?.validations).toEqual(['required', 'email']);
  });

  it('hashes the handler with its helpers: a change in a called helper changes the hash', () => {
    const dir = join(FIXTURES, 'go-nethttp');
    const base = projectFrom(dir);
    const changed: SourceProject = {
      ...base,
      read: (f) => (f === 'internal/api/orders.go' ? base.read(f).replace('return errPaymentDeclined', 'return nil') : base.read(f)),
    };
    const before = get(run(netHttpExtractor, base).facts, 'POST /api/orders').source_hash;
    const after = run(netHttpExtractor, changed).facts;
    expect(get(after, 'POST /api/orders').source_hash).not.toBe(before);
    expect(get(after, 'GET /api/books').source_hash).toBe(get(nethttp, 'GET /api/books').source_hash);
  });
});

describe('robustness', () => {
  it('warns about a syntax error at its line and still extracts the routes the tree allows', () => {
    const project = inMemory({
      'go.mod': 'module example.com/x\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n',
      'main.go': [
        'package main',
        '',
        'import "github.com/gin-gonic/gin"',
        '',
        'func main() {',
        '\tr := gin.Default()',
        '\tr.GET("/ok", ok)',
        '\tr.Run()',
        '}',
        '',
        'func ok(c *gin.Context) { c.JSON(200, gin.H{"ok": true}) }',
        '',
        'func broken(c *gin.Context) {',
        '\tif x := ; {',
        '}',
      ].join('\n'),
    });
    const { facts, warnings } = run(ginExtractor, project);
    expect(facts.map(routeKey)).toEqual(['GET /ok']);
    expect(facts[0]!.outcomes).toEqual([{ status: 200, body: { ok: true }, evidence: 'main.go:11' }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ file: 'main.go', line: 14 });
  });

  it('never throws, even when files cannot be read', () => {
    const project: SourceProject = {
      root: '/virtual',
      files: ['go.mod', 'main.go'],
      read: () => {
        throw new Error('EACCES');
      },
    };
    for (const e of [netHttpExtractor, ginExtractor, chiExtractor, echoExtractor]) {
      expect(() => e.detect(project)).not.toThrow();
      expect(e.detect(project)).toBe(false);
      expect(() => run(e, project)).not.toThrow();
    }
  });

  it('resolves constants in the same package and warns instead of guessing', () => {
    const project = inMemory({
      'main.go': [
        'package main',
        '',
        'import (',
        '\t"net/http"',
        '\t"os"',
        ')',
        '',
        'const usersPath = "/users/"',
        '',
        'func main() {',
        '\thttp.HandleFunc("POST "+usersPath+"{id}", update)',
        '\thttp.HandleFunc(os.Args[1], update)',
        '\thttp.ListenAndServe(":8080", nil)',
        '}',
        '',
        'func update(w http.ResponseWriter, r *http.Request) {',
        '\tif r.PathValue("id") == "" {',
        '\t\thttp.NotFound(w, r)',
        '\t\treturn',
        '\t}',
        '\tw.WriteHeader(http.StatusAccepted)',
        '}',
      ].join('\n'),
    });
    expect(netHttpExtractor.detect(project)).toBe(true);
    const { facts, warnings } = run(netHttpExtractor, project);
    expect(facts.map(routeKey)).toEqual(['POST /users/{id}']);
    expect(facts[0]!.outcomes.map((o) => [o.status, o.when])).toEqual([
      [404, 'r.PathValue("id") == ""'],
      [202, undefined],
    ]);
    expect(warnings).toEqual([{ file: 'main.go', line: 12, message: 'cannot resolve route path statically' }]);
  });
});

describe('paths', () => {
  it('converts each framework to spec templates, catch-alls spanning segments', () => {
    expect(convertPath('gin', '/files/*filepath')).toBe('/files/{filepath*}');
    expect(convertPath('echo', '/static/*')).toBe('/static/{wildcard*}');
    expect(convertPath('chi', '/assets/*')).toBe('/assets/{wildcard*}');
    expect(convertPath('gin', '/users/:id/posts/:postID')).toBe('/users/{id}/posts/{postID}');
    expect(convertPath('echo', '/users/:id')).toBe('/users/{id}');
    expect(convertPath('chi', '/articles/{slug:[a-z-]+}/{id:[0-9]{1,6}}')).toBe('/articles/{slug}/{id}');
    expect(parseServeMuxPattern('GET /static/{path...}')).toEqual({ method: 'GET', path: '/static/{path*}' });
    expect(parseServeMuxPattern('/{$}')).toEqual({ method: '*', path: '/' });
    expect(parseServeMuxPattern('POST example.com/hooks/{id}')).toEqual({ method: 'POST', path: '/hooks/{id}' });
    expect(joinPaths(['/api/', '/v1', '', '/users/'])).toBe('/api/v1/users');
    expect(joinPaths(['', '/'])).toBe('/');
  });
});
