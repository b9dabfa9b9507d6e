/**
 * The inline proxy's client path against a primary that streams, fails, resets or never ends, and
 * clients that leave: the client sees what it would see talking to the primary directly (bytes as
 * they come, a cut where the primary cut), the primary is not read on for a client that has gone,
 * and only exchanges the client received whole are mirrored.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startShadowProxy, type ShadowProxy } from '../../shadow-proxy/proxy.js';
import { openShadowStore, type ComparisonRecord, type ShadowStore } from '../../shadow-proxy/store.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir } from '../helpers/tmp.js';

const { listen, onCleanup } = useLoopback();
const tempDir = useTempDir('shadow-client-path');

async function shadow(primary: string, maxBodyBytes = 1 << 20): Promise<{ proxy: ShadowProxy; store: ShadowStore }> {
  const store = openShadowStore(path.join(tempDir(), 'shadow.db'));
  const candidate = await listen(http.createServer((req, res) => req.resume().on('end', () => res.end('{}'))));
  const proxy = await startShadowProxy({
    primary,
    candidate,
    specs: [],
    methods: ['GET', 'HEAD'],
    samplePercent: 100,
    queueLimit: 100,
    timeoutMs: 1_000,
    maxBodyBytes,
    store,
  });
  onCleanup(async () => {
    await proxy.close();
    await store.close();
  });
  return { proxy, store };
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A proxy that mirrors POSTs and keeps each comparison record in memory, for what a record says. */
async function recordingShadow(primary: string, candidate: string): Promise<{ proxy: ShadowProxy; records: ComparisonRecord[] }> {
  const records: ComparisonRecord[] = [];
  const proxy = await startShadowProxy({
    primary,
    candidate,
    specs: [],
    methods: ['POST'],
    samplePercent: 100,
    queueLimit: 10,
    timeoutMs: 1_000,
    maxBodyBytes: 1 << 20,
    store: { record: (record) => void records.push(record), recordDropped: () => {} },
  });
  onCleanup(() => proxy.close());
  return { proxy, records };
}

interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response ended cleanly (all its bytes came); false when the connection was cut. */
  complete: boolean;
}

