import type { Command } from 'commander';
import { runDemo, type DemoSummary } from '../../demo/demo.js';
import { plural } from '../../text.js';
import { printJson, type CliContext } from '../context.js';
import { colorsFor, type Colors } from '../io.js';
import { parseInteger, withExamples } from '../help.js';

interface DemoFlags {
  dir?: string;
  duration?: number;
  dashboard: boolean;
  json?: boolean;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  const command = program
    .command('demo')
    .description('run the whole workflow on the bundled billing legacy/rewrite pair')
    .option('--dir <dir>', 'workspace to use, empty or new (default: a temporary directory)')
    .option('--duration <seconds>', 'how long to shadow traffic (default 60)', parseInteger(1, 86_400))
    .option('--no-dashboard', 'exit after the report instead of serving the dashboard')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Starts the billing legacy and rewrite, extracts the legacy into drafts beside the worked specs, runs the',
        'spec tests against both, shadows the traffic generator through the proxy for --duration seconds, writes',
        'the readiness report (HTML and Markdown) and serves the dashboard until Ctrl-C. The pair differs exactly',
        'as examples/billing/DIFFERENCES.md lists: 2 regressions the demo must find, 3 fixes it must call expected.',
      ].join('\n'),
    )
    .action(async (flags: DemoFlags) => {
      const c = colorsFor(ctx.io, ctx.io.stderr);
      const signal = ctx.io.interruptSignal?.();
      const live = ctx.io.stderr.isTTY === true;
      let lastLine = 0;
      const summary = await runDemo({
        ...(flags.dir !== undefined && { dir: flags.dir }),
        durationSeconds: flags.duration ?? 60,
        dashboard: flags.dashboard,
        ...(signal && { signal }),
        onStep: (step) => {
          if (live) ctx.io.stderr.write('\r\x1b[K');
          ctx.err([c.bold(`▸ ${step.title}`), ...step.lines.map((line) => `  ${line}`), ''].join('\n'));
        },
        onProgress: (p) => {
          const text = `  shadowing ${Math.min(p.elapsedSeconds, p.durationSeconds).toFixed(0)}/${p.durationSeconds} s: ${p.sent} requests sent, ${p.compared} compared, ${p.diverged} differ`;
          if (live) ctx.io.stderr.write(`\r\x1b[K${text}`);
          else if (p.elapsedSeconds - lastLine >= 10) {
            lastLine = p.elapsedSeconds;
            ctx.err(text);
          }
        },
        // The summary comes before the dashboard, which serves until Ctrl-C.
        onSummary: (summary) => {
          if (!flags.json) ctx.out(renderSummary(summary, colorsFor(ctx.io, ctx.io.stdout)));
        },
        onDashboard: (url) =>
          ctx.err(`\n${c.bold(`▸ Dashboard on ${url}`)}\n  the overview of every endpoint, their differences and samples; Ctrl-C stops it\n`),
      });
      if (flags.json) printJson(ctx, summary);
    });
  withExamples(command, ['npx parity demo', 'parity demo --no-dashboard --duration 10', 'parity demo --dir ./billing-demo']);
}

export function renderSummary(summary: DemoSummary, c: Colors): string {
  const lines: string[] = [c.bold('Summary'), ''];
  const t = summary.tests;
  lines.push(`endpoints: ${summary.extraction.endpoints} extracted from the legacy, ${summary.extraction.withWorkedSpec} with a worked spec`);
  lines.push(
    `spec tests: ${t.examples} examples; legacy ${t.legacy.passed} passed, ${t.legacy.failed} failed; rewrite ${t.rewrite.passed} passed, ${t.rewrite.failed} failed`,
  );
  lines.push(
    `shadowing: ${summary.shadow.requests} requests in ${summary.shadow.seconds} s, ${summary.shadow.compared} compared; ` +
      `ids followed: ${summary.shadow.learned} pairs, ${summary.shadow.translated} requests translated, ${summary.shadow.downstream} downstream`,
    '',
  );
  lines.push(c.bold('differences by signature'));
  const shown = [...summary.differences].sort((a, b) => order(a.kind) - order(b.kind) || b.count - a.count);
  for (const d of shown) {
    const label = d.kind === 'unexpected' ? c.red('differs ') : d.kind === 'expected' ? c.green('expected') : c.dim('noise   ');
    const planted = d.planted ? ` (${d.planted} in DIFFERENCES.md)` : '';
    const signature = d.signature.length > 110 ? `${d.signature.slice(0, 109)}…` : d.signature;
    lines.push(`  ${label} ${String(d.count).padStart(5)}×  ${signature}${planted}`);
  }
  if (shown.length === 0) lines.push('  none');
  lines.push('', c.bold('verdicts'));
  for (const v of summary.verdicts) {
    const verdict = v.verdict === 'READY' ? c.green('READY') : v.verdict === 'NOT_READY' ? c.red('NOT READY') : c.yellow('INSUFFICIENT DATA');
    lines.push(`  ${v.endpoint.padEnd(46)} ${verdict}${v.reason && v.verdict === 'NOT_READY' ? c.dim(`  ${v.reason.slice(0, 110)}`) : ''}`);
  }
  lines.push(
    '',
    `report: ${summary.report.html} and ${summary.report.markdown}`,
    `workspace: ${summary.dir} (${plural(summary.differences.length, 'signature')} in its store)`,
  );
  return lines.join('\n');
}

function order(kind: DemoSummary['differences'][number]['kind']): number {
  return kind === 'unexpected' ? 0 : kind === 'expected' ? 1 : 2;
}
