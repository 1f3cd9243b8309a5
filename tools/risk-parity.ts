import { choleskyInPlace, SYMMETRY_TOLERANCE } from "./cholesky.js";
import { ToolError, infeasible, invalidInput } from "./errors.js";
import { assertFiniteArray, assertSquareMatrix } from "./validate.js";

/**
 * Risk parity (equal risk contributions) and risk budgeting, long-only and fully invested.
 *
 * The relative risk contribution of asset i to a portfolio w is `RC_i = w_i (Σw)_i / wᵀΣw`
 * (Euler decomposition of the variance: the RC_i sum to 1, and equally the volatility
 * contributions `w_i (Σw)_i / √(wᵀΣw)` sum to the volatility). A risk-budgeting portfolio has
 * `RC_i = b_i` for given budgets `b_i ≥ 0, Σb = 1`; risk parity is `b_i = 1/n`.
 *
 * Solved exactly through Spinu (2013)'s strictly convex problem
 * `min_y f(y) = ½ yᵀΣy − Σ_i b_i ln y_i` over `y > 0`: its stationarity condition
 * `(Σy)_i = b_i / y_i` is `y_i (Σy)_i = b_i`, so `w = y / Σ_j y_j` has `RC_i = b_i / Σb = b_i`.
 * Newton's method on f (Hessian `Σ + diag(b / y²)`, positive definite for every y > 0) with a
 * backtracking (Armijo) line search that keeps y > 0 converges quadratically; iteration stops
 * when the residual `max_i |y_i (Σy)_i − b_i|` is at most {@link RISK_PARITY_TOLERANCE}.
 */

/** Residual at which the Newton iteration stops: `max_i |y_i (Σy)_i − b_i| ≤ 1e-15`. */
export const RISK_PARITY_TOLERANCE = 1e-15;
/** The solver fails (ToolError NUMERICAL) if the achieved max budget deviation exceeds this. */
export const RISK_PARITY_ACCEPT = 1e-10;
const MAX_ITERATIONS = 200;

export interface RiskParityOptions {
  /**
   * Risk budgets, one per asset, each ≥ 0 and summing to 1 (within 1e-6; they are then
   * rescaled to sum to exactly 1). A zero budget excludes the asset (weight 0). Default `1/n`.
   */
  readonly budgets?: readonly number[];
  /** Asset names, used in error fields (`covariance.AAPL`) instead of indices. */
  readonly symbols?: readonly string[];
}

export interface RiskParityResult {
  /** Long-only weights summing to 1 (within 1e-12). */
  readonly weights: number[];
  /** The budgets solved for (rescaled to sum to 1). */
  readonly budgets: number[];
  /** Achieved relative risk contributions `w_i (Σw)_i / wᵀΣw`, summing to 1. */
  readonly riskContributions: number[];
  /** `max_i |RC_i − b_i|`, the achieved accuracy (≈ 1e-15 on well-conditioned inputs). */
  readonly maxDeviation: number;
  /** Portfolio volatility `√(wᵀΣw)`, in the covariance's units (annual if Σ is annualised). */
  readonly volatility: number;
  /** Newton iterations taken. */
  readonly iterations: number;
}

function label(symbols: readonly string[] | undefined, i: number): string {
  const s = symbols?.[i];
  return s === undefined ? `[${i}]` : `.${s}`;
}

/**
 * Risk-budgeting (default: equal-risk-contribution) weights of a covariance matrix, solved by
 * Newton's method on Spinu's convex formulation (see the module comment) to machine precision.
 *
 * Units: Σ in any consistent unit (daily or annualised — the weights do not depend on its scale).
 * Output weights are fractions, long-only, summing to 1. Weights below 1e-12 in absolute value
 * are reported as 0 (only excluded assets, with a zero budget, can be that small).
 *
 * Errors (ToolError, naming the field): `covariance` not square / not finite / not symmetric
 * (INVALID_INPUT); a zero or negative variance for an asset with a positive budget
 * (`covariance[i][i]`, INVALID_INPUT); `budgets` of the wrong length, negative, all zero, or not
 * summing to 1 (INVALID_INPUT); a long-only combination of the budgeted assets with zero variance,
 * for which no risk-budgeting portfolio exists (`covariance`, INFEASIBLE).
 *
 * @example
 * // Maillard, Roncalli & Teiletche (2010), uncorrelated assets with σ = 10%, 20%, 30%, 40%:
 * // w_i ∝ 1/σ_i = 10 : 5 : 3.33 : 2.5 → 48%, 24%, 16%, 12%.
 * riskParity([[0.01, 0, 0, 0], [0, 0.04, 0, 0], [0, 0, 0.09, 0], [0, 0, 0, 0.16]]).weights
 * // [0.48, 0.24, 0.16, 0.12] (to 1e-15)
 */
