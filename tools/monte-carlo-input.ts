import { choleskyFlat } from "./cholesky.js";
import { invalidInput } from "./errors.js";
import type { RandomSource } from "./random.js";
import { sum } from "./stats.js";
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
 * `paths × horizonDays × simulated assets` (1 in portfolio mode): about 13 s of CPU at the ~13 ns
 * per asset-day measured for 20 assets on the 2-core dev machine; the Cholesky product costs about
 * (n + 1)/2 multiply-adds per asset-day, so larger books cost more per asset-day.
 * `maxReturnedPoints` bounds `paths × (horizonDays + 1)` (8 bytes each) when `returnPaths` is set.
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
  /** Antithetic pairs of paths (ε, −ε); default false (plain independent paths). */
  readonly antithetic?: boolean;
  /** The only source of randomness; the caller seeds it (see `createRandom`). */
  readonly random: RandomSource;
  /**
   * Where a one-asset simulation (portfolio mode, or one asset; others ignore it) takes its
   * normals instead of drawing them: called once, after the input is validated, it must return
   * exactly `oneAssetNormals(random, horizonDays, draws)` for a source in the state `random` is
   * in. The result is then the same, bit for bit, and `random` is not advanced — so simulations
   * over one seed can share one draw.
   */
  readonly normalsFor?: (horizonDays: number, draws: number) => Float64Array;
  /**
   * Where a one-asset simulation that returns no paths, over at most `PROFILE_MAX_DAYS` days,
   * takes the profile of its paths instead of walking them: `oneAssetPathProfile`
   * (monte-carlo-profile.ts) of the normals `normals()` gives (from normalsFor, or drawn), for
   * these horizonDays, paths and antithetic. A caller that memoises it per seed summarises every
   * later simulation over that seed in one pass over the paths. The summary equals the walk's up
   * to rounding (about 1e-15 relative).
   */
  readonly profileFor?: (
    horizonDays: number,
    paths: number,
    antithetic: boolean,
    normals: () => Float64Array,
  ) => OneAssetPathProfile;
}

/**
 * A one-asset simulation summarised from its normals once, for any drift and factor.
 *
 * A one-asset path (portfolio mode) is `L_t = d·t + f·S_t` in log space, with `S_t = Σ_{u≤t} ε_u`
 * its cumulative shocks (`−ε` for an antithetic twin), drift d and factor f ≥ 0. Both figures a
 * summary reads from a path depend on the normals only through a few numbers:
 * - the terminal value `V₀ e^{d·T + f·S_T}` through `S_T`, and it is increasing in `S_T`: the
 *   paths' order by terminal value is their order by `S_T`, the same for every d and f ≥ 0, so the
 *   percentiles need no selection;
 * - the log of the worst drawdown, `min_{s<t} (L_t − L_s)` (L₀ = 0 the first peak), is
 *   `min(0, min_{1≤ℓ≤T} (d·ℓ − f·D_ℓ))` with `D_ℓ = max_s (S_s − S_{s+ℓ})` the path's largest drop
 *   over ℓ days. For f > 0 that is `f · min_ℓ ((d/f)·ℓ − D_ℓ)`, a linear function of the point
 *   (ℓ, D_ℓ) minimised over the points, so a minimiser is a vertex of their upper convex hull; for
 *   f = 0 it is ℓ = T or none, the last vertex. Only the hull's vertices are kept (typically a
 *   handful of the T lags).
 *
 * So a simulation over shared normals (one seed) costs one exponential and a few multiply-adds per
 * path instead of a walk over every day, and the same value as that walk up to rounding (the walk
 * accumulates `d + f·ε` day by day; here `d·ℓ` and `f·D_ℓ` are formed once — about 1e-15 relative).
 */
export interface OneAssetPathProfile {
  readonly horizonDays: number;
  readonly paths: number;
  readonly antithetic: boolean;
  /** `S_T` of every path. */
  readonly sums: Float64Array;
  /** Path indices by ascending `S_T` (ties by index): their order by terminal value. */
  readonly order: Uint32Array;
  /** Path p's hull vertices with ℓ ≥ 1 are entries `hullStart[p] … hullStart[p + 1] − 1`. */
  readonly hullStart: Uint32Array;
  /** ℓ of each vertex. */
  readonly hullLag: Float64Array;
  /** `D_ℓ` of each vertex. */
  readonly hullDrop: Float64Array;
}

/** Daily GBM of n assets: log returns `X = drift + F ε`, ε ~ N(0, I), `F Fᵀ = Σ / P`. */
export interface DailyModel {
  readonly n: number;
  /** Daily mean log return per asset, `(μ_i − σ_i²/2) / P`. */
  readonly drift: Float64Array;
  /** `F = L / √P`, row-major n × n, lower triangular, `L Lᵀ = Σ` (Cholesky). */
  readonly factor: Float64Array;
}

/**
 * Validates annual GBM parameters and de-annualises them: `drift_i = (μ_i − Σ_ii/2) / P` and
 * `factor = cholesky(Σ) / √P` (a PSD but singular Σ is allowed; see `cholesky`). Throws a ToolError
 * naming `expectedReturns`, `covariance` (or `covariance[i][j]`) or `periodsPerYear`.
 *
 * @example
 * // One asset, μ = 0.1008, σ² = 0.0504, P = 252: drift (0.1008 − 0.0252)/252 = 0.0003 and
 * // factor √0.0504 / √252 = √0.0002 ≈ 0.0141421356.
 * dailyModel({ expectedReturns: [0.1008], covariance: [[0.0504]] }).drift[0] // 0.0003 (to 1e-16)
 */
