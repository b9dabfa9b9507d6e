/**
 * Start the bundled billing services in-process: for tests, the demo and the benchmarks.
 *
 *   const legacy = await startBilling('legacy');   // port 0 picks a free port
 *   await fetch(`${legacy.url}/customers`, { headers: { authorization: `Bearer ${ACME_KEY}` } });
 *   await legacy.close();
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../../src/package-info.js';
import { buildRewrite } from './rewrite/app.js';

export type BillingImpl = 'legacy' | 'rewrite';

export interface BillingOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** SQLite file, or ':memory:' (the default) for a fresh database. */
  dbFile?: string;
  webhookSecret?: string;
  /** Rate limit of POST /payments per API key: a bucket of `burst` tokens, one back every `refillSeconds`. */
  rateLimit?: { burst: number; refillSeconds: number };
}

export interface RunningBilling {
  impl: BillingImpl;
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_WEBHOOK_SECRET = 'whsec_parity_demo';

export function billingDir(): string {
  return path.join(packageRoot(), 'examples', 'billing');
}

export function seedPath(): string {
  return path.join(billingDir(), 'seed.json');
}

export interface SeedAccount {
  id: string;
  name: string;
  api_key: string;
}

export interface Seed {
  accounts: SeedAccount[];
  customers: { id: string; account: string; email: string; address: unknown; created: number }[];
  invoices: { id: string; account: string; customer: string; status: string; total: number; amount_paid: number; created: number }[];
  payments: { id: string; account: string; invoice: string; amount: number }[];
  refunds: { id: string; account: string; payment: string; amount: number }[];
  subscriptions: { id: string; account: string; customer: string; status: string }[];
}

export function loadSeed(): Seed {
  return JSON.parse(fs.readFileSync(seedPath(), 'utf8')) as Seed;
}

interface LegacyModule {
  createApp(options: { dbFile: string; seedFile: string; webhookSecret: string; rateLimit?: { burst: number; refillSeconds: number } }): {
    app: http.RequestListener;
    close(): void;
  };
}

export async function startBilling(impl: BillingImpl, options: BillingOptions = {}): Promise<RunningBilling> {
  const host = options.host ?? '127.0.0.1';
  const common = {
    dbFile: options.dbFile ?? ':memory:',
    seedFile: seedPath(),
    webhookSecret: options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET,
    ...(options.rateLimit && { rateLimit: options.rateLimit }),
  };
  if (impl === 'rewrite') {
    const app = await buildRewrite(common);
    await app.listen({ port: options.port ?? 0, host });
    const { port } = app.server.address() as AddressInfo;
    return { impl, url: `http://${host}:${port}`, close: () => app.close() };
  }
  // The legacy is plain CommonJS, outside the TypeScript build: load it from the source tree.
  const require = createRequire(import.meta.url);
  const legacy = require(path.join(billingDir(), 'legacy', 'app.js')) as LegacyModule;
  const { app, close } = legacy.createApp(common);
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    impl,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          close();
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
