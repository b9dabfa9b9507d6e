import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { fastifyExtractor } from '../../extractors/javascript/fastify.js';
import { koaExtractor } from '../../extractors/javascript/koa.js';
import { nestjsExtractor } from '../../extractors/javascript/nestjs.js';
import { inMemoryProject, loadSourceProject } from '../../extractors/project.js';
import type { EndpointFacts, ExtractionWarning, Extractor, SourceProject } from '../../extractors/types.js';
import { ExtractedSchema } from '../../src/spec/schema.js';

const FIXTURES = {
  koa: path.resolve('test/fixtures/koa-app'),
  fastify: path.resolve('test/fixtures/fastify-app'),
  nestjs: path.resolve('test/fixtures/nest-app'),
  express: path.resolve('test/fixtures/express-app'),
};

interface ExpectedRoute {
  method: string;
  path: string;
  handler: string;
  guards: Array<{ kind: string; text: string; level: string }>;
  statuses: number[];
  side_effects: Array<{ kind: string; target: string }>;
  volatile: string[];
}
interface Expected {
  routes: ExpectedRoute[];
  warnings: Array<{ file: string; line: number; contains: string }>;
}

function run(extractor: Extractor, project: SourceProject): { endpoints: EndpointFacts[]; warnings: ExtractionWarning[]; progressed: string[] } {
  const warnings: ExtractionWarning[] = [];
  const progressed: string[] = [];
  const endpoints = extractor.extract({ project, warn: (w) => warnings.push(w), progress: (f) => progressed.push(f) });
  return { endpoints, warnings, progressed };
}

const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;
const statuses = (e: EndpointFacts) => [...new Set(e.outcomes.map((o) => o.status))].sort((a, b) => a - b);
const find = (endpoints: EndpointFacts[], k: string) => {
  const found = endpoints.find((e) => key(e) === k);
  expect(found, k).toBeDefined();
  return found!;
};

function evidenceOf(e: EndpointFacts): string[] {
  return [
    e.handler,
    ...e.params.map((p) => p.evidence),
    ...e.guards.map((g) => g.evidence),
    ...e.outcomes.map((o) => o.evidence),
    ...e.side_effects.map((s) => s.evidence),
    ...e.volatile.map((v) => v.evidence),
  ].filter((x): x is string => x !== undefined);
}

function expectEvidenceResolves(root: string, endpoints: EndpointFacts[]): void {
  const lines = new Map<string, number>();
  for (const e of endpoints) {
    for (const ev of evidenceOf(e)) {
      const m = /^([^:]+):(\d+)(?:-(\d+))?$/.exec(ev);
      expect(m, `evidence ${ev} of ${key(e)}`).not.toBeNull();
      const [, file, start, end] = m!;
      const full = path.join(root, file!);
      expect(fs.existsSync(full), `${ev}: ${file} exists`).toBe(true);
      if (!lines.has(file!)) lines.set(file!, fs.readFileSync(full, 'utf8').split('\n').length);
      const count = lines.get(file!)!;
      expect(Number(start), ev).toBeGreaterThanOrEqual(1);
      expect(Number(end ?? start), ev).toBeLessThanOrEqual(count);
      expect(Number(end ?? start), ev).toBeGreaterThanOrEqual(Number(start));
    }
  }
}

const EXTRACTORS: Record<'koa' | 'fastify' | 'nestjs', Extractor> = { koa: koaExtractor, fastify: fastifyExtractor, nestjs: nestjsExtractor };

