import { DEFAULT_FORECAST_PARAMETERS, mean, sampleStd, sum } from "../tools/index.js";

/**
 * The per-asset forecast of the stateless rebalance (`POST /api/rebalance`): three per-period
 * signals, their equal-weight ensemble, and an honest confidence. Pure; no I/O.
 */

/** RiskMetrics (J.P. Morgan, 1996) decay of the exponentially weighted mean. */
export const EWMA_LAMBDA = 0.94;
/** The statistical evidence `z` is reported capped at this value (skill saturates at 3 anyway). */
export const EVIDENCE_Z_CAP = 100;

export interface StatelessForecast {
  /** The payload's `market_return`, per period. */
  readonly marketReturn: number;
  /** Arithmetic mean of the asset's whole `historical_returns`, per period. */
  readonly historicalMean: number;
  /** Exponentially weighted mean (λ = {@link EWMA_LAMBDA}), per period. */
  readonly ewmaMean: number;
  /** Equal-weight mean of the three signals, per period. */
  readonly ensemble: number;
  /** `ensemble · periodsPerYear` (simple, not compounded). */
  readonly expectedAnnualReturn: number;
  /** `d = √(mean_k (f_k − E)²)`: the RMS dispersion of the signals around the ensemble. */
  readonly dispersion: number;
  /** `|E| / (|E| + d)`, 0 when every signal is 0. */
  readonly agreement: number;
  /** `|mean| / (s / √n)` of the asset's returns, capped at {@link EVIDENCE_Z_CAP}. */
  readonly evidence: number;
  /** `clip((z − 1) / (3 − 1), 0, 1)`. */
  readonly skill: number;
  /** `agreement · skill` ∈ [0, 1]. */
  readonly confidence: number;
  /** Number of returns the asset's signals used (its whole history). */
  readonly observations: number;
}

/**
 * RiskMetrics exponentially weighted mean of a return series, weights normalised over the
 * finite window: `Σ_k λ^k r_{n−1−k} / Σ_k λ^k`, k = 0 for the most recent return (so a constant
 * series has that constant as its mean, whatever its length).
 *
 * @example ewmaMean([0.01, 0.03], 0.5) // (0.5·0.01 + 1·0.03) / 1.5 = 0.02333333333333333
 */
export function ewmaMean(returns: readonly number[], lambda = EWMA_LAMBDA): number {
  const n = returns.length;
  const weighted: number[] = new Array<number>(n);
  const weights: number[] = new Array<number>(n);
  let w = 1;
  for (let k = 0; k < n; k++) {
    weights[k] = w;
    weighted[k] = w * (returns[n - 1 - k] as number);
    w *= lambda;
  }
  return sum(weighted) / sum(weights);
}

/**
 * The ensemble forecast of one asset from three signals `f`, each an expected per-period simple
 * return: the payload's `market_return`, the sample mean of `historical_returns` and its EWMA
 * mean ({@link ewmaMean}, λ = 0.94).
 *
 * - Ensemble `E = (f₁ + f₂ + f₃) / 3` (equal weights: a stateless request carries no out-of-sample
 *   record that could weight the signals by skill); annualised `E · P`, simple.
 * - Agreement `a = |E| / (|E| + d)`, `d = √(mean_k (f_k − E)²)`; 0 when all signals are 0 —
 *   the definition of tools/forecast-ensemble.ts `combineSignals`.
 * - Evidence `z = |m| / (s / √n)`: the t-statistic of the historical mean `m` (s the sample
 *   standard deviation, ddof 1, n the number of returns); 0 when s = 0 and m = 0, the cap when
 *   s = 0 and m ≠ 0; capped at {@link EVIDENCE_Z_CAP}.
 * - Skill `s = clip((z − 1) / (3 − 1), 0, 1)` (the thresholds of
 *   `DEFAULT_FORECAST_PARAMETERS.skillZeroZ/skillFullZ`): none within one standard error of a
 *   zero mean, full at three.
 * - Confidence `c = a · s` ∈ [0, 1].
 *
 * @example
 * // f = (0.022, mean 0.0126, ewma 0.0571832976 / 4.43493296 = 0.0128938): E = 0.0158313,
 * // d = 0.0043636, a = E / (E + d) = 0.78393; s = 0.0054589 (ddof 1), z = 0.0126 / (s/√5)
 * // = 5.1612 → skill 1 → c = 0.78393
 * statelessForecast(0.022, [0.01, 0.012, 0.008, 0.011, 0.022], 252).confidence // 0.7839256…
 */
export function statelessForecast(
  marketReturn: number,
  returns: readonly number[],
  periodsPerYear: number,
): StatelessForecast {
  const n = returns.length;
  const historicalMean = mean(returns);
  const ewma = ewmaMean(returns);
  const signals = [marketReturn, historicalMean, ewma];
  const ensemble = sum(signals) / signals.length;
  // Scaled by the largest |f| so that tiny signals do not underflow when squared (a is scale-free).
  const scale = Math.max(...signals.map(Math.abs));
  const dispersion =
    scale > 0
      ? scale * Math.sqrt(sum(signals.map((f) => ((f - ensemble) / scale) ** 2)) / signals.length)
      : 0;
  const spread = Math.abs(ensemble) + dispersion;
  const agreement = spread > 0 ? Math.abs(ensemble) / spread : 0;

  const s = sampleStd(returns);
  let evidence: number;
  if (s > 0) evidence = Math.min(EVIDENCE_Z_CAP, Math.abs(historicalMean) / (s / Math.sqrt(n)));
  else evidence = historicalMean === 0 ? 0 : EVIDENCE_Z_CAP;
  const { skillZeroZ, skillFullZ } = DEFAULT_FORECAST_PARAMETERS;
  const skill = Math.min(1, Math.max(0, (evidence - skillZeroZ) / (skillFullZ - skillZeroZ)));
  const confidence = Math.min(1, Math.max(0, agreement * skill));
  return {
    marketReturn,
    historicalMean,
    ewmaMean: ewma,
    ensemble,
    expectedAnnualReturn: ensemble * periodsPerYear,
    dispersion,
    agreement,
    evidence,
    skill,
    confidence,
    observations: n,
  };
}
