import type { Asset } from "./rebalance-input.js";

/**
 * Order sizing in lots. An order is `k` lots: `k · lotSize` units for whole-lot instruments,
 * `k · 1e-8` units (computed as `k / 1e8`) for fractional ones. `k` is a non-negative integer.
 */

const FRACTIONAL_LOTS_PER_UNIT = 1e8;

/**
 * Units of `k` lots of `asset` (≥ 0).
 * @example unitsOf({ fractional: true, ... }, 12345678) // 0.12345678
 */
export function unitsOf(asset: Asset, k: number): number {
  return asset.fractional ? k / FRACTIONAL_LOTS_PER_UNIT : k * asset.lotSize;
}

/**
 * Whole lots in `units` (≥ 0), rounded toward zero. A quotient within floating-point noise of a
 * whole number (1e-9 lots + 8 ulps of the quotient, at most 1e-6 lots) is taken as that number, so 2.9999999999999996 lots is 3, not 2.
 * Callers re-check every hard limit with {@link fitLots}, so this tolerance cannot breach one.
 * @example lotsIn({ fractional: false, lotSize: 100, ... }, 250) // 2 (2.5 lots, toward zero)
 */
export function lotsIn(asset: Asset, units: number): number {
  if (!(units > 0)) return 0;
  const q = asset.fractional ? units * FRACTIONAL_LOTS_PER_UNIT : units / asset.lotSize;
  const r = Math.round(q);
  return Math.abs(q - r) <= Math.min(1e-6, 1e-9 + 8 * Number.EPSILON * q) ? r : Math.floor(q);
}

/**
 * The largest `j ≤ k` lots whose units satisfy `ok` (0 if none): steps down one lot at a time, and
 * geometrically beyond 2⁵³ lots where `k − 1` may equal `k`. `ok` must be monotone (true for
 * smaller orders once true for a larger one).
 * @example fitLots(lotsOf100, 10, (units) => units * 7 <= 4000) // 5 (3 500 fits, 4 200 does not)
 */
export function fitLots(asset: Asset, k: number, ok: (units: number) => boolean): number {
  let j = k;
  for (let tries = 0; j > 0 && !ok(unitsOf(asset, j)); tries++) {
    j = tries < 2 ? j - 1 : Math.floor(j * (1 - 1e-12));
  }
  return j;
}
