import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountRepository } from '../repositories/accounts.js';
import { setCaller } from './context.js';
import { unauthenticated } from './errors.js';

const BEARER = /^Bearer\s+(\S.*)$/i;

/** `sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc` → `sk_test_...p7dc`: enough to recognise a key, not to use it. */
export function maskApiKey(key: string): string {
  return `${key.slice(0, 8)}...${key.slice(-4)}`;
}

/** preHandler: resolves `Authorization: Bearer <api key>` to its account, or answers 401. */
export function authenticate(accounts: AccountRepository) {
  return async function authenticateRequest(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const match = BEARER.exec(request.headers.authorization ?? '');
    const apiKey = match?.[1]?.trim();
    if (!apiKey) throw unauthenticated('No API key provided');
    const account = accounts.findByApiKey(apiKey);
    if (account === undefined) throw unauthenticated(`Invalid API key provided: ${maskApiKey(apiKey)}`);
    setCaller(request, { account, apiKey });
  };
}
