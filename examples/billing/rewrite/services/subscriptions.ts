import type { Db } from '../db/schema.js';
import { newId } from '../domain/ids.js';
import { periodEnd, type BillingInterval, type Subscription } from '../domain/subscription.js';
import { nowSeconds } from '../domain/time.js';
import { conflict, notFound } from '../http/errors.js';
import type { CustomerRepository } from '../repositories/customers.js';
import type { Outbox } from '../repositories/outbox.js';
import type { SubscriptionRepository } from '../repositories/subscriptions.js';

export interface NewSubscription {
  customerId: string;
  plan: string;
  amount: number;
  interval: BillingInterval;
  currency: string;
}

export class SubscriptionService {
  constructor(
    private readonly db: Db,
    private readonly subscriptions: SubscriptionRepository,
    private readonly customers: CustomerRepository,
    private readonly outbox: Outbox,
  ) {}

  create(accountId: string, input: NewSubscription): Subscription {
    if (this.customers.findById(accountId, input.customerId) === undefined) throw notFound('customer', input.customerId);
    const now = nowSeconds();
    const subscription: Subscription = {
      id: newId('sub'),
      accountId,
      customerId: input.customerId,
      plan: input.plan,
      amount: input.amount,
      currency: input.currency,
      interval: input.interval,
      status: 'active',
      cancelAtPeriodEnd: false,
      currentPeriodStart: now,
      currentPeriodEnd: periodEnd(now, input.interval),
      canceledAt: null,
      created: now,
    };
    this.db.transaction(() => {
      this.subscriptions.insert(subscription);
      this.outbox.job('subscription.renew', { subscription: subscription.id, run_at: subscription.currentPeriodEnd });
    })();
    return subscription;
  }

  /** Cancels now, or at the end of the current period (the subscription stays active until then). */
  cancel(accountId: string, id: string, atPeriodEnd: boolean): Subscription {
    return this.db.transaction(() => {
      const subscription = this.subscriptions.findById(accountId, id);
      if (subscription === undefined) throw notFound('subscription', id);
      if (subscription.status === 'canceled') throw conflict(`Subscription ${id} is already canceled`);
      if (atPeriodEnd) this.subscriptions.cancelAtPeriodEnd(id);
      else this.subscriptions.cancelNow(id, nowSeconds());
      const customer = this.customers.findById(accountId, subscription.customerId);
      this.outbox.email('subscription.canceled', { to: customer?.email ?? null, subscription: id, at_period_end: atPeriodEnd });
      const updated = this.subscriptions.findById(accountId, id);
      if (updated === undefined) throw notFound('subscription', id);
      return updated;
    })();
  }
}
