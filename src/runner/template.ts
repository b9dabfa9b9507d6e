/**
 * `{{name}}` placeholders in example requests and expected values, filled from captures (and,
 * in headers, from the workspace's request hook). A placeholder with no value is an error that
 * names it and the values that do exist: a silently empty id would send a request to `/invoices/`
 * and fail far from the cause.
 *
 * `{{$name}}` placeholders are template functions: values made up per example run, so an example
 * that registers a user can run a hundred times (TEMPLATE_FUNCTIONS). Each is made once per run
 * of an example and used by both sides, so a request and the expectation after it agree, and the
 * legacy and the rewrite are sent the same thing; `{{$unique:alice}}` and `{{$unique:bob}}` are two
 * different values within one run.
 */
import { randomBytes, randomUUID } from 'node:crypto';

// A capture's name, or a template function's with an optional label.
const NAME = String.raw`[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_-]+)?`;
const PLACEHOLDER = new RegExp(String.raw`\{\{\s*(${NAME})\s*\}\}`, 'g');
const WHOLE_PLACEHOLDER = new RegExp(String.raw`^\{\{\s*(${NAME})\s*\}\}$`);

export type Variables = ReadonlyMap<string, unknown>;

/** The template functions: what each makes, once per example run (per label). */
export const TEMPLATE_FUNCTIONS: Readonly<Record<string, { says: string; make(at: Date): string | number }>> = {
  $unique: {
    says: 'a short unique token (a letter, then 11 lowercase letters and digits), for usernames, emails, slugs and names that must not repeat',
    make: () => `u${randomBytes(8).readBigUInt64BE().toString(36).padStart(11, '0').slice(-11)}`,
  },
  $uuid: { says: 'a random UUID (version 4)', make: () => randomUUID() },
  $now: { says: 'the time the example run started, ISO 8601 in UTC', make: (at) => at.toISOString() },
  $timestamp: { says: 'the time the example run started, in whole seconds since the Unix epoch', make: (at) => Math.floor(at.getTime() / 1000) },
};

/**
 * The values of one example run: captures, and template functions made on first use. Both sides
 * of the run share `functions`, so `{{$unique}}` is the same on the legacy and the rewrite.
 */
export class ExampleVariables extends Map<string, unknown> {
  constructor(private readonly functions: TemplateFunctionValues) {
    super();
  }

  override has(name: string): boolean {
    return name.startsWith('$') ? this.functions.has(name) : super.has(name);
  }

  override get(name: string): unknown {
    return name.startsWith('$') ? this.functions.get(name) : super.get(name);
  }

  /** These values and `extra` (a request hook's), with the same template functions. */
  extended(extra: Readonly<Record<string, unknown>>): ExampleVariables {
    const out = new ExampleVariables(this.functions);
    for (const [name, value] of [...this, ...Object.entries(extra)]) out.set(name, value);
    return out;
  }
}

/** Template function values made on first use, once per name and label, for one example run. */
export class TemplateFunctionValues {
  private readonly made = new Map<string, string | number>();
  private readonly at = new Date();

  has(name: string): boolean {
    return Object.hasOwn(TEMPLATE_FUNCTIONS, name.split(':')[0]!);
  }

  get(name: string): string | number | undefined {
    const fn = TEMPLATE_FUNCTIONS[name.split(':')[0]!];
    if (!fn) return undefined;
    let value = this.made.get(name);
    if (value === undefined) this.made.set(name, (value = fn.make(this.at)));
    return value;
  }
}

export class TemplateError extends Error {
  constructor(
    readonly variable: string,
    known: readonly string[],
  ) {
    super(
      variable.startsWith('$')
        ? `{{${variable}}} is not a template function (there are ${Object.keys(TEMPLATE_FUNCTIONS)
            .map((k) => `{{${k}}}`)
            .join(', ')}, each optionally with a label: {{$unique:alice}})`
        : `{{${variable}}} has no value: nothing captured it before this request` +
            (known.length > 0 ? ` (values so far: ${known.map((k) => `{{${k}}}`).join(', ')})` : ' (nothing has been captured yet)'),
    );
    this.name = 'TemplateError';
  }
}

/** Text with every placeholder replaced by its value (JSON for non-strings). */
export function renderText(text: string, variables: Variables): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    if (!variables.has(name)) throw new TemplateError(name, [...variables.keys()]);
    const value = variables.get(name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * A deep copy of `value` with placeholders filled. A string that is exactly one placeholder takes
 * the captured value as it is, so `{amount: "{{amount}}"}` sends a number when a number was captured.
 */
export function renderValue(value: unknown, variables: Variables): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole) {
      const name = whole[1]!;
      if (!variables.has(name)) throw new TemplateError(name, [...variables.keys()]);
      return variables.get(name);
    }
    return renderText(value, variables);
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, variables));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, variables)]));
  }
  return value;
}
