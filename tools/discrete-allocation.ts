import { invalidInput } from "./errors.js";
import { sum } from "./stats.js";
import { assertFiniteNumber } from "./validate.js";
import { polish, withinBudget, type Evaluation } from "./discrete-allocation-evaluate.js";
import { greedyLots } from "./discrete-allocation-greedy.js";
import { loadHighs, type HighsSolver } from "./discrete-allocation-highs.js";
import {
  unitsOf,
  validateAllocationInput,
  type AllocationProblem,
  type DiscreteAllocationInput,
} from "./discrete-allocation-input.js";
import { solveAllocationMilp } from "./discrete-allocation-lp.js";

/**
 * Discrete allocation: target weights + portfolio value + latest prices + lot sizes → whole lots
 * that track the weights as closely as possible without spending more than the value; the rest
 * is reported as leftover cash. Two methods, after PyPortfolioOpt's `DiscreteAllocation`:
 * `greedy` (greedy_portfolio) and `lp` (lp_portfolio, a MILP solved by HiGHS; the default).
 *
 * Units and signs: values are in the prices' currency; weights are fractions of `totalValue`
 * (not of the invested amount); every quantity is ≥ 0 (long-only, see validateAllocationInput).
 */

export type { DiscreteAllocationInput } from "./discrete-allocation-input.js";
export { DISCRETE_ALLOCATION_DEFAULTS } from "./discrete-allocation-input.js";
export { loadHighs, type HighsSolver } from "./discrete-allocation-highs.js";

export type AllocationMethod = "lp" | "greedy";

/**
 * `optimal`: HiGHS proved the MILP optimum (to 1e-9 × the largest lot value); `limit-reached`:
 * HiGHS stopped at its node or time limit with the best allocation found (never worse than greedy;
 * see `optimalityGap`); `not-applicable`: the greedy method.
 */
export type AllocationSolverStatus = "optimal" | "limit-reached" | "not-applicable";

export interface DiscreteAllocationResult {
  readonly method: AllocationMethod;
  readonly solverStatus: AllocationSolverStatus;
  /** Lots per symbol (whole numbers ≥ 0), every symbol of `weights`, keys in ascending order. */
  readonly allocation: Readonly<Record<string, number>>;
  /** Units per symbol: lots × lot size. */
  readonly units: Readonly<Record<string, number>>;
  /** Value per symbol: units × latest price. */
  readonly notional: Readonly<Record<string, number>>;
  /** notional / totalValue per symbol. */
  readonly achievedWeights: Readonly<Record<string, number>>;
  /** Σ notional (compensated sum); never more than totalValue. */
  readonly invested: number;
  /** totalValue − invested, ≥ 0. */
  readonly leftover: number;
  /** leftover / totalValue. */
  readonly cashWeight: number;
  /** 1 − Σ weights, or 0 when the weights sum to 1 within the tolerance. */
  readonly cashTargetWeight: number;
  /** √(Σ_i (achieved_i − w_i)² / N) over the N symbols of `weights` (population RMSE). */
  readonly trackingError: number;
  /** Σ_i |w_i·V − notional_i| + |leftover − cashTarget·V|, in currency (the lp objective). */
  readonly objective: number;
  /**
   * lp: objective − HiGHS's proven lower bound, in currency, ≥ 0 (≈ 0 when `optimal`); how much
   * better an allocation could possibly be. null for greedy, which has no bound (and for lp in the
   * unlikely case that HiGHS stopped before computing one).
   */
  readonly optimalityGap: number | null;
}

export interface LpAllocationOptions {
  /**
   * Branch-and-bound node limit for HiGHS, a positive integer; default 2 000. Deterministic: the
   * same input gives the same allocation. Reaching it gives `limit-reached` with a gap.
   */
  readonly maxNodes?: number;
  /** Wall-clock safety limit for HiGHS, seconds, > 0; default 10 (hitting it is not deterministic). */
  readonly timeLimitSeconds?: number;
}

export interface DiscreteAllocationOptions extends LpAllocationOptions {
  /** Default `lp`. */
  readonly method?: AllocationMethod;
  /** A loaded HiGHS instance for `lp`; default {@link loadHighs}() (loaded once per process). */
  readonly solver?: HighsSolver;
}

export const LP_ALLOCATION_DEFAULTS = {
  maxNodes: 2000,
  timeLimitSeconds: 10,
  method: "lp",
} as const;

function result(
  problem: AllocationProblem,
  chosen: Evaluation,
  method: AllocationMethod,
  solverStatus: AllocationSolverStatus,
  lowerBound: number | null,
): DiscreteAllocationResult {
  const { symbols, weights, totalValue } = problem;
  const allocation: Record<string, number> = {};
  const units: Record<string, number> = {};
  const notional: Record<string, number> = {};
  const achievedWeights: Record<string, number> = {};
  const squares: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    const symbol = symbols[i] as string;
    const lots = chosen.lots[i] as number;
    const value = chosen.notional[i] as number;
    const achieved = value / totalValue;
    allocation[symbol] = lots;
    units[symbol] = unitsOf(problem, i, lots);
    notional[symbol] = value;
    achievedWeights[symbol] = achieved;
    squares.push((achieved - (weights[i] as number)) ** 2);
  }
  return {
    method,
    solverStatus,
    allocation,
    units,
    notional,
    achievedWeights,
    invested: chosen.invested,
    leftover: chosen.leftover,
    cashWeight: chosen.leftover / totalValue,
    cashTargetWeight: problem.cashTarget,
    trackingError: Math.sqrt(sum(squares) / symbols.length),
    objective: chosen.objective,
    optimalityGap:
      lowerBound === null || !Number.isFinite(lowerBound)
        ? null
        : Math.max(0, chosen.objective - lowerBound),
  };
}

