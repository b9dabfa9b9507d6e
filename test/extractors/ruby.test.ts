import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inMemoryProject, loadSourceProject } from '../../extractors/project.js';
import { railsExtractor, sinatraExtractor } from '../../extractors/ruby/index.js';
import type { EndpointFacts, ExtractionWarning, Extractor, SourceProject } from '../../extractors/types.js';
import { ExtractedSchema } from '../../src/spec/schema.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

interface ExpectedRoute {
  method: string;
  path: string;
  handler: string;
  guards: string[];
  outcomes: number[];
  side_effects: string[];
}
interface Expected {
  framework: string;
  routes: ExpectedRoute[];
  warnings: ExtractionWarning[];
}

function run(extractor: Extractor, project: SourceProject) {
  const warnings: ExtractionWarning[] = [];
  const progressed: string[] = [];
  const endpoints = extractor.extract({ project, warn: (w) => warnings.push(w), progress: (f) => progressed.push(f) });
  return { endpoints, warnings, progressed };
}

const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;
const uniqueSorted = <T>(xs: T[]) => [...new Set(xs)].sort();

/** Every `file:line` / `file:a-b` an endpoint cites, handler included. */
function evidenceOf(e: EndpointFacts): string[] {
  return [e.handler, ...[...e.params, ...e.guards, ...e.outcomes, ...e.side_effects, ...e.volatile].map((x) => x.evidence).filter((x): x is string => !!x)];
}

function in_(root: string, evidence: string): boolean {
  const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(evidence);
  if (!m) return false;
  const full = path.join(root, m[1]!);
  if (!fs.existsSync(full)) return false;
  const lines = fs.readFileSync(full, 'utf8').split('\n').length;
  const a = Number(m[2]);
  const b = Number(m[3] ?? m[2]);
  return a >= 1 && a <= b && b <= lines;
}

for (const [name, extractor, other] of [
  ['rails', railsExtractor, sinatraExtractor],
  ['sinatra', sinatraExtractor, railsExtractor],
] as const) {
  describe(`${name} extractor on test/fixtures/ruby-${name}`, () => {
    const root = path.join(FIXTURES, `ruby-${name}`);
    const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8')) as Expected;
    const project = loadSourceProject(root);
    const { endpoints, warnings, progressed } = run(extractor, project);
    const byKey = new Map(endpoints.map((e) => [key(e), e]));

    it('detects its own fixture and not the other one', () => {
      expect(extractor.detect(project)).toBe(true);
      expect(other.detect(project)).toBe(false);
      expect(extractor.name).toBe(name);
      expect(extractor.language).toBe('ruby');
    });

    it('finds every route and nothing else (recall and precision 1.0)', () => {
      const want = new Set(expected.routes.map(key));
      const got = new Set(endpoints.map(key));
      const hits = [...got].filter((k) => want.has(k)).length;
      expect({ recall: hits / want.size, precision: hits / got.size }).toEqual({ recall: 1, precision: 1 });
      expect(endpoints).toHaveLength(got.size);
      expect(endpoints.every((e) => e.framework === name)).toBe(true);
    });

    it('reads each route’s handler, guards, outcomes and side effects', () => {
      for (const route of expected.routes) {
        const e = byKey.get(key(route))!;
        expect({ route: key(route), handler: e.handler }).toEqual({ route: key(route), handler: route.handler });
        expect({ route: key(route), guards: uniqueSorted(e.guards.map((g) => g.text)) }).toEqual({ route: key(route), guards: route.guards });
        expect({ route: key(route), outcomes: uniqueSorted(e.outcomes.map((o) => o.status)).sort((a, b) => a - b) }).toEqual({
          route: key(route),
          outcomes: route.outcomes,
        });
        expect({ route: key(route), side_effects: uniqueSorted(e.side_effects.map((s) => `${s.kind} ${s.target}`)) }).toEqual({
          route: key(route),
          side_effects: route.side_effects,
        });
      }
    });

    it('warns about exactly what it could not resolve, with file and line', () => {
      const sorted = (ws: ExtractionWarning[]) => [...ws].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
      expect(sorted(warnings)).toEqual(sorted(expected.warnings));
    });

    it('cites evidence that exists, in the shape the spec schema accepts', () => {
      for (const e of endpoints) {
        for (const ev of evidenceOf(e)) expect({ route: key(e), ev, exists: in_(root, ev) }).toEqual({ route: key(e), ev, exists: true });
        const { method: _m, path: _p, ...extracted } = e;
        expect(ExtractedSchema.safeParse(extracted).success, key(e)).toBe(true);
        expect(e.source_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
    });

    it('is deterministic, sorted by path then method, and reports progress once per file', () => {
      const again = run(extractor, loadSourceProject(root));
      expect(again.endpoints).toEqual(endpoints);
      expect(again.warnings).toEqual(warnings);
      const order = endpoints.map((e) => [e.path, e.method]);
      expect(order).toEqual([...order].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0)));
      expect(progressed).toEqual([...project.files]);
    });
  });
}

