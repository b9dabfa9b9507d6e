import { Option, type Command } from 'commander';
import { httpUrlProblem } from '../../config/schema.js';
import { ParityError } from '../../errors.js';
import { describeDifference } from '../../runner/junit.js';
import { plural } from '../../text.js';
import { replaySamples, type ReplayCounts, type ReplayGroup, type ReplayResult, type ReplaySelection } from '../../../shadow-proxy/replay.js';
import { printJson, type CliContext } from '../context.js';
import { colorsFor, type Colors } from '../io.js';
import { collect, parseMethods, parseUrl, withExamples } from '../help.js';

interface ReplayFlags {
  candidate?: string;
  db?: string;
  only: ReplaySelection;
  methods?: string[];
  header?: string[];
  auth?: string;
  json?: boolean;
}

export function registerReplay(program: Command, ctx: CliContext): void {
  const command = program
    .command('replay')
    .description("re-send the shadow store's sample requests to the rewrite and compare with the stored primary responses")
    .option('--candidate <url>', 'the rewrite to check (default: shadow.candidate, then rewrite.url)', parseUrl)
    .option('--db <file>', 'store file (default: store from parity.yaml); only read, never written')
    .addOption(
      new Option('--only <which>', 'diverged: the samples of difference signatures; all: also the match reservoirs')
        .choices(['diverged', 'all'])
        .default('diverged'),
    )
    .option('--methods <list>', 'only the samples of these methods, e.g. GET,HEAD (replayed writes change the candidate and run out of order)', parseMethods)
    .option('--header <"Name: value">', 'send this header with every request, replacing the stored one; repeatable', collect)
    .option('--auth <name>', 'send the headers of this auth profile from parity.yaml (${NAME} read from the environment)')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      [
        '',
        'The primary is not called: the candidate is compared with the primary responses the store kept,',
        'with the same specs, compare rules and fix classification as `parity shadow`. Nothing is written to the store.',
        'Secrets were redacted before storage, but the store kept a keyed fingerprint of each: every sample',
        'is sent with the auth profile (parity.yaml) whose values have its fingerprints, and one whose',
        'credentials match no profile is not replayed ("credentials unknown"). --header / --auth send',
        'one value with every sample instead.',
        'A sample whose body was truncated, or whose query or body held a redacted value, is skipped',
        'and counted. Exit 1 when a replayed sample still differs or the candidate does not answer it;',
        'exit 2 when the candidate is unreachable or the store holds no shadow data.',
      ].join('\n'),
    )
    .action(async (flags: ReplayFlags, cmd: Command) => {
      if (flags.candidate !== undefined) {
        const problem = httpUrlProblem(flags.candidate);
        if (problem) throw new ParityError('USAGE', `--candidate: ${problem}`);
      }
      const headers = parseHeaders(flags.header ?? []);
      const workspace = ctx.workspace(cmd, flags.db !== undefined ? { store: flags.db } : {});
      const result = await replaySamples({
        workspace,
        cwd: ctx.io.cwd,
        env: ctx.io.env,
        only: flags.only,
        headers,
        ...(flags.methods !== undefined && { methods: flags.methods }),
        ...(flags.candidate !== undefined && { candidate: flags.candidate }),
        ...(flags.auth !== undefined && { auth: flags.auth }),
      });
      ctx.exitCode = result.passed ? 0 : 1;
      if (flags.json) return printJson(ctx, result);
      ctx.out(renderReplay(result, colorsFor(ctx.io, ctx.io.stdout)));
    });
  withExamples(command, [
    'parity replay --candidate http://127.0.0.1:4000',
    'parity replay --only all                   # each sample with the auth profile its credentials match',
    "parity replay --methods GET,HEAD           # reads only: the candidate's data stays as it is",
    'parity replay --only all --header "Authorization: Bearer $STAGING_TOKEN"',
    'parity replay --auth staging --db shadow.db --json',
  ]);
}

