import { choleskyFlat } from "./cholesky.js";
import { invalidInput, ToolError } from "./errors.js";
import { fillStandardNormal, type RandomSource } from "./random.js";
import { quantileSorted, sum } from "./stats.js";
import { assertFiniteArray, assertPositiveInteger, assertSameLength } from "./validate.js";

/** Price dynamics. Only geometric Brownian motion for now. */
export type MonteCarloModel = "gbm";

/**
 * `multi-asset`: every asset simulated with its correlated shocks, the portfolio held buy-and-hold.
 * `portfolio`: one GBM with the portfolio's annual `μ_p = wᵀμ`, `σ_p = √(wᵀΣw)`.
 */
export type MonteCarloMode = "multi-asset" | "portfolio";

export const MONTE_CARLO_DEFAULTS = {
  periodsPerYear: 252,
  initialValue: 1,
  model: "gbm",
  mode: "multi-asset",
  returnPaths: false,
  antithetic: false,
} as const satisfies {
  periodsPerYear: number;
  initialValue: number;
  model: MonteCarloModel;
  mode: MonteCarloMode;
  returnPaths: boolean;
  antithetic: boolean;
};

/**
 * Caps that keep one call bounded in time and memory. `maxWork` bounds
 * `paths × horizonDays × simulated assets` (1 in portfolio mode): about 30 s at the ~30 ns per
 * asset-day measured on the 2-core dev machine. `maxReturnedPoints` bounds
 * `paths × (horizonDays + 1)` (8 bytes each) when `returnPaths` is set.
 */
export const MONTE_CARLO_LIMITS = {
  maxPaths: 1_000_000,
  maxHorizonDays: 25_200,
  maxAssets: 2_000,
  maxWork: 1_000_000_000,
  maxReturnedPoints: 1_000_000,
  maxPeriodsPerYear: 366,
} as const;

/** Tolerance on `Σ weights = 1`. */
export const WEIGHT_SUM_TOLERANCE = 1e-6;

export interface MonteCarloInput {
  /** Annual expected (arithmetic, continuously compounded GBM drift) return per asset, μ_i. */
  readonly expectedReturns: readonly number[];
  /** Annual covariance of log returns, Σ (n × n, symmetric PSD). */
  readonly covariance: readonly (readonly number[])[];
  /** Initial portfolio weights, ≥ 0, summing to 1 within {@link WEIGHT_SUM_TOLERANCE}. */
  readonly weights: readonly number[];
  /** Horizon in trading days (periods). */
  readonly horizonDays: number;
  /** Number of simulated paths. */
  readonly paths: number;
  /** Periods per year P used to de-annualise μ and Σ; default 252. */
  readonly periodsPerYear?: number;
  /** Starting portfolio value V₀ (any currency, or 1 for wealth); default 1. */
  readonly initialValue?: number;
  readonly model?: MonteCarloModel;
  readonly mode?: MonteCarloMode;
  /** Also return every path's daily value (bounded by `MONTE_CARLO_LIMITS.maxReturnedPoints`). */
  readonly returnPaths?: boolean;
  /** Antithetic pairs of paths (ε, −ε); default false. See {@link simulatePortfolio}. */
  readonly antithetic?: boolean;
  /** The only source of randomness; the caller seeds it (see `createRandom`). */
  readonly random: RandomSource;
}

export interface MonteCarloResult {
  readonly model: MonteCarloModel;
  readonly mode: MonteCarloMode;
  readonly paths: number;
  readonly horizonDays: number;
  readonly periodsPerYear: number;
  readonly initialValue: number;
  readonly antithetic: boolean;
  /** The portfolio's annual `wᵀμ` and `√(wᵀΣw)` (the portfolio-mode parameters; informative in multi-asset mode). */
  readonly portfolio: { readonly expectedReturn: number; readonly volatility: number };
  /** Share of paths with terminal value `V_T < V₀` (fraction in [0, 1]). */
  readonly probabilityOfLoss: number;
  /** Terminal value `V_T` in the units of `initialValue`: mean and type-7 percentiles. */
  readonly terminalValue: {
    readonly mean: number;
    readonly p5: number;
    readonly p50: number;
    readonly p95: number;
  };
  /**
   * Expected shortfall at 95%: `value` = mean of the terminal values `≤ p5`; `lossFraction` =
   * `1 − value / V₀` (positive = loss, negative when even the worst 5% of paths gain).
   */
  readonly expectedShortfall: { readonly value: number; readonly lossFraction: number };
  /**
   * Maximum drawdown along each path, `max_t (1 − V_t / max_{s≤t} V_s)` with `V₀` counted as the
   * first peak, as a positive fraction: mean over paths and type-7 95th percentile.
   */
  readonly maxDrawdown: { readonly mean: number; readonly p95: number };
  /** Present only with `returnPaths: true`: `valuePaths[p][t]` = `V_t` on path p, t = 0…horizonDays. */
  readonly valuePaths?: number[][];
}

