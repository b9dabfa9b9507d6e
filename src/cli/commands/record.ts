import type { Command } from 'commander';
import { httpUrlProblem } from '../../config/schema.js';
import { ParityError } from '../../errors.js';
import { recordSession } from '../../record/session.js';
import { plural } from '../../text.js';
import { printJson, type CliContext } from '../context.js';
import { parseInteger, parseUrl, withExamples } from '../help.js';
import { renderRecording } from './import.js';

interface RecordFlags {
  upstream?: string;
  port: number;
  host?: string;
  specs?: string;
  verify: boolean;
  verifyFresh?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerRecord(program: Command, ctx: CliContext): void {
  const command = program
    .command('record')
    .description('a recording proxy: run your integration suite through it, and its traffic becomes spec examples')
    .option('--upstream <url>', 'where requests are forwarded (default: legacy.url from parity.yaml)', parseUrl)
    .option('--port <n>', 'port to listen on (0 picks a free one)', parseInteger(0, 65535), 8481)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--no-verify', 'write the examples without sending them to the upstream again first')
    .option(
      '--verify-fresh <url>',
      'a fresh instance of the same legacy (an empty or freshly seeded database): write only examples that pass there too, twice',
      parseUrl,
    )
    .option('--dry-run', 'show what would be added without changing any spec file')
    .option('--json', 'print the result as JSON')
    .action(async (flags: RecordFlags, cmd: Command) => {
      const problem = flags.verifyFresh === undefined ? undefined : httpUrlProblem(flags.verifyFresh);
      if (problem) throw new ParityError('USAGE', `--verify-fresh: ${problem}`);
      const workspace = ctx.workspace(cmd, {
        ...(flags.specs !== undefined && { specs: flags.specs }),
        ...(flags.upstream !== undefined && { legacyUrl: flags.upstream }),
      });
      if (!ctx.io.interruptSignal) throw new ParityError('USAGE', 'parity record runs until interrupted, and this environment cannot interrupt it');
      const result = await recordSession({
        workspace,
        cwd: ctx.io.cwd,
        env: ctx.io.env,
        port: flags.port,
        ...(flags.host !== undefined && { host: flags.host }),
        verify: flags.verify,
        ...(flags.verifyFresh !== undefined && { verifyFresh: flags.verifyFresh }),
        dryRun: flags.dryRun === true,
        signal: ctx.io.interruptSignal(),
        onListening: (url, upstream) =>
          ctx.err(`recording on ${url} -> ${upstream}\npoint your integration suite at ${url}; press Ctrl-C to stop and write the examples`),
      });
      if (flags.json) return printJson(ctx, result);
      ctx.err(`stopped: ${plural(result.exchanges, 'exchange')} recorded${result.skipped > 0 ? `, ${result.skipped} forwarded but not recorded` : ''}`);
      renderRecording(ctx, result, { exchanges: result.exchanges, aborted: 0, dryRun: flags.dryRun === true });
    });
  withExamples(command, [
    'parity record --port 8481   # then run your integration suite against http://127.0.0.1:8481',
    'parity record --upstream http://127.0.0.1:3000 --dry-run',
    'parity record --upstream :3000 --verify-fresh :3001   # :3001 runs the same legacy on an empty database',
  ]);
}
