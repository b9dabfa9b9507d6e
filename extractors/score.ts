/**
 * How close an extraction comes to a hand-checked answer key (a fixture's expected.json): route
 * recall and precision, the auth class of each route found (required, optional or none), and the
 * recall and precision of its statuses, guards and side effects. Used by `bench:accuracy` and by
 * the tests that hold the blind fixtures to their scores.
 */
import type { EndpointFacts } from './types.js';

export type AuthClass = 'required' | 'optional' | 'none';

export interface ExpectedRoute {
  method: string;
  path: string;
  /** Whether a request without credentials is rejected (required), read when present (optional), or not looked at (none). */
  auth?: AuthClass;
  guards?: (string | { text: string })[];
  /** Every status the handler can answer (`statuses`, or `outcomes` in the older fixtures). */
  outcomes?: number[];
  statuses?: number[];
  /** `{kind, target}`, or the strings "kind:target" / "kind target" some fixtures use. */
  side_effects?: ({ kind: string; target: string } | string)[];
}

export interface Tally {
  hit: number;
  of: number;
}

export interface FixtureScore {
  routes: { expected: number; found: number; hit: number };
  /** Routes found whose auth class is the expected one, of the found routes the key gives a class. */
  auth: Tally;
  /** Expected statuses listed on the routes found. */
  statusRecall: Tally;
  /** Statuses listed on the routes found that the key expects. */
  statusPrecision: Tally;
  guards: Tally;
  sideEffects: Tally;
  /** Per route found with a different auth class: `GET /x: expected optional, found required`. */
  authMisses: string[];
  /** Per route found whose statuses differ: `GET /x: missing 404; not expected 500`. */
  statusMisses: string[];
  /** Expected routes not found, and routes found that the key does not list. */
  missing: string[];
  extra: string[];
}

/**
 * The auth class of a route from its guards: an auth guard that rejects (or an authorization guard
 * marked as requiring credentials, such as IsAdminUser) makes it required; auth guards that only
 * read make it optional.
 */
export function authClassOf(facts: Pick<EndpointFacts, 'guards'>): AuthClass {
  const rejects = facts.guards.some((g) => (g.kind === 'auth' && g.required !== false) || (g.kind === 'authz' && g.required === true));
  if (rejects) return 'required';
  return facts.guards.some((g) => g.kind === 'auth') ? 'optional' : 'none';
}

function sideEffectOf(effect: { kind: string; target: string } | string): { kind: string; target: string } {
  if (typeof effect !== 'string') return effect;
  const match = /^(\w+)[: ](.*)$/.exec(effect);
  return match ? { kind: match[1]!, target: match[2]! } : { kind: effect, target: '' };
}

/** Names may be cited with more around them (`@login_required`, `ProjectMailer.created`). */
const contains = (found: string, wanted: string) => found.toLowerCase().includes(wanted.toLowerCase());
const routeKey = (method: string, path: string) => `${method} ${path}`;

export function scoreExtraction(expected: readonly ExpectedRoute[], endpoints: readonly EndpointFacts[]): FixtureScore {
  const found = new Map<string, EndpointFacts>(endpoints.map((e) => [routeKey(e.method, e.path), e]));
  const wanted = new Set(expected.map((r) => routeKey(r.method, r.path)));
  const score: FixtureScore = {
    routes: { expected: wanted.size, found: found.size, hit: [...wanted].filter((k) => found.has(k)).length },
    auth: { hit: 0, of: 0 },
    statusRecall: { hit: 0, of: 0 },
    statusPrecision: { hit: 0, of: 0 },
    guards: { hit: 0, of: 0 },
    sideEffects: { hit: 0, of: 0 },
    authMisses: [],
    statusMisses: [],
    missing: [...wanted].filter((k) => !found.has(k)).sort(),
    extra: [...found.keys()].filter((k) => !wanted.has(k)).sort(),
  };
  for (const route of expected) {
    const facts = found.get(routeKey(route.method, route.path));
    if (!facts) continue;
    if (route.auth !== undefined) {
      score.auth.of++;
      const foundClass = authClassOf(facts);
      if (foundClass === route.auth) score.auth.hit++;
      else score.authMisses.push(`${routeKey(route.method, route.path)}: expected ${route.auth}, found ${foundClass}`);
    }
    const statuses = new Set(route.statuses ?? route.outcomes ?? []);
    const listed = new Set(facts.outcomes.map((o) => o.status));
    score.statusRecall.of += statuses.size;
    score.statusRecall.hit += [...statuses].filter((s) => listed.has(s)).length;
    // Precision only where the key lists statuses at all: a key without them says nothing either way.
    if (statuses.size > 0) {
      score.statusPrecision.of += listed.size;
      score.statusPrecision.hit += [...listed].filter((s) => statuses.has(s)).length;
      const missed = [...statuses].filter((s) => !listed.has(s));
      const unexpected = [...listed].filter((s) => !statuses.has(s));
      if (missed.length + unexpected.length > 0) {
        const parts = [
          ...(missed.length > 0 ? [`missing ${missed.join(', ')}`] : []),
          ...(unexpected.length > 0 ? [`not expected ${unexpected.join(', ')}`] : []),
        ];
        score.statusMisses.push(`${routeKey(route.method, route.path)}: ${parts.join('; ')}`);
      }
    }
    for (const guard of route.guards ?? []) {
      const text = typeof guard === 'string' ? guard : guard.text;
      score.guards.of++;
      if (facts.guards.some((g) => contains(g.text, text))) score.guards.hit++;
    }
    for (const raw of route.side_effects ?? []) {
      const effect = sideEffectOf(raw);
      score.sideEffects.of++;
      if (facts.side_effects.some((s) => s.kind === effect.kind && (contains(s.target, effect.target) || contains(effect.target, s.target)))) {
        score.sideEffects.hit++;
      }
    }
  }
  return score;
}

/** A tally as a ratio with two decimals, or "-" when there was nothing to count. */
export function ratio({ hit, of }: Tally): string {
  return of === 0 ? '-' : (hit / of).toFixed(2);
}
