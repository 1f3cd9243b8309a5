import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { insufficientData, invalidInput, ToolError } from "./errors.js";
import { assertFiniteArray, assertFiniteNumber } from "./validate.js";

/**
 * The four forecasting signals of the ensemble, each computed on one asset's log prices as of an
 * index `t`. Conventions shared by every function here:
 *
 * - `x[s] = ln(price)` on the asset's s-th priced day, oldest first. Missing days are not filled:
 *   the log return after a gap spans the gap. A signal as of `t` reads `x[0 … t]` only, never a
 *   later value (point in time).
 * - Daily log return `ℓ_s = x_s − x_{s−1}`; `h`-day log return `R_s = x_s − x_{s−h}`.
 * - `σ` = daily volatility: the sample standard deviation (ddof = 1) of the last
 *   `volatilityWindow` daily log returns ({@link dailyVolatility}).
 * - Every signal ends as an **expected annual return**: a forecast of the log return over the
 *   next `h` days, annualised arithmetically by `P/h` (a fraction; 0.05 = 5% a year).
 */

/** Log prices of one asset on its priced days, oldest first. */
export type LogPrices = ArrayLike<number>;

export const SIGNAL_NAMES = ["momentum", "mean-reversion", "ewma", "ridge"] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

export interface SignalParameters {
  /** Forecast horizon `h` in trading days: every signal forecasts the next `h`-day log return. */
  readonly horizonDays: number;
  /** Periods per year `P` (252 trading days). */
  readonly periodsPerYear: number;
  /** Daily log returns in the volatility `σ` that scales every score. */
  readonly volatilityWindow: number;
  /** Momentum look-back `L` in days … */
  readonly momentumWindow: number;
  /** … of which the most recent `k` days are skipped (the short-term-reversal week). */
  readonly momentumSkip: number;
  /** Short moving average of log prices, in days (mean reversion). */
  readonly meanReversionShort: number;
  /** Long moving average of log prices, in days (mean reversion). */
  readonly meanReversionLong: number;
  /** Half-life `H` in days of the exponentially weighted mean of daily log returns. */
  readonly ewmaHalfLife: number;
  /** Daily returns the EWMA reads (weights beyond are truncated; 6 half-lives leave 1.6%). */
  readonly ewmaWindow: number;
  /** Lagged, non-overlapping `h`-day log returns used as ridge features. */
  readonly ridgeLags: number;
  /** Ridge shrinkage `ρ`: `λ = ρ · tr(XᵀX) / p` (an orthonormal design shrinks by `1/(1+ρ)`). */
  readonly ridgeShrinkage: number;
  /** Most recent training samples (one per day, overlapping targets) the ridge fits on. */
  readonly ridgeWindow: number;
  /** Fewest training samples the ridge accepts. */
  readonly ridgeMinSamples: number;
  /** Prior information coefficient `κ` that turns a score into a return (Grinold's rule). */
  readonly priorIc: number;
  /** Scores are capped at `±c` standard deviations before they become returns. */
  readonly scoreCap: number;
}

export const DEFAULT_SIGNAL_PARAMETERS: SignalParameters = Object.freeze({
  horizonDays: 21,
  periodsPerYear: 252,
  volatilityWindow: 63,
  momentumWindow: 63,
  momentumSkip: 5,
  meanReversionShort: 5,
  meanReversionLong: 63,
  ewmaHalfLife: 21,
  ewmaWindow: 126,
  ridgeLags: 3,
  ridgeShrinkage: 1,
  ridgeWindow: 504,
  ridgeMinSamples: 126,
  priorIc: 0.05,
  scoreCap: 3,
});

function assertWindow(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw invalidInput(field, `must be an integer of at least ${min}, got ${String(value)}`);
  }
}

/** `t` indexes `x` and has at least `needed` earlier prices. */
function assertIndex(x: LogPrices, t: number, needed: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= x.length) {
    throw invalidInput("t", `must be an index into logPrices (0 … ${x.length - 1}), got ${t}`);
  }
  if (t < needed) {
    throw insufficientData("logPrices", `needs ${needed + 1} prices up to t, got ${t + 1}`);
  }
}

function assertSigma(sigma: number): void {
  assertFiniteNumber("sigma", sigma);
  if (sigma < 0) throw invalidInput("sigma", `must be ≥ 0, got ${sigma}`);
}

function finiteResult(value: number): number {
  if (!Number.isFinite(value)) {
    throw invalidInput("logPrices", "must be finite within the signal's window");
  }
  return value;
}

/**
 * Daily volatility `σ`: sample standard deviation (ddof = 1, two-pass) of the `window` daily log
 * returns `ℓ_{t−window+1} … ℓ_t`. Not annualised. Needs `t ≥ window`.
 * @example dailyVolatility([0, 0.01, 0.03, 0.02], 3, 3) // 0.015275252316519465
 */
