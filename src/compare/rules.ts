/** The comparison rules of an endpoint, as its spec states them. */
import type { Spec } from '../spec/schema.js';
import type { CompareRules } from './response.js';

/** A spec's compare rules, with the volatile fields extraction found also ignored (never `$`: that means "unknown field"). */
export function compareRulesOf(spec: Spec): CompareRules {
  const volatile = (spec.extracted?.volatile ?? []).map((v) => v.field).filter((field) => field !== '$');
  return {
    ignore: [...new Set([...(spec.compare?.ignore ?? []), ...volatile])],
    ...(spec.compare?.unordered && { unordered: spec.compare.unordered }),
    ...(spec.compare?.tolerance && { tolerance: spec.compare.tolerance }),
    ...(spec.compare?.headers && { headers: spec.compare.headers }),
    ...(spec.compare?.ignore_headers && { ignore_headers: spec.compare.ignore_headers }),
    ...(spec.compare?.mask && { mask: spec.compare.mask }),
    ...(spec.compare?.ignore_tag_whitespace !== undefined && { ignore_tag_whitespace: spec.compare.ignore_tag_whitespace }),
  };
}
