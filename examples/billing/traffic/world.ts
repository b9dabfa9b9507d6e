/** The seed as the traffic generator sees it, and the small PRNG that makes its plan deterministic. */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../src/package-info.js';
import { seededRandom } from '../../../src/random.js';

/** The well-known payment of DIFFERENCES.md B3, kept out of every other scenario. */
export const B3_PAYMENT = 'py_5eed000000000b03';

// ---------------------------------------------------------------------------------------------
// Seed
// ---------------------------------------------------------------------------------------------

/** The parts of seed.json the generator uses. */
export interface TrafficSeed {
  accounts: { id: string; api_key: string }[];
  customers: { id: string; account: string; email: string; address: unknown; created: number }[];
  invoices: { id: string; account: string; customer: string; status: string; created: number }[];
  payments: { id: string; account: string; invoice: string; amount: number }[];
  refunds: { payment: string; amount: number }[];
  subscriptions: { id: string; account: string; customer: string; status: string }[];
}

export function defaultSeedFile(): string {
  return path.join(packageRoot(), 'examples', 'billing', 'seed.json');
}

export function loadTrafficSeed(file: string = defaultSeedFile()): TrafficSeed {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TrafficSeed;
}

export type Customer = TrafficSeed['customers'][number];
export type Invoice = TrafficSeed['invoices'][number];
export type Payment = TrafficSeed['payments'][number];
export type Subscription = TrafficSeed['subscriptions'][number];

/** The seed, cut into pools so that state-changing scenarios do not use each other's objects up. */
export interface World {
  accountIds: string[];
  keyOf: Map<string, string>;
  customers: Customer[];
  customersOf: Map<string, Customer[]>;
  nullAddress: Customer[];
  withAddress: Customer[];
  /** Customer id -> its invoices, newest first (the legacy's order). */
  invoicesOfCustomer: Map<string, Invoice[]>;
  /** Customers whose first invoice page is ordered differently by `id` alone (R1). */
  r1Customers: Customer[];
  invoices: Invoice[];
  finalizeDrafts: Invoice[];
  voidDrafts: Invoice[];
  payOpen: Invoice[];
  voidOpen: Invoice[];
  paid: Invoice[];
  voided: Invoice[];
  /** Every seeded payment but the B3 one (whose legacy state diverges on purpose). */
  payments: Payment[];
  refundable: Payment[];
  b3Payment: Payment | undefined;
  periodEndSubs: Subscription[];
  cancelNowSubs: Subscription[];
  canceledSubs: Subscription[];
}

export function buildWorld(seed: TrafficSeed): World {
  const keyOf = new Map(seed.accounts.map((a) => [a.id, a.api_key]));
  const accountIds = seed.accounts.map((a) => a.id);
  const customers = seed.customers.filter((c) => keyOf.has(c.account));
  const customersOf = new Map<string, Customer[]>(accountIds.map((id) => [id, customers.filter((c) => c.account === id)]));
  const invoices = seed.invoices.filter((i) => keyOf.has(i.account));
  const invoicesOfCustomer = new Map<string, Invoice[]>();
  for (const invoice of invoices) {
    const list = invoicesOfCustomer.get(invoice.customer) ?? [];
    list.push(invoice);
    invoicesOfCustomer.set(invoice.customer, list);
  }
  const byCreatedDesc = (a: Invoice, b: Invoice) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  const byIdDesc = (a: Invoice, b: Invoice) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  const r1Customers: Customer[] = [];
  for (const customer of customers) {
    const list = (invoicesOfCustomer.get(customer.id) ?? []).sort(byCreatedDesc);
    const page = (sorted: Invoice[]) =>
      sorted
        .slice(0, 10)
        .map((i) => i.id)
        .join();
    if (list.length >= 2 && page(list) !== page([...list].sort(byIdDesc))) r1Customers.push(customer);
  }
  const withStatus = (status: string) => invoices.filter((i) => i.status === status);
  const drafts = withStatus('draft');
  const open = withStatus('open');
  const refunded = new Map<string, number>();
  for (const refund of seed.refunds) refunded.set(refund.payment, (refunded.get(refund.payment) ?? 0) + refund.amount);
  const payments = seed.payments.filter((p) => keyOf.has(p.account) && p.id !== B3_PAYMENT);
  const subs = seed.subscriptions.filter((s) => keyOf.has(s.account));
  const active = subs.filter((s) => s.status === 'active');
  return {
    accountIds,
    keyOf,
    customers,
    customersOf,
    nullAddress: customers.filter((c) => c.address === null),
    withAddress: customers.filter((c) => c.address !== null),
    invoicesOfCustomer,
    r1Customers,
    invoices,
    // Seeded drafts: half are finalized, half voided (and paid, for the 409); seeded open
    // invoices: two thirds are paid, one third voided.
    finalizeDrafts: drafts.filter((_, i) => i % 2 === 0),
    voidDrafts: drafts.filter((_, i) => i % 2 === 1),
    payOpen: open.filter((_, i) => i % 3 !== 2),
    voidOpen: open.filter((_, i) => i % 3 === 2),
    paid: withStatus('paid'),
    voided: withStatus('void'),
    payments,
    refundable: payments.filter((p) => p.amount - (refunded.get(p.id) ?? 0) >= 1000),
    b3Payment: seed.payments.find((p) => p.id === B3_PAYMENT && keyOf.has(p.account)),
    periodEndSubs: active.filter((_, i) => i % 2 === 0),
    cancelNowSubs: active.filter((_, i) => i % 2 === 1),
    canceledSubs: subs.filter((s) => s.status === 'canceled'),
  };
}

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough for a workload. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new Error('pick from an empty list');
    return list[this.int(0, list.length - 1)] as T;
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }
  /** One of the keys of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [key, weight] of entries) {
      x -= weight;
      if (x < 0) return key;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }
}