export function dailyVolatility(x: LogPrices, t: number, window: number): number {
  assertWindow("window", window, 2);
  assertIndex(x, t, window);
  const m = ((x[t] as number) - (x[t - window] as number)) / window;
  let ss = 0;
  for (let s = t - window + 1; s <= t; s++) {
    const d = (x[s] as number) - (x[s - 1] as number) - m;
    ss += d * d;
  }
  return finiteResult(Math.sqrt(ss / (window - 1)));
}

/**
 * Momentum score: the `window − skip` daily log returns from `t − window + 1` to `t − skip`,
 * summed and standardised by their volatility under a random walk,
 * `z = (x_{t−skip} − x_{t−window}) / (σ √(window − skip))` (≈ N(0, 1) without drift).
 * Positive = the price trended up. `σ = 0` gives 0 (no movement, no signal).
 * @example momentumScore([0, 0.01, 0.03, 0.02, 0.05, 0.04], 5, 4, 1, 0.02) // 1.1547005383792515
 */
export function momentumScore(
  x: LogPrices,
  t: number,
  window: number,
  skip: number,
  sigma: number,
): number {
  assertWindow("window", window, 1);
  if (!Number.isInteger(skip) || skip < 0 || skip >= window) {
    throw invalidInput("skip", `must be an integer in [0, window), got ${String(skip)}`);
  }
  assertIndex(x, t, window);
  assertSigma(sigma);
  if (sigma === 0) return 0;
  const move = (x[t - skip] as number) - (x[t - window] as number);
  return finiteResult(move / (sigma * Math.sqrt(window - skip)));
}

/**
 * Mean-reversion score: the z-score of the short moving average of log prices against the long
 * one, sign flipped so that a price stretched above its long average forecasts a fall:
 * `z = −(MA_short − MA_long) / SD_long`, where both averages end at `t` and `SD_long` is the
 * sample standard deviation (ddof = 1) of the `long` log prices. `SD_long = 0` (a flat price)
 * gives 0. Needs `t ≥ long − 1`.
 * @example meanReversionScore([0, 0.1, 0.2, 0.3, 0.4], 4, 2, 4) // -0.7745966692414833
 */
export function meanReversionScore(x: LogPrices, t: number, short: number, long: number): number {
  assertWindow("short", short, 1);
  assertWindow("long", long, 2);
  if (short >= long) throw invalidInput("short", `must be below long (${long}), got ${short}`);
  assertIndex(x, t, long - 1);
  let sumLong = 0;
  let sumShort = 0;
  for (let s = t - long + 1; s <= t; s++) {
    sumLong += x[s] as number;
    if (s > t - short) sumShort += x[s] as number;
  }
  const mLong = sumLong / long;
  let ss = 0;
  for (let s = t - long + 1; s <= t; s++) {
    const d = (x[s] as number) - mLong;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / (long - 1));
  if (sd === 0) return 0;
  return finiteResult(-(sumShort / short - mLong) / sd);
}

/**
 * EWMA score: the exponentially weighted mean of the last `window` daily log returns with
 * weights `w_i = 2^(−i/H)` (`i = 0` is `ℓ_t`), as a t-statistic:
 * `m = Σ w_i ℓ_{t−i} / Σ w_i`, `n_eff = (Σ w_i)² / Σ w_i²` (Kish's effective sample size),
 * `z = m √n_eff / σ`. Positive = recent returns were positive. `σ = 0` gives 0.
 * @example ewmaScore([0, 0.01, 0, 0.02], 3, 1, 3, 0.01) // 1.5275252316519465
 */
export function ewmaScore(
  x: LogPrices,
  t: number,
  halfLife: number,
  window: number,
  sigma: number,
): number {
  assertFiniteNumber("halfLife", halfLife);
  if (halfLife <= 0) throw invalidInput("halfLife", `must be positive, got ${halfLife}`);
  assertWindow("window", window, 1);
  assertIndex(x, t, window);
  assertSigma(sigma);
  if (sigma === 0) return 0;
  const decay = 2 ** (-1 / halfLife);
  let w = 1;
  let sw = 0;
  let sw2 = 0;
  let swr = 0;
  for (let i = 0; i < window; i++) {
    swr += w * ((x[t - i] as number) - (x[t - i - 1] as number));
    sw += w;
    sw2 += w * w;
    w *= decay;
  }
  return finiteResult(((swr / sw) * Math.sqrt((sw * sw) / sw2)) / sigma);
}

type ScaleParameters = Pick<
  SignalParameters,
  "priorIc" | "scoreCap" | "periodsPerYear" | "horizonDays"
