/**
 * `parity spec lint`: everything the schema alone cannot see. Syntax and schema problems come
 * from loading; the rules here check one spec's internal references and the set as a whole.
 */
import { compareDiagnostics, type Diagnostic } from '../diagnostics.js';
import { closest } from '../text.js';
import { locate, type PathSegment } from '../yaml/source.js';
import type { LoadedSpec, SpecSet } from './load.js';
import { loadSpecs } from './load.js';

export interface LintResult {
  dir: string;
  files: number;
  /** Specs that loaded (problems may still be reported against them). */
  specs: number;
  problems: Diagnostic[];
}

export function lintSpecs(options: { specsDir: string; cwd: string }): LintResult {
  const set = loadSpecs(options.specsDir, options.cwd);
  return { dir: set.dir, files: set.files.length, specs: set.specs.length, problems: problemsOf(set) };
}

/** Every problem in a loaded set: load diagnostics, per-spec rules and cross-file rules. */
export function problemsOf(set: SpecSet): Diagnostic[] {
  return [...set.diagnostics, ...set.specs.flatMap(checkSpec), ...checkSpecSet(set.specs)].sort(compareDiagnostics);
}

function at(loaded: LoadedSpec, path: readonly PathSegment[], rule: string, message: string, target: 'key' | 'value' = 'value'): Diagnostic {
  const pos = locate(loaded.source, path, target);
  return { file: loaded.source.file, line: pos.line, col: pos.col, message, rule };
}

function lineOf(loaded: LoadedSpec, path: readonly PathSegment[]): number {
  return locate(loaded.source, path).line;
}

/** Rules within one spec: unique ids and names, examples that point at real behaviours. */
export function checkSpec(loaded: LoadedSpec): Diagnostic[] {
  const { spec } = loaded;
  const problems: Diagnostic[] = [];

  const behaviorIndex = new Map<string, number>();
  spec.behaviors.forEach((behavior, i) => {
    const first = behaviorIndex.get(behavior.id);
    if (first === undefined) behaviorIndex.set(behavior.id, i);
    else {
      problems.push(
        at(
          loaded,
          ['behaviors', i, 'id'],
          'duplicate-id',
          `duplicate behaviour id "${behavior.id}" (first declared at line ${lineOf(loaded, ['behaviors', first, 'id'])})`,
        ),
      );
    }
  });

  const exampleIndex = new Map<string, number>();
  spec.examples.forEach((example, i) => {
    const first = exampleIndex.get(example.name);
    if (first === undefined) exampleIndex.set(example.name, i);
    else {
      problems.push(
        at(
          loaded,
          ['examples', i, 'name'],
          'duplicate-id',
          `duplicate example name "${example.name}" (first used at line ${lineOf(loaded, ['examples', first, 'name'])})`,
        ),
      );
    }

    const behavior = example.behavior === undefined ? undefined : spec.behaviors.find((b) => b.id === example.behavior);
    if (example.behavior !== undefined && behavior === undefined) {
      const known = spec.behaviors.map((b) => b.id);
      const suggestion = closest(example.behavior, known);
      const hint = suggestion
        ? ` (did you mean "${suggestion}"?)`
        : known.length > 0
          ? ` (behaviours in this spec: ${known.join(', ')})`
          : ' (this spec declares no behaviours)';
      problems.push(
        at(loaded, ['examples', i, 'behavior'], 'unknown-behavior', `example "${example.name}" names unknown behaviour "${example.behavior}"${hint}`),
      );
      return;
    }

    // Which expectations the example carries, and where, to check them against the disposition.
    const legacyExpectations: PathSegment[][] = [];
    if (example.expect_legacy !== undefined) legacyExpectations.push(['examples', i, 'expect_legacy']);
    example.steps?.forEach((step, s) => {
      if (step.expect_legacy !== undefined) legacyExpectations.push(['examples', i, 'steps', s, 'expect_legacy']);
    });

    if (behavior?.disposition === 'fix' && legacyExpectations.length === 0) {
      problems.push(
        at(
          loaded,
          ['examples', i, 'name'],
          'fix-needs-expect-legacy',
          `example "${example.name}" demonstrates fix behaviour "${behavior.id}" but has no expect_legacy: write down what the legacy does (the bug) beside what the rewrite must do`,
        ),
      );
    }
    if (behavior?.disposition !== 'fix') {
      const why = behavior === undefined ? 'the example names no behaviour' : `behaviour "${behavior.id}" is ${behavior.disposition}`;
      for (const path of legacyExpectations) {
        problems.push(at(loaded, path, 'expect-legacy-without-fix', `expect_legacy only applies to a fix behaviour, but ${why}`, 'key'));
      }
    }
  });
  return problems;
}

/** Rules across specs: each id and each endpoint is declared once. */
export function checkSpecSet(specs: readonly LoadedSpec[]): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const byId = new Map<string, LoadedSpec>();
  const byRoute = new Map<string, LoadedSpec>();
  for (const loaded of specs) {
    const sameId = byId.get(loaded.spec.id);
    if (sameId) {
      problems.push(at(loaded, ['id'], 'duplicate-id', `spec id "${loaded.spec.id}" is also declared in ${where(sameId, ['id'])}`));
    } else byId.set(loaded.spec.id, loaded);

    const sameRoute = byRoute.get(loaded.endpoint.routeKey);
    if (sameRoute) {
      problems.push(
        at(
          loaded,
          ['endpoint'],
          'duplicate-endpoint',
          `endpoint "${loaded.spec.endpoint}" is already declared as "${sameRoute.spec.endpoint}" in ${where(sameRoute, ['endpoint'])} (spec "${sameRoute.spec.id}")`,
        ),
      );
    } else byRoute.set(loaded.endpoint.routeKey, loaded);
  }
  return problems;
}

function where(loaded: LoadedSpec, path: readonly PathSegment[]): string {
  const pos = locate(loaded.source, path);
  return `${loaded.source.file}:${pos.line}:${pos.col}`;
}