export function dailyModel(params: {
  readonly expectedReturns: readonly number[];
  readonly covariance: readonly (readonly number[])[];
  readonly periodsPerYear?: number;
}): DailyModel {
  const periodsPerYear = params.periodsPerYear ?? MONTE_CARLO_DEFAULTS.periodsPerYear;
  assertPositiveInteger("periodsPerYear", periodsPerYear);
  if (periodsPerYear > MONTE_CARLO_LIMITS.maxPeriodsPerYear) {
    throw invalidInput(
      "periodsPerYear",
      `must be ≤ ${MONTE_CARLO_LIMITS.maxPeriodsPerYear}, got ${periodsPerYear}`,
    );
  }
  const { expectedReturns, covariance } = params;
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
  const factor = choleskyFlat(covariance, "covariance");
  const scale = 1 / Math.sqrt(periodsPerYear);
  for (let k = 0; k < factor.length; k++) factor[k] = (factor[k] as number) * scale;
  const drift = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const variance = (covariance[i] as readonly number[])[i] as number;
    drift[i] = ((expectedReturns[i] as number) - variance / 2) / periodsPerYear;
  }
  return { n, drift, factor };
}

/** {@link MonteCarloInput} with defaults applied and every field checked. */
export interface MonteCarloPlan {
  readonly model: MonteCarloModel;
  readonly mode: MonteCarloMode;
  readonly periodsPerYear: number;
  readonly initialValue: number;
  readonly returnPaths: boolean;
  readonly antithetic: boolean;
  readonly horizonDays: number;
  readonly paths: number;
  readonly random: RandomSource;
  readonly assets: DailyModel;
  readonly weights: Float64Array;
  /** Annual `wᵀμ` and `√(wᵀΣw)`. */
  readonly portfolio: { readonly expectedReturn: number; readonly volatility: number };
}

/**
 * Applies {@link MONTE_CARLO_DEFAULTS} and checks every precondition of `simulatePortfolio`, in
 * this order, throwing a ToolError that names the field: `model`, `mode`, `initialValue`
 * (finite, > 0), `random`, `periodsPerYear` / `expectedReturns` / `covariance` (see
 * {@link dailyModel}), `weights` (length, finite, `weights[i] ≥ 0`, sum 1 ± 1e-6), `horizonDays`,
 * `paths` (positive integers within {@link MONTE_CARLO_LIMITS}, and the work cap), `returnPaths`
 * (returned-points cap). Also computes the portfolio's annual `wᵀμ` and `√(wᵀΣw)`.
 *
 * @example
 * // w = (0.5, 0.5), μ = (0.1, 0.2), Σ = [[0.04, 0.01], [0.01, 0.09]]: wᵀμ = 0.15,
 * // wᵀΣw = 0.25·0.04 + 2·0.25·0.01 + 0.25·0.09 = 0.0375, √0.0375 = 0.19364916731037085.
 * validateMonteCarloInput({ expectedReturns: [0.1, 0.2], covariance: [[0.04, 0.01], [0.01, 0.09]],
 *   weights: [0.5, 0.5], horizonDays: 5, paths: 3, random: createRandom(3) }).portfolio
 * // { expectedReturn: 0.15 (to 1e-15), volatility: 0.19364916731037085 }
 */
export function validateMonteCarloInput(input: MonteCarloInput): MonteCarloPlan {
  const model = input.model ?? MONTE_CARLO_DEFAULTS.model;
  if (model !== "gbm") throw invalidInput("model", `must be "gbm", got ${String(model)}`);
  const mode = input.mode ?? MONTE_CARLO_DEFAULTS.mode;
  if (mode !== "multi-asset" && mode !== "portfolio") {
    throw invalidInput("mode", `must be "multi-asset" or "portfolio", got ${String(mode)}`);
  }
  const periodsPerYear = input.periodsPerYear ?? MONTE_CARLO_DEFAULTS.periodsPerYear;
  const initialValue = input.initialValue ?? MONTE_CARLO_DEFAULTS.initialValue;
  if (typeof initialValue !== "number" || !Number.isFinite(initialValue) || initialValue <= 0) {
    throw invalidInput("initialValue", `must be a finite number > 0, got ${String(initialValue)}`);
  }
  const returnPaths = input.returnPaths ?? MONTE_CARLO_DEFAULTS.returnPaths;
  const antithetic = input.antithetic ?? MONTE_CARLO_DEFAULTS.antithetic;
  if (typeof input.random?.nextDouble !== "function") {
    throw invalidInput("random", "must be a RandomSource (e.g. createRandom(seed))");
  }
  const assets = dailyModel({
    expectedReturns: input.expectedReturns,
    covariance: input.covariance,
    periodsPerYear,
  });
  const weights = checkWeights(input.weights, assets.n);
  const { horizonDays, paths } = input;
  assertPositiveInteger("horizonDays", horizonDays);
  if (horizonDays > MONTE_CARLO_LIMITS.maxHorizonDays) {
    throw invalidInput(
      "horizonDays",
      `must be ≤ ${MONTE_CARLO_LIMITS.maxHorizonDays}, got ${horizonDays}`,
    );
  }
  assertPositiveInteger("paths", paths);
  if (paths > MONTE_CARLO_LIMITS.maxPaths) {
    throw invalidInput("paths", `must be ≤ ${MONTE_CARLO_LIMITS.maxPaths}, got ${paths}`);
  }
  const work = paths * horizonDays * (mode === "portfolio" ? 1 : assets.n);
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
  return {
    model,
    mode,
    periodsPerYear,
    initialValue,
    returnPaths,
    antithetic,
    horizonDays,
    paths,
    random: input.random,
    assets,
    weights,
    portfolio: portfolioMoments(input.expectedReturns, input.covariance, weights),
  };
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
