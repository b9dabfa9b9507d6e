/** A postal address. */
export interface Address {
  line1: string;
  city: string;
  postal_code: string;
  country: string;
}

export type Metadata = Record<string, string>;

export interface CustomerProfile {
  email: string;
  name: string | null;
  phone: string | null;
  address: Address | null;
  metadata: Metadata;
}

export interface Customer extends CustomerProfile {
  id: string;
  accountId: string;
  balance: number;
  created: number;
}

/** A partial update: an absent field is left unchanged. */
export interface CustomerChanges {
  email?: string;
  name?: string | null;
  phone?: string | null;
  address?: Address | null;
  metadata?: Metadata;
}

/** Emails are compared and stored trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Merges metadata: given keys overwrite, and a key set to `""` is removed. */
export function mergeMetadata(current: Metadata, changes: Metadata): Metadata {
  const merged: Metadata = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
