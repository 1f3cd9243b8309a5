import { solveQP } from "quadprog";
import { solveActiveSetQp, type DenseQp } from "./active-set-qp.js";
import { ToolError, invalidInput } from "./errors.js";
import { assertFiniteArray, assertFiniteNumber, assertSquareMatrix } from "./validate.js";

/** One general linear constraint `coefficientsᵀx (= | ≥ | ≤) rhs`. */
export interface QpConstraint {
  readonly coefficients: readonly number[];
  readonly type: "eq" | "ge" | "le";
  readonly rhs: number;
  /** Name used in errors, e.g. `budget`; defaults to `constraints[i]`. */
  readonly label?: string;
}

/** `minimise ½ xᵀDx − dᵀx` subject to the constraints and `lower ≤ x ≤ upper`. */
export interface QpProblem {
  /** D: symmetric positive semi-definite (positive definite for the `quadprog` solver). */
  readonly hessian: readonly (readonly number[])[];
  /** d. */
  readonly linear: readonly number[];
  readonly constraints?: readonly QpConstraint[];
  /** Per-variable lower bounds; −Infinity (the default) for none. */
  readonly lower?: readonly number[];
  /** Per-variable upper bounds; +Infinity (the default) for none. */
  readonly upper?: readonly number[];
}

export interface QpSolution {
  readonly x: number[];
  /** `½ xᵀDx − dᵀx` at x. */
  readonly objective: number;
  /** Indices into `constraints` of the binding ones (equalities included). */
  readonly activeConstraints: number[];
  /** Variables held at a bound. */
  readonly activeBounds: { readonly index: number; readonly side: "lower" | "upper" }[];
  /** KKT multiplier per constraint (0 when not binding); ≥ 0 for `ge`, ≤ 0 for `le`. */
  readonly multipliers: number[];
  readonly iterations: number;
  readonly solver: QpSolverName;
}

export type QpSolverName = "active-set" | "quadprog";

export interface QpOptions {
  /**
   * `active-set` (default): tools/active-set-qp.ts, primal active-set with a phase-1 simplex,
   * D positive semi-definite. `quadprog`: the Goldfarb–Idnani dual method of the `quadprog`
   * package (D must be positive definite; bounds become constraint rows; O(n³) — a reference).
   */
  readonly solver?: QpSolverName;
}

/** Relative symmetry tolerance of D: `|D_ij − D_ji| ≤ 1e-10 · max(|D_ij|, |D_ji|, max_k D_kk)`. */
export const QP_SYMMETRY_TOLERANCE = 1e-10;

/**
 * Solves a convex quadratic programme `min ½ xᵀDx − dᵀx s.t. Ax (=,≥,≤) b, lower ≤ x ≤ upper`
 * after validating it, with either solver (see {@link QpOptions}). Both reach the global optimum
 * of the convex problem; they agree to ~1e-12 on strictly convex problems (tests).
 *
 * Errors (ToolError): INVALID_INPUT naming the field (`hessian[i][j]` not finite or asymmetric,
 * `linear`, `constraints[i].coefficients`, `lower[i] > upper[i]`, ...); INFEASIBLE when no point
 * satisfies the constraints and bounds (field: the label of the unsatisfiable row for
 * `active-set`, `constraints` for `quadprog`); NUMERICAL when D is singular where it must not be.
 *
 * @example
 * // R quadprog's ?solve.QP example: min ½bᵀb − (0, 5, 0)ᵀb s.t. −4b₁ − 3b₂ ≥ −8,
 * // 2b₁ + b₂ ≥ 2, −2b₂ + b₃ ≥ 0. Published solution 0.4761905 1.0476190 2.0952381.
 * solveQp({ hessian: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], linear: [0, 5, 0], constraints: [
 *   { coefficients: [-4, -3, 0], type: "ge", rhs: -8 },
 *   { coefficients: [2, 1, 0], type: "ge", rhs: 2 },
 *   { coefficients: [0, -2, 1], type: "ge", rhs: 0 }] }).x // [0.4761905, 1.047619, 2.0952381]
 */
