import type { ActiveSetSolution, DenseQp } from "./active-set-qp.js";
import { ToolError, infeasible, invalidInput } from "./errors.js";
import {
  compileWithReturn,
  dot,
  finishPortfolio,
  maxAttainableReturn,
  performanceOf,
  quadraticForm,
  resolveRiskFree,
  runWithRidge,
  solvePrepared,
  DEFAULT_RISK_FREE,
  type MeanVarianceProblem,
  type OptimalPortfolio,
  type OptimiserOptions,
  type PortfolioPerformance,
  type Prepared,
} from "./mean-variance-core.js";
import {
  compileFeasibleSet,
  compilePortfolioQp,
  groupRows,
  type WeightRow,
} from "./portfolio-constraints.js";
import { parametricSegment } from "./qp-parametric.js";
import { linearProgram } from "./qp-simplex.js";
import { assertFiniteArray, assertFiniteNumber, assertSquareMatrix } from "./validate.js";

export {
  DEFAULT_RISK_FREE,
  RIDGE_EPSILON,
  ZERO_WEIGHT,
  type MeanVarianceObjective,
  type MeanVarianceProblem,
  type OptimalPortfolio,
  type OptimiserOptions,
  type PortfolioPerformance,
} from "./mean-variance-core.js";

/**
 * Max-Sharpe needs some portfolio to beat the risk-free rate by more than this (annual return
 * units): below it the Sharpe ratio is numerically meaningless.
 */
export const MIN_EXCESS_RETURN = 1e-12;

/** Return spans `r_max − r_mv` up to this (relative) are treated as a single-point frontier. */
export const FLAT_FRONTIER = 1e-12;

/**
 * Minimum-volatility portfolio: `minimise wᵀΣw (+ γ‖w‖² + κ Σ c_i|w_i − w₀_i|)` s.t. `Σw = 1`,
 * bounds, group bounds and an optional turnover cap (see tools/portfolio-constraints.ts), solved
 * exactly as a convex QP by the primal active-set method (tools/active-set-qp.ts). Returns
 * `wᵀμ`, `√(wᵀΣw)` and the Sharpe ratio at `riskFree` for the weights found.
 *
 * @example
 * // Two uncorrelated assets with variances 0.04 and 0.01: w ∝ 1/σ², w = (0.2, 0.8),
 * // σ² = 0.04·0.04 + 0.64·0.01 = 0.008.
 * minVolatility({ symbols: ["A", "B"], expectedReturns: [0.1, 0.05],
 *   covariance: [[0.04, 0], [0, 0.01]] }).weights // [0.2, 0.8]
 */
export function minVolatility(
  problem: MeanVarianceProblem,
  options: OptimiserOptions = {},
): OptimalPortfolio {
  const rf = resolveRiskFree(options);
  return runWithRidge(problem, (prep) => {
    const compiled = compilePortfolioQp(prep.resolved, prep.cov, []);
    const sol = solvePrepared(prep, compiled.qp);
    return finishPortfolio(prep, "min-volatility", compiled.weights(sol.x), rf);
  });
}

/**
 * Maximum-Sharpe (tangency) portfolio: maximise `(wᵀμ − rf)/√(wᵀΣw)` s.t. `Σw = 1`, bounds and
 * group bounds. Solved exactly by the change of variables `y = κw`, `κ = Σy ≥ 0`, which turns it
 * into the convex QP `minimise yᵀΣy s.t. (μ − rf)ᵀy = c`, `l_i κ ≤ y_i ≤ h_i κ`,
 * `g_min κ ≤ Σ_G y ≤ g_max κ` (any c > 0 gives the same w; c = the best excess return keeps y of
 * order 1) — Cornuéjols & Tütüncü, Optimization Methods in Finance, §8.2; PyPortfolioOpt's
 * `max_sharpe`. Then `w = y/κ`. Bound rows that the others imply (`y_i ≥ 0` when
 * `l_i = 0`, `y_i ≤ κ` when `h_i ≥ 1` and every `l ≥ 0`) are dropped or kept as simple bounds.
 * The start is the maximum-excess-return vertex of an LP, scaled.
 *
 * Errors: INFEASIBLE naming `riskFree` when no portfolio within the constraints has an expected
 * return above it; INVALID_INPUT naming `constraints.l2Gamma` / `constraints.turnover`, which
 * break the homogeneity the change of variables needs.
 *
 * @example
 * // Uncorrelated, μ − rf = (0.1, 0.05), σ² = (0.04, 0.01): y ∝ Σ⁻¹(μ − rf) = (2.5, 5),
 * // w = (1/3, 2/3).
 * maxSharpe({ symbols: ["A", "B"], expectedReturns: [0.1, 0.05],
 *   covariance: [[0.04, 0], [0, 0.01]] }).weights // [0.3333333333333333, 0.6666666666666666]
 */
