import { z } from 'zod';
import { SpecSchema } from './schema.js';

/**
 * The JSON Schema of a spec file, generated from the zod schema the loader validates with.
 * Editors use it (`# yaml-language-server: $schema=...`) for completion and hover text.
 * Refinements that JSON Schema cannot express (matcher syntax, JSONPath syntax, cross-field
 * rules) are checked by `parity spec lint` only.
 */
export function specJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(SpecSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: 'parity endpoint spec',
    ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
  };
}

export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}
