/**
 * The json-server pair, as a team rewriting it would run it: json-server 0.17.4 (Express, plain
 * JavaScript) as the legacy, json-server 1.0.0-beta.3 (tinyhttp, TypeScript) as the rewrite, and
 * a second 0.17.4 as the secondary, each started through its own command-line entry point on its
 * own copy of `db.json`, on loopback. Both are dev dependencies under aliases
 * (`json-server-legacy`, `json-server-rewrite`); 1.0.0-beta.3 is the last 1.0 beta that runs on
 * Node 20 (later ones need Node 22.12).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { packageRoot } from '../../src/package-info.js';
import { freeLoopbackPort } from '../../src/net.js';

export type PairSide = 'legacy' | 'rewrite' | 'secondary';

export interface RunningJsonServer {
  side: PairSide;
  url: string;
  /** The database file this instance reads and writes. */
  dbFile: string;
  stop(): Promise<void>;
}

/** The data set both versions start from: users, posts (with tags), comments, and a singular profile. */
export const DB_FILE = path.join(packageRoot(), 'examples', 'json-server', 'db.json');

const require = createRequire(import.meta.url);

/** The command-line entry point of each installed version. */
function binOf(side: PairSide): string {
  const pkg = side === 'rewrite' ? 'json-server-rewrite' : 'json-server-legacy';
  const manifest = require.resolve(`${pkg}/package.json`);
  const bin = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> }).bin;
  return path.join(path.dirname(manifest), typeof bin === 'string' ? bin : bin['json-server']!);
}

async function answering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`json-server exited with ${child.exitCode} before answering: ${output()}`);
    try {
      const res = await fetch(`${url}/profile`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`json-server did not answer at ${url}: ${output()}`);
}

/**
 * Starts one version on a fresh copy of db.json in `dir` (as `db.<name>.json`: `name` tells apart
 * instances of one side), or with `keepData` on the file an earlier instance of that name left.
 */
export async function startJsonServer(side: PairSide, dir: string, name: string = side, options: { keepData?: boolean } = {}): Promise<RunningJsonServer> {
  const dbFile = path.join(dir, `db.${name}.json`);
  if (!options.keepData || !fs.existsSync(dbFile)) fs.copyFileSync(DB_FILE, dbFile);
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, [binOf(side), dbFile, '--port', String(port), '--host', '127.0.0.1'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await answering(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    side,
    url,
    dbFile,
    stop: () =>
      new Promise<void>((resolve) => {
        // A child ended by a signal has no exit code, only a signal code.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The legacy, the rewrite and a second legacy (the secondary), each on its own database. */
export async function startJsonServerPair(dir: string): Promise<Record<PairSide, RunningJsonServer>> {
  const [legacy, rewrite, secondary] = await Promise.all((['legacy', 'rewrite', 'secondary'] as const).map((side) => startJsonServer(side, dir)));
  return { legacy: legacy!, rewrite: rewrite!, secondary: secondary! };
}

/**
 * The data migration a team moving to 1.0 would write: 1.0 makes every id a string and relates
 * records by strict equality, so the foreign keys (`postId`, `userId`, ...) a 0.17 data file
 * holds as numbers become strings too. Returns how many values changed.
 */
export function migrateForeignKeysToStrings(dbFile: string): number {
  const data = JSON.parse(fs.readFileSync(dbFile, 'utf8')) as Record<string, unknown>;
  let changed = 0;
  for (const records of Object.values(data)) {
    if (!Array.isArray(records)) continue;
    for (const record of records as Record<string, unknown>[]) {
      for (const [key, value] of Object.entries(record)) {
        if (/.Id$/.test(key) && typeof value === 'number') {
          record[key] = String(value);
          changed += 1;
        }
      }
    }
  }
  fs.writeFileSync(dbFile, `${JSON.stringify(data, null, 2)}\n`);
  return changed;
}
