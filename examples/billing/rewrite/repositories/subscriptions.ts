import type { Db } from '../db/schema.js';
import type { BillingInterval, Subscription, SubscriptionStatus } from '../domain/subscription.js';

interface SubscriptionRow {
  id: string;
  account_id: string;
  customer_id: string;
  plan_code: string;
  money_cents: number;
  currency: string;
  billing_interval: BillingInterval;
  status: SubscriptionStatus;
  cancel_at_period_end: number;
  period_start: number;
  period_end: number;
  canceled_at: number | null;
  created_at: number;
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    accountId: row.account_id,
    customerId: row.customer_id,
    plan: row.plan_code,
    amount: row.money_cents,
    currency: row.currency,
    interval: row.billing_interval,
    status: row.status,
    cancelAtPeriodEnd: row.cancel_at_period_end === 1,
    currentPeriodStart: row.period_start,
    currentPeriodEnd: row.period_end,
    canceledAt: row.canceled_at,
    created: row.created_at,
  };
}

export class SubscriptionRepository {
  constructor(private readonly db: Db) {}

  insert(subscription: Subscription): void {
    this.db
      .prepare(
        `INSERT INTO subscription (id, account_id, customer_id, plan_code, money_cents, currency, billing_interval, status,
           cancel_at_period_end, period_start, period_end, canceled_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        subscription.id,
        subscription.accountId,
        subscription.customerId,
        subscription.plan,
        subscription.amount,
        subscription.currency,
        subscription.interval,
        subscription.status,
        subscription.cancelAtPeriodEnd ? 1 : 0,
        subscription.currentPeriodStart,
        subscription.currentPeriodEnd,
        subscription.canceledAt,
        subscription.created,
      );
  }

  findById(accountId: string, id: string): Subscription | undefined {
    const row = this.db.prepare('SELECT * FROM subscription WHERE account_id = ? AND id = ?').get(accountId, id) as SubscriptionRow | undefined;
    return row && toSubscription(row);
  }

  cancelNow(id: string, at: number): void {
    this.db.prepare(`UPDATE subscription SET status = 'canceled', canceled_at = ? WHERE id = ?`).run(at, id);
  }

  cancelAtPeriodEnd(id: string): void {
    this.db.prepare('UPDATE subscription SET cancel_at_period_end = 1 WHERE id = ?').run(id);
  }
}
