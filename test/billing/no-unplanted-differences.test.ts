/**
 * The answer key is complete: the traffic generator's whole workload, sent to the legacy and
 * the rewrite alike, shows the planted bug fixes and regressions of DIFFERENCES.md and no other
 * difference. A small fan-out server stands in for the shadow proxy here: it forwards each
 * request to both services in turn and compares their answers with parity's comparator.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { generateTraffic, TRAFFIC_ENDPOINTS } from '../../examples/billing/traffic/generate.js';
import { compareResponses, differenceSignature, type Difference, type ResponseData } from '../../src/compare/response.js';

/** Fresh on every create, on both sides. */
const RULES = {
  ignore: [
    '$.id',
    '$.created',
    '$.finalized_at',
    '$.paid_at',
    '$.voided_at',
    '$.canceled_at',
    '$.current_period_start',
    '$.current_period_end',
    '$.data[*].id',
    '$.data[*].created',
    '$.refunds[*].id',
    '$.refunds[*].created',
  ],
};

/** Which planted difference explains a difference on an endpoint, if any. */
function explain(endpoint: string, diffs: readonly Difference[]): string | undefined {
  const only = (allowed: RegExp) => diffs.every((d) => allowed.test(`${d.pattern} ${d.kind}`));
  switch (endpoint) {
    case 'POST /invoices':
      return only(/^\$\.(tax|total|amount_remaining) value$/) ? 'B1' : undefined;
    case 'GET /invoices/{invoice_id}':
      return diffs.some((d) => d.kind === 'status' && d.primary === 403 && d.candidate === 404) ? 'B2' : undefined;
    case 'POST /payments/{payment_id}/refunds':
      return diffs.some((d) => d.kind === 'status' && d.primary === 201 && d.candidate === 400) ? 'B3' : undefined;
    case 'GET /customers/{customer_id}/invoices':
      return only(/^\$\.(data|has_more)\b/) ? 'R1' : undefined;
    case 'PATCH /customers/{customer_id}':
      return only(/^\$\.address missing$/) ? 'R2' : undefined;
    default:
      return undefined;
  }
}

const TEMPLATES = TRAFFIC_ENDPOINTS.filter((t) => t.includes(' /')).map((template) => {
  const [method, route] = template.split(' ') as [string, string];
  const pattern = route.replace(/\{[^}]+\}/g, '[^/]+');
  return { template, method, regex: new RegExp(`^${pattern}/?$`) };
});

function templateOf(method: string, url: string): string {
  const pathname = url.split('?')[0]!;
  return TEMPLATES.find((t) => t.method === method && t.regex.test(pathname))?.template ?? `${method} (unrouted)`;
}

async function forward(base: string, req: http.IncomingMessage, body: Buffer): Promise<ResponseData> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<
    string,
    string
  >;
  const response = await fetch(`${base}${req.url}`, { method: req.method!, headers, ...(body.length > 0 && { body }) });
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: Buffer.from(await response.arrayBuffer()) };
}

describe('the billing pair differs only as DIFFERENCES.md says', () => {
  let legacy: RunningBilling;
  let rewrite: RunningBilling;
  let fanOut: http.Server;
  let fanOutUrl: string;
  const explained = new Map<string, number>();
  const unexplained = new Map<string, { count: number; example: Difference[] }>();

  beforeAll(async () => {
    [legacy, rewrite] = await Promise.all([startBilling('legacy'), startBilling('rewrite')]);
    fanOut = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        // In order, legacy first: both see the same sequence, as behind a shadow proxy.
        const primary = await forward(legacy.url, req, body);
        const candidate = await forward(rewrite.url, req, body);
        const diffs = compareResponses(primary, candidate, RULES);
        if (diffs.length > 0) {
          const endpoint = templateOf(req.method!, req.url!);
          const planted = explain(endpoint, diffs);
          if (planted) explained.set(planted, (explained.get(planted) ?? 0) + 1);
          else {
            const signature = differenceSignature(endpoint, diffs);
            const seen = unexplained.get(signature);
            unexplained.set(signature, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? diffs });
          }
        }
        res.writeHead(primary.status, { 'content-type': String(primary.headers['content-type'] ?? 'application/json') });
        res.end(primary.body);
      });
    });
    await new Promise<void>((resolve) => fanOut.listen(0, '127.0.0.1', resolve));
    fanOutUrl = `http://127.0.0.1:${(fanOut.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => fanOut?.close(resolve));
    await Promise.all([legacy?.close(), rewrite?.close()]);
  });

  it('shows every planted fix and regression, and nothing else', async () => {
    const summary = await generateTraffic({ target: fanOutUrl, rps: 30, durationSeconds: 8, seed: 1, concurrency: 1, reuseCreated: false });
    expect(summary.failed).toBe(0);
    expect(Object.fromEntries(unexplained)).toEqual({});
    expect([...explained.keys()].sort()).toEqual(['B1', 'B2', 'B3', 'R1', 'R2']);
  });
});
