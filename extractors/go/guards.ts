import type { Guard } from '../types.js';

/**
 * How middleware becomes a guard: by its name (the text of the middleware expression, such as
 * `middleware.JWT(secret)` or `requireRole("admin")`). The first rule that matches wins; middleware
 * no rule matches (loggers, recoverers, CORS, request ids, ...) is not a guard and is ignored.
 */
export const MIDDLEWARE_GUARD_RULES: readonly { kind: Guard['kind']; pattern: RegExp }[] = [
  { kind: 'csrf', pattern: /csrf|xsrf/i },
  { kind: 'authz', pattern: /role|permission|authoriz|admin|acl|policy|scope/i },
  { kind: 'auth', pattern: /auth|jwt|token|session|apikey|api_key|login|basic/i },
  { kind: 'rate_limit', pattern: /rate|limit|throttle/i },
];

/** Middleware whose names look like a rule's but are not guards. */
const NOT_GUARDS = /bodylimit|maxbytes|logger|recover|cors|gzip|compress|requestid|realip|timeout/i;

export function classifyMiddleware(text: string): Guard['kind'] | undefined {
  if (NOT_GUARDS.test(text)) return undefined;
  return MIDDLEWARE_GUARD_RULES.find((r) => r.pattern.test(text))?.kind;
}