/**
 * Days simulated per block: `min(horizonDays, max(64, ⌊32768 / assets⌋))`. The block size fixes
 * which normal goes to which (asset, day), so it is part of the reproducibility contract.
 */
export const BLOCK_ELEMENTS = 32_768;

function blockDays(assets: number, horizonDays: number): number {
  return Math.min(horizonDays, Math.max(64, Math.floor(BLOCK_ELEMENTS / assets)));
}

/** Draws correlated daily log returns (see {@link createLogReturnSampler}). */
export interface LogReturnSampler {
  readonly assets: number;
  /** Daily mean log return per asset, `(μ_i − σ_i²/2) / P`. */
  readonly drift: Float64Array;
  /**
   * The next `days` days of log returns, one `Float64Array` per asset. Consumes the random source
   * exactly as {@link simulatePortfolio} does for one path of `days` days (without antithetics).
   */
  sample(days: number): Float64Array[];
}

/**
 * A sampler of daily log returns `X ~ N(m, Σ/P)` with `m_i = (μ_i − σ_i²/2)/P`, `σ_i² = Σ_ii`:
 * `X = m + (L/√P) ε`, `ε` = n fresh standard normals per day from `random`, `L Lᵀ = Σ` (Cholesky; a
 * PSD but singular Σ is allowed, see `cholesky`). Under this GBM the price ratio
 * `S_T/S_0 = exp(Σ_t X_t)` has `E[S_T/S_0] = exp(μ_i T)` and median `exp((μ_i − σ_i²/2) T)`, `T` in
 * years. This is the generator inside {@link simulatePortfolio}, exposed for testing and for
 * callers that need the asset paths. Throws a ToolError naming `expectedReturns`, `covariance` or
 * `periodsPerYear`.
 *
 * @example
 * // One asset, μ = 0.1008, σ² = 0.0504, P = 252: m = (0.1008 − 0.0252)/252 = 0.0003.
 * createLogReturnSampler({ expectedReturns: [0.1008], covariance: [[0.0504]] }, createRandom(1))
 *   .drift[0] // 0.0003
 */
export function createLogReturnSampler(
  params: {
    readonly expectedReturns: readonly number[];
    readonly covariance: readonly (readonly number[])[];
    readonly periodsPerYear?: number;
  },
  random: RandomSource,
): LogReturnSampler {
  const periodsPerYear = params.periodsPerYear ?? MONTE_CARLO_DEFAULTS.periodsPerYear;
  assertPeriodsPerYear(periodsPerYear);
  const { n, drift, lFlat } = prepareAssets(
    params.expectedReturns,
    params.covariance,
    periodsPerYear,
  );
  return {
    assets: n,
    drift,
    sample(days: number): Float64Array[] {
      assertPositiveInteger("days", days);
      const out = Array.from({ length: n }, () => new Float64Array(days));
      const chunk = blockDays(n, days);
      const eps = new Float64Array(n * chunk);
      const z = new Float64Array(chunk);
      for (let t0 = 0; t0 < days; t0 += chunk) {
        const len = Math.min(chunk, days - t0);
        fillStandardNormal(random, eps, 0, n * len);
        for (let i = 0; i < n; i++) {
          correlateRow(z, lFlat, n, i, eps, len);
          const row = out[i] as Float64Array;
          const d = drift[i] as number;
          for (let t = 0; t < len; t++) row[t0 + t] = d + (z[t] as number);
        }
      }
      return out;
    },
  };
}

