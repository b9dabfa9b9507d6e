import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { testImplementations, type TestCommandResult } from '../../runner/command.js';
import type { ExampleResult, Outcome, Target, TestRun } from '../../runner/run.js';
import { describeDifference, failureText } from '../../runner/junit.js';
import { plural } from '../../text.js';
import { printJson, type CliContext } from '../context.js';
import { colorsFor, type Colors } from '../io.js';
import { parseInteger, parseUrl, withExamples } from '../help.js';
import { table } from '../render.js';

interface TestFlags {
  legacy?: string;
  rewrite?: string;
  specs?: string;
  only?: string;
  junit?: string;
  diff?: boolean;
  json?: boolean;
  concurrency?: number;
  timeout?: number;
}

export function registerTest(program: Command, ctx: CliContext): void {
  const command = program
    .command('test')
    .description('run the spec examples against the legacy and the rewrite in one run')
    .option('--legacy <url>', 'legacy base URL (default: legacy.url from parity.yaml)', parseUrl)
    .option('--rewrite <url>', 'rewrite base URL (default: rewrite.url from parity.yaml)', parseUrl)
    .option('--specs <dir>', 'specs directory (default: from parity.yaml)')
    .option('--only <glob>', 'only specs whose id matches, such as "refunds.*"')
    .option('--junit <file>', 'also write JUnit XML (one testsuite per target)')
    .option('--diff', "also compare the two sides' responses to each other; unexpected differences fail the run")
    .option('--json', 'print the run as JSON')
    .option('--concurrency <n>', 'examples run at once (default: test.concurrency, 8)', parseInteger(1, 256))
    .option('--timeout <ms>', 'per-request timeout in milliseconds (default: test.timeout_ms, 10000)', parseInteger(1, 3_600_000))
    .action(async (flags: TestFlags, cmd: Command) => {
      const workspace = ctx.workspace(cmd, {
        ...(flags.specs !== undefined && { specs: flags.specs }),
        ...(flags.legacy !== undefined && { legacyUrl: flags.legacy }),
        ...(flags.rewrite !== undefined && { rewriteUrl: flags.rewrite }),
      });
      const bar = !flags.json && ctx.io.stderr.isTTY ? progressBar(ctx) : undefined;
      let result: TestCommandResult;
      try {
        result = await testImplementations({
          workspace,
          cwd: ctx.io.cwd,
          env: ctx.io.env,
          ...(flags.only !== undefined && { only: flags.only }),
          ...(flags.diff && { diff: true }),
          ...(flags.junit !== undefined && { junit: flags.junit }),
          ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
          ...(flags.timeout !== undefined && { timeoutMs: flags.timeout }),
          ...(bar && { onStart: bar.start, onResult: bar.update }),
          ...(ctx.io.interruptSignal && { signal: ctx.io.interruptSignal() }),
        });
      } finally {
        bar?.stop();
      }
      ctx.exitCode = result.run.passed ? 0 : 1;
      if (flags.json) return printJson(ctx, { runId: result.runId, store: result.store, ...(result.junit && { junit: result.junit }), ...result.run });
      ctx.out(renderRun(result, colorsFor(ctx.io, ctx.io.stdout)));
    });
  withExamples(command, [
    'parity test',
    'parity test --only "refunds.*" --diff --junit results.xml',
    'parity test --legacy http://127.0.0.1:3000 --rewrite http://127.0.0.1:4000',
  ]);
}

