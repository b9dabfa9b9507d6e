/**
 * Whether an auth guard rejects a request without credentials (`required: true`) or only reads
 * them when present (`required: false`), for every language: by the guard's name first
 * (`authenticateOptional`, `optionalAuth`, `jwt_optional`, `maybe_authenticate`), else by the code
 * behind it when there is some: code that answers 401/403 (or raises, halts, aborts) rejects; code
 * that reads credentials and has no way to reject only reads. Undefined when neither says, which
 * readers take as required: the safe reading for a cutover (a guard is assumed to guard).
 */

/** Names of auth middleware that let a request without credentials through. */
export const OPTIONAL_AUTH = /optional|maybe|lenient|anonymous|if_?present|allow_?anon|soft_?auth|try_?auth|current_?user_?if/i;

/** What rejecting code does, in any of the four languages. */
const REJECTS =
  /\bthrow\b|\braise\b|\bhalt\b|\babort\s*\(|\b40[13]\b|unauthori[sz]ed|forbidden|Status(Unauthorized|Forbidden)\b|\.(status|code|sendStatus)\(\s*4\d\d|\b(next|done)\(\s*(new\b|err|e\b|error)|ctx\.throw\(|\.end\(/i;

/** Credentials that code reads. */
const READS_CREDENTIALS = /authorization|bearer|token|jwt|cookie|session|verify/i;

export function authRequired(name: string, code: string | undefined): boolean | undefined {
  if (OPTIONAL_AUTH.test(name)) return false;
  if (code === undefined) return undefined;
  if (REJECTS.test(code)) return true;
  return READS_CREDENTIALS.test(code) ? false : undefined;
}
