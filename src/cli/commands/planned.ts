/**
 * Commands whose surface is fixed but whose work lands in later issues. They parse their
 * flags and show --help like the others; running one exits 2 with `not implemented yet: NAME`.
 */
import type { Command } from 'commander';
import { ParityError } from '../../errors.js';
import { parseInteger, withExamples } from '../help.js';

function notImplemented(name: string): () => never {
  return () => {
    throw new ParityError('NOT_IMPLEMENTED', `not implemented yet: ${name}`);
  };
}

type Register = (program: Command) => void;

export const PLANNED_COMMANDS: Record<string, Register> = {
  demo: (program) =>
    withExamples(
      program
        .command('demo')
        .description('run the whole workflow on the bundled billing legacy/rewrite pair')
        .option('--dir <dir>', 'workspace to use (default: a temporary directory)')
        .option('--duration <seconds>', 'how long to shadow traffic', parseInteger(1, 86_400))
        .option('--no-dashboard', 'exit after the report instead of serving the dashboard')
        .action(notImplemented('demo')),
      ['npx parity demo', 'parity demo --no-dashboard --duration 10'],
    ),
};
