/**
 * The shadow proxy against nginx, on loopback, in one go (autocannon drives the load):
 *
 *   direct          clients -> upstream
 *   nginx           clients -> nginx proxy_pass -> upstream
 *   nginx+mirror    clients -> nginx (proxy_pass + `mirror` to the candidate) -> upstream
 *   parity          clients -> parity shadow (inline: mirroring, comparison, recording on) -> upstream
 *   parity no mirror  the same with sample_percent 0: the cost of the client path alone
 *
 * each with a fast candidate, and the two mirroring setups again with a candidate that answers
 * after 200 ms: nginx's mirror makes the client wait for its subrequest (the known problem);
 * parity must not. Each measure follows a second of quiet, and each round starts one setup further
 * on, so machine noise and one setup's leftovers hit every setup alike; medians of the rounds are
 * printed, with the ratios the issue asks for and the CPU each setup spent per request (from
 * /proc). Then nginx+mirror and parity again at one fixed offered load, for latency at equal load.
 * Then the store: comparisons written per second, and database bytes per million mirrored
 * requests of repetitive traffic (GET /items/0..9, one of them with a planted difference).
 *
 * Every process (upstream, candidates, nginx, parity, and autocannon in this one) shares the
 * machine's cores; on a 2-core machine they compete, so compare setups within one run only.
 *
 * `--workload stateful` replaces the GETs by a client that creates an item (POST, mirrored) and
 * reads it back by the id it was given, on upstreams that each make up their own ids: parity must
 * translate every read for the candidate (stateful shadowing), nginx's mirror sends it as it came.
 * It prints the same table, and what parity learned and translated.
 *
 *   npm run build && node dist/bench/shadow.js [--seconds 6] [--rounds 3] [--connections 32]
 *     [--only "nginx+mirror,parity"] [--baseline ../other-checkout] [--workload get|stateful]
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { packageRoot } from '../src/package-info.js';
import { freeLoopbackPort } from '../src/net.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    /** Comma-separated setup names to measure (default all); for working on one of them. */
    only: { type: 'string' },
    /** Another built checkout of parity, measured as "parity baseline" beside this one: for A/B work on the proxy. */
    baseline: { type: 'string' },
    /** `get` (default): GET /items/0..9; `stateful`: create an item, then read it back by the id the answer gave. */
    workload: { type: 'string', default: 'get' },
  },
});
if (values.workload !== 'get' && values.workload !== 'stateful') throw new Error(`--workload: "get" or "stateful", not "${values.workload}"`);
const STATEFUL = values.workload === 'stateful';
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);

const children: ChildProcess[] = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-bench-shadow-'));

function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(candidate)) return candidate;
  const which = spawnSync('which', ['nginx'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error('nginx is not installed: run scripts/ensure-test-deps.sh (as root it installs Debian nginx)');
}

async function upstream(delayMs: number, differ = false): Promise<string> {
  const child = fork(
    path.join(packageRoot(), 'dist', 'bench', 'json-upstream.js'),
    [String(delayMs), differ ? 'differ' : 'same', STATEFUL ? 'stateful' : 'plain'],
    {
      stdio: 'inherit',
    },
  );
  children.push(child);
  upstreamPids.push(child.pid!);
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** nginx in front of `primary`, optionally mirroring every request to `mirror`. */
async function nginx(name: string, primary: string, mirror?: string): Promise<Setup> {
  const port = await freeLoopbackPort();
  const prefix = path.join(work, name);
  fs.mkdirSync(prefix, { recursive: true });
  const conf = `worker_processes 1;
error_log ${prefix}/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  upstream primary { server ${new URL(primary).host}; keepalive 64; }
  ${mirror ? `upstream candidate { server ${new URL(mirror).host}; keepalive 64; }` : ''}
  server {
    listen 127.0.0.1:${port};
    location / {
      ${mirror ? 'mirror /__mirror; mirror_request_body on;' : ''}
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_pass http://primary;
    }
    ${mirror ? 'location = /__mirror { internal; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://candidate$request_uri; }' : ''}
  }
}
`;
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf);
  const child = spawn(nginxBinary(), ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  children.push(child);
  await waitForPort(port);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid! };
}

/** `parity shadow` (the real bin) in front of `primary`, mirroring to `candidate`. */
async function parity(
  name: string,
  primary: string,
  candidate: string,
  samplePercent = 100,
  root = packageRoot(),
): Promise<{ url: string; store: string; child: ChildProcess }> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'parity.yaml'),
    `legacy: {url: "${primary}"}\nrewrite: {url: "${candidate}"}\nstore: shadow.db\nshadow: {sample_percent: ${samplePercent}${STATEFUL ? ', methods: [GET, POST]' : ''}}\n`,
  );
  const child = spawn(process.execPath, [path.join(root, 'bin', 'parity.js'), 'shadow', '--port', '0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const found = /shadowing on (http:\/\/\S+):/.exec(stderr)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`parity shadow exited with ${code}: ${stderr}`)));
  });
  return { url, store: path.join(dir, 'shadow.db'), child };
}

