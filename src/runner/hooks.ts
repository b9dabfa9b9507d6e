/**
 * Request hooks: a JavaScript module named by `hooks:` in parity.yaml that computes values a
 * static spec cannot hold, such as an HMAC signature over the exact bytes of a request body
 * or a freshly minted token. Its `requestVariables(request)` runs once per request, after the
 * path, query and body are rendered and before the headers are; the names it returns fill
 * `{{name}}` placeholders in that request's headers.
 *
 *   // parity-hooks.mjs
 *   import crypto from 'node:crypto';
 *   export function requestVariables({ body }) {
 *     const t = Math.floor(Date.now() / 1000);
 *     const v1 = crypto.createHmac('sha256', process.env.WEBHOOK_SECRET).update(`${t}.${body ?? ''}`).digest('hex');
 *     return { provider_signature: `t=${t},v1=${v1}` };
 *   }
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ParityError } from '../errors.js';

export interface HookRequest {
  target: 'legacy' | 'rewrite';
  baseUrl: string;
  method: string;
  /** Path and query as they will be sent. */
  path: string;
  /** The exact body bytes that will be sent, or null. */
  body: Buffer | null;
}

export interface RequestHooks {
  requestVariables?(request: HookRequest): Record<string, string> | Promise<Record<string, string>>;
}

export async function loadHooks(file: string, shown: string): Promise<RequestHooks> {
  if (!fs.existsSync(file)) throw new ParityError('HOOKS_INVALID', `hooks: ${shown} does not exist`, { hint: 'fix `hooks:` in parity.yaml' });
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ParityError('HOOKS_INVALID', `hooks: ${shown} failed to load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const requestVariables = module.requestVariables;
  if (typeof requestVariables !== 'function') {
    throw new ParityError('HOOKS_INVALID', `hooks: ${shown} does not export a function requestVariables(request)`, {
      hint: 'export function requestVariables({ target, method, path, body }) { return { name: "value" }; }',
    });
  }
  return { requestVariables: requestVariables as NonNullable<RequestHooks['requestVariables']> };
}

/** The hook's variables for one request, checked to be a mapping of strings. */
export async function hookVariables(hooks: RequestHooks | undefined, request: HookRequest, shown: string): Promise<Record<string, string>> {
  if (!hooks?.requestVariables) return {};
  let result: unknown;
  try {
    result = await hooks.requestVariables(request);
  } catch (error) {
    throw new ParityError('HOOKS_INVALID', `hooks: ${shown}: requestVariables threw: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result) || Object.values(result).some((v) => typeof v !== 'string')) {
    throw new ParityError('HOOKS_INVALID', `hooks: ${shown}: requestVariables must return an object of strings, got ${JSON.stringify(result)}`);
  }
  return result as Record<string, string>;
}