/**
 * Seeded Monte Carlo of a portfolio's value over `horizonDays` trading days.
 *
 * Model (`gbm`), `multi-asset` mode: each day every asset's log return is drawn as in
 * {@link createLogReturnSampler}, i.e. `X_t ~ N((μ − diag(Σ)/2)/P, Σ/P)`, correlated through the
 * Cholesky factor of the annual Σ. The portfolio is **buy-and-hold**: `V_t = V₀ Σ_i w_i S_{t,i}/S_{0,i}`,
 * so weights drift with prices and `E[V_T] = V₀ Σ_i w_i exp(μ_i T)`, `T = horizonDays / P` years.
 * `portfolio` mode: one GBM with `μ_p = wᵀμ`, `σ_p² = wᵀΣw`, daily log return
 * `N((μ_p − σ_p²/2)/P, σ_p²/P)`; this is exactly a portfolio continuously rebalanced to `w`, and
 * `E[V_T] = V₀ exp(μ_p T)`. μ is the GBM drift (arithmetic, continuously compounded); to use an
 * annual compound growth rate g (e.g. a CAGR) pass `μ = ln(1 + g) + σ²/2`.
 *
 * Randomness: reads nothing but its inputs. For each path (or antithetic pair), days are taken in
 * blocks of {@link BLOCK_ELEMENTS}/n days; within a block, asset 0's normals for every day come
 * first, then asset 1's, and so on. With `antithetic: true` paths come in pairs driven by ε and −ε
 * (Glasserman 2004, §4.2): each path is still an exact GBM path, the pair is negatively dependent
 * (lower variance for monotone statistics), and an odd last path is unpaired. The same seeded source
 * and inputs always give identical results.
 *
 * Outputs (see {@link MonteCarloResult}): probability of loss `#{V_T < V₀}/paths`; terminal mean
 * (compensated sum) and type-7 percentiles p5, p50, p95 (the p5 is Steward's "Monte Carlo downside
 * terminal value"); 95% expected shortfall of `V_T` (mean of `V_T ≤ p5`, and as a loss fraction
 * of V₀); per-path maximum drawdown (positive fraction), its mean and type-7 p95.
 *
 * Validation (ToolError naming the field): weights length and finite, `≥ 0`, sum 1 ± 1e-6;
 * covariance square, finite, symmetric, PSD (repair is the caller's job); horizonDays, paths
 * positive integers within {@link MONTE_CARLO_LIMITS}; a non-finite result throws NUMERICAL.
 *
 * @example
 * // σ = 0: every path is 252 daily factors exp(0.1008/252) = exp(0.1008) (to 1e-12 after
 * // rounding); no path loses, no drawdown.
 * simulatePortfolio({ expectedReturns: [0.1008], covariance: [[0]], weights: [1], horizonDays: 252,
 *   paths: 10, random: createRandom(1) }).terminalValue.p50 // 1.1060554085591288
 */
