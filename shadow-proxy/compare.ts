/**
 * One shadow comparison: the primary's answer against the candidate's (and the secondary's, for
 * noise), classified as match, noise (a match once the secondary's leaf noise is cancelled),
 * inconclusive (the secondary disagrees on status or structure), mismatch, expected (explained by
 * a fix behaviour), candidate_error or not_compared. Shared by the inline proxy, detached mode and replay.
 */
import { explainedBy, fixFootprints, linkedFix, type FixFootprint } from '../src/compare/expected.js';
import { compareResponses, differenceSignature, isStructural, type CompareRules, type Difference, type ResponseData } from '../src/compare/response.js';
import { compareRulesOf } from '../src/compare/rules.js';
import type { Equivalence } from '../src/correlate/equivalence.js';
import { matchEndpoint, targetPath } from '../src/record/match.js';
import { PathTemplates } from '../src/record/path-templates.js';
import type { LoadedSpec } from '../src/spec/load.js';
import type { ComparisonRecord } from './store.js';
import type { MirroredRequest, UpstreamAnswer, UpstreamFailure } from './upstream.js';

export interface ExchangeToCompare {
  /** When the client's request arrived, ms since the epoch. */
  at: number;
  request: MirroredRequest;
  primary: UpstreamAnswer;
  candidate: UpstreamAnswer | UpstreamFailure;
  secondary?: UpstreamAnswer | UpstreamFailure;
  /** The request's endpoint, when the caller has matched it already. */
  match?: { endpoint: string; spec?: LoadedSpec };
  /** Learned identifier pairs of each side (correlation.ts): values that are one thing under two names compare equal. */
  equivalence?: { candidate?: Equivalence | undefined; secondary?: Equivalence | undefined };
}

export class ShadowComparator {
  private readonly footprints = new Map<LoadedSpec, FixFootprint[]>();
  private readonly specRules = new Map<LoadedSpec, CompareRules>();
  private readonly paths = new PathTemplates();

  /** `rules`: the workspace-wide compare rules (shadow.compare), under each spec's own. */
  constructor(
    private readonly specs: readonly LoadedSpec[],
    private readonly rules: CompareRules = {},
  ) {}

  /** The spec endpoint a request belongs to, or a template learned from the paths of the requests no spec names (path-templates.ts). */
  endpointOf(method: string, target: string): { endpoint: string; spec?: LoadedSpec } {
    const match = matchEndpoint(this.specs, method, target);
    if (match) return { endpoint: match.spec.spec.endpoint, spec: match.spec };
    return { endpoint: `${method} ${this.paths.observe(targetPath(target))}` };
  }

  /** Go on learning path templates from the endpoints a store already holds ("GET /api/articles/{slug}"). */
  seedEndpoints(endpoints: Iterable<string>): void {
    for (const endpoint of endpoints) this.paths.seed(endpoint.slice(endpoint.indexOf(' ') + 1));
  }

  /** An exchange whose request was not sent on (its body was over the cap): not compared, no candidate. */
  notSent(request: MirroredRequest & { at: number }, primary: UpstreamAnswer): ComparisonRecord {
    const { endpoint } = this.endpointOf(request.method, request.target);
    return {
      at: request.at,
      endpoint,
      outcome: 'not_compared',
      request: { method: request.method, target: request.target, headers: request.headers, body: null },
      primary: response(primary),
      differences: [],
      noise: [],
      signature: null,
    };
  }

  compare(exchange: ExchangeToCompare): ComparisonRecord {
    const { request, primary, candidate, secondary } = exchange;
    const { endpoint, spec } = exchange.match ?? this.endpointOf(request.method, request.target);
    const base = {
      at: exchange.at,
      endpoint,
      request: { method: request.method, target: request.target, headers: request.headers, body: request.body },
      primary: response(primary),
      ...(secondary && { secondary: 'error' in secondary ? secondary : response(secondary) }),
    };
    if ('error' in candidate) return { ...base, outcome: 'candidate_error', candidate, differences: [], noise: [], signature: null };
    if (primary.overCap || candidate.overCap || (secondary && !('error' in secondary) && secondary.overCap)) {
      return { ...base, outcome: 'not_compared', candidate: response(candidate), differences: [], noise: [], signature: null };
    }
    const rules = spec ? this.rulesOf(spec) : this.rules;
    const equivalence = exchange.equivalence;
    const raw = compareResponses(data(primary), data(candidate), rules, equivalence?.candidate ? { equivalent: equivalence.candidate } : {});
    const noise: Difference[] =
      secondary && !('error' in secondary)
        ? compareResponses(data(primary), data(secondary), rules, equivalence?.secondary ? { equivalent: equivalence.secondary } : {})
        : [];
    const { outcome, differences } = cancelNoise(raw, noise);
    const signature = differences.length === 0 ? null : differenceSignature(endpoint, differences);
    const expected =
      outcome === 'compared' && spec && signature !== null
        ? (explainedBy(this.footprintsOf(spec), primary.status, candidate.status, differences) ?? linkedFix(spec.spec, signature))
        : undefined;
    return {
      ...base,
      outcome: outcome !== 'compared' ? outcome : differences.length === 0 ? 'match' : expected !== undefined ? 'expected' : 'mismatch',
      candidate: response(candidate),
      differences,
      rawDifferences: raw,
      noise,
      signature,
    };
  }

  /** The spec's compare rules over the workspace's, built once per spec (one object, so compiled once too). */
  private rulesOf(spec: LoadedSpec): CompareRules {
    let found = this.specRules.get(spec);
    if (!found) this.specRules.set(spec, (found = compareRulesOf(spec.spec, this.rules)));
    return found;
  }

  private footprintsOf(spec: LoadedSpec): FixFootprint[] {
    let found = this.footprints.get(spec);
    if (!found) this.footprints.set(spec, (found = fixFootprints(spec.spec)));
    return found;
  }
}

/**
 * With a secondary, what differs between two legacy instances on this very request (the same
 * concrete path and kind) is noise, not the rewrite. Cancelling a leaf (a value, a header, a line of
 * text) is what the secondary is for: when nothing else differs the request is `noise`, a match.
 * Cancelling the status or the structure (a missing or extra subtree, a type, a body that differs
 * as a whole) is not: the two legacy instances disagree on what the answer is, so the request is
 * `inconclusive` and keeps those differences in its signature, never a clean match.
 */
export function cancelNoise(
  raw: readonly Difference[],
  noise: readonly Difference[],
): { outcome: 'compared' | 'noise' | 'inconclusive'; differences: Difference[] } {
  if (noise.length === 0 || raw.length === 0) return { outcome: 'compared', differences: [...raw] };
  // A header parameter is its own cause: the secondary's differing boundary cancels no charset (the pattern says which parameter).
  const key = (d: Difference) => `${d.kind === 'header' ? d.pattern : d.path}\u0000${d.kind}`;
  const noisy = new Set(noise.map(key));
  const cancelled = (d: Difference) => noisy.has(key(d));
  if (raw.some((d) => cancelled(d) && isStructural(d))) return { outcome: 'inconclusive', differences: raw.filter((d) => !cancelled(d) || isStructural(d)) };
  const differences = raw.filter((d) => !cancelled(d));
  return { outcome: differences.length === 0 ? 'noise' : 'compared', differences };
}

function data(answer: UpstreamAnswer): ResponseData {
  return { status: answer.status, headers: answer.headers, body: answer.body };
}

function response(answer: UpstreamAnswer) {
  return { status: answer.status, headers: answer.headers, body: answer.body, durationMs: answer.durationMs };
}
