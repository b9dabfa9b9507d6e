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

/** `parity record --port 0 ...argv` in-process, once it listens; `stop()` is Ctrl-C and answers how it ended. */
export async function startRecording(dir: string, ...argv: string[]) {
  const stop = new AbortController();
  const io = memoryIo(dir, {}, stop.signal);
  const done = runCli(['record', '--port', '0', ...argv], io);
  let url: string | undefined;
  for (let i = 0; i < 200 && !url; i++) {
    url = /recording on (http:\/\/\S+) ->/.exec(io.err())?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!url) throw new Error(`parity record did not start: ${io.err()}`);
  return {
    url,
    async stop() {
      stop.abort();
      const code = await done;
      return { code, stdout: io.out(), stderr: io.err() };
    },
  };
}

/** Waits until a running shadow proxy has finished `total` comparisons, by its metrics; throws after 10 s. */
export async function waitForComparisons(url: string, total: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const lines = (await (await fetch(`${url}/__parity/metrics`)).text()).split('\n');
    if (lines.filter((l) => l.startsWith('parity_shadow_compared_total')).reduce((n, l) => n + Number(l.split(' ')[1]), 0) >= total) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${total} comparisons finished`);
}