/** What every fixture must meet: routes exactly, per-route facts, warnings, progress, determinism, evidence. */
function fixtureSuite(name: 'koa' | 'fastify' | 'nestjs'): { endpoints: EndpointFacts[]; warnings: ExtractionWarning[] } {
  const extractor = EXTRACTORS[name];
  const root = FIXTURES[name];
  const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8')) as Expected;
  const project = loadSourceProject(root);
  const result = run(extractor, project);
  const { endpoints, warnings, progressed } = result;

  describe(`${name} extractor: the multi-file fixture app`, () => {
    it(`detects ${name} in its own fixture only`, () => {
      for (const [other, dir] of Object.entries(FIXTURES)) {
        expect(extractor.detect(loadSourceProject(dir)), `${name}.detect(${other})`).toBe(other === name);
      }
      expect(extractor.detect(inMemoryProject('/x', () => 'const http = require("http");', ['a.js']))).toBe(false);
    });

    it('finds every route and nothing else (recall and precision 1.0)', () => {
      const found = new Set(endpoints.map(key));
      const wanted = new Set(expected.routes.map(key));
      const hits = [...found].filter((k) => wanted.has(k)).length;
      expect({
        recall: hits / wanted.size,
        precision: hits / found.size,
        missing: [...wanted].filter((k) => !found.has(k)),
        extra: [...found].filter((k) => !wanted.has(k)),
      }).toEqual({ recall: 1, precision: 1, missing: [], extra: [] });
      expect(endpoints).toHaveLength(expected.routes.length);
    });

    it('resolves handlers, guards, outcome statuses, side effects and volatile fields per route', () => {
      for (const want of expected.routes) {
        const got = find(endpoints, key(want));
        expect(got.handler, key(want)).toBe(want.handler);
        expect(
          got.guards.map(({ kind, text, level }) => ({ kind, text, level })),
          key(want),
        ).toEqual(want.guards);
        expect(statuses(got), key(want)).toEqual([...want.statuses].sort((a, b) => a - b));
        expect(
          got.side_effects.map(({ kind, target }) => ({ kind, target })),
          key(want),
        ).toEqual(want.side_effects);
        expect(
          got.volatile.map((v) => v.field),
          key(want),
        ).toEqual(want.volatile);
        expect(got.framework).toBe(name);
        expect(got.source_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
    });

    it('writes facts the spec format accepts', () => {
      for (const e of endpoints) {
        const { method: _m, path: _p, ...extracted } = e;
        expect(ExtractedSchema.safeParse(extracted).success, key(e)).toBe(true);
      }
    });

    it('warns about what it cannot resolve, with file:line', () => {
      for (const w of expected.warnings) {
        expect(warnings, JSON.stringify(w)).toContainEqual(
          expect.objectContaining({ file: w.file, line: w.line, message: expect.stringContaining(w.contains) }),
        );
      }
      expect(warnings).toHaveLength(expected.warnings.length);
    });

    it('reports progress once per source file', () => {
      expect(progressed).toEqual(project.files.filter((f) => /\.(c|m)?(j|t)s$/.test(f)));
    });

    it('is deterministic and sorted by path, then method', () => {
      expect(run(extractor, loadSourceProject(root))).toEqual(result);
      expect(endpoints.map(key)).toEqual([...endpoints].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.method < b.method ? -1 : 1)).map(key));
    });

    it('cites evidence that exists', () => {
      expectEvidenceResolves(root, endpoints);
    });
  });
  return { endpoints, warnings };
}

describe('the javascript extractors are registered after express', () => {
  it('lists koa, fastify and nestjs right after express', () => {
    const names = ALL_EXTRACTORS.map((e) => e.name);
    expect(names.slice(names.indexOf('express'), names.indexOf('express') + 4)).toEqual(['express', 'koa', 'fastify', 'nestjs']);
  });
});

// ---- koa

const koa = fixtureSuite('koa');

