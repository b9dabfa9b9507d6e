/**
 * Extraction accuracy per framework, on the fixture apps under test/fixtures (each with a
 * hand-checked expected.json): route recall and precision, the auth class of each route found
 * (required, optional, none: where the key gives it), the recall and precision of the statuses
 * listed, and the recall of the expected guards and side effects on the routes found. Runs every
 * extractor with detection, as `parity extract` does, so a framework detected in the wrong app
 * shows as lost precision.
 *
 *   npm run build && node dist/bench/accuracy.js [--why] [fixture ...]
 *
 * `--why` lists, per fixture, the routes missed and extra, the auth classes and the statuses that differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_EXTRACTORS } from '../extractors/index.js';
import { loadSourceProject } from '../extractors/project.js';
import { runExtractors } from '../extractors/run.js';
import { ratio, scoreExtraction, type ExpectedRoute } from '../extractors/score.js';
import { packageRoot } from '../src/package-info.js';

const { values, positionals } = parseArgs({ options: { why: { type: 'boolean', default: false } }, allowPositionals: true });
const fixtures = path.join(packageRoot(), 'test', 'fixtures');
const names = positionals.length > 0 ? positionals : fs.readdirSync(fixtures).sort();

const rows: string[][] = [['fixture', 'frameworks', 'routes', 'recall', 'precision', 'auth', 'status recall', 'status precision', 'guards', 'side effects']];
const why: string[] = [];
for (const name of names) {
  const expectedFile = path.join(fixtures, name, 'expected.json');
  if (!fs.existsSync(expectedFile)) continue;
  const expected = (JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as { routes: ExpectedRoute[] }).routes;
  const result = runExtractors(loadSourceProject(path.join(fixtures, name)), { extractors: ALL_EXTRACTORS });
  const score = scoreExtraction(expected, result.endpoints);
  rows.push([
    name,
    result.frameworks.join(', '),
    `${score.routes.hit}/${score.routes.expected}`,
    ratio({ hit: score.routes.hit, of: score.routes.expected }),
    ratio({ hit: score.routes.hit, of: score.routes.found }),
    ratio(score.auth),
    ratio(score.statusRecall),
    ratio(score.statusPrecision),
    ratio(score.guards),
    ratio(score.sideEffects),
  ]);
  if (values.why) {
    const lines = [
      ...score.missing.map((k) => `  missing ${k}`),
      ...score.extra.map((k) => `  extra   ${k}`),
      ...score.authMisses.map((k) => `  auth    ${k}`),
      ...score.statusMisses.map((k) => `  status  ${k}`),
      ...result.warnings.map((w) => `  warning ${w.file}:${w.line}: ${w.message}`),
    ];
    if (lines.length > 0) why.push(`${name}:`, ...lines);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows)
  process.stdout.write(
    `${row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`,
  );
if (why.length > 0) process.stdout.write(`\n${why.join('\n')}\n`);
