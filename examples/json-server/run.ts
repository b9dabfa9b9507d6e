/**
 * The json-server pair end to end, as a newcomer runs it (`npm run example:json-server`): a
 * workspace with the hand-written specs, the pair started on copies of db.json, `parity extract`
 * on the installed 0.17 source, the traffic through `parity shadow` with writes mirrored and a
 * secondary, then `parity report`, and last `parity replay` of the stored differences against the
 * rewrite restarted with its data migrated (a candidate change). Every step is the CLI a user
 * would type, run in-process.
 *
 *   node dist/examples/json-server/run.js [--dir DIR] [--rounds N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { packageRoot } from '../../src/package-info.js';
import type { ReadinessReport } from '../../reports/model.js';
import type { ReplayResult } from '../../shadow-proxy/replay.js';
import type { RecordSessionResult } from '../../src/record/session.js';
import type { TestRun } from '../../src/runner/run.js';
import { migrateForeignKeysToStrings, startJsonServer, startJsonServerPair, type RunningJsonServer } from './pair.js';
import { jsonServerTraffic, type TrafficSummary } from './traffic.js';

export interface PairRunOptions {
  /** The workspace; default: a new temporary directory. */
  dir?: string;
  /** Client sessions of traffic. Default 20. */
  rounds?: number;
  /** Each step as it finishes. */
  onStep?: (title: string, lines: string[]) => void;
}

export interface PairRun {
  dir: string;
  extraction: { endpoints: number; warnings: string[] };
  /** `parity record` of the traffic against its own 0.17, verified on a fresh one: examples added per spec, and those not reproducible. */
  recording: { added: Record<string, number>; notReproducible: string[] };
  /** `parity test` of the recorded examples against a fresh pair: per spec and example, each side's outcome. */
  tests: { specId: string; example: string; legacy: string; rewrite: string }[];
  traffic: TrafficSummary;
  report: ReadinessReport;
  /** `parity replay` of the stored differences against the rewrite restarted with its data's foreign keys migrated to strings. */
  replay: ReplayResult;
}

const SPECS = path.join(packageRoot(), 'examples', 'json-server', 'specs');

/** The installed 0.17 package: what `parity extract` reads. */
function legacySource(): string {
  return path.dirname(createRequire(import.meta.url).resolve('json-server-legacy/package.json'));
}

/** Where a long-running parity command (record, shadow) says it listens. */
async function listening(io: ReturnType<typeof memoryIo>, said: RegExp): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const url = said.exec(io.err())?.[1];
    if (url) return url;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`a parity command did not start: ${io.err()}`);
}

/** A parity command in-process; a failure ends the run with what the command said. */
async function cli(dir: string, ...argv: string[]): Promise<string> {
  const io = memoryIo(dir, {});
  const code = await runCli(argv, io);
  if (code !== 0) throw new Error(`parity ${argv.join(' ')} ended with ${code}: ${io.err()}`);
  return io.out();
}