async function stopParity(p: { child: ChildProcess }): Promise<void> {
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  await exited;
}

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time of the proxy's processes (all threads, nginx's workers too) per request, µs; 0 for direct. */
  proxyCpuUs: number;
  /** CPU time of the upstreams (primary and candidates) and of autocannon (this process) per request, µs. */
  restCpuUs: number;
  /** Share of the machine's CPU time left idle during the measure. */
  idle: number;
}

/** CPU time (user + system) of a process and its descendants, ms, from /proc; NaN when any of it cannot be read. */
function treeCpuMs(pid: number): number {
  const visit = (id: number): number => {
    try {
      const stat = fs.readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      let ticks = Number(fields[11]) + Number(fields[12]);
      for (const tid of fs.readdirSync(`/proc/${id}/task`)) {
        for (const child of fs.readFileSync(`/proc/${id}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean)) ticks += visit(Number(child));
      }
      return ticks;
    } catch {
      // No /proc, or no task children file (a kernel without CONFIG_PROC_CHILDREN): unknown, not zero.
      return Number.NaN;
    }
  };
  return (visit(pid) * 1000) / CLOCK_TICKS;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The machine's idle and total CPU ticks so far, from /proc/stat. */
function machineTicks(): { idle: number; total: number } {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: fields[3]! + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return { idle: 0, total: 0 };
  }
}

const PATHS = Array.from({ length: 10 }, (_, i) => ({ method: 'GET' as const, path: `/items/${i}` }));

/** Per connection: create an item, then read it back by the id the answer gave, like a real client. */
const STATEFUL_REQUESTS: autocannon.Request[] = [
  {
    method: 'POST',
    path: '/items',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"created"}',
    onResponse: (status, body, context) => {
      if (status === 201) (context as { id?: string }).id = (JSON.parse(body) as { id: string }).id;
    },
  },
  { method: 'GET', setupRequest: (request, context) => ({ ...request, path: `/items/${(context as { id?: string }).id ?? 'it_none'}` }) },
];

/** `rate`: a fixed offered load in requests per second (latency corrected for coordinated omission); default as fast as answered. */
async function load(setup: Setup, seconds = SECONDS, rate?: number): Promise<Measure> {
  const cpuBefore = setup.pid === undefined ? 0 : treeCpuMs(setup.pid);
  const restBefore = restCpuMs();
  const machineBefore = machineTicks();
  const result = await autocannon({
    url: setup.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: STATEFUL ? STATEFUL_REQUESTS : PATHS,
    ...(rate !== undefined && { overallRate: rate }),
  });
  const cpuMs = setup.pid === undefined ? 0 : treeCpuMs(setup.pid) - cpuBefore;
  const restMs = restCpuMs() - restBefore;
  const machineAfter = machineTicks();
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    proxyCpuUs: result.requests.total === 0 ? 0 : (cpuMs * 1000) / result.requests.total,
    restCpuUs: result.requests.total === 0 ? 0 : (restMs * 1000) / result.requests.total,
    idle: (machineAfter.idle - machineBefore.idle) / Math.max(1, machineAfter.total - machineBefore.total),
  };
}

const upstreamPids: number[] = [];

/** CPU time of the upstreams and of this process (autocannon), ms. */
function restCpuMs(): number {
  const own = process.cpuUsage();
  return upstreamPids.reduce((ms, pid) => ms + treeCpuMs(pid), (own.user + own.system) / 1000);
}

interface Setup {
  url: string;
  /** The proxy's process, for its CPU time. */
  pid?: number;
}

/**
 * Each round starts one setup further on, so no setup always follows the same one: nginx's mirror
 * leaves the candidate a backlog of connections to accept, which would tax whatever runs next.
 */
function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** A measure after a second of quiet, for the previous setup's leftovers (backlogs, TIME-WAIT sockets) to settle. */
async function settled<T>(measure: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return measure();
}

/** The fixed offered load of the latency comparison, as a share of nginx+mirror's closed-loop throughput. */
const FIXED_RATE_SHARE = 0.7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The median, or NaN when a measure could not be taken. */
const knownMedian = (xs: number[]) => (xs.some(Number.isNaN) ? Number.NaN : median(xs));
/** A CPU figure, `-` when unknown or not measured (direct has no proxy). */
const shown = (us: number) => (Number.isFinite(us) && us > 0 ? us.toFixed(0) : '-');

async function main(): Promise<void> {
  const [primary, fast, slow] = await Promise.all([upstream(0), upstream(0, true), upstream(200, true)]);
  const setups: Record<string, Setup> = {
    direct: { url: primary },
    nginx: await nginx('nginx', primary),
    'nginx+mirror': await nginx('nginx-mirror', primary, fast),
    'nginx+mirror slow': await nginx('nginx-mirror-slow', primary, slow),
  };
  const parityFast = await parity('parity', primary, fast);
  const paritySlow = await parity('parity-slow', primary, slow);
  // The proxy alone, mirroring nothing: what the client path costs before any comparison.
  const parityOff = await parity('parity-off', primary, fast, 0);
  setups['parity no mirror'] = { url: parityOff.url, pid: parityOff.child.pid! };
  setups.parity = { url: parityFast.url, pid: parityFast.child.pid! };
  setups['parity slow'] = { url: paritySlow.url, pid: paritySlow.child.pid! };
  if (values.baseline) {
    const baseline = await parity('parity-baseline', primary, fast, 100, path.resolve(values.baseline));
    setups['parity baseline'] = { url: baseline.url, pid: baseline.child.pid! };
  }
  const only = values.only?.split(',').map((name) => name.trim());
  for (const name of only ?? []) if (!(name in setups)) throw new Error(`--only: no setup "${name}"; setups: ${Object.keys(setups).join(', ')}`);
  const measured = Object.entries(setups).filter(([name]) => !only || only.includes(name));

  for (const [, setup] of measured) await load(setup, 1);
  const results: Record<string, Measure[]> = Object.fromEntries(measured.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, setup] of rotated(measured, round)) results[name]!.push(await settled(() => load(setup)));
  }
  // Latency at the same offered load: closed-loop figures give the faster proxy more requests to
  // queue, so the two mirroring setups are also driven at one fixed rate both can sustain.
  const fixedRate: { rate: number; results: Record<string, Measure[]> } | undefined =
    results.parity && results['nginx+mirror']
      ? { rate: Math.round(FIXED_RATE_SHARE * median(results['nginx+mirror'].map((r) => r.rps))), results: { 'nginx+mirror': [], parity: [] } }
      : undefined;
  if (fixedRate) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of rotated(['nginx+mirror', 'parity'], round))
        fixedRate.results[name]!.push(await settled(() => load(setups[name]!, SECONDS, fixedRate.rate)));
    }
  }
  const metricsText = await (await fetch(`${parityFast.url}/__parity/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metricsText)?.[1] ?? 0);
  const compared = [...metricsText.matchAll(/^parity_shadow_compared_total\{outcome="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const outcome = (name: string) => Number(new RegExp(`^parity_shadow_compared_total\\{outcome="${name}"\\} (\\d+)$`, 'm').exec(metricsText)?.[1] ?? 0);
  const mirrored = metric('parity_shadow_mirrored_total');
  const dropped = metric('parity_shadow_dropped_total');
  await Promise.all([stopParity(parityFast), stopParity(paritySlow), stopParity(parityOff)]);
  const bytes = [parityFast.store, `${parityFast.store}-wal`].filter((f) => fs.existsSync(f)).reduce((n, f) => n + fs.statSync(f).size, 0);

  const summary: Record<string, Measure> = Object.fromEntries(
    Object.entries(results).map(([name, runs]) => [
      name,
      {
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        errors: runs.reduce((n, r) => n + r.errors, 0),
        proxyCpuUs: knownMedian(runs.map((r) => r.proxyCpuUs)),
        restCpuUs: knownMedian(runs.map((r) => r.restCpuUs)),
        idle: median(runs.map((r) => r.idle)),
      },
    ]),
  );
  const rows = Object.entries(summary).map(
    ([name, m]) =>
      `${name.padEnd(18)} ${m.rps.toFixed(0).padStart(8)} ${m.p50.toFixed(1).padStart(8)} ${m.p99.toFixed(1).padStart(8)} ${String(m.errors).padStart(7)} ${shown(m.proxyCpuUs).padStart(12)} ${shown(m.restCpuUs).padStart(11)} ${`${(m.idle * 100).toFixed(0)} %`.padStart(9)}`,
  );
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const both = (a: string, b: string) => summary[a] !== undefined && summary[b] !== undefined;
  const measuredSeconds = SECONDS * ROUNDS * (fixedRate ? 2 : 1) + 1;
  const workload = STATEFUL
    ? 'per connection POST /items, then GET /items/{the id it answered} (~1 KB JSON; each upstream makes up its own ids)'
    : 'GET /items/0..9 (~1 KB JSON)';
  const lines = [
    `${CONNECTIONS} connections, ${SECONDS} s per measure, median of ${ROUNDS} interleaved rounds; ${workload}`,
    `CPU per request: the proxy's processes (all threads; nginx's workers), the rest (upstreams and autocannon); idle: the machine's CPU left idle`,
    '',
    `setup                   req/s  p50 ms   p99 ms  errors  proxy CPU µs  rest CPU µs  idle`,
    ...rows,
    '',
  ];
  if (both('parity', 'nginx+mirror')) {
    const [p, n] = [summary.parity!, summary['nginx+mirror']!];
    lines.push(`parity / nginx+mirror throughput: ${ratio(p.rps, n.rps)} (goal >= 1)   p99: ${ratio(p.p99, n.p99)} (goal <= 1)`);
  }
  if (fixedRate) {
    const at = (name: string) => ({
      p50: median(fixedRate.results[name]!.map((r) => r.p50)),
      p99: median(fixedRate.results[name]!.map((r) => r.p99)),
      errors: fixedRate.results[name]!.reduce((n, r) => n + r.errors, 0),
    });
    const [p, n] = [at('parity'), at('nginx+mirror')];
    lines.push(
      `at a fixed ${fixedRate.rate} req/s (${FIXED_RATE_SHARE * 100} % of nginx+mirror's throughput), latency corrected for coordinated omission:`,
      `  nginx+mirror p50 ${n.p50.toFixed(1)} ms, p99 ${n.p99.toFixed(1)} ms, ${n.errors} errors`,
      `  parity       p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, ${p.errors} errors   p99: ${ratio(p.p99, n.p99)} (goal <= 1)`,
    );
  }
  if (both('parity slow', 'parity') && both('nginx+mirror slow', 'nginx+mirror')) {
    lines.push(
      `slow candidate (200 ms), client latency vs fast candidate:`,
      `  parity  p50 ${ratio(summary['parity slow']!.p50, summary.parity!.p50)}, p99 ${ratio(summary['parity slow']!.p99, summary.parity!.p99)} (goal: within 1.10x)`,
      `  nginx   p50 ${ratio(summary['nginx+mirror slow']!.p50, summary['nginx+mirror']!.p50)}, p99 ${ratio(summary['nginx+mirror slow']!.p99, summary['nginx+mirror']!.p99)}`,
    );
  }
  if (summary.parity && STATEFUL) {
    lines.push(
      '',
      `stateful: parity learned ${metric('parity_shadow_correlation_learned_total')} id pairs and translated ${metric('parity_shadow_correlation_translated_total')} requests; ` +
        `compared ${outcome('match')} match, ${outcome('mismatch')} mismatch, ${outcome('downstream')} downstream, ${outcome('candidate_error')} candidate errors`,
    );
  }
  if (summary.parity) {
    lines.push(
      '',
      `store: ${compared} comparisons written in ~${measuredSeconds} s of load (${(compared / measuredSeconds).toFixed(0)}/s), ${mirrored} mirrored, ${dropped} dropped by a full queue`,
      `store: ${bytes} bytes on disk for ${mirrored} mirrored requests: ${(bytes / Math.max(1, mirrored)).toFixed(2)} bytes per request = ${(bytes / Math.max(1, mirrored)).toFixed(2)} MB per million`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function cleanup(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
}

process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
try {
  await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
