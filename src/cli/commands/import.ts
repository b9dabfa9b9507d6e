import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ParityError } from '../../errors.js';
import { displayPath } from '../../paths.js';
import { abortedNote, readHar } from '../../record/har.js';
import { recordExamples, type RecordExamplesResult } from '../../record/record.js';
import { verifyOptions } from '../../record/session.js';
import { plural } from '../../text.js';
import { printJson, type CliContext } from '../context.js';
import { parseUrl, withExamples } from '../help.js';

interface ImportFlags {
  specs?: string;
  verify?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerImport(program: Command, ctx: CliContext): void {
  const command = program.command('import').description('turn recorded traffic (HAR files) into spec examples');
  withExamples(command, ['parity import har session.har', 'parity import har session.har --dry-run']);

  const har = command
    .command('har')
    .description('add an example to the matching spec for each new kind of exchange in a HAR file')
    .argument('<file>', 'a HAR 1.2 file (browser devtools: "Save all as HAR")')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--verify <url>', 'send each new example to this legacy first: loosen what changed, leave out what does not reproduce', parseUrl)
    .option('--dry-run', 'show what would be added without changing any spec file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ImportFlags, cmd: Command) => {
      const workspace = ctx.workspace(cmd, {
        ...(flags.specs !== undefined && { specs: flags.specs }),
        ...(flags.verify !== undefined && { legacyUrl: flags.verify }),
      });
      const absolute = path.resolve(ctx.io.cwd, file);
      const shown = displayPath(absolute, ctx.io.cwd);
      let text: string;
      try {
        text = fs.readFileSync(absolute, 'utf8');
      } catch (error) {
        throw new ParityError('USAGE', `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
      }
      const { exchanges, aborted } = readHar(text, shown);
      const result = await recordExamples({
        exchanges,
        specsDir: workspace.specsDir,
        cwd: ctx.io.cwd,
        auth: workspace.auth,
        env: ctx.io.env,
        dryRun: flags.dryRun === true,
        ...(flags.verify !== undefined && { verify: await verifyOptions(workspace, ctx.io.cwd, ctx.io.env) }),
      });
      if (flags.json) return printJson(ctx, { ...result, aborted });
      renderRecording(ctx, result, { exchanges: exchanges.length, aborted, dryRun: flags.dryRun === true });
    });
  withExamples(har, ['parity import har session.har', 'parity import har session.har --specs ./specs --dry-run --json']);
}

/** What recording or importing added, shared by `parity import har` and `parity record`. */
export function renderRecording(ctx: CliContext, result: RecordExamplesResult, facts: { exchanges: number; aborted: number; dryRun: boolean }): void {
  const verb = facts.dryRun ? 'would add' : 'added';
  const total = result.specs.reduce((n, s) => n + s.added.length, 0);
  for (const spec of result.specs) {
    ctx.out(`${spec.file} (${spec.id}): ${verb} ${plural(spec.added.length, 'example')}`);
    for (const name of spec.added) ctx.out(`  + ${name}`);
  }
  if (result.unmatched.length > 0) {
    ctx.out('not in any spec — endpoints the extraction may have missed:');
    for (const endpoint of result.unmatched) ctx.out(`  ${endpoint.method} ${endpoint.path}  (${plural(endpoint.count, 'request')})`);
  }
  const notes = [
    `${plural(facts.exchanges, 'exchange')} read`,
    `${plural(total, 'example')} ${verb} to ${plural(result.specs.length, 'spec')}`,
    `${plural(result.duplicates, 'duplicate')} skipped`,
    ...(facts.aborted > 0 ? [abortedNote(facts.aborted)] : []),
  ];
  if (result.notReproducible.length > 0) {
    ctx.out('not written — they did not hold when sent again:');
    for (const item of result.notReproducible) ctx.out(`  ${item.specId} › ${item.example}: ${item.reason}`);
  }
  if (result.loosened > 0) notes.push(`${plural(result.loosened, 'value')} that changed when sent again loosened to its type`);
  ctx.out(notes.join(', '));
  for (const warning of result.warnings) ctx.err(`warning: ${warning}`);
}
