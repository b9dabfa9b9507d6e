import type { Command } from 'commander';
import { initWorkspace } from '../../config/init.js';
import { displayPath } from '../../paths.js';
import { printJson, type CliContext } from '../context.js';
import { parseUrl, withExamples } from '../help.js';

interface InitFlags {
  dir?: string;
  legacySource?: string;
  legacyUrl?: string;
  rewriteUrl?: string;
  specs?: string;
  store?: string;
  reports?: string;
  force?: boolean;
  json?: boolean;
}

export function registerInit(program: Command, ctx: CliContext): void {
  const command = program
    .command('init')
    .description('write parity.yaml, the workspace config, and create the specs directory')
    .option('--dir <dir>', 'directory to initialise', '.')
    .option('--legacy-source <dir>', 'legacy source code directory')
    .option('--legacy-url <url>', 'base URL of a running legacy instance', parseUrl)
    .option('--rewrite-url <url>', 'base URL of a running rewrite instance', parseUrl)
    .option('--specs <dir>', 'spec files directory (default: specs)')
    .option('--store <file>', 'SQLite store (default: .parity/parity.db)')
    .option('--reports <dir>', 'reports directory (default: reports)')
    .option('--force', 'overwrite an existing parity.yaml')
    .option('--json', 'print the result as JSON')
    .action((flags: InitFlags) => {
      const { json, ...options } = flags;
      const result = initWorkspace({ ...options, cwd: ctx.io.cwd, force: flags.force === true });
      if (json) return printJson(ctx, result);
      const shown = (p: string) => displayPath(p, ctx.io.cwd);
      ctx.out(`${result.replaced ? 'replaced' : 'wrote'} ${shown(result.configPath)}`);
      for (const created of result.created.filter((p) => p !== result.configPath)) ctx.out(`created ${shown(created)}`);
      ctx.out('next: edit parity.yaml, then `parity extract` to draft specs from the legacy source');
    });
  withExamples(command, ['parity init --legacy-source ./app --legacy-url http://127.0.0.1:3000 --rewrite-url http://127.0.0.1:4000']);
}