describe('rails specifics', () => {
  const root = path.join(FIXTURES, 'ruby-rails');
  const { endpoints } = run(railsExtractor, loadSourceProject(root));
  const get = (k: string) => endpoints.find((e) => key(e) === k)!;

  it('inherits before_action from Api::BaseController and honours skip_before_action for one action', () => {
    const auth = get('GET /api/v1/users').guards.find((g) => g.text === 'before_action :authenticate_user!');
    expect(auth).toEqual({
      kind: 'auth',
      text: 'before_action :authenticate_user!',
      level: 'controller',
      evidence: 'app/controllers/api/base_controller.rb:3',
    });
    expect(get('POST /api/v1/users').guards).toEqual([]);
    expect(get('POST /api/v1/users').outcomes.map((o) => o.status)).not.toContain(401);
    expect(get('DELETE /api/v1/users/{id}').guards.map((g) => [g.kind, g.text])).toEqual([
      ['auth', 'before_action :authenticate_user!'],
      ['authz', 'before_action :require_admin!'],
    ]);
    expect(get('GET /api/v1/users/{id}').guards.map((g) => g.text)).not.toContain('before_action :require_admin!');
  });

  it('reads outcomes with their conditions and literal bodies, filters included', () => {
    const pay = get('POST /api/v1/payments');
    expect(pay.outcomes).toContainEqual({
      status: 409,
      when: 'Payment.exists?(idempotency_key: key)',
      body: { error: 'duplicate payment' },
      evidence: 'app/controllers/api/v1/payments_controller.rb:9',
    });
    expect(pay.outcomes).toContainEqual({ status: 401, when: '!current_user', evidence: 'app/controllers/api/base_controller.rb:8' });
    expect(get('DELETE /api/v1/users/{id}').outcomes).toContainEqual({
      status: 404,
      when: 'record not found',
      evidence: 'app/controllers/api/v1/users_controller.rb:59',
    });
    expect(get('GET /docs').outcomes).toEqual([{ status: 301, body: { location: 'https://developer.example.com/api' }, evidence: 'config/routes.rb:45' }]);
  });

  it('reads params: strong params, path params, headers, query', () => {
    const create = get('POST /api/v1/users/{user_id}/posts');
    expect(create.params.map((p) => `${p.in}:${p.name}`)).toEqual(['path:user_id', 'body:body', 'body:tags', 'body:title', 'header:Authorization']);
    expect(create.params.find((p) => p.name === 'tags')?.type).toBe('array');
    expect(get('GET /api/v1/users/search').params.map((p) => `${p.in}:${p.name}`)).toContain('query:q');
    // event = JSON.parse(request.raw_post); event['type'] reads the raw JSON body.
    expect(get('POST /hooks/stripe').params).toEqual([
      { name: 'type', in: 'body', evidence: 'app/controllers/webhooks_controller.rb:14' },
      { name: 'Stripe-Signature', in: 'header', evidence: 'app/controllers/webhooks_controller.rb:7' },
    ]);
  });

  it('reads volatile values with the field they land in', () => {
    expect(get('GET /api/v1/profile').volatile).toEqual([
      { field: '$.server_time', reason: 'current time (Time.current)', evidence: 'app/controllers/api/v1/profiles_controller.rb:7' },
    ]);
    expect(get('POST /api/v1/users').volatile.map((v) => v.field)).toEqual(['$.api_token']);
  });

  it('keeps new/edit of resources only when the controller defines them, and maps via: :all to *', () => {
    expect(endpoints.some((e) => /\/(new|edit)$/.test(e.path) && e.path.startsWith('/api'))).toBe(false);
    expect(get('* /ping').handler).toBe('app/controllers/home_controller.rb:10-12');
  });

  it('changes the source hash when a helper the action calls changes', () => {
    const project = loadSourceProject(root);
    const changed = inMemoryProject(
      root,
      (f) =>
        f === 'app/controllers/api/v1/users_controller.rb'
          ? project.read(f).replace('User.find(params[:id])', 'User.find_by!(id: params[:id])')
          : project.read(f),
      project.files,
    );
    const after = run(railsExtractor, changed).endpoints;
    const hash = (es: EndpointFacts[], k: string) => es.find((e) => key(e) === k)!.source_hash;
    expect(hash(after, 'GET /api/v1/users/{id}')).not.toBe(hash(endpoints, 'GET /api/v1/users/{id}'));
    expect(hash(after, 'GET /api/v1/users')).toBe(hash(endpoints, 'GET /api/v1/users'));
  });
});

