/** Saving a spec-test run in the store, for the dashboard and the readiness report. */
import { openStore } from '../store/store.js';
import type { TestRun } from './run.js';

/** Writes the run and its results in one transaction; returns the run's id. */
export function saveTestRun(storePath: string, run: TestRun): number {
  const store = openStore(storePath);
  try {
    const insertRun = store.db.prepare(`
      INSERT INTO test_runs (started_at, finished_at, legacy_url, rewrite_url, specs_dir, only_glob, diff, examples, rewrite_failed, legacy_failed, differing, passed)
      VALUES (@startedAt, @finishedAt, @legacyUrl, @rewriteUrl, @specsDir, @only, @diff, @examples, @rewriteFailed, @legacyFailed, @differing, @passed)`);
    const insertResult = store.db.prepare(`
      INSERT INTO test_results (run_id, spec_id, endpoint, behavior, disposition, example, target, outcome, reason, duration_ms, failures, differences)
      VALUES (@runId, @specId, @endpoint, @behavior, @disposition, @example, @target, @outcome, @reason, @durationMs, @failures, @differences)`);
    return store.db.transaction(() => {
      const { lastInsertRowid } = insertRun.run({
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        legacyUrl: run.legacyUrl,
        rewriteUrl: run.rewriteUrl,
        specsDir: run.specsDir,
        only: run.only,
        diff: run.diff ? 1 : 0,
        examples: run.totals.examples,
        rewriteFailed: run.totals.rewrite.fail + run.totals.rewrite.error,
        legacyFailed: run.totals.legacy.fail + run.totals.legacy.error,
        differing: run.totals.differing,
        passed: run.passed ? 1 : 0,
      });
      const runId = Number(lastInsertRowid);
      for (const result of run.results) {
        for (const target of ['legacy', 'rewrite'] as const) {
          const side = result[target];
          insertResult.run({
            runId,
            specId: result.specId,
            endpoint: result.endpoint,
            behavior: result.behavior,
            disposition: result.disposition,
            example: result.example,
            target,
            outcome: side.outcome,
            reason: side.reason ?? null,
            durationMs: side.durationMs,
            failures: JSON.stringify(side.steps.filter((s) => s.mismatches.length > 0 || s.error !== undefined)),
            differences: target === 'rewrite' && result.differences ? JSON.stringify(result.differences) : null,
          });
        }
      }
      return runId;
    })();
  } finally {
    store.close();
  }
}