describe('koa extractor: params, conditions and bodies', () => {
  const { endpoints } = koa;

  it('reads body, query, path and header params', () => {
    const create = find(endpoints, 'POST /api/users');
    expect(create.params.map((p) => `${p.in}:${p.name}`)).toEqual(['body:email', 'body:name']);
    expect(create.params.find((p) => p.name === 'email')).toMatchObject({ required: true, validations: ['!email'], evidence: 'controllers/users.js:13' });
    const list = find(endpoints, 'GET /api/users');
    expect(list.params).toEqual([expect.objectContaining({ name: 'limit', in: 'query', type: 'integer' })]);
    const show = find(endpoints, 'GET /api/users/{id}');
    expect(show.params).toEqual([{ name: 'id', in: 'path', type: 'string', required: true, evidence: 'routes/users.js:10' }]);
    const order = find(endpoints, 'POST /api/orders');
    expect(order.params).toContainEqual(expect.objectContaining({ name: 'quantity', in: 'body', type: 'integer' }));
    expect(order.params).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    const update = find(endpoints, 'PUT /api/users/{id}');
    expect(update.params).toContainEqual(expect.objectContaining({ name: 'name', in: 'body', type: 'string', validations: ["typeof name !== 'string'"] }));
  });

  it('reads ctx.throw, ctx.assert, ctx.status and ctx.body, and helpers that throw', () => {
    const create = find(endpoints, 'POST /api/users');
    expect(create.outcomes).toContainEqual({ status: 409, when: '!(!existing)', body: 'email already registered', evidence: 'controllers/users.js:16' });
    expect(create.outcomes).toContainEqual(expect.objectContaining({ status: 201, evidence: 'controllers/users.js:21' }));
    expect(create.outcomes.some((o) => o.status === 200)).toBe(false);
    const show = find(endpoints, 'GET /api/users/{id}');
    expect(show.outcomes).toContainEqual({ status: 404, when: '!user', evidence: 'controllers/users.js:32' });
    const update = find(endpoints, 'PUT /api/users/{id}');
    expect(update.outcomes).toContainEqual(expect.objectContaining({ status: 400, when: "typeof name !== 'string'", evidence: 'controllers/users.js:40' }));
  });
});

describe('koa extractor: constructs it cannot resolve are warnings, never exceptions', () => {
  const files: Record<string, string> = {
    'package.json': '{"dependencies":{"koa":"2"}}',
    'server.js': [
      "import Koa from 'koa';",
      "import Router from '@koa/router';",
      'const app = new Koa();',
      "const router = new Router({ prefix: '/v1' });",
      "router.get('/files/(.*)', (ctx) => { ctx.body = 'x'; }); router.get('/raw/[abc]', (ctx) => { ctx.body = 'x'; });",
      "router.get('/items/:id?', (ctx) => { ctx.status = 204; });",
      "router.get('/ok', require('some-lib').handler);",
      'app.use(router.routes());',
      "router.get('/broken', (ctx) => { ctx.status = 418 ;",
    ].join('\n'),
    'other.js': 'function (',
  };
  const project = inMemoryProject('/mem', (f) => files[f]!, Object.keys(files));

  it('warns and carries on', () => {
    const { endpoints, warnings } = run(koaExtractor, project);
    // `(.*)` matches the rest of the path: a catch-all, kept as one; `[abc]` cannot be a template.
    expect(endpoints.map(key)).toEqual(['GET /v1/broken', 'GET /v1/files/{wildcard*}', 'GET /v1/items', 'GET /v1/items/{id}', 'GET /v1/ok']);
    const messages = warnings.map((w) => `${w.file}:${w.line} ${w.message}`);
    expect(messages).toContainEqual('server.js:5 cannot resolve route path statically: pattern "/raw/[abc]"');
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:6 optional path parameter/));
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:7 cannot resolve the handler/));
    expect(endpoints.find((e) => e.path === '/v1/broken')!.outcomes.map((o) => o.status)).toEqual([418]);
    expect(messages).toContainEqual(expect.stringMatching(/^other\.js:1 does not parse/));
  });
});

// ---- fastify

const fastify = fixtureSuite('fastify');

