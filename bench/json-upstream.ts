/**
 * A small JSON service for bench/shadow.ts, run in its own process: `GET /items/{n}` answers a
 * ~1 KB JSON document. Forked with IPC; the first argument is a delay in ms before each answer
 * (a slow candidate), the second `differ` makes /items/7 answer differently (a planted
 * difference). Sends `{ url }` to the parent once listening; exits when the parent goes away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

if (!process.send) {
  process.stderr.write('bench/json-upstream.js is started by bench/shadow.js (it needs an IPC channel)\n');
  process.exit(2);
}
const delayMs = Number(process.argv[2] ?? 0);
const differ = process.argv[3] === 'differ';
const tags = Array.from({ length: 20 }, (_, i) => `tag-${i}`);

const server = http.createServer((req, res) => {
  req.resume();
  const n = Number(/^\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
  const body = JSON.stringify({
    id: n,
    name: `item ${n}`,
    price: n === 7 && differ ? 1000 : 999,
    tags,
    description: 'x'.repeat(700),
  });
  const answer = () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (delayMs > 0) setTimeout(answer, delayMs);
  else answer();
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