export function solveQp(problem: QpProblem, options: QpOptions = {}): QpSolution {
  const n = validateProblem(problem);
  const solver = options.solver ?? "active-set";
  const constraints = problem.constraints ?? [];
  const lower = problem.lower ?? new Array<number>(n).fill(-Infinity);
  const upper = problem.upper ?? new Array<number>(n).fill(Infinity);
  return solver === "quadprog"
    ? solveWithQuadprog(problem, n, constraints, lower, upper)
    : solveWithActiveSet(problem, n, constraints, lower, upper);
}

function validateProblem(problem: QpProblem): number {
  const n = problem.linear.length;
  if (n === 0) throw invalidInput("linear", "must have at least one variable");
  assertFiniteArray("linear", problem.linear);
  assertSquareMatrix("hessian", problem.hessian, n);
  const D = problem.hessian;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs((D[i] as number[])[i] as number));
  for (let i = 0; i < n; i++) {
    const di = D[i] as readonly number[];
    if ((di[i] as number) < 0) throw invalidInput(`hessian[${i}][${i}]`, "must be ≥ 0 (D is PSD)");
    for (let j = 0; j < i; j++) {
      const a = di[j] as number;
      const b = (D[j] as readonly number[])[i] as number;
      if (Math.abs(a - b) > QP_SYMMETRY_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), scale)) {
        throw invalidInput(`hessian[${i}][${j}]`, `D must be symmetric: ${a} ≠ ${b}`);
      }
    }
  }
  (problem.constraints ?? []).forEach((c, i) => {
    const field = `constraints[${i}]`;
    if (c.coefficients.length !== n) {
      throw invalidInput(
        `${field}.coefficients`,
        `must have ${n} entries, got ${c.coefficients.length}`,
      );
    }
    assertFiniteArray(`${field}.coefficients`, c.coefficients);
    assertFiniteNumber(`${field}.rhs`, c.rhs);
    if (c.type !== "eq" && c.type !== "ge" && c.type !== "le") {
      throw invalidInput(`${field}.type`, `must be "eq", "ge" or "le", got ${String(c.type)}`);
    }
  });
  for (const [name, values] of [
    ["lower", problem.lower],
    ["upper", problem.upper],
  ] as const) {
    if (values === undefined) continue;
    if (values.length !== n)
      throw invalidInput(name, `must have ${n} entries, got ${values.length}`);
    values.forEach((v, i) => {
      if (typeof v !== "number" || Number.isNaN(v)) {
        throw invalidInput(
          `${name}[${i}]`,
          `must be a number (±Infinity for none), got ${String(v)}`,
        );
      }
    });
  }
  if (problem.lower !== undefined && problem.upper !== undefined) {
    for (let i = 0; i < n; i++) {
      const l = problem.lower[i] as number;
      const u = problem.upper[i] as number;
      if (l > u)
        throw new ToolError(
          "INFEASIBLE",
          `lower[${i}]`,
          `lower bound ${l} exceeds upper bound ${u}`,
        );
      if (l === Infinity || u === -Infinity) {
        throw invalidInput(`lower[${i}]`, "bounds must leave a finite value feasible");
      }
    }
  }
  return n;
}

function solveWithActiveSet(
  problem: QpProblem,
  n: number,
  constraints: readonly QpConstraint[],
  lower: readonly number[],
  upper: readonly number[],
): QpSolution {
  const m = constraints.length;
  const hessian = new Float64Array(n * n);
  problem.hessian.forEach((row, i) => {
    for (let j = 0; j < n; j++) hessian[i * n + j] = row[j] as number;
  });
  const rows = new Float64Array(m * n);
  const equality = new Uint8Array(m);
  const rhs = new Float64Array(m);
  constraints.forEach((c, r) => {
    const sign = c.type === "le" ? -1 : 1;
    for (let j = 0; j < n; j++) rows[r * n + j] = sign * (c.coefficients[j] as number);
    rhs[r] = sign * c.rhs;
    equality[r] = c.type === "eq" ? 1 : 0;
  });
  const qp: DenseQp = {
    n,
    m,
    hessian,
    linear: Float64Array.from(problem.linear),
    lower: Float64Array.from(lower),
    upper: Float64Array.from(upper),
    rows,
    equality,
    rhs,
    labels: constraints.map((c, i) => c.label ?? `constraints[${i}]`),
  };
  const sol = solveActiveSetQp(qp);
  const activeBounds: { index: number; side: "lower" | "upper" }[] = [];
  sol.bound.forEach((b, i) => {
    if (b !== 0) activeBounds.push({ index: i, side: b < 0 ? "lower" : "upper" });
  });
  return {
    x: Array.from(sol.x),
    objective: sol.objective,
    activeConstraints: Array.from(sol.activeRows).sort((a, b) => a - b),
    activeBounds,
    multipliers: constraints.map((c, r) =>
      c.type === "le" ? -(sol.rowMultipliers[r] as number) : (sol.rowMultipliers[r] as number),
    ),
    iterations: sol.iterations,
    solver: "active-set",
  };
}

