/**
 * `parity replay` with credentials: shadowed traffic of three users, two of whom have an auth
 * profile in parity.yaml. The store keeps no credential, only keyed fingerprints; replay sends
 * each sample with the profile its fingerprints match, and reports the third user's samples as
 * not replayed (credentials unknown) instead of sending them without credentials and calling the
 * 401 a difference. Real servers on loopback, the mirror thread, the SQLite store.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import type { ReplayResult } from '../../shadow-proxy/replay.js';
import { runShadow, waitForComparisons } from '../helpers/cli.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('replay-credentials');

const TOKENS: Record<string, string> = {
  alice: 'tok_alice_7f3a9c2e5b1d4a6f8e0c',
  bob: 'tok_bob_2c8e4a6f0b9d1e3a5c7f',
  carol: 'tok_carol_9e1c3a5f7b2d4e6a8c0f',
};

/** Answers who the bearer is, or 401; counts the users it served. */
function service() {
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = Object.keys(TOKENS).find((name) => TOKENS[name] === token);
    res.writeHead(user ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(user ? { user } : { error: 'unauthorized' }));
    // Replay's reachability probe is not a sample.
    if (req.url?.startsWith('/me')) served.push(user ?? 'nobody');
  });
  return { server, served };
}

describe('parity replay with redacted credentials', () => {
  it('sends each sample with the auth profile its fingerprints match, and does not replay unknown credentials', { timeout: 60_000 }, async () => {
    const legacy = service();
    const candidate = service();
    const [legacyUrl, candidateUrl] = await Promise.all([listen(legacy.server), listen(candidate.server)]);
    const dir = tempDir();
    writeFiles(dir, {
      'parity.yaml': [
        `legacy: {url: "${legacyUrl}"}`,
        `rewrite: {url: "${candidateUrl}"}`,
        'auth:',
        '  alice: {headers: {Authorization: "Bearer ${ALICE_TOKEN}"}}',
        '  bob: {headers: {Authorization: "Bearer ${BOB_TOKEN}"}}',
        '',
      ].join('\n'),
    });

    const shadow = await runShadow(dir);
    for (const user of ['alice', 'bob', 'carol']) {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${shadow.url}/me?n=${i}`, { headers: { authorization: `Bearer ${TOKENS[user]}` } });
        expect(await res.json()).toEqual({ user });
      }
    }
    await waitForComparisons(shadow.url, 9);
    expect(await shadow.stop(), shadow.io.err()).toBe(0);

    // Not one credential in the store, however it is read.
    const bytes = Buffer.concat(fs.readdirSync(path.join(dir, '.parity')).map((file) => fs.readFileSync(path.join(dir, '.parity', file))));
    for (const token of Object.values(TOKENS)) expect(bytes.includes(token)).toBe(false);

    candidate.served.length = 0;
    const io = memoryIo(dir, { ALICE_TOKEN: TOKENS.alice, BOB_TOKEN: TOKENS.bob });
    expect(await runCli(['replay', '--only', 'all', '--json'], io), io.err()).toBe(0);
    const result = JSON.parse(io.out()) as ReplayResult;
    const samples = result.groups.flatMap((g) => g.samples);
    expect(samples.map((s) => [s.target, s.outcome, s.profile ?? s.skipReason]).sort()).toEqual(
      [
        ...[0, 1, 2].map((i) => [`/me?n=${i}`, 'match', 'alice']),
        ...[0, 1, 2].map((i) => [`/me?n=${i}`, 'match', 'bob']),
        ...[0, 1, 2].map((i) => [`/me?n=${i}`, 'skipped', 'credentials']),
      ].sort(),
    );
    expect(result.skipped.credentials).toBe(3);
    expect(result.unreplacedHeaders).toEqual([]);
    expect(candidate.served.sort()).toEqual(['alice', 'alice', 'alice', 'bob', 'bob', 'bob']);

    // Said in words: what was not sent, and why.
    const text = memoryIo(dir, { ALICE_TOKEN: TOKENS.alice, BOB_TOKEN: TOKENS.bob });
    expect(await runCli(['replay', '--only', 'all'], text)).toBe(0);
    expect(text.out()).toContain('note: 3 samples not replayed: credentials unknown (their redacted credentials match no auth profile of parity.yaml');
    expect(text.out()).toContain('6 now match, 0 still differ, 0 differ differently, 0 candidate errors, 3 skipped (3 with credentials unknown)');

    // Without the variables, no profile can be told: nothing is sent without its credentials, and a replay of nothing is no pass.
    const unset = memoryIo(dir, {});
    expect(await runCli(['replay', '--only', 'all', '--json'], unset)).toBe(1);
    expect((JSON.parse(unset.out()) as ReplayResult).skipped.credentials).toBe(9);
  });
});