>;

/**
 * Largest expected annual return a signal may claim: `κ · c · σ · P / √h` (a `c`-sigma score).
 * @example annualReturnCap(0.01, DEFAULT_SIGNAL_PARAMETERS) // 0.08248636250920513
 */
export function annualReturnCap(sigma: number, params: ScaleParameters): number {
  assertSigma(sigma);
  return (
    (params.priorIc * params.scoreCap * sigma * params.periodsPerYear) /
    Math.sqrt(params.horizonDays)
  );
}

/**
 * Turns a standardised score into an expected annual return by Grinold's forecasting rule
 * (Grinold & Kahn, Active Portfolio Management, ch. 10): expected return over the horizon =
 * IC × volatility over the horizon × score. With the prior IC `κ`, the horizon volatility
 * `σ√h` and annualisation `P/h`: `f = κ · clip(z, −c, c) · σ · P / √h`.
 * @example scoreToAnnualReturn(2, 0.01, DEFAULT_SIGNAL_PARAMETERS) // 0.05499090833947009
 */
export function scoreToAnnualReturn(score: number, sigma: number, params: ScaleParameters): number {
  assertFiniteNumber("score", score);
  const clipped = Math.max(-params.scoreCap, Math.min(params.scoreCap, score));
  return (annualReturnCap(sigma, params) * clipped) / params.scoreCap;
}

/** Solves the symmetric positive-definite system `A β = b` by Cholesky (ml-matrix). */
function solveSpd(a: Matrix, b: Matrix, field: string): number[] {
  const chol = new CholeskyDecomposition(a);
  if (!chol.isPositiveDefinite()) {
    throw new ToolError("NUMERICAL", field, "XᵀX + λI is not positive definite; raise lambda");
  }
  const beta = chol.solve(b).getColumn(0);
  beta.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new ToolError("NUMERICAL", `${field}[${j}]`, "not finite");
  });
  return beta;
}

/**
 * Ridge regression without intercept: `β = (XᵀX + λI)⁻¹ Xᵀy`, the minimiser of
 * `‖y − Xβ‖² + λ‖β‖²`, solved by Cholesky with ml-matrix. `λ ≥ 0`; `λ = 0` is least squares
 * and throws `NUMERICAL` when `XᵀX` is singular.
 * @example ridgeRegression([[1], [2], [3]], [2, 4, 7], 1) // [2.066666666666667]
 */
export function ridgeRegression(
  X: readonly (readonly number[])[],
  y: readonly number[],
  lambda: number,
): number[] {
  if (!Array.isArray(X) || X.length === 0) throw invalidInput("X", "must be a non-empty matrix");
  const p = (X[0] as readonly number[]).length;
  if (p === 0) throw invalidInput("X[0]", "must have at least one column");
  X.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== p) {
      throw invalidInput(`X[${i}]`, `must have ${p} columns`);
    }
    assertFiniteArray(`X[${i}]`, row);
  });
  assertFiniteArray("y", y);
  if (y.length !== X.length) throw invalidInput("y", `must have ${X.length} values`);
  assertFiniteNumber("lambda", lambda);
  if (lambda < 0) throw invalidInput("lambda", `must be ≥ 0, got ${lambda}`);
  const a = new Matrix(X.map((row) => [...row]));
  const at = a.transpose();
  const gram = at.mmul(a);
  for (let j = 0; j < p; j++) gram.set(j, j, gram.get(j, j) + lambda);
  return solveSpd(gram, at.mmul(Matrix.columnVector([...y])), "lambda");
}

/** Index `t` from which the ridge has `ridgeMinSamples` samples: `p·h + h + min − 1`. */
export function ridgeHistoryNeeded(params: SignalParameters): number {
  const h = params.horizonDays;
  return params.ridgeLags * h + h + params.ridgeMinSamples - 1;
}

export interface RidgeForecast {
  /** Forecast of the next `h`-day log return `x_{t+h} − x_t` (not annualised). */
  readonly prediction: number;
  readonly coefficients: readonly number[];
  readonly lambda: number;
  readonly samples: number;
}

/**
 * Ridge forecast of the next `h`-day log return from `p` lagged, non-overlapping `h`-day log
 * returns. Sample `s` has features `R_s, R_{s−h}, …, R_{s−(p−1)h}` and target `R_{s+h}`; the
 * training samples are the last `ridgeWindow` values of `s` whose target is realised by `t`
 * (`s ≤ t − h`, one per day, so targets overlap). `λ = ρ · tr(XᵀX) / p`, which makes `ρ` unitless
 * (ridge shrinkage relative to the mean feature energy); no intercept, so with no
 * autocorrelation the forecast is 0. `tr(XᵀX) = 0` (flat prices) gives β = 0.
 * The forecast is `β · (R_t, R_{t−h}, …)`.
 * @example ridgePrediction([0, 0.01, 0.03, 0.02, 0.05, 0.07], 5, { ...DEFAULT_SIGNAL_PARAMETERS,
 *   horizonDays: 1, ridgeLags: 1, ridgeMinSamples: 2 }).prediction // 0.0020000000000000018
 */
