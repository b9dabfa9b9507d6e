import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Rate limit of `POST /payments` per API key: a bucket of `burst` tokens, one back every `refillSeconds`. */
export interface RateLimitOptions {
  burst: number;
  refillSeconds: number;
}

export interface RewriteOptions {
  /** SQLite file, or ':memory:' for a fresh database. */
  dbFile: string;
  /** The snapshot loaded into an empty database. */
  seedFile: string;
  /** HMAC secret of the payment provider's webhooks. */
  webhookSecret: string;
  rateLimit?: RateLimitOptions;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 20, refillSeconds: 3 };
export const DEFAULT_WEBHOOK_SECRET = 'whsec_parity_demo';
/** How long an `Idempotency-Key` is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** How far a webhook's signed timestamp may be from now. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface ServerConfig extends RewriteOptions {
  port: number;
  host: string;
}

/** The configuration of the standalone server, from the environment. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dbFile: env.BILLING_DB || ':memory:',
    webhookSecret: env.BILLING_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET,
    seedFile: locateSeedFile(path.dirname(fileURLToPath(import.meta.url))),
  };
}

/**
 * Finds examples/billing/seed.json above `start`: this module runs from the source tree (vitest)
 * and from dist/examples/billing/rewrite (built), which sit at different depths.
 */
export function locateSeedFile(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'examples', 'billing', 'seed.json');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no examples/billing/seed.json above ${start}`);
    dir = parent;
  }
}
