/**
 * `parity shadow` as a library function: open the store, start the proxy, run until `signal`
 * aborts, then drain (client requests in flight, queued comparisons, the store's last batch) and
 * return what was seen. SIGTERM therefore leaves every acknowledged comparison in the store.
 */
import fs from 'node:fs';
import type { Workspace } from '../src/config/load.js';
import { ParityError } from '../src/errors.js';
import { displayPath } from '../src/paths.js';
import { HttpClient } from '../src/runner/http.js';
import { loadSpecs } from '../src/spec/load.js';
import { plural } from '../src/text.js';
import { startDetachedShadow } from './detached.js';
import { compilePolicy } from './policy.js';
import { startShadowProxy, type ShadowMetrics } from './proxy.js';
import { storedEndpoints } from './query.js';
import type { CorrelationConfig } from './correlation.js';
import { openShadowStore, pruneCorrelationState, readCorrelationState, type CorrelationState, type ShadowStore, type ShadowStoreStats } from './store.js';

export interface ShadowSessionOptions {
  workspace: Workspace;
  cwd: string;
  /** For `${NAME}` in per-target header rewrites. */
  env: Readonly<Record<string, string | undefined>>;
  primary?: string;
  candidate?: string;
  secondary?: string;
  port?: number;
  /** Receive copies from an existing mirror instead of proxying (default: shadow.mode). */
  detached?: boolean;
  /** The store file (default: the workspace's store). */
  db?: string;
  signal: AbortSignal;
  /** Counters every shadow.log_interval_seconds and once at the stop: the structured log. */
  onStats?(event: ShadowStatsEvent): void;
  onListening?(info: { url: string; mode: 'inline' | 'detached'; primary: string; candidate: string; secondary?: string; store: string; specs: number }): void;
}

export interface ShadowStatsEvent extends ShadowMetrics {
  time: string;
  level: 'info';
  event: 'shadow.stats' | 'shadow.stopped';
  mode: 'inline' | 'detached';
}

export interface ShadowSessionResult {
  url: string;
  store: string;
  metrics: ShadowMetrics;
  /** Comparisons the store wrote, and any it could not. */
  written: number;
  lost: number;
}

export async function shadowSession(options: ShadowSessionOptions): Promise<ShadowSessionResult> {
  const { workspace } = options;
  const { shadow } = workspace;
  const primary = options.primary ?? shadow.primary ?? workspace.legacy.url;
  const candidate = options.candidate ?? shadow.candidate ?? workspace.rewrite.url;
  const secondary = options.secondary ?? shadow.secondary;
  if (primary === undefined || candidate === undefined) {
    const missing = [primary === undefined && 'primary', candidate === undefined && 'candidate'].filter(Boolean).join(' and ');
    throw new ParityError('USAGE', `no ${missing} to shadow`, { hint: 'pass --primary URL --candidate URL, or set legacy.url and rewrite.url in parity.yaml' });
  }
  // Which requests are mirrored, and each target's headers and timeout; an unset ${NAME} fails here, before anything starts.
  const policy = compilePolicy(shadow, options.env);
  // The primary answers clients: refuse to start in front of one that is down. A candidate or
  // secondary that is down is what shadowing records, so they are not probed.
  const client = new HttpClient(5_000, 1);
  try {
    const failure = await client.probe(primary);
    if (failure && failure.kind !== 'error') throw new ParityError('TARGET_UNREACHABLE', `the primary at ${primary} is unreachable: ${failure.message}`);
  } finally {
    await client.close();
  }
  const set = fs.existsSync(workspace.specsDir) ? loadSpecs(workspace.specsDir, options.cwd) : undefined;
  if (set && set.diagnostics.length > 0) {
    throw new ParityError(
      'SPEC_INVALID',
      `${plural(new Set(set.diagnostics.map((d) => d.file)).size, 'spec file')} could not be loaded; their compare rules decide what counts as a difference`,
      {
        diagnostics: set.diagnostics,
      },
    );
  }
  const mode = options.detached ? 'detached' : shadow.mode;
  const correlation: CorrelationConfig = {
    enabled: shadow.correlation.enabled,
    maxEntries: shadow.correlation.max_entries,
    maxAgeMs: shadow.correlation.max_age_hours * 3_600_000,
    keys: shadow.correlation.keys,
    sessions: shadow.correlation.sessions,
  };
  const storeFile = options.db ?? workspace.storePath;
  const storeOptions = {
    sessionInfo: { mode, primary, candidate, ...(secondary !== undefined && { secondary }) },
    redaction: { headers: shadow.redact.headers, jsonPaths: shadow.redact.json_paths, queryParameters: shadow.redact.query },
    minuteRetentionMs: shadow.minute_retention_hours * 3_600_000,
  };
  const common = {
    primary,
    candidate,
    ...(secondary !== undefined && { secondary }),
    host: shadow.host,
    port: options.port ?? shadow.port,
    specs: set?.specs ?? [],
    ...(shadow.compare && { compare: shadow.compare }),
    policy,
    queueLimit: shadow.queue_limit,
    drainMs: shadow.drain_seconds * 1000,
    maxBodyBytes: shadow.max_body_bytes,
    correlation,
  };
  // Inline, comparisons and store writes run in a mirror thread, off the loop that serves clients.
  // Detached answers the mirror at once whatever it does next, so one loop is enough there.
  const store = mode === 'detached' ? openShadowStore(storeFile, storeOptions) : undefined;
  let proxy: { url: string; metrics(): ShadowMetrics; close(): Promise<void>; storeStats?(): ShadowStoreStats | undefined };
  try {
    proxy = store
      ? await startDetachedShadow({
          ...common,
          store,
          knownEndpoints: storedEndpoints(store.db),
          ...(correlation.enabled && { correlationState: restoredState(store, correlation) }),
        })
      : await startShadowProxy({
          ...common,
          thread: {
            storeFile,
            storeOptions,
            specsDir: set ? workspace.specsDir : null,
            ...(shadow.compare && { compare: shadow.compare }),
            cwd: options.cwd,
            candidate,
            ...(secondary !== undefined && { secondary }),
            policy: shadow,
            env: options.env,
            maxBodyBytes: shadow.max_body_bytes,
          },
        });
  } catch (error) {
    await store?.close();
    throw error;
  }
  const shown = displayPath(storeFile, options.cwd);
  options.onListening?.({
    url: proxy.url,
    mode,
    primary,
    candidate,
    ...(secondary !== undefined && { secondary }),
    store: shown,
    specs: set?.specs.length ?? 0,
  });
  const statsEvent = (event: ShadowStatsEvent['event']): ShadowStatsEvent => ({
    time: new Date().toISOString(),
    level: 'info',
    event,
    mode,
    ...proxy.metrics(),
  });
  const ticker = setInterval(() => options.onStats?.(statsEvent('shadow.stats')), shadow.log_interval_seconds * 1000);
  ticker.unref();
  if (!options.signal.aborted) await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(ticker);
  await proxy.close();
  options.onStats?.(statsEvent('shadow.stopped'));
  await store?.close();
  const stats = store ? store.stats() : proxy.storeStats?.();
  return { url: proxy.url, store: shown, metrics: proxy.metrics(), written: stats?.flushed ?? 0, lost: stats?.lost ?? 0 };
}

/** What the store kept of an earlier run, pruned to the bounds first. */
function restoredState(store: ShadowStore, bounds: CorrelationConfig): CorrelationState {
  pruneCorrelationState(store.db, bounds);
  return readCorrelationState(store.db, bounds);
}
