import { Option, type Command } from 'commander';
import { requestGlobProblem } from '../../config/schema.js';
import { ParityError } from '../../errors.js';
import { readinessReport, REPORT_FORMATS, type ReportFormat } from '../../../reports/command.js';
import type { ReadinessReport } from '../../../reports/model.js';
import type { CliContext } from '../context.js';
import { collect, withExamples } from '../help.js';

interface ReportFlags {
  db?: string[];
  format?: ReportFormat;
  out?: string;
  endpoint?: string;
  since?: string;
  failOn?: 'not-ready' | 'insufficient';
}

export function registerReport(program: Command, ctx: CliContext): void {
  const command = program
    .command('report')
    .description('cutover readiness per endpoint: READY, NOT READY or INSUFFICIENT DATA')
    .option('--db <file>', 'store file, only read; repeat to combine several stores (default: store from parity.yaml)', collect)
    .addOption(new Option('--format <format>', 'md, html or json (default: from the --out extension, else md)').choices(REPORT_FORMATS))
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--endpoint <glob>', 'only endpoints whose "METHOD /path" matches, such as "GET /customers/**" or "/invoices/*"')
    .option('--since <duration>', 'only evidence newer than this: 7d, 36h, 90m, or a date such as 2026-11-01')
    .addOption(
      new Option('--fail-on <verdict>', 'exit 1 when any endpoint is NOT READY (not-ready), or is anything but READY (insufficient)').choices([
        'not-ready',
        'insufficient',
      ]),
    )
    .addHelpText(
      'after',
      [
        '',
        'Gates per endpoint: spec approved, spec tests, shadow correctness (Clopper-Pearson lower bound of the',
        'match rate), error rate, latency, coverage. Thresholds come from the `report:` section of parity.yaml',
        'and are printed with the method in every report. Exit 2 on a bad flag, a store that cannot be read',
        'or a spec that does not load.',
      ].join('\n'),
    )
    .action((flags: ReportFlags, cmd: Command) => {
      if (flags.endpoint !== undefined) {
        const problem = requestGlobProblem(flags.endpoint, false);
        if (problem) throw new ParityError('USAGE', `--endpoint: ${problem}`);
      }
      const workspace = ctx.workspace(cmd);
      const result = readinessReport({
        workspace,
        cwd: ctx.io.cwd,
        ...(flags.db !== undefined && { stores: flags.db }),
        ...(flags.since !== undefined && { since: flags.since }),
        ...(flags.endpoint !== undefined && { endpoint: flags.endpoint }),
        ...(flags.format !== undefined && { format: flags.format }),
        ...(flags.out !== undefined && { out: flags.out }),
      });
      ctx.exitCode = failsOn(result.report, flags.failOn) ? 1 : 0;
      if (result.written === null) {
        ctx.io.stdout.write(result.text);
        return;
      }
      const o = result.report.overall;
      ctx.out(
        `wrote ${result.written} (${result.format}): ${o.verdict.replace('_', ' ')}: ${o.not_ready} not ready, ${o.insufficient} insufficient data, ${o.ready} ready`,
      );
    });
  withExamples(command, [
    'parity report',
    'parity report --format html --out reports/readiness.html',
    'parity report --db comparator-1.db --db comparator-2.db --since 7d --fail-on not-ready',
    'parity report --endpoint "GET /customers/**" --format json',
  ]);
}

function failsOn(report: ReadinessReport, failOn: ReportFlags['failOn']): boolean {
  if (failOn === 'not-ready') return report.overall.not_ready > 0;
  if (failOn === 'insufficient') return report.endpoints.some((e) => e.verdict !== 'READY') || report.endpoints.length === 0;
  return false;
}