describe('small projects', () => {
  const project = (files: Record<string, string>) => inMemoryProject('/virtual', (f) => files[f] ?? '', Object.keys(files));

  it('converts simple Sinatra regex routes and warns on syntax errors without stopping', () => {
    const p = project({
      'app.rb': "require 'sinatra'\n\nget %r{/posts/(?<id>\\d+)} do\n  halt 404 unless Post.exists?(params[:id])\n  'ok'\nend\n",
      'broken.rb': "require 'sinatra'\n\nget '/fine' do\n  'fine'\nend\n\ndef oops(\n",
    });
    expect(sinatraExtractor.detect(p)).toBe(true);
    const { endpoints, warnings } = run(sinatraExtractor, p);
    expect(endpoints.map(key)).toEqual(['GET /fine', 'GET /posts/{id}']);
    expect(endpoints[1]!.outcomes.map((o) => o.status)).toEqual([200, 404]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.file).toBe('broken.rb');
    expect(warnings[0]!.line).toBeGreaterThanOrEqual(7);
  });

  it('reads a Rails app with no Gemfile from config/routes.rb and never throws on odd input', () => {
    const p = project({
      'config/routes.rb':
        "Rails.application.routes.draw do\n  resources :photos, only: :show\n  get path_for(:x), to: 'a#b'\n  scope module: 'admin' do\n    resource :settings\n  end\nend\n",
      'app/controllers/photos_controller.rb': 'class PhotosController < ApplicationController\n  def show\n    head :ok\n  end\nend\n',
    });
    expect(railsExtractor.detect(p)).toBe(true);
    expect(sinatraExtractor.detect(p)).toBe(false);
    const { endpoints, warnings } = run(railsExtractor, p);
    expect(endpoints.map(key)).toEqual(['GET /photos/{id}', 'DELETE /settings', 'GET /settings', 'PATCH /settings', 'POST /settings', 'PUT /settings']);
    expect(warnings.map((w) => `${w.file}:${w.line} ${w.message}`)).toContain('config/routes.rb:3 cannot resolve route path statically');
    expect(warnings.map((w) => w.message)).toContain('controller Admin::SettingsController not found');
  });
});
