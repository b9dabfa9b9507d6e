/**
 * Extraction accuracy per framework, on the fixture apps under test/fixtures (each with a
 * hand-checked expected.json): route recall and precision, and recall of the expected guards,
 * outcome statuses and side effects on the routes found. Runs every extractor with detection, as
 * `parity extract` does, so a framework detected in the wrong app shows as lost precision.
 *
 *   npm run build && node dist/bench/accuracy.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { ALL_EXTRACTORS } from '../extractors/index.js';
import { loadSourceProject } from '../extractors/project.js';
import { runExtractors } from '../extractors/run.js';
import type { EndpointFacts } from '../extractors/types.js';
import { packageRoot } from '../src/package-info.js';

interface ExpectedRoute {
  method: string;
  path: string;
  guards?: (string | { text: string })[];
  outcomes?: number[];
  statuses?: number[];
  /** `{kind, target}`, or the strings "kind:target" / "kind target" some fixtures use. */
  side_effects?: ({ kind: string; target: string } | string)[];
}

function sideEffectOf(effect: { kind: string; target: string } | string): { kind: string; target: string } {
  if (typeof effect !== 'string') return effect;
  const match = /^(\w+)[: ](.*)$/.exec(effect);
  return match ? { kind: match[1]!, target: match[2]! } : { kind: effect, target: '' };
}

const fixtures = path.join(packageRoot(), 'test', 'fixtures');
const key = (method: string, route: string) => `${method} ${route}`;
/** Names may be cited with more around them (`@login_required`, `ProjectMailer.created`). */
const contains = (found: string, wanted: string) => found.toLowerCase().includes(wanted.toLowerCase());
const ratio = (hit: number, of: number) => (of === 0 ? '-' : (hit / of).toFixed(2));

const rows: string[][] = [['fixture', 'frameworks', 'routes', 'recall', 'precision', 'guards', 'statuses', 'side effects']];
for (const name of fs.readdirSync(fixtures).sort()) {
  const expectedFile = path.join(fixtures, name, 'expected.json');
  if (!fs.existsSync(expectedFile)) continue;
  const expected = (JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as { routes: ExpectedRoute[] }).routes;
  const result = runExtractors(loadSourceProject(path.join(fixtures, name)), { extractors: ALL_EXTRACTORS });
  const found = new Map<string, EndpointFacts>(result.endpoints.map((e) => [key(e.method, e.path), e]));
  const wanted = new Set(expected.map((r) => key(r.method, r.path)));
  const hits = [...wanted].filter((k) => found.has(k)).length;
  const tally = { guards: { hit: 0, of: 0 }, statuses: { hit: 0, of: 0 }, effects: { hit: 0, of: 0 } };
  for (const route of expected) {
    const facts = found.get(key(route.method, route.path));
    if (!facts) continue;
    for (const guard of route.guards ?? []) {
      const text = typeof guard === 'string' ? guard : guard.text;
      tally.guards.of++;
      if (facts.guards.some((g) => contains(g.text, text))) tally.guards.hit++;
    }
    for (const status of route.outcomes ?? route.statuses ?? []) {
      tally.statuses.of++;
      if (facts.outcomes.some((o) => o.status === status)) tally.statuses.hit++;
    }
    for (const raw of route.side_effects ?? []) {
      const effect = sideEffectOf(raw);
      tally.effects.of++;
      if (facts.side_effects.some((s) => s.kind === effect.kind && (contains(s.target, effect.target) || contains(effect.target, s.target))))
        tally.effects.hit++;
    }
  }
  rows.push([
    name,
    result.frameworks.join(', '),
    `${hits}/${wanted.size}`,
    ratio(hits, wanted.size),
    ratio([...found.keys()].filter((k) => wanted.has(k)).length, found.size),
    ratio(tally.guards.hit, tally.guards.of),
    ratio(tally.statuses.hit, tally.statuses.of),
    ratio(tally.effects.hit, tally.effects.of),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows)
  process.stdout.write(
    `${row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`,
  );
