/**
 * Detached mode without nginx: parity receives copies as a mirror would send them, answers each at
 * once (before any upstream, however slow), then calls primary, candidate (and secondary) itself,
 * compares and records. Host and the request line's authority never choose an upstream; a full
 * queue drops and counts; `parity shadow --detached` and `shadow.mode: detached` start it. Also:
 * docs/envoy-mirror.yaml holds together (Envoy itself is not installable here).
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDetachedShadow, type DetachedShadowOptions } from '../../shadow-proxy/detached.js';
import { readShadowSessions, readShadowSummary } from '../../shadow-proxy/query.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { openStore } from '../../src/store/store.js';
import { jsonService, useLoopback } from '../helpers/loopback.js';
import { runShadow } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen, onCleanup } = useLoopback();
const tempDir = useTempDir('shadow-detached');

async function detachedOf(primary: string, candidate: string, overrides: Partial<DetachedShadowOptions> = {}) {
  const file = path.join(tempDir(), 'shadow.db');
  const store = openShadowStore(file, { flushIntervalMs: 20 });
  const shadow = await startDetachedShadow({
    primary,
    candidate,
    specs: [],
    methods: ['GET'],
    samplePercent: 100,
    queueLimit: 1_000,
    timeoutMs: 1_000,
    maxBodyBytes: 1 << 20,
    store,
    ...overrides,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await shadow.close();
    await store.close();
  };
  onCleanup(close);
  return { shadow, file, close };
}

function summaryOf(file: string) {
  const db = openStore(file, { readonly: true });
  try {
    return readShadowSummary(db.db, {});
  } finally {
    db.close();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function compared(shadow: { metrics(): { compared: Record<string, number> } }): number {
  return Object.values(shadow.metrics().compared).reduce((a, b) => a + b, 0);
}

/** A request as a mirror sends it: raw bytes, so Host and the request line are exactly as written. */
function rawRequest(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers, ...(options.body !== undefined && { 'content-length': String(Buffer.byteLength(options.body)) }) };
    const req = http.request(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('detached mode', () => {
  it('answers the mirror at once, before any upstream answers: a candidate stalling 5 s costs the mirror nothing', { timeout: 20_000 }, async () => {
    const primary = jsonService();
    const candidate = jsonService({ delayMs: 5_000 });
    const { shadow, file, close } = await detachedOf(await listen(primary.server), await listen(candidate.server));

    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => send(`${shadow.url}/orders/${i}`)));
    const elapsed = performance.now() - started;
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(answers.every((a) => a.body === '')).toBe(true);
    expect(elapsed).toBeLessThan(500);

    // The upstreams are called after the answer, by parity itself; the stalled candidate times out (1 s).
    await until(() => compared(shadow) === 5, 'five comparisons');
    expect(primary.seen).toHaveLength(5);
    expect(candidate.seen).toHaveLength(5);
    expect(shadow.metrics()).toMatchObject({ requests: 5, mirrored: 5, dropped: 0, compared: { candidate_error: 5 } });
    await close();
    expect(summaryOf(file).endpoints).toEqual([
      expect.objectContaining({ endpoint: 'GET /orders/{id}', outcomes: expect.objectContaining({ candidate_error: 5 }) }),
    ]);
  });

  it('compares primary, candidate and secondary, and records matches and the planted difference', async () => {
    const primary = jsonService();
    const secondary = jsonService();
    const candidate = jsonService({ differ: (p) => p === '/orders/2' });
    const { shadow, file, close } = await detachedOf(await listen(primary.server), await listen(candidate.server), {
      secondary: await listen(secondary.server),
    });
    const targets = ['/orders/1', '/orders/2', '/customers/7', '/orders/2', '/nowhere'];
    for (const target of targets) expect((await send(shadow.url + target)).status).toBe(202);
    await until(() => compared(shadow) === targets.length, 'the comparisons');
    expect(secondary.seen.map((r) => r.url)).toEqual(expect.arrayContaining(targets));
    expect(shadow.metrics().compared).toMatchObject({ match: 3, mismatch: 2 });
    await close();
    const orders = summaryOf(file).endpoints.find((e) => e.endpoint === 'GET /orders/{id}')!;
    expect(orders.outcomes).toMatchObject({ match: 1, mismatch: 2 });
    expect(orders.signatures).toHaveLength(1);
    expect(orders.signatures[0]!.signature).toContain('$.total');
  });

  it('ignores Host and the request line authority, and strips hop-by-hop headers', async () => {
    const primary = jsonService();
    const candidate = jsonService();
    const primaryUrl = await listen(primary.server);
    const candidateUrl = await listen(candidate.server);
    const { shadow } = await detachedOf(primaryUrl, candidateUrl);
    // A copy as Envoy sends it (Host suffixed "-shadow"), and one with an absolute-form request line.
    const envoyCopy = await rawRequest(
      shadow.url,
      'GET /orders/3?x=1 HTTP/1.1\r\nHost: shop.example.com-shadow\r\nX-Request-Id: r1\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-Hop: 1\r\nConnection: close, X-Hop\r\n\r\n',
    );
    const absolute = await rawRequest(
      shadow.url,
      'GET http://internal.example:9999/orders/4 HTTP/1.1\r\nHost: internal.example:9999\r\nConnection: close\r\n\r\n',
    );
    expect(envoyCopy).toMatch(/^HTTP\/1\.1 202 /);
    expect(absolute).toMatch(/^HTTP\/1\.1 202 /);
    await until(() => compared(shadow) === 2, 'two comparisons');
    for (const [service, url] of [
      [primary, primaryUrl],
      [candidate, candidateUrl],
    ] as const) {
      expect(service.seen.map((r) => r.url).sort()).toEqual(['/orders/3?x=1', '/orders/4']);
      for (const seen of service.seen) {
        expect(seen.headers.host).toBe(new URL(url).host);
        expect(seen.headers['proxy-connection']).toBeUndefined();
        expect(seen.headers.te).toBeUndefined();
        expect(seen.headers['x-hop']).toBeUndefined();
      }
      expect(service.seen.find((r) => r.url === '/orders/3?x=1')!.headers['x-request-id']).toBe('r1');
    }
  });

  it('a full queue drops copies and counts them, in the metrics and the store; the mirror is still answered at once', { timeout: 20_000 }, async () => {
    const primary = jsonService();
    const candidate = jsonService({ delayMs: 5_000 });
    const { shadow, file, close } = await detachedOf(await listen(primary.server), await listen(candidate.server), {
      queueLimit: 3,
      mirrorConcurrency: 1,
      timeoutMs: 300,
    });
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => send(`${shadow.url}/customers/${i}`)));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const metrics = shadow.metrics();
    expect(metrics.queueDepth).toBeLessThanOrEqual(3);
    expect(metrics.dropped).toBeGreaterThanOrEqual(30 - 3 - 1);
    await close();
    const [endpoint] = summaryOf(file).endpoints;
    expect(endpoint!.outcomes.dropped).toBe(metrics.dropped);
    expect(endpoint!.outcomes.candidate_error).toBe(30 - metrics.dropped);
  });

  it('acknowledges but does not compare what the policy leaves out, bodies over the cap, and copies the primary cannot answer', async () => {
    const primary = jsonService();
    const candidate = jsonService();
    const { shadow } = await detachedOf(await listen(primary.server), await listen(candidate.server), { maxBodyBytes: 100 });
    expect((await send(`${shadow.url}/orders/1`, { method: 'POST', body: '{}' })).status).toBe(202);
    expect((await send(`${shadow.url}/orders/1`, { method: 'GET', body: 'x'.repeat(500) })).status).toBe(202);
    expect(shadow.metrics()).toMatchObject({ requests: 2, mirrored: 0 });
    expect(primary.seen).toHaveLength(0);

    const down = net.createServer();
    const downUrl = await listen(down);
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const { shadow: orphan } = await detachedOf(downUrl, await listen(jsonService().server));
    expect((await send(`${orphan.url}/orders/1`)).status).toBe(202);
    await until(() => orphan.metrics().primaryErrors === 1, 'the primary error');
    expect(compared(orphan)).toBe(0);
  });

  it('answers /__parity/health and /__parity/metrics like inline', async () => {
    const { shadow } = await detachedOf(await listen(jsonService().server), await listen(jsonService().server));
    await send(`${shadow.url}/orders/1`);
    await until(() => compared(shadow) === 1, 'one comparison');
    expect(await (await fetch(`${shadow.url}/__parity/health`)).json()).toMatchObject({ status: 'ok', mode: 'detached', requests: 1, mirrored: 1 });
    const metrics = await (await fetch(`${shadow.url}/__parity/metrics`)).text();
    expect(metrics).toContain('parity_shadow_requests_total 1\n');
    expect(metrics).toContain('parity_shadow_compared_total{outcome="match"} 1\n');
    expect((await fetch(`${shadow.url}/__parity/nope`)).status).toBe(404);
  });
});

