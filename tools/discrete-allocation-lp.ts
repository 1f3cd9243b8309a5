import { invalidInput, ToolError } from "./errors.js";
import type { AllocationProblem } from "./discrete-allocation-input.js";
import type { HighsSolver } from "./discrete-allocation-highs.js";
import { sum } from "./stats.js";

/**
 * PyPortfolioOpt's `lp_portfolio` MILP, extended with lot sizes and a cash target, solved by HiGHS.
 *
 * The problem, with `t_i = w_i·V` the target value, `c_i` the value of one lot, `n_i` integer lots,
 * `ℓ = V − Σ n_i·c_i` the leftover cash and `t_c` the cash target (0 when fully invested):
 *
 *   minimise Σ_i |t_i − n_i·c_i| + |ℓ − t_c|   subject to ℓ ≥ 0, n_i ∈ ℤ≥0
 *
 * (with t_c = 0 this is PyPortfolioOpt's Σ u_i + r). HiGHS is not given it in that form: scaled by
 * V, a lot of a fractional instrument is worth ~1e-9 of the objective, below HiGHS's tolerances,
 * and HiGHS then declared non-optimal allocations optimal. Instead the solved model is written
 * around the floors `F_i = ⌊t_i / c_i⌋` (remainder `r_i = t_i − F_i·c_i ∈ [0, c_i)`), where V drops
 * out and only lot values remain (scaled by the largest lot value, κ):
 *
 *   n_i = F_i + y_i − m_i,  y_i ∈ {0, 1} (one lot above the floor; 0 when r_i = 0),
 *   m_i ∈ ℤ, 0 ≤ m_i ≤ M_i = min(F_i, ⌈(C − L₀)/c_i⌉ + 1)   (lots sold below the floor),
 *   L₀ = V − Σ F_i·c_i,  C = Σ_{r_i > 0} c_i,  ℓ = L₀ − Σ c_i·y_i + Σ c_i·m_i ≥ 0,
 *   objective Σ_i [r_i + c_i·m_i + (c_i − 2r_i)·y_i] + |ℓ − t_c|   (|ℓ − t_c| = z ≥ ±(ℓ − t_c),
 *   or simply ℓ when t_c = 0).
 *
 * The objective equals Σ|t_i − n_i·c_i| + |ℓ − t_c| except when y_i = 1 and m_i ≥ 1 together, where
 * it is larger than at (0, m_i − 1), the same n_i; so both models have the same optimum. The bounds
 * keep an optimum: a lot above ⌈t_i/c_i⌉ adds c_i to |t_i − n_i·c_i| and changes |ℓ − t_c| by at
 * most c_i; and buying back a lot sold below the floor when ℓ ≥ c_i lowers |t_i − n_i·c_i| by c_i
 * and raises |ℓ − t_c| by at most c_i, so some optimum has ℓ < c_i whenever m_i ≥ 1, whence
 * m_i·c_i ≤ Σ c_j·m_j < c_i + C − L₀. Weight-0 assets are held at 0 (buying one only moves cash
 * into an asset with no target, never lowering the objective). The bounds remove tied optima that
 * park leftover cash in an overweight or weight-0 asset (why PyPortfolioOpt's published lp
 * allocations hold 1 AMD at weight 0 on some machines and not on others); other ties remain: the
 * optimum value is unique, the lots need not be.
 *
 * `warmStart` (the greedy lots) is HiGHS's first incumbent.
 */

export interface MilpOptions {
  /** Wall-clock limit for HiGHS, seconds (a safety net: hitting it makes the result timing-dependent). */
  readonly timeLimitSeconds: number;
  /** Branch-and-bound node limit (deterministic). */
  readonly maxNodes: number;
}

export interface MilpOutcome {
  readonly lots: Float64Array;
  /**
   * `optimal`: HiGHS closed the gap to 1e-9 × the largest lot value; `limit-reached`: it stopped at
   * the node or time limit with the best allocation found.
   */
  readonly status: "optimal" | "limit-reached";
  /** HiGHS's proven lower bound on the objective, in currency (−Infinity when it has none). */
  readonly lowerBound: number;
}