describe('fastify extractor: schemas, replies and plugins', () => {
  const { endpoints } = fastify;

  it('turns JSON schemas into typed params with required and validations', () => {
    const create = find(endpoints, 'POST /api/users');
    expect(create.params).toEqual([
      { name: 'email', in: 'body', type: 'string', required: true, validations: ["format: 'email'"], evidence: 'schemas/users.js:21' },
      { name: 'name', in: 'body', type: 'string', required: true, validations: ['minLength: 2', 'maxLength: 80'], evidence: 'schemas/users.js:22' },
      { name: 'role', in: 'body', type: 'string', required: false, validations: ["enum: ['member', 'admin']"], evidence: 'schemas/users.js:23' },
    ]);
    const list = find(endpoints, 'GET /api/users');
    expect(list.params).toEqual([
      expect.objectContaining({ name: 'limit', in: 'query', type: 'integer', required: false, validations: ['minimum: 1', 'maximum: 100'] }),
    ]);
    const show = find(endpoints, 'GET /api/users/{id}');
    expect(show.params).toEqual([expect.objectContaining({ name: 'id', in: 'path', type: 'string', required: true, validations: ["format: 'uuid'"] })]);
  });

  it('reads reply.code().send(), reply.notFound(), http errors, statusCode errors in helpers, and the response schema', () => {
    const show = find(endpoints, 'GET /api/users/{id}');
    expect(show.outcomes).toContainEqual({ status: 404, when: '!user', body: 'user not found', evidence: 'routes/users.js:19' });
    const create = find(endpoints, 'POST /api/users');
    expect(create.outcomes).toContainEqual({ status: 409, when: 'existing', body: 'email already registered', evidence: 'handlers/users.js:9' });
    expect(create.outcomes).toContainEqual({ status: 201, evidence: 'handlers/users.js:14' });
    const cancel = find(endpoints, 'POST /api/orders/{orderId}/cancel');
    expect(cancel.outcomes).toContainEqual({ status: 404, when: '!order', evidence: 'routes/orders.js:21' });
    const put = find(endpoints, 'PUT /api/users/{id}');
    expect(put.outcomes).toContainEqual(expect.objectContaining({ status: 403, when: '!request.user?.roles?.includes(role)' }));
  });

  it('resolves decorated auth (fastify.authenticate) to the function decorate() was given', () => {
    const list = find(endpoints, 'GET /api/users');
    expect(list.guards).toContainEqual({ kind: 'auth', text: 'app.authenticate', level: 'router', required: true, evidence: 'routes/users.js:7' });
    expect(list.outcomes).toContainEqual({ status: 401, body: { error: 'unauthorized' }, evidence: 'plugins/auth.js:11' });
  });
});

