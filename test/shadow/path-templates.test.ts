/**
 * Paths no spec names, through `parity shadow` and `parity report`: slugs that read like words
 * become one endpoint once they have varied enough (src/record/path-templates.ts), and a restart
 * goes on from the templates the store already holds. Real servers on loopback, the mirror thread
 * and the SQLite store as a user runs them.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { parity, runShadow, waitForComparisons } from '../helpers/cli.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('shadow-path-templates');

/** A blog whose articles are addressed by plain slugs; both sides answer alike. */
function blog() {
  return http.createServer((req, res) => {
    const slug = /^\/api\/articles\/([^/]+)$/.exec(req.url ?? '')?.[1];
    res.writeHead(slug ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(slug ? { article: { slug } } : { error: 'not found' }));
  });
}

async function reportedEndpoints(dir: string): Promise<Record<string, number>> {
  const report = await parity(dir, 'report', '--format', 'json');
  expect(report.code, report.stderr).toBe(0);
  const { endpoints } = JSON.parse(report.stdout) as { endpoints: { endpoint: string; requests: number }[] };
  return Object.fromEntries(endpoints.map((e) => [e.endpoint, e.requests]));
}

describe('path templates in the shadow store', () => {
  it('folds word slugs into {slug} once five were seen, and goes on from the store after a restart', { timeout: 60_000 }, async () => {
    const [legacy, rewrite] = await Promise.all([listen(blog()), listen(blog())]);
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${legacy}"}\nrewrite: {url: "${rewrite}"}\n` });

    const first = await runShadow(dir);
    const slugs = ['my-first-post', 'hello-world', 'why-we-rewrote-it', 'on-dragons', 'notes-from-berlin', 'a-quiet-week'];
    for (const slug of slugs) expect((await fetch(`${first.url}/api/articles/${slug}`)).status).toBe(200);
    await waitForComparisons(first.url, slugs.length);
    expect(await first.stop(), first.io.err()).toBe(0);
    // The first four were seen before the position had varied enough: they keep their own rows.
    expect(await reportedEndpoints(dir)).toEqual({
      'GET /api/articles/hello-world': 1,
      'GET /api/articles/my-first-post': 1,
      'GET /api/articles/on-dragons': 1,
      'GET /api/articles/why-we-rewrote-it': 1,
      'GET /api/articles/{slug}': 2,
    });

    const second = await runShadow(dir);
    expect((await fetch(`${second.url}/api/articles/the-seventh-one`)).status).toBe(200);
    await waitForComparisons(second.url, 1);
    expect(await second.stop(), second.io.err()).toBe(0);
    expect((await reportedEndpoints(dir))['GET /api/articles/{slug}']).toBe(3);
    expect(Object.keys(await reportedEndpoints(dir))).toHaveLength(5);
  });
});