export function maxSharpe(
  problem: MeanVarianceProblem,
  options: OptimiserOptions = {},
): OptimalPortfolio {
  const rf = resolveRiskFree(options);
  if ((problem.constraints?.l2Gamma ?? 0) !== 0) {
    throw invalidInput(
      "constraints.l2Gamma",
      "max-sharpe does not support L2 regularisation (it breaks the y = κw change of variables)",
    );
  }
  if (problem.constraints?.turnover !== undefined) {
    throw invalidInput(
      "constraints.turnover",
      "max-sharpe does not support a turnover control (it breaks the y = κw change of variables)",
    );
  }
  return runWithRidge(problem, (prep) => {
    const { n, mu, resolved } = prep;
    const excess = new Float64Array(n);
    for (let i = 0; i < n; i++) excess[i] = (mu[i] as number) - rf;
    const cost = new Float64Array(n);
    for (let i = 0; i < n; i++) cost[i] = -(excess[i] as number);
    const lp = linearProgram(compileFeasibleSet(resolved, []).set, cost);
    const bestExcess = -lp.objective;
    if (!(bestExcess > MIN_EXCESS_RETURN)) {
      throw infeasible(
        "riskFree",
        `no portfolio within the constraints has an expected return above riskFree = ${rf} (best: ${rf + bestExcess})`,
      );
    }
    // Normalising (μ − rf)ᵀy to the best excess return (not 1) keeps y = κw of order 1.
    const qp = sharpeQp(prep, excess, bestExcess);
    const start = Float64Array.from(lp.x);
    const sol = solvePrepared(prep, qp, start);
    let kappa = 0;
    for (let i = 0; i < n; i++) kappa += sol.x[i] as number;
    if (!(kappa > 0)) {
      throw infeasible("riskFree", "the maximum Sharpe ratio is unbounded under these constraints");
    }
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = (sol.x[i] as number) / kappa;
    return finishPortfolio(prep, "max-sharpe", w, rf);
  });
}

/** The y-space QP of {@link maxSharpe}. */
function sharpeQp(prep: Prepared, excess: Float64Array, scale: number): DenseQp {
  const { n, resolved, symbols } = prep;
  const { lower, upper } = resolved;
  let allLongOnly = true;
  for (let i = 0; i < n; i++) if ((lower[i] as number) < 0) allLongOnly = false;
  const rows: WeightRow[] = [
    { coefficients: Float64Array.from(excess), equality: true, rhs: scale, label: "riskFree" },
  ];
  const lo = new Float64Array(n);
  const hi = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const l = lower[i] as number;
    const h = upper[i] as number;
    lo[i] = l >= 0 ? 0 : -Infinity;
    if (l !== 0) {
      const a = new Float64Array(n).fill(-l);
      a[i] = (a[i] as number) + 1;
      rows.push({ coefficients: a, equality: false, rhs: 0, label: `bounds.${symbols[i]}.min` });
    }
    if (!(allLongOnly && h >= 1)) {
      const a = new Float64Array(n).fill(h);
      a[i] = (a[i] as number) - 1;
      rows.push({ coefficients: a, equality: false, rhs: 0, label: `bounds.${symbols[i]}.max` });
    }
  }
  if (!allLongOnly) {
    rows.push({
      coefficients: new Float64Array(n).fill(1),
      equality: false,
      rhs: 0,
      label: "kappa",
    });
  }
  rows.push(...groupRows(resolved, true));
  const m = rows.length;
  const flat = new Float64Array(m * n);
  rows.forEach((r, k) => flat.set(r.coefficients, k * n));
  return {
    n,
    m,
    // ½yᵀΣy: the factor ½ does not move the minimiser.
    hessian: prep.cov,
    linear: new Float64Array(n),
    lower: lo,
    upper: hi,
    rows: flat,
    equality: Uint8Array.from(rows.map((r) => (r.equality ? 1 : 0))),
    rhs: Float64Array.from(rows.map((r) => r.rhs)),
    labels: rows.map((r) => r.label),
  };
}