describe('fastify extractor: constructs it cannot resolve are warnings, never exceptions', () => {
  const files: Record<string, string> = {
    'server.js': [
      "import Fastify from 'fastify';",
      'const app = Fastify();',
      "app.get('/files/*', async () => 'x'); app.get('/raw/[abc]', async () => 'x');",
      "app.register(async (api) => { api.get('/items', async (req, reply) => reply.code(202).send()); }, { prefix: process.env.API_PREFIX });",
      "app.get('/ok', require('some-lib').handler);",
      "app.route({ method: ['GET', 'HEAD'], url: '/both', handler: async () => ({}) });",
    ].join('\n'),
    'other.js': 'function (',
  };
  const project = inMemoryProject('/mem', (f) => files[f]!, Object.keys(files));

  it('warns and carries on', () => {
    const { endpoints, warnings } = run(fastifyExtractor, project);
    expect(endpoints.map(key)).toEqual(['GET /both', 'HEAD /both', 'GET /files/{wildcard*}', 'GET /ok']);
    const messages = warnings.map((w) => `${w.file}:${w.line} ${w.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:3 cannot resolve route path statically: pattern "\/raw\/\[abc\]"/));
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:4 cannot resolve route path statically: plugin prefix/));
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:5 cannot resolve the handler/));
    expect(messages).toContainEqual(expect.stringMatching(/^other\.js:1 does not parse/));
  });
});

// ---- nestjs

const nest = fixtureSuite('nestjs');

describe('nestjs extractor: decorators, DTOs and services', () => {
  const { endpoints } = nest;

  it('reads @Param pipes, @Query, @Headers and DTO properties with class-validator rules', () => {
    const show = find(endpoints, 'GET /api/users/{id}');
    expect(show.params).toEqual([
      { name: 'id', in: 'path', type: 'integer', required: true, validations: ['ParseIntPipe'], evidence: 'src/users/users.controller.ts:34' },
    ]);
    const create = find(endpoints, 'POST /api/users');
    expect(create.params.map((p) => [p.name, p.in, p.type, p.required])).toEqual([
      ['email', 'body', 'string', true],
      ['name', 'body', 'string', true],
      ['role', 'body', 'string', false],
    ]);
    expect(create.params.find((p) => p.name === 'name')!.validations).toEqual(['IsString()', 'MinLength(3)', 'MaxLength(50)']);
    const update = find(endpoints, 'PATCH /api/users/{id}');
    expect(update.params.filter((p) => p.in === 'body').every((p) => p.required === false)).toBe(true);
    expect(update.params).toContainEqual(expect.objectContaining({ name: 'if-match', in: 'header' }));
    const order = find(endpoints, 'POST /api/orders');
    expect(order.params).toContainEqual(
      expect.objectContaining({ name: 'quantity', in: 'body', type: 'integer', validations: ['IsInt()', 'Min(1)', 'Max(10)'] }),
    );
    expect(order.params).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
  });

  it('follows injected services for exceptions, and knows @HttpCode, @Redirect and the defaults', () => {
    const show = find(endpoints, 'GET /api/users/{id}');
    expect(show.outcomes).toContainEqual({ status: 404, when: '!user', evidence: 'src/users/users.controller.ts:35' });
    const update = find(endpoints, 'PATCH /api/users/{id}');
    expect(update.outcomes).toContainEqual({ status: 409, when: 'version && version !== String(user.version)', evidence: 'src/users/users.controller.ts:47' });
    expect(find(endpoints, 'POST /api/orders').outcomes).toContainEqual(expect.objectContaining({ status: 402, when: '!charge.data.approved' }));
    expect(find(endpoints, 'DELETE /api/users/{id}').outcomes).toContainEqual({ status: 204, evidence: 'src/users/users.controller.ts:51' });
    expect(find(endpoints, 'POST /api/admin/cache/flush').outcomes).toContainEqual({ status: 303, evidence: 'src/admin/admin.controller.ts:27' });
  });

  it('exempts @Public() routes from the global auth guard', () => {
    for (const k of ['GET /api/health', '* /api/ping']) {
      const e = find(endpoints, k);
      expect(e.guards.filter((g) => g.kind === 'auth')).toEqual([]);
      expect(statuses(e)).toEqual([200]);
    }
  });
});

describe('nestjs extractor: constructs it cannot resolve are warnings, never exceptions', () => {
  const files: Record<string, string> = {
    'package.json': '{"dependencies":{"@nestjs/core":"10"}}',
    'a.controller.ts': [
      "import { Controller, Get, Post } from '@nestjs/common';",
      "@Controller(['v1/things', 'v2/things'])",
      'export class ThingsController {',
      "  @Get(':id?') one() { return 1; }",
      '  @Post(makePath()) two() { return 2; }',
      "  @Get('*') all() { return 3; }",
      '}',
    ].join('\n'),
    'other.ts': 'class {',
  };
  const project = inMemoryProject('/mem', (f) => files[f]!, Object.keys(files));

  it('warns and carries on', () => {
    const { endpoints, warnings } = run(nestjsExtractor, project);
    expect(endpoints.map(key)).toEqual([
      'GET /v1/things',
      'GET /v1/things/{id}',
      'GET /v1/things/{wildcard*}',
      'GET /v2/things',
      'GET /v2/things/{id}',
      'GET /v2/things/{wildcard*}',
    ]);
    const messages = warnings.map((w) => `${w.file}:${w.line} ${w.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^a\.controller\.ts:4 optional path parameter/));
    expect(messages).toContainEqual(expect.stringMatching(/^a\.controller\.ts:5 cannot resolve route path statically/));
    expect(messages.some((m) => m.startsWith('a.controller.ts:6'))).toBe(false);
    expect(messages).toContainEqual(expect.stringMatching(/^other\.ts:1 does not parse/));
  });
});
