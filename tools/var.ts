import { normalInv, normalPdf } from "./normal.js";
import { mean, quantileSorted, sampleStd, sum } from "./stats.js";
import { assertConfidence, assertSeries } from "./validate.js";

/**
 * One-period Value at Risk and Conditional Value at Risk (expected shortfall) of a return
 * series, at confidence `α` (0.95 by default). Both are **positive** loss fractions: a VaR of
 * 0.02 means a 2% loss is exceeded on (1 − α) of days. A negative figure means even the tail
 * quantile is a gain.
 */

export interface VarOptions {
  /** Confidence level α, strictly between 0 and 1 (0.95 = the 5% left tail). */
  readonly confidence?: number;
}

export const DEFAULT_VAR_OPTIONS = { confidence: 0.95 } as const;

/**
 * The tail probability `1 − α`, rounded to 12 significant digits: `1 − 0.8` is
 * 0.19999999999999996 in binary, which would put the quantile of 6 returns a hair below the 2nd
 * order statistic (h = 5·p) and drop it from the CVaR tail; the rounding gives exactly the
 * order statistics a percentile of 20 selects (numpy, empyrical).
 */
function tailProbability(options: VarOptions): number {
  const confidence = options.confidence ?? DEFAULT_VAR_OPTIONS.confidence;
  assertConfidence("confidence", confidence);
  return Number((1 - confidence).toPrecision(12));
}

/** An ascending copy (typed-array sort: numeric, no comparator callback). */
function sortedCopy(returns: readonly number[]): number[] {
  const n = returns.length;
  const typed = new Float64Array(n);
  for (let i = 0; i < n; i++) typed[i] = returns[i] as number;
  typed.sort();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(typed[i] as number);
  return out;
}

/**
 * Historical VaR `−Q_{1−α}(r)`: the (1 − α) quantile of the returns with linear interpolation
 * between order statistics (Hyndman–Fan type 7, numpy's default, as empyrical's
 * `value_at_risk`), negated so a loss is positive; `1 − α` is rounded to 12 significant digits
 * so decimal levels pick the same order statistics as a percentile would. At least 1 return.
 * @example historicalVar([-0.05, -0.01, 0, 0.02, 0.04], { confidence: 0.8 }) // 0.018000000000000002
 */
export function historicalVar(returns: readonly number[], options: VarOptions = {}): number {
  return historicalTail(returns, options).var;
}

/**
 * Historical CVaR (expected shortfall) `−mean{ r_t : r_t ≤ Q_{1−α}(r) }`, with the same type-7
 * quantile as {@link historicalVar}; positive = loss. At least 1 return (the smallest return is
 * always in the tail, so the mean is never empty).
 * @example historicalCvar([-0.05, -0.01, 0, 0.02, 0.04], { confidence: 0.8 }) // 0.05
 */
export function historicalCvar(returns: readonly number[], options: VarOptions = {}): number {
  return historicalTail(returns, options).cvar;
}

/**
 * {@link historicalVar} and {@link historicalCvar} together, from one sort of the returns.
 * @example historicalTail([-0.05, -0.01, 0, 0.02, 0.04], { confidence: 0.8 })
 *   // { var: 0.018000000000000002, cvar: 0.05 }
 */
export function historicalTail(
  returns: readonly number[],
  options: VarOptions = {},
): { var: number; cvar: number } {
  const p = tailProbability(options);
  assertSeries("returns", returns, 1);
  const sorted = sortedCopy(returns);
  const cutoff = quantileSorted(sorted, p);
  let n = 0;
  while (n < sorted.length && (sorted[n] as number) <= cutoff) n++;
  return { var: -cutoff, cvar: -sum(sorted.slice(0, n)) / n };
}

/**
 * Parametric (normal) VaR `−(μ + σ·z)`, `z = Φ⁻¹(1 − α)`, with μ the mean and σ the sample
 * standard deviation (ddof = 1) of the per-period returns; one period, not annualised;
 * positive = loss. At least 2 returns (σ = 0 gives VaR = −μ).
 * @example parametricVar([0.01, 0.03], { confidence: 0.95 }) // 0.0032617430735334824
 */
export function parametricVar(returns: readonly number[], options: VarOptions = {}): number {
  const p = tailProbability(options);
  assertSeries("returns", returns, 2);
  return -(mean(returns) + sampleStd(returns) * normalInv(p));
}

/**
 * Parametric (normal) CVaR `−(μ − σ·φ(z) / (1 − α))`, `z = Φ⁻¹(1 − α)`: the expected return
 * below the normal VaR, negated; μ, σ (ddof = 1) of the per-period returns; positive = loss.
 * At least 2 returns.
 * @example parametricCvar([0.01, 0.03], { confidence: 0.95 }) // 0.00917116427657685
 */
export function parametricCvar(returns: readonly number[], options: VarOptions = {}): number {
  const p = tailProbability(options);
  assertSeries("returns", returns, 2);
  return -(mean(returns) - (sampleStd(returns) * normalPdf(normalInv(p))) / p);
}
