/** Marks edit the spec file in place and undo gives back exactly the file that was there. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMark, readMarks, undoMark } from '../../src/dashboard/marks.js';
import { loadSpecs } from '../../src/spec/load.js';
import { approveSpec } from '../../src/spec/approve.js';
import { specStatus } from '../../src/spec/status.js';
import { openStore } from '../../src/store/store.js';
import { useTempDir } from '../helpers/tmp.js';

const tempDir = useTempDir('marks');
const ENDPOINT = 'GET /things/{id}';
const SPEC = [
  'id: things.get',
  'endpoint: GET /things/{id}',
  'who_may_call: anyone',
  'rate_limit: none, intentionally',
  'behaviors:',
  '  # the only fix',
  '  - id: rounding',
  '    says: Prices are rounded half-up.',
  '    disposition: fix',
  '',
].join('\n');

function setup(text = SPEC) {
  const dir = tempDir();
  const specs = path.join(dir, 'specs');
  fs.mkdirSync(specs);
  const file = path.join(specs, 'things.yaml');
  fs.writeFileSync(file, text);
  const store = path.join(dir, 'parity.db');
  openStore(store).close();
  const spec = () => loadSpecs(specs, dir).specs[0]!;
  return { dir, specs, file, store, spec };
}

describe('marks', () => {
  it('noise on a spec without compare rules creates them, and undo removes them again, byte for byte', () => {
    const { dir, file, store, spec } = setup();
    const signature = `${ENDPOINT} | $.items[*].id value; $.tags order; header:x-trace header`;
    const parts = [
      { pattern: '$.items[*].id', kind: 'value' },
      { pattern: '$.tags', kind: 'order' },
      { pattern: 'header:x-trace', kind: 'header' },
    ];
    const result = applyMark({ store, cwd: dir, endpoint: ENDPOINT, signature, spec: spec(), parts, mark: 'noise', now: 5 });
    expect(result.change).toBe(
      `added to ${path.join('specs', 'things.yaml')}: compare.ignore $.items[*].id; compare.unordered $.tags; compare.ignore_headers x-trace`,
    );
    expect(spec().spec.compare).toEqual({ ignore: ['$.items[*].id'], unordered: ['$.tags'], ignore_headers: ['x-trace'] });
    expect(fs.readFileSync(file, 'utf8').startsWith(SPEC)).toBe(true);
    expect(readMarks(store, ENDPOINT).get(signature)).toEqual({ mark: 'noise', behavior: null, at: 5 });

    undoMark({ store, cwd: dir, endpoint: ENDPOINT, signature, spec: spec() });
    expect(fs.readFileSync(file, 'utf8')).toBe(SPEC);
    expect(readMarks(store, ENDPOINT).size).toBe(0);
  });

  it('noise on a header parameter (a charset) stops that parameter from counting, not the header', () => {
    const { dir, file, store, spec } = setup();
    const signature = `${ENDPOINT} | header:content-type;charset header`;
    const parts = [{ pattern: 'header:content-type;charset', kind: 'header' }];
    const result = applyMark({ store, cwd: dir, endpoint: ENDPOINT, signature, spec: spec(), parts, mark: 'noise', now: 5 });
    expect(result.change).toBe(`added to ${path.join('specs', 'things.yaml')}: compare.ignore_header_parameters content-type;charset`);
    expect(spec().spec.compare).toEqual({ ignore_header_parameters: ['content-type;charset'] });
    undoMark({ store, cwd: dir, endpoint: ENDPOINT, signature, spec: spec() });
    expect(fs.readFileSync(file, 'utf8')).toBe(SPEC);
  });

  it('keeps the approval: compare rules and linked signatures are not what a reviewer approved', () => {
    const { dir, specs, file, store, spec } = setup();
    approveSpec({ specsDir: specs, cwd: dir, id: 'things.get', by: 'Ada' });
    const approved = fs.readFileSync(file, 'utf8');
    const signature = `${ENDPOINT} | $.price value`;
    applyMark({
      store,
      cwd: dir,
      endpoint: ENDPOINT,
      signature,
      spec: spec(),
      parts: [{ pattern: '$.price', kind: 'value' }],
      mark: 'expected',
      behavior: 'rounding',
    });
    expect(spec().spec.behaviors[0]!.signatures).toEqual([signature]);
    expect(specStatus(spec().spec).status).toBe('approved');
    undoMark({ store, cwd: dir, endpoint: ENDPOINT, signature, spec: spec() });
    expect(fs.readFileSync(file, 'utf8')).toBe(approved);
  });

  it('refuses noise for a status difference and a spec that is not there, changing nothing', () => {
    const { dir, file, store, spec } = setup();
    const status = [{ pattern: 'status', kind: 'status' }];
    expect(() => applyMark({ store, cwd: dir, endpoint: ENDPOINT, signature: 's', spec: spec(), parts: status, mark: 'noise' })).toThrow(
      /a status difference cannot be marked noise/,
    );
    expect(() =>
      applyMark({ store, cwd: dir, endpoint: 'GET /other', signature: 's', spec: null, parts: [{ pattern: '$.a', kind: 'value' }], mark: 'noise' }),
    ).toThrow('no spec covers GET /other: a noise mark is kept in the spec, so write one first (parity extract)');
    expect(fs.readFileSync(file, 'utf8')).toBe(SPEC);
    expect(readMarks(store, ENDPOINT).size).toBe(0);
  });
});
