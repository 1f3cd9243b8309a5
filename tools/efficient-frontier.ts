import { invalidInput } from "./errors.js";
import {
  compileWithReturn,
  dot,
  finishPortfolio,
  maxAttainableReturn,
  resolveRiskFree,
  runWithRidge,
  solvePrepared,
  type MeanVarianceProblem,
  type OptimalPortfolio,
  type OptimiserOptions,
} from "./mean-variance-core.js";
import { FLAT_FRONTIER } from "./mean-variance.js";
import { compilePortfolioQp } from "./portfolio-constraints.js";
import { assertPositiveInteger } from "./validate.js";

export interface FrontierOptions extends OptimiserOptions {
  /** Number of frontier points, ≥ 2; default {@link DEFAULT_FRONTIER_POINTS}. */
  readonly points?: number;
}

export interface FrontierPoint extends OptimalPortfolio {
  /** The return target of this point's QP (the first point is the minimum-volatility one). */
  readonly targetReturn: number;
}

export interface EfficientFrontier {
  readonly symbols: readonly string[];
  /** Ordered by return; return and volatility both non-decreasing. */
  readonly points: FrontierPoint[];
  readonly riskFree: number;
  /** Ridge added to Σ (see mean-variance.ts); 0 when none was needed. */
  readonly ridge: number;
}

export const DEFAULT_FRONTIER_POINTS = 20;

/**
 * The efficient frontier as `points` portfolios with return targets evenly spaced from the
 * minimum-volatility portfolio's return `r_mv` to the highest attainable return `r_max` (an LP):
 * `r_k = r_mv + k (r_max − r_mv)/(N − 1)`. Point 0 is the minimum-volatility portfolio; point k > 0
 * solves `minimise wᵀΣw s.t. wᵀμ = r_k`, `Σw = 1`, bounds, group bounds, optional turnover cap —
 * each an exact convex QP. On `r ≥ r_mv` the minimal variance is convex and non-decreasing in r,
 * so the frontier is monotone: return and volatility never decrease along `points`. When
 * `r_max = r_mv` every point is the minimum-volatility portfolio.
 *
 * Errors: INVALID_INPUT naming `points` (< 2 or not an integer), `constraints.l2Gamma` or a
 * turnover *penalty* (`constraints.turnover`): the frontier is that of the variance alone.
 *
 * @example
 * // Uncorrelated μ = (0.1, 0.05), σ² = (0.04, 0.01), 2 points: min-vol (0.2, 0.8), then (1, 0).
 * efficientFrontier(problem, { points: 2 }).points.map((p) => p.weights) // [[0.2, 0.8], [1, 0]]
 */
export function efficientFrontier(
  problem: MeanVarianceProblem,
  options: FrontierOptions = {},
): EfficientFrontier {
  const rf = resolveRiskFree(options);
  const count = options.points ?? DEFAULT_FRONTIER_POINTS;
  assertPositiveInteger("points", count);
  if (count < 2) throw invalidInput("points", `must be at least 2, got ${count}`);
  if ((problem.constraints?.l2Gamma ?? 0) !== 0) {
    throw invalidInput(
      "constraints.l2Gamma",
      "the efficient frontier is that of the variance alone",
    );
  }
  if (problem.constraints?.turnover?.mode === "penalty") {
    throw invalidInput(
      "constraints.turnover",
      "the efficient frontier is that of the variance alone; use a turnover cap",
    );
  }
  return runWithRidge(problem, (prep) => {
    const mv = compilePortfolioQp(prep.resolved, prep.cov, [], false);
    const mvWeights = mv.weights(solvePrepared(prep, mv.qp).x);
    const rMv = dot(prep.mu, mvWeights);
    let rMax = Math.max(rMv, maxAttainableReturn(prep));
    if (rMax - rMv <= FLAT_FRONTIER * Math.max(1, Math.abs(rMv))) rMax = rMv;
    const compiled = compileWithReturn(prep, true, false);
    const points: FrontierPoint[] = [];
    for (let k = 0; k < count; k++) {
      const target = k === count - 1 ? rMax : rMv + ((rMax - rMv) * k) / (count - 1);
      let weights = mvWeights;
      if (k > 0 && rMax > rMv) {
        compiled.setTarget(target);
        weights = compiled.weights(solvePrepared(prep, compiled.qp).x);
      }
      const objective = k === 0 ? "min-volatility" : "efficient-return";
      points.push({ ...finishPortfolio(prep, objective, weights, rf), targetReturn: target });
    }
    return { symbols: prep.symbols, points, riskFree: rf, ridge: prep.ridge };
  });
}
