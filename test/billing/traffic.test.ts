/**
 * The billing traffic generator: its plan reaches every endpoint and every planted difference
 * early, its sequence of requests is a function of the seed, it drives the real legacy and
 * rewrite without network failures, and its CLI parses and rejects flags properly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrafficArgs, UsageError } from '../../examples/billing/traffic/cli.js';
import {
  generateTraffic,
  loadTrafficSeed,
  planTraffic,
  TRAFFIC_ENDPOINTS,
  UNROUTED_ENDPOINT,
  type SentRequest,
  type TrafficSummary,
} from '../../examples/billing/traffic/generate.js';
import { packageRoot } from '../../src/package-info.js';

const root = packageRoot();

/** The ids of DIFFERENCES.md's table (Q1..Q15, B1..B3, R1, R2). */
function answerKeyIds(): string[] {
  const text = fs.readFileSync(path.join(root, 'examples', 'billing', 'DIFFERENCES.md'), 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| [QBR]\d+ \|/.test(line))
    .map((line) => line.split('|')[1]!.trim());
}

/** A server that records what it receives and answers 200 `{}`. */
async function recordingServer(): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('the plan', () => {
  it('lists the 16 endpoint templates, the unrouted key among them', () => {
    expect(TRAFFIC_ENDPOINTS).toHaveLength(16);
    expect(new Set(TRAFFIC_ENDPOINTS).size).toBe(16);
    expect(TRAFFIC_ENDPOINTS).toContain(UNROUTED_ENDPOINT);
    expect(TRAFFIC_ENDPOINTS).toContain('POST /payments/{payment_id}/refunds');
  });

  it('triggers every planted difference in a 10 s run at 20 rps, the bugs and regressions within the first 60 requests', () => {
    const plan = planTraffic({ rps: 20, durationSeconds: 10 });
    const firstAt = new Map<string, number>();
    let position = 0;
    for (const scenario of plan) {
      for (const id of scenario.triggers) if (!firstAt.has(id)) firstAt.set(id, position);
      position += scenario.requests.length;
    }
    expect(position).toBe(200);
    const ids = answerKeyIds();
    expect(ids).toHaveLength(20);
    for (const id of ids) expect(firstAt.has(id), `${id} is triggered`).toBe(true);
    for (const id of ['B1', 'B2', 'B3', 'R1', 'R2', 'Q12']) expect(firstAt.get(id)!, `${id} early`).toBeLessThan(60);
    const endpoints = new Set(plan.flatMap((s) => s.requests.map((r) => r.endpoint)));
    expect([...endpoints].sort()).toEqual([...TRAFFIC_ENDPOINTS].sort());
  });

  it('sends the rate-limit burst about every 20 s of traffic, counted in the budget', () => {
    const plan = planTraffic({ rps: 10, durationSeconds: 120 });
    const bursts = plan.filter((s) => s.name === 'payments.rate_limit_burst');
    expect(bursts.length).toBeGreaterThanOrEqual(5);
    expect(bursts.length).toBeLessThanOrEqual(7);
    expect(bursts.every((b) => b.requests.length >= 21 && b.requests.every((r) => r.endpoint === 'POST /payments'))).toBe(true);
    expect(plan.reduce((n, s) => n + s.requests.length, 0)).toBe(1200);
  });

  it('names seeded ids, never-existing ones where a 404 is the point, or, in a lifecycle, the id its own create answered', () => {
    const seed = loadTrafficSeed();
    const known = new Set([...seed.customers, ...seed.invoices, ...seed.payments, ...seed.subscriptions].map((o) => o.id));
    const plan = planTraffic({ rps: 50, durationSeconds: 60, seed: 3 });
    const lifecycles = plan.filter((s) => s.name.endsWith('.lifecycle'));
    expect(new Set(lifecycles.map((s) => s.name))).toEqual(new Set(['customers.lifecycle', 'invoices.lifecycle', 'subscriptions.lifecycle']));
    for (const scenario of lifecycles) {
      // The first request creates and captures; every later one uses what it captured.
      const [create, ...rest] = scenario.requests;
      expect(create!.method).toBe('POST');
      expect(Object.keys(create!.capture ?? {})).toHaveLength(1);
      expect(rest.every((r) => /\{\{\w+\}\}/.test(`${r.path} ${r.body ?? ''}`))).toBe(true);
    }
    // Without reuse, nothing uses what a create answered.
    const plain = planTraffic({ rps: 50, durationSeconds: 60, seed: 3, reuseCreated: false });
    expect(plain.flatMap((s) => s.requests).filter((r) => r.capture !== undefined || /\{\{/.test(`${r.path} ${r.body ?? ''}`))).toEqual([]);
    let seeded = 0;
    for (const scenario of plan) {
      for (const request of scenario.requests) {
        for (const id of request.path.match(/\b(cus|in|py|sub)_[0-9a-f]{16}\b/g) ?? []) {
          // Unknown ids are only sent by scenarios that expect a 404.
          if (known.has(id)) seeded++;
          else expect(scenario.name, `${request.method} ${request.path}`).toMatch(/missing|unknown/);
        }
      }
    }
    expect(seeded).toBeGreaterThan(1000);
  });

  it('weights reads over writes', () => {
    const plan = planTraffic({ rps: 50, durationSeconds: 120, seed: 5 });
    const requests = plan.filter((s) => s.name !== 'payments.rate_limit_burst').flatMap((s) => s.requests);
    const reads = requests.filter((r) => r.method === 'GET').length;
    expect(reads / requests.length).toBeGreaterThan(0.5);
    expect(reads / requests.length).toBeLessThan(0.75);
  });
});

describe('determinism and pacing', () => {
  let server: Awaited<ReturnType<typeof recordingServer>>;
  beforeAll(async () => {
    server = await recordingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function record(seed: number): Promise<{ sequence: string[]; summary: TrafficSummary; received: string[] }> {
    const sent: SentRequest[] = [];
    server.received.length = 0;
    const summary = await generateTraffic({ target: server.url, rps: 60, durationSeconds: 1.5, seed, onRequest: (r) => sent.push(r) });
    const sequence = sent.sort((a, b) => a.seq - b.seq).map((r) => `${r.method} ${r.path}`);
    return { sequence, summary, received: [...server.received] };
  }

  it('sends the same sequence of requests for the same seed, a different one for another seed', async () => {
    const first = await record(7);
    const second = await record(7);
    const other = await record(8);
    // This server answers `{}`: a lifecycle gets no id from its create and sends nothing more, as a client would not.
    expect(first.summary.skipped).toBeGreaterThan(0);
    expect(first.summary.sent + first.summary.skipped).toBe(90);
    expect(first.summary.failed).toBe(0);
    expect(first.summary.dropped).toBe(0);
    expect(first.sequence).toHaveLength(first.summary.sent);
    expect(second.sequence).toEqual(first.sequence);
    expect(other.sequence).not.toEqual(first.sequence);
    // What the server received is what was sent.
    expect([...first.received].sort()).toEqual([...first.sequence].sort());
    expect(first.summary.byEndpoint['GET /customers']!.statuses['200']).toBeGreaterThan(0);
  });

  it('paces open-loop at the requested rate and reports progress', async () => {
    const progress: number[] = [];
    const started = Date.now();
    const summary = await generateTraffic({ target: server.url, rps: 40, durationSeconds: 1, onProgress: (p) => progress.push(p.elapsedMs) });
    const took = Date.now() - started;
    // Against a server answering `{}`, the opening customer lifecycle gets no id and stops after its create.
    expect(summary.sent + summary.skipped).toBe(40);
    expect(took).toBeGreaterThanOrEqual(850);
    expect(took).toBeLessThan(3000);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(7);
  });

  it('stops on abort and still returns the summary', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const summary = await generateTraffic({ target: server.url, rps: 50, durationSeconds: 30, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.sent).toBeLessThan(100);
  });

  it('counts network failures, not HTTP errors, as failed', async () => {
    const closed = await recordingServer();
    await closed.close();
    const summary = await generateTraffic({ target: closed.url, rps: 20, durationSeconds: 0.5 });
    expect(summary.sent).toBe(10);
    expect(summary.failed).toBe(10);
    expect(summary.completed).toBe(0);
  });

  it('does not queue without bound when the target is slow: what cannot be sent is dropped', async () => {
    const slow = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end('{}'), 600);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const { port } = slow.address() as AddressInfo;
    try {
      const summary = await generateTraffic({ target: `http://127.0.0.1:${port}`, rps: 50, durationSeconds: 1, concurrency: 4 });
      expect(summary.dropped).toBeGreaterThan(0);
      expect(summary.sent + summary.dropped + summary.skipped).toBe(50);
      expect(summary.failed).toBe(0);
    } finally {
      await new Promise<void>((resolve) => {
        slow.close(() => resolve());
        slow.closeAllConnections();
      });
    }
  });
});

describe('against the legacy and the rewrite', () => {
  interface Running {
    url: string;
    close(): Promise<void>;
  }
  const services: Record<'legacy' | 'rewrite', Running | undefined> = { legacy: undefined, rewrite: undefined };
  const summaries: Partial<Record<'legacy' | 'rewrite', TrafficSummary>> = {};

  beforeAll(async () => {
    // Imported here, not above, so that the tests of the plan run while the services are built.
    const { startBilling } = await import('../../examples/billing/index.js');
    services.legacy = await startBilling('legacy');
    services.rewrite = await startBilling('rewrite');
    const [legacy, rewrite] = await Promise.all(
      [services.legacy, services.rewrite].map((s) => generateTraffic({ target: s.url, rps: 40, durationSeconds: 4, seed: 1 })),
    );
    summaries.legacy = legacy;
    summaries.rewrite = rewrite;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([services.legacy?.close(), services.rewrite?.close()]);
  });

  for (const impl of ['legacy', 'rewrite'] as const) {
    it(`${impl}: every endpoint hit, no network failure, every expected status`, () => {
      const summary = summaries[impl]!;
      // A lifecycle whose create was refused (a payment over the rate limit) stops there.
      expect(summary.sent + summary.skipped).toBe(160);
      expect(summary.skipped).toBeLessThan(10);
      expect(summary.failed).toBe(0);
      expect(summary.dropped).toBe(0);
      expect(summary.completed).toBe(summary.sent);
      expect(summary.scenarios['invoices.lifecycle']).toBeGreaterThan(0);
      for (const endpoint of TRAFFIC_ENDPOINTS) expect(summary.byEndpoint[endpoint]?.count ?? 0, endpoint).toBeGreaterThan(0);
      const statuses = new Set(Object.values(summary.byEndpoint).flatMap((e) => Object.keys(e.statuses)));
      for (const status of ['200', '201', '400', '401', '404', '409', '429']) expect(statuses, `status ${status}`).toContain(status);
      expect(summary.byEndpoint[UNROUTED_ENDPOINT]!.statuses).toEqual({ '404': summary.byEndpoint[UNROUTED_ENDPOINT]!.count });
      expect(summary.byEndpoint['POST /webhooks/provider']!.statuses['200']).toBeGreaterThan(0);
      expect(summary.byEndpoint['POST /payments']!.statuses['429']).toBeGreaterThan(0);
    });
  }

  it('the planted differences show in the statuses: B2 is 403 on the legacy, 404 on the rewrite; B3 201 vs 400', () => {
    const legacy = summaries.legacy!;
    const rewrite = summaries.rewrite!;
    expect(legacy.byEndpoint['GET /invoices/{invoice_id}']!.statuses['403']).toBeGreaterThan(0);
    expect(rewrite.byEndpoint['GET /invoices/{invoice_id}']!.statuses['403']).toBeUndefined();
    for (const id of ['B1', 'B2', 'B3', 'R1', 'R2']) expect(legacy.differences[id], id).toBeGreaterThan(0);
    expect(legacy.scenarios).toEqual(rewrite.scenarios);
  });
});

describe('the CLI', () => {
  it('parses its flags', () => {
    expect(parseTrafficArgs(['--target', 'http://127.0.0.1:3000', '--rps', '20', '--duration', '60'], {})).toEqual({
      target: 'http://127.0.0.1:3000',
      rps: 20,
      durationSeconds: 60,
      seed: 1,
      concurrency: 32,
      webhookSecret: undefined,
      reuseCreated: true,
      json: false,
      help: false,
    });
    expect(parseTrafficArgs(['--target', 'http://x', '--rps', '1', '--duration', '1', '--no-reuse-ids']).reuseCreated).toBe(false);
    const args = parseTrafficArgs(['--target=https://proxy.test/base', '--rps=2.5', '--duration', '10', '--seed', '42', '--concurrency', '8', '--json'], {
      BILLING_WEBHOOK_SECRET: 'whsec_x',
    });
    expect(args).toMatchObject({ rps: 2.5, seed: 42, concurrency: 8, json: true, webhookSecret: 'whsec_x' });
    expect(parseTrafficArgs(['--help']).help).toBe(true);
  });

  it.each([
    [[], '--target'],
    [['--rps', '1', '--duration', '1'], '--target'],
    [['--target', 'localhost:3000', '--rps', '1', '--duration', '1'], '--target'],
    [['--target', 'ftp://x', '--rps', '1', '--duration', '1'], '--target'],
    [['--target', 'http://x', '--duration', '1'], '--rps'],
    [['--target', 'http://x', '--rps', 'fast', '--duration', '1'], '--rps'],
    [['--target', 'http://x', '--rps', '0', '--duration', '1'], '--rps'],
    [['--target', 'http://x', '--rps', '1'], '--duration'],
    [['--target', 'http://x', '--rps', '1', '--duration', '-5'], '--duration'],
    [['--target', 'http://x', '--rps', '1', '--duration', '1', '--seed', '1.5'], '--seed'],
    [['--target', 'http://x', '--rps', '1', '--duration', '1', '--concurrency', '0'], '--concurrency'],
    [['--target', 'http://x', '--rps', '1', '--duration', '1', '--bogus'], '--bogus'],
    [['--target', 'http://x', '--rps'], '--rps'],
    [['--target', 'http://x', '--rps', '1', '--duration', '1', 'extra'], 'extra'],
  ])('rejects %j naming %s', (argv, flag) => {
    expect(() => parseTrafficArgs(argv, {})).toThrow(UsageError);
    expect(() => parseTrafficArgs(argv, {})).toThrow(flag);
  });

  const built = path.join(root, 'dist', 'examples', 'billing', 'traffic', 'cli.js');
  function runBuilt(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [built, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it.runIf(fs.existsSync(built))('runs built: a usage error exits 2, a run prints the summary', async () => {
    const usage = await runBuilt(['--target', 'http://127.0.0.1:1', '--duration', '1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--rps');

    const server = await recordingServer();
    try {
      const json = await runBuilt(['--target', server.url, '--rps', '20', '--duration', '1', '--json']);
      expect(json.code).toBe(0);
      const summary = JSON.parse(json.stdout) as TrafficSummary;
      expect(summary.sent + summary.skipped).toBe(20);
      expect(summary.failed).toBe(0);
      const table = await runBuilt(['--target', server.url, '--rps', '20', '--duration', '0.5']);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain('POST /payments/{payment_id}/refunds');
      const [, sent, skipped] = /sent (\d+) .*skipped (\d+)/.exec(table.stdout) ?? [];
      expect(Number(sent) + Number(skipped)).toBe(10);
    } finally {
      await server.close();
    }
  });
});