export async function runJsonServerPair(options: PairRunOptions = {}): Promise<PairRun> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'parity-json-server-'));
  fs.mkdirSync(dir, { recursive: true });
  const step = options.onStep ?? (() => undefined);
  const running: RunningJsonServer[] = [];
  try {
    const pair = await startJsonServerPair(dir);
    running.push(pair.legacy, pair.rewrite, pair.secondary);
    fs.cpSync(SPECS, path.join(dir, 'specs'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'parity.yaml'),
      [
        `legacy: {url: "${pair.legacy.url}", source: "${legacySource()}"}`,
        `rewrite: {url: "${pair.rewrite.url}"}`,
        'shadow:',
        `  secondary: "${pair.secondary.url}"`,
        '  methods: [GET, POST, PUT, PATCH, DELETE]',
        '',
      ].join('\n'),
    );
    step('started the pair', [
      `legacy json-server 0.17.4 at ${pair.legacy.url}`,
      `rewrite json-server 1.0.0-beta.3 at ${pair.rewrite.url}`,
      `secondary 0.17.4 at ${pair.secondary.url}`,
    ]);

    // Extraction sees the routers json-server builds, but not where they are mounted: that comes from the data at run time.
    const found = JSON.parse(await cli(dir, 'extract', '--json')) as { endpoints: unknown[]; warnings: { file: string; line: number; message: string }[] };
    const extraction = { endpoints: found.endpoints.length, warnings: found.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`) };
    step('extracted the 0.17 source', [`${extraction.endpoints} endpoints`, ...extraction.warnings.map((w) => `warning: ${w}`)]);

    // Examples from the same kind of traffic, recorded against a 0.17 of their own and checked on a fresh one.
    const [recorded, fresh] = await Promise.all([startJsonServer('legacy', dir, 'recorded'), startJsonServer('legacy', dir, 'fresh')]);
    running.push(recorded, fresh);
    const stopRecording = new AbortController();
    const recordIo = memoryIo(dir, {}, stopRecording.signal);
    const recordingDone = runCli(['record', '--port', '0', '--json', '--upstream', recorded.url, '--verify-fresh', fresh.url], recordIo);
    const recordUrl = await listening(recordIo, /recording on (http:\/\/\S+) ->/);
    await jsonServerTraffic(recordUrl, { rounds: 2, seed: 3 });
    stopRecording.abort();
    if ((await recordingDone) !== 0) throw new Error(`parity record failed: ${recordIo.err()}`);
    const recordedResult = JSON.parse(recordIo.out()) as RecordSessionResult;
    const recording = {
      added: Object.fromEntries(recordedResult.specs.map((s) => [s.id, s.added.length])),
      notReproducible: recordedResult.notReproducible.map((n) => `${n.specId}: ${n.example}: ${n.reason}`),
    };
    step('recorded examples', [
      `${Object.values(recording.added).reduce((n, k) => n + k, 0)} examples in ${Object.keys(recording.added).length} specs`,
      ...recording.notReproducible.map((n) => `not reproducible: ${n}`),
    ]);

    const [testedLegacy, testedRewrite] = await Promise.all([
      startJsonServer('legacy', dir, 'tested-legacy'),
      startJsonServer('rewrite', dir, 'tested-rewrite'),
    ]);
    running.push(testedLegacy, testedRewrite);
    const testIo = memoryIo(dir, {});
    // The examples share each side's database (the singular profile a PATCH example changes, the
    // posts the others create and delete), so they run one at a time, in the order of their specs.
    await runCli(['test', '--json', '--concurrency', '1', '--legacy', testedLegacy.url, '--rewrite', testedRewrite.url], testIo);
    const tested = JSON.parse(testIo.out()) as TestRun;
    const tests = tested.results.map((r) => ({ specId: r.specId, example: r.example, legacy: r.legacy.outcome, rewrite: r.rewrite.outcome }));
    step('tested both sides', [
      `${tests.length} examples: ${tests.filter((t) => t.legacy === 'pass').length} pass on the legacy, ${tests.filter((t) => t.rewrite === 'pass').length} on the rewrite`,
    ]);

    const stop = new AbortController();
    const io = memoryIo(dir, {}, stop.signal);
    const shadowing = runCli(['shadow', '--port', '0', '--json'], io);
    const url = await listening(io, /shadowing on (http:\/\/\S+):/);
    const traffic = await jsonServerTraffic(url, { rounds: options.rounds ?? 20, seed: 7 });
    for (let i = 0; i < 800; i++) {
      const lines = (await (await fetch(`${url}/__parity/metrics`)).text()).split('\n');
      const compared = lines.filter((l) => l.startsWith('parity_shadow_compared_total')).reduce((n, l) => n + Number(l.split(' ')[1]), 0);
      if (compared >= traffic.requests) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    stop.abort();
    const shadowCode = await shadowing;
    if (shadowCode !== 0) throw new Error(`parity shadow ended with ${shadowCode}: ${io.err()}`);
    const stopped = JSON.parse(io.out()) as { metrics: { correlation: Record<string, number> } };
    const c = stopped.metrics.correlation;
    step('shadowed the traffic', [
      `${traffic.requests} requests: ${Object.entries(traffic.statuses)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
      `stateful shadowing: ${c.learned} identifier pairs learned, ${c.translated} requests translated, ${c.downstream} differences downstream of ${c.diverged} diverged values`,
    ]);

    fs.mkdirSync(path.join(dir, 'reports'), { recursive: true });
    for (const file of ['readiness.md', 'readiness.html']) await cli(dir, 'report', '--out', path.join('reports', file));
    const report = JSON.parse(await cli(dir, 'report', '--format', 'json')) as ReadinessReport;
    step('wrote the report', [path.join(dir, 'reports', 'readiness.md'), path.join(dir, 'reports', 'readiness.html')]);

    // A candidate change, checked without live traffic: the rewrite restarted on its own data with
    // the foreign keys migrated to strings, and the stored samples of every difference on a read
    // replayed (replayed writes would change the data the reads are checked against).
    await pair.rewrite.stop();
    const migrated = migrateForeignKeysToStrings(pair.rewrite.dbFile);
    const changed = await startJsonServer('rewrite', dir, 'rewrite', { keepData: true });
    running.push(changed);
    const replayIo = memoryIo(dir, {});
    const replayCode = await runCli(['replay', '--candidate', changed.url, '--methods', 'GET', '--json'], replayIo);
    if (replayCode !== 0 && replayCode !== 1) throw new Error(`parity replay ended with ${replayCode}: ${replayIo.err()}`);
    const replay = JSON.parse(replayIo.out()) as ReplayResult;
    step('replayed the differences on a changed rewrite (foreign keys migrated to strings)', [
      `${migrated} foreign keys migrated; ${replay.totals.replayed} samples replayed: ${replay.totals.match} match, ${replay.totals.different} differ otherwise, ${replay.totals.same} differ as before`,
    ]);
    return { dir, extraction, recording, tests, traffic, report, replay };
  } finally {
    await Promise.all(running.map((server) => server.stop()));
  }
}

const invoked = process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url).pathname);
if (invoked) {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, rounds: { type: 'string', default: '20' } } });
  const run = await runJsonServerPair({
    ...(values.dir !== undefined && { dir: path.resolve(values.dir) }),
    rounds: Number(values.rounds),
    onStep: (title, lines) => process.stdout.write(`${title}\n${lines.map((line) => `  ${line}`).join('\n')}\n`),
  });
  process.stdout.write(
    `\n${run.report.endpoints.map((e) => `${e.endpoint.padEnd(28)} ${e.verdict.padEnd(18)} ${e.requests} compared, ${e.mismatches} mismatches`).join('\n')}\n`,
  );
  process.stdout.write(
    `\ntop differences:\n${run.report.triage.top_differences.map((d) => `  ${d.pattern} (${d.kind}): ${d.requests} requests on ${d.endpoints.length} endpoints`).join('\n')}\n`,
  );
  process.stdout.write(`\nworkspace: ${run.dir}\n`);
}
