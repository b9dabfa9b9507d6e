import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IDEMPOTENCY_TTL_SECONDS } from '../config.js';
import { nowSeconds } from '../domain/time.js';
import type { IdempotencyRepository } from '../repositories/idempotency.js';
import { callerOf } from './context.js';
import { conflict } from './errors.js';

interface PendingKey {
  key: string;
  requestHash: string;
}

/** Fingerprint of a request's parameters: its parsed JSON body. */
export function requestHash(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body ?? {}))
    .digest('hex');
}

/**
 * `Idempotency-Key` support for one route: `preHandler` answers a key seen before (per account,
 * within 24 hours) with the stored status and body, and `onSend` stores the first response.
 */
export function idempotency(records: IdempotencyRepository) {
  const pending = new WeakMap<FastifyRequest, PendingKey>();

  async function replayIfSeen(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const header = request.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) return undefined;
    const { account } = callerOf(request);
    const hash = requestHash(request.body);
    const record = records.find(account.id, key, nowSeconds() - IDEMPOTENCY_TTL_SECONDS);
    if (record === undefined) {
      pending.set(request, { key, requestHash: hash });
      return undefined;
    }
    if (record.requestHash !== hash) throw conflict('Keys for idempotent requests can only be used with the same parameters');
    return reply.code(record.status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(record.body);
  }

  async function storeResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const key = pending.get(request);
    if (key !== undefined && reply.statusCode < 500 && typeof payload === 'string') {
      records.save({
        accountId: callerOf(request).account.id,
        key: key.key,
        requestHash: key.requestHash,
        status: reply.statusCode,
        body: payload,
        created: nowSeconds(),
      });
    }
    return payload;
  }

  return { preHandler: replayIfSeen, onSend: storeResponse };
}
