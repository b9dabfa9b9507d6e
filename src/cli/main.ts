/**
 * The CLI entry as a function: parse argv, run one command, render, and return the exit code.
 * 0 = ok, 1 = a check failed, 2 = usage or input error, 3 = parity itself failed (a bug).
 */
import { CommanderError } from 'commander';
import { isParityError, type ParityError } from '../errors.js';
import { createContext, type CliContext } from './context.js';
import { colorsFor, type CliIo } from './io.js';
import { buildProgram } from './program.js';
import { diagnosticLines } from './render.js';

export const INTERNAL_ERROR_EXIT = 3;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = createContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    if (isParityError(error)) {
      renderError(ctx, error);
      return error.exitCode;
    }
    ctx.err(
      `parity failed unexpectedly; this is a bug. Please report it with this output.\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return INTERNAL_ERROR_EXIT;
  }
}

function commanderExit(error: CommanderError): number {
  // --help and --version end the parse through the same exception; they are successes. A bare
  // `parity` or `parity spec` (help shown because no command was given) is a usage error.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  // Commander has already printed its message (and our "add --help" hint).
  return 2;
}

function renderError(ctx: CliContext, error: ParityError): void {
  if (error.code === 'NOT_IMPLEMENTED') {
    ctx.err(error.message);
    return;
  }
  if (error.diagnostics.length > 0) ctx.err(diagnosticLines(error.diagnostics));
  ctx.err(`${colorsFor(ctx.io, ctx.io.stderr).red('error')}: ${error.message}`);
  if (error.hint) ctx.err(`hint: ${error.hint}`);
}
