/**
 * The service of the gates' A/A and A/B trials (bench/gate-trial.ts, bench/aa.ts and the suite's
 * test/shadow/gates-aa.test.ts): the same small catalogue three ways, each answer a pure function
 * of the item number unless an option plants something.
 *
 *   GET /items/{n}          JSON: the item
 *   GET /items/{n}/events   NDJSON: four records, the first naming the instance's own URL
 *   GET /items/{n}/report   text/plain: four lines, the second naming the instance's own URL
 *
 * The instance's URL differs between any two instances (their ports differ): leaf noise a
 * secondary shows too, in one record or line of a body whose other lines must still be compared.
 *
 * Options plant what the trials look for: `delayMs` (a slower rewrite), `planted` (items with
 * n % 100 === 7 answer another price: 1 % of uniformly drawn items), `noise` (a request id and a
 * timestamp in every JSON answer, as real services have), `drifted` (another data set: every
 * tenth item missing, every name different: a secondary that is not a replica), `missing` (every
 * request answers 404: a rewrite that lost its data).
 *
 * Run as a script with an IPC channel, it serves the options given as JSON in argv[2] and sends
 * `{ url }` to its parent (bench/aa.ts runs each upstream in its own process).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface GateServiceOptions {
  /** Added before every answer, ms. */
  delayMs?: number;
  /** Items with n % 100 === 7 answer another price (and another quantity, another price line). */
  planted?: boolean;
  /** A fresh request id and timestamp in every JSON answer. */
  noise?: boolean;
  /** Another data set: every tenth item missing, every name different. */
  drifted?: boolean;
  /** Every request answers 404. */
  missing?: boolean;
}

export function gateService(options: GateServiceOptions = {}): http.Server {
  const server = http.createServer((req, res) => {
    req.resume();
    const reply = (status: number, type: string, body: string) => {
      const send = () => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (options.delayMs && options.delayMs > 0) setTimeout(send, options.delayMs);
      else send();
    };
    const match = /^\/items\/(\d+)(\/events|\/report)?$/.exec(req.url ?? '');
    const n = match ? Number(match[1]) : Number.NaN;
    if (!match || options.missing || (options.drifted && n % 10 === 0)) {
      reply(404, 'application/json', JSON.stringify({ error: 'not found' }));
      return;
    }
    const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items/${n}`;
    const planted = options.planted === true && n % 100 === 7;
    const price = 100 + ((n * 37) % 900) + (planted ? 1 : 0);
    const name = options.drifted ? `replica item ${n}` : `item ${n}`;
    if (match[2] === '/events') {
      const records = [
        { seq: 0, item: n, self },
        { seq: 1, event: 'created' },
        { seq: 2, event: 'priced', price, qty: (n % 5) + (planted ? 1 : 0) },
        { seq: 3, event: 'listed' },
      ];
      reply(200, 'application/x-ndjson', records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      return;
    }
    if (match[2] === '/report') {
      reply(200, 'text/plain; charset=utf-8', [`Item ${n}: ${name}`, `Served by ${self}`, `Price: ${price}`, `Stock: ${n % 13}`, ''].join('\n'));
      return;
    }
    const item = {
      id: n,
      name,
      price,
      stock: n % 13,
      tags: [`tag-${n % 7}`, `tag-${n % 11}`],
      ...(options.noise && { request_id: randomBytes(8).toString('hex'), served_at: new Date().toISOString() }),
    };
    reply(200, 'application/json', JSON.stringify(item));
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.send) {
    process.stderr.write('bench/gate-service.js is started by bench/aa.js (it needs an IPC channel)\n');
    process.exit(2);
  }
  const server = gateService(JSON.parse(process.argv[2] ?? '{}') as GateServiceOptions);
  server.listen(0, '127.0.0.1', () => process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  process.on('disconnect', () => process.exit(0));
}
