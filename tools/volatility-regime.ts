import { insufficientData, invalidInput } from "./errors.js";
import { rollingVolatility } from "./rolling.js";
import { assertFiniteArray, assertFiniteNumber } from "./validate.js";

/**
 * Volatility regime of one asset: where its current realised volatility sits within its own
 * trailing history of realised volatilities.
 */

export type VolatilityRegime = "calm" | "normal" | "stressed";

export interface RegimeParameters {
  /** Periods per year `P` used to annualise the volatility (252). */
  readonly periodsPerYear: number;
  /** Daily simple returns in each realised volatility (21 = one month). */
  readonly regimeWindow: number;
  /** Rolling volatilities, ending at today, that form the trailing history (756 = 3 years). */
  readonly regimeLookback: number;
  /** Fewest rolling volatilities accepted as a history (126 = 6 months). */
  readonly regimeMinHistory: number;
  /** Percentile rank strictly below which the regime is calm (0.33). */
  readonly calmBelow: number;
  /** Percentile rank strictly above which the regime is stressed (0.80). */
  readonly stressedAbove: number;
}

export const DEFAULT_REGIME_PARAMETERS: RegimeParameters = Object.freeze({
  periodsPerYear: 252,
  regimeWindow: 21,
  regimeLookback: 756,
  regimeMinHistory: 126,
  calmBelow: 0.33,
  stressedAbove: 0.8,
});

/**
 * Percentile rank of `score` within `values`, as a fraction: the mean of the strict rank
 * `#{v < score}/n` and the weak rank `#{v ≤ score}/n` — scipy's
 * `percentileofscore(values, score, kind="mean") / 100`. Ties count half, so a constant history
 * puts any of its own values at 0.5.
 * @example percentileOfScore([1, 2, 3, 3, 4], 3) // 0.6
 */
export function percentileOfScore(values: readonly number[], score: number): number {
  assertFiniteArray("values", values);
  if (values.length === 0) throw insufficientData("values", "requires at least 1 value");
  assertFiniteNumber("score", score);
  let below = 0;
  let equal = 0;
  for (const v of values) {
    if (v < score) below++;
    else if (v === score) equal++;
  }
  return (below + equal / 2) / values.length;
}

/** Daily returns needed for a regime: `regimeWindow + regimeMinHistory − 1`. */
export function regimeReturnsNeeded(params: RegimeParameters): number {
  return params.regimeWindow + params.regimeMinHistory - 1;
}

export interface RegimeClassification {
  readonly regime: VolatilityRegime;
  /** Current realised volatility: `std(r) · √P` of the last `regimeWindow` returns (ddof = 1). */
  readonly volatility: number;
  /** Percentile rank of the current volatility within the history ({@link percentileOfScore}). */
  readonly percentile: number;
  /** Rolling volatilities in the history (the current one included). */
  readonly history: number;
}

/**
 * Classifies the regime as of the last of `returns` (daily simple returns, oldest first, the last
 * one ending today). The history is the annualised realised volatility
 * `std(r_{s−w+1 … s}) · √P` (sample, ddof = 1, `w = regimeWindow`) for each of the last
 * `regimeLookback` days `s` (fewer when the series is shorter, but at least `regimeMinHistory`),
 * the current one included. With `q` the percentile rank of today's volatility in that history:
 * `q < calmBelow` → calm, `q > stressedAbove` → stressed, otherwise normal.
 * @example classifyVolatilityRegime([...Array(140).fill(0.01).map((r, i) => i % 2 ? r : -r),
 *   ...Array(21).fill(0.03).map((r, i) => i % 2 ? r : -r)]).regime // "stressed"
 */
export function classifyVolatilityRegime(
  returns: readonly number[],
  params: RegimeParameters = DEFAULT_REGIME_PARAMETERS,
): RegimeClassification {
  const w = params.regimeWindow;
  const needed = regimeReturnsNeeded(params);
  if (!Array.isArray(returns)) throw invalidInput("returns", "must be an array of numbers");
  if (returns.length < needed) {
    throw insufficientData(
      "returns",
      `a volatility regime needs ${needed} returns (${params.regimeMinHistory} rolling ${w}-day volatilities), got ${returns.length}`,
    );
  }
  const used = Math.min(returns.length, params.regimeLookback + w - 1);
  const history = rollingVolatility(returns.slice(returns.length - used), w, {
    periodsPerYear: params.periodsPerYear,
  });
  const volatility = history[history.length - 1] as number;
  const percentile = percentileOfScore(history, volatility);
  const regime: VolatilityRegime =
    percentile < params.calmBelow
      ? "calm"
      : percentile > params.stressedAbove
        ? "stressed"
        : "normal";
  return { regime, volatility, percentile, history: history.length };
}
