import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../../fsutil.js';
import { displayPath } from '../../paths.js';
import { approveSpec } from '../../spec/approve.js';
import { exportSpecs } from '../../spec/export.js';
import { lintSpecs } from '../../spec/lint.js';
import { listSpecs, type SpecListing } from '../../spec/list.js';
import type { SpecSummary } from '../../spec/status.js';
import { plural } from '../../text.js';
import { printJson, type CliContext } from '../context.js';
import { withExamples } from '../help.js';
import { diagnosticLines, table } from '../render.js';

interface SpecsFlags {
  specs?: string;
  json?: boolean;
}

export function registerSpec(program: Command, ctx: CliContext): void {
  const spec = program.command('spec').description('lint, list, approve and export the endpoint specs');
  withExamples(spec, ['parity spec lint', 'parity spec status', 'parity spec approve refunds.create --by "Ada Lovelace"']);
  const specsDir = (command: Command, flags: SpecsFlags) => ctx.workspace(command, flags.specs !== undefined ? { specs: flags.specs } : {}).specsDir;

  const lint = spec
    .command('lint')
    .description('check every spec file; each problem as file:line:col: message (exit 1 when any)')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--json', 'print the problems as JSON')
    .action((flags: SpecsFlags, command: Command) => {
      const result = lintSpecs({ specsDir: specsDir(command, flags), cwd: ctx.io.cwd });
      if (result.problems.length > 0) ctx.exitCode = 1;
      if (flags.json) return printJson(ctx, result);
      if (result.problems.length > 0) ctx.out(diagnosticLines(result.problems));
      const files = new Set(result.problems.map((p) => p.file)).size;
      ctx.out(
        result.problems.length === 0
          ? `${plural(result.files, 'spec file')} checked, no problems`
          : `${plural(result.problems.length, 'problem')} in ${plural(files, 'file')} (${result.files} checked)`,
      );
    });
  withExamples(lint, ['parity spec lint', 'parity spec lint --specs ./specs --json']);

  const list = spec
    .command('list')
    .description('a table of every spec: endpoint, status, behaviours by disposition, examples')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--json', 'print the specs as JSON')
    .action((flags: SpecsFlags, command: Command) => {
      const listing = listSpecs({ specsDir: specsDir(command, flags), cwd: ctx.io.cwd });
      renderListing(ctx, listing, flags.json === true, false);
    });
  withExamples(list, ['parity spec list', 'parity spec list --json | jq ".specs[].id"']);

  const status = spec
    .command('status')
    .description('where each spec stands (draft, reviewed, approved, drifted) and what blocks approval')
    .argument('[id]', 'show one spec only')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--json', 'print the status as JSON')
    .action((id: string | undefined, flags: SpecsFlags, command: Command) => {
      const listing = listSpecs({ specsDir: specsDir(command, flags), cwd: ctx.io.cwd, ...(id !== undefined && { id }) });
      renderListing(ctx, listing, flags.json === true, true);
    });
  withExamples(status, ['parity spec status', 'parity spec status refunds.create']);

  const approve = spec
    .command('approve')
    .description('approve a reviewed spec, binding it to the current legacy source hash')
    .argument('<id>', 'the spec id')
    .requiredOption('--by <name>', 'who approves')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--json', 'print the approval as JSON')
    .action((id: string, flags: SpecsFlags & { by: string }, command: Command) => {
      const result = approveSpec({ specsDir: specsDir(command, flags), cwd: ctx.io.cwd, id, by: flags.by });
      if (flags.json) return printJson(ctx, result);
      const again = result.previous ? ` (previously approved by ${result.previous.by} at ${result.previous.at})` : '';
      ctx.out(`approved ${result.id} in ${result.file} by ${result.approval.by} at ${result.approval.at}${again}`);
      for (const warning of result.warnings) ctx.err(`warning: ${warning}`);
    });
  withExamples(approve, ['parity spec approve refunds.create --by "Ada Lovelace"']);

  const exportOpenApi = spec
    .command('export-openapi')
    .description('write all specs as one OpenAPI 3.1 document (JSON, or YAML when --out ends in .yaml)')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--title <title>', 'info.title of the document', 'Legacy service (parity specs)')
    .option('--api-version <version>', 'info.version of the document', '0.0.0')
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .action((flags: SpecsFlags & { out?: string; title: string; apiVersion: string }, command: Command) => {
      const result = exportSpecs({ specsDir: specsDir(command, flags), cwd: ctx.io.cwd, title: flags.title, version: flags.apiVersion });
      if (flags.out === undefined) return printJson(ctx, result.document);
      const target = path.resolve(ctx.io.cwd, flags.out);
      const text = /\.ya?ml$/i.test(target) ? stringify(result.document, { lineWidth: 0 }) : `${JSON.stringify(result.document, null, 2)}\n`;
      writeFileAtomic(target, text);
      ctx.out(`wrote ${plural(result.operations, 'operation')} to ${displayPath(target, ctx.io.cwd)}`);
    });
  withExamples(exportOpenApi, ['parity spec export-openapi --out openapi.yaml', 'parity spec export-openapi > openapi.json']);
}

function renderListing(ctx: CliContext, listing: SpecListing, json: boolean, withReasons: boolean): void {
  if (listing.unloaded.length > 0) ctx.exitCode = 2;
  if (json) return printJson(ctx, listing);
  if (listing.specs.length === 0) ctx.out(`no specs in ${displayPath(listing.dir, ctx.io.cwd)}`);
  else ctx.out(withReasons ? statusTable(listing.specs) : listTable(listing.specs));
  if (withReasons) {
    const counts = Object.entries(listing.counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    ctx.out(`\n${plural(listing.specs.length, 'spec')}: ${counts}`);
  }
  if (listing.unloaded.length > 0) {
    ctx.err(`\n${plural(new Set(listing.unloaded.map((d) => d.file)).size, 'file')} could not be loaded:`);
    ctx.err(diagnosticLines(listing.unloaded));
  }
  if (listing.problems.length > 0) ctx.err(`\n${plural(listing.problems.length, 'lint problem')}: run \`parity spec lint\``);
}

function listTable(specs: readonly SpecSummary[]): string {
  return table(
    ['ID', 'ENDPOINT', 'STATUS', 'PRESERVE', 'FIX', 'DROP', 'UNDECIDED', 'EXAMPLES'],
    specs.map((s) => [s.id, s.endpoint, s.status, s.behaviors.preserve, s.behaviors.fix, s.behaviors.drop, s.behaviors.undecided, s.examples]),
  );
}

function statusTable(specs: readonly SpecSummary[]): string {
  return table(
    ['ID', 'ENDPOINT', 'STATUS', 'P/F/D/U', 'EXAMPLES', 'WHY'],
    specs.map((s) => [
      s.id,
      s.endpoint,
      s.status,
      `${s.behaviors.preserve}/${s.behaviors.fix}/${s.behaviors.drop}/${s.behaviors.undecided}`,
      s.examples,
      s.reasons.join('; ') || (s.approval ? `approved by ${s.approval.by} at ${s.approval.at}` : ''),
    ]),
  );
}
