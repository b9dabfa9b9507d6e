// Blind accuracy check for the gin extractor: test/fixtures/go-gin-blind/expected.json
// was written from the fixture's source alone, before the extractor was run on it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ginExtractor } from '../../extractors/go/index.js';
import { loadSourceProject } from '../../extractors/project.js';
import type { EndpointFacts, ExtractionWarning } from '../../extractors/types.js';

interface ExpectedRoute {
  method: string;
  path: string;
  guards: string[];
  outcomes: number[];
  side_effects: { kind: string; target: string }[];
}

const dir = join(import.meta.dirname, '..', 'fixtures', 'go-gin-blind');
const expected = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { routes: ExpectedRoute[] }).routes;
const warnings: ExtractionWarning[] = [];
const facts: EndpointFacts[] = ginExtractor.extract({ project: loadSourceProject(dir), warn: (w) => warnings.push(w), progress: () => {} });

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
// Table names must match exactly; URLs may be cited with or without their query string.
const sameTarget = (want: string, got: string) => {
  const [a, b] = [want.toLowerCase(), got.toLowerCase()];
  return a === b || (want.includes('://') && (a.startsWith(b) || b.startsWith(a)));
};

describe('gin blind fixture', () => {
  it('is detected', () => {
    expect(ginExtractor.detect(loadSourceProject(dir))).toBe(true);
  });

  it('finds every route and nothing else (recall and precision 1.0)', () => {
    const found = new Set(facts.map(key));
    const wanted = new Set(expected.map(key));
    const hits = [...found].filter((k) => wanted.has(k)).length;
    expect({
      recall: hits / wanted.size,
      precision: found.size === 0 ? 0 : hits / found.size,
      missing: [...wanted].filter((k) => !found.has(k)),
      extra: [...found].filter((k) => !wanted.has(k)),
    }).toEqual({ recall: 1, precision: 1, missing: [], extra: [] });
  });

  it('finds every expected guard, outcome status and side effect of each route', () => {
    const misses: string[] = [];
    for (const want of expected) {
      const got = facts.find((f) => key(f) === key(want));
      if (!got) {
        misses.push(`${key(want)}: route not found`);
        continue;
      }
      const guards = got.guards.map((g) => g.text);
      for (const g of want.guards) if (!guards.includes(g)) misses.push(`${key(want)}: guard ${g} missing (got ${JSON.stringify(guards)})`);
      const statuses = got.outcomes.map((o) => o.status);
      for (const s of want.outcomes)
        if (!statuses.includes(s)) misses.push(`${key(want)}: outcome ${s} missing (got ${JSON.stringify([...new Set(statuses)].sort())})`);
      for (const e of want.side_effects)
        if (!got.side_effects.some((x) => x.kind === e.kind && sameTarget(e.target, x.target)))
          misses.push(`${key(want)}: side effect ${e.kind} ${e.target} missing (got ${JSON.stringify(got.side_effects.map((x) => `${x.kind} ${x.target}`))})`);
    }
    expect(misses).toEqual([]);
  });

  it('reports no side effect of a kind the route does not have (a FindUserByEmail is a read, not an email)', () => {
    const extra: string[] = [];
    for (const want of expected) {
      const got = facts.find((f) => key(f) === key(want));
      const kinds = new Set(want.side_effects.map((e) => e.kind));
      for (const effect of got?.side_effects ?? []) if (!kinds.has(effect.kind)) extra.push(`${key(want)}: ${effect.kind} ${effect.target}`);
    }
    expect(extra).toEqual([]);
  });

  it('does not call a clock value volatile when it only goes into SQL (it never reaches the response)', () => {
    const restock = facts.find((f) => key(f) === 'POST /api/v1/admin/books/{id}/restock');
    expect(restock).toBeDefined();
    expect(restock!.volatile.filter((v) => v.field === '$')).toEqual([]);
  });
});
