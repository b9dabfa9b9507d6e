import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveSpec } from '../../src/spec/approve.js';
import { listSpecs } from '../../src/spec/list.js';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const HASH_A = `sha256:${'a'.repeat(64)}`;
const HASH_B = `sha256:${'b'.repeat(64)}`;

const COMMENTED = `# yaml-language-server: $schema=../schema.json
# Refunds: reviewed in the rewrite meeting.
id: refunds.create   # stable id, used by reports
endpoint: POST /invoices/{invoice_id}/refunds
# ---- machine-owned below: rewritten by parity extract ----
extracted:
  handler: app/controllers/refunds_controller.rb:12
  source_hash: ${HASH_A}
  outcomes:
    - {status: 422, when: "amount > invoice.balance", evidence: "app/controllers/refunds_controller.rb:20"}

# ---- human-owned ----
summary: >
  Refund part or all of a paid invoice,
  up to its remaining balance.
who_may_call: "the invoice's account"   # require_api_key + account scope
rate_limit: none, intentionally
behaviors:
  - id: over-refund-rejected
    says: 'Refunding more than the balance answers 422'
    disposition: preserve   # keep!

  # A real bug: the legacy truncates.
  - {id: tax-rounding, says: "Refund tax rounds half-even", disposition: fix}
examples:
  - name: rounding
    behavior: tax-rounding
    request: {method: POST, path: /invoices/inv_1/refunds, json: {amount: 333}}
    expect:        {status: 201, json: {tax: 67}}
    expect_legacy: {status: 201, json: {tax: 66}}
`;

/** The text with its top-level approval block (the key and its indented lines) removed. */
function withoutApproval(text: string): string {
  return text.replace(/^approval:.*\r?\n(?:[ \t]+.*\r?\n)*/m, '');
}

function setup(dir: string, text = COMMENTED): string {
  writeFiles(dir, { 'specs/refunds.yaml': text, 'parity.yaml': 'specs: specs\n' });
  return path.join(dir, 'specs', 'refunds.yaml');
}

