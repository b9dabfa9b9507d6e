/**
 * A pair whose only difference is the charset parameter of Content-Type, as between many legacy
 * frameworks and their rewrites: through `parity shadow` and `parity report` on real servers,
 * without the rule (every request differs, under one signature that names the charset, not the
 * media type) and with `shadow.compare.ignore_header_parameters` (the recorded differences are
 * counted as noise, new ones are matches). A media type that really differs still counts.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../reports/model.js';
import { parity, runShadow, waitForComparisons } from '../helpers/cli.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('shadow-header-parameters');

/** `/things/N` answers the same JSON on both sides, under `contentType`; `/raw` under `rawType`. */
function server(contentType: string, rawType = contentType) {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': req.url === '/raw' ? rawType : contentType });
    res.end(JSON.stringify({ url: req.url }));
  });
}

async function shadowed(dir: string, targets: string[]): Promise<void> {
  const shadow = await runShadow(dir);
  for (const target of targets) expect((await fetch(`${shadow.url}${target}`)).status).toBe(200);
  await waitForComparisons(shadow.url, targets.length);
  expect(await shadow.stop(), shadow.io.err()).toBe(0);
}

async function report(dir: string): Promise<Map<string, ReadinessReport['endpoints'][number]>> {
  const run = await parity(dir, 'report', '--format', 'json');
  expect(run.code, run.stderr).toBe(0);
  return new Map((JSON.parse(run.stdout) as ReadinessReport).endpoints.map((e) => [e.endpoint, e]));
}

describe('a pair that differs only in the charset of Content-Type', () => {
  it(
    'is one charset signature without the rule, and clean with ignore_header_parameters; a media type that differs still counts',
    { timeout: 60_000 },
    async () => {
      const legacy = await listen(server('application/json', 'application/json'));
      const rewrite = await listen(server('application/json; charset=utf-8', 'text/plain; charset=utf-8'));
      const dir = tempDir();
      writeFiles(dir, {
        'parity.yaml': `legacy: {url: "${legacy}"}\nrewrite: {url: "${rewrite}"}\n`,
        'specs/things.yaml': 'id: things.get\nendpoint: GET /things/{id}\nbehaviors: []\n',
        'specs/raw.yaml': 'id: raw.get\nendpoint: GET /raw\nbehaviors: []\n',
      });
      const traffic = [...Array.from({ length: 20 }, (_, i) => `/things/${i + 1}`), '/raw', '/raw'];

      await shadowed(dir, traffic);
      const before = await report(dir);
      expect(before.get('GET /things/{id}')).toMatchObject({ requests: 20, mismatches: 20 });
      expect(before.get('GET /things/{id}')!.signatures.map((s) => [s.signature, s.count, s.noise])).toEqual([
        ['GET /things/{id} | header:content-type;charset header', 20, false],
      ]);
      expect(before.get('GET /raw')!.signatures.map((s) => s.differences.map((d) => d.pattern))).toEqual([['$', 'header:content-type']]);

      // The rule, workspace-wide: what was recorded is counted as noise now, and new traffic matches.
      fs.appendFileSync(path.join(dir, 'parity.yaml'), 'shadow:\n  compare:\n    ignore_header_parameters: [content-type;charset]\n');
      const after = await report(dir);
      expect(after.get('GET /things/{id}')).toMatchObject({ requests: 20, mismatches: 0 });
      expect(after.get('GET /things/{id}')!.signatures[0]!.noise).toBe(true);
      expect(after.get('GET /raw')).toMatchObject({ mismatches: 2 });

      await shadowed(dir, traffic);
      const later = await report(dir);
      expect(later.get('GET /things/{id}')).toMatchObject({ requests: 40, mismatches: 0 });
      expect(later.get('GET /things/{id}')!.signatures.map((s) => s.count)).toEqual([20]);
      expect(later.get('GET /raw')).toMatchObject({ requests: 4, mismatches: 4 });
    },
  );
});
