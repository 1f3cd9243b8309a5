import { solveActiveSetQp, type ActiveSetSolution, type DenseQp } from "./active-set-qp.js";
import { choleskyFlat } from "./cholesky.js";
import { ToolError, invalidInput, isToolError } from "./errors.js";
import {
  compileFeasibleSet,
  compilePortfolioQp,
  resolveConstraints,
  type CompiledPortfolioQp,
  type PortfolioConstraints,
  type ResolvedConstraints,
} from "./portfolio-constraints.js";
import { linearProgram } from "./qp-simplex.js";
import { assertFiniteArray, assertFiniteNumber, assertSquareMatrix } from "./validate.js";

/*
 * Shared machinery of the mean–variance optimisers (tools/mean-variance.ts) and the efficient
 * frontier (tools/efficient-frontier.ts): input validation, the singular-covariance ridge, weight
 * clean-up and the portfolio figures.
 */

/** The inputs of every mean–variance optimiser. */
export interface MeanVarianceProblem {
  readonly symbols: readonly string[];
  /** Annual expected returns (fractions), aligned with `symbols`. */
  readonly expectedReturns: readonly number[];
  /** Annualised covariance matrix, symmetric positive semi-definite, aligned with `symbols`. */
  readonly covariance: readonly (readonly number[])[];
  readonly constraints?: PortfolioConstraints;
}

export interface OptimiserOptions {
  /** Annual risk-free rate for the Sharpe ratio; default {@link DEFAULT_RISK_FREE}. */
  readonly riskFree?: number;
}

export type MeanVarianceObjective =
  "min-volatility" | "max-sharpe" | "efficient-risk" | "efficient-return";

export interface PortfolioPerformance {
  /** `wᵀμ`, annual fraction. */
  readonly expectedReturn: number;
  /** `√(wᵀΣw)`, annual fraction. */
  readonly volatility: number;
  /** `(wᵀμ − rf) / √(wᵀΣw)`; null (with `sharpeNullReason`) when the volatility is 0. */
  readonly sharpe: number | null;
  readonly sharpeNullReason?: string;
}

export interface OptimalPortfolio extends PortfolioPerformance {
  readonly objective: MeanVarianceObjective;
  readonly symbols: readonly string[];
  /** Weights aligned with `symbols`: sum to 1 within 1e-9, inside the bounds, |w| < 1e-12 → 0. */
  readonly weights: number[];
  readonly riskFree: number;
  /**
   * Ridge added to the covariance diagonal when it was singular on the optimal face
   * (`ε · tr(Σ)/n`, ε = {@link RIDGE_EPSILON}); 0 when none was needed.
   */
  readonly ridge: number;
  /** `Σ|w − w₀|` when a turnover control gave current weights, else null. */
  readonly turnover: number | null;
  /** Active-set iterations summed over every QP solved. */
  readonly iterations: number;
}

/** Default annual risk-free rate (as tools/performance.ts). */
export const DEFAULT_RISK_FREE = 0;
/** Relative ridge `ε` of the singular-covariance fix `Σ + ε·tr(Σ)/n·I`. */
export const RIDGE_EPSILON = 1e-10;
/** Weights smaller than this in absolute value are reported as exactly 0. */
export const ZERO_WEIGHT = 1e-12;

/** A validated problem in flat form (what the optimisers work on). */
export interface Prepared {
  readonly n: number;
  readonly symbols: readonly string[];
  readonly mu: Float64Array;
  /** Covariance as used by the QPs (ridge included), n × n row-major. */
  readonly cov: Float64Array;
  /** The covariance as given, for reporting. */
  readonly rawCov: Float64Array;
  readonly resolved: ResolvedConstraints;
  readonly ridge: number;
  iterations: number;
}

/**
 * Validates a {@link MeanVarianceProblem}: μ finite with one entry per symbol, Σ square, finite,
 * symmetric (relative 1e-10) and positive semi-definite (a pivoted-free Cholesky screen,
 * tools/cholesky.ts), constraints via `resolveConstraints`.
 * Errors name the field (`expectedReturns`, `covariance[i][j]`, `bounds`, `groups.NAME`, ...).
 *
 * @example prepareProblem({ symbols: ["A"], expectedReturns: [0.1], covariance: [[0.04]] }).cov
 * // Float64Array [0.04]
 */
export function prepareProblem(problem: MeanVarianceProblem): Prepared {
  const { symbols, expectedReturns, covariance } = problem;
  const n = symbols.length;
  if (n === 0) throw invalidInput("symbols", "must name at least one asset");
  if (expectedReturns.length !== n) {
    throw invalidInput("expectedReturns", `must have ${n} entries, got ${expectedReturns.length}`);
  }
  assertFiniteArray("expectedReturns", expectedReturns);
  assertSquareMatrix("covariance", covariance, n);
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = covariance[i] as readonly number[];
    for (let j = 0; j < n; j++) cov[i * n + j] = row[j] as number;
  }
  // Symmetry and positive semi-definiteness (tools/cholesky.ts: pivots below −n·2⁻⁵²·max Σ_ii
  // are an error). Without it the active-set method could stop at a local minimum of an
  // indefinite quadratic. O(n³/6): about 30 ms at n = 500.
  choleskyFlat(covariance, "covariance");
  return {
    n,
    symbols,
    mu: Float64Array.from(expectedReturns),
    cov,
    rawCov: cov,
    resolved: resolveConstraints(symbols, problem.constraints),
    ridge: 0,
    iterations: 0,
  };
}

