/**
 * Comparing two answers with learned pairs: where the primary says `cus_P` and the candidate the
 * `cus_C` it was paired with, the two are equal. Pure.
 *
 * Whole values compare through the map (a weak value under the scope its key names, as in
 * translation). A string that holds values inside a path or a query (`/customers/cus_P/invoices`,
 * a `Location` header) is compared token by token: the same delimiters, and every token that
 * differs a learned pair. Anything else that differs is a difference, learned values included:
 * `cus_P` against a `cus_X` that is not its pair is what a candidate that lost track of the entity
 * answers.
 */
import type { Concrete } from '../compare/json.js';
import { collectionOf, identifierKey, isStrong, singular, type Scalar } from './identifiers.js';
import { scopeOfKey, type WalkContext } from './request.js';

/** Where two differing values were found: a JSON body path, or a header. */
export type EquivalenceSite = { path: readonly Concrete[] } | { header: string };

/** True when two differing values are one thing under two names. */
export type Equivalence = (primary: Scalar, other: Scalar, site: EquivalenceSite) => boolean;

export interface PairLookup {
  /**
   * Whether `other` is the learned counterpart of `primary` under `scope` (scope ignored for strong
   * values); `identifier`: the values sit at an identifier position, where a pair learned under
   * another scope may count (see CorrelationMap.pairs).
   */
  pairs(primary: Scalar, other: Scalar, scope: string | undefined, identifier?: boolean): boolean;
}

const TOKEN_DELIMITERS = /([/?&=#;,:\s]+)/;

export function pairEquivalence(lookup: PairLookup, request: { target: string }, context: WalkContext = {}): Equivalence {
  const collection = collectionOf(request.target, context.template);
  return (primary, other, site) => {
    if (typeof primary !== typeof other) return false;
    const { scope, identifier } = 'header' in site ? { scope: undefined, identifier: false } : siteScope(site.path, collection, context);
    if (lookup.pairs(primary, other, isStrong(primary) ? undefined : scope, identifier)) return true;
    return typeof primary === 'string' && typeof other === 'string' && tokensPair(lookup, primary, other);
  };
}

function siteScope(path: readonly Concrete[], collection: string | undefined, context: WalkContext): { scope: string | undefined; identifier: boolean } {
  const keys = path.filter((step): step is { kind: 'key'; name: string } => step.kind === 'key');
  const key = keys.at(-1)?.name;
  if (key === undefined) return { scope: collection, identifier: false };
  return { scope: scopeOfKey(key, keys.at(-2)?.name, collection, context), identifier: identifierKey(key, context.extraKeys) !== undefined };
}

/** `/customers/cus_P/invoices` and `/customers/cus_C/invoices`: equal when every differing token is a learned pair. */
function tokensPair(lookup: PairLookup, a: string, b: string): boolean {
  if (!TOKEN_DELIMITERS.test(a) || !TOKEN_DELIMITERS.test(b)) return false;
  const tokensA = a.split(TOKEN_DELIMITERS);
  const tokensB = b.split(TOKEN_DELIMITERS);
  if (tokensA.length !== tokensB.length) return false;
  let differing = 0;
  let previousWord: string | undefined;
  for (let i = 0; i < tokensA.length; i++) {
    const x = tokensA[i]!;
    const y = tokensB[i]!;
    // Odd positions are delimiters: they must be the same.
    if (i % 2 === 1) {
      if (x !== y) return false;
      continue;
    }
    if (x !== y) {
      // A segment after a word names one of those (`/customers/1000`): an identifier position.
      if (!lookup.pairs(x, y, isStrong(x) ? undefined : previousWord, previousWord !== undefined)) return false;
      differing += 1;
    }
    if (/^[A-Za-z][A-Za-z_-]*$/.test(x)) previousWord = singular(x);
  }
  return differing > 0;
}
