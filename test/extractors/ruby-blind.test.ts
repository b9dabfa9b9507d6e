/**
 * Blind accuracy check for the Rails extractor: test/fixtures/ruby-rails-blind/expected.json was written
 * by hand from the fixture source before the extractor was read or run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSourceProject } from '../../extractors/project.js';
import { railsExtractor } from '../../extractors/ruby/index.js';
import type { ExtractionWarning } from '../../extractors/types.js';

const root = path.resolve(import.meta.dirname, '../fixtures/ruby-rails-blind');

interface BlindRoute {
  method: string;
  path: string;
  handler: string;
  guards: string[];
  outcomes: number[];
  side_effects: { kind: string; target: string }[];
}
const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8')) as { routes: BlindRoute[] };

const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;
/** `before_action :authenticate!` -> `authenticate!` */
const guardMethod = (text: string) => text.replace(/^\s*(?:before_action|prepend_before_action)\s+:?/, '').trim();

describe('rails extractor, blind fixture test/fixtures/ruby-rails-blind', () => {
  const project = loadSourceProject(root);
  const warnings: ExtractionWarning[] = [];
  const endpoints = railsExtractor.extract({ project, warn: (w) => warnings.push(w), progress: () => {} });
  const byKey = new Map(endpoints.map((e) => [key(e), e]));

  it('detects the project as Rails', () => {
    expect(railsExtractor.detect(project)).toBe(true);
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

      it('is found', () => {
        expect(e(), `route ${key(route)} not extracted`).toBeDefined();
      });

      it('has every expected guard, and no guard when none applies', () => {
        const found = e();
        if (!found) return expect.fail('route not extracted');
        const texts = found.guards.map((g) => g.text);
        const missing = route.guards.filter((g) => !texts.some((t) => t.includes(guardMethod(g))));
        expect({ missing }).toEqual({ missing: [] });
        if (route.guards.length === 0) expect({ unexpectedGuards: texts }).toEqual({ unexpectedGuards: [] });
      });

      it('has every expected outcome status', () => {
        const found = e();
        if (!found) return expect.fail('route not extracted');
        const statuses = new Set(found.outcomes.map((o) => o.status));
        expect({ missing: route.outcomes.filter((s) => !statuses.has(s)), got: [...statuses].sort() }).toEqual({
          missing: [],
          got: [...statuses].sort(),
        });
      });

      it('has every expected side effect', () => {
        const found = e();
        if (!found) return expect.fail('route not extracted');
        const got = found.side_effects.map((s) => `${s.kind} ${s.target}`);
        // A more specific target counts: expected `email ProjectMailer` matches extracted `email ProjectMailer.created`.
        const matches = (want: { kind: string; target: string }) =>
          found.side_effects.some((s) => s.kind === want.kind && (s.target === want.target || s.target.startsWith(`${want.target}.`)));
        const missing = route.side_effects.filter((s) => !matches(s)).map((s) => `${s.kind} ${s.target}`);
        expect({ missing, got }).toEqual({ missing: [], got });
      });
    });
  }
});
