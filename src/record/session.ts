/**
 * `parity record` as a library function: run the recording proxy until `signal` aborts, then
 * turn what it saw into examples (checked against the upstream unless `verify` is false) and
 * append them to the specs.
 */
import type { Workspace } from '../config/load.js';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import { loadHooks } from '../runner/hooks.js';
import { HttpClient } from '../runner/http.js';
import { startRecordingProxy } from './proxy.js';
import { recordExamples, type RecordExamplesResult } from './record.js';
import type { VerifyOptions } from './verify.js';

export interface RecordSessionOptions {
  workspace: Workspace;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Where requests are forwarded (default: legacy.url). */
  upstream?: string;
  host?: string;
  port: number;
  /** Send each new example to the upstream before writing it (default true). */
  verify?: boolean;
  /** A fresh instance of the same legacy each new example must pass on too (implies verify). */
  verifyFresh?: string;
  dryRun?: boolean;
  /** Recording stops when this aborts. */
  signal: AbortSignal;
  onListening?(url: string, upstream: string): void;
}

export interface RecordSessionResult extends RecordExamplesResult {
  url: string;
  upstream: string;
  exchanges: number;
  /** Forwarded but not recorded: bodies over the size limit, upstream failures. */
  skipped: number;
}

export async function recordSession(options: RecordSessionOptions): Promise<RecordSessionResult> {
  const { workspace } = options;
  const upstream = options.upstream ?? workspace.legacy.url;
  if (upstream === undefined) throw new ParityError('USAGE', 'no upstream to record', { hint: 'pass --upstream URL or set legacy.url in parity.yaml' });
  if (options.verifyFresh !== undefined && options.verify === false) throw new ParityError('USAGE', '--verify-fresh and --no-verify contradict each other');
  // Fail before listening: an unreachable upstream would turn every recorded request into a 502, and an
  // unreachable fresh instance would fail verification after the suite ran, losing the recording.
  const client = new HttpClient(5_000, 1);
  try {
    for (const [what, url] of [
      ['the upstream', upstream],
      ['the fresh instance (--verify-fresh)', options.verifyFresh],
    ] as const) {
      if (url === undefined) continue;
      const failure = await client.probe(url);
      if (failure && failure.kind !== 'error') throw new ParityError('TARGET_UNREACHABLE', `${what} at ${url} is unreachable: ${failure.message}`);
    }
  } finally {
    await client.close();
  }
  const verify =
    options.verify === false
      ? undefined
      : {
          ...(await verifyOptions({ ...workspace, legacy: { ...workspace.legacy, url: upstream } }, options.cwd, options.env)),
          ...(options.verifyFresh !== undefined && { freshUrl: options.verifyFresh }),
        };

  const proxy = await startRecordingProxy({
    upstream,
    ...(options.host !== undefined && { host: options.host }),
    port: options.port,
    maxBodyBytes: workspace.shadow.max_body_bytes,
  });
  try {
    options.onListening?.(proxy.url, upstream);
    if (!options.signal.aborted) await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    await proxy.close();
  }
  const exchanges = proxy.exchanges();
  const result = await recordExamples({
    exchanges,
    specsDir: workspace.specsDir,
    cwd: options.cwd,
    auth: workspace.auth,
    env: options.env,
    dryRun: options.dryRun === true,
    ...(verify && { verify }),
  });
  return { ...result, url: proxy.url, upstream, exchanges: exchanges.length, skipped: proxy.skipped() };
}

/** How recorded examples are checked against the workspace's legacy: its auth profiles, hooks and test timeout. */
export async function verifyOptions(workspace: Workspace, cwd: string, env: Record<string, string | undefined>): Promise<VerifyOptions> {
  if (workspace.legacy.url === undefined) throw new ParityError('USAGE', 'no legacy URL to verify against', { hint: 'set legacy.url in parity.yaml' });
  const hooksShown = workspace.hooks === undefined ? undefined : displayPath(workspace.hooks, cwd);
  const hooks = workspace.hooks === undefined ? undefined : await loadHooks(workspace.hooks, hooksShown!);
  return { baseUrl: workspace.legacy.url, auth: workspace.auth, env, timeoutMs: workspace.test.timeout_ms, ...(hooks && { hooks, hooksShown: hooksShown! }) };
}
