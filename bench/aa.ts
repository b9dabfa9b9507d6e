/**
 * The readiness gates' A/A and A/B harness at fixed offered loads (autocannon's overallRate):
 * three upstreams of the gate service (bench/gate-service.ts), each in its own process, behind
 * `parity shadow` inline with a secondary, then `parity report` of the store
 * (bench/gate-trial.ts). Each scenario runs `--runs` times at each load:
 *
 *   A/A          primary, secondary and candidate identical (per-request noise in every JSON
 *                answer, the instance's URL in an NDJSON record and a text line): no gate may FAIL
 *   slower       the candidate 5 ms slower: latency must FAIL (and correctness must not)
 *   differs      the candidate differs on 1 % of items: correctness must FAIL (and latency must not)
 *   noise        A/A's noise is cancelled and nothing more: the A/A mismatches must be 0, the
 *                "differs" mismatches near 1 %
 *
 * It prints, per load and scenario, each statistical gate's PASS / INSUFFICIENT / FAIL counts on
 * the JSON endpoint, the gates' false-FAIL rate (A/A) and the rate at which the planted difference
 * was caught, and the raw p99 ratio of the primary as the clients saw it against the candidate as
 * the mirror did: what the latency gate judged before it compared like with like.
 *
 *   npm run build && node dist/bench/aa.js [--rates 300,1000] [--seconds 15] [--runs 3] [--scenarios "A/A"]
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { GateStatus } from '../reports/model.js';
import { packageRoot } from '../src/package-info.js';
import type { GateServiceOptions } from './gate-service.js';
import { seededRandom } from '../src/random.js';
import { JSON_READ, runTrial, STATISTICAL_GATES, type TrialResult, type Upstream } from './gate-trial.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '300,1000' },
    seconds: { type: 'string', default: '15' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    /** Comma-separated scenario names to run (default all): "A/A", "slower 5 ms", "differs on 1 %". */
    scenarios: { type: 'string' },
  },
});
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const CONNECTIONS = Number(values.connections);
if (RATES.some((r) => !(r > 0)) || !(SECONDS > 0) || !(RUNS > 0)) throw new Error('--rates, --seconds and --runs must be positive numbers');

const NOISY: GateServiceOptions = { noise: true };
const SCENARIOS: { name: string; candidate: GateServiceOptions; mustFail: (typeof STATISTICAL_GATES)[number] | null }[] = [
  { name: 'A/A', candidate: NOISY, mustFail: null },
  { name: 'slower 5 ms', candidate: { ...NOISY, delayMs: 5 }, mustFail: 'latency' },
  { name: 'differs on 1 %', candidate: { ...NOISY, planted: true }, mustFail: 'shadow_correctness' },
];

const chosen = values.scenarios === undefined ? SCENARIOS : SCENARIOS.filter((s) => values.scenarios!.split(',').includes(s.name));
if (chosen.length === 0) throw new Error(`--scenarios: none of ${SCENARIOS.map((s) => `"${s.name}"`).join(', ')}`);

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill()));

function startUpstream(options: GateServiceOptions): Promise<Upstream> {
  const child = fork(path.join(packageRoot(), 'dist', 'bench', 'gate-service.js'), [JSON.stringify(options)], { stdio: 'inherit' });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (m) =>
      resolve({
        url: (m as { url: string }).url,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill();
          }),
      }),
    );
    child.once('exit', (code) => reject(new Error(`gate service exited with ${code}`)));
  });
}

/** Fixed offered load for SECONDS: item numbers uniform over the catalogue, a sixth of them NDJSON or text reads. */
async function load(url: string, rate: number): Promise<void> {
  const random = seededRandom(rate);
  let i = 0;
  const next = () => {
    const n = Math.floor(random() * 1000);
    i += 1;
    return i % 6 === 0 ? (i % 12 === 0 ? `/items/${n}/events` : `/items/${n}/report`) : `/items/${n}`;
  };
  await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    overallRate: rate,
    requests: [{ setupRequest: (req) => ({ ...req, path: next() }) }],
  });
}