describe('parity shadow --detached', () => {
  it('starts from the flag, prints where it listens and how to point a mirror at it, and drains on SIGTERM', async () => {
    const primary = await listen(jsonService().server);
    const candidate = await listen(jsonService({ differ: (p) => p === '/orders/2' }).server);
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${primary}"}\nrewrite: {url: "${candidate}"}\n` });
    const { url, io, stop } = await runShadow(dir, '--detached');
    expect(io.err()).toContain(`point a mirror at it: nginx \`mirror /__mirror;\` + \`proxy_pass ${url}$request_uri;\``);
    expect(io.err()).toContain('docs/envoy-mirror.yaml');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(`${url}/orders/${i % 4}`)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(await stop()).toBe(0);
    const result = JSON.parse(io.out()) as { written: number; lost: number; metrics: { requests: number; compared: Record<string, number> } };
    expect(result).toMatchObject({ written: 20, lost: 0, metrics: { requests: 20, compared: { match: 15, mismatch: 5 } } });
    const db = openStore(path.join(dir, '.parity', 'parity.db'), { readonly: true });
    try {
      expect(readShadowSessions(db.db).at(-1)!.info).toMatchObject({ mode: 'detached', primary, candidate });
    } finally {
      db.close();
    }
  });

  it('starts from shadow.mode: detached in parity.yaml', async () => {
    const primary = await listen(jsonService().server);
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${primary}"}\nrewrite: {url: "${primary}"}\nshadow: {mode: detached}\n` });
    const { url, io, stop } = await runShadow(dir);
    expect((await send(`${url}/customers/1`)).status).toBe(202);
    expect(await stop()).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ written: 1, metrics: { requests: 1, compared: { match: 1 } } });
  });
});

