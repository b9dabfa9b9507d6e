import { randomBytes } from 'node:crypto';

export type IdPrefix = 'cus' | 'in' | 'py' | 're' | 'sub';

/** A fresh object id: the prefix and 16 random lowercase hex digits, e.g. `cus_0123456789abcdef`. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