/**
 * Efficient-return portfolio: `minimise wᵀΣw (+ γ‖w‖² + turnover penalty)` s.t. `wᵀμ ≥ target`,
 * `Σw = 1`, bounds, group bounds, optional turnover cap — a convex QP solved exactly. A target
 * below the minimum-volatility portfolio's return gives that portfolio (the row is slack).
 *
 * Errors: INFEASIBLE naming `targetReturn` when it exceeds the highest attainable expected
 * return under the constraints (an LP).
 *
 * @example
 * // Uncorrelated, μ = (0.1, 0.05), σ² = (0.04, 0.01), target 0.08: the return row binds,
 * // w = (0.6, 0.4) (0.1·0.6 + 0.05·0.4 = 0.08).
 * efficientReturn(problem, 0.08).weights // [0.6, 0.4]
 */
export function efficientReturn(
  problem: MeanVarianceProblem,
  targetReturn: number,
  options: OptimiserOptions = {},
): OptimalPortfolio {
  const rf = resolveRiskFree(options);
  assertFiniteNumber("targetReturn", targetReturn);
  return runWithRidge(problem, (prep) => {
    const compiled = compileWithReturn(prep, false, true);
    const rMax = maxAttainableReturn(prep);
    if (targetReturn > rMax + 1e-12 * Math.max(1, Math.abs(rMax))) {
      throw infeasible(
        "targetReturn",
        `${targetReturn} exceeds the highest expected return attainable under the constraints (${rMax})`,
      );
    }
    compiled.setTarget(Math.min(targetReturn, rMax));
    const sol = solvePrepared(prep, compiled.qp);
    return finishPortfolio(prep, "efficient-return", compiled.weights(sol.x), rf);
  });
}

/**
 * Efficient-risk portfolio: maximise `wᵀμ` s.t. `√(wᵀΣw) ≤ target`, `Σw = 1`, bounds, group
 * bounds, optional turnover cap. Not a QP; solved exactly through the parametric structure of the
 * frontier: for a return target r ≥ r_mv the efficient-return QP (return row as an equality) has a
 * solution that is affine in r between active-set changes (critical-line breakpoints), so the
 * variance is a quadratic in r on each segment. The method solves the QP at a trial r, computes
 * the segment's direction and extent from the KKT system ({@link parametricSegment}), and either
 * solves `σ²(r) = target²` in closed form on that segment or discards the segment and bisects the
 * remaining bracket `[r_mv, r_max]`. The answer is the frontier point whose volatility is
 * `target` (to rounding); if even the maximum-return portfolio is within the target, that
 * portfolio.
 *
 * Errors: INFEASIBLE naming `targetVolatility` below the minimum-volatility portfolio's;
 * INVALID_INPUT naming `constraints.l2Gamma` or `constraints.turnover` for a turnover *penalty*
 * (the objective must be the return alone).
 *
 * @example
 * // Uncorrelated, μ = (0.1, 0.05), σ² = (0.04, 0.01), target σ = √0.0160 : the frontier point
 * // w = (0.6, 0.4) (0.36·0.04 + 0.16·0.01 = 0.016).
 * efficientRisk(problem, Math.sqrt(0.016)).weights // [0.6, 0.4] (to 1e-15)
 */
export function efficientRisk(
  problem: MeanVarianceProblem,
  targetVolatility: number,
  options: OptimiserOptions = {},
): OptimalPortfolio {
  const rf = resolveRiskFree(options);
  assertFiniteNumber("targetVolatility", targetVolatility);
  if ((problem.constraints?.l2Gamma ?? 0) !== 0) {
    throw invalidInput(
      "constraints.l2Gamma",
      "efficient-risk maximises the return alone; drop l2Gamma",
    );
  }
  if (problem.constraints?.turnover?.mode === "penalty") {
    throw invalidInput(
      "constraints.turnover",
      "efficient-risk maximises the return alone; use a turnover cap instead of a penalty",
    );
  }
  return runWithRidge(problem, (prep) => {
    const w = efficientRiskWeights(prep, targetVolatility);
    return finishPortfolio(prep, "efficient-risk", w, rf);
  });
}