/**
 * Greedy discrete allocation (PyPortfolioOpt's `greedy_portfolio`, long-only, with lot sizes):
 * buy `trunc(w_i·V / c_i)` lots of each asset (`c_i` = lot size × price), then repeatedly one lot
 * of the asset whose share of the invested value is furthest below its weight and whose lot still
 * fits in the cash, until none is underweight or affordable. Assets are visited by weight
 * descending, ties by symbol, so the result does not depend on the input's key order. With weights
 * summing to s < 1 only s·V is invested and the comparison uses w_i / s. Details and the two small
 * differences from PyPortfolioOpt: tools/discrete-allocation-greedy.ts.
 *
 * @example
 * // targets 50, 30, 20: floors 5 A (50) and 3 C (18) leave 32 < 40, the price of one B.
 * greedyAllocation({ weights: { A: 0.5, B: 0.3, C: 0.2 },
 *   latestPrices: { A: 10, B: 40, C: 6 }, totalValue: 100 })
 * // allocation { A: 5, B: 0, C: 3 }, leftover 32, objective 0 + 30 + 2 + 32 = 64
 */
export function greedyAllocation(input: DiscreteAllocationInput): DiscreteAllocationResult {
  const problem = validateAllocationInput(input);
  const lots = greedyLots(problem);
  return result(problem, withinBudget(problem, lots), "greedy", "not-applicable", null);
}

/**
 * MILP discrete allocation (PyPortfolioOpt's `lp_portfolio` with lot sizes), solved by HiGHS:
 * minimise `Σ_i |w_i·V − n_i·c_i| + r` over integer lots `n_i ≥ 0` with `r = V − Σ n_i·c_i ≥ 0`
 * (with a cash target `t_c = 1 − Σw > 0` the last term is `|r − t_c·V|`). The greedy allocation is
 * HiGHS's starting incumbent; HiGHS's answer is brought within the cash if its tolerances left it
 * a hair over, polished by single-lot moves, and compared with greedy: the lower objective wins
 * (ties: HiGHS's), so `lp` is never worse than `greedy`. Deterministic for a given input (HiGHS
 * runs single-threaded with a fixed seed and a node limit) unless the time limit is hit. Tied optima
 * are possible: the objective value is unique, the lots need not be. Formulation (written around
 * the floors ⌊w_i·V/c_i⌋ so that HiGHS's tolerances are relative to lot values, not to V):
 * tools/discrete-allocation-lp.ts.
 *
 * @example
 * // selling one A below its floor frees room for one B: |50−40| + |30−40| + |20−18| + 2 = 24
 * lpAllocation({ weights: { A: 0.5, B: 0.3, C: 0.2 },
 *   latestPrices: { A: 10, B: 40, C: 6 }, totalValue: 100 }, await loadHighs())
 * // allocation { A: 4, B: 1, C: 3 }, leftover 2, objective 24
 */
export function lpAllocation(
  input: DiscreteAllocationInput,
  solver: HighsSolver,
  options: LpAllocationOptions = {},
): DiscreteAllocationResult {
  const problem = validateAllocationInput(input);
  const timeLimitSeconds = options.timeLimitSeconds ?? LP_ALLOCATION_DEFAULTS.timeLimitSeconds;
  assertFiniteNumber("timeLimitSeconds", timeLimitSeconds);
  if (!(timeLimitSeconds > 0)) {
    throw invalidInput("timeLimitSeconds", `must be > 0, got ${timeLimitSeconds}`);
  }
  const maxNodes = options.maxNodes ?? LP_ALLOCATION_DEFAULTS.maxNodes;
  if (!Number.isSafeInteger(maxNodes) || maxNodes <= 0) {
    throw invalidInput("maxNodes", `must be a positive integer, got ${String(maxNodes)}`);
  }
  const greedy = withinBudget(problem, greedyLots(problem));
  const milp = solveAllocationMilp(problem, solver, greedy.lots, { timeLimitSeconds, maxNodes });
  const exact = polish(problem, withinBudget(problem, milp.lots));
  const chosen = exact.objective <= greedy.objective ? exact : greedy;
  return result(problem, chosen, "lp", milp.status, milp.lowerBound);
}

/**
 * Discrete allocation by `options.method` (default `lp`); loads HiGHS on first use unless a solver
 * is injected. Same result as {@link lpAllocation} / {@link greedyAllocation}.
 * @example
 * (await discreteAllocation({ weights: { A: 0.5, B: 0.3, C: 0.2 },
 *   latestPrices: { A: 10, B: 40, C: 6 }, totalValue: 100 })).allocation // { A: 4, B: 1, C: 3 }
 */
export async function discreteAllocation(
  input: DiscreteAllocationInput,
  options: DiscreteAllocationOptions = {},
): Promise<DiscreteAllocationResult> {
  const method = options.method ?? LP_ALLOCATION_DEFAULTS.method;
  if (method === "greedy") return greedyAllocation(input);
  if (method !== "lp") {
    throw invalidInput("method", `must be "lp" or "greedy", got ${String(method)}`);
  }
  validateAllocationInput(input); // fail fast, before loading the solver
  return lpAllocation(input, options.solver ?? (await loadHighs()), options);
}
