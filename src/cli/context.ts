import type { Command } from 'commander';
import { loadWorkspace, type Workspace, type WorkspaceOverrides } from '../config/load.js';
import type { CliIo } from './io.js';
import type { ExitCode } from '../errors.js';

/** What a command's action gets: the io, the workspace loader and the exit code to set. */
export interface CliContext {
  io: CliIo;
  exitCode: ExitCode;
  out(text: string): void;
  err(text: string): void;
  /** The workspace, from --config or parity.yaml found upward, with flag overrides applied. */
  workspace(command: Command, overrides?: WorkspaceOverrides): Workspace;
}

export function createContext(io: CliIo): CliContext {
  const context: CliContext = {
    io,
    exitCode: 0,
    out: (text) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => io.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    workspace(command, overrides = {}) {
      const globals = command.optsWithGlobals<{ config?: string }>();
      return loadWorkspace({ cwd: io.cwd, ...(globals.config !== undefined && { configPath: globals.config }), overrides });
    },
  };
  return context;
}

/** Print data as JSON: the stable, scriptable form of every command's result. */
export function printJson(ctx: CliContext, data: unknown): void {
  ctx.out(JSON.stringify(data, null, 2));
}
