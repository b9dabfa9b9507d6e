import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expressExtractor } from '../../extractors/javascript/express.js';
import { inMemoryProject, loadSourceProject } from '../../extractors/project.js';
import type { EndpointFacts, ExtractionWarning, SourceProject } from '../../extractors/types.js';
import { loadSpecs } from '../../src/spec/load.js';

const FIXTURE = path.resolve('test/fixtures/express-app');
const BILLING = path.resolve('examples/billing/legacy');

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

function run(project: SourceProject): { endpoints: EndpointFacts[]; warnings: ExtractionWarning[]; progressed: string[] } {
  const warnings: ExtractionWarning[] = [];
  const progressed: string[] = [];
  const endpoints = expressExtractor.extract({ project, warn: (w) => warnings.push(w), progress: (f) => progressed.push(f) });
  return { endpoints, warnings, progressed };
}

const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;
const statuses = (e: EndpointFacts) => [...new Set(e.outcomes.map((o) => o.status))].sort((a, b) => a - b);

/** Every evidence string of an endpoint: `file:line` or `file:start-end`. */
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

describe('express extractor: the multi-file fixture app', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
  const project = loadSourceProject(FIXTURE);
  const { endpoints, warnings, progressed } = run(project);

  it('detects express', () => {
    expect(expressExtractor.detect(project)).toBe(true);
    expect(expressExtractor.detect(inMemoryProject('/x', () => 'const http = require("http");', ['a.js']))).toBe(false);
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
    }).toEqual({
      recall: 1,
      precision: 1,
      missing: [],
      extra: [],
    });
  });

  it('resolves handlers, guards, outcome statuses, side effects and volatile fields per route', () => {
    for (const want of expected.routes) {
      const got = endpoints.find((e) => key(e) === key(want))!;
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
      expect(got.framework).toBe('express');
      expect(got.source_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('reads params, bodies and conditions', () => {
    const create = endpoints.find((e) => key(e) === 'POST /api/users')!;
    expect(create.params.map((p) => `${p.in}:${p.name}`)).toEqual(['body:email', 'body:name']);
    expect(create.params.find((p) => p.name === 'name')).toMatchObject({ required: true, validations: ['!name'] });
    expect(create.outcomes.find((o) => o.status === 409)).toMatchObject({
      body: { error: { code: 'conflict', message: 'email already registered' } },
      evidence: 'controllers/users.cjs:24',
    });
    const show = endpoints.find((e) => key(e) === 'GET /api/users/{id}')!;
    expect(show.params).toEqual([{ name: 'id', in: 'path', type: 'string', required: true, evidence: 'routes/users.cjs:13' }]);
    expect(show.outcomes.find((o) => o.status === 404)).toEqual({
      status: 404,
      when: '!user',
      body: { error: { code: 'not_found', message: 'No such user: <req.params.id>' } },
      evidence: 'controllers/users.cjs:35',
    });
    const order = endpoints.find((e) => key(e) === 'POST /api/orders')!;
    expect(order.params).toContainEqual(expect.objectContaining({ name: 'quantity', in: 'body', type: 'integer' }));
    expect(order.params).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    const list = endpoints.find((e) => key(e) === 'GET /api/users')!;
    expect(list.params).toEqual([expect.objectContaining({ name: 'limit', in: 'query', type: 'integer' })]);
  });

  it('warns about the computed path and the optional parameter, with file:line', () => {
    for (const w of expected.warnings) {
      expect(warnings, JSON.stringify(w)).toContainEqual(expect.objectContaining({ file: w.file, line: w.line, message: expect.stringContaining(w.contains) }));
    }
    expect(warnings).toHaveLength(expected.warnings.length);
  });

  it('reports progress once per source file', () => {
    expect(progressed).toEqual(project.files.filter((f) => /\.(c|m)?js$/.test(f)));
  });

  it('is deterministic', () => {
    expect(run(loadSourceProject(FIXTURE)).endpoints).toEqual(endpoints);
    expect(endpoints.map(key)).toEqual([...endpoints].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.method < b.method ? -1 : 1)).map(key));
  });

  it('cites evidence that exists', () => {
    expectEvidenceResolves(FIXTURE, endpoints);
  });
});

