import {
  dailyModel,
  validateMonteCarloInput,
  type DailyModel,
  type MonteCarloInput,
  type MonteCarloMode,
  type MonteCarloModel,
} from "./monte-carlo-input.js";
import {
  normalDraws,
  oneAssetNormals,
  sampleLogReturns,
  simulateBuyAndHoldPaths,
  simulateOneAssetPaths,
} from "./monte-carlo-paths.js";
import { summarisePaths, type MonteCarloSummary } from "./monte-carlo-summary.js";
import { PROFILE_MAX_DAYS, summariseOneAssetProfile } from "./monte-carlo-profile.js";
import { invalidInput } from "./errors.js";
import type { RandomSource } from "./random.js";

export {
  MONTE_CARLO_DEFAULTS,
  MONTE_CARLO_LIMITS,
  WEIGHT_SUM_TOLERANCE,
  type MonteCarloInput,
  type MonteCarloMode,
  type MonteCarloModel,
  type OneAssetPathProfile,
} from "./monte-carlo-input.js";
export { BLOCK_ELEMENTS, normalDraws, oneAssetNormals } from "./monte-carlo-paths.js";
export {
  oneAssetPathProfile,
  PROFILE_MAX_DAYS,
  summariseOneAssetProfile,
} from "./monte-carlo-profile.js";
export type { MonteCarloSummary } from "./monte-carlo-summary.js";

export interface MonteCarloResult extends MonteCarloSummary {
  readonly model: MonteCarloModel;
  readonly mode: MonteCarloMode;
  readonly paths: number;
  readonly horizonDays: number;
  readonly periodsPerYear: number;
  readonly initialValue: number;
  readonly antithetic: boolean;
  /** The portfolio's annual `wᵀμ` and `√(wᵀΣw)` (the portfolio-mode parameters; informative in multi-asset mode). */
  readonly portfolio: { readonly expectedReturn: number; readonly volatility: number };
  /** Present only with `returnPaths: true`: `valuePaths[p][t]` = `V_t` on path p, t = 0…horizonDays. */
  readonly valuePaths?: number[][];
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
 * callers that need the asset paths. Throws a ToolError naming `expectedReturns`, `covariance`,
 * `periodsPerYear` or (in `sample`) `days`.
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
  const model = dailyModel(params);
  return {
    assets: model.n,
    drift: model.drift,
    sample(days: number): Float64Array[] {
      return sampleLogReturns(model, random, days);
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
 * Randomness: reads nothing but its inputs. By default paths are plain and independent. For each
 * path (or antithetic pair), days are taken in blocks of {@link BLOCK_ELEMENTS}/n days; within a
 * block, asset 0's normals for every day come first, then asset 1's, and so on (drawn through
 * `fillStandardNormal`, i.e. the source's fast path when it has one). With `antithetic: true`
 * paths come in pairs driven by ε and −ε (Glasserman 2004, §4.2): each path is still an exact GBM
 * path, the pair is negatively dependent (lower variance for monotone statistics), and an odd
 * last path is unpaired. The same seeded source and inputs always give identical results.
 *
 * Outputs (see {@link MonteCarloResult} and `summarisePaths`): probability of loss
 * `#{V_T < V₀}/paths`; terminal mean (compensated sum) and type-7 percentiles p5, p50, p95 (the p5
 * is Steward's "Monte Carlo downside terminal value"); 95% expected shortfall of `V_T` (mean of
 * `V_T ≤ p5`, and as a loss fraction of V₀); per-path maximum drawdown (positive fraction), its
 * mean and type-7 p95.
 *
 * Validation (ToolError naming the field; see `validateMonteCarloInput`): weights length and
 * finite, `≥ 0`, sum 1 ± 1e-6; covariance square, finite, symmetric, PSD (repair is the caller's
 * job); horizonDays, paths positive integers within {@link MONTE_CARLO_LIMITS}; a non-finite result
 * throws NUMERICAL.
 *
 * @example
 * // σ = 0: every path is 252 daily factors exp(0.1008/252) = exp(0.1008) (to 1e-12 after
 * // rounding); no path loses, no drawdown.
 * simulatePortfolio({ expectedReturns: [0.1008], covariance: [[0]], weights: [1], horizonDays: 252,
 *   paths: 10, random: createRandom(1) }).terminalValue.p50 // 1.1060554085591288
 */
export function simulatePortfolio(input: MonteCarloInput): MonteCarloResult {
  const plan = validateMonteCarloInput(input);
  const { initialValue, horizonDays, paths, antithetic, returnPaths, portfolio } = plan;
  let model: DailyModel = plan.assets;
  let weights = plan.weights;
  if (plan.mode === "portfolio") {
    const sigma = portfolio.volatility;
    const p = plan.periodsPerYear;
    model = {
      n: 1,
      drift: Float64Array.of((portfolio.expectedReturn - (sigma * sigma) / 2) / p),
      factor: Float64Array.of(sigma / Math.sqrt(p)),
    };
    weights = Float64Array.of(1);
  }
  const options = { initialValue, horizonDays, paths, antithetic, returnPaths };
  const head = {
    model: plan.model,
    mode: plan.mode,
    paths,
    horizonDays,
    periodsPerYear: plan.periodsPerYear,
    initialValue,
    antithetic,
    portfolio,
  };
  let out;
  if (model.n === 1) {
    // One asset: its own kernel (no padding row), over normals given or drawn now — or, when the
    // caller keeps a profile of those normals, summarised from it without walking the paths.
    const draws = normalDraws(paths, antithetic);
    const normals = () =>
      input.normalsFor?.(horizonDays, draws) ?? oneAssetNormals(plan.random, horizonDays, draws);
    if (
      input.profileFor !== undefined &&
      !returnPaths &&
      horizonDays <= PROFILE_MAX_DAYS &&
      (model.factor[0] as number) >= 0
    ) {
      const profile = input.profileFor(horizonDays, paths, antithetic, normals);
      if (
        profile.horizonDays !== horizonDays ||
        profile.paths !== paths ||
        profile.antithetic !== antithetic
      ) {
        throw invalidInput("profileFor", "returned the profile of other paths");
      }
      return { ...head, ...summariseOneAssetProfile(profile, model, initialValue) };
    }
    out = simulateOneAssetPaths(normals(), model, options);
  } else {
    out = simulateBuyAndHoldPaths(plan.random, model, weights, options);
  }
  return {
    ...head,
    ...summarisePaths(out.terminal, out.drawdowns, initialValue),
    ...(out.valuePaths === undefined ? {} : { valuePaths: out.valuePaths }),
  };
}
