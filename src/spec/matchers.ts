/**
 * Matchers inside an example's `expect.json` (and header/body expectations).
 *
 * A plain value must be equal. A mapping whose keys all start with `$` is a matcher instead:
 *
 *   {$type: string}            any value of that JSON type (string number integer boolean null object array)
 *   {$regex: "^inv_"}          a string matching the regular expression
 *   {$uuid: true}              a UUID string
 *   {$iso_date: true}          an ISO 8601 date or date-time string
 *   {$number: 12.5, $tolerance: 0.01}   a number within the tolerance
 *   {$unordered: [a, b]}       an array with these items in any order
 *   {$absent: true}            the field must not be present
 *   {$ignore: true}            anything, including absent
 *
 * The `$` prefix keeps matchers apart from response fields that happen to be called `type` or
 * `regex`. A key starting with `$` that is not listed here is an error, so typos never pass
 * silently as literal expectations.
 */

export const MATCHER_KEYS = ['$type', '$regex', '$uuid', '$iso_date', '$number', '$tolerance', '$unordered', '$absent', '$ignore'] as const;
export const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;

export interface MatcherProblem {
  path: (string | number)[];
  message: string;
  /** The problem is the key itself (an unknown matcher), not its value. */
  atKey?: boolean;
}

/** Every malformed matcher inside `value`, with the path to it. */
export function matcherProblems(value: unknown, path: (string | number)[] = []): MatcherProblem[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => matcherProblems(item, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  const entries = Object.entries(value as Record<string, unknown>);
  const dollarKeys = entries.filter(([k]) => k.startsWith('$')).map(([k]) => k);
  if (dollarKeys.length === 0) return entries.flatMap(([k, v]) => matcherProblems(v, [...path, k]));

  const problems: MatcherProblem[] = [];
  const unknown = dollarKeys.filter((k) => !(MATCHER_KEYS as readonly string[]).includes(k));
  for (const key of unknown) problems.push({ path: [...path, key], message: `unknown matcher "${key}" (matchers: ${MATCHER_KEYS.join(', ')})`, atKey: true });
  if (dollarKeys.length !== entries.length) {
    const plain = entries.filter(([k]) => !k.startsWith('$')).map(([k]) => k);
    problems.push({ path, message: `a matcher may not be mixed with plain fields (${plain.join(', ')})` });
  }
  if (unknown.length > 0 || problems.length > 0) return problems;

  const record = value as Record<string, unknown>;
  const kinds = dollarKeys.filter((k) => k !== '$tolerance');
  if (kinds.length !== 1) {
    return [{ path, message: kinds.length === 0 ? '$tolerance needs $number beside it' : `one matcher per value, got ${kinds.join(' and ')}` }];
  }
  const kind = kinds[0]!;
  const at = [...path, kind];
  const arg = record[kind];
  if ('$tolerance' in record && kind !== '$number') return [{ path: [...path, '$tolerance'], message: '$tolerance only goes with $number' }];
  switch (kind) {
    case '$type':
      if (!(JSON_TYPES as readonly unknown[]).includes(arg)) problems.push({ path: at, message: `$type must be one of ${JSON_TYPES.join(', ')}` });
      break;
    case '$regex':
      if (typeof arg !== 'string') problems.push({ path: at, message: '$regex must be a string' });
      else {
        try {
          new RegExp(arg, 'u');
        } catch (error) {
          problems.push({ path: at, message: `$regex does not compile: ${(error as Error).message}` });
        }
      }
      break;
    case '$number':
      if (typeof arg !== 'number') problems.push({ path: at, message: '$number must be a number' });
      if ('$tolerance' in record && !(typeof record.$tolerance === 'number' && record.$tolerance >= 0)) {
        problems.push({ path: [...path, '$tolerance'], message: '$tolerance must be a number >= 0' });
      }
      break;
    case '$unordered':
      if (!Array.isArray(arg)) problems.push({ path: at, message: '$unordered must be a list' });
      else problems.push(...matcherProblems(arg, at));
      break;
    default:
      if (arg !== true) problems.push({ path: at, message: `${kind} takes the value true` });
  }
  return problems;
}