describe('express extractor: constructs it cannot resolve are warnings, never exceptions', () => {
  const files: Record<string, string> = {
    'server.js': [
      "const express = require('express');",
      'const app = express();',
      'app.get(/^\\/re+gex$/, (req, res) => res.json({}));',
      "app.get('/ok', require('some-lib').handler);",
      "app.get('/broken', (req, res) => { res.status(418).send('teapot') ;",
    ].join('\n'),
    'other.js': 'function (',
  };
  const project = inMemoryProject('/mem', (f) => files[f]!, Object.keys(files));

  it('warns and carries on', () => {
    const { endpoints, warnings } = run(project);
    expect(endpoints.map(key)).toEqual(['GET /broken', 'GET /ok']);
    expect(endpoints[0]!.outcomes.map((o) => o.status)).toEqual([418]);
    const messages = warnings.map((w) => `${w.file}:${w.line} ${w.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:3 cannot resolve route path statically/));
    expect(messages).toContainEqual(expect.stringMatching(/^server\.js:4 cannot resolve the handler/));
    expect(messages).toContainEqual(expect.stringMatching(/^other\.js:1 does not parse/));
  });
});

describe('express extractor: the billing legacy', () => {
  const project = loadSourceProject(BILLING);
  const { endpoints, warnings } = run(project);
  const specs = loadSpecs(path.resolve('specs/billing'), process.cwd()).specs;
  const erased = (e: { method: string; path: string }) => `${e.method} ${e.path.replace(/\{[^}]+\}/g, '{}')}`;
  const byRoute = new Map(endpoints.map((e) => [erased(e), e]));

  it('finds exactly the 15 routes of the specs', () => {
    expect(specs).toHaveLength(15);
    expect([...byRoute.keys()].sort()).toEqual(specs.map((s) => s.endpoint.routeKey).sort());
    expect(endpoints).toHaveLength(15);
    expect(warnings.filter((w) => /route|router|handler/.test(w.message))).toEqual([]);
  });

  it('agrees with the specs on handlers', () => {
    for (const s of specs) expect(byRoute.get(s.endpoint.routeKey)!.handler, s.spec.endpoint).toBe(s.spec.extracted!.handler);
  });

  it('sees requireApiKey as auth on every route but the provider webhook', () => {
    for (const e of endpoints) {
      const auth = e.guards.filter((g) => g.kind === 'auth');
      if (key(e) === 'POST /webhooks/provider') expect(auth).toEqual([]);
      else
        expect(
          auth.map((g) => g.text),
          key(e),
        ).toEqual(['requireApiKey']);
    }
    // requireApiKey answers 401 without a key: required.
    expect(byRoute.get('GET /customers')!.guards).toContainEqual({
      kind: 'auth',
      text: 'requireApiKey',
      level: 'router',
      required: true,
      evidence: 'routes/customers.js:10',
    });
    expect(byRoute.get('GET /payments/{}')!.guards).toContainEqual({
      kind: 'auth',
      text: 'requireApiKey',
      level: 'handler',
      required: true,
      evidence: 'routes/payments.js:13',
    });
  });

  it('has the rate limit on POST /payments only', () => {
    const limited = endpoints.filter((e) => e.guards.some((g) => g.kind === 'rate_limit'));
    expect(limited.map(key)).toEqual(['POST /payments']);
    expect(limited[0]!.guards.find((g) => g.kind === 'rate_limit')).toMatchObject({ text: 'paymentsRateLimit', level: 'handler' });
  });

  it('covers every outcome status the specs list', () => {
    const misses: string[] = [];
    for (const s of specs) {
      const got = new Set(statuses(byRoute.get(s.endpoint.routeKey)!));
      for (const o of s.spec.extracted?.outcomes ?? []) if (!got.has(o.status)) misses.push(`${s.spec.endpoint}: ${o.status} (${o.when ?? ''})`);
    }
    expect(misses, `outcome statuses the extractor misses:\n${misses.join('\n')}`).toEqual([]);
  });

  it('finds the outbox side effects (email/job) where the specs list them', () => {
    for (const s of specs) {
      const got = byRoute.get(s.endpoint.routeKey)!;
      const wanted = (s.spec.extracted?.side_effects ?? []).filter((x) => x.kind === 'email' || x.kind === 'job');
      const found = got.side_effects.filter((x) => x.kind === 'email' || x.kind === 'job');
      expect(found.map((x) => x.kind).sort(), s.spec.endpoint).toEqual(wanted.map((x) => x.kind).sort());
      for (const w of wanted) {
        const topic = /outbox (\S+)/.exec(w.target)?.[1];
        expect(
          found.map((x) => x.target),
          s.spec.endpoint,
        ).toContainEqual(expect.stringContaining(topic!));
      }
    }
  });

  it('finds the SQL tables written', () => {
    expect(byRoute.get('POST /customers')!.side_effects).toContainEqual({ kind: 'db_write', target: 'customers', evidence: 'controllers/customers.js:92' });
    expect(
      byRoute
        .get('POST /payments/{}/refunds')!
        .side_effects.filter((x) => x.kind === 'db_write')
        .map((x) => x.target),
    ).toEqual(['refunds', 'payments', 'outbox']);
    expect(byRoute.get('POST /customers')!.volatile.map((v) => v.field)).toEqual(['$.id', '$.created']);
  });

  it('cites evidence that exists', () => {
    expectEvidenceResolves(BILLING, endpoints);
  });
});
