import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isRefundReason, type RefundReason } from '../domain/payment.js';
import { fieldsOf } from '../http/body.js';
import { callerOf } from '../http/context.js';
import { invalidParam } from '../http/errors.js';
import type { idempotency } from '../http/idempotency.js';
import { presentPayment, presentRefund } from '../http/presenters.js';
import { rateLimit, type TokenBucketLimiter } from '../http/rate-limit.js';
import { optionalPositiveInteger, requiredId } from '../http/validation.js';
import type { PaymentService } from '../services/payments.js';

export interface PaymentRoutesOptions {
  payments: PaymentService;
  limiter: TokenBucketLimiter;
  idempotency: ReturnType<typeof idempotency>;
}

type IdParams = { Params: { id: string } };

function reason(value: unknown): RefundReason | null {
  if (value === undefined || value === null) return null;
  if (!isRefundReason(value)) throw invalidParam(`Invalid reason: ${String(value)}`, 'reason');
  return value;
}

export const paymentRoutes: FastifyPluginAsync<PaymentRoutesOptions> = async (app, { payments, limiter, idempotency }) => {
  app.route({
    method: 'POST',
    url: '/',
    preHandler: [rateLimit(limiter), idempotency.preHandler],
    onSend: idempotency.onSend,
    handler: async (request, reply) => {
      const fields = fieldsOf(request);
      const invoiceId = requiredId(fields, 'invoice');
      const amount = optionalPositiveInteger(fields, 'amount');
      const payment = payments.pay(callerOf(request).account.id, { invoiceId, ...(amount !== undefined && { amount }) });
      return reply.code(201).send(presentPayment(payment, []));
    },
  });

  app.get('/:id', async (request: FastifyRequest<IdParams>) => {
    const { payment, refunds } = payments.get(callerOf(request).account.id, request.params.id);
    return presentPayment(payment, refunds);
  });

  app.post('/:id/refunds', async (request: FastifyRequest<IdParams>, reply) => {
    const fields = fieldsOf(request);
    const amount = optionalPositiveInteger(fields, 'amount');
    const input = { reason: reason(fields.reason), ...(amount !== undefined && { amount }) };
    const refund = payments.refund(callerOf(request).account.id, request.params.id, input);
    return reply.code(201).send(presentRefund(refund));
  });
};
