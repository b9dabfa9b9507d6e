/**
 * Which differences a spec says to expect: those of a behaviour with disposition `fix`, where the
 * rewrite is meant to answer differently from the legacy. Pure.
 *
 * A fix's footprint is read from its examples: each step with an `expect_legacy` says what the
 * legacy answers (the bug) beside what the rewrite must answer. When the two statuses differ,
 * the fix changes the whole response for that status pair (a 201 that becomes a 400): a shadow
 * comparison with that primary/candidate status pair is expected, whatever else differs. When
 * the statuses agree, the JSON paths where the two expected bodies differ (indices wildcarded)
 * are the fields the fix changes; a comparison whose differences all fall on those paths (or
 * under them) is expected.
 */
import type { Difference } from './response.js';
import type { Spec } from '../spec/schema.js';

export interface FixFootprint {
  behavior: string;
  /** [legacy status, rewrite status] when the fix changes the status. */
  statusPair?: [number, number];
  /** Wildcarded JSONPaths the fix changes when the status stays. */
  paths: string[];
}

export function fixFootprints(spec: Spec): FixFootprint[] {
  const footprints: FixFootprint[] = [];
  for (const behavior of spec.behaviors.filter((b) => b.disposition === 'fix')) {
    for (const example of spec.examples.filter((e) => e.behavior === behavior.id)) {
      const steps = example.steps ?? [{ expect: example.expect, expect_legacy: example.expect_legacy }];
      for (const step of steps) {
        if (!step.expect_legacy || !step.expect) continue;
        const legacy = firstStatus(step.expect_legacy.status);
        const rewrite = firstStatus(step.expect.status);
        if (legacy !== undefined && rewrite !== undefined && legacy !== rewrite) {
          footprints.push({ behavior: behavior.id, statusPair: [legacy, rewrite], paths: [] });
        } else {
          const paths = differingPaths(step.expect_legacy.json, step.expect.json, '$');
          if (paths.length > 0) footprints.push({ behavior: behavior.id, paths: [...new Set(paths)] });
        }
      }
    }
  }
  return footprints;
}

/** The fix behaviour that explains every difference, or undefined when some difference is unexplained. */
export function explainedBy(
  footprints: readonly FixFootprint[],
  primaryStatus: number,
  candidateStatus: number,
  differences: readonly Difference[],
): string | undefined {
  if (differences.length === 0 || footprints.length === 0) return undefined;
  if (primaryStatus !== candidateStatus) {
    return footprints.find((f) => f.statusPair && f.statusPair[0] === primaryStatus && f.statusPair[1] === candidateStatus)?.behavior;
  }
  const explaining = new Set<string>();
  for (const difference of differences) {
    const footprint = footprints.find((f) =>
      f.paths.some((path) => difference.pattern === path || difference.pattern.startsWith(`${path}.`) || difference.pattern.startsWith(`${path}[`)),
    );
    if (!footprint) return undefined;
    explaining.add(footprint.behavior);
  }
  return [...explaining].join(', ');
}

/** The fix behaviour a reviewer linked this difference signature to (the dashboard's "mark as expected"). */
export function linkedFix(spec: Spec, signature: string): string | undefined {
  return spec.behaviors.find((b) => b.disposition === 'fix' && (b.signatures ?? []).includes(signature))?.id;
}

function firstStatus(status: number | number[] | undefined): number | undefined {
  return Array.isArray(status) ? status[0] : status;
}

/** Leaf paths (array indices as [*]) where two expected JSON values differ; matchers count as leaves. */
function differingPaths(a: unknown, b: unknown, path: string): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b)) {
    const paths: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) paths.push(...differingPaths(a[i], b[i], `${path}[*]`));
    return paths;
  }
  if (isObject(a) && isObject(b) && !Object.keys(a).some((k) => k.startsWith('$')) && !Object.keys(b).some((k) => k.startsWith('$'))) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => differingPaths(a[key], b[key], /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `${path}.${key}` : `${path}['${key}']`));
  }
  // Only paths both sides name: a field one expectation leaves unchecked says nothing about the fix.
  if (a === undefined || b === undefined) return [];
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}
