import type { FastifyRequest } from 'fastify';
import type { Account } from '../repositories/accounts.js';

export interface Caller {
  account: Account;
  apiKey: string;
}

const callers = new WeakMap<FastifyRequest, Caller>();

export function setCaller(request: FastifyRequest, caller: Caller): void {
  callers.set(request, caller);
}

/** The authenticated caller of a request that went through the auth hook. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (caller === undefined) throw new Error(`${request.method} ${request.url} reached a handler without authentication`);
  return caller;
}
