import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ParityError } from '../../errors.js';
import { extractEndpoints } from '../../extract/extract.js';
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
    .action((flags: ExtractFlags, cmd: Command) => {
      if (flags.llm || flags.dryRun || flags.cache === false) throw new ParityError('NOT_IMPLEMENTED', 'not implemented yet: extract --llm');
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
      const report = (() => {
        try {
          return extractEndpoints({
            source: workspace.legacy.source!,
            cwd: ctx.io.cwd,
            ...(specsDir !== undefined && { specsDir }),
            ...(flags.only !== undefined && { only: flags.only }),
            ...(bar && { onProgress: bar.update }),
          });
        } finally {
          bar?.stop();
        }
      })();
      if (flags.json) {
        return printJson(ctx, {
          endpoints: report.endpoints,
          warnings: report.warnings,
          ...(report.drafts && { drafts: report.drafts }),
        });
      }
      const source = displayPath(report.source, ctx.io.cwd);
      if (report.frameworks.length === 0) {
        ctx.exitCode = 1;
        ctx.err(`no supported framework found in ${source}`);
        return;
      }
      ctx.out(`${plural(report.endpoints.length, 'endpoint')} in ${source} (${report.frameworks.join(', ')})`);
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
      for (const warning of report.warnings)
        ctx.err(`${displayPath(path.join(report.source, warning.file), ctx.io.cwd)}:${warning.line}: warning: ${warning.message}`);
    });
  withExamples(command, ['parity extract --source ./legacy', 'parity extract --json --only "GET /customers*"']);
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