describe('docs/envoy-mirror.yaml', () => {
  it('is YAML with a v3 static config whose route mirrors to a parity cluster that exists', () => {
    const config = parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'envoy-mirror.yaml'), 'utf8')) as EnvoyConfig;
    const clusters = config.static_resources.clusters;
    const names = clusters.map((c) => c.name);
    for (const cluster of clusters) {
      expect(cluster.load_assignment.cluster_name).toBe(cluster.name);
      // Envoy durations are protobuf Durations: seconds with an "s" ("0.2s", never "200ms").
      expect(cluster.connect_timeout).toMatch(/^\d+(\.\d+)?s$/);
      const endpoint = cluster.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address;
      expect(endpoint.port_value).toBeGreaterThan(0);
    }
    const managers = config.static_resources.listeners.map((listener) => listener.filter_chains[0]!.filters[0]!);
    for (const manager of managers) {
      expect(manager.name).toBe('envoy.filters.network.http_connection_manager');
      expect(manager.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
      expect(manager.typed_config.http_filters.at(-1)!.name).toBe('envoy.filters.http.router');
    }
    const routesOf = (manager: (typeof managers)[number]) => manager.typed_config.route_config.virtual_hosts.flatMap((v) => v.routes);
    const routes = managers.flatMap(routesOf);
    const mirrored = routes.filter((r) => r.route.request_mirror_policies !== undefined);
    expect(mirrored.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(names).toContain(route.route.cluster);
      for (const policy of route.route.request_mirror_policies ?? []) {
        expect(names).toContain(policy.cluster);
        expect(policy.cluster).not.toBe(route.route.cluster);
        expect(policy.runtime_fraction?.default_value.denominator ?? 'HUNDRED').toMatch(/^(HUNDRED|TEN_THOUSAND|MILLION)$/);
      }
    }
    // The copies go to the session listener, which hashes on the client's address over a ring of comparators.
    const mirrorCluster = clusters.find((c) => c.name === mirrored[0]!.route.request_mirror_policies![0]!.cluster)!;
    const mirrorPort = mirrorCluster.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address.port_value;
    const sessions = config.static_resources.listeners.findIndex((listener) => listener.address.socket_address.port_value === mirrorPort);
    expect(sessions).toBeGreaterThan(0);
    expect(managers[0]!.typed_config.use_remote_address).toBe(true);
    const [sessionRoute] = routesOf(managers[sessions]!);
    expect(sessionRoute!.route.hash_policy).toEqual([{ header: { header_name: 'x-forwarded-for' } }]);
    expect(sessionRoute!.route.cluster).toBe('parity_detached');
    const parity = clusters.find((c) => c.name === 'parity_detached')!;
    expect(parity.lb_policy).toBe('RING_HASH');
    expect(parity.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address.port_value).toBe(8480);
  });
});

interface EnvoyConfig {
  static_resources: {
    listeners: {
      address: { socket_address: { address: string; port_value: number } };
      filter_chains: {
        filters: {
          name: string;
          typed_config: {
            '@type': string;
            use_remote_address?: boolean;
            route_config: {
              virtual_hosts: { routes: { route: { cluster: string; request_mirror_policies?: MirrorPolicy[]; hash_policy?: unknown[] } }[] }[];
            };
            http_filters: { name: string }[];
          };
        }[];
      }[];
    }[];
    clusters: {
      name: string;
      lb_policy: string;
      connect_timeout: string;
      load_assignment: {
        cluster_name: string;
        endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[];
      };
    }[];
  };
}

interface MirrorPolicy {
  cluster: string;
  runtime_fraction?: { default_value: { numerator: number; denominator?: string } };
}