function progressBar(ctx: CliContext): { start: (total: number) => void; update: (result: ExampleResult, done: number) => void; stop: () => void } {
  // Only used when stderr is a terminal, which is then the process's own stream.
  const stream = ctx.io.stderr as NodeJS.WriteStream;
  const bar = new cliProgress.SingleBar(
    { format: 'testing [{bar}] {value}/{total} examples  {failed}', stream, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let failed = 0;
  return {
    start: (total) => {
      bar.start(total, 0, { failed: '' });
      started = true;
    },
    update: (result, done) => {
      if (result.rewrite.outcome === 'fail' || result.rewrite.outcome === 'error') failed += 1;
      bar.update(done, { failed: failed > 0 ? `${failed} failing on the rewrite` : '' });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** The human report: a behaviour x target matrix, then each problem with expected versus given. */
export function renderRun(result: TestCommandResult, c: Colors): string {
  const { run } = result;
  const lines: string[] = [];
  lines.push(`${plural(run.totals.examples, 'example')} from ${plural(run.specs, 'spec')}  ·  legacy ${run.legacyUrl}  ·  rewrite ${run.rewriteUrl}`, '');
  lines.push(matrix(run, c), '');

  const rewriteProblems = run.results.filter((r) => r.rewrite.outcome === 'fail' || r.rewrite.outcome === 'error');
  const legacyProblems = run.results.filter((r) => r.legacy.outcome === 'fail' || r.legacy.outcome === 'error');
  const bugGone = run.results.filter((r) => r.legacy.outcome === 'bug-gone');
  const differing = run.results.filter((r) => (r.differences?.length ?? 0) > 0);
  if (rewriteProblems.length > 0) {
    lines.push(c.bold('Rewrite failures'), '');
    for (const r of rewriteProblems) lines.push(problem(r, 'rewrite', c), '');
  }
  if (legacyProblems.length > 0) {
    lines.push(c.bold('Legacy failures') + ' (the spec says something the legacy does not do: fix the spec)', '');
    for (const r of legacyProblems) lines.push(problem(r, 'legacy', c), '');
  }
  if (bugGone.length > 0) {
    lines.push(c.bold('Bugs the legacy no longer shows') + ' (a fix example whose legacy now meets `expect`)', '');
    for (const r of bugGone) lines.push(`  ${c.yellow('?')} ${title(r)}`, '');
  }
  if (differing.length > 0) {
    lines.push(c.bold('Unexpected differences') + ' (--diff: the two sides answered differently where no expectation looks)', '');
    for (const r of differing) {
      lines.push(`  ${c.red('≠')} ${title(r)}`);
      for (const step of r.differences!) {
        lines.push(`      ${step.method} ${step.path}  (line ${step.line})`);
        for (const d of step.differences) lines.push(`        ${describeDifference(d)}`);
      }
      lines.push('');
    }
  }
  if (run.untested.length > 0) {
    lines.push(`${plural(run.untested.length, 'behaviour')} without an example: ${run.untested.map((u) => `${u.specId}/${u.behavior}`).join(', ')}`, '');
  }
  lines.push(summary(result, c));
  return lines.join('\n');
}

function matrix(run: TestRun, c: Colors): string {
  const rows = new Map<string, ExampleResult[]>();
  for (const r of run.results) {
    const key = `${r.specId}\u0000${r.behavior ?? ''}`;
    rows.set(key, [...(rows.get(key) ?? []), r]);
  }
  return table(
    ['spec', 'behaviour', 'disposition', 'examples', 'legacy', 'rewrite'],
    [...rows.values()].map((results) => {
      const first = results[0]!;
      return [first.specId, first.behavior ?? '(none)', first.disposition, results.length, cell(results, 'legacy', c), cell(results, 'rewrite', c)];
    }),
  );
}

function cell(results: readonly ExampleResult[], target: Target, c: Colors): string {
  const outcomes = results.map((r) => r[target].outcome);
  const n = (outcome: Outcome) => outcomes.filter((o) => o === outcome).length;
  const fix = results[0]!.disposition === 'fix';
  if (n('fail') > 0) return c.red(`✗ ${n('fail')}/${results.length} failed`);
  if (n('error') > 0) return c.red(`! ${n('error')}/${results.length} errors`);
  if (target === 'rewrite' && results.some((r) => (r.differences?.length ?? 0) > 0)) return c.red('≠ differs');
  if (n('bug-gone') > 0) return c.yellow('? bug gone');
  if (n('skipped') === results.length) return c.dim(target === 'rewrite' && results[0]!.disposition === 'drop' ? '– dropped' : '– not run');
  if (fix) return c.green(target === 'legacy' ? '✓ shows the bug' : '✓ fixed');
  return c.green('✓ pass');
}

function title(r: ExampleResult): string {
  return `${r.specId} › ${r.example}  (${r.file}:${r.line}${r.behavior ? `, ${r.behavior}: ${r.disposition}` : ''})`;
}

function problem(r: ExampleResult, target: Target, c: Colors): string {
  const side = r[target];
  const mark = side.outcome === 'error' ? c.red('!') : c.red('✗');
  const body = failureText(side)
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
  const reason = side.outcome === 'error' && side.reason && !body.includes(side.reason) ? `\n      ${side.reason}` : '';
  return `  ${mark} ${target}  ${title(r)}${reason}\n${body}`;
}

function summary(result: TestCommandResult, c: Colors): string {
  const { run } = result;
  const part = (target: Target) => {
    const t = run.totals[target];
    const bits = [`${t.pass} passed`];
    if (t.fail > 0) bits.push(c.red(`${t.fail} failed`));
    if (t.error > 0) bits.push(c.red(`${t.error} errors`));
    if (t['bug-gone'] > 0) bits.push(c.yellow(`${t['bug-gone']} bug gone`));
    if (t.skipped > 0) bits.push(`${t.skipped} skipped`);
    return `${target} ${bits.join(', ')}`;
  };
  const fixes = run.results.filter((r) => r.disposition === 'fix' && r.legacy.outcome === 'pass' && r.rewrite.outcome === 'pass').length;
  const lines = [
    `${part('rewrite')}  ·  ${part('legacy')}${fixes > 0 ? `  ·  ${plural(fixes, 'fix', 'fixes')} confirmed` : ''}${run.diff ? `  ·  ${plural(run.totals.differing, 'example')} differing` : ''}  ·  ${(run.durationMs / 1000).toFixed(1)} s`,
    `run #${result.runId} saved in ${result.store}${result.junit ? `; JUnit XML in ${result.junit}` : ''}`,
    run.passed ? c.green('PASSED') : c.red(`FAILED: ${failedBecause(run)}`),
  ];
  return lines.join('\n');
}

function failedBecause(run: TestRun): string {
  const reasons: string[] = [];
  const failing = run.totals.rewrite.fail + run.totals.rewrite.error;
  if (failing > 0) reasons.push(`${plural(failing, 'example')} failing on the rewrite`);
  if (run.totals.differing > 0) reasons.push(`${plural(run.totals.differing, 'example')} with unexpected differences`);
  return reasons.join('; ');
}
