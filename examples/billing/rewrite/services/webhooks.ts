import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/schema.js';
import { invalidRequest } from '../http/errors.js';
import type { Outbox } from '../repositories/outbox.js';
import type { PaymentRepository } from '../repositories/payments.js';
import type { ProviderEventRepository } from '../repositories/provider-events.js';

interface SignatureHeader {
  /** Unix seconds, as signed: the digits exactly as they came. */
  timestamp: string;
  signatures: string[];
}

/** `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, or undefined if malformed. */
export function parseSignatureHeader(header: string | undefined): SignatureHeader | undefined {
  if (header === undefined) return undefined;
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') timestamp = value;
    else if (key === 'v1') signatures.push(value);
  }
  if (timestamp === undefined || !/^\d+$/.test(timestamp) || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** HMAC-SHA256 (hex) of `<timestamp>.<raw body>`. */
export function sign(secret: string, timestamp: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface ProviderEvent {
  id?: unknown;
  type?: unknown;
  data?: { payment?: unknown };
}

export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly secret: string,
    private readonly toleranceSeconds: number,
    private readonly events: ProviderEventRepository,
    private readonly payments: PaymentRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Throws the 400 of the contract unless the body was signed with our secret, recently. */
  verify(header: string | undefined, rawBody: Buffer, now: number): void {
    const parsed = parseSignatureHeader(header);
    if (parsed === undefined) throw invalidRequest('Invalid signature');
    const expected = sign(this.secret, parsed.timestamp, rawBody);
    if (!parsed.signatures.some((signature) => sameText(signature, expected))) throw invalidRequest('Invalid signature');
    if (Math.abs(now - Number(parsed.timestamp)) > this.toleranceSeconds) throw invalidRequest('Timestamp outside the tolerance zone');
  }

  /** Applies an event once. Unknown types, unknown payments and repeated events change nothing. */
  handle(event: ProviderEvent, now: number): void {
    if (typeof event.id !== 'string' || event.id === '') return;
    const eventId = event.id;
    const type = typeof event.type === 'string' ? event.type : null;
    this.db.transaction(() => {
      if (!this.events.recordIfNew(eventId, type, now)) return;
      const paymentId = event.data?.payment;
      if (typeof paymentId !== 'string') return;
      const payment = this.payments.findByProviderReference(paymentId);
      if (payment === undefined) return;
      if (type === 'payment.disputed') {
        this.payments.setDisputed(payment.id, true);
        this.outbox.email('dispute.opened', { account: payment.accountId, payment: payment.id, event: eventId });
      } else if (type === 'payment.dispute_closed') {
        this.payments.setDisputed(payment.id, false);
      }
    })();
  }
}
