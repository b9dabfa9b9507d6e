/**
 * `parity test` throughput: start the bundled billing legacy and rewrite each in its own child
 * process (bench/billing-server.ts, forked, as a deployed legacy and rewrite would run), generate a
 * spec set of EXAMPLES examples into a temporary directory (a mix of seed-customer reads with
 * $regex/$type matchers, paginated lists, create-then-read and create-invoice-then-finalize step
 * examples), then run `runSpecTests` against both at concurrency 1, 8 and 32, RUNS times each,
 * interleaved (1, 8, 32, 1, 8, 32, ...) so machine noise hits all alike. Prints per concurrency
 * the median examples/s (each example counts once per target) and requests/s (HTTP requests to
 * both sides), the speedup of 8 and 32 over 1, and the cost of `diff: true` at concurrency 8
 * (a fourth run in each round, so it shares the noise too).
 * Every run must pass on both sides, or the bench exits 1: throughput over failures means nothing.
 * The runner and the two servers are three processes with an event loop each, so concurrency can
 * overlap one side's work with the other's and with the runner's; but they share the machine's
 * cores, and on a 2-core machine three processes compete for two cores, so the numbers measure
 * the machine as much as parity. The children are killed at the end, on failure and on SIGINT.
 *
 *   npm run build && node dist/bench/spec-tests.js [--examples 1200] [--runs 3]
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadSeed, type BillingImpl } from '../examples/billing/index.js';
import type { AuthProfile } from '../src/config/schema.js';
import { runSpecTests, type TestRun } from '../src/runner/run.js';
import { lintSpecs } from '../src/spec/lint.js';
import { loadSpecs, type SpecSet } from '../src/spec/load.js';

const { values } = parseArgs({
  options: { examples: { type: 'string', default: '1200' }, runs: { type: 'string', default: '3' } },
});
const EXAMPLES = Number(values.examples);
const RUNS = Number(values.runs);
const CONCURRENCIES = [1, 8, 32] as const;

const seed = loadSeed();
const keys = Object.fromEntries(seed.accounts.map((a) => [a.id, a.api_key]));
const profileOf = (account: string) => account.replace(/^acct_/, '');
const auth: Record<string, AuthProfile> = Object.fromEntries(
  seed.accounts.map((a) => [profileOf(a.id), { headers: { Authorization: `Bearer ${a.api_key}` } }]),
);

/** The spec files, one per endpoint, with EXAMPLES examples spread over them (a third reads, a sixth lists, a quarter each of the step examples). */
function generate(dir: string): void {
  const reads: object[] = [];
  const lists: object[] = [];
  const creates: object[] = [];
  const finalizes: object[] = [];
  const customers = seed.customers.filter((c) => keys[c.account] !== undefined);
  for (let i = 0; i < EXAMPLES; i++) {
    const kind = i % 12;
    if (kind < 4) {
      const customer = customers[i % customers.length]!;
      reads.push({
        name: `read seed customer ${customer.id} #${i}`,
        behavior: 'returns-customer',
        request: { method: 'GET', path: `/customers/${customer.id}`, auth: profileOf(customer.account) },
        expect: {
          status: 200,
          headers: { 'content-type': { $regex: '^application/json' } },
          json: {
            id: { $regex: '^cus_[0-9a-f]{16}$' },
            object: 'customer',
            email: customer.email,
            balance: { $type: 'integer' },
            created: { $type: 'integer' },
          },
        },
      });
    } else if (kind < 6) {
      const perPage = 1 + (i % 20);
      const account = i % 2 === 0 ? 'acme' : 'globex';
      lists.push({
        name: `list ${perPage} of ${account} #${i}`,
        behavior: 'oldest-first',
        request: { method: 'GET', path: '/customers', auth: account, query: { per_page: perPage } },
        expect: {
          status: 200,
          json: { object: 'list', data: { $type: 'array' }, page: 1, per_page: perPage, total_count: { $type: 'integer' }, has_more: true },
        },
      });
    } else if (kind < 9) {
      const email = `bench.${i}@example.test`;
      creates.push({
        name: `create and read ${email}`,
        behavior: 'creates-customer',
        steps: [
          {
            request: { method: 'POST', path: '/customers', auth: 'acme', json: { email, name: `Bench ${i}`, metadata: { run: 'bench' } } },
            capture: { customer_id: '$.id' },
            expect: { status: 201, json: { id: { $regex: '^cus_[0-9a-f]{16}$' }, email, name: `Bench ${i}` } },
          },
          {
            request: { method: 'GET', path: '/customers/{{customer_id}}', auth: 'acme' },
            expect: { status: 200, json: { id: '{{customer_id}}', email, metadata: { run: 'bench' }, phone: null, address: null } },
          },
        ],
      });
    } else {
      const amount = 100 * (1 + (i % 50));
      finalizes.push({
        name: `invoice ${amount} and finalize #${i}`,
        behavior: 'finalizes-draft',
        steps: [
          {
            request: { method: 'POST', path: '/customers', auth: 'globex', json: { email: `invoiced.${i}@example.test` } },
            capture: { customer_id: '$.id' },
            expect: { status: 201 },
          },
          {
            request: {
              method: 'POST',
              path: '/invoices',
              auth: 'globex',
              json: { customer: '{{customer_id}}', lines: [{ description: 'Seat', quantity: 2, unit_amount: amount }] },
            },
            capture: { invoice_id: '$.id' },
            expect: { status: 201, json: { status: 'draft', number: null, total: 2 * amount } },
          },
          {
            request: { method: 'POST', path: '/invoices/{{invoice_id}}/finalize', auth: 'globex' },
            expect: {
              status: 200,
              json: { status: 'open', number: { $regex: '^INV-[0-9]{6}$' }, finalized_at: { $type: 'integer' }, amount_remaining: 2 * amount },
            },
          },
        ],
      });
    }
  }
  const spec = (id: string, endpoint: string, behavior: string, examples: object[], ignore: string[]) => {
    const body = {
      id,
      endpoint,
      summary: `Generated by bench/spec-tests.ts.`,
      behaviors: [{ id: behavior, says: `What ${endpoint} does for the bench.`, disposition: 'preserve' }],
      examples,
      compare: { ignore },
    };
    fs.writeFileSync(path.join(dir, `${id}.yaml`), stringify(body, { lineWidth: 0 }));
  };
  spec('customers.get', 'GET /customers/{customer_id}', 'returns-customer', reads, ['$.id', '$.created']);
  // Customers created by concurrent examples change the count, never the seed's first page.
  spec('customers.list', 'GET /customers', 'oldest-first', lists, ['$.total_count']);
  spec('customers.create', 'POST /customers', 'creates-customer', creates, ['$.id', '$.created']);
  spec('invoices.create', 'POST /invoices', 'creates-draft', [], ['$.id', '$.customer', '$.created', '$.due_date']);
  spec('invoices.finalize', 'POST /invoices/{invoice_id}/finalize', 'finalizes-draft', finalizes, [
    '$.id',
    '$.customer',
    '$.created',
    '$.due_date',
    '$.finalized_at',
    '$.number',
  ]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Measured {
  examplesPerSecond: number;
  requestsPerSecond: number;
}

/** The forked servers, alive until `stopServers`. */
const children: ChildProcess[] = [];

/** Fork bench/billing-server.js for `impl` and wait for the URL it sends once listening. */
function startServer(impl: BillingImpl): Promise<string> {
  const child = fork(new URL('./billing-server.js', import.meta.url), [impl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the ${impl} server did not start within 30 s`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`the ${impl} server exited before it started (${signal ?? `code ${code}`})`)));
    child.once('message', (message) => {
      clearTimeout(timer);
      const url = (message as { url?: unknown }).url;
      if (typeof url === 'string') resolve(url);
      else reject(new Error(`the ${impl} server sent ${JSON.stringify(message)}, not { url }`));
    });
  });
}

/** SIGTERM every child still running, SIGKILL it after 3 s if it has not exited, and wait. */
async function stopServers(): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-bench-spec-tests-'));

// process.exit skips the finally below, so SIGINT cleans up the same way itself.
process.once('SIGINT', () => {
  process.stderr.write('interrupted: stopping the servers\n');
  void stopServers().finally(() => {
    fs.rmSync(root, { recursive: true, force: true });
    process.exit(130);
  });
});
let failed = false;
try {
  generate(root);
  const lint = lintSpecs({ specsDir: root, cwd: root });
  const set: SpecSet = loadSpecs(root, root);
  if (lint.problems.length > 0 || set.diagnostics.length > 0) {
    for (const d of [...lint.problems, ...set.diagnostics]) process.stderr.write(`${d.file}:${d.line}:${d.col}: ${d.message} [${d.rule}]\n`);
    throw new Error('the generated specs do not lint clean');
  }
  // Each server starts with the POST /payments rate limit out of the way (see bench/billing-server.ts).
  const [legacyUrl, rewriteUrl] = await Promise.all([startServer('legacy'), startServer('rewrite')]);

  const run = async (concurrency: number, diff = false): Promise<Measured & { run: TestRun }> => {
    const result = await runSpecTests({ set, legacyUrl, rewriteUrl, auth, env: {}, concurrency, timeoutMs: 30_000, diff });
    const { totals } = result;
    const legacyBad = totals.legacy.fail + totals.legacy.error + totals.legacy.skipped + totals.legacy['bug-gone'];
    const rewriteBad = totals.rewrite.fail + totals.rewrite.error + totals.rewrite.skipped + totals.rewrite['bug-gone'];
    if (!result.passed || legacyBad > 0 || rewriteBad > 0 || totals.examples !== EXAMPLES) {
      const bad = result.results.find((r) => r.legacy.outcome !== 'pass' || r.rewrite.outcome !== 'pass' || (r.differences?.length ?? 0) > 0);
      process.stderr.write(
        `run at concurrency ${concurrency}${diff ? ' with diff' : ''} did not pass: ${JSON.stringify(totals)}\n` +
          (bad ? `first: ${JSON.stringify(bad, null, 1).slice(0, 3000)}\n` : ''),
      );
      failed = true;
    }
    const requests = result.results.reduce((n, r) => n + [...r.legacy.steps, ...r.rewrite.steps].filter((s) => s.status !== undefined).length, 0);
    const seconds = result.durationMs / 1000;
    return { run: result, examplesPerSecond: (totals.examples * 2) / seconds, requestsPerSecond: requests / seconds };
  };

  const warm = await run(8);
  const requestsPerRun = Math.round(warm.requestsPerSecond * (warm.run.durationMs / 1000));
  const measured = new Map<number, Measured[]>(CONCURRENCIES.map((c) => [c, []]));
  // With diff at 8 in each round too: one diff run alone swung from 1.3x to 2.5x on a busy machine.
  const diffed: Measured[] = [];
  for (let i = 0; i < RUNS && !failed; i++) {
    for (const c of CONCURRENCIES) measured.get(c)!.push(await run(c));
    diffed.push(await run(8, true));
  }
  if (failed) throw new Error('a run did not pass');

  const rows = CONCURRENCIES.map((c) => {
    const runs = measured.get(c)!;
    const rates = runs.map((r) => r.examplesPerSecond);
    return { c, examples: median(rates), low: Math.min(...rates), high: Math.max(...rates), requests: median(runs.map((r) => r.requestsPerSecond)) };
  });
  const base = rows[0]!.examples;
  const at8 = rows[1]!.examples;
  const withDiff = median(diffed.map((r) => r.examplesPerSecond));
  const pad = (text: string, width: number) => text.padStart(width);
  process.stdout.write(
    `spec set: ${set.specs.length} specs, ${EXAMPLES} examples x 2 targets, ${requestsPerRun} HTTP requests per run (both sides)\n` +
      `median of ${RUNS} interleaved runs per concurrency after one warm-up run; every run passed on both sides\n\n` +
      `concurrency  examples/s  (min-max)  requests/s  speedup vs 1\n` +
      rows
        .map(
          (r) =>
            `${pad(String(r.c), 11)}  ${pad(r.examples.toFixed(0), 10)}  ${pad(`${r.low.toFixed(0)}-${r.high.toFixed(0)}`, 9)}  ${pad(r.requests.toFixed(0), 10)}  ${pad(`${(r.examples / base).toFixed(2)}x`, 12)}\n`,
        )
        .join('') +
      `\ndiff: true at 8 (median of ${RUNS}, interleaved): ${withDiff.toFixed(0)} examples/s, ` +
      `${(at8 / withDiff).toFixed(2)}x the time of the same runs without diff\n`,
  );
} catch (error) {
  failed = true;
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await stopServers();
  fs.rmSync(root, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
