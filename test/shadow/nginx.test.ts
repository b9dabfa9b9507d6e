/**
 * docs/nginx-mirror.conf under a real nginx (Debian's, installed by scripts/ensure-test-deps.sh,
 * which `npm test` runs first): clients go through nginx to the legacy and get its answers; nginx
 * mirrors each request to parity in detached mode, which calls the primary and the candidate
 * itself and records the comparisons, the candidate's planted difference among them.
 *
 * The config is the shipped file itself, with only its ports, log paths and worker count
 * substituted (each substitution must match exactly once, so the file and the test cannot drift
 * apart), plus temp paths under the test's directory so nginx needs nothing outside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDetachedShadow } from '../../shadow-proxy/detached.js';
import { readShadowSummary } from '../../shadow-proxy/query.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { openStore } from '../../src/store/store.js';
import { jsonService, useLoopback } from '../helpers/loopback.js';
import { useTempDir } from '../helpers/tmp.js';
import { freeLoopbackPort } from '../../src/net.js';

const { listen, onCleanup } = useLoopback();
const tempDir = useTempDir('shadow-nginx');
const TEMPLATE = path.join(import.meta.dirname, '..', '..', 'docs', 'nginx-mirror.conf');

let nginxBinary: string;
beforeAll(() => {
  const candidates = [...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'nginx')), '/usr/sbin/nginx'];
  const found = candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new Error('nginx is not installed: run scripts/ensure-test-deps.sh (npm test runs it), or apt-get install nginx-light');
  nginxBinary = found;
});

function substitute(text: string, replacements: readonly [string, string][]): string {
  let out = text;
  for (const [from, to] of replacements) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`docs/nginx-mirror.conf: expected "${from}" exactly once, found it ${count} times`);
    out = out.replace(from, () => to);
  }
  return out;
}

async function startNginx(options: { legacyPort: number; parityPort: number }): Promise<{ url: string; dir: string }> {
  const dir = tempDir();
  // Workers run as an unprivileged user when the tests run as root: they must reach the temp paths.
  fs.chmodSync(dir, 0o755);
  const port = await freeLoopbackPort();
  const conf = substitute(fs.readFileSync(TEMPLATE, 'utf8'), [
    ['worker_processes auto;', 'worker_processes 1;'],
    ['error_log /var/log/nginx/error.log warn;', `error_log ${dir}/error.log info;`],
    [
      'access_log /var/log/nginx/access.log;',
      [
        `access_log ${dir}/access.log;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${dir}/${kind}_temp;`),
      ].join('\n'),
    ],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${options.legacyPort};`],
    ['server 127.0.0.1:8480;', `server 127.0.0.1:${options.parityPort};`],
    ['listen 8080;', `listen 127.0.0.1:${port};`],
  ]);
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, conf);
  const child = spawn(nginxBinary, ['-p', `${dir}/`, '-c', file, '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onCleanup(() => stop(child, exited));
  const diagnostics = () => `${output}\n${fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : ''}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${diagnostics()}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 10 s:\n${diagnostics()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `http://127.0.0.1:${port}`, dir };
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function get(url: string): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode!, body, contentType: res.headers['content-type'] }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('detached mode behind a real nginx mirror (docs/nginx-mirror.conf)', () => {
  it('clients get the legacy answers; parity records every mirrored comparison, the planted difference as a mismatch', { timeout: 30_000 }, async () => {
    // Production (behind nginx), and the non-production pair parity calls itself.
    const legacy = jsonService();
    const primary = jsonService();
    const candidate = jsonService({ differ: (p) => p === '/orders/2' });
    const legacyUrl = await listen(legacy.server);
    const file = path.join(tempDir(), 'shadow.db');
    const store = openShadowStore(file, { flushIntervalMs: 20 });
    const parity = await startDetachedShadow({
      primary: await listen(primary.server),
      candidate: await listen(candidate.server),
      specs: [],
      methods: ['GET', 'HEAD', 'OPTIONS'],
      samplePercent: 100,
      queueLimit: 1_000,
      timeoutMs: 2_000,
      maxBodyBytes: 1 << 20,
      store,
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await parity.close();
      await store.close();
    };
    onCleanup(close);
    const nginx = await startNginx({ legacyPort: Number(new URL(legacyUrl).port), parityPort: Number(new URL(parity.url).port) });

    const targets = Array.from({ length: 24 }, (_, i) => ['/orders/1', '/orders/2', '/customers/7', '/orders/3?expand=lines'][i % 4]!);
    for (const target of targets) {
      const [through, direct] = await Promise.all([get(nginx.url + target), get(legacyUrl + target)]);
      expect(through).toEqual(direct);
      expect(through.status).toBe(200);
    }
    // One request the legacy answers 404: mirrored and compared like any other.
    expect((await get(`${nginx.url}/missing`)).status).toBe(404);
    const sent = targets.length + 1;

    const deadline = Date.now() + 15_000;
    const compared = () => Object.values(parity.metrics().compared).reduce((a, b) => a + b, 0);
    while (compared() < sent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(parity.metrics(), fs.readFileSync(path.join(nginx.dir, 'error.log'), 'utf8')).toMatchObject({
      requests: sent,
      mirrored: sent,
      dropped: 0,
      primaryErrors: 0,
      compared: { match: sent - 6, mismatch: 6, candidate_error: 0 },
    });
    // Each copy came through nginx's mirror location, with the client's path and query.
    expect(primary.seen.map((r) => r.url).sort()).toEqual([...targets, '/missing'].sort());
    expect(primary.seen.every((r) => r.headers['x-parity-mirror'] === 'nginx')).toBe(true);
    expect(legacy.seen.filter((r) => r.headers['x-parity-mirror'] !== undefined)).toEqual([]);
    await close();

    const db = openStore(file, { readonly: true });
    try {
      const endpoints = readShadowSummary(db.db, {}).endpoints;
      const orders = endpoints.find((e) => e.endpoint === 'GET /orders/{id}');
      expect(orders?.outcomes).toMatchObject({ match: 12, mismatch: 6, candidate_error: 0, dropped: 0 });
      expect(orders!.signatures).toEqual([expect.objectContaining({ count: 6, differences: [expect.objectContaining({ pattern: '$.total' })] })]);
      expect(orders!.signatures[0]!.signature).toMatch(/^GET \/orders\/\{id\} \| \$\.total /);
      expect(endpoints.find((e) => e.endpoint === 'GET /customers/{id}')?.outcomes).toMatchObject({ match: 6, mismatch: 0 });
      expect(endpoints.find((e) => e.endpoint === 'GET /missing')?.outcomes).toMatchObject({ match: 1 });
    } finally {
      db.close();
    }
  });
});
