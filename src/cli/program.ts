import { Command } from 'commander';
import { registerDashboard } from './commands/dashboard.js';
import { registerDemo } from './commands/demo.js';
import { registerExtract } from './commands/extract.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerRecord } from './commands/record.js';
import { registerReplay } from './commands/replay.js';
import { registerReport } from './commands/report.js';
import { registerShadow } from './commands/shadow.js';
import { registerSpec } from './commands/spec.js';
import { registerTest } from './commands/test.js';
import type { CliContext } from './context.js';
import { withExamples } from './help.js';
import { packageVersion } from '../package-info.js';

/** The whole command tree. Every command's action calls one library function and renders it. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('parity');
  program
    .description('A workbench for rewriting a legacy HTTP service: extract, spec, test, shadow, cut over.')
    .version(packageVersion(), '-V, --version')
    .option('--config <file>', 'use this parity.yaml instead of searching upward from the working directory')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      outputError: (text, write) => write(text),
    })
    .showHelpAfterError('(add --help for usage)');
  withExamples(program, ['npx parity demo', 'parity init && parity extract', 'parity spec lint']);

  const registry: Record<string, (program: Command) => void> = {
    init: (p) => registerInit(p, ctx),
    extract: (p) => registerExtract(p, ctx),
    spec: (p) => registerSpec(p, ctx),
    import: (p) => registerImport(p, ctx),
    test: (p) => registerTest(p, ctx),
    record: (p) => registerRecord(p, ctx),
    shadow: (p) => registerShadow(p, ctx),
    replay: (p) => registerReplay(p, ctx),
    report: (p) => registerReport(p, ctx),
    dashboard: (p) => registerDashboard(p, ctx),
    demo: (p) => registerDemo(p, ctx),
  };
  const unlisted = Object.keys(registry).filter((name) => !WORKFLOW.includes(name));
  if (unlisted.length > 0) throw new Error(`commands missing from WORKFLOW: ${unlisted.join(', ')}`);
  // Registered in workflow order, which is the order --help lists them in.
  for (const name of WORKFLOW) {
    const register = registry[name];
    if (!register) throw new Error(`no registration for command "${name}"`);
    register(program);
  }
  return program;
}

const WORKFLOW = ['init', 'extract', 'spec', 'test', 'record', 'import', 'shadow', 'replay', 'dashboard', 'report', 'demo'];