export function riskParity(
  covariance: readonly (readonly number[])[],
  options: RiskParityOptions = {},
): RiskParityResult {
  assertSquareMatrix("covariance", covariance);
  const n = covariance.length;
  if (n === 0) throw invalidInput("covariance", "must have at least one asset");
  const { symbols } = options;
  if (symbols !== undefined && symbols.length !== n) {
    throw invalidInput("symbols", `has ${symbols.length} names for ${n} assets`);
  }
  const cov = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const row = covariance[i] as readonly number[];
    for (let j = 0; j < n; j++) cov[i * n + j] = row[j] as number;
    scale = Math.max(scale, Math.abs(row[i] as number));
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = cov[i * n + j] as number;
      const b = cov[j * n + i] as number;
      if (Math.abs(a - b) > SYMMETRY_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), scale)) {
        throw invalidInput(
          `covariance[${i}][${j}]`,
          `matrix must be symmetric: ${a} ≠ covariance[${j}][${i}] = ${b}`,
        );
      }
    }
  }

  const budgets = resolveBudgets(options.budgets, n);
  // Active assets: positive budget. Zero-budget assets get weight 0 and drop out of the problem.
  const active: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((budgets[i] as number) > 0) {
      const v = cov[i * n + i] as number;
      if (!(v > 0)) {
        throw invalidInput(
          `covariance${label(symbols, i)}`,
          `variance must be positive for an asset with a risk budget, got ${v}`,
        );
      }
      active.push(i);
    }
  }
  const m = active.length;
  const s = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const i = active[a] as number;
    b[a] = budgets[i] as number;
    for (let c = 0; c < m; c++) s[a * m + c] = cov[i * n + (active[c] as number)] as number;
  }

  const { y, iterations } = solveSpinu(s, b, m);

  let total = 0;
  for (let a = 0; a < m; a++) total += y[a] as number;
  const weights = new Array<number>(n).fill(0);
  for (let a = 0; a < m; a++) weights[active[a] as number] = (y[a] as number) / total;
  for (let i = 0; i < n; i++) if (Math.abs(weights[i] as number) < 1e-12) weights[i] = 0;

  const { contributions, variance } = riskContributionsFlat(cov, weights, n);
  let maxDeviation = 0;
  for (let i = 0; i < n; i++) {
    maxDeviation = Math.max(
      maxDeviation,
      Math.abs((contributions[i] as number) - (budgets[i] as number)),
    );
  }
  if (!(maxDeviation <= RISK_PARITY_ACCEPT)) {
    throw new ToolError(
      "NUMERICAL",
      "covariance",
      `risk budgeting did not converge (max budget deviation ${maxDeviation}); the matrix is too ill-conditioned`,
    );
  }
  return {
    weights,
    budgets,
    riskContributions: contributions,
    maxDeviation,
    volatility: Math.sqrt(variance),
    iterations,
  };
}

/**
 * Relative risk contributions `RC_i = w_i (Σw)_i / wᵀΣw` of any weights (they sum to 1).
 * Throws if `wᵀΣw ≤ 0` (no risk to decompose).
 *
 * @example
 * // Σ = diag(0.04, 0.01), w = (0.5, 0.5): w∘Σw = (0.01, 0.0025), wᵀΣw = 0.0125 → (0.8, 0.2)
 * riskContributions([[0.04, 0], [0, 0.01]], [0.5, 0.5]) // [0.8, 0.2]
 */
export function riskContributions(
  covariance: readonly (readonly number[])[],
  weights: readonly number[],
): number[] {
  assertSquareMatrix("covariance", covariance);
  assertFiniteArray("weights", weights);
  const n = covariance.length;
  if (weights.length !== n) {
    throw invalidInput("weights", `has ${weights.length} weights for ${n} assets`);
  }
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = covariance[i] as readonly number[];
    for (let j = 0; j < n; j++) cov[i * n + j] = row[j] as number;
  }
  const { contributions, variance } = riskContributionsFlat(cov, weights, n);
  if (!(variance > 0)) {
    throw invalidInput("weights", `portfolio variance is ${variance}; no risk to decompose`);
  }
  return contributions;
}

function riskContributionsFlat(
  cov: Float64Array,
  w: readonly number[],
  n: number,
): { contributions: number[]; variance: number } {
  const parts = new Array<number>(n);
  let variance = 0;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += (cov[i * n + j] as number) * (w[j] as number);
    parts[i] = (w[i] as number) * acc;
    variance += parts[i] as number;
  }
  return { contributions: parts.map((p) => p / variance), variance };
}

function resolveBudgets(budgets: readonly number[] | undefined, n: number): number[] {
  if (budgets === undefined) return new Array<number>(n).fill(1 / n);
  assertFiniteArray("budgets", budgets);
  if (budgets.length !== n) {
    throw invalidInput("budgets", `has ${budgets.length} budgets for ${n} assets`);
  }
  let total = 0;
  budgets.forEach((v, i) => {
    if (v < 0) throw invalidInput(`budgets[${i}]`, `must be ≥ 0, got ${v}`);
    total += v;
  });
  if (!(total > 0)) throw invalidInput("budgets", "at least one budget must be positive");
  if (Math.abs(total - 1) > 1e-6) throw invalidInput("budgets", `must sum to 1, got ${total}`);
  return total === 1 ? [...budgets] : budgets.map((v) => v / total);
}

