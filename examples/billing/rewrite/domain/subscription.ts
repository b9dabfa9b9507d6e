import { addDays } from './time.js';

export type BillingInterval = 'month' | 'year';
export type SubscriptionStatus = 'active' | 'canceled';

export interface Subscription {
  id: string;
  accountId: string;
  customerId: string;
  plan: string;
  amount: number;
  currency: string;
  interval: BillingInterval;
  status: SubscriptionStatus;
  cancelAtPeriodEnd: boolean;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  canceledAt: number | null;
  created: number;
}

/** Billing periods are counted in days: a month is 30 of them, a year 365. */
const PERIOD_DAYS: Record<BillingInterval, number> = { month: 30, year: 365 };

export function isBillingInterval(value: unknown): value is BillingInterval {
  return value === 'month' || value === 'year';
}

export function periodEnd(start: number, interval: BillingInterval): number {
  return addDays(start, PERIOD_DAYS[interval]);
}