/**
 * The problem with the ridge `ε·tr(Σ)/n` (ε = {@link RIDGE_EPSILON}) added to Σ's diagonal.
 *
 * @example withRidge(prepareProblem({ symbols: ["A", "B"], expectedReturns: [0, 0],
 *   covariance: [[1, 1], [1, 1]] })).ridge // 1e-10
 */
export function withRidge(prep: Prepared): Prepared {
  const { n } = prep;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += prep.rawCov[i * n + i] as number;
  const ridge = (RIDGE_EPSILON * Math.max(trace, Number.MIN_VALUE)) / n;
  const cov = Float64Array.from(prep.rawCov);
  for (let i = 0; i < n; i++) cov[i * n + i] = (cov[i * n + i] as number) + ridge;
  return { ...prep, cov, ridge, iterations: prep.iterations };
}

/**
 * Runs an optimisation; if a QP meets a singular covariance on its free set (ToolError NUMERICAL
 * `hessian`), reruns the whole optimisation on `Σ + ε·tr(Σ)/n·I` (reported as `ridge`), so that
 * every QP of one optimisation sees the same Σ. A second failure means Σ is not PSD: INVALID_INPUT
 * naming `covariance`.
 *
 * @example
 * // A body that meets a singular Hessian once is rerun with the ridge ε·tr(Σ)/n:
 * runWithRidge(problem, (p) => { if (p.ridge === 0) throw singular; return p.ridge; })
 * // 1e-10 · tr(Σ)/n
 */
export function runWithRidge<T>(problem: MeanVarianceProblem, body: (p: Prepared) => T): T {
  const prep = prepareProblem(problem);
  try {
    return body(prep);
  } catch (error) {
    if (!(isToolError(error) && error.code === "NUMERICAL" && error.field === "hessian"))
      throw error;
  }
  try {
    return body(withRidge(prep));
  } catch (error) {
    if (isToolError(error) && error.code === "NUMERICAL" && error.field === "hessian") {
      throw invalidInput(
        "covariance",
        "is not positive semi-definite (a ridge did not make it solvable); repair it first (tools/psd.ts)",
      );
    }
    throw error;
  }
}

/**
 * Solves one QP of an optimisation (tools/active-set-qp.ts) and adds its iterations to the
 * running count `prep.iterations`.
 *
 * @example
 * // Two uncorrelated assets, variances 0.04 and 0.01: the min-variance QP gives (0.2, 0.8).
 * solvePrepared(prep, compilePortfolioQp(prep.resolved, prep.cov, []).qp).x // [0.2, 0.8]
 */
export function solvePrepared(
  prep: Prepared,
  qp: DenseQp,
  start?: Float64Array,
): ActiveSetSolution {
  const sol = solveActiveSetQp(qp, start === undefined ? {} : { start });
  prep.iterations += sol.iterations;
  return sol;
}

/**
 * Clips solver round-off into the bounds, reports |w| < {@link ZERO_WEIGHT} as 0 (when 0 is within
 * the bounds) and re-checks `|Σw − 1| ≤ 1e-9`.
 */
function cleanWeights(prep: Prepared, raw: Float64Array): number[] {
  const { lower, upper } = prep.resolved;
  const w: number[] = [];
  let total = 0;
  for (let i = 0; i < prep.n; i++) {
    const l = lower[i] as number;
    const h = upper[i] as number;
    let v = Math.min(h, Math.max(l, raw[i] as number));
    if (Math.abs(v) < ZERO_WEIGHT && l <= 0 && h >= 0) v = 0;
    w.push(v);
    total += v;
  }
  if (!(Math.abs(total - 1) <= 1e-9)) {
    throw new ToolError("NUMERICAL", "weights", `the optimal weights sum to ${total}, not 1`);
  }
  return w;
}

/**
 * `wᵀμ`, `√(wᵀΣw)` and `(wᵀμ − rf)/√(wᵀΣw)` (null with a reason at zero volatility).
 *
 * @example performanceOf(Float64Array.of(0.1), Float64Array.of(0.04), [1], 0).sharpe // 0.5
 */
export function performanceOf(
  mu: Float64Array,
  cov: Float64Array,
  w: readonly number[],
  riskFree: number,
): PortfolioPerformance {
  const n = w.length;
  let ret = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    if (wi === 0) continue;
    ret += wi * (mu[i] as number);
    let s = 0;
    for (let j = 0; j < n; j++) s += (cov[i * n + j] as number) * (w[j] as number);
    variance += wi * s;
  }
  const volatility = Math.sqrt(Math.max(0, variance));
  if (volatility === 0) {
    return {
      expectedReturn: ret,
      volatility,
      sharpe: null,
      sharpeNullReason: "the portfolio has zero volatility",
    };
  }
  return { expectedReturn: ret, volatility, sharpe: (ret - riskFree) / volatility };
}

