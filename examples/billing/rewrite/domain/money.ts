/** Basis points in one whole: 100 % = 10000 bp. */
const BP_PER_UNIT = 10_000;

/**
 * The tax on an amount of cents at a rate in basis points, rounded half up to the cent. Computed
 * in integers so that no binary fraction can tip the rounding.
 */
export function taxOn(amountCents: number, rateBp: number): number {
  return Math.floor((amountCents * rateBp + BP_PER_UNIT / 2) / BP_PER_UNIT);
}

/** A percentage given with at most two decimals (`8.25`) in basis points (`825`), or undefined if it has more. */
export function percentToBasisPoints(percent: number): number | undefined {
  const hundredths = percent * 100;
  const basisPoints = Math.round(hundredths);
  // 0.29 * 100 is 28.999999999999996: decimals are judged with a tolerance, not exactly.
  if (!Number.isFinite(hundredths) || Math.abs(hundredths - basisPoints) >= 1e-9) return undefined;
  return basisPoints + 0;
}

/** Basis points as the percentage string of the API, always with two decimals: 825 → `"8.25"`, 0 → `"0.00"`. */
export function formatPercent(rateBp: number): string {
  return `${Math.floor(rateBp / 100)}.${String(rateBp % 100).padStart(2, '0')}`;
}