/** `--header "Name: value"` values into a header object; a later value for the same name wins. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/s.exec(value);
    if (!match) throw new ParityError('USAGE', `--header: expected "Name: value", got ${JSON.stringify(value)}`);
    const name = match[1]!;
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = match[2]!.trim();
  }
  return headers;
}

export function renderReplay(result: ReplayResult, c: Colors): string {
  const lines: string[] = [];
  const t = result.totals;
  lines.push(
    `replayed ${plural(t.replayed, 'sample')}${result.methods ? ` of ${result.methods.join(', ')} requests` : ''} from ${result.store} against ${result.candidate}, ` +
      'compared with the stored primary responses (the store is not written)',
    '',
  );
  if (t.samples === 0) {
    const methods = result.methods ? ` of ${result.methods.join(', ')} requests` : '';
    lines.push(
      result.only === 'diverged'
        ? `no diverged samples${methods} to replay: the store holds no mismatch signature with samples (--only all replays the matches too)`
        : `no samples${methods} to replay`,
    );
    return lines.join('\n');
  }
  for (const group of result.groups) lines.push(...renderGroup(group, c), '');
  if (result.unreplacedHeaders.length > 0) {
    lines.push(
      c.yellow(
        `note: some samples were stored with ${result.unreplacedHeaders.join(', ')} redacted and no fingerprint to find their auth profile by ` +
          `(by a parity before there were any): those requests were replayed without ${result.unreplacedHeaders.length === 1 ? 'it' : 'them'}`,
      ) + ' (use --header "Name: value" or --auth NAME to send one value with every sample)',
      '',
    );
  }
  if (result.skipped.credentials > 0) {
    lines.push(
      c.yellow(
        `note: ${plural(result.skipped.credentials, 'sample')} not replayed: credentials unknown (their redacted credentials match no auth profile of parity.yaml ` +
          'whose variables are set, so they would be sent without them); add the profile, or set its variables, to replay them',
      ),
      '',
    );
  }
  const parts = [`${t.match} now match`, `${t.same} still differ`, `${t.different} differ differently`];
  if (t.expected > 0) parts.push(`${t.expected} expected (a fix behaviour)`);
  parts.push(`${plural(t.candidateError, 'candidate error')}`);
  if (t.notCompared > 0) parts.push(`${t.notCompared} not compared (too large)`);
  if (t.skipped > 0) parts.push(`${t.skipped} skipped (${skippedWhy(result)})`);
  lines.push(parts.join(', '));
  lines.push(result.passed ? c.green('PASSED') : c.red(`FAILED: ${failedBecause(t)}`));
  return lines.join('\n');
}

function renderGroup(group: ReplayGroup, c: Colors): string[] {
  const n = group.counts;
  const lines: string[] = [];
  if (group.kind === 'signature') {
    lines.push(`${c.bold(group.signature ?? group.endpoint)}  (seen ${group.seen ?? 0}×; ${plural(n.samples, 'sample')})`);
  } else {
    lines.push(`${c.bold(`${group.endpoint}: matches`)}  (${plural(n.samples, 'sample')} of the match reservoir)`);
  }
  const bits: string[] = [];
  const fixed = group.kind === 'signature' ? 'fixed' : 'still match';
  if (n.match > 0) bits.push(c.green(`✓ ${n.match} ${fixed}`));
  if (n.same > 0) bits.push(c.red(`✗ ${n.same} still differ`));
  if (n.different > 0) bits.push(c.red(`≠ ${n.different} differ differently`));
  if (n.expected > 0) bits.push(c.green(`✓ ${n.expected} expected`));
  if (n.candidateError > 0) bits.push(c.red(`! ${plural(n.candidateError, 'candidate error')}`));
  if (n.notCompared > 0) bits.push(`${n.notCompared} not compared`);
  if (n.skipped > 0) bits.push(c.dim(`– ${n.skipped} skipped`));
  lines.push(`  ${bits.join('  ')}`);
  for (const { signature, count } of group.newSignatures) {
    lines.push(`    now: ${signature}  (${count}×)`);
    const example = group.samples.find((s) => s.signature === signature && s.outcome === 'different');
    if (example) {
      lines.push(`      e.g. ${example.method} ${example.target}`);
      for (const d of (example.differences ?? []).slice(0, 5)) lines.push(`        ${describeDifference(d)}`);
    }
  }
  const sameExample = group.samples.find((s) => s.outcome === 'same');
  if (sameExample) {
    lines.push(`    still: e.g. ${sameExample.method} ${sameExample.target}`);
    for (const d of (sameExample.differences ?? []).slice(0, 5)) lines.push(`        ${describeDifference(d)}`);
  }
  const errored = group.samples.find((s) => s.outcome === 'candidate_error');
  if (errored) lines.push(`    error: ${errored.method} ${errored.target}: ${errored.error ?? 'no answer'}`);
  return lines;
}

function skippedWhy(result: ReplayResult): string {
  const why: string[] = [];
  if (result.skipped.truncated > 0) why.push(`${result.skipped.truncated} with a truncated body`);
  if (result.skipped.redacted > 0) why.push(`${result.skipped.redacted} with a redacted value in the query or body`);
  if (result.skipped.credentials > 0) why.push(`${result.skipped.credentials} with credentials unknown`);
  return why.join(', ');
}

function failedBecause(t: ReplayCounts): string {
  const reasons: string[] = [];
  if (t.same + t.different > 0) reasons.push(`${plural(t.same + t.different, 'replayed sample')} still differing`);
  if (t.candidateError > 0) reasons.push(`${plural(t.candidateError, 'sample')} the candidate did not answer`);
  if (t.samples > 0 && t.replayed === 0) reasons.push(`none of the ${plural(t.samples, 'selected sample')} could be replayed`);
  return reasons.join('; ');
}
