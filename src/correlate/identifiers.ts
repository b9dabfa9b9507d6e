/**
 * Which values are identifiers a service made up (ids, slugs, tokens, session cookies), and what
 * kind of thing each one names. Pure.
 *
 * Two services fed the same requests make up different identifiers: each database has its own
 * sequence, each rewrite its own random ids and its own signing secret. Correlation
 * (src/correlate/map.ts) learns which value of one side stands for which value of the other; this
 * module decides where such values live and how far a learned value may be trusted:
 *
 * - **Identifier keys.** JSON keys named `id`, `_id`, `uuid`, `guid`, `uid`, `ids`, anything
 *   ending in `_id`/`Id`, `_uuid`, `_ids`/`Ids`, `token`, `jwt`, anything ending in `_token`/`Token`,
 *   `session`, `sid` are *opaque*: their values mean nothing beyond identity, so two different
 *   values there are two services' names for one thing. `slug`, `handle` and `*_slug` are
 *   *derived*: made from content, often with a random suffix, and a different slug can be a real
 *   difference (the rewrite slugifies differently), so one is only learned when the two differ the
 *   way random suffixes do (see `looksGenerated`).
 * - **Scopes.** A number or a short string (`1000`, `"a1b2"`) is *weak*: it is also a page number,
 *   a quantity, another table's id. A weak value is learned and translated under the scope of the
 *   thing it names (`customer` for `$.id` of `POST /customers`, `$.customer_id`, or the segment
 *   after `/customers/`), and only used where the same scope appears. A *strong* value (a string of
 *   8 characters or more: `cus_9f2c...`, a UUID, a JWT, a slug with its suffix) cannot be anything
 *   else, so it is used wherever it appears whole. Nothing is ever replaced inside a larger value:
 *   `1 -> 7` never touches `/items/12`.
 */

export type IdentifierTier = 'opaque' | 'derived';

export interface IdentifierKey {
  tier: IdentifierTier;
  /** The thing the key itself names (`customer` for `customer_id`), or undefined when the context decides (`id`). */
  scope: string | undefined;
}

/** The length from which a string identifier is trusted to mean one thing wherever it appears. */
export const STRONG_STRING_LENGTH = 8;

/** Parent keys that name a wrapper, not a thing: `$.data.id` is the id of whatever the request addressed. */
const GENERIC_PARENTS = new Set([
  'data',
  'items',
  'item',
  'results',
  'result',
  'records',
  'record',
  'rows',
  'row',
  'entries',
  'entry',
  'list',
  'objects',
  'object',
  'payload',
  'response',
  'body',
  'content',
  'nodes',
  'node',
  'edges',
  'hits',
  'value',
  'values',
  'attributes',
  'included',
  'resource',
  'resources',
  'entity',
  'entities',
  'meta',
]);

const OPAQUE_EXACT = new Set(['id', '_id', 'uuid', 'guid', 'uid', 'ids', 'token', 'jwt', 'session', 'sid', 'access_token', 'refresh_token']);
const DERIVED_EXACT = new Set(['slug', 'handle']);

/** `customerId` -> `customer_id`, `userUUID` -> `user_uuid`, `Order-ID` -> `order_id`. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[-\s.]+/g, '_')
    .toLowerCase();
}

/**
 * A noun's singular, just well enough that `customers`, `customer` and `customer_id` name one
 * scope: scopes are compared with each other, never shown as English.
 */
export function singular(noun: string): string {
  // Collection names repeat on every request: each is worked out once.
  let found = singulars.get(noun);
  if (found === undefined) {
    if (singulars.size >= KEY_MEMO_LIMIT) singulars.clear();
    singulars.set(noun, (found = singularOf(noun)));
  }
  return found;
}

const singulars = new Map<string, string>();

