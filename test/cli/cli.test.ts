import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-info.js';
import { parity } from '../helpers/cli.js';
import { useTempDir } from '../helpers/tmp.js';

const TOP_LEVEL = ['init', 'extract', 'spec', 'test', 'record', 'import', 'shadow', 'replay', 'dashboard', 'report', 'demo'];
const SPEC_COMMANDS = ['lint', 'list', 'status', 'approve', 'export-openapi'];

describe('the parity command surface', () => {
  const tmp = useTempDir('cli');

  it('lists every command in --help', async () => {
    const run = await parity(tmp(), '--help');
    expect(run.code).toBe(0);
    const listed = [...run.stdout.matchAll(/^ {2}(\S+) /gm)].map((m) => m[1]);
    for (const name of TOP_LEVEL) expect(listed).toContain(name);
    const spec = await parity(tmp(), 'spec', '--help');
    for (const name of SPEC_COMMANDS) expect(spec.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it.each([...TOP_LEVEL.map((c) => [c]), ...SPEC_COMMANDS.map((c) => ['spec', c]), ['import', 'har']])(
    '%s %s --help shows an example',
    async (...argv: string[]) => {
      const run = await parity(tmp(), ...argv.filter(Boolean), '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\nExamples:\n {2}\$ parity|\nExamples:\n {2}\$ npx parity/);
      expect(run.stderr).toBe('');
    },
  );

  it('exits 2 on an unknown option, naming it', async () => {
    const run = await parity(tmp(), 'spec', 'lint', '--bogus');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--bogus'");
  });

  it('exits 2 on an unknown command and suggests the closest', async () => {
    const run = await parity(tmp(), 'reprot');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('(Did you mean report?)');
  });

  it('exits 2 when a required option is missing', async () => {
    const run = await parity(tmp(), 'spec', 'approve', 'refunds.create');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--by <name>' not specified");
  });

  it('exits 2 on a malformed number', async () => {
    const run = await parity(tmp(), 'demo', '--duration', 'soon');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected a whole number, got "soon"');
  });

  it('treats a bare `parity` as a usage error and shows help', async () => {
    const run = await parity(tmp());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: parity');
  });

  it('prints its version', async () => {
    const run = await parity(tmp(), '--version');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the installed bin', () => {
  it('`npx parity --help` lists every command (built package)', () => {
    const result = spawnSync('npx', ['--no-install', 'parity', '--help'], { cwd: packageRoot(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(0);
    for (const name of TOP_LEVEL) expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('sets the process exit code from the command', () => {
    const bin = path.join(packageRoot(), 'bin', 'parity.js');
    const result = spawnSync(process.execPath, [bin, 'report', '--since', 'last tuesday'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`error: --since: expected a duration such as "7d", "36h" or "90m", or a date such as 2026-11-01, got "last tuesday"\n`);
  });
});