export function simulatePortfolio(input: MonteCarloInput): MonteCarloResult {
  const model = input.model ?? MONTE_CARLO_DEFAULTS.model;
  if (model !== "gbm") throw invalidInput("model", `must be "gbm", got ${String(model)}`);
  const mode = input.mode ?? MONTE_CARLO_DEFAULTS.mode;
  if (mode !== "multi-asset" && mode !== "portfolio") {
    throw invalidInput("mode", `must be "multi-asset" or "portfolio", got ${String(mode)}`);
  }
  const periodsPerYear = input.periodsPerYear ?? MONTE_CARLO_DEFAULTS.periodsPerYear;
  assertPeriodsPerYear(periodsPerYear);
  const initialValue = input.initialValue ?? MONTE_CARLO_DEFAULTS.initialValue;
  if (typeof initialValue !== "number" || !Number.isFinite(initialValue) || initialValue <= 0) {
    throw invalidInput("initialValue", `must be a finite number > 0, got ${String(initialValue)}`);
  }
  const returnPaths = input.returnPaths ?? MONTE_CARLO_DEFAULTS.returnPaths;
  const antithetic = input.antithetic ?? MONTE_CARLO_DEFAULTS.antithetic;
  if (typeof input.random?.nextDouble !== "function") {
    throw invalidInput("random", "must be a RandomSource (e.g. createRandom(seed))");
  }
  const { n, drift, lFlat } = prepareAssets(
    input.expectedReturns,
    input.covariance,
    periodsPerYear,
  );
  const weights = checkWeights(input.weights, n);
  assertPositiveInteger("horizonDays", input.horizonDays);
  if (input.horizonDays > MONTE_CARLO_LIMITS.maxHorizonDays) {
    throw invalidInput(
      "horizonDays",
      `must be ≤ ${MONTE_CARLO_LIMITS.maxHorizonDays}, got ${input.horizonDays}`,
    );
  }
  assertPositiveInteger("paths", input.paths);
  if (input.paths > MONTE_CARLO_LIMITS.maxPaths) {
    throw invalidInput("paths", `must be ≤ ${MONTE_CARLO_LIMITS.maxPaths}, got ${input.paths}`);
  }
  const horizonDays = input.horizonDays;
  const paths = input.paths;
  const work = paths * horizonDays * (mode === "portfolio" ? 1 : n);
  if (work > MONTE_CARLO_LIMITS.maxWork) {
    throw invalidInput(
      "paths",
      `paths × horizonDays × assets = ${work} exceeds ${MONTE_CARLO_LIMITS.maxWork}; use fewer paths or the portfolio mode`,
    );
  }
  if (returnPaths && paths * (horizonDays + 1) > MONTE_CARLO_LIMITS.maxReturnedPoints) {
    throw invalidInput(
      "returnPaths",
      `paths × (horizonDays + 1) = ${paths * (horizonDays + 1)} exceeds ${MONTE_CARLO_LIMITS.maxReturnedPoints} returned points`,
    );
  }

  const portfolio = portfolioMoments(input.expectedReturns, input.covariance, weights);
  const out: PathOutputs = {
    terminal: new Float64Array(paths),
    drawdowns: new Float64Array(paths),
    valuePaths: returnPaths ? [] : undefined,
  };
  if (mode === "portfolio") {
    const sigma = portfolio.volatility;
    simulatePaths(
      input.random,
      1,
      Float64Array.of((portfolio.expectedReturn - (sigma * sigma) / 2) / periodsPerYear),
      Float64Array.of(sigma / Math.sqrt(periodsPerYear)),
      Float64Array.of(1),
      { initialValue, horizonDays, paths, antithetic },
      out,
    );
  } else {
    simulatePaths(
      input.random,
      n,
      drift,
      lFlat,
      weights,
      { initialValue, horizonDays, paths, antithetic },
      out,
    );
  }
  return summarise({
    model,
    mode,
    paths,
    horizonDays,
    periodsPerYear,
    initialValue,
    antithetic,
    portfolio,
    ...out,
  });
}

// --- hot loops -------------------------------------------------------------------------------

interface PathOutputs {
  readonly terminal: Float64Array;
  readonly drawdowns: Float64Array;
  readonly valuePaths: number[][] | undefined;
}

/**
 * `z[t] = Σ_{k≤i} L_ik ε_k[t]` for t < len, where `ε_k[t] = eps[k·len + t]` (asset-major block).
 * Four columns of L per sweep: long, independent inner iterations instead of short dot products.
 */
function correlateRow(
  z: Float64Array,
  lFlat: Float64Array,
  n: number,
  i: number,
  eps: Float64Array,
  len: number,
): void {
  const row = i * n;
  z.fill(0, 0, len);
  let k = 0;
  for (; k + 3 <= i; k += 4) {
    const c0 = lFlat[row + k] as number;
    const c1 = lFlat[row + k + 1] as number;
    const c2 = lFlat[row + k + 2] as number;
    const c3 = lFlat[row + k + 3] as number;
    const o0 = k * len;
    const o1 = o0 + len;
    const o2 = o1 + len;
    const o3 = o2 + len;
    for (let t = 0; t < len; t++) {
      z[t] =
        (z[t] as number) +
        (c0 * (eps[o0 + t] as number) + c1 * (eps[o1 + t] as number)) +
        (c2 * (eps[o2 + t] as number) + c3 * (eps[o3 + t] as number));
    }
  }
  for (; k <= i; k++) {
    const c = lFlat[row + k] as number;
    if (c === 0) continue;
    const o = k * len;
    for (let t = 0; t < len; t++) z[t] = (z[t] as number) + c * (eps[o + t] as number);
  }
}

/** Running peak and maximum drawdown of one path across blocks. */
interface DrawdownState {
  peak: number;
  maxDd: number;
  value: number;
}

