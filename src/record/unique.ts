/** Values unique per run: what `parity record` does to an example that passes only once. Pure. */
import type { Example, Expectation, SpecRequest, Step } from '../spec/schema.js';
import { decodeSegment } from './match.js';

/** Keys of a written body whose values a server keeps unique: a second registration with the same one is refused. */
export const UNIQUE_KEY = /^(user_?name|login|handle|nick_?name|screen_?name|e_?mail|email_?address|slug)$/i;

/**
 * The example with the values its writes send under keys servers keep unique (usernames, emails,
 * slugs a client chooses) made unique per run with {{$unique}}: `ada` becomes `ada{{$unique}}`,
 * `ada@example.test` becomes `ada{{$unique}}@example.test`, and every use of the value in the
 * example (a login after the registration, an answer that echoes it) is written the same way.
 * Undefined when it sends no such value. Verification applies it to an example that does not
 * pass twice in a row as recorded.
 */
export function withUniqueValues(example: Example): Example | undefined {
  const steps: Step[] = example.steps ?? (example.request ? [{ request: example.request, ...(example.expect && { expect: example.expect }) }] : []);
  const templates = new Map<string, string>();
  const prefix = (text: string) => text.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  const collect = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (!UNIQUE_KEY.test(key) || value.length < 2 || value.includes('{{') || templates.has(value)) return;
      const at = value.lastIndexOf('@');
      templates.set(value, at > 0 ? `${prefix(value.slice(0, at))}{{$unique}}${value.slice(at)}` : `${prefix(value)}{{$unique}}`);
    } else if (Array.isArray(value)) value.forEach((item) => collect(item, key));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(v, k);
  };
  for (const step of steps) {
    if (!['POST', 'PUT', 'PATCH'].includes(step.request.method)) continue;
    collect(step.request.json, '');
    collect(step.request.form, '');
  }
  if (templates.size === 0) return undefined;
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') return templates.get(value) ?? value;
    if (Array.isArray(value)) return value.map(replace);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    return value;
  };
  const path = (text: string) =>
    text
      .split('/')
      .map((segment) => templates.get(decodeSegment(segment)) ?? segment)
      .join('/');
  const rewrite = (step: Step): Step => ({
    ...step,
    request: { ...(replace(step.request) as SpecRequest), path: path(step.request.path) },
    ...(step.expect && { expect: replace(step.expect) as Expectation }),
  });
  const cleanup = example.cleanup && { cleanup: example.cleanup.map(rewrite) };
  if (example.steps) return { ...example, steps: example.steps.map(rewrite), ...cleanup };
  const only = rewrite(steps[0]!);
  return { ...example, request: only.request, ...(only.expect && { expect: only.expect }), ...cleanup };
}
