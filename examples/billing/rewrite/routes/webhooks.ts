import type { FastifyPluginAsync } from 'fastify';
import { nowSeconds } from '../domain/time.js';
import { fieldsOf, rawBodyOf } from '../http/body.js';
import type { ProviderEvent, WebhookService } from '../services/webhooks.js';

/** The payment provider's callbacks: signed with the shared secret instead of an API key. */
export const webhookRoutes: FastifyPluginAsync<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.post('/webhooks/provider', async (request) => {
    const header = request.headers['provider-signature'];
    const now = nowSeconds();
    webhooks.verify(Array.isArray(header) ? header.join(', ') : header, rawBodyOf(request), now);
    webhooks.handle(fieldsOf(request) as ProviderEvent, now);
    return { received: true };
  });
};
