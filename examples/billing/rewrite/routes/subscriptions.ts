import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isBillingInterval } from '../domain/subscription.js';
import { fieldsOf, type Fields } from '../http/body.js';
import { callerOf } from '../http/context.js';
import { invalidParam, missingParam } from '../http/errors.js';
import { presentSubscription } from '../http/presenters.js';
import { currency, optionalBoolean, positiveInteger, requiredId } from '../http/validation.js';
import type { NewSubscription, SubscriptionService } from '../services/subscriptions.js';

type IdParams = { Params: { id: string } };

function readNewSubscription(fields: Fields): NewSubscription {
  const customerId = requiredId(fields, 'customer');
  if (typeof fields.plan !== 'string' || fields.plan === '') throw missingParam('plan');
  const plan = fields.plan;
  const amount = positiveInteger(fields.amount, 'amount');
  if (fields.interval === undefined || fields.interval === null) throw missingParam('interval');
  if (!isBillingInterval(fields.interval)) throw invalidParam(`Invalid interval: ${String(fields.interval)}`, 'interval');
  return { customerId, plan, amount, interval: fields.interval, currency: currency(fields) };
}

export const subscriptionRoutes: FastifyPluginAsync<{ subscriptions: SubscriptionService }> = async (app, { subscriptions }) => {
  app.post('/', async (request, reply) => {
    const input = readNewSubscription(fieldsOf(request));
    return reply.code(201).send(presentSubscription(subscriptions.create(callerOf(request).account.id, input)));
  });

  app.post('/:id/cancel', async (request: FastifyRequest<IdParams>) => {
    const atPeriodEnd = optionalBoolean(fieldsOf(request), 'at_period_end', false);
    return presentSubscription(subscriptions.cancel(callerOf(request).account.id, request.params.id, atPeriodEnd));
  });
};