function send(url: string, options: http.RequestOptions = {}, body?: Buffer): Promise<Received> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { agent: false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
      res.on('end', done);
      res.on('aborted', done);
      res.on('error', done);
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the client path', () => {
  it('streams: the client has the first bytes while the primary is still answering', async () => {
    let clientHasFirstChunk: () => void = () => {};
    const firstChunkSeen = new Promise<void>((resolve) => (clientHasFirstChunk = resolve));
    let primaryEndedAt = 0;
    const primary = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        // The primary goes on only once the client has the first chunk (or after 3 s: a proxy that buffers).
        void Promise.race([firstChunkSeen, new Promise((resolve) => setTimeout(resolve, 3_000))]).then(() => {
          primaryEndedAt = performance.now();
          res.end('second');
        });
      }),
    );
    const { proxy } = await shadow(primary);
    const firstChunkAt = await new Promise<number>((resolve, reject) => {
      const chunks: string[] = [];
      http
        .get(`${proxy.url}/stream`, { agent: false }, (res) => {
          res.on('data', (chunk: Buffer) => {
            if (chunks.push(chunk.toString()) === 1) {
              resolve(performance.now());
              clientHasFirstChunk();
            }
          });
        })
        .on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(primaryEndedAt).toBeGreaterThan(firstChunkAt);
  });

  it("the primary's latency runs from sending it the request to its answer's last byte, as the candidate's does (not the client's upload)", async () => {
    const primary = await listen(
      http.createServer((req, res) => {
        req.resume();
        req.on('end', () => setTimeout(() => res.end('{"slow":true}'), 80));
      }),
    );
    const candidate = await listen(http.createServer((req, res) => req.resume().on('end', () => res.end('{"slow":false}'))));
    const { proxy, records } = await recordingShadow(primary, candidate);
    // The client takes 300 ms to send its body: that is not the primary's time.
    await new Promise<void>((resolve, reject) => {
      const request = http.request(`${proxy.url}/slow`, { method: 'POST', agent: false, headers: { 'content-type': 'text/plain' } }, (res) => {
        res.resume().on('end', resolve);
      });
      request.on('error', reject);
      request.write('part one;');
      setTimeout(() => request.end('part two'), 300);
    });
    await until(() => records.length === 1);
    const [record] = records;
    expect(record!.primary.durationMs).toBeGreaterThanOrEqual(75);
    expect(record!.primary.durationMs).toBeLessThan(250);
    expect(record!.candidate).toHaveProperty('durationMs');
    expect((record!.candidate as { durationMs: number }).durationMs).toBeLessThan(75);
  });

  it('an upload over the cap reaches the primary whole, and is recorded as not compared, neither kept nor sent to the candidate', async () => {
    const seenByPrimary: number[] = [];
    const primary = await listen(
      http.createServer((req, res) => {
        let size = 0;
        req.on('data', (chunk: Buffer) => (size += chunk.length));
        req.on('end', () => {
          seenByPrimary.push(size);
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ size }));
        });
      }),
    );
    const candidateRequests: number[] = [];
    const candidate = await listen(
      http.createServer((req, res) => {
        let size = 0;
        req.on('data', (chunk: Buffer) => (size += chunk.length));
        req.on('end', () => {
          candidateRequests.push(size);
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ size }));
        });
      }),
    );
    const { proxy, records } = await recordingShadow(primary, candidate);
    const large = Buffer.alloc(3 << 20, 'z');
    const small = Buffer.from('{"small":true}');
    const answers = [await send(`${proxy.url}/files`, { method: 'POST' }, large), await send(`${proxy.url}/files`, { method: 'POST' }, small)];
    expect(answers.map((a) => [a.status, a.body.toString()])).toEqual([
      [201, JSON.stringify({ size: large.length })],
      [201, JSON.stringify({ size: small.length })],
    ]);
    expect(seenByPrimary).toEqual([large.length, small.length]);
    await until(() => records.length === 2);
    expect(records.map((r) => r.outcome)).toEqual(['not_compared', 'match']);
    expect(records[0]!.candidate).toBeUndefined();
    expect(records[0]!.request.body).toBeNull();
    expect(Buffer.from(records[1]!.request.body!).toString()).toBe(small.toString());
    // Only the small upload was sent on.
    expect(candidateRequests).toEqual([small.length]);
  });

  it('a primary that answers an upload early (413 before reading it): the client gets the 413, its connection serves on, nothing is mirrored', async () => {
    const primary = await listen(
      http.createServer((req, res) => {
        if (req.method === 'POST') {
          res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
          res.end('too large');
          return;
        }
        req.resume().on('end', () => res.end('ok'));
      }),
    );
    const { proxy } = await shadow(primary);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    onCleanup(() => agent.destroy());
    const refused = await send(`${proxy.url}/files`, { method: 'POST', agent }, Buffer.alloc(4 << 20, 'u'));
    expect([refused.status, refused.body.toString()]).toEqual([413, 'too large']);
    const next = await send(`${proxy.url}/items/2`, { agent });
    expect([next.status, next.body.toString()]).toEqual([200, 'ok']);
    await until(() => proxy.metrics().compared.match + proxy.metrics().compared.mismatch === 1);
    expect(proxy.metrics()).toMatchObject({ requests: 2, mirrored: 1 });
  });

  it('a primary that is down: 502 naming it, counted, nothing mirrored', async () => {
    // A port that was just free: nothing listens there.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const primary = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { proxy } = await shadow(primary);
    const answer = await send(`${proxy.url}/items/1`);
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/^parity shadow: the primary did not answer: /);
    // An upload the primary never read: the client still gets its 502, and the connection is not left stuck.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    onCleanup(() => agent.destroy());
    const upload = await send(`${proxy.url}/files`, { method: 'POST', agent }, Buffer.alloc(2 << 20, 'u'));
    expect(upload.status).toBe(502);
    const next = await send(`${proxy.url}/items/2`, { agent });
    expect(next.status).toBe(502);
    expect(proxy.metrics()).toMatchObject({ requests: 3, primaryErrors: 3, mirrored: 0 });
  });

  it('a primary whose answer the client could not be sent (a control character in a header): 502, and the proxy serves on', async () => {
    let served = 0;
    const primary = await listen(
      net.createServer((socket) => {
        socket.once('data', () => {
          served += 1;
          socket.end(served === 1 ? 'HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\nok' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        });
      }),
    );
    const { proxy } = await shadow(primary);
    const first = await send(`${proxy.url}/bad`);
    expect(first.status).toBe(502);
    expect(first.body.toString()).toMatch(/^parity shadow: the primary did not answer: /);
    const second = await send(`${proxy.url}/good`);
    expect(second).toMatchObject({ status: 200, complete: true });
    expect(second.body.toString()).toBe('ok');
    expect(proxy.metrics()).toMatchObject({ requests: 2, primaryErrors: 1 });
  });

  it('a primary that resets mid-body: the client sees the cut, not a complete answer, and nothing is mirrored', async () => {
    const primary = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 20);
      }),
    );
    const { proxy } = await shadow(primary);
    const answer = await send(`${proxy.url}/items/1`);
    expect(answer.status).toBe(200);
    expect(answer.complete).toBe(false);
    expect(answer.body.toString()).toBe('{"partial":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.metrics()).toMatchObject({ requests: 1, mirrored: 0 });
  });

  it('a client that leaves an endless answer: the primary request is abandoned and nothing is mirrored', async () => {
    let primaryClosed: () => void = () => {};
    const primaryRequestClosed = new Promise<void>((resolve) => (primaryClosed = resolve));
    const primary = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write('data: tick\n\n'), 5);
        res.on('close', () => {
          clearInterval(timer);
          primaryClosed();
        });
      }),
    );
    const { proxy } = await shadow(primary);
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${proxy.url}/events`, { agent: false }, (res) => {
        res.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', () => {});
      setTimeout(() => reject(new Error('no data from the proxy')), 2_000);
    });
    const closedInTime = await Promise.race([primaryRequestClosed.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 2_000))]);
    expect(closedInTime).toBe(true);
    expect(proxy.metrics()).toMatchObject({ requests: 1, mirrored: 0 });
  });

  it('a request body reaches the primary byte for byte; HEAD gets headers only; an answer over the cap streams whole and is not compared', async () => {
    const large = Buffer.alloc(3 << 20, 'y');
    const seen: { method: string; body: Buffer }[] = [];
    const primary = await listen(
      http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          seen.push({ method: req.method!, body: Buffer.concat(chunks) });
          if (req.url === '/large') {
            res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(large.length) });
            return res.end(req.method === 'HEAD' ? undefined : large);
          }
          res.writeHead(201, { 'content-type': 'application/octet-stream', 'x-echo': 'yes' });
          res.end(Buffer.concat(chunks));
        });
      }),
    );
    const { proxy } = await shadow(primary);
    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const posted = await send(`${proxy.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, payload);
    expect(posted).toMatchObject({ status: 201, complete: true });
    expect(posted.headers['x-echo']).toBe('yes');
    expect(posted.body.equals(payload)).toBe(true);
    expect(seen[0]!.body.equals(payload)).toBe(true);

    const head = await send(`${proxy.url}/large`, { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, complete: true });
    expect(head.headers['content-length']).toBe(String(large.length));
    expect(head.body.length).toBe(0);

    const whole = await send(`${proxy.url}/large`);
    expect(whole.complete).toBe(true);
    expect(whole.body.equals(large)).toBe(true);

    // POST is not mirrored; HEAD and the large GET are, and the large one is over the cap.
    await until(() => proxy.metrics().queueDepth === 0 && Object.values(proxy.metrics().compared).reduce((a, b) => a + b, 0) === 2);
    expect(proxy.metrics()).toMatchObject({ requests: 3, mirrored: 2 });
    expect(proxy.metrics().compared).toMatchObject({ not_compared: 1, mismatch: 1 });
  });
});