function efficientRiskWeights(prep: Prepared, target: number): Float64Array {
  const { cov, mu } = prep;
  const mvCompiled = compilePortfolioQp(prep.resolved, cov, [], false);
  const mvSol = solvePrepared(prep, mvCompiled.qp);
  const wMv = mvCompiled.weights(mvSol.x);
  const varMv = quadraticForm(cov, wMv);
  const sigmaMv = Math.sqrt(varMv);
  if (target < sigmaMv * (1 - 1e-12)) {
    throw infeasible(
      "targetVolatility",
      `${target} is below the minimum volatility attainable under the constraints (${sigmaMv})`,
    );
  }
  if (target <= sigmaMv) return wMv;
  const target2 = target * target;
  const rMv = dot(mu, wMv);
  const compiled = compileWithReturn(prep, true, false);
  const rMax = maxAttainableReturn(prep);
  if (!(rMax - rMv > FLAT_FRONTIER * Math.max(1, Math.abs(rMv)))) return wMv;
  const solveAt = (r: number): ActiveSetSolution => {
    compiled.setTarget(r);
    return solvePrepared(prep, compiled.qp);
  };
  const top = solveAt(rMax);
  const wTop = compiled.weights(top.x);
  const varTop = quadraticForm(cov, wTop);
  if (varTop <= target2) return wTop;
  let lo = rMv;
  let hi = rMax;
  // First trial: interpolate the variance linearly in r.
  let r = rMv + ((rMax - rMv) * (target2 - varMv)) / (varTop - varMv);
  for (let iter = 0; iter < 200; iter++) {
    if (!(r > lo && r < hi)) r = 0.5 * (lo + hi);
    const sol = solveAt(r);
    const seg = parametricSegment(compiled.qp, sol, compiled.returnRow);
    const w = compiled.weights(sol.x);
    const w1 = compiled.weights(seg.dx);
    const base = compiled.weights(new Float64Array(compiled.qp.n));
    const dw = new Float64Array(prep.n);
    for (let i = 0; i < prep.n; i++) dw[i] = (w1[i] as number) - (base[i] as number);
    // σ²(r + t) = a + 2bt + ct² on [tLow, tHigh].
    const a = quadraticForm(cov, w);
    let b = 0;
    const n = prep.n;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (cov[i * n + j] as number) * (dw[j] as number);
      b += (w[i] as number) * s;
    }
    const c = quadraticForm(cov, dw);
    const tLow = Math.max(seg.tLow, lo - r);
    const tHigh = Math.min(seg.tHigh, hi - r);
    const at = (t: number): number => a + 2 * b * t + c * t * t;
    if (at(tLow) <= target2 && at(tHigh) >= target2) {
      const disc = Math.max(0, b * b - c * (a - target2));
      const denom = b + Math.sqrt(disc);
      const t = denom > 0 ? (target2 - a) / denom : 0;
      const tt = Math.min(tHigh, Math.max(tLow, t));
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = (w[i] as number) + tt * (dw[i] as number);
      return out;
    }
    if (at(tHigh) < target2) lo = r + tHigh;
    else hi = r + tLow;
    if (hi - lo <= 1e-15 * Math.max(1, Math.abs(hi))) {
      return compiled.weights(solveAt(0.5 * (lo + hi)).x);
    }
    r = 0.5 * (lo + hi);
  }
  throw new ToolError("NUMERICAL", "targetVolatility", "the frontier search did not converge");
}

/**
 * Expected return, volatility and Sharpe ratio of weights `w`: `wᵀμ`, `√(wᵀΣw)`,
 * `(wᵀμ − rf)/√(wᵀΣw)` (annual inputs give annual figures; rf annual). The Sharpe ratio is null
 * with a reason when the volatility is 0. PyPortfolioOpt's `portfolio_performance`.
 *
 * @example
 * // w = (0.5, 0.5), μ = (0.1, 0.2), Σ = diag(0.04, 0.09): return 0.15,
 * // σ = √(0.25·0.04 + 0.25·0.09) = √0.0325 = 0.18027756377319945, Sharpe (0.15 − 0.02)/σ.
 * portfolioPerformance([0.5, 0.5], [0.1, 0.2], [[0.04, 0], [0, 0.09]], 0.02).volatility
 * // 0.18027756377319945
 */
export function portfolioPerformance(
  weights: readonly number[],
  expectedReturns: readonly number[],
  covariance: readonly (readonly number[])[],
  riskFree = DEFAULT_RISK_FREE,
): PortfolioPerformance {
  const n = weights.length;
  assertFiniteArray("weights", weights);
  if (expectedReturns.length !== n) {
    throw invalidInput("expectedReturns", `must have ${n} entries, got ${expectedReturns.length}`);
  }
  assertFiniteArray("expectedReturns", expectedReturns);
  assertSquareMatrix("covariance", covariance, n);
  assertFiniteNumber("riskFree", riskFree);
  const cov = new Float64Array(n * n);
  covariance.forEach((row, i) => {
    for (let j = 0; j < n; j++) cov[i * n + j] = row[j] as number;
  });
  const perf = performanceOf(Float64Array.from(expectedReturns), cov, weights, riskFree);
  if (perf.volatility === 0 && quadraticForm(cov, Float64Array.from(weights)) < -1e-12) {
    throw invalidInput("covariance", "gives these weights a negative variance");
  }
  return perf;
}
