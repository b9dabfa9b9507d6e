/**
 * A small JSON service for bench/shadow.ts, run in its own process: `GET /items/{n}` answers a
 * ~1 KB JSON document. Forked with IPC; the first argument is a delay in ms before each answer
 * (a slow candidate), the second `differ` makes /items/7 answer differently (a planted
 * difference). With a third argument `stateful`, `POST /items` creates an item under a random id
 * of this process's own (201, the item) and `GET /items/{id}` answers it, or 404: two instances
 * hand out different ids, as a legacy and its rewrite do. Sends `{ url }` to the parent once
 * listening; exits when the parent goes away.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

if (!process.send) {
  process.stderr.write('bench/json-upstream.js is started by bench/shadow.js (it needs an IPC channel)\n');
  process.exit(2);
}
const delayMs = Number(process.argv[2] ?? 0);
const differ = process.argv[3] === 'differ';
const tags = Array.from({ length: 20 }, (_, i) => `tag-${i}`);

const stateful = process.argv[4] === 'stateful';
const created = new Map<string, string>();

const server = http.createServer((req, res) => {
  const reply = (status: number, body: string) => {
    const answer = () => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  };
  if (stateful && req.method === 'POST') {
    req.resume();
    req.on('end', () => {
      const id = `it_${randomBytes(8).toString('hex')}`;
      const body = JSON.stringify({ id, name: 'created', price: 999, tags, description: 'x'.repeat(700) });
      created.set(id, body);
      reply(201, body);
    });
    return;
  }
  req.resume();
  const key = /^\/items\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '0';
  if (stateful && key.startsWith('it_')) {
    const body = created.get(key);
    reply(body === undefined ? 404 : 200, body ?? '{"error":"not found"}');
    return;
  }
  const n = Number(key);
  reply(
    200,
    JSON.stringify({
      id: n,
      name: `item ${n}`,
      price: n === 7 && differ ? 1000 : 999,
      tags,
      description: 'x'.repeat(700),
    }),
  );
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