interface Tally {
  runs: number;
  statuses: Record<string, Record<GateStatus, number>>;
  mismatches: number[];
  requests: number[];
  rawP99: number[];
  pairedP99: number[];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-bench-aa-'));
const tallies = new Map<string, Tally>();
for (let run = 0; run < RUNS; run++) {
  for (const rate of RATES) {
    for (const scenario of chosen) {
      const result: TrialResult = await runTrial({
        primary: NOISY,
        secondary: NOISY,
        candidate: scenario.candidate,
        dir: path.join(work, `${run}-${rate}-${scenario.name.replace(/\W+/g, '-')}`),
        start: startUpstream,
        traffic: (url) => load(url, rate),
      });
      const key = `${rate}\u0000${scenario.name}`;
      let tally = tallies.get(key);
      if (!tally) {
        tally = {
          runs: 0,
          statuses: Object.fromEntries(STATISTICAL_GATES.map((g) => [g, { PASS: 0, INSUFFICIENT: 0, FAIL: 0 }])),
          mismatches: [],
          requests: [],
          rawP99: [],
          pairedP99: [],
        };
        tallies.set(key, tally);
      }
      const json = result.endpoints.get(JSON_READ);
      if (!json) throw new Error(`no ${JSON_READ} in the report of ${scenario.name} at ${rate} req/s`);
      tally.runs += 1;
      for (const gate of STATISTICAL_GATES) tally.statuses[gate]![json.gates[gate].status] += 1;
      tally.mismatches.push(json.report.mismatches);
      tally.requests.push(json.report.requests);
      tally.rawP99.push(Number(json.gates.latency.numbers.raw_p99_ratio ?? Number.NaN));
      tally.pairedP99.push(Number(json.gates.latency.numbers.p99_ratio ?? Number.NaN));
      process.stderr.write(
        `run ${run + 1}/${RUNS} ${rate} req/s ${scenario.name}: ${STATISTICAL_GATES.map((g) => `${g} ${json.gates[g].status}`).join(', ')}\n` +
          `  latency: ${json.gates.latency.detail}\n`,
      );
    }
  }
}

const median = (xs: number[]) => {
  const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const cell = (counts: Record<GateStatus, number>) => `${counts.PASS}/${counts.INSUFFICIENT}/${counts.FAIL}`;
const header = [
  'load',
  'scenario',
  'runs',
  ...STATISTICAL_GATES.map((g) => `${g} P/I/F`),
  'mismatches (median)',
  'p99 ratio judged',
  'p99 ratio raw',
  'verdict',
];
const rows: string[][] = [];
let falseFails = 0;
let aaGates = 0;
for (const rate of RATES) {
  for (const scenario of chosen) {
    const tally = tallies.get(`${rate}\u0000${scenario.name}`)!;
    const fails = STATISTICAL_GATES.reduce((sum, g) => sum + tally.statuses[g]!.FAIL, 0);
    let verdict: string;
    if (scenario.mustFail === null) {
      falseFails += fails;
      aaGates += tally.runs * STATISTICAL_GATES.length;
      verdict = `false FAIL ${fails}/${tally.runs * STATISTICAL_GATES.length}`;
    } else {
      const caught = tally.statuses[scenario.mustFail]!.FAIL;
      const others = fails - caught;
      verdict = `caught ${caught}/${tally.runs}${others > 0 ? `, other gates FAIL ${others}` : ''}`;
    }
    rows.push([
      `${rate} req/s`,
      scenario.name,
      String(tally.runs),
      ...STATISTICAL_GATES.map((g) => cell(tally.statuses[g]!)),
      `${median(tally.mismatches)} of ${median(tally.requests)}`,
      `${median(tally.pairedP99).toFixed(2)}×`,
      `${median(tally.rawP99).toFixed(2)}×`,
      verdict,
    ]);
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log(
  `\nA/A false-FAIL rate over ${RUNS} runs at ${RATES.length} loads: ${falseFails}/${aaGates} gate decisions (${((100 * falseFails) / Math.max(1, aaGates)).toFixed(1)} %)`,
);
fs.rmSync(work, { recursive: true, force: true });
process.exit(0);
