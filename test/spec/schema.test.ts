import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-info.js';
import { specJsonSchemaText } from '../../src/spec/json-schema.js';
import { parseSpecText } from '../../src/spec/load.js';
import { checkSpec } from '../../src/spec/lint.js';
import { specStatus } from '../../src/spec/status.js';

describe('specs/schema.json', () => {
  it('is the JSON Schema generated from the zod schema the loader validates with (run `npm run schema` after changing it)', () => {
    const committed = fs.readFileSync(path.join(packageRoot(), 'specs', 'schema.json'), 'utf8');
    expect(committed).toBe(specJsonSchemaText());
  });

  it('describes the top-level keys a spec may have, and no others', () => {
    const schema = JSON.parse(specJsonSchemaText()) as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual([
      'id',
      'endpoint',
      'approval',
      'extracted',
      'summary',
      'who_may_call',
      'rate_limit',
      'idempotency',
      'behaviors',
      'examples',
      'setup',
      'teardown',
      'compare',
    ]);
    expect(schema.required).toEqual(['id', 'endpoint']);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('specs/README.md', () => {
  it('its complete example is a valid spec with no lint problems', () => {
    const readme = fs.readFileSync(path.join(packageRoot(), 'specs', 'README.md'), 'utf8');
    const example = /<!-- complete-example -->\s*```yaml\n([^]*?)```/.exec(readme)?.[1];
    expect(example, 'the README marks its complete example with <!-- complete-example -->').toBeDefined();
    const loaded = parseSpecText('README.md', 'README.md', example!);
    expect(loaded.diagnostics).toEqual([]);
    expect(checkSpec(loaded.spec!)).toEqual([]);
    expect(loaded.spec!.spec.behaviors.map((b) => b.disposition).sort()).toEqual(['drop', 'fix', 'preserve']);
    // Its approval block is real: the hashes match, so it shows as approved.
    expect(specStatus(loaded.spec!.spec)).toEqual({ status: 'approved', reasons: [] });
  });
});
