#!/usr/bin/env node
// The only place that touches the process: everything else is src/cli/main.ts's runCli.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('parity is not built: run `npm run build` (npm ci does it) in the parity package\n');
  process.exit(2);
}
const { runCli } = await import(entry.href);
let interrupt;
process.exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // The first Ctrl-C asks the command to stop cleanly (write what it recorded, close its store);
  // a second one ends the process at once.
  interruptSignal() {
    if (!interrupt) {
      interrupt = new AbortController();
      const onSignal = () => {
        if (interrupt.signal.aborted) process.exit(130);
        interrupt.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    return interrupt.signal;
  },
});