describe('parity spec approve', () => {
  const tmp = useTempDir('approve');

  it('adds an approval block and keeps every other byte of a commented file', async () => {
    const dir = tmp();
    const file = setup(dir);
    const run = await parity(dir, 'spec', 'approve', 'refunds.create', '--by', 'Ada Lovelace');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^approved refunds\.create in specs\/refunds\.yaml by Ada Lovelace at \d{4}-\d\d-\d\dT/);

    const after = fs.readFileSync(file, 'utf8');
    expect(withoutApproval(after)).toBe(COMMENTED);
    // Placed right after the endpoint line, before the comment that introduces the next section.
    expect(after).toMatch(
      /^endpoint: POST \/invoices\/\{invoice_id\}\/refunds\napproval:\n {2}by: Ada Lovelace\n {2}at: .+\n {2}source_hash: sha256:a{64}\n {2}spec_hash: sha256:[0-9a-f]{64}\n# ---- machine-owned/m,
    );
    expect(listSpecs({ specsDir: path.join(dir, 'specs'), cwd: dir }).specs[0]).toMatchObject({ status: 'approved', approval: { by: 'Ada Lovelace' } });
  });

  it('replaces an earlier approval in place, byte-for-byte elsewhere', () => {
    const dir = tmp();
    const file = setup(dir);
    const specsDir = path.join(dir, 'specs');
    approveSpec({ specsDir, cwd: dir, id: 'refunds.create', by: 'Ada', now: new Date('2026-11-01T10:00:00Z') });
    const first = fs.readFileSync(file, 'utf8');
    const second = approveSpec({ specsDir, cwd: dir, id: 'refunds.create', by: 'Grace', now: new Date('2026-11-02T10:00:00Z') });
    expect(second.previous).toMatchObject({ by: 'Ada', at: '2026-11-01T10:00:00.000Z' });
    const after = fs.readFileSync(file, 'utf8');
    expect(withoutApproval(after)).toBe(COMMENTED);
    expect(after.split('\n').length).toBe(first.split('\n').length);
    expect(after).toContain('  by: Grace\n  at: 2026-11-02T10:00:00.000Z\n');
  });

  it("replaces a hand-written flow-style approval, and follows the file's indentation and line endings", () => {
    const dir = tmp();
    const original = COMMENTED.replace(
      'endpoint: POST /invoices/{invoice_id}/refunds\n',
      `endpoint: POST /invoices/{invoice_id}/refunds\napproval: {by: someone, at: "2026-01-01T00:00:00Z", spec_hash: ${HASH_B}}  # stale\n`,
    )
      .replace(/^ {2}(?=\S)/gm, '    ')
      .replace(/^ {4}(?=(says|disposition|behavior|request|expect))/gm, '      ')
      .replace(/\n/g, '\r\n');
    const file = setup(dir, original);
    approveSpec({ specsDir: path.join(dir, 'specs'), cwd: dir, id: 'refunds.create', by: 'Ada', now: new Date('2026-11-01T10:00:00Z') });
    const after = fs.readFileSync(file, 'utf8');
    expect(after).toContain(`approval:\r\n    by: Ada\r\n    at: 2026-11-01T10:00:00.000Z\r\n    source_hash: ${HASH_A}\r\n    spec_hash: sha256:`);
    expect(after).toMatch(/spec_hash: sha256:[0-9a-f]{64}  # stale\r\n/);
    expect(after.replace(/^approval:[^]*?  # stale\r\n/m, '')).toBe(original.replace(/^approval:.*\r\n/m, ''));
  });

  it('refuses while who_may_call or rate_limit is empty or a behaviour is undecided, and leaves the file alone', async () => {
    const dir = tmp();
    const incomplete = COMMENTED.replace('rate_limit: none, intentionally', 'rate_limit:').replace('disposition: preserve   # keep!', 'disposition: undecided');
    const file = setup(dir, incomplete);
    const run = await parity(dir, 'spec', 'approve', 'refunds.create', '--by', 'Ada');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('cannot approve "refunds.create"');
    expect(run.stderr).toContain('rate_limit is empty');
    expect(run.stderr).toContain('1 undecided behaviour: over-refund-rejected');
    expect(fs.readFileSync(file, 'utf8')).toBe(incomplete);
  });

  it('refuses a spec with lint problems, printing them', async () => {
    const dir = tmp();
    const file = setup(dir, COMMENTED.replace('    expect_legacy: {status: 201, json: {tax: 66}}\n', ''));
    const before = fs.readFileSync(file, 'utf8');
    const run = await parity(dir, 'spec', 'approve', 'refunds.create', '--by', 'Ada');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^specs\/refunds\.yaml:26:11: example "rounding" demonstrates fix behaviour/m);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('exits 2 for an unknown id, suggesting the closest', async () => {
    const dir = tmp();
    setup(dir);
    const run = await parity(dir, 'spec', 'approve', 'refund.create', '--by', 'Ada');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no spec with id "refund.create" (did you mean "refunds.create"?)');
  });

  it('warns when there is no source hash to bind to', async () => {
    const dir = tmp();
    setup(dir, COMMENTED.replace(`  source_hash: ${HASH_A}\n`, ''));
    const run = await parity(dir, 'spec', 'approve', 'refunds.create', '--by', 'Ada');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: the spec has no extracted.source_hash');
  });
});

describe('spec status', () => {
  const tmp = useTempDir('status');

  it('moves draft -> reviewed -> approved -> drifted, and back to reviewed when decisions change', async () => {
    const dir = tmp();
    const file = setup(dir, COMMENTED.replace('disposition: preserve   # keep!', 'disposition: undecided'));
    const status = async () => {
      const run = await parity(dir, 'spec', 'status', '--json');
      return JSON.parse(run.stdout).specs[0] as { status: string; reasons: string[] };
    };
    expect(await status()).toMatchObject({ status: 'draft', reasons: ['1 undecided behaviour: over-refund-rejected'] });

    fs.writeFileSync(file, COMMENTED);
    expect(await status()).toMatchObject({ status: 'reviewed', reasons: ['not approved yet'] });

    await parity(dir, 'spec', 'approve', 'refunds.create', '--by', 'Ada');
    expect(await status()).toMatchObject({ status: 'approved', reasons: [] });

    // An example or compare rule added later does not withdraw the approval.
    fs.appendFileSync(file, 'compare:\n  ignore: ["$.id"]\n');
    expect((await status()).status).toBe('approved');

    // extract saw different legacy code.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`  source_hash: ${HASH_A}\n  outcomes`, `  source_hash: ${HASH_B}\n  outcomes`));
    const drifted = await status();
    expect(drifted.status).toBe('drifted');
    expect(drifted.reasons[0]).toContain('the legacy source changed (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)');

    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace("says: 'Refunding more than the balance answers 422'", "says: 'Refunding more than the balance answers 400'"),
    );
    expect((await status()).reasons[0]).toMatch(/^edited since approved by Ada at /);
  });

  it('renders a table with counts, and exits 2 naming files that do not load', async () => {
    const dir = tmp();
    setup(dir);
    writeFiles(dir, { 'specs/broken.yaml': 'id: [\n' });
    const run = await parity(dir, 'spec', 'status');
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^ID +ENDPOINT +STATUS +P\/F\/D\/U +EXAMPLES +WHY$/m);
    expect(run.stdout).toMatch(/^refunds\.create +POST \/invoices\/\{invoice_id\}\/refunds +reviewed +1\/1\/0\/0 +1 +not approved yet$/m);
    expect(run.stdout).toContain('1 spec: draft 0, reviewed 1, approved 0, drifted 0');
    expect(run.stderr).toContain('1 file could not be loaded:');
    expect(run.stderr).toMatch(/^specs\/broken\.yaml:\d+:\d+: YAML syntax/m);
  });

  it('shows one spec by id, and exits 2 for an unknown one', async () => {
    const dir = tmp();
    setup(dir);
    expect((await parity(dir, 'spec', 'status', 'refunds.create')).code).toBe(0);
    const missing = await parity(dir, 'spec', 'status', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no spec with id "nope"');
  });

  it('lists specs with behaviours by disposition', async () => {
    const dir = tmp();
    setup(dir);
    const run = await parity(dir, 'spec', 'list');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID +ENDPOINT +STATUS +PRESERVE +FIX +DROP +UNDECIDED +EXAMPLES$/m);
    expect(run.stdout).toMatch(/^refunds\.create +POST \/invoices\/\{invoice_id\}\/refunds +reviewed +1 +1 +0 +0 +1$/m);
    const json = JSON.parse((await parity(dir, 'spec', 'list', '--json')).stdout);
    expect(json.specs[0]).toMatchObject({ id: 'refunds.create', behaviors: { preserve: 1, fix: 1, drop: 0, undecided: 0 }, examples: 1 });
  });
});
