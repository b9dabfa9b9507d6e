/**
 * `parity test` as a library function: load the specs and hooks of a workspace, run them against
 * both implementations, save the run in the store, and write JUnit when asked. Returns the data
 * the CLI renders.
 */
import path from 'node:path';
import type { Workspace } from '../config/load.js';
import { ParityError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { displayPath } from '../paths.js';
import { loadSpecs } from '../spec/load.js';
import { loadHooks } from './hooks.js';
import { renderJunit } from './junit.js';
import { runSpecTests, type ExampleResult, type TestRun } from './run.js';
import { saveTestRun } from './save.js';

export interface TestCommandOptions {
  workspace: Workspace;
  cwd: string;
  env: Record<string, string | undefined>;
  only?: string;
  diff?: boolean;
  /** JUnit XML file to write, relative to `cwd`. */
  junit?: string;
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStart?(total: number): void;
  onResult?(result: ExampleResult, done: number, total: number): void;
}

export interface TestCommandResult {
  run: TestRun;
  runId: number;
  /** The store file, as shown to the user. */
  store: string;
  junit?: string;
}

export async function testImplementations(options: TestCommandOptions): Promise<TestCommandResult> {
  const { workspace, cwd } = options;
  const missing = [
    ['legacy', workspace.legacy.url, '--legacy URL or legacy.url'],
    ['rewrite', workspace.rewrite.url, '--rewrite URL or rewrite.url'],
  ].filter(([, url]) => url === undefined);
  if (missing.length > 0) {
    throw new ParityError('USAGE', `no ${missing.map(([name]) => name).join(' or ')} URL to test`, {
      hint: `pass ${missing.map(([, , how]) => how).join(', and ')} in parity.yaml`,
    });
  }
  const set = loadSpecs(workspace.specsDir, cwd);
  const hooksShown = workspace.hooks === undefined ? undefined : displayPath(workspace.hooks, cwd);
  const hooks = workspace.hooks === undefined ? undefined : await loadHooks(workspace.hooks, hooksShown!);
  const run = await runSpecTests({
    set,
    legacyUrl: workspace.legacy.url!,
    rewriteUrl: workspace.rewrite.url!,
    auth: workspace.auth,
    env: options.env,
    ...(hooks && { hooks, hooksShown: hooksShown! }),
    ...(options.only !== undefined && { only: options.only }),
    diff: Boolean(options.diff),
    concurrency: options.concurrency ?? workspace.test.concurrency,
    timeoutMs: options.timeoutMs ?? workspace.test.timeout_ms,
    ...(options.signal && { signal: options.signal }),
    ...(options.onStart && { onStart: options.onStart }),
    ...(options.onResult && { onResult: options.onResult }),
  });
  const runId = saveTestRun(workspace.storePath, run);
  let junit: string | undefined;
  if (options.junit !== undefined) {
    const file = path.resolve(cwd, options.junit);
    writeFileAtomic(file, renderJunit(run));
    junit = displayPath(file, cwd);
  }
  return { run, runId, store: displayPath(workspace.storePath, cwd), ...(junit !== undefined && { junit }) };
}
