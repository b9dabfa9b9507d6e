import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real CLI in-process with captured output. */
export async function parity(cwd: string, ...argv: string[]): Promise<CliRun> {
  const io = memoryIo(cwd);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

export interface RunningShadow {
  /** Where it listens. */
  url: string;
  io: ReturnType<typeof memoryIo>;
  /** Ctrl-C: stop, drain, and answer the exit code. */
  stop(): Promise<number>;
}

/** `parity shadow --port 0 --json ...args` in-process, as a user runs it, once it listens. */
export async function runShadow(cwd: string, ...args: string[]): Promise<RunningShadow> {
  const abort = new AbortController();
  const io = memoryIo(cwd, {}, abort.signal);
  const done = runCli(['shadow', '--port', '0', '--json', ...args], io);
  let url: string | undefined;
  for (let i = 0; i < 400 && !url; i++) {
    // "shadowing on URL:" inline, "detached shadowing on URL:" detached.
    url = /shadowing on (http:\/\/\S+):/.exec(io.err())?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!url) throw new Error(`parity shadow did not start listening: ${io.err()}`);
  return {
    url,
    io,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}