function trackDrawdown(
  state: DrawdownState,
  values: Float64Array,
  len: number,
  record: number[] | undefined,
): void {
  let { peak, maxDd, value } = state;
  for (let t = 0; t < len; t++) {
    value = values[t] as number;
    if (value > peak) peak = value;
    else {
      const dd = 1 - value / peak;
      if (dd > maxDd) maxDd = dd;
    }
  }
  if (record !== undefined) for (let t = 0; t < len; t++) record.push(values[t] as number);
  state.peak = peak;
  state.maxDd = maxDd;
  state.value = value;
}

/**
 * Buy-and-hold paths of n correlated GBM assets (n = 1 with the portfolio's μ_p, σ_p in portfolio
 * mode). Holdings `h_i = V₀ w_i` grow by `exp(m_i ± z_i[t])`; `V_t = Σ_i h_i`.
 */
function simulatePaths(
  random: RandomSource,
  n: number,
  drift: Float64Array,
  lFlat: Float64Array,
  weights: Float64Array,
  opts: { initialValue: number; horizonDays: number; paths: number; antithetic: boolean },
  out: PathOutputs,
): void {
  const { initialValue, horizonDays, paths, antithetic } = opts;
  const chunk = blockDays(n, horizonDays);
  const eps = new Float64Array(n * chunk);
  const z = new Float64Array(chunk);
  const valuesA = new Float64Array(chunk);
  const valuesB = new Float64Array(chunk);
  const holdA = new Float64Array(n);
  const holdB = new Float64Array(n);
  const active: number[] = [];
  for (let i = 0; i < n; i++) if ((weights[i] as number) > 0) active.push(i);
  const a: DrawdownState = { peak: 0, maxDd: 0, value: 0 };
  const b: DrawdownState = { peak: 0, maxDd: 0, value: 0 };
  for (let p = 0; p < paths; p += antithetic ? 2 : 1) {
    const pair = antithetic && p + 1 < paths;
    for (let i = 0; i < n; i++) {
      holdA[i] = initialValue * (weights[i] as number);
      holdB[i] = holdA[i] as number;
    }
    a.peak = initialValue;
    a.maxDd = 0;
    a.value = initialValue;
    b.peak = initialValue;
    b.maxDd = 0;
    b.value = initialValue;
    const recordA = out.valuePaths === undefined ? undefined : [initialValue];
    const recordB = out.valuePaths === undefined || !pair ? undefined : [initialValue];
    for (let t0 = 0; t0 < horizonDays; t0 += chunk) {
      const len = Math.min(chunk, horizonDays - t0);
      fillStandardNormal(random, eps, 0, n * len);
      valuesA.fill(0, 0, len);
      if (pair) valuesB.fill(0, 0, len);
      for (const i of active) {
        correlateRow(z, lFlat, n, i, eps, len);
        const d = drift[i] as number;
        let h = holdA[i] as number;
        for (let t = 0; t < len; t++) {
          h *= Math.exp(d + (z[t] as number));
          valuesA[t] = (valuesA[t] as number) + h;
        }
        holdA[i] = h;
        if (pair) {
          let hb = holdB[i] as number;
          for (let t = 0; t < len; t++) {
            hb *= Math.exp(d - (z[t] as number));
            valuesB[t] = (valuesB[t] as number) + hb;
          }
          holdB[i] = hb;
        }
      }
      trackDrawdown(a, valuesA, len, recordA);
      if (pair) trackDrawdown(b, valuesB, len, recordB);
    }
    out.terminal[p] = a.value;
    out.drawdowns[p] = a.maxDd;
    if (recordA !== undefined) out.valuePaths?.push(recordA);
    if (pair) {
      out.terminal[p + 1] = b.value;
      out.drawdowns[p + 1] = b.maxDd;
      if (recordB !== undefined) out.valuePaths?.push(recordB);
    }
  }
}

// --- validation and summaries ----------------------------------------------------------------

function assertPeriodsPerYear(periodsPerYear: number): void {
  assertPositiveInteger("periodsPerYear", periodsPerYear);
  if (periodsPerYear > MONTE_CARLO_LIMITS.maxPeriodsPerYear) {
    throw invalidInput(
      "periodsPerYear",
      `must be ≤ ${MONTE_CARLO_LIMITS.maxPeriodsPerYear}, got ${periodsPerYear}`,
    );
  }
}

