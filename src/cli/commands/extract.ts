import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ParityError } from '../../errors.js';
import { extractAndDescribe, extractEndpoints, type ExtractReport } from '../../extract/extract.js';
import type { LlmRunReport } from '../../extract/llm/describe.js';
import { displayPath } from '../../paths.js';
import { plural } from '../../text.js';
import { printJson, type CliContext } from '../context.js';
import { withExamples } from '../help.js';

interface ExtractFlags {
  source?: string;
  specs?: string;
  only?: string;
  json?: boolean;
  llm?: boolean;
  dryRun?: boolean;
  cache?: boolean;
}

export function registerExtract(program: Command, ctx: CliContext): void {
  const command = program
    .command('extract')
    .description('read the legacy source and write one spec draft per endpoint, with file:line evidence')
    .option('--source <dir>', 'legacy source directory (default: legacy.source from parity.yaml)')
    .option('--specs <dir>', 'where drafts are written (default: from parity.yaml; with --json, only when given)')
    .option('--only <glob>', 'only endpoints whose "METHOD /path" matches, such as "GET /customers*"')
    .option('--json', 'print the endpoints and warnings as JSON')
    .option('--llm', 'add behaviour descriptions written by Claude')
    .option('--dry-run', 'with --llm: show what would be sent without sending')
    .option('--no-cache', 'with --llm: ignore cached descriptions')
    .action(async (flags: ExtractFlags, cmd: Command) => {
      const noCache = flags.cache === false;
      if (!flags.llm && (flags.dryRun || noCache)) {
        throw new ParityError('USAGE', `${flags.dryRun ? '--dry-run' : '--no-cache'} only applies with --llm`, {
          hint: `parity extract --llm ${flags.dryRun ? '--dry-run' : '--no-cache'}`,
        });
      }
      const workspace = ctx.workspace(cmd, {
        ...(flags.source !== undefined && { legacySource: flags.source }),
        ...(flags.specs !== undefined && { specs: flags.specs }),
      });
      if (workspace.legacy.source === undefined) {
        throw new ParityError('USAGE', 'no legacy source directory', { hint: 'set legacy.source in parity.yaml or pass --source DIR' });
      }
      // With --json the command is a query: it writes only when asked to with --specs.
      const specsDir = flags.json && flags.specs === undefined ? undefined : workspace.specsDir;
      const bar = !flags.json && ctx.io.stderr.isTTY ? progressBar(ctx) : undefined;
      const options = {
        source: workspace.legacy.source,
        cwd: ctx.io.cwd,
        ...(specsDir !== undefined && { specsDir }),
        ...(flags.only !== undefined && { only: flags.only }),
        ...(bar && { onProgress: bar.update }),
      };
      let report: ExtractReport & { llm?: LlmRunReport };
      try {
        report = flags.llm
          ? await extractAndDescribe({
              ...options,
              llm: workspace.llm,
              storePath: workspace.storePath,
              env: ctx.io.env,
              noCache,
              dryRun: flags.dryRun ?? false,
              includeRequests: flags.json ?? false,
            })
          : extractEndpoints(options);
      } finally {
        bar?.stop();
      }
      if (flags.json) {
        return printJson(ctx, {
          endpoints: report.endpoints,
          warnings: report.warnings,
          ...(report.drafts && { drafts: report.drafts }),
          ...(report.llm && { llm: report.llm }),
        });
      }
      const source = displayPath(report.source, ctx.io.cwd);
      if (report.frameworks.length === 0) {
        ctx.exitCode = 1;
        ctx.err(`no supported framework found in ${source}`);
        return;
      }
      ctx.out(`${plural(report.endpoints.length, 'endpoint')} in ${source} (${report.frameworks.join(', ')})`);
      if (report.llm?.dryRun) {
        renderDryRun(ctx, report.llm);
      } else {
        const drafts = report.drafts!;
        for (const [label, list] of [
          ['created', drafts.created],
          ['updated', drafts.updated],
        ] as const) {
          for (const change of list) ctx.out(`  ${label.padEnd(9)} ${change.file}  ${change.endpoint}`);
        }
        ctx.out(`drafts: ${drafts.created.length} created, ${drafts.updated.length} updated, ${drafts.unchanged.length} unchanged`);
        for (const drift of drafts.drifted) {
          ctx.out(`drifted: ${drift.id} (${drift.file}): the legacy code changed since approval; see \`parity spec status ${drift.id}\``);
          for (const change of drift.changes) ctx.out(`  ${change}`);
        }
        if (report.llm) renderLlmSummary(ctx, report.llm);
      }
      for (const warning of report.warnings)
        ctx.err(`${displayPath(path.join(report.source, warning.file), ctx.io.cwd)}:${warning.line}: warning: ${warning.message}`);
      for (const failed of report.llm?.endpoints.filter((e) => e.status === 'failed') ?? [])
        ctx.err(`warning: ${failed.endpoint}: no description: ${failed.error ?? 'failed'}`);
    });
  withExamples(command, [
    'parity extract --source ./legacy',
    'parity extract --json --only "GET /customers*"',
    'parity extract --llm --dry-run',
    'parity extract --llm --only "POST /invoices*"',
  ]);
}

const tokens = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'token' : 'tokens'}`;
const dollars = (usd: number) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;

function renderLlmSummary(ctx: CliContext, llm: LlmRunReport): void {
  ctx.out(
    `llm (${llm.model}): ${llm.described} described, ${llm.cached} cached, ${llm.failed} failed; ${tokens(llm.inputTokens)} in, ${tokens(llm.outputTokens)} out; estimated cost ${dollars(llm.estimatedCostUsd)}`,
  );
  const dropped = llm.endpoints.reduce((n, e) => n + (e.status === 'described' ? (e.description?.dropped_claims ?? 0) : 0), 0);
  if (dropped > 0) ctx.out(`llm: ${plural(dropped, 'claim')} dropped for citing lines that were not sent`);
}

function renderDryRun(ctx: CliContext, llm: LlmRunReport): void {
  ctx.out(`dry run: nothing sent, nothing written (model ${llm.model}, prompt ${llm.promptVersion})`);
  for (const endpoint of llm.endpoints) {
    if (endpoint.status === 'would-use-cache') {
      ctx.out(`  ${endpoint.endpoint}  cached, not sent`);
      continue;
    }
    ctx.out(`  ${endpoint.endpoint}  ~${tokens(endpoint.estimatedInputTokens)}`);
    for (const excerpt of endpoint.excerpts) ctx.out(`    ${excerpt.role.padEnd(8)} ${excerpt.at}  ~${tokens(excerpt.tokens)}`);
    for (const cut of endpoint.cut) ctx.out(`    ${'cut'.padEnd(8)} ${cut}`);
    if (endpoint.masked > 0) ctx.out(`    ${'masked'.padEnd(8)} ${plural(endpoint.masked, 'secret')}`);
  }
  ctx.out(
    `would send ${plural(llm.toSend, 'request')}: ~${tokens(llm.estimatedInputTokens)} in (estimated), at most ${tokens(llm.toSend * llm.maxOutputTokens)} out; estimated cost at most ${dollars(llm.estimatedCostUsd)}`,
  );
}

function progressBar(ctx: CliContext): { update: (done: number, total: number) => void; stop: () => void } {
  // Only called when stderr is a terminal, which is then the process's own stream.
  const stream = ctx.io.stderr as NodeJS.WriteStream;
  const bar = new cliProgress.SingleBar(
    { format: 'extracting [{bar}] {value}/{total} files', stream, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
