import { insufficientData, invalidInput } from "./errors.js";
import {
  assertNotConstant,
  resolvePerformanceOptions,
  type PerformanceOptions,
} from "./performance.js";
import { mean, sampleCovariance, sampleStd, sampleVariance } from "./stats.js";
import { assertSeries } from "./validate.js";

/**
 * Figures of a series relative to a benchmark, on **paired** arrays: `returns[t]` and
 * `benchmark[t]` are the same day's returns (align dated series first with `alignReturns`).
 * Sample statistics, ddof = 1; annualised with `P` periods per year; `rf` an annual rate.
 */

function assertPaired(returns: readonly number[], benchmark: readonly number[]): void {
  assertSeries("returns", returns, 2);
  assertSeries("benchmark", benchmark, 2);
  if (returns.length !== benchmark.length) {
    throw invalidInput(
      "benchmark",
      `must pair with returns (${returns.length} values), got ${benchmark.length}; align the dates first`,
    );
  }
}

function difference(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length);
  for (let t = 0; t < a.length; t++) out[t] = (a[t] as number) - (b[t] as number);
  return out;
}

/**
 * Beta `cov(r, m) / var(m)`, sample covariance over sample variance (the ddof cancels; equals
 * the OLS slope of r on m). At least 2 paired returns; `INSUFFICIENT_DATA` (field `benchmark`)
 * when the benchmark returns are all equal.
 * @example beta([0.02, 0.04, 0.0], [0.01, 0.02, 0.0]) // 2
 */
export function beta(returns: readonly number[], benchmark: readonly number[]): number {
  assertPaired(returns, benchmark);
  assertNotConstant("benchmark", benchmark, "beta");
  return sampleCovariance(returns, benchmark) / sampleVariance(benchmark);
}

/**
 * Jensen's alpha, annual and arithmetic: `(mean(r − rf_p) − β · mean(m − rf_p)) · P`, with
 * β = {@link beta}, `rf_p = rf / P`; a fraction per year. (Equals `P ×` the OLS intercept of
 * excess returns on excess benchmark returns.) At least 2 paired returns.
 * @example alpha([0.03, 0.05, 0.01], [0.01, 0.02, 0.0], { periodsPerYear: 252 }) // 2.5199999999999996 (r = 0.01 + 2m)
 */
export function alpha(
  returns: readonly number[],
  benchmark: readonly number[],
  options: PerformanceOptions = {},
): number {
  const { periodsPerYear, riskFree } = resolvePerformanceOptions(options);
  const b = beta(returns, benchmark);
  const rfp = riskFree / periodsPerYear;
  return (mean(returns) - rfp - b * (mean(benchmark) - rfp)) * periodsPerYear;
}

/**
 * Tracking error `std(r − m) · √P`, sample std (ddof = 1) of the active returns, annualised, a
 * fraction. At least 2 paired returns; identical active returns give 0.
 * @example trackingError([0.02, 0.04], [0.01, 0.01], { periodsPerYear: 4 }) // 0.028284271247461905
 */
export function trackingError(
  returns: readonly number[],
  benchmark: readonly number[],
  options: PerformanceOptions = {},
): number {
  const { periodsPerYear } = resolvePerformanceOptions(options);
  assertPaired(returns, benchmark);
  return sampleStd(difference(returns, benchmark)) * Math.sqrt(periodsPerYear);
}

/**
 * Information ratio `mean(r − m) · P / TE`, TE = {@link trackingError}; equals
 * `mean(r − m) / std(r − m) · √P`. (empyrical's `excess_sharpe` is the same ratio without the
 * `√P` annualisation.) At least 2 paired returns; `INSUFFICIENT_DATA` when the active returns are
 * all equal (TE = 0).
 * @example informationRatio([0.02, 0.04], [0.01, 0.01], { periodsPerYear: 4 }) // 2.8284271247461903
 */
export function informationRatio(
  returns: readonly number[],
  benchmark: readonly number[],
  options: PerformanceOptions = {},
): number {
  const { periodsPerYear } = resolvePerformanceOptions(options);
  assertPaired(returns, benchmark);
  const active = difference(returns, benchmark);
  if (active.every((d) => d === active[0])) {
    throw insufficientData(
      "returns",
      "active returns (returns − benchmark) are all equal: tracking error is 0 and the information ratio is undefined",
    );
  }
  return (mean(active) / sampleStd(active)) * Math.sqrt(periodsPerYear);
}
