import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inMemoryProject, loadSourceProject } from '../../extractors/project.js';
import { convertRegex } from '../../extractors/python/django.js';
import { djangoExtractor, fastapiExtractor, flaskExtractor } from '../../extractors/python/index.js';
import type { EndpointFacts, ExtractionWarning, Extractor, SourceProject } from '../../extractors/types.js';
import { ExtractedSchema } from '../../src/spec/schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => path.join(here, '..', 'fixtures', name);

interface ExpectedRoute {
  method: string;
  path: string;
  guards: { kind: string; level: string; text: string }[];
  outcomes: number[];
  side_effects: string[];
  volatile?: string[];
  params?: { name: string; in: string; type?: string; required?: boolean; validations?: string[] }[];
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

const uniqueSorted = <T>(xs: T[]) => [...new Set(xs)].sort();

const cases = [
  { name: 'python-flask', extractor: flaskExtractor },
  { name: 'python-django', extractor: djangoExtractor },
  { name: 'python-fastapi', extractor: fastapiExtractor },
] as const;

describe.each(cases)('$name', ({ name, extractor }) => {
  const dir = fixture(name);
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  const project = loadSourceProject(dir);
  const { endpoints, warnings, progressed } = run(extractor, project);
  const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  const byKey = new Map(endpoints.map((e) => [key(e), e]));

  it('finds every route and only those (recall and precision 1.0)', () => {
    const want = new Set(expected.routes.map(key));
    const got = new Set(endpoints.map(key));
    const hits = [...want].filter((k) => got.has(k)).length;
    expect({
      recall: hits / want.size,
      precision: hits / got.size,
      missing: [...want].filter((k) => !got.has(k)),
      extra: [...got].filter((k) => !want.has(k)),
    }).toEqual({
      recall: 1,
      precision: 1,
      missing: [],
      extra: [],
    });
    expect(endpoints.length).toBe(got.size);
    expect(endpoints.every((e) => e.framework === expected.framework)).toBe(true);
  });

  it.each(expected.routes.map((r) => [key(r), r] as const))('%s: guards, outcomes, side effects, volatile, params', (k, route) => {
    const e = byKey.get(k);
    expect(e, k).toBeDefined();
    const facts = e!;
    expect(uniqueSorted(facts.guards.map((g) => `${g.kind}|${g.level}|${g.text}`))).toEqual(
      uniqueSorted(route.guards.map((g) => `${g.kind}|${g.level}|${g.text}`)),
    );
    expect(uniqueSorted(facts.outcomes.map((o) => o.status))).toEqual(uniqueSorted(route.outcomes));
    expect(uniqueSorted(facts.side_effects.map((s) => `${s.kind}:${s.target}`))).toEqual(uniqueSorted(route.side_effects));
    expect(uniqueSorted(facts.volatile.map((v) => v.field))).toEqual(uniqueSorted(route.volatile ?? []));
    for (const p of route.params ?? []) {
      const actual = facts.params.find((q) => q.name === p.name && q.in === p.in);
      expect(actual, `${k} param ${p.in}:${p.name}`).toBeDefined();
      expect(actual).toMatchObject(p);
    }
  });

  it('warns about what it cannot resolve, with file:line', () => {
    const sort = (ws: ExtractionWarning[]) => [...ws].sort((a, b) => `${a.file}:${a.line}:${a.message}`.localeCompare(`${b.file}:${b.line}:${b.message}`));
    expect(sort(warnings)).toEqual(sort(expected.warnings));
  });

  it('reports progress once per file', () => {
    expect(progressed).toEqual([...project.files]);
  });

  it('detects its own framework and not the others', () => {
    for (const c of cases) expect(c.extractor.detect(project), `${c.extractor.name} on ${name}`).toBe(c.name === name);
  });

  it('is deterministic', () => {
    const again = run(extractor, loadSourceProject(dir));
    expect(JSON.stringify(again.endpoints)).toBe(JSON.stringify(endpoints));
    expect(again.warnings).toEqual(warnings);
    const keys = endpoints.map((e) => [e.path, e.method]);
    const sorted = [...keys].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0));
    expect(keys).toEqual(sorted);
  });

