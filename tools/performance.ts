import { insufficientData, invalidInput, ToolError } from "./errors.js";
import { mean, sampleStd, sum } from "./stats.js";
import { assertFiniteNumber, assertSeries } from "./validate.js";

/**
 * Return and risk-adjusted-return figures of one series of daily simple returns, exactly as
 * QUANT-CONVENTIONS.md defines them: fractions (0.05 = 5%), sample statistics with ddof = 1,
 * annualised with `P` periods per year, the risk-free rate `rf` given as an annual rate and
 * applied per period as `rf / P`.
 */

export interface PerformanceOptions {
  /** Periods per year `P`: 252 for daily equity returns, 365 for crypto-only books. */
  readonly periodsPerYear?: number;
  /** Annual risk-free rate as a fraction (0.02 = 2% a year); per period `rf / P`. */
  readonly riskFree?: number;
}

export const DEFAULT_PERFORMANCE_OPTIONS = { periodsPerYear: 252, riskFree: 0 } as const;

/** A figure that may be undefined for a legitimate reason (e.g. Calmar with no drawdown). */
export type MaybeFigure =
  | { readonly value: number; readonly reason?: undefined }
  | { readonly value: null; readonly reason: string };

/**
 * Checks and fills in the options; throws naming `periodsPerYear` (must be positive) or
 * `riskFree` (must be finite).
 * @example resolvePerformanceOptions({ riskFree: 0.02 }) // { periodsPerYear: 252, riskFree: 0.02 }
 */
export function resolvePerformanceOptions(options: PerformanceOptions = {}): {
  periodsPerYear: number;
  riskFree: number;
} {
  const periodsPerYear = options.periodsPerYear ?? DEFAULT_PERFORMANCE_OPTIONS.periodsPerYear;
  const riskFree = options.riskFree ?? DEFAULT_PERFORMANCE_OPTIONS.riskFree;
  assertFiniteNumber("periodsPerYear", periodsPerYear);
  if (periodsPerYear <= 0) {
    throw invalidInput("periodsPerYear", `must be positive, got ${periodsPerYear}`);
  }
  assertFiniteNumber("riskFree", riskFree);
  return { periodsPerYear, riskFree };
}

/**
 * Simple returns that can compound into wealth: finite, at least `min` of them, none below −1
 * (a loss of more than 100% leaves negative wealth, for which wealth figures have no meaning).
 * @example assertWealthReturns("returns", [0.1, -1.2], 1) // throws INVALID_INPUT at `returns[1]`
 */
export function assertWealthReturns(field: string, returns: readonly number[], min: number): void {
  assertSeries(field, returns, min);
  for (let t = 0; t < returns.length; t++) {
    if ((returns[t] as number) < -1) {
      throw invalidInput(
        `${field}[${t}]`,
        `a simple return below -1 (a loss over 100%) cannot compound, got ${returns[t]}`,
      );
    }
  }
}

/**
 * Throws `INSUFFICIENT_DATA` naming `field` when every value is identical (zero sample variance,
 * exactly: no tolerance, so any genuine dispersion, however small, passes).
 * @example assertNotConstant("returns", [0.01, 0.01], "the Sharpe ratio") // throws INSUFFICIENT_DATA
 */
export function assertNotConstant(field: string, values: readonly number[], figure: string): void {
  const first = values[0];
  for (let t = 1; t < values.length; t++) if (values[t] !== first) return;
  throw insufficientData(field, `has zero variance (all values equal); ${figure} is undefined`);
}

/** `Σ ln(1 + r_t)`, or −Infinity once wealth reaches 0 (a return of exactly −1). */
function logWealth(returns: readonly number[]): number {
  const logs = new Array<number>(returns.length);
  for (let t = 0; t < returns.length; t++) {
    const r = returns[t] as number;
    if (r === -1) return -Infinity;
    logs[t] = Math.log1p(r);
  }
  return sum(logs);
}

function finite(field: string, value: number, figure: string): number {
  if (!Number.isFinite(value)) {
    throw new ToolError("NUMERICAL", field, `${figure} overflows double precision`);
  }
  return value;
}

/**
 * Cumulative return `Π(1 + r_t) − 1` of daily simple returns, a fraction; computed as
 * `expm1(Σ log1p(r_t))` so small totals keep full precision. At least 1 return, none below −1.
 * @example cumulativeReturn([0.1, -0.1]) // -0.010000000000000002
 */
