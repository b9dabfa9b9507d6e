import type { Command } from 'commander';
import { dashboardSession } from '../../dashboard/session.js';
import { ParityError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { collect, parseInteger, withExamples } from '../help.js';

interface DashboardFlags {
  db?: string[];
  port?: number;
  host?: string;
}

export function registerDashboard(program: Command, ctx: CliContext): void {
  const command = program
    .command('dashboard')
    .description('serve the shadowing dashboard: endpoints, differences, samples, marks, live')
    .option('--db <file>', 'store file; repeat to combine several stores (marks go to the first; default: store from parity.yaml)', collect)
    .option('--port <n>', 'port to listen on (default 8490; 0 picks a free one)', parseInteger(0, 65535))
    .option('--host <host>', 'address to bind (default 127.0.0.1; any other address requires the access token it prints)')
    .addHelpText(
      'after',
      [
        '',
        'On an address other than loopback every request needs the access token: the printed URL carries it once',
        '(PARITY_DASHBOARD_TOKEN sets it, else a random one is made). Marking a signature as noise adds compare',
        'rules to its spec; as expected, links it to a fix behaviour; undo takes out exactly what was added.',
        'Ctrl-C stops it.',
      ].join('\n'),
    )
    .action(async (flags: DashboardFlags, cmd: Command) => {
      if (!ctx.io.interruptSignal) throw new ParityError('USAGE', 'parity dashboard runs until interrupted, and this environment cannot interrupt it');
      const workspace = ctx.workspace(cmd);
      await dashboardSession({
        workspace,
        cwd: ctx.io.cwd,
        env: ctx.io.env,
        ...(flags.db !== undefined && { stores: flags.db }),
        ...(flags.host !== undefined && { host: flags.host }),
        port: flags.port ?? 8490,
        signal: ctx.io.interruptSignal(),
        onError: (error) => ctx.err(`dashboard: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
        onListening: (info) =>
          ctx.err(
            [
              `dashboard on ${info.openUrl}`,
              `reading ${info.stores.join(', ')} and the specs in ${info.specsDir}; marks are kept in ${info.stores[0]}`,
              'Ctrl-C stops it',
            ].join('\n'),
          ),
      });
    });
  withExamples(command, [
    'parity dashboard',
    'parity dashboard --port 8490 --db a.db --db b.db',
    'PARITY_DASHBOARD_TOKEN=s3cret parity dashboard --host 0.0.0.0',
  ]);
}
