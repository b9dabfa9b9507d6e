import type { Fields } from './body.js';
import { invalidParam, missingParam } from './errors.js';

/**
 * Readers of body fields. Each either answers the field's value or throws the 400 of the
 * contract, naming the field in `param`. A field that is not in the body takes its default;
 * an explicit `null` is a value like any other, and only valid where null is allowed.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The id of a referenced object: a non-empty string. Its existence is checked later, after every field. */
export function requiredId(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw missingParam(name);
  return value;
}

export function positiveInteger(value: unknown, name: string, param = name): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParam(`${name} must be a positive integer`, param);
  return value;
}

export function nonNegativeInteger(value: unknown, name: string, param = name): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalidParam(`${name} must be a non-negative integer`, param);
  return value;
}

export function optionalPositiveInteger(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  return value === undefined ? undefined : positiveInteger(value, name);
}

/** A string, or null to clear it. */
export function nullableString(value: unknown, name: string): string | null {
  if (value !== null && typeof value !== 'string') throw invalidParam(`${name} must be a string or null`, name);
  return value;
}

export function optionalString(value: unknown, name: string, fallback: string, param = name): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw invalidParam(`${name} must be a string`, param);
  return value;
}

/** A three-letter currency code, answered lowercased; `usd` when not given. */
export function currency(fields: Fields): string {
  const value = fields.currency;
  if (value === undefined) return 'usd';
  if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value)) throw invalidParam(`Invalid currency: ${String(value)}`, 'currency');
  return value.toLowerCase();
}

export function optionalBoolean(fields: Fields, name: string, fallback: boolean): boolean {
  const value = fields[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidParam(`${name} must be a boolean`, name);
  return value;
}