export function ridgePrediction(x: LogPrices, t: number, params: SignalParameters): RidgeForecast {
  const h = params.horizonDays;
  const p = params.ridgeLags;
  assertIndex(x, t, ridgeHistoryNeeded(params));
  const first = Math.max(p * h, t - h - params.ridgeWindow + 1);
  const last = t - h;
  const gram = new Float64Array(p * p);
  const xty = new Float64Array(p);
  const f = new Float64Array(p);
  for (let s = first; s <= last; s++) {
    for (let j = 0; j < p; j++) f[j] = (x[s - j * h] as number) - (x[s - (j + 1) * h] as number);
    const target = (x[s + h] as number) - (x[s] as number);
    for (let j = 0; j < p; j++) {
      const fj = f[j] as number;
      xty[j] = (xty[j] as number) + fj * target;
      for (let k = j; k < p; k++)
        gram[j * p + k] = (gram[j * p + k] as number) + fj * (f[k] as number);
    }
  }
  let trace = 0;
  for (let j = 0; j < p; j++) trace += gram[j * p + j] as number;
  const samples = last - first + 1;
  if (!(trace > 0)) {
    finiteResult(trace);
    return { prediction: 0, coefficients: new Array<number>(p).fill(0), lambda: 0, samples };
  }
  const lambda = (params.ridgeShrinkage * trace) / p;
  const a = new Matrix(p, p);
  for (let j = 0; j < p; j++) {
    for (let k = j; k < p; k++) {
      const v = (gram[j * p + k] as number) + (j === k ? lambda : 0);
      a.set(j, k, v);
      a.set(k, j, v);
    }
  }
  const beta = solveSpd(a, Matrix.columnVector([...xty]), "logPrices");
  let prediction = 0;
  for (let j = 0; j < p; j++) {
    prediction += (beta[j] as number) * ((x[t - j * h] as number) - (x[t - (j + 1) * h] as number));
  }
  return { prediction: finiteResult(prediction), coefficients: beta, lambda, samples };
}

/** Smallest index `t` at which every signal can be computed (the asset needs `t + 1` prices). */
export function signalHistoryNeeded(params: SignalParameters): number {
  return Math.max(
    params.volatilityWindow,
    params.momentumWindow,
    params.meanReversionLong - 1,
    params.ewmaWindow,
    ridgeHistoryNeeded(params),
  );
}

export interface SignalSnapshot {
  /** Daily volatility `σ` as of `t`. */
  readonly sigma: number;
  /** Expected annual return of each signal, in {@link SIGNAL_NAMES} order. */
  readonly expectedAnnualReturns: readonly number[];
}

/**
 * Every signal as of `t` (reading `x[0 … t]` only), as expected annual returns in
 * {@link SIGNAL_NAMES} order: momentum, mean reversion and EWMA through
 * {@link scoreToAnnualReturn}; the ridge as `prediction · P / h`, clipped to
 * `±`{@link annualReturnCap}. `null` when `t` < {@link signalHistoryNeeded}. With `σ = 0` every
 * signal is 0.
 */
export function signalsAt(
  x: LogPrices,
  t: number,
  params: SignalParameters,
): SignalSnapshot | null {
  if (!Number.isInteger(t) || t < 0 || t >= x.length) {
    throw invalidInput("t", `must be an index into logPrices (0 … ${x.length - 1}), got ${t}`);
  }
  if (t < signalHistoryNeeded(params)) return null;
  const sigma = dailyVolatility(x, t, params.volatilityWindow);
  const cap = annualReturnCap(sigma, params);
  const ridge = ridgePrediction(x, t, params);
  const ridgeAnnual = (ridge.prediction * params.periodsPerYear) / params.horizonDays;
  const scores = [
    momentumScore(x, t, params.momentumWindow, params.momentumSkip, sigma),
    meanReversionScore(x, t, params.meanReversionShort, params.meanReversionLong),
    ewmaScore(x, t, params.ewmaHalfLife, params.ewmaWindow, sigma),
  ];
  return {
    sigma,
    expectedAnnualReturns: [
      ...scores.map((z) => scoreToAnnualReturn(z, sigma, params)),
      Math.max(-cap, Math.min(cap, ridgeAnnual)),
    ],
  };
}