function solveWithQuadprog(
  problem: QpProblem,
  n: number,
  constraints: readonly QpConstraint[],
  lower: readonly number[],
  upper: readonly number[],
): QpSolution {
  // Column j of Amat is constraint j (1-based); equalities first (meq of them).
  type Column = {
    coef: (i: number) => number;
    b: number;
    source: number;
    side?: "lower" | "upper";
  };
  const columns: Column[] = [];
  const eqFirst = [
    ...constraints.map((c, i) => ({ c, i })).filter(({ c }) => c.type === "eq"),
    ...constraints.map((c, i) => ({ c, i })).filter(({ c }) => c.type !== "eq"),
  ];
  for (const { c, i } of eqFirst) {
    const sign = c.type === "le" ? -1 : 1;
    columns.push({ coef: (k) => sign * (c.coefficients[k] as number), b: sign * c.rhs, source: i });
  }
  const meq = constraints.filter((c) => c.type === "eq").length;
  for (let v = 0; v < n; v++) {
    const l = lower[v] as number;
    const u = upper[v] as number;
    if (Number.isFinite(l))
      columns.push({ coef: (k) => (k === v ? 1 : 0), b: l, source: v, side: "lower" });
    if (Number.isFinite(u))
      columns.push({ coef: (k) => (k === v ? -1 : 0), b: -u, source: v, side: "upper" });
  }
  const q = columns.length;
  const Dmat: number[][] = [[]];
  const dvec: number[] = [0];
  const Amat: number[][] = [[]];
  const bvec: number[] = [0];
  for (let i = 0; i < n; i++) {
    const src = problem.hessian[i] as readonly number[];
    Dmat.push([0, ...src]);
    dvec.push(problem.linear[i] as number);
    const arow: number[] = [0];
    for (let j = 0; j < q; j++) arow.push((columns[j] as Column).coef(i));
    // quadprog needs at least one constraint column.
    if (q === 0) arow.push(0);
    Amat.push(arow);
  }
  for (let j = 0; j < q; j++) bvec.push((columns[j] as Column).b);
  if (q === 0) bvec.push(0);
  const res = solveQP(Dmat, dvec, Amat, bvec, meq);
  if (res.message.startsWith("constraints are inconsistent")) {
    throw new ToolError(
      "INFEASIBLE",
      "constraints",
      "no point satisfies the constraints and bounds",
    );
  }
  if (res.message !== "") throw new ToolError("NUMERICAL", "hessian", res.message);
  const x = res.solution.slice(1, n + 1);
  const multipliers = new Array<number>(constraints.length).fill(0);
  const activeConstraints: number[] = [];
  const activeBounds: { index: number; side: "lower" | "upper" }[] = [];
  for (let j = 0; j < q; j++) {
    const col = columns[j] as Column;
    const lagr = res.Lagrangian[j + 1] as number;
    const active = res.iact.slice(1).includes(j + 1);
    if (col.side === undefined) {
      const c = constraints[col.source] as QpConstraint;
      // quadprog negates an equality column in place when it approaches it from above.
      let flipped = false;
      for (let i = 0; i < n; i++) {
        const orig = col.coef(i);
        if (orig !== 0) {
          flipped = ((Amat[i + 1] as number[])[j + 1] as number) === -orig;
          break;
        }
      }
      const signed = flipped ? -lagr : lagr;
      multipliers[col.source] = c.type === "le" ? -signed : signed;
      if (active || c.type === "eq") activeConstraints.push(col.source);
    } else if (active) {
      activeBounds.push({ index: col.source, side: col.side });
    }
  }
  return {
    x,
    objective: res.value[1] as number,
    activeConstraints: activeConstraints.sort((a, b) => a - b),
    activeBounds,
    multipliers,
    iterations: res.iterations[1] as number,
    solver: "quadprog",
  };
}