export function cumulativeReturn(returns: readonly number[]): number {
  assertWealthReturns("returns", returns, 1);
  return finite("returns", Math.expm1(logWealth(returns)), "cumulativeReturn");
}

/**
 * Compound annual growth rate `(Π(1 + r_t))^(P/T) − 1`, `T` = number of returns, a fraction.
 * At least 1 return, none below −1.
 * @example annualReturn([0.01], { periodsPerYear: 252 }) // 11.274002099240217 (1.01^252 − 1)
 */
export function annualReturn(returns: readonly number[], options: PerformanceOptions = {}): number {
  const { periodsPerYear } = resolvePerformanceOptions(options);
  assertWealthReturns("returns", returns, 1);
  const growth = (logWealth(returns) * periodsPerYear) / returns.length;
  return finite("returns", Math.expm1(growth), "annualReturn");
}

/**
 * Annualised volatility `std(r) · √P`, sample standard deviation (ddof = 1), a fraction.
 * At least 2 returns; a constant series has volatility 0.
 * @example annualVolatility([0.01, 0.03], { periodsPerYear: 4 }) // 0.0282842712474619
 */
export function annualVolatility(
  returns: readonly number[],
  options: PerformanceOptions = {},
): number {
  const { periodsPerYear } = resolvePerformanceOptions(options);
  assertSeries("returns", returns, 2);
  return sampleStd(returns) * Math.sqrt(periodsPerYear);
}

function excessReturns(returns: readonly number[], perPeriod: number): number[] {
  const out = new Array<number>(returns.length);
  for (let t = 0; t < returns.length; t++) out[t] = (returns[t] as number) - perPeriod;
  return out;
}

/**
 * Sharpe ratio `mean(r − rf_p) / std(r − rf_p) · √P`, `rf_p = rf / P`, sample std (ddof = 1).
 * At least 2 returns; `INSUFFICIENT_DATA` when the returns are all equal (zero variance).
 * @example sharpeRatio([0.01, 0.03], { periodsPerYear: 4 }) // 2.8284271247461903 (2√2)
 */
export function sharpeRatio(returns: readonly number[], options: PerformanceOptions = {}): number {
  const { periodsPerYear, riskFree } = resolvePerformanceOptions(options);
  assertSeries("returns", returns, 2);
  const excess = excessReturns(returns, riskFree / periodsPerYear);
  assertNotConstant("returns", excess, "the Sharpe ratio");
  return (mean(excess) / sampleStd(excess)) * Math.sqrt(periodsPerYear);
}

/**
 * Downside deviation `√(mean(min(r − rf_p, 0)²)) · √P`, the mean taken over all T returns
 * (returns above the threshold count as 0), annualised, a fraction. At least 1 return.
 * @example downsideDeviation([-0.02, 0.04], { periodsPerYear: 4 }) // 0.0282842712474619
 */
export function downsideDeviation(
  returns: readonly number[],
  options: PerformanceOptions = {},
): number {
  const { periodsPerYear, riskFree } = resolvePerformanceOptions(options);
  assertSeries("returns", returns, 1);
  const perPeriod = riskFree / periodsPerYear;
  const squares = new Array<number>(returns.length);
  for (let t = 0; t < returns.length; t++) {
    const d = Math.min((returns[t] as number) - perPeriod, 0);
    squares[t] = d * d;
  }
  return Math.sqrt((sum(squares) / returns.length) * periodsPerYear);
}

/**
 * Sortino ratio `mean(r − rf_p) · P / DD`, DD = {@link downsideDeviation}. At least 2 returns;
 * `INSUFFICIENT_DATA` when no return falls below `rf_p` (DD = 0).
 * @example sortinoRatio([-0.02, 0.04], { periodsPerYear: 4 }) // 1.4142135623730951 (√2)
 */
export function sortinoRatio(returns: readonly number[], options: PerformanceOptions = {}): number {
  const { periodsPerYear, riskFree } = resolvePerformanceOptions(options);
  assertSeries("returns", returns, 2);
  const dd = downsideDeviation(returns, { periodsPerYear, riskFree });
  if (dd === 0) {
    throw insufficientData(
      "returns",
      "no return is below the risk-free rate, so downside deviation is 0 and Sortino is undefined",
    );
  }
  return (mean(excessReturns(returns, riskFree / periodsPerYear)) * periodsPerYear) / dd;
}
