/**
 * The blind fixtures of issue 21: apps and answer keys written by someone who had not read the
 * extractors, saved (and committed) before any extractor ran on them. Their first-run scores are
 * in the README; this holds the scores they reached after the fixes, so a change that loses a
 * route, an auth class or a status on code nobody here wrote fails the suite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { loadSourceProject } from '../../extractors/project.js';
import { runExtractors } from '../../extractors/run.js';
import { scoreExtraction, type ExpectedRoute, type Tally } from '../../extractors/score.js';
import { packageRoot } from '../../src/package-info.js';

const rate = ({ hit, of }: Tally) => (of === 0 ? 1 : hit / of);

/** Per fixture: the framework detected, and the least each score may be. */
const HELD: Record<string, { framework: string; statusPrecision: number }> = {
  'js-fastify-autoload-blind': { framework: 'fastify', statusPrecision: 1 },
  'python-drf-blind': { framework: 'django', statusPrecision: 1 },
  'ruby-sinatra-blind': { framework: 'sinatra', statusPrecision: 1 },
  // writeError's fallback 500 is listed: that every error reaching it carries a status is not followed.
  'go-wrappers-blind': { framework: 'net/http', statusPrecision: 0.89 },
};

describe('blind fixtures', () => {
  for (const [fixture, held] of Object.entries(HELD)) {
    it(`${fixture}: every route, auth class and status of its answer key`, () => {
      const dir = path.join(packageRoot(), 'test', 'fixtures', fixture);
      const expected = (JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { routes: ExpectedRoute[] }).routes;
      const result = runExtractors(loadSourceProject(dir), { extractors: ALL_EXTRACTORS });
      expect(result.frameworks).toEqual([held.framework]);
      const score = scoreExtraction(expected, result.endpoints);
      expect({ missing: score.missing, extra: score.extra }).toEqual({ missing: [], extra: [] });
      expect(score.authMisses).toEqual([]);
      expect(score.auth.of).toBe(expected.length);
      expect(rate(score.statusRecall), score.statusMisses.join('\n')).toBe(1);
      expect(rate(score.statusPrecision), score.statusMisses.join('\n')).toBeGreaterThanOrEqual(held.statusPrecision);
    });
  }
});
