/**
 * From a spec set to the list of examples to run, with everything a run could trip over checked
 * first: lint problems, `auth:` profiles that parity.yaml does not define, environment variables
 * those profiles need. A spec mistake is exit 2 with `file:line:col` before any request is sent,
 * not a column of red results.
 */
import picomatch from 'picomatch';
import type { AuthProfile } from '../config/schema.js';
import type { Diagnostic } from '../diagnostics.js';
import { ParityError } from '../errors.js';
import { problemsOf } from '../spec/lint.js';
import type { LoadedSpec, SpecSet } from '../spec/load.js';
import type { Behavior, Disposition, Example, Step } from '../spec/schema.js';
import { closest, plural } from '../text.js';
import { locate, type PathSegment } from '../yaml/source.js';

export type Phase = 'setup' | 'example' | 'teardown';

export interface PlannedStep {
  phase: Phase;
  step: Step;
  /** Where the step is in its file, for messages. */
  yamlPath: PathSegment[];
  line: number;
}

export interface PlannedExample {
  loaded: LoadedSpec;
  example: Example;
  exampleIndex: number;
  behavior: Behavior | undefined;
  /** The behaviour's disposition; an example without a behaviour is held to `preserve`. */
  disposition: Disposition;
  steps: PlannedStep[];
}

export interface UntestedBehavior {
  specId: string;
  endpoint: string;
  behavior: string;
  disposition: Disposition;
}

export interface TestPlan {
  examples: PlannedExample[];
  /** Behaviours of the selected specs that no example demonstrates. */
  untested: UntestedBehavior[];
  specs: number;
}

export function planTests(set: SpecSet, options: { only?: string; auth: Record<string, AuthProfile>; env: Record<string, string | undefined> }): TestPlan {
  const problems = problemsOf(set);
  if (problems.length > 0) {
    throw new ParityError('SPEC_INVALID', `the specs have ${plural(problems.length, 'problem')}; fix them before testing`, {
      diagnostics: problems,
      hint: 'run `parity spec lint` for the same list',
    });
  }
  const selected = options.only === undefined ? set.specs : set.specs.filter((loaded) => picomatch(options.only!)(loaded.spec.id));
  if (selected.length === 0) {
    throw new ParityError('USAGE', options.only === undefined ? `no specs in ${set.dir}` : `--only ${options.only} matches no spec id`, {
      hint: options.only === undefined ? 'run `parity extract` to draft them' : `spec ids: ${set.specs.map((s) => s.spec.id).join(', ')}`,
    });
  }

  const examples: PlannedExample[] = [];
  const untested: UntestedBehavior[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const loaded of selected) {
    const { spec } = loaded;
    spec.examples.forEach((example, exampleIndex) => {
      const plannedExample = planExample(loaded, example, exampleIndex);
      for (const { step, yamlPath } of plannedExample.steps) diagnostics.push(...authProblems(loaded, step, yamlPath, options.auth, options.env));
      examples.push(plannedExample);
    });
    for (const behavior of spec.behaviors) {
      if (!spec.examples.some((e) => e.behavior === behavior.id)) {
        untested.push({ specId: spec.id, endpoint: spec.endpoint, behavior: behavior.id, disposition: behavior.disposition });
      }
    }
  }
  const unique = dedupe(diagnostics);
  if (unique.length > 0) {
    throw new ParityError('SPEC_INVALID', `${plural(unique.length, 'request')} cannot be sent as written`, {
      diagnostics: unique,
      hint: 'auth profiles are defined under `auth:` in parity.yaml; ${NAME} in their headers is read from the environment',
    });
  }
  return { examples, untested, specs: selected.length };
}

/** One example with the spec's setup before it, and its own cleanup and the spec's teardown after it; `exampleIndex` is its place in `spec.examples`. */
export function planExample(loaded: LoadedSpec, example: Example, exampleIndex: number): PlannedExample {
  const { spec } = loaded;
  const behavior = example.behavior === undefined ? undefined : spec.behaviors.find((b) => b.id === example.behavior);
  const steps: PlannedStep[] = [
    ...(spec.setup ?? []).map((step, i) => planned(loaded, 'setup', step, ['setup', i])),
    ...(example.steps
      ? example.steps.map((step, i) => planned(loaded, 'example', step, ['examples', exampleIndex, 'steps', i]))
      : [
          planned(
            loaded,
            'example',
            {
              request: example.request!,
              ...(example.expect && { expect: example.expect }),
              ...(example.expect_legacy && { expect_legacy: example.expect_legacy }),
            },
            ['examples', exampleIndex, 'request'],
          ),
        ]),
    // The example's own cleanup first: it undoes what the example made, which the spec's teardown may not know of.
    ...(example.cleanup ?? []).map((step, i) => planned(loaded, 'teardown', step, ['examples', exampleIndex, 'cleanup', i])),
    ...(spec.teardown ?? []).map((step, i) => planned(loaded, 'teardown', step, ['teardown', i])),
  ];
  return { loaded, example, exampleIndex, behavior, disposition: behavior?.disposition ?? 'preserve', steps };
}

function planned(loaded: LoadedSpec, phase: Phase, step: Step, yamlPath: PathSegment[]): PlannedStep {
  return { phase, step, yamlPath, line: locate(loaded.source, yamlPath).line };
}

function authProblems(
  loaded: LoadedSpec,
  step: Step,
  yamlPath: PathSegment[],
  auth: Record<string, AuthProfile>,
  env: Record<string, string | undefined>,
): Diagnostic[] {
  const name = step.request.auth;
  if (name === undefined) return [];
  const requestPath = yamlPath.at(-1) === 'request' ? yamlPath : [...yamlPath, 'request'];
  const pos = locate(loaded.source, [...requestPath, 'auth']);
  const at = (message: string): Diagnostic => ({ file: loaded.source.file, line: pos.line, col: pos.col, message, rule: 'auth' });
  const profile = auth[name];
  if (!profile) {
    const known = Object.keys(auth);
    const suggestion = closest(name, known);
    return [
      at(
        `auth profile "${name}" is not defined in parity.yaml` +
          (suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (profiles: ${known.join(', ')})` : ' (it defines none)'),
      ),
    ];
  }
  const missing = Object.values(profile.headers).flatMap((value) => [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!));
  const unset = [...new Set(missing)].filter((variable) => env[variable] === undefined);
  return unset.map((variable) => at(`auth profile "${name}" needs the environment variable ${variable}, which is not set`));
}

/** The headers of an auth profile with `${NAME}` read from the environment (checked by planTests). */
export function authHeaders(profile: AuthProfile, env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(profile.headers).map(([name, value]) => [name, value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => env[v] ?? '')]),
  );
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