/**
 * The reported portfolio: weights cleaned (clipped into the bounds, |w| < 1e-12 → 0, sum
 * re-checked to 1e-9), `wᵀμ`, `√(wᵀΣw)` with the covariance as given, Sharpe at `riskFree`,
 * turnover `Σ|w − w₀|` when current weights were given.
 *
 * @example finishPortfolio(prep, "min-volatility", Float64Array.of(0.2, 0.8), 0).weights // [0.2, 0.8]
 */
export function finishPortfolio(
  prep: Prepared,
  objective: MeanVarianceObjective,
  raw: Float64Array,
  riskFree: number,
): OptimalPortfolio {
  const weights = cleanWeights(prep, raw);
  const perf = performanceOf(prep.mu, prep.rawCov, weights, riskFree);
  const t = prep.resolved.turnover;
  let turnover: number | null = null;
  if (t !== null) {
    turnover = 0;
    for (let i = 0; i < prep.n; i++)
      turnover += Math.abs((weights[i] as number) - (t.current[i] as number));
  }
  return {
    objective,
    symbols: prep.symbols,
    weights,
    ...perf,
    riskFree,
    ridge: prep.ridge,
    turnover,
    iterations: prep.iterations,
  };
}

/**
 * The risk-free rate of the options (default {@link DEFAULT_RISK_FREE}), checked finite.
 *
 * @example resolveRiskFree({ riskFree: 0.02 }) // 0.02
 */
export function resolveRiskFree(options: OptimiserOptions): number {
  const rf = options.riskFree ?? DEFAULT_RISK_FREE;
  assertFiniteNumber("riskFree", rf);
  return rf;
}

/** The compiled problem with a return row `μᵀw (= | ≥) target` appended (its index is `returnRow`). */
export interface ReturnCompiled extends CompiledPortfolioQp {
  readonly returnRow: number;
  /** Sets the return row's right-hand side for a weight-space target. */
  readonly setTarget: (target: number) => void;
}

/**
 * {@link compilePortfolioQp} with the return row `μᵀw = target` (`equality`) or `μᵀw ≥ target`
 * appended, labelled `targetReturn`; `setTarget` moves its right-hand side (in weight space).
 *
 * @example compileWithReturn(prep, true, false).qp.labels // ["budget", "targetReturn"]
 */
export function compileWithReturn(
  prep: Prepared,
  equality: boolean,
  penalty: boolean,
): ReturnCompiled {
  const compiled = compilePortfolioQp(
    prep.resolved,
    prep.cov,
    [{ coefficients: Float64Array.from(prep.mu), equality, rhs: 0, label: "targetReturn" }],
    penalty,
  );
  const returnRow = compiled.qp.labels.indexOf("targetReturn");
  const t = prep.resolved.turnover;
  let offset = 0;
  if (compiled.split && t !== null) {
    for (let i = 0; i < prep.n; i++) offset += (prep.mu[i] as number) * (t.current[i] as number);
  }
  const rhs = compiled.qp.rhs;
  return {
    ...compiled,
    returnRow,
    setTarget: (target) => {
      rhs[returnRow] = target - offset;
    },
  };
}

/**
 * The highest expected return `max μᵀw` over the constraints (bounds, groups, turnover cap): an
 * LP solved by tools/qp-simplex.ts.
 *
 * @example
 * // Long-only, μ = (0.1, 0.05): everything in the first asset.
 * maxAttainableReturn(prepareProblem({ symbols: ["A", "B"], expectedReturns: [0.1, 0.05],
 *   covariance: [[0.04, 0], [0, 0.01]] })) // 0.1
 */
export function maxAttainableReturn(prep: Prepared): number {
  const { n, mu } = prep;
  const compiled = compileFeasibleSet(prep.resolved, []);
  // μᵀw in the QP's variables: μ on w, or (μ, −μ) on the split (u, v) plus the constant μᵀw₀.
  const cost = new Float64Array(compiled.set.n);
  for (let i = 0; i < n; i++) {
    cost[i] = -(mu[i] as number);
    if (compiled.split) cost[i + n] = mu[i] as number;
  }
  const lp = linearProgram(compiled.set, cost);
  return dot(mu, compiled.weights(lp.x));
}

/**
 * `wᵀΣw` for a row-major n × n Σ, skipping zero weights.
 *
 * @example quadraticForm(Float64Array.of(0.04, 0, 0, 0.01), Float64Array.of(0.5, 0.5)) // 0.0125
 */
export function quadraticForm(cov: Float64Array, w: Float64Array): number {
  const n = w.length;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    if (wi === 0) continue;
    let s = 0;
    for (let j = 0; j < n; j++) s += (cov[i * n + j] as number) * (w[j] as number);
    v += wi * s;
  }
  return v;
}

/**
 * `aᵀb`.
 *
 * @example dot(Float64Array.of(1, 2), Float64Array.of(3, 4)) // 11
 */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