/**
 * Newton's method with backtracking on `f(y) = ½ yᵀSy − Σ b ln y` (S is m×m, row-major).
 * Starts from `y_i = √b_i / σ_i` (the exact solution when S is diagonal), scaled so that
 * `yᵀSy = Σb` as at the optimum.
 */
function solveSpinu(
  s: Float64Array,
  b: Float64Array,
  m: number,
): { y: Float64Array; iterations: number } {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) y[i] = Math.sqrt(b[i] as number) / Math.sqrt(s[i * m + i] as number);
  const sy = new Float64Array(m);
  const mulS = (x: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < m; i++) {
      let acc = 0;
      const row = i * m;
      for (let j = 0; j < m; j++) acc += (s[row + j] as number) * (x[j] as number);
      out[i] = acc;
    }
  };
  mulS(y, sy);
  let quad = 0;
  for (let i = 0; i < m; i++) quad += (y[i] as number) * (sy[i] as number);
  if (quad > 0) {
    const k = 1 / Math.sqrt(quad);
    for (let i = 0; i < m; i++) {
      y[i] = (y[i] as number) * k;
      sy[i] = (sy[i] as number) * k;
    }
  }

  const objective = (x: Float64Array, sx: Float64Array): number => {
    let q = 0;
    let l = 0;
    for (let i = 0; i < m; i++) {
      q += (x[i] as number) * (sx[i] as number);
      l += (b[i] as number) * Math.log(x[i] as number);
    }
    return 0.5 * q - l;
  };
  const residual = (x: Float64Array, sx: Float64Array): number => {
    let r = 0;
    for (let i = 0; i < m; i++) {
      r = Math.max(r, Math.abs((x[i] as number) * (sx[i] as number) - (b[i] as number)));
    }
    return r;
  };

  const h = new Float64Array(m * m);
  const g = new Float64Array(m);
  const step = new Float64Array(m);
  const trial = new Float64Array(m);
  const strial = new Float64Array(m);
  let f = objective(y, sy);
  let res = residual(y, sy);
  let iterations = 0;
  while (res > RISK_PARITY_TOLERANCE && iterations < MAX_ITERATIONS) {
    iterations++;
    for (let i = 0; i < m; i++) {
      const yi = y[i] as number;
      g[i] = (sy[i] as number) - (b[i] as number) / yi;
      for (let j = 0; j < m; j++) h[i * m + j] = s[i * m + j] as number;
      h[i * m + i] = (h[i * m + i] as number) + (b[i] as number) / (yi * yi);
    }
    for (let i = 0; i < m; i++) step[i] = -(g[i] as number);
    if (!choleskySolveInPlace(h, step, m)) break;
    let slope = 0;
    for (let i = 0; i < m; i++) slope += (g[i] as number) * (step[i] as number);
    // Largest t ≤ 1 keeping y + t·step > 0 (with a margin), then Armijo backtracking.
    let t = 1;
    for (let i = 0; i < m; i++) {
      const d = step[i] as number;
      if (d < 0) t = Math.min(t, (-0.99 * (y[i] as number)) / d);
    }
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < m; i++) trial[i] = (y[i] as number) + t * (step[i] as number);
      mulS(trial, strial);
      const ft = objective(trial, strial);
      const rt = residual(trial, strial);
      // Near the optimum f changes below its rounding error; the residual then decides.
      if (ft <= f + 1e-4 * t * slope || (rt < res && rt < 1e-8)) {
        y.set(trial);
        sy.set(strial);
        f = ft;
        res = rt;
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    if (!Number.isFinite(f) || f < -1e12) break;
  }
  if (!(res <= RISK_PARITY_ACCEPT) || !Number.isFinite(f)) {
    throw infeasible(
      "covariance",
      "no risk-budgeting portfolio exists: a long-only combination of the budgeted assets has (numerically) zero variance",
    );
  }
  return { y, iterations };
}

/**
 * Solves `A x = rhs` for symmetric positive definite A (row-major, overwritten by its Cholesky
 * factor, see tools/cholesky.ts choleskyInPlace); rhs is overwritten by x. Returns false on a
 * non-positive pivot.
 */
function choleskySolveInPlace(a: Float64Array, rhs: Float64Array, m: number): boolean {
  if (!choleskyInPlace(a, m)) return false;
  for (let i = 0; i < m; i++) {
    let acc = rhs[i] as number;
    for (let k = 0; k < i; k++) acc -= (a[i * m + k] as number) * (rhs[k] as number);
    rhs[i] = acc / (a[i * m + i] as number);
  }
  for (let i = m - 1; i >= 0; i--) {
    let acc = rhs[i] as number;
    for (let k = i + 1; k < m; k++) acc -= (a[k * m + i] as number) * (rhs[k] as number);
    rhs[i] = acc / (a[i * m + i] as number);
  }
  return true;
}
