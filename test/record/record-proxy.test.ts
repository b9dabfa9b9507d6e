/**
 * `parity record` end to end: the billing traffic generator runs through the recording proxy in
 * front of the real legacy; on Ctrl-C the exchanges become recorded examples in (a copy of) the
 * worked specs, checked against the legacy first; and those examples pass `parity test` on the
 * legacy. Also: the proxy hands answers back unchanged, and an upstream that is down is exit 2.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { generateTraffic } from '../../examples/billing/traffic/generate.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { packageRoot } from '../../src/package-info.js';
import type { RecordSessionResult } from '../../src/record/session.js';
import type { TestRun } from '../../src/runner/run.js';
import { loadSpecs } from '../../src/spec/load.js';
import { useTempDir } from '../helpers/tmp.js';
import { startRecording } from '../helpers/cli.js';

const root = packageRoot();
const tempDir = useTempDir('record');
const running: RunningBilling[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const KEYS = {
  acme: 'sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc',
  globex: 'sk_test_globex_8fD21KpXzqRbBnvuE5wma3ke',
  initech: 'sk_test_initech_2hJ77MwQtsYcCoxiF9ynb6rg',
};

function workspace(legacyUrl: string): string {
  const dir = tempDir();
  fs.cpSync(path.join(root, 'specs', 'billing'), path.join(dir, 'specs'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'parity.yaml'),
    [
      `legacy: {url: "${legacyUrl}"}`,
      'specs: specs',
      `hooks: ${JSON.stringify(path.join(root, 'examples', 'billing', 'parity-hooks.mjs'))}`,
      'auth:',
      ...Object.entries(KEYS).map(([name, key]) => `  ${name}: {headers: {Authorization: "Bearer ${key}"}}`),
      '',
    ].join('\n'),
  );
  return dir;
}

/** Whether `after` is `before` with one run of text inserted somewhere (or unchanged). */
function isInsertionInto(before: string, after: string): boolean {
  let prefix = 0;
  while (prefix < before.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < before.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  return prefix + suffix === before.length;
}

describe('parity record', () => {
  it('turns the billing traffic generator into recorded examples that pass against the legacy', { timeout: 60_000 }, async () => {
    // No rate limit: a 429 recorded under load is not a behaviour to keep as an example.
    const legacy = await startBilling('legacy', { rateLimit: { burst: 1_000_000, refillSeconds: 1 } });
    running.push(legacy);
    const dir = workspace(legacy.url);
    const before = Object.fromEntries(fs.readdirSync(path.join(dir, 'specs')).map((f) => [f, fs.readFileSync(path.join(dir, 'specs', f), 'utf8')]));

    const recording = await startRecording(dir, '--json');
    const traffic = await generateTraffic({ target: recording.url, rps: 60, durationSeconds: 3, seed: 7, concurrency: 4 });
    expect(traffic.failed ?? 0).toBe(0);
    const stopped = await recording.stop();
    expect(stopped.code).toBe(0);
    const result = JSON.parse(stopped.stdout) as RecordSessionResult;
    expect(result.exchanges).toBeGreaterThan(100);
    const added = result.specs.flatMap((s) => s.added);
    expect(added.length).toBeGreaterThan(15);
    // Every endpoint the generator calls is in a spec, except the paths it probes for 404s (examples/billing/traffic/plan.ts).
    expect(result.unmatched.length).toBeGreaterThan(0);
    for (const endpoint of result.unmatched) expect(['/nope', '/v1/customers', '/customers/{id}/subscriptions', '/healthz']).toContain(endpoint.path);

    // Human content is untouched: each file only gained one block of text, inserted whole.
    for (const [file, text] of Object.entries(before)) expect(isInsertionInto(text, fs.readFileSync(path.join(dir, 'specs', file), 'utf8')), file).toBe(true);
    const set = loadSpecs(path.join(dir, 'specs'), dir);
    expect(set.diagnostics).toEqual([]);
    const recorded = set.specs.flatMap((s) => s.spec.examples.filter((e) => e.recorded === true));
    expect(recorded).toHaveLength(added.length);
    expect(JSON.stringify(recorded)).not.toContain(KEYS.acme);
    expect(recorded.some((e) => e.steps?.some((s) => Object.keys(s.capture ?? {}).length > 0))).toBe(true);

    // The recorded examples pass against the legacy they came from.
    const rewrite = await startBilling('rewrite');
    running.push(rewrite);
    const io = memoryIo(dir, {});
    await runCli(['test', '--json', '--rewrite', rewrite.url], io);
    expect(io.err()).toBe('');
    const run = JSON.parse(io.out()) as TestRun;
    const recordedResults = run.results.filter((r) => r.recorded);
    expect(recordedResults).toHaveLength(added.length);
    expect(recordedResults.filter((r) => r.legacy.outcome !== 'pass').map((r) => ({ example: `${r.specId} › ${r.example}`, steps: r.legacy.steps }))).toEqual(
      [],
    );

    // Recording the same traffic again adds nothing new.
    const again = await startRecording(dir, '--json', '--dry-run');
    await generateTraffic({ target: again.url, rps: 60, durationSeconds: 1, seed: 7, concurrency: 4 });
    const second = JSON.parse((await again.stop()).stdout) as RecordSessionResult;
    expect(second.duplicates).toBeGreaterThan(0);
  });

  it('hands every answer back unchanged, headers and bytes, and lists requests no spec covers', async () => {
    const legacy = await startBilling('legacy');
    running.push(legacy);
    const dir = workspace(legacy.url);
    const recording = await startRecording(dir);
    const direct = await fetch(`${legacy.url}/customers?per_page=2`, { headers: { authorization: `Bearer ${KEYS.acme}` } });
    const proxied = await fetch(`${recording.url}/customers?per_page=2`, { headers: { authorization: `Bearer ${KEYS.acme}` } });
    expect(proxied.status).toBe(direct.status);
    expect(await proxied.text()).toBe(await direct.text());
    expect(proxied.headers.get('content-type')).toBe(direct.headers.get('content-type'));
    const missing = await fetch(`${recording.url}/reports/monthly`, { headers: { authorization: `Bearer ${KEYS.acme}` } });
    expect(missing.status).toBe(404);
    const stopped = await recording.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('not in any spec — endpoints the extraction may have missed:\n  GET /reports/monthly  (1 request)');
    expect(stopped.stderr).toContain('stopped: 2 exchanges recorded');
  });

  it('an upstream that is down is exit 2 with one message, before listening', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dir = workspace(`http://127.0.0.1:${port}`);
    const io = memoryIo(dir, {}, new AbortController().signal);
    expect(await runCli(['record', '--port', '0'], io)).toBe(2);
    expect(io.err()).toBe(`error: the upstream at http://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED)\n`);
  });
});

describe('the recording proxy', () => {
  it('keeps at most maxExchanges exchanges and counts the rest as skipped, still forwarding them', async () => {
    const legacy = await startBilling('legacy');
    running.push(legacy);
    const { startRecordingProxy } = await import('../../src/record/proxy.js');
    const proxy = await startRecordingProxy({ upstream: legacy.url, maxExchanges: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${proxy.url}/customers`, { headers: { authorization: `Bearer ${KEYS.acme}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect([proxy.exchanges().length, proxy.skipped()]).toEqual([2, 2]);
    } finally {
      await proxy.close();
    }
  });
});
