/**
 * Blind accuracy check for the Flask extractor: test/fixtures/python-flask-blind/expected.json was
 * written by hand from the fixture source before the extractor was read or run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inMemoryProject, loadSourceProject } from '../../extractors/project.js';
import { flaskExtractor } from '../../extractors/python/index.js';
import type { ExtractionWarning, SourceProject } from '../../extractors/types.js';

const root = path.resolve(import.meta.dirname, '../fixtures/python-flask-blind');

interface BlindRoute {
  method: string;
  path: string;
  guards: string[];
  outcomes: number[];
  side_effects: { kind: string; target: string }[];
}
const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8')) as { routes: BlindRoute[] };

const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;
const contains = (found: string, wanted: string) => found.toLowerCase().includes(wanted.toLowerCase());

function extract(project: SourceProject) {
  const warnings: ExtractionWarning[] = [];
  const endpoints = flaskExtractor.extract({ project, warn: (w) => warnings.push(w), progress: () => {} });
  return { endpoints, warnings };
}

describe('flask extractor, blind fixture test/fixtures/python-flask-blind', () => {
  const project = loadSourceProject(root);
  const { endpoints } = extract(project);
  const byKey = new Map(endpoints.map((e) => [key(e), e]));

  it('detects the project as Flask', () => {
    expect(flaskExtractor.detect(project)).toBe(true);
  });

  it('finds every route and nothing else (recall and precision 1.0)', () => {
    const want = new Set(expected.routes.map(key));
    const got = new Set(endpoints.map(key));
    const hits = [...got].filter((k) => want.has(k)).length;
    expect({
      missing: [...want].filter((k) => !got.has(k)).sort(),
      extra: [...got].filter((k) => !want.has(k)).sort(),
      recall: hits / want.size,
      precision: hits / got.size,
    }).toEqual({ missing: [], extra: [], recall: 1, precision: 1 });
  });

  for (const route of expected.routes) {
    describe(key(route), () => {
      const e = () => byKey.get(key(route));

      it('has every expected guard', () => {
        const found = e();
        if (!found) return expect.fail(`route ${key(route)} not extracted`);
        const texts = found.guards.map((g) => g.text);
        expect({ missing: route.guards.filter((g) => !texts.some((t) => t.includes(g))) }).toEqual({ missing: [] });
      });

      it('has every expected outcome status', () => {
        const found = e();
        if (!found) return expect.fail(`route ${key(route)} not extracted`);
        const statuses = new Set(found.outcomes.map((o) => o.status));
        expect({ missing: route.outcomes.filter((s) => !statuses.has(s)) }).toEqual({ missing: [] });
      });

      it('has every expected side effect', () => {
        const found = e();
        if (!found) return expect.fail(`route ${key(route)} not extracted`);
        const missing = route.side_effects.filter((w) => !found.side_effects.some((s) => s.kind === w.kind && contains(s.target, w.target)));
        expect({ missing, got: found.side_effects.map((s) => `${s.kind} ${s.target}`) }).toMatchObject({ missing: [] });
      });
    });
  }
});

describe('flask extractor: the three blind-fixture misses, in isolation', () => {
  const files: Record<string, string> = {
    'requirements.txt': 'flask\n',
    'app.py': [
      'import requests',
      'from flask import Flask, Blueprint',
      'from settings import BILLING_URL',
      'app = Flask(__name__)',
      'bp = Blueprint("things", __name__, url_prefix="/things")',
      'ROOT = "https://api.example.com"',
      '',
      '@bp.get("/")',
      'def index():',
      '    return []',
      '',
      '@bp.get("")',
      'def bare():',
      '    return []',
      '',
      '@bp.post("/<int:id>/touch/")',
      'def touch(id):',
      '    thing = db.session.get(Thing, id)',
      '    thing.touched = True',
      '    db.session.commit()',
      '    requests.post(f"{ROOT}/hooks/{id}")',
      '    requests.post(f"{BILLING_URL}/invoices")',
      '    return {}',
      '',
      '@app.post("/flush")',
      'def flush():',
      '    db.session.commit()',
      '    return {}',
      '',
      '@app.get("/")',
      'def home():',
      '    return {}',
      '',
      'app.register_blueprint(bp)',
      '',
    ].join('\n'),
    'settings.py': 'BILLING_URL = "https://billing.example.com/v2"\n',
  };
  const { endpoints } = extract(inMemoryProject('/virtual', (f) => files[f]!, Object.keys(files)));
  const find = (k: string) => endpoints.find((e) => key(e) === k);

  it('keeps a rule trailing slash under a prefix, not for an empty rule or the root', () => {
    expect(endpoints.map(key).sort()).toEqual(['GET /', 'GET /things', 'GET /things/', 'POST /flush', 'POST /things/{id}/touch/']);
  });

  it('names the model a bare commit saves, and keeps db.session when none is known', () => {
    expect(
      find('POST /things/{id}/touch/')!
        .side_effects.filter((s) => s.kind === 'db_write')
        .map((s) => s.target),
    ).toEqual(['Thing']);
    expect(find('POST /flush')!.side_effects.map((s) => `${s.kind} ${s.target}`)).toEqual(['db_write db.session']);
  });

  it('resolves f-string URLs built from module-level constants, local or imported', () => {
    expect(
      find('POST /things/{id}/touch/')!
        .side_effects.filter((s) => s.kind === 'http_call')
        .map((s) => s.target),
    ).toEqual(['https://api.example.com/hooks/{id}', 'https://billing.example.com/v2/invoices']);
  });
});
