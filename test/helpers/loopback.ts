import http from 'node:http';
import net from 'node:net';
import { afterEach } from 'vitest';

/**
 * Servers on loopback for a test file: `listen` starts one on a free port and returns its URL;
 * `onCleanup` registers anything else to stop. Everything is stopped after each test, last first,
 * open sockets destroyed (a stalled server must not hold the test up).
 */
export function useLoopback(): { listen(server: net.Server): Promise<string>; onCleanup(close: () => Promise<void> | void): void } {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    async listen(server) {
      const sockets = new Set<net.Socket>();
      server.on('connection', (socket: net.Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    },
    onCleanup(close) {
      closers.push(close);
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A small JSON service: `GET /orders/{n}` and `GET /customers/{n}`; `differ(path)` makes this
 * instance answer differently on that path (a candidate with a planted regression). Every request
 * it receives is kept in `seen`.
 */
export function jsonService(options: { differ?: (path: string) => boolean; delayMs?: number } = {}): { server: http.Server; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const order = /^\/orders\/(\d+)$/.exec(url.pathname);
        const customer = /^\/customers\/(\d+)$/.exec(url.pathname);
        let body: unknown;
        if (order) body = { id: Number(order[1]), total: options.differ?.(url.pathname) ? 99.5 : 42, currency: 'EUR', lines: [{ sku: 'a', qty: 1 }] };
        else if (customer) body = { id: Number(customer[1]), name: `customer ${customer[1]}`, tier: 'gold' };
        if (body === undefined) {
          res.writeHead(404, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'not found', path: url.pathname }));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (options.delayMs) {
        const timer = setTimeout(answer, options.delayMs);
        res.on('close', () => clearTimeout(timer));
      } else answer();
    });
  });
  return { server, seen };
}
