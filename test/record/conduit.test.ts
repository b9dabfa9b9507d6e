/**
 * `parity record` and `parity test` on a stateful API shaped like the public Conduit services
 * (test/fixtures/conduit-api: registration, login by email, `Token` JWTs, a cookie session,
 * slug-addressed articles with random suffixes, per-user follows and favourites), recorded from a
 * scripted suite that uses the API the way real suites do: it registers its own users, logs in,
 * and reuses the tokens, cookies and slugs it was given. Real servers on loopback throughout.
 *
 * The recording must become examples that need nothing from the recorded database: they pass
 * on fresh instances of the same service (their own secrets, their own slugs), twice in a row,
 * and leave nothing behind, even on a rewrite where some of them fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordSessionResult } from '../../src/record/session.js';
import type { TestRun } from '../../src/runner/run.js';
import { conduitApp, type ConduitOptions } from '../fixtures/conduit-api/app.js';
import { parity, startRecording } from '../helpers/cli.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen, onCleanup } = useLoopback();
const tempDir = useTempDir('record-conduit');

const ENDPOINTS: Record<string, string> = {
  'users.create': 'POST /api/users',
  'users.login': 'POST /api/users/login',
  'user.get': 'GET /api/user',
  'session.create': 'POST /api/session',
  'session.get': 'GET /api/session',
  'profiles.follow': 'POST /api/profiles/{username}/follow',
  'articles.create': 'POST /api/articles',
  'articles.feed': 'GET /api/articles/feed',
  'articles.get': 'GET /api/articles/{slug}',
  'articles.update': 'PUT /api/articles/{slug}',
  'articles.favorite': 'POST /api/articles/{slug}/favorite',
  'articles.delete': 'DELETE /api/articles/{slug}',
};

async function conduit(options: ConduitOptions) {
  const instance = conduitApp(options);
  await instance.app.ready();
  onCleanup(() => instance.app.close());
  return { ...instance, url: await listen(instance.app.server) };
}

/** The integration suite: what a Postman collection for such an API does, through `base`. */
async function suite(base: string): Promise<void> {
  const call = async (method: string, target: string, options: { json?: unknown; form?: string; token?: string; cookie?: string } = {}) => {
    const res = await fetch(`${base}${target}`, {
      method,
      headers: {
        ...(options.json !== undefined && { 'content-type': 'application/json' }),
        ...(options.form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        ...(options.token && { authorization: `Token ${options.token}` }),
        ...(options.cookie && { cookie: options.cookie }),
      },
      ...(options.json !== undefined && { body: JSON.stringify(options.json) }),
      ...(options.form !== undefined && { body: options.form }),
    });
    if (res.status >= 400) throw new Error(`${method} ${target}: ${res.status} ${await res.text()}`);
    return { headers: res.headers, json: res.status === 204 ? {} : ((await res.json()) as Record<string, any>) };
  };
  const alice = (await call('POST', '/api/users', { json: { user: { username: 'alice', email: 'alice@example.test', password: 'pw-alice' } } })).json.user;
  await call('GET', '/api/user', { token: alice.token });
  await call('POST', '/api/users', { json: { user: { username: 'bob', email: 'bob@example.test', password: 'pw-bob' } } });
  // Bob logs in on his own: the login needs the registration, which only the recorded database has.
  const bob = (await call('POST', '/api/users/login', { json: { user: { email: 'bob@example.test', password: 'pw-bob' } } })).json.user;
  const { slug } = (await call('POST', '/api/articles', { token: bob.token, json: { article: { title: 'How to train your dragon', body: 'Patience.' } } })).json
    .article;
  await call('GET', `/api/articles/${slug}`);
  await call('POST', '/api/profiles/bob/follow', { token: alice.token });
  await call('GET', '/api/articles/feed', { token: alice.token });
  await call('POST', `/api/articles/${slug}/favorite`, { token: alice.token });
  await call('PUT', `/api/articles/${slug}`, { token: bob.token, json: { article: { body: 'Patience, and fish.' } } });
  const session = await call('POST', '/api/session', { form: 'username=alice&password=pw-alice' });
  const sid = /sid=([^;]+)/.exec(session.headers.get('set-cookie') ?? '')![1]!;
  await call('GET', '/api/session', { cookie: `sid=${sid}` });
  await call('DELETE', `/api/articles/${slug}`, { token: bob.token });
  await call('GET', '/api/profiles/bob');
}

describe('recording a stateful API from its integration suite', () => {
  it(
    'writes examples that carry their own users, tokens, cookies and slugs; they pass twice on fresh instances and clean up after themselves',
    { timeout: 60_000 },
    async () => {
      const recordedOn = await conduit({ secret: 'recorded' });
      const fresh = await conduit({ secret: 'fresh-for-verification' });
      const dir = tempDir();
      writeFiles(dir, {
        'parity.yaml': `legacy: {url: "${recordedOn.url}"}\n`,
        ...Object.fromEntries(
          Object.entries(ENDPOINTS).map(([id, endpoint]) => [`specs/${id}.yaml`, `id: ${id}\nendpoint: ${endpoint}\nbehaviors: []\nexamples: []\n`]),
        ),
      });
      const recording = await startRecording(dir, '--json', '--verify-fresh', fresh.url);
      await suite(recording.url);
      const stopped = await recording.stop();
      expect(stopped.code, stopped.stderr).toBe(0);
      const result = JSON.parse(stopped.stdout) as RecordSessionResult;
      expect(result.warnings).toEqual([]);
      expect(result.notReproducible).toEqual([]);
      expect(result.unmatched).toEqual([{ method: 'GET', path: '/api/profiles/bob', count: 1 }]);

      const specs = Object.fromEntries(Object.keys(ENDPOINTS).map((id) => [id, fs.readFileSync(path.join(dir, 'specs', `${id}.yaml`), 'utf8')]));
      for (const [id, text] of Object.entries(specs)) {
        expect(text, id).toContain('recorded: true');
        // No token, cookie or slug the recording was handed is written; no fixed username either.
        expect(text, id).not.toMatch(/eyJ|sid=[0-9a-f]|how-to-train-your-dragon-|(username|email): (alice|bob)[@\n]/);
      }
      expect(specs['user.get']).toContain('authorization: Token {{token}}');
      expect(specs['session.get']).toMatch(/capture:\n\s+sid: cookie:sid/);
      expect(specs['session.get']).toContain('cookie: sid={{sid}}');
      // The login carries the registration it needs, under a name unique per run.
      expect(specs['users.login']).toMatch(/path: \/api\/users\n[\s\S]*email: bob\{\{\$unique\}\}@example.test[\s\S]*path: \/api\/users\/login/);
      // The follow carries both users' registrations: the follower's token, the followed one's name in the path.
      expect(specs['profiles.follow']).toContain('path: /api/profiles/bob{{$unique}}/follow');
      // What an example creates, its cleanup deletes, with the token of the user who may.
      for (const id of ['articles.create', 'articles.get', 'articles.update', 'articles.favorite']) {
        expect(specs[id], id).toMatch(
          /cleanup:\n\s+- request:\n\s+method: DELETE\n\s+path: \/api\/articles\/\{\{slug\}\}\n\s+headers:\n\s+authorization: Token \{\{token(_\d)?\}\}/,
        );
      }
      expect(specs['articles.delete']).not.toContain('cleanup:');

      // Fresh instances of the same service, twice in a row: every example passes and nothing is left behind.
      const legacy = await conduit({ secret: 'fresh-legacy' });
      const rewrite = await conduit({ secret: 'fresh-rewrite' });
      for (let time = 1; time <= 2; time++) {
        const run = await parity(dir, 'test', '--json', '--legacy', legacy.url, '--rewrite', rewrite.url);
        expect(run.code, `run ${time}: ${run.stderr}`).toBe(0);
        const results = (JSON.parse(run.stdout) as TestRun).results;
        expect(results.map((r) => r.specId).sort(), `run ${time}`).toEqual(Object.keys(ENDPOINTS).sort());
        expect(
          results.filter((r) => r.legacy.outcome !== 'pass' || r.rewrite.outcome !== 'pass'),
          `run ${time}`,
        ).toEqual([]);
        expect([legacy.articles(), rewrite.articles()], `run ${time}`).toEqual([[], []]);
      }

      // A rewrite with a regression: the examples that see it fail, and their cleanup still removes what they created.
      const regressed = await conduit({ secret: 'regressed', favoritesCountAsString: true });
      const run = await parity(dir, 'test', '--json', '--legacy', legacy.url, '--rewrite', regressed.url);
      expect(run.code).toBe(1);
      const failed = (JSON.parse(run.stdout) as TestRun).results.filter((r) => r.rewrite.outcome !== 'pass');
      expect(failed.map((r) => [r.specId, r.rewrite.outcome]).sort()).toEqual([
        ['articles.create', 'fail'],
        ['articles.favorite', 'fail'],
        ['articles.get', 'fail'],
        ['articles.update', 'fail'],
      ]);
      expect(failed.every((r) => r.rewrite.steps.some((s) => s.phase === 'teardown' && s.method === 'DELETE' && s.status === 204))).toBe(true);
      expect([legacy.articles(), regressed.articles()]).toEqual([[], []]);
    },
  );
});
