import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { DEFAULT_RATE_LIMIT, WEBHOOK_TOLERANCE_SECONDS, type RewriteOptions } from './config.js';
import { openDatabase } from './db/schema.js';
import { seedDatabase } from './db/seed.js';
import { authenticate } from './http/auth.js';
import { registerBodyParsing } from './http/body.js';
import { errorHandler, invalidRequest, notFoundHandler } from './http/errors.js';
import { idempotency } from './http/idempotency.js';
import { parseQueryString } from './http/query.js';
import { pathOf, RouteTable } from './http/route-table.js';
import { TokenBucketLimiter } from './http/rate-limit.js';
import { AccountRepository } from './repositories/accounts.js';
import { CustomerRepository } from './repositories/customers.js';
import { IdempotencyRepository } from './repositories/idempotency.js';
import { InvoiceRepository } from './repositories/invoices.js';
import { Outbox } from './repositories/outbox.js';
import { PaymentRepository } from './repositories/payments.js';
import { ProviderEventRepository } from './repositories/provider-events.js';
import { SubscriptionRepository } from './repositories/subscriptions.js';
import { customerRoutes } from './routes/customers.js';
import { invoiceRoutes } from './routes/invoices.js';
import { paymentRoutes } from './routes/payments.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { webhookRoutes } from './routes/webhooks.js';
import { CustomerService } from './services/customers.js';
import { InvoiceService } from './services/invoices.js';
import { PaymentService } from './services/payments.js';
import { SubscriptionService } from './services/subscriptions.js';
import { WebhookService } from './services/webhooks.js';

export type { RewriteOptions } from './config.js';

/**
 * Customers and invoices authenticate every request under them, routed or not; elsewhere an
 * unknown URL is answered without asking for a key.
 */
const KEYED_PREFIX = /^\/(customers|invoices)(\/|$)/i;

/** `/customers//cus_x` is `/customers/cus_x`: one extra slash after a resource's name has always been tolerated. */
const RESOURCE_DOUBLE_SLASH = /^\/(customers|invoices|payments|subscriptions|webhooks)\/\//i;

/** The first path segment that is not valid percent-encoding. */
function undecodableSegment(url: string): string {
  const path = pathOf(url);
  return (
    path.split('/').find((segment) => {
      try {
        decodeURIComponent(segment);
        return false;
      } catch {
        return true;
      }
    }) ?? path
  );
}

/**
 * The billing service on Fastify: a SQLite database (seeded when empty), the routes, and the
 * conventions of the API (error envelope, trailing slashes, JSON bodies). Closing the app closes
 * the database.
 */
export async function buildRewrite(options: RewriteOptions): Promise<FastifyInstance> {
  const db = openDatabase(options.dbFile);
  try {
    seedDatabase(db, options.seedFile);
  } catch (error) {
    db.close();
    throw error;
  }

  const accounts = new AccountRepository(db);
  const customerRepository = new CustomerRepository(db);
  const invoiceRepository = new InvoiceRepository(db);
  const paymentRepository = new PaymentRepository(db);
  const subscriptionRepository = new SubscriptionRepository(db);
  const outbox = new Outbox(db);

  const customers = new CustomerService(db, customerRepository, outbox);
  const invoices = new InvoiceService(db, invoiceRepository, customerRepository, outbox);
  const payments = new PaymentService(db, paymentRepository, invoiceRepository, customerRepository, outbox);
  const subscriptions = new SubscriptionService(db, subscriptionRepository, customerRepository, outbox);
  const webhooks = new WebhookService(db, options.webhookSecret, WEBHOOK_TOLERANCE_SECONDS, new ProviderEventRepository(db), paymentRepository, outbox);
  const limiter = new TokenBucketLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const auth = authenticate(accounts);
  const authUnderKeyedPrefix = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (KEYED_PREFIX.test(pathOf(request.url))) await auth(request, reply);
  };

  const app = Fastify({
    logger: false,
    // Node's own default, so that keep-alive behaves like any plain Node server.
    keepAliveTimeout: 5_000,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 4_096, querystringParser: parseQueryString },
    rewriteUrl: (request) => (request.url ?? '/').replace(RESOURCE_DOUBLE_SLASH, '/$1/'),
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') {
        // A route's parameter that is not valid percent-encoding is a client error; a path that
        // matches no route stays an unknown URL.
        authUnderKeyedPrefix(request, reply).then(
          () => {
            if (routes.isRouted(request.url)) errorHandler(invalidRequest(`Failed to decode param '${undecodableSegment(request.url)}'`), request, reply);
            else notFoundHandler(request, reply);
          },
          (authError: unknown) => errorHandler(authError, request, reply),
        );
        return;
      }
      errorHandler(error, request, reply);
    },
  });
  app.addHook('onClose', async () => {
    db.close();
  });

  registerBodyParsing(app);
  app.setErrorHandler(errorHandler);
  // An empty path segment names nothing: `/customers//` is no route, not a customer with id "".
  app.addHook('preValidation', async (request, reply) => {
    if (Object.values(request.params as Record<string, string>).includes('')) return reply.callNotFound();
    return undefined;
  });
  const routes = new RouteTable(app);

  await app.register(webhookRoutes, { webhooks });
  await app.register(async (api) => {
    api.addHook('preHandler', auth);
    await api.register(customerRoutes, { prefix: '/customers', customers });
    await api.register(invoiceRoutes, { invoices });
    await api.register(paymentRoutes, { prefix: '/payments', payments, limiter, idempotency: idempotency(new IdempotencyRepository(db)) });
    await api.register(subscriptionRoutes, { prefix: '/subscriptions', subscriptions });
  });
  app.setNotFoundHandler({ preHandler: authUnderKeyedPrefix }, (request, reply) => {
    if (!routes.answerOptions(request, reply)) notFoundHandler(request, reply);
  });

  await app.ready();
  return app;
}
