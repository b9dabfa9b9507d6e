/** The comparison rules of an endpoint, as its spec states them. */
import type { Spec } from '../spec/schema.js';
import type { CompareRules } from './response.js';

/**
 * A spec's compare rules, with the volatile fields extraction found also ignored (never `$`: that
 * means "unknown field"), on top of the workspace-wide rules (`shadow.compare` in parity.yaml):
 * lists are joined, and where both name the same path or header setting the spec wins.
 */
export function compareRulesOf(spec: Spec, workspace: CompareRules = {}): CompareRules {
  const volatile = (spec.extracted?.volatile ?? []).map((v) => v.field).filter((field) => field !== '$');
  const own = specRules(spec);
  return {
    ...workspace,
    ...own,
    ignore: [...new Set([...(workspace.ignore ?? []), ...(own.ignore ?? []), ...volatile])],
    ...((workspace.unordered || own.unordered) && { unordered: [...new Set([...(workspace.unordered ?? []), ...(own.unordered ?? [])])] }),
    ...((workspace.tolerance || own.tolerance) && { tolerance: { ...workspace.tolerance, ...own.tolerance } }),
    ...((workspace.ignore_headers || own.ignore_headers) && {
      ignore_headers: [...new Set([...(workspace.ignore_headers ?? []), ...(own.ignore_headers ?? [])])],
    }),
    ...((workspace.mask || own.mask) && { mask: { ...workspace.mask, ...own.mask } }),
  };
}

function specRules(spec: Spec): CompareRules {
  return {
    ...(spec.compare?.ignore && { ignore: spec.compare.ignore }),
    ...(spec.compare?.unordered && { unordered: spec.compare.unordered }),
    ...(spec.compare?.tolerance && { tolerance: spec.compare.tolerance }),
    ...(spec.compare?.headers && { headers: spec.compare.headers }),
    ...(spec.compare?.ignore_headers && { ignore_headers: spec.compare.ignore_headers }),
    ...(spec.compare?.mask && { mask: spec.compare.mask }),
    ...(spec.compare?.ignore_tag_whitespace !== undefined && { ignore_tag_whitespace: spec.compare.ignore_tag_whitespace }),
  };
}
