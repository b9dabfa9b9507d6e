export const SECONDS_PER_DAY = 86_400;

/** The current time in unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The UTC calendar date (`YYYY-MM-DD`) of a unix time in seconds. */
export function utcDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

export function addDays(unixSeconds: number, days: number): number {
  return unixSeconds + days * SECONDS_PER_DAY;
}
