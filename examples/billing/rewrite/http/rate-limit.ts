import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimitOptions } from '../config.js';
import { callerOf } from './context.js';
import { ApiError } from './errors.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A token bucket per key: `burst` tokens, refilled continuously at one every `refillSeconds`. */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  take(key: string): TakeResult {
    const now = this.clock();
    const refillMs = this.options.refillSeconds * 1000;
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, updatedAt: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.updatedAt) / refillMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const msUntilToken = (1 - bucket.tokens) * refillMs;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilToken / 1000)) };
    }
    bucket.tokens -= 1;
    return { allowed: true };
  }
}

/** preHandler: one token of the caller's API key per request, else 429 with `Retry-After`. */
export function rateLimit(limiter: TokenBucketLimiter) {
  return async function rateLimitRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const result = limiter.take(callerOf(request).apiKey);
    if (result.allowed) return;
    reply.header('retry-after', String(result.retryAfterSeconds));
    throw new ApiError(429, 'rate_limit_error', 'Too many requests');
  };
}
