#!/usr/bin/env node
/**
 * Drive the billing example (or a shadow proxy in front of it) with generated traffic.
 *
 *   node dist/examples/billing/traffic/cli.js --target http://127.0.0.1:8080 --rps 20 --duration 60
 *
 * Flags: --target URL, --rps N, --duration SECONDS (all required); --seed N (default 1),
 * --concurrency N (default 32), --webhook-secret S (default $BILLING_WEBHOOK_SECRET or
 * whsec_parity_demo), --no-reuse-ids (never use an id a create answered), --json (print the
 * summary as JSON), --help.
 *
 * Exit codes: 0 done; 1 no request got an answer (target unreachable); 2 usage error.
 * Ctrl-C stops early and still prints the summary.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTraffic, TRAFFIC_ENDPOINTS, type TrafficProgress, type TrafficSummary } from './generate.js';

export const USAGE = `Usage: billing:traffic --target URL --rps N --duration SECONDS [--seed N] [--concurrency N] [--webhook-secret S] [--no-reuse-ids] [--json]

  --target URL          base URL of the billing service or of the shadow proxy (http or https)
  --rps N               requests per second (open loop)
  --duration SECONDS    how long to send
  --seed N              PRNG seed deciding the sequence of requests (default 1)
  --concurrency N       requests in flight at most (default 32)
  --webhook-secret S    HMAC secret of the provider webhooks (default $BILLING_WEBHOOK_SECRET or whsec_parity_demo)
  --no-reuse-ids        never use an id a create answered (by default clients create, then read, update and pay what they made)
  --json                print the summary as JSON on stdout
  --help                show this help`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface TrafficCliArgs {
  target: string;
  rps: number;
  durationSeconds: number;
  seed: number;
  concurrency: number;
  webhookSecret: string | undefined;
  /** Lifecycle scenarios reuse the ids creates answered (off with --no-reuse-ids). */
  reuseCreated: boolean;
  json: boolean;
  help: boolean;
}

function numberFlag(flag: string, raw: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} must be ${what}, got '${raw}'`);
  return n;
}

/** Parse the CLI's arguments (without `node` and the script). Throws UsageError naming the flag. */
export function parseTrafficArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): TrafficCliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        target: { type: 'string' },
        rps: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        concurrency: { type: 'string' },
        'webhook-secret': { type: 'string' },
        'no-reuse-ids': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const help = values.help === true;
  const json = values.json === true;
  const reuseCreated = values['no-reuse-ids'] !== true;
  if (help) return { target: '', rps: 0, durationSeconds: 0, seed: 1, concurrency: 32, webhookSecret: undefined, reuseCreated, json, help };

  if (values.target === undefined) throw new UsageError('missing required flag --target');
  let url: URL;
  try {
    url = new URL(values.target);
  } catch {
    throw new UsageError(`--target must be a URL like http://127.0.0.1:3000, got '${values.target}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--target must be an http or https URL, got '${values.target}'`);
  if (values.rps === undefined) throw new UsageError('missing required flag --rps');
  const rps = numberFlag('rps', values.rps, (n) => n > 0 && n <= 100_000, 'a positive number')!;
  if (values.duration === undefined) throw new UsageError('missing required flag --duration');
  const durationSeconds = numberFlag('duration', values.duration, (n) => n > 0, 'a positive number of seconds')!;
  const seed = numberFlag('seed', values.seed, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'a non-negative integer') ?? 1;
  const concurrency = numberFlag('concurrency', values.concurrency, (n) => Number.isInteger(n) && n >= 1 && n <= 10_000, 'a positive integer') ?? 32;
  const webhookSecret = values['webhook-secret'] ?? (env.BILLING_WEBHOOK_SECRET || undefined);
  if (webhookSecret === '') throw new UsageError('--webhook-secret must not be empty');
  return { target: values.target, rps, durationSeconds, seed, concurrency, webhookSecret, reuseCreated, json, help };
}

function progressLine(p: TrafficProgress, durationSeconds: number): string {
  const secs = (p.elapsedMs / 1000).toFixed(1);
  return `${secs}s/${durationSeconds}s  sent ${p.sent}  completed ${p.completed}  failed ${p.failed}  dropped ${p.dropped ?? 0}`;
}

/** The end-of-run table: one row per endpoint, its count and its statuses. */
export function formatSummary(summary: TrafficSummary): string {
  const rows: [string, string, string][] = [['endpoint', 'count', 'statuses']];
  const endpoints = [...TRAFFIC_ENDPOINTS, ...Object.keys(summary.byEndpoint).filter((e) => !TRAFFIC_ENDPOINTS.includes(e))];
  for (const endpoint of endpoints) {
    const stats = summary.byEndpoint[endpoint] ?? { count: 0, statuses: {} };
    const statuses = Object.entries(stats.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}×${n}`)
      .join(' ');
    rows.push([endpoint, String(stats.count), statuses]);
  }
  const width = [0, 1].map((col) => Math.max(...rows.map((r) => r[col]!.length)));
  const lines = rows.map(([e, c, s]) => `${e.padEnd(width[0]!)}  ${c.padStart(width[1]!)}  ${s}`.trimEnd());
  lines.splice(1, 0, `${'-'.repeat(width[0]!)}  ${'-'.repeat(width[1]!)}  --------`);
  const rate = summary.durationMs > 0 ? (summary.sent / (summary.durationMs / 1000)).toFixed(1) : '0';
  lines.push(
    '',
    `sent ${summary.sent} (${rate}/s) in ${(summary.durationMs / 1000).toFixed(1)}s: completed ${summary.completed}, failed ${summary.failed}, dropped ${summary.dropped}, aborted ${summary.aborted}, skipped ${summary.skipped}`,
  );
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<void> {
  let args: TrafficCliArgs;
  try {
    args = parseTrafficArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`billing:traffic: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const controller = new AbortController();
  const onSigint = () => {
    process.removeListener('SIGINT', onSigint); // a second Ctrl-C kills
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  try {
    const summary = await generateTraffic({
      target: args.target,
      rps: args.rps,
      durationSeconds: args.durationSeconds,
      seed: args.seed,
      concurrency: args.concurrency,
      reuseCreated: args.reuseCreated,
      ...(args.webhookSecret !== undefined && { webhookSecret: args.webhookSecret }),
      signal: controller.signal,
      ...(tty && { onProgress: (p: TrafficProgress) => process.stderr.write(`\r\x1b[2K${progressLine(p, args.durationSeconds)}`) }),
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
    process.exitCode = summary.sent > 0 && summary.completed === 0 ? 1 : 0;
  } catch (error) {
    if (tty) process.stderr.write('\n');
    process.stderr.write(`billing:traffic: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return fs.realpathSync(script) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const invokedDirectly = isMain();
if (invokedDirectly) await main(process.argv.slice(2));
