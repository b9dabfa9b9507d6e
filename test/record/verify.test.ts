/**
 * Verification by replay (`import har --verify`, and `parity record` by default): a value that
 * changes when the example is sent again is loosened to its type; an example whose status does
 * not reproduce is reported and not written; an example that holds is written as recorded.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/spec/load.js';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';
import { har, harEntry } from './fixtures.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A counter that moves on every read, and a gate that answered 200 once and is now closed. */
async function upstream(): Promise<string> {
  let reads = 100;
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/counters/visits') res.end(JSON.stringify({ name: 'visits', value: reads++ }));
    else if (req.url === '/gates/front') {
      res.statusCode = 423;
      res.end(JSON.stringify({ error: 'locked' }));
    } else if (req.url === '/') res.end('{}');
    else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (text: string) => ({ size: text.length, mimeType: 'application/json', text });

const TRAFFIC = har([
  harEntry({ url: 'http://legacy.test/counters/visits', content: json('{"name":"visits","value":41}'), startedDateTime: '2026-11-20T10:00:00.000Z' }),
  harEntry({ url: 'http://legacy.test/gates/front', content: json('{"open":true}'), startedDateTime: '2026-11-20T10:00:01.000Z' }),
]);

describe('import har --verify', () => {
  const tmp = useTempDir('verify');

  it('loosens what changed, leaves out what does not reproduce, and writes what holds', async () => {
    const url = await upstream();
    const dir = tmp();
    writeFiles(dir, {
      'parity.yaml': 'specs: specs\n',
      'specs/counters.yaml': 'id: counters.get\nendpoint: GET /counters/{name}\n',
      'specs/gates.yaml': 'id: gates.get\nendpoint: GET /gates/{name}\n',
      'traffic.har': TRAFFIC,
    });
    const gates = fs.readFileSync(path.join(dir, 'specs/gates.yaml'), 'utf8');
    const run = await parity(dir, 'import', 'har', 'traffic.har', '--verify', url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'not written — they did not hold when sent again:\n  gates.get › recorded GET /gates/{name} → 200: status: expected 200, got 423',
    );
    expect(run.stdout).toContain('1 value that changed when sent again loosened to its type');

    const [counters] = loadSpecs(path.join(dir, 'specs'), dir).specs.filter((s) => s.spec.id === 'counters.get');
    expect(counters!.spec.examples).toEqual([
      {
        name: 'recorded GET /counters/{name} → 200',
        recorded: true,
        request: { method: 'GET', path: '/counters/visits' },
        expect: { status: 200, json: { name: 'visits', value: { $type: 'integer' } } },
      },
    ]);
    expect(fs.readFileSync(path.join(dir, 'specs/gates.yaml'), 'utf8')).toBe(gates);
  });

  it('an upstream that is down is exit 2, and no spec changes', async () => {
    const dir = tmp();
    writeFiles(dir, { 'parity.yaml': 'specs: specs\n', 'specs/counters.yaml': 'id: counters.get\nendpoint: GET /counters/{name}\n', 'traffic.har': TRAFFIC });
    const run = await parity(dir, 'import', 'har', 'traffic.har', '--verify', 'http://127.0.0.1:9');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: the legacy at http://127.0.0.1:9 is unreachable: connection refused (ECONNREFUSED)\n');
    expect(fs.readFileSync(path.join(dir, 'specs/counters.yaml'), 'utf8')).toBe('id: counters.get\nendpoint: GET /counters/{name}\n');
  });
});
