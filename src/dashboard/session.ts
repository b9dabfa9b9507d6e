/**
 * `parity dashboard` as a library function: the workspace's stores, specs and thresholds behind
 * the dashboard server, until the signal aborts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { thresholdsOf } from '../../reports/readiness.js';
import type { Workspace } from '../config/load.js';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import { openStore } from '../store/store.js';
import { DashboardData } from './data.js';
import { isLoopback, startDashboard, type RunningDashboard } from './server.js';

export interface DashboardSessionOptions {
  workspace: Workspace;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Store files; default: the workspace's store. Marks go to the first. */
  stores?: readonly string[];
  host?: string;
  port?: number;
  signal: AbortSignal;
  onListening?: (info: { url: string; openUrl: string; stores: string[]; specsDir: string }) => void;
  onError?: (error: unknown) => void;
}

export async function dashboardSession(options: DashboardSessionOptions): Promise<void> {
  const stores = (options.stores && options.stores.length > 0 ? options.stores : [options.workspace.storePath]).map((file) => path.resolve(options.cwd, file));
  for (const file of stores) {
    if (!fs.existsSync(file)) {
      throw new ParityError('STORE_INVALID', `${displayPath(file, options.cwd)} does not exist`, {
        hint: 'run `parity shadow` or `parity test` to fill a store first, or pass --db FILE',
      });
    }
  }
  // Marks are written to the first store: open it once read-write so it is migrated (and writable) before serving.
  openStore(stores[0]!).close();
  const host = options.host ?? '127.0.0.1';
  const token = isLoopback(host) ? undefined : (options.env.PARITY_DASHBOARD_TOKEN ?? crypto.randomBytes(18).toString('base64url'));
  const data = new DashboardData({
    stores,
    marksStore: stores[0]!,
    specsDir: options.workspace.specsDir,
    cwd: options.cwd,
    thresholds: thresholdsOf(options.workspace.report),
    compareRules: options.workspace.shadow.compare ?? {},
  });
  const running: RunningDashboard = await startDashboard({
    data,
    marksStore: stores[0]!,
    cwd: options.cwd,
    host,
    ...(options.port !== undefined && { port: options.port }),
    ...(token !== undefined && { token }),
    ...(options.onError && { onError: options.onError }),
  });
  options.onListening?.({
    url: running.url,
    openUrl: running.openUrl,
    stores: stores.map((file) => displayPath(file, options.cwd)),
    specsDir: displayPath(options.workspace.specsDir, options.cwd),
  });
  try {
    if (!options.signal.aborted) await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    await running.close();
  }
}