function prepareAssets(
  expectedReturns: readonly number[],
  covariance: readonly (readonly number[])[],
  periodsPerYear: number,
): { n: number; drift: Float64Array; lFlat: Float64Array } {
  assertFiniteArray("expectedReturns", expectedReturns);
  const n = expectedReturns.length;
  if (n === 0) throw invalidInput("expectedReturns", "must list at least one asset");
  if (n > MONTE_CARLO_LIMITS.maxAssets) {
    throw invalidInput(
      "expectedReturns",
      `at most ${MONTE_CARLO_LIMITS.maxAssets} assets, got ${n}`,
    );
  }
  if (!Array.isArray(covariance) || covariance.length !== n) {
    throw invalidInput("covariance", `must be ${n} × ${n} to match expectedReturns`);
  }
  const l = choleskyFlat(covariance, "covariance");
  const scale = 1 / Math.sqrt(periodsPerYear);
  for (let k = 0; k < l.length; k++) l[k] = (l[k] as number) * scale;
  const drift = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const variance = (covariance[i] as readonly number[])[i] as number;
    drift[i] = ((expectedReturns[i] as number) - variance / 2) / periodsPerYear;
  }
  return { n, drift, lFlat: l };
}

function checkWeights(weights: readonly number[], n: number): Float64Array {
  assertFiniteArray("weights", weights);
  assertSameLength("expectedReturns", new Array<number>(n), "weights", weights);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    if (w < 0) {
      throw invalidInput(`weights[${i}]`, `must be ≥ 0 (buy-and-hold of long positions), got ${w}`);
    }
    out[i] = w;
  }
  const total = sum(weights);
  if (Math.abs(total - 1) > WEIGHT_SUM_TOLERANCE) {
    throw invalidInput("weights", `must sum to 1 (±${WEIGHT_SUM_TOLERANCE}), got ${total}`);
  }
  return out;
}

function portfolioMoments(
  expectedReturns: readonly number[],
  covariance: readonly (readonly number[])[],
  weights: Float64Array,
): { expectedReturn: number; volatility: number } {
  const n = weights.length;
  let mu = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights[i] as number;
    mu += wi * (expectedReturns[i] as number);
    const row = covariance[i] as readonly number[];
    for (let j = 0; j < n; j++) variance += wi * (weights[j] as number) * (row[j] as number);
  }
  // wᵀΣw ≥ 0 for a PSD Σ; rounding can leave −1e-18.
  return { expectedReturn: mu, volatility: Math.sqrt(Math.max(0, variance)) };
}

function summarise(args: {
  model: MonteCarloModel;
  mode: MonteCarloMode;
  paths: number;
  horizonDays: number;
  periodsPerYear: number;
  initialValue: number;
  antithetic: boolean;
  portfolio: { expectedReturn: number; volatility: number };
  terminal: Float64Array;
  drawdowns: Float64Array;
  valuePaths: number[][] | undefined;
}): MonteCarloResult {
  const { terminal, drawdowns, paths, initialValue } = args;
  let losses = 0;
  for (let p = 0; p < paths; p++) {
    const v = terminal[p] as number;
    if (!Number.isFinite(v) || !Number.isFinite(drawdowns[p] as number)) {
      throw new ToolError(
        "NUMERICAL",
        "expectedReturns",
        `simulated value overflowed on path ${p}; the drift or horizon is too large`,
      );
    }
    if (v < initialValue) losses++;
  }
  const sorted = Array.from(terminal).sort((a, b) => a - b);
  const p5 = quantileSorted(sorted, 0.05);
  let tailCount = 0;
  while (tailCount < sorted.length && (sorted[tailCount] as number) <= p5) tailCount++;
  const esValue = sum(sorted.slice(0, tailCount)) / tailCount;
  const sortedDd = Array.from(drawdowns).sort((a, b) => a - b);
  return {
    model: args.model,
    mode: args.mode,
    paths,
    horizonDays: args.horizonDays,
    periodsPerYear: args.periodsPerYear,
    initialValue,
    antithetic: args.antithetic,
    portfolio: args.portfolio,
    probabilityOfLoss: losses / paths,
    terminalValue: {
      mean: sum(sorted) / paths,
      p5,
      p50: quantileSorted(sorted, 0.5),
      p95: quantileSorted(sorted, 0.95),
    },
    expectedShortfall: { value: esValue, lossFraction: 1 - esValue / initialValue },
    maxDrawdown: { mean: sum(sortedDd) / paths, p95: quantileSorted(sortedDd, 0.95) },
    ...(args.valuePaths === undefined ? {} : { valuePaths: args.valuePaths }),
  };
}
