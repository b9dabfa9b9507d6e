import type { Command } from 'commander';
import { httpUrlProblem } from '../../config/schema.js';
import { ParityError } from '../../errors.js';
import { shadowSession } from '../../../shadow-proxy/session.js';
import { printJson, type CliContext } from '../context.js';
import { parseInteger, parseUrl, withExamples } from '../help.js';

interface ShadowFlags {
  primary?: string;
  candidate?: string;
  secondary?: string;
  port?: number;
  db?: string;
  detached?: boolean;
  json?: boolean;
}

export function registerShadow(program: Command, ctx: CliContext): void {
  const command = program
    .command('shadow')
    .description('mirror live traffic to the rewrite, compare responses, record differences')
    .option('--primary <url>', 'the legacy instance clients are answered from (default: shadow.primary, then legacy.url)', parseUrl)
    .option('--candidate <url>', 'the rewrite (default: shadow.candidate, then rewrite.url)', parseUrl)
    .option('--secondary <url>', 'a second legacy instance, to tell noise from differences', parseUrl)
    .option('--port <n>', 'port to listen on (default: shadow.port, 8480; 0 picks a free one)', parseInteger(0, 65535))
    .option('--db <file>', 'store file (default: store from parity.yaml)')
    .option('--detached', 'receive a copy of traffic from an existing mirror instead of proxying')
    .option('--json', 'print the final counts as JSON when stopped')
    .action(async (flags: ShadowFlags, cmd: Command) => {
      for (const [flag, value] of [
        ['--primary', flags.primary],
        ['--candidate', flags.candidate],
        ['--secondary', flags.secondary],
      ] as const) {
        const problem = value === undefined ? undefined : httpUrlProblem(value);
        if (problem) throw new ParityError('USAGE', `${flag}: ${problem}`);
      }
      const workspace = ctx.workspace(cmd, flags.db !== undefined ? { store: flags.db } : {});
      if (!ctx.io.interruptSignal) throw new ParityError('USAGE', 'parity shadow runs until interrupted, and this environment cannot interrupt it');
      const result = await shadowSession({
        workspace,
        cwd: ctx.io.cwd,
        env: ctx.io.env,
        ...(flags.primary !== undefined && { primary: flags.primary }),
        ...(flags.candidate !== undefined && { candidate: flags.candidate }),
        ...(flags.secondary !== undefined && { secondary: flags.secondary }),
        ...(flags.port !== undefined && { port: flags.port }),
        ...(flags.detached && { detached: true }),
        signal: ctx.io.interruptSignal(),
        onStats: (event) => ctx.err(JSON.stringify(event)),
        onListening: (info) =>
          ctx.err(
            [
              info.mode === 'detached'
                ? `detached shadowing on ${info.url}: mirrored copies are answered 202 at once, then sent to ${info.primary} (primary) and ${info.candidate}${info.secondary ? ` and ${info.secondary} (noise)` : ''}`
                : `shadowing on ${info.url}: clients are answered by ${info.primary}; copies go to ${info.candidate}${info.secondary ? ` and ${info.secondary} (noise)` : ''}`,
              ...(info.mode === 'detached'
                ? [
                    `point a mirror at it: nginx \`mirror /__mirror;\` + \`proxy_pass ${info.url}$request_uri;\` (docs/nginx-mirror.conf), or Envoy request_mirror_policies (docs/envoy-mirror.yaml)`,
                  ]
                : []),
              `${info.specs} specs give endpoints and compare rules; comparisons go to ${info.store}`,
              'health: /__parity/health, metrics: /__parity/metrics; Ctrl-C (SIGTERM) drains and stops',
            ].join('\n'),
          ),
      });
      if (flags.json) return printJson(ctx, result);
      const m = result.metrics;
      ctx.out(
        `stopped: ${m.requests} requests, ${m.mirrored} mirrored, ${m.dropped} dropped; ` +
          `compared: ${m.compared.match} match, ${m.compared.mismatch} mismatch, ${m.compared.expected} expected, ` +
          `${m.compared.downstream} downstream, ${m.compared.candidate_error} candidate errors, ${m.compared.not_compared} not compared; ` +
          `identifiers: ${m.correlation.learned} pairs learned, ${m.correlation.translated} requests translated, ${m.correlation.diverged} diverged; ` +
          `${result.written} written to ${result.store}` +
          (result.lost > 0 ? `, ${result.lost} lost` : ''),
      );
    });
  withExamples(command, [
    'parity shadow --primary http://legacy:3000 --candidate http://rewrite:4000 --port 8480',
    'parity shadow --secondary http://legacy-2:3000',
    'parity shadow --detached --primary http://legacy-staging:3000 --candidate http://rewrite:4000 --port 8480',
  ]);
}