/** Lot values spanning more than this ratio are beyond HiGHS's tolerances. */
export const MAX_LOT_VALUE_RATIO = 1e11;

interface Column {
  readonly cost: number;
  readonly upper: number;
  readonly integer: boolean;
  readonly start: number;
}

/**
 * Solves the reformulated MILP above with HiGHS (absolute gap 1e-9 and feasibility tolerance 1e-9
 * in units of κ, `maxNodes` nodes, `timeLimitSeconds` seconds) and returns lots per asset in the
 * problem's order, HiGHS's status and its lower bound in currency. Throws a NUMERICAL ToolError if
 * HiGHS reports anything but optimal or a limit (the problem is always feasible: n = 0).
 * @example
 * const problem = validateAllocationInput({ weights: { A: 0.5, B: 0.3, C: 0.2 }, latestPrices: { A: 10, B: 40, C: 6 }, totalValue: 100 });
 * solveAllocationMilp(problem, await loadHighs(), greedyLots(problem),
 *   { timeLimitSeconds: 10, maxNodes: 2000 }) // lots [4, 1, 3], status "optimal", lowerBound ≈ 24
 */
export function solveAllocationMilp(
  problem: AllocationProblem,
  highs: HighsSolver,
  warmStart: Float64Array,
  options: MilpOptions,
): MilpOutcome {
  const { weights, lotCosts, totalValue, cashTarget, symbols } = problem;
  const active: number[] = [];
  for (let i = 0; i < symbols.length; i++) if ((weights[i] as number) > 0) active.push(i);
  const k = active.length;
  const floors = new Float64Array(k);
  const remainders = new Float64Array(k);
  let kappa = 0;
  let candidates = 0;
  for (let j = 0; j < k; j++) {
    const i = active[j] as number;
    const c = lotCosts[i] as number;
    const t = (weights[i] as number) * totalValue;
    let f = Math.floor(t / c);
    if (f > 0 && f * c > t) f -= 1;
    if ((f + 1) * c <= t) f += 1;
    floors[j] = f;
    remainders[j] = Math.max(0, t - f * c);
    kappa = Math.max(kappa, c);
    if ((remainders[j] as number) > 0) candidates += c;
  }
  let smallest = Infinity;
  let smallestAt = 0;
  for (let j = 0; j < k; j++) {
    const c = lotCosts[active[j] as number] as number;
    if (c < smallest) {
      smallest = c;
      smallestAt = active[j] as number;
    }
  }
  if (kappa / smallest > MAX_LOT_VALUE_RATIO) {
    throw invalidInput(
      `lotSizes.${symbols[smallestAt] as string}`,
      `one lot is worth ${smallest}, more than ${MAX_LOT_VALUE_RATIO} times less than the largest lot (${kappa}): too wide a range for the lp method; use a larger lot size or method "greedy"`,
    );
  }
  const floorValues: number[] = [];
  for (let j = 0; j < k; j++) {
    floorValues.push((floors[j] as number) * (lotCosts[active[j] as number] as number));
  }
  const leftoverAtFloors = totalValue - sum(floorValues);
  const cashValue = cashTarget * totalValue;
  const withCash = cashTarget > 0;
  // The model's objective omits Σ r_i (+ L₀ when fully invested) and is in units of κ.
  const constant = sum(Array.from(remainders)) + (withCash ? 0 : leftoverAtFloors);

  // Warm start from the greedy lots, when they fit the reformulation's bounds.
  const columns: Column[] = [];
  let warmValid = true;
  let warmLeftover = leftoverAtFloors;
  for (let j = 0; j < k; j++) {
    const i = active[j] as number;
    const c = lotCosts[i] as number;
    const f = floors[j] as number;
    const r = remainders[j] as number;
    const drops = Math.min(f, Math.ceil(Math.max(0, candidates - leftoverAtFloors) / c) + 1);
    const up = r > 0 ? 1 : 0;
    const warm = warmStart[i] as number;
    const warmUp = warm > f ? 1 : 0;
    const warmDrops = Math.max(0, f - warm);
    if (warm - f > up || warmDrops > drops) warmValid = false;
    warmLeftover += c * (warmDrops - warmUp);
    columns.push(
      {
        cost: (withCash ? c - 2 * r : -2 * r) / kappa,
        upper: up,
        integer: true,
        start: warmUp,
      },
      { cost: (withCash ? c : 2 * c) / kappa, upper: drops, integer: true, start: warmDrops },
    );
  }
  if (withCash) {
    columns.push({
      cost: 1,
      upper: highs.infinity,
      integer: false,
      start: Math.abs(warmLeftover - cashValue) / kappa,
    });
  }

  // Rows (CSR): the budget Σ c·y − Σ c·m ≤ L₀, and z ± (Σ c·y − Σ c·m) ≥ ±(L₀ − t_c) for the cash.
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const addRow = (sign: number, z: boolean, lower: number, upper: number): void => {
    for (let j = 0; j < k; j++) {
      const c = (lotCosts[active[j] as number] as number) / kappa;
      indices.push(2 * j, 2 * j + 1);
      values.push(sign * c, -sign * c);
    }
    if (z) {
      indices.push(2 * k);
      values.push(1);
    }
    rowLower.push(lower);
    rowUpper.push(upper);
    starts.push(indices.length);
  };
  const inf = highs.infinity;
  addRow(1, false, -inf, leftoverAtFloors / kappa);
  if (withCash) {
    addRow(1, true, (leftoverAtFloors - cashValue) / kappa, inf); // z ≥ ℓ − t_c
    addRow(-1, true, (cashValue - leftoverAtFloors) / kappa, inf); // z ≥ t_c − ℓ
  }

  const numCols = columns.length;
  const numRows = rowLower.length;
  const model = highs.createModel({
    numCols,
    numRows,
    colCost: columns.map((col) => col.cost),
    colLower: new Float64Array(numCols),
    colUpper: columns.map((col) => col.upper),
    rowLower,
    rowUpper,
    matrix: { format: "csr", numRows, numCols, starts, indices, values },
    integrality: columns.map((col) =>
      col.integer ? highs.constants.variableType.integer : highs.constants.variableType.continuous,
    ),
  });
  try {
    model.options.set({
      output_flag: false,
      mip_rel_gap: 0,
      mip_abs_gap: 1e-9,
      mip_feasibility_tolerance: 1e-9,
      primal_feasibility_tolerance: 1e-9,
      small_matrix_value: 1e-12,
      mip_max_nodes: options.maxNodes,
      time_limit: options.timeLimitSeconds,
    });
    if (warmValid) model.setSolution({ colValue: columns.map((col) => col.start) });
    model.run();
    const status = model.getModelStatus();
    const codes = highs.constants.modelStatus;
    const limited: readonly number[] = [
      codes.timeLimit,
      codes.iterationLimit,
      codes.solutionLimit,
      codes.interrupted,
      codes.objectiveBound,
      codes.objectiveTarget,
    ];
    if (status !== codes.optimal && !limited.includes(status)) {
      throw new ToolError(
        "NUMERICAL",
        "solver",
        `HiGHS ended with model status ${status} on an allocation problem that is always feasible`,
      );
    }
    const reported = status === codes.optimal ? "optimal" : "limit-reached";
    const dualBound = model.info.get("mip_dual_bound");
    const lowerBound =
      typeof dualBound === "number" && Number.isFinite(dualBound)
        ? dualBound * kappa + constant
        : -Infinity;
    // primal_solution_status 2 = feasible; without one (a limit hit before any incumbent) keep
    // the warm start, which is always feasible.
    if (model.info.get("primal_solution_status") !== 2) {
      return { lots: Float64Array.from(warmStart), status: reported, lowerBound };
    }
    const x = model.getSolution().colValue;
    const lots = new Float64Array(symbols.length);
    for (let j = 0; j < k; j++) {
      const up = Math.round(x[2 * j] ?? 0);
      const down = Math.round(x[2 * j + 1] ?? 0);
      lots[active[j] as number] = Math.max(0, (floors[j] as number) + up - down);
    }
    return { lots, status: reported, lowerBound };
  } finally {
    model.dispose();
  }
}