function singularOf(noun: string): string {
  const word = noun.toLowerCase().replace(/[^a-z0-9_]/g, '');
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(sses|xes|ches|shes|zzes)$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * Whether a JSON key holds an identifier, and of which tier and scope. `extraKeys` are names a
 * workspace declares (`shadow.correlation.keys`), lower-case, opaque.
 */
export function identifierKey(key: string, extraKeys?: ReadonlySet<string>): IdentifierKey | undefined {
  // The same few keys come back on every answer: each is classified once per set of extra keys.
  const memo = memoFor(extraKeys);
  if (memo.has(key)) return memo.get(key) ?? undefined;
  const found = classifyKey(key, extraKeys);
  if (memo.size >= KEY_MEMO_LIMIT) memo.clear();
  memo.set(key, found ?? null);
  return found;
}

const KEY_MEMO_LIMIT = 10_000;
const NO_EXTRA_KEYS: ReadonlySet<string> = new Set();
const keyMemos = new WeakMap<ReadonlySet<string>, Map<string, IdentifierKey | null>>();

function memoFor(extraKeys: ReadonlySet<string> | undefined): Map<string, IdentifierKey | null> {
  const owner = extraKeys ?? NO_EXTRA_KEYS;
  let memo = keyMemos.get(owner);
  if (!memo) keyMemos.set(owner, (memo = new Map()));
  return memo;
}

function classifyKey(key: string, extraKeys: ReadonlySet<string> | undefined): IdentifierKey | undefined {
  const name = snakeCase(key);
  if (OPAQUE_EXACT.has(name) || extraKeys?.has(name) || extraKeys?.has(key.toLowerCase())) return { tier: 'opaque', scope: undefined };
  if (DERIVED_EXACT.has(name)) return { tier: 'derived', scope: undefined };
  const suffix = /^(.+?)_(id|ids|uuid|uuids|guid|token|jwt|slug)$/.exec(name);
  if (!suffix) return undefined;
  const [, prefix, kind] = suffix as unknown as [string, string, string];
  if (kind === 'token' || kind === 'jwt') return { tier: 'opaque', scope: 'token' };
  return { tier: kind === 'slug' ? 'derived' : 'opaque', scope: singular(prefix) };
}

/** A parent key that names a thing (`customer` in `$.customer.id`), or undefined for a wrapper (`data`). */
export function scopeOfParent(parentKey: string | undefined): string | undefined {
  if (parentKey === undefined) return undefined;
  const name = snakeCase(parentKey);
  if (GENERIC_PARENTS.has(name)) return undefined;
  return singular(name);
}

/** A string or a number: the values identifiers are. */
export type Scalar = string | number;

export function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Strong values mean one thing wherever they appear; weak ones only under their scope. */
export function isStrong(value: Scalar): boolean {
  return typeof value === 'string' && value.length >= STRONG_STRING_LENGTH;
}

const JWT = /^eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

/** A JSON Web Token (`eyJ...` header, payload, signature): an identifier wherever it appears. */
export function isJwt(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 16 && JWT.test(value);
}

const SEPARATOR = /[-_.~]/;

/**
 * Whether two derived identifiers (slugs) differ the way made-up ones do: the same text with
 * different random suffixes (`how-to-x-yzqlfw` / `how-to-x-k3j9a`), or two random tokens of one
 * shape with a digit (`a1b2` / `c3d4`). Not when one is the other plus something (`hello-world` /
 * `hello-world-2`), nor when a differing part is a word the client sent (`sentWords`, lower-case):
 * those are differences a rewrite may really have.
 */
export function looksGenerated(a: string, b: string, sentWords: ReadonlySet<string> = new Set()): boolean {
  if (a === b) return false;
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  // Back to the last separator inside the common part: the suffixes are whole tokens.
  let cut = common;
  while (cut > 0 && !SEPARATOR.test(a[cut - 1]!)) cut--;
  const tailA = a.slice(cut);
  const tailB = b.slice(cut);
  // A random suffix is not one of the words the client sent (`hello-world` from the title "Hello World").
  const randomToken = (text: string) => /^[A-Za-z0-9]{4,}$/.test(text) && !sentWords.has(text.toLowerCase());
  if (cut > 0) return randomToken(tailA) && randomToken(tailB) && Math.abs(tailA.length - tailB.length) <= 2;
  // Nothing in common: two wholly random values of the same shape.
  return a.length === b.length && randomToken(a) && randomToken(b) && /\d/.test(a + b);
}

/**
 * The collection a request addresses, singular: the last path segment that is a word
 * (`/customers/cus_1/invoices` -> `invoice`, `/customers/42` -> `customer`). With the endpoint's
 * template (`/customers/{customer_id}`), its last literal segment. `isValue` tells segments known
 * to be values (learned identifiers) from words.
 */
export function collectionOf(target: string, template?: string, isValue?: (segment: string) => boolean): string | undefined {
  if (template !== undefined) {
    const literal = template
      .split('/')
      .filter((segment) => segment !== '' && !segment.includes('{'))
      .pop();
    return literal === undefined ? undefined : singular(literal);
  }
  const end = target.search(/[?#]/);
  const segments = (end === -1 ? target : target.slice(0, end)).split('/').filter((segment) => segment !== '');
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    if (/^[A-Za-z][A-Za-z_-]*$/.test(segment) && !isValue?.(segment)) return singular(segment);
  }
  return undefined;
}