  it('cites evidence lines that exist, in the spec format', () => {
    const lines = new Map(project.files.map((f) => [f, project.read(f).split('\n').length]));
    const check = (evidence: string | undefined) => {
      if (evidence === undefined) return;
      const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(evidence);
      expect(m, evidence).not.toBeNull();
      const count = lines.get(m![1]!);
      expect(count, `${evidence}: file`).toBeDefined();
      const start = Number(m![2]);
      const end = m![3] ? Number(m![3]) : start;
      expect(start >= 1 && start <= end && end <= count!, evidence).toBe(true);
    };
    for (const e of endpoints) {
      check(e.handler);
      for (const list of [e.params, e.guards, e.outcomes, e.side_effects, e.volatile] as { evidence?: string }[][]) for (const f of list) check(f.evidence);
      const { method: _m, path: _p, ...extracted } = e;
      expect(() => ExtractedSchema.parse(extracted), `${key(e)}`).not.toThrow();
      expect(e.source_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});

describe('python extractors: robustness', () => {
  it('warns about a syntax error with its line and keeps extracting the rest', () => {
    const files: Record<string, string> = {
      'requirements.txt': 'flask\n',
      'app.py': [
        'from flask import Flask, abort',
        'app = Flask(__name__)',
        '',
        '@app.route("/ok/<int:id>")',
        'def ok(id):',
        '    if id > 10:',
        '        abort(404)',
        '    return {"id": id}',
        '',
        'def broken(:',
        '    pass',
        '',
      ].join('\n'),
    };
    const project = inMemoryProject('/virtual', (f) => files[f]!, Object.keys(files));
    const { endpoints, warnings } = run(flaskExtractor, project);
    expect(warnings.some((w) => w.file === 'app.py' && w.line === 10)).toBe(true);
    expect(endpoints.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /ok/{id}']);
    expect(endpoints[0]!.outcomes.map((o) => [o.status, o.when])).toEqual([
      [404, 'id > 10'],
      [200, undefined],
    ]);
  });

  it('never throws on odd input', () => {
    const files: Record<string, string> = {
      'x.py': 'from fastapi import APIRouter\nrouter = APIRouter(prefix=PREFIX)\n@router.get(\n',
      'urls.py': 'urlpatterns = [path(]',
    };
    const project = inMemoryProject('/virtual', (f) => files[f]!, Object.keys(files));
    for (const ex of [flaskExtractor, djangoExtractor, fastapiExtractor]) expect(() => run(ex, project)).not.toThrow();
  });

  it('source_hash changes when a called helper changes', () => {
    const make = (helperBody: string) => {
      const files: Record<string, string> = {
        'app.py': `from fastapi import FastAPI\nfrom helpers import load\napp = FastAPI()\n@app.get("/x")\ndef x():\n    return load()\n`,
        'helpers.py': `def load():\n    ${helperBody}\n`,
      };
      return run(
        fastapiExtractor,
        inMemoryProject('/v', (f) => files[f]!, Object.keys(files)),
      ).endpoints[0]!;
    };
    const a: EndpointFacts = make('return 1');
    const b: EndpointFacts = make('return 2');
    expect(a.source_hash).not.toBe(b.source_hash);
    expect(make('return 1').source_hash).toBe(a.source_hash);
  });

  it('converts Django regex routes only when they are literal text and named groups', () => {
    expect(convertRegex('^articles/(?P<year>[0-9]{4})/(?P<slug>[\\w-]+)/$')).toEqual({
      path: 'articles/{year}/{slug}/',
      params: [
        { name: 'year', type: 'integer', converter: 're', validations: ['pattern: [0-9]{4}'] },
        { name: 'slug', type: 'string', converter: 're', validations: ['pattern: [\\w-]+'] },
      ],
    });
    expect(convertRegex('^feeds/rss\\.xml$')?.path).toBe('feeds/rss.xml');
    expect(convertRegex('^(?:a|b)/$')).toBeUndefined();
    expect(convertRegex('^page/(\\d+)/$')).toBeUndefined();
  });
});
