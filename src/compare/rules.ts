/** The comparison rules of an endpoint, as its spec states them. */
import { parseJsonPath, type PathSegment } from '../jsonpath.js';
import type { Spec } from '../spec/schema.js';
import { ignoredParameters } from './headers.js';
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
    ...((workspace.ignore_header_parameters || own.ignore_header_parameters) && {
      ignore_header_parameters: [...new Set([...(workspace.ignore_header_parameters ?? []), ...(own.ignore_header_parameters ?? [])])],
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
    ...(spec.compare?.ignore_header_parameters && { ignore_header_parameters: spec.compare.ignore_header_parameters }),
    ...(spec.compare?.mask && { mask: spec.compare.mask }),
    ...(spec.compare?.ignore_tag_whitespace !== undefined && { ignore_tag_whitespace: spec.compare.ignore_tag_whitespace }),
  };
}

/**
 * Whether the rules would now keep this difference (a signature's pattern and kind) from being
 * reported: its JSON path is ignored (or lies under an ignored path), an `order` difference is on
 * an unordered array, a header difference is on an ignored header. Lets differences recorded before
 * a rule was added be counted as the rule says (the dashboard's "mark as noise" adds such rules).
 */
export function ruleCovers(rules: CompareRules, part: { pattern: string; kind: string }): boolean {
  if (part.kind === 'header' || part.pattern.startsWith('header:')) {
    // `header:content-type;charset`: one parameter of the header differs.
    const [name = '', parameter] = part.pattern.slice('header:'.length).toLowerCase().split(';', 2);
    const ignored = (rules.ignore_headers ?? []).some((ignored) => {
      const lower = ignored.toLowerCase();
      return lower.endsWith('*') ? name.startsWith(lower.slice(0, -1)) : name === lower;
    });
    if (ignored || parameter === undefined) return ignored;
    const parameters = ignoredParameters(rules.ignore_header_parameters).get(name);
    return parameters !== undefined && (parameters.has('*') || parameters.has(parameter));
  }
  if (!part.pattern.startsWith('$')) return false;
  const path = parseJsonPath(part.pattern);
  if ((rules.ignore ?? []).some((ignored) => isPrefix(parseJsonPath(ignored), path))) return true;
  return part.kind === 'order' && (rules.unordered ?? []).some((unordered) => samePath(parseJsonPath(unordered), path));
}

/** A rule path covers a difference pattern at or under it; a rule wildcard covers any segment, a rule index only that index. */
function isPrefix(rule: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return rule.length <= path.length && rule.every((segment, i) => segmentCovers(segment, path[i]!));
}

function samePath(rule: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return rule.length === path.length && isPrefix(rule, path);
}

function segmentCovers(rule: PathSegment, segment: PathSegment): boolean {
  if (rule.kind === 'wildcard') return true;
  if (rule.kind === 'key') return segment.kind === 'key' && segment.name === rule.name;
  return segment.kind === 'index' && segment.index === rule.index;
}
