/**
 * `parity record` on a service whose clients sign in: the suite registers its own user and uses
 * the token the registration answered, as most integration suites do. Real servers on loopback,
 * the recording proxy in-process. The examples carry the registration as a step with a capture
 * and `Bearer {{token}}` after it, never the token; the username it chose is made unique per run
 * (verification ran the examples twice and the second registration was refused); and they pass
 * twice in a row on fresh instances of the same service, whose tokens are signed with other secrets.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import type { RecordSessionResult } from '../../src/record/session.js';
import type { TestRun } from '../../src/runner/run.js';
import { useLoopback } from '../helpers/loopback.js';
import { startRecording } from '../helpers/cli.js';
import { statefulApp } from '../helpers/stateful-app.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('record-session');

const spec = (id: string, endpoint: string) => `id: ${id}\nendpoint: ${endpoint}\nbehaviors: []\nexamples: []\n`;

describe('parity record with credentials the recording handed out', () => {
  it('writes the registration as a step and the token as {{token}}; the examples pass twice on fresh instances', { timeout: 30_000 }, async () => {
    const recorded = await listen(statefulApp({ idStart: 1000, secret: 'recorded-instance' }).server);
    const dir = tempDir();
    writeFiles(dir, {
      'parity.yaml': `legacy: {url: "${recorded}"}\n`,
      'specs/users.create.yaml': spec('users.create', 'POST /users'),
      'specs/me.yaml': spec('me.get', 'GET /me'),
      'specs/items.create.yaml': spec('items.create', 'POST /items'),
      'specs/items.get.yaml': spec('items.get', 'GET /items/{id}'),
      'specs/login.yaml': spec('login', 'POST /login'),
    });
    // What the examples must also pass on, twice: the same service on an empty database.
    const empty = await listen(statefulApp({ idStart: 7, secret: 'empty-instance' }).server);
    const recording = await startRecording(dir, '--json', '--verify-fresh', `:${new URL(empty).port}`);
    const { url } = recording;

    // The suite: register, then use the token it was given.
    const call = async (method: string, target: string, body?: unknown, token?: string) => {
      const res = await fetch(`${url}${target}`, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token && { authorization: `Bearer ${token}` }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, any>;
    };
    const token = (await call('POST', '/users', { username: 'suite-user', password: 'pw-1' })).user.token as string;
    await call('GET', '/me', undefined, token);
    const item = await call('POST', '/items', { name: 'first' }, token);
    await call('GET', `/items/${item.id}`, undefined, token);
    // A login of the user the registration made: on its own, it would need a user only the recorded database has.
    await call('POST', '/login', { username: 'suite-user', password: 'pw-1' });
    const stopped = await recording.stop();
    expect(stopped.code, stopped.stderr).toBe(0);
    const result = JSON.parse(stopped.stdout) as RecordSessionResult;
    expect(result.warnings).toEqual([]);
    // The login of the user the registration made carries that registration: it passes on an empty database too.
    expect(result.notReproducible).toEqual([]);

    const written = ['me.yaml', 'items.create.yaml', 'items.get.yaml'].map((f) => fs.readFileSync(path.join(dir, 'specs', f), 'utf8'));
    for (const text of written) {
      expect(text).toContain('authorization: Bearer {{token}}');
      expect(text).toContain('token: $.user.token');
      expect(text).not.toContain(token);
    }

    // The registration's username is made unique per run, wherever the example uses it.
    expect(written[0]).toContain('username: suiteuse{{$unique}}');
    const login = fs.readFileSync(path.join(dir, 'specs', 'login.yaml'), 'utf8');
    expect(login.match(/username: suiteuse\{\{\$unique\}\}/g)).toHaveLength(2);
    expect(login.indexOf('path: /users')).toBeLessThan(login.indexOf('path: /login'));

    // Fresh instances of the same service (no suite-user yet, their own token secrets), twice in a row.
    const legacy = await listen(statefulApp({ idStart: 1, secret: 'fresh-legacy' }).server);
    const rewrite = await listen(statefulApp({ idStart: 500, secret: 'fresh-rewrite' }).server);
    for (let time = 1; time <= 2; time++) {
      const test = memoryIo(dir, {});
      expect(await runCli(['test', '--json', '--legacy', legacy, '--rewrite', rewrite], test), `run ${time}: ${test.err()}`).toBe(0);
      const run = JSON.parse(test.out()) as TestRun;
      expect(
        run.results.map((r) => [r.specId, r.legacy.outcome, r.rewrite.outcome]),
        `run ${time}`,
      ).toEqual([
        ['items.create', 'pass', 'pass'],
        ['items.get', 'pass', 'pass'],
        ['login', 'pass', 'pass'],
        ['me.get', 'pass', 'pass'],
        ['users.create', 'pass', 'pass'],
      ]);
    }
  });

  it('a fresh instance that is down, or --verify-fresh with --no-verify, is exit 2 with one message before anything is recorded', async () => {
    const upstream = await listen(statefulApp({ idStart: 1, secret: 'up' }).server);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${upstream}"}\n`, 'specs/me.yaml': spec('me.get', 'GET /me') });
    const down = memoryIo(dir, {}, new AbortController().signal);
    expect(await runCli(['record', '--port', '0', '--verify-fresh', `:${port}`], down)).toBe(2);
    expect(down.err()).toBe(`error: the fresh instance (--verify-fresh) at http://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED)\n`);
    const both = memoryIo(dir, {}, new AbortController().signal);
    expect(await runCli(['record', '--port', '0', '--no-verify', '--verify-fresh', upstream], both)).toBe(2);
    expect(both.err()).toBe('error: --verify-fresh and --no-verify contradict each other\n');
    expect(fs.readFileSync(path.join(dir, 'specs', 'me.yaml'), 'utf8')).toBe(spec('me.get', 'GET /me'));
  });
});
