/**
 * Everything a command may touch of the outside world, passed in so that tests run the real CLI
 * in-process with captured output, and only bin/parity.js touches `process`.
 */
import pc from 'picocolors';

export interface Output {
  write(text: string): void;
  isTTY?: boolean;
}

export interface CliIo {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: Output;
  stderr: Output;
  /**
   * For commands that run until stopped (record, shadow, dashboard) or may be interrupted (test):
   * a signal that aborts on Ctrl-C / SIGTERM. Only a command that asks for it changes what
   * Ctrl-C does; the others keep the default of ending the process.
   */
  interruptSignal?(): AbortSignal;
}

export type Colors = ReturnType<typeof pc.createColors>;

export function colorsFor(io: CliIo, stream: Output): Colors {
  const forced = io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0';
  const enabled = forced || (stream.isTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb');
  return pc.createColors(enabled);
}

/** A CliIo that collects output in memory. */
export function memoryIo(cwd: string, env: Record<string, string | undefined> = {}, interrupt?: AbortSignal): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    cwd,
    env,
    ...(interrupt && { interruptSignal: () => interrupt }),
    stdout: { write: (t) => void (out += t) },
    stderr: { write: (t) => void (err += t) },
    out: () => out,
    err: () => err,
  };
}
