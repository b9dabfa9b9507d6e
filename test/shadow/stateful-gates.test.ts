/**
 * The correctness gate on stateful traffic, on real servers through the real proxy and store:
 * clients create items and read them back by the ids they were given, 3,000 reads, enough for
 * the gate to decide at its defaults (zero mismatches in 2,995 requests pass).
 *
 * - A/A: the candidate is the same service with its own id sequence and token secret. It must
 *   PASS; without correlation the same traffic FAILs (the false alarm stateful shadowing removes).
 * - A/B: the candidate answers reads with a planted regression. It must FAIL, also beside a
 *   secondary that has drifted (it refuses every create, so its reads of new items are 404s):
 *   noise from a drifted secondary must not turn the regression into clean matches.
 */
import path from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import { describe, expect, it } from 'vitest';
import { buildReadinessReport, thresholdsOf } from '../../reports/readiness.js';
import { DEFAULT_CORRELATION } from '../../shadow-proxy/correlation.js';
import { startShadowProxy } from '../../shadow-proxy/proxy.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { ReportConfigSchema } from '../../src/config/schema.js';
import { useLoopback } from '../helpers/loopback.js';
import { statefulApp, type StatefulAppOptions } from '../helpers/stateful-app.js';
import { useTempDir } from '../helpers/tmp.js';

const { listen, onCleanup } = useLoopback();
const tempDir = useTempDir('stateful-gates');

const ITEMS = 60;
const READS_PER_ITEM = 50;
const CLIENTS = 6;

interface Setup {
  candidate: Partial<StatefulAppOptions>;
  secondary?: Partial<StatefulAppOptions>;
  correlation?: boolean;
}

/** Shadow the traffic; the readiness report's correctness gates of the create and the read endpoints. */
async function gates(setup: Setup) {
  const primary = await listen(statefulApp({ idStart: 1000, secret: 'legacy' }).server);
  const candidate = await listen(statefulApp({ idStart: 1, secret: 'rewrite', ...setup.candidate }).server);
  const secondary = setup.secondary ? await listen(statefulApp({ idStart: 500, secret: 'legacy-2', ...setup.secondary }).server) : undefined;
  const file = path.join(tempDir(), 'shadow.db');
  const store = openShadowStore(file);
  const proxy = await startShadowProxy({
    primary,
    candidate,
    ...(secondary && { secondary }),
    specs: [],
    store,
    methods: ['GET', 'POST'],
    queueLimit: 10_000,
    maxBodyBytes: 1 << 20,
    ...(setup.correlation !== false && { correlation: DEFAULT_CORRELATION }),
  });
  onCleanup(() => proxy.close());
  const agent = new Agent({ connections: CLIENTS });
  onCleanup(() => agent.close());
  const send = async (method: 'GET' | 'POST', target: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await undiciRequest(`${proxy.url}${target}`, {
      method,
      dispatcher: agent,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return (await res.body.json()) as Record<string, any>;
  };
  const token = (await send('POST', '/users', { username: 'ada', password: 'pw' })).user.token as string;
  const ids: number[] = [];
  for (let i = 0; i < ITEMS; i++) ids.push((await send('POST', '/items', { name: 'x' }, { authorization: `Bearer ${token}` })).id as number);
  // Every read uses an id a create gave, the way clients read what they made.
  const reads = ids.flatMap((id) => Array.from({ length: READS_PER_ITEM }, () => id));
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = client; i < reads.length; i += CLIENTS) await send('GET', `/items/${reads[i]}`);
    }),
  );
  await proxy.close();
  await store.close();
  const report = buildReadinessReport({ stores: [file], specs: [], thresholds: thresholdsOf(ReportConfigSchema.parse({})), cwd: tempDir() });
  const correctness = (endpoint: string) => {
    const found = report.endpoints.find((e) => e.endpoint === endpoint)!;
    return { status: found.gates.find((g) => g.name === 'shadow_correctness')!.status, requests: found.requests, mismatches: found.mismatches };
  };
  return { create: correctness('POST /items'), read: correctness('GET /items/{id}') };
}

describe('the correctness gate on stateful traffic', { timeout: 60_000 }, () => {
  it('A/A: the same service with its own ids passes, and would fail without correlation', async () => {
    const followed = await gates({ candidate: {} });
    expect(followed.read).toEqual({ status: 'PASS', requests: ITEMS * READS_PER_ITEM, mismatches: 0 });
    expect(followed.create).toMatchObject({ requests: ITEMS, mismatches: 0 });
    expect(followed.create.status).not.toBe('FAIL');

    const blind = await gates({ candidate: {}, correlation: false });
    expect(blind.read).toMatchObject({ status: 'FAIL', mismatches: ITEMS * READS_PER_ITEM });
  });

  it('A/B: a planted regression on the read fails, beside a secondary that has drifted too', async () => {
    const planted = await gates({ candidate: { upperCaseNames: true } });
    expect(planted.read).toEqual({ status: 'FAIL', requests: ITEMS * READS_PER_ITEM, mismatches: ITEMS * READS_PER_ITEM });

    const drifted = await gates({ candidate: { upperCaseNames: true }, secondary: { rejectName: 'x' } });
    expect(drifted.read).toMatchObject({ status: 'FAIL', mismatches: ITEMS * READS_PER_ITEM });
  });
});
