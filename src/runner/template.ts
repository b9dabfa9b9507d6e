/**
 * `{{name}}` placeholders in example requests and expected values, filled from captures (and,
 * in headers, from the workspace's request hook). A placeholder with no value is an error that
 * names it and the values that do exist: a silently empty id would send a request to `/invoices/`
 * and fail far from the cause.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

export type Variables = ReadonlyMap<string, unknown>;

export class TemplateError extends Error {
  constructor(
    readonly variable: string,
    known: readonly string[],
  ) {
    super(
      `{{${variable}}} has no value: nothing captured it before this request` +
        (known.length > 0 ? ` (values so far: ${known.map((k) => `{{${k}}}`).join(', ')})` : ' (nothing has been captured yet)'),
    );
    this.name = 'TemplateError';
  }
}

/** The placeholder names used anywhere inside `value`. */
export function placeholderNames(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') for (const match of v.matchAll(PLACEHOLDER)) names.add(match[1]!);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return [...names];
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
