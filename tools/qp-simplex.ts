import { ToolError } from "./errors.js";

/**
 * Dense linear constraint set shared by the LP below and the active-set QP
 * (tools/active-set-qp.ts): bounds `lower ≤ x ≤ upper` (±Infinity allowed) and `m` general rows,
 * each either `rowᵀx = rhs` (`equality[r] = 1`) or `rowᵀx ≥ rhs` (`equality[r] = 0`; a `≤` row is
 * passed negated). `labels[r]` names the row in errors (e.g. `groups.tech.max`).
 */
export interface LinearFeasibleSet {
  readonly n: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly m: number;
  /** m × n, row-major. */
  readonly rows: Float64Array;
  readonly equality: Uint8Array;
  readonly rhs: Float64Array;
  readonly labels: readonly string[];
}

export interface LpSolution {
  readonly status: "optimal" | "unbounded";
  /** The structural variables (length n), clamped into their bounds. */
  readonly x: Float64Array;
  /** `costᵀx` (0 for a pure feasibility problem). */
  readonly objective: number;
  readonly iterations: number;
}

/** Phase-1 infeasibility threshold: Σ artificials ≤ FEASIBILITY_TOLERANCE · (1 + max|rhs|). */
export const FEASIBILITY_TOLERANCE = 1e-9;

const PIVOT_TOLERANCE = 1e-11;
const COST_TOLERANCE = 1e-12;
/** Consecutive degenerate pivots after which Bland's smallest-index rule takes over. */
const DEGENERATE_STREAK = 30;

/**
 * Minimises `costᵀx` over a {@link LinearFeasibleSet} (or, with no cost, finds a feasible
 * point) by the two-phase bounded-variable revised simplex method with an explicit basis inverse
 * (the row count m is small in portfolio problems: budget, groups, a return target, a turnover
 * cap). Phase 1 minimises the sum of one artificial per row that the starting vertex (every
 * variable at its finite bound nearest the start, or 0 when free) leaves unsatisfied; phase 2
 * keeps the artificials at 0. Dantzig pricing, switching to Bland's rule after a streak of
 * degenerate pivots so that the method terminates.
 *
 * Errors: ToolError INFEASIBLE when no point satisfies the rows and bounds, naming the label of
 * the first row (in order) that cannot hold together with the bounds and the rows before it;
 * NUMERICAL when the iteration cap `100·(n + m) + 1000` is hit.
 *
 * @example
 * // maximise x + 2y (cost −1, −2) s.t. x + y = 1, 0 ≤ x, y ≤ 1: the vertex (0, 1), value −2.
 * linearProgram(set, Float64Array.of(-1, -2)).objective // -2
 */
export function linearProgram(set: LinearFeasibleSet, cost?: Float64Array): LpSolution {
  const result = new Simplex(set).run(cost);
  if (result !== null) return result;
  // Blame the first row, in the problem's order, that cannot hold together with the bounds and
  // the rows before it (portfolio problems list the budget first, then groups, targets, caps).
  let blamed = set.m - 1;
  for (let k = 1; k < set.m; k++) {
    if (new Simplex(prefix(set, k)).run() === null) {
      blamed = k - 1;
      break;
    }
  }
  const label = set.labels[blamed] ?? `constraints[${blamed}]`;
  throw new ToolError(
    "INFEASIBLE",
    label,
    `no point satisfies ${label} together with the bounds${blamed > 0 ? " and the constraints listed before it" : ""}`,
  );
}

/** The first k rows of a feasible set. */
function prefix(set: LinearFeasibleSet, k: number): LinearFeasibleSet {
  return {
    n: set.n,
    lower: set.lower,
    upper: set.upper,
    m: k,
    rows: set.rows.subarray(0, k * set.n),
    equality: set.equality.subarray(0, k),
    rhs: set.rhs.subarray(0, k),
    labels: set.labels.slice(0, k),
  };
}

class Simplex {
  private readonly n: number;
  private readonly m: number;
  /** Total columns: n structurals, m slacks, m artificials. */
  private readonly total: number;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly val: Float64Array;
  /** Row of the basis each variable sits in, or −1 when nonbasic. */
  private readonly basisRow: Int32Array;
  private readonly head: Int32Array;
  private readonly sigma: Float64Array;
  private readonly binv: Float64Array;
  private readonly alpha: Float64Array;
  private readonly pi: Float64Array;
  private iterations = 0;

  constructor(private readonly set: LinearFeasibleSet) {
    const { n, m } = set;
    this.n = n;
    this.m = m;
    this.total = n + 2 * m;
    this.lo = new Float64Array(this.total);
    this.hi = new Float64Array(this.total);
    this.val = new Float64Array(this.total);
    this.basisRow = new Int32Array(this.total).fill(-1);
    this.head = new Int32Array(m);
    this.sigma = new Float64Array(m);
    this.binv = new Float64Array(m * m);
    this.alpha = new Float64Array(m);
    this.pi = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      const l = set.lower[i] as number;
      const u = set.upper[i] as number;
      this.lo[i] = l;
      this.hi[i] = u;
      this.val[i] = Number.isFinite(l) ? l : Number.isFinite(u) ? u : 0;
    }
    for (let r = 0; r < m; r++) {
      const s = n + r;
      const a = n + m + r;
      this.lo[s] = 0;
      this.hi[s] = set.equality[r] === 1 ? 0 : Infinity;
      let ax = 0;
      for (let j = 0; j < n; j++) ax += (set.rows[r * n + j] as number) * (this.val[j] as number);
      const residual = (set.rhs[r] as number) - ax;
      this.lo[a] = 0;
      if (set.equality[r] === 0 && residual <= 0) {
        // The row already holds: its slack starts basic, no artificial needed.
        this.val[s] = -residual;
        this.hi[a] = 0;
        this.setBasic(r, s, -1);
      } else {
        this.sigma[r] = residual >= 0 ? 1 : -1;
        this.val[a] = Math.abs(residual);
        this.hi[a] = Infinity;
        this.setBasic(r, a, this.sigma[r] as number);
      }
    }
  }

  private setBasic(r: number, variable: number, coefficient: number): void {
    this.head[r] = variable;
    this.basisRow[variable] = r;
    this.binv[r * this.m + r] = 1 / coefficient;
  }

  /** Coefficient of column `j` in row `r`. */
  private coef(r: number, j: number): number {
    const { n, m } = this;
    if (j < n) return this.set.rows[r * n + j] as number;
    if (j < n + m) return j - n === r ? -1 : 0;
    return j - n - m === r ? (this.sigma[r] as number) : 0;
  }

  /** Phase 1 then (with a cost) phase 2; null when phase 1 proves the set empty. */
  run(cost?: Float64Array): LpSolution | null {
    const { n, m, total } = this;
    const phase1 = new Float64Array(total);
    for (let r = 0; r < m; r++) phase1[n + m + r] = 1;
    this.optimise(phase1);
    let infeasibility = 0;
    for (let r = 0; r < m; r++) infeasibility += this.val[n + m + r] as number;
    let rhsScale = 1;
    for (let r = 0; r < m; r++) rhsScale = Math.max(rhsScale, Math.abs(this.set.rhs[r] as number));
    if (infeasibility > FEASIBILITY_TOLERANCE * rhsScale) return null;
    // Artificials are pinned at zero from now on.
    for (let r = 0; r < m; r++) {
      const a = n + m + r;
      this.hi[a] = 0;
      if ((this.basisRow[a] as number) < 0) this.val[a] = 0;
    }
    let status: LpSolution["status"] = "optimal";
    let objective = 0;
    if (cost !== undefined) {
      const c = new Float64Array(total);
      c.set(cost.subarray(0, n));
      status = this.optimise(c);
      for (let j = 0; j < n; j++) objective += (cost[j] as number) * (this.val[j] as number);
    }
    this.refreshBasics();
    const x = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      x[j] = Math.min(this.hi[j] as number, Math.max(this.lo[j] as number, this.val[j] as number));
    }
    return { status, x, objective, iterations: this.iterations };
  }

  /** Recomputes the basic values from the nonbasic ones: x_B = B⁻¹ (b − N x_N). */
  private refreshBasics(): void {
    const { n, m, total } = this;
    const residual = new Float64Array(m);
    for (let r = 0; r < m; r++) residual[r] = this.set.rhs[r] as number;
    for (let j = 0; j < total; j++) {
      if ((this.basisRow[j] as number) >= 0) continue;
      const v = this.val[j] as number;
      if (v === 0) continue;
      if (j < n) {
        for (let r = 0; r < m; r++) residual[r] = (residual[r] as number) - this.coef(r, j) * v;
      } else {
        const r = j < n + m ? j - n : j - n - m;
        residual[r] = (residual[r] as number) - this.coef(r, j) * v;
      }
    }
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let c = 0; c < m; c++) s += (this.binv[r * m + c] as number) * (residual[c] as number);
      this.val[this.head[r] as number] = s;
    }
  }

  private reducedCost(c: Float64Array, j: number): number {
    const { n, m } = this;
    let d = c[j] as number;
    if (j < n) {
      for (let r = 0; r < m; r++)
        d -= (this.pi[r] as number) * (this.set.rows[r * n + j] as number);
    } else if (j < n + m) {
      d += this.pi[j - n] as number;
    } else {
      const r = j - n - m;
      d -= (this.pi[r] as number) * (this.sigma[r] as number);
    }
    return d;
  }

  private optimise(c: Float64Array): LpSolution["status"] {
    const { n, m, total } = this;
    const cap = 100 * (n + m) + 1000;
    let degenerate = 0;
    let costScale = 0;
    for (let j = 0; j < total; j++) costScale = Math.max(costScale, Math.abs(c[j] as number));
    const tol = COST_TOLERANCE * Math.max(costScale, 1e-300);
    for (;;) {
      if (++this.iterations > cap) {
        throw new ToolError("NUMERICAL", "constraints", "the simplex method did not terminate");
      }
      // π = c_Bᵀ B⁻¹
      for (let col = 0; col < m; col++) {
        let s = 0;
        for (let r = 0; r < m; r++) {
          s += (c[this.head[r] as number] as number) * (this.binv[r * m + col] as number);
        }
        this.pi[col] = s;
      }
      const bland = degenerate >= DEGENERATE_STREAK;
      let enter = -1;
      let direction = 0;
      let best = 0;
      for (let j = 0; j < total; j++) {
        if ((this.basisRow[j] as number) >= 0) continue;
        const lo = this.lo[j] as number;
        const hi = this.hi[j] as number;
        if (lo === hi) continue;
        const v = this.val[j] as number;
        const d = this.reducedCost(c, j);
        let dir = 0;
        if (d < -tol && v < hi) dir = 1;
        else if (d > tol && v > lo) dir = -1;
        if (dir === 0) continue;
        if (bland) {
          enter = j;
          direction = dir;
          break;
        }
        if (Math.abs(d) > best) {
          best = Math.abs(d);
          enter = j;
          direction = dir;
        }
      }
      if (enter < 0) return "optimal";
      // α = B⁻¹ a_q
      let alphaMax = 0;
      for (let r = 0; r < m; r++) {
        let s = 0;
        for (let col = 0; col < m; col++) {
          s += (this.binv[r * m + col] as number) * this.coef(col, enter);
        }
        this.alpha[r] = s;
        alphaMax = Math.max(alphaMax, Math.abs(s));
      }
      const pivotTol = PIVOT_TOLERANCE * Math.max(1, alphaMax);
      let theta = (this.hi[enter] as number) - (this.lo[enter] as number);
      let leave = -1;
      let leaveToUpper = false;
      for (let r = 0; r < m; r++) {
        const rate = -direction * (this.alpha[r] as number);
        const b = this.head[r] as number;
        const v = this.val[b] as number;
        let t: number;
        let toUpper: boolean;
        if (rate < -pivotTol) {
          t = Math.max(0, (v - (this.lo[b] as number)) / -rate);
          toUpper = false;
        } else if (rate > pivotTol && Number.isFinite(this.hi[b] as number)) {
          t = Math.max(0, ((this.hi[b] as number) - v) / rate);
          toUpper = true;
        } else {
          continue;
        }
        const better =
          t < theta ||
          (t === theta &&
            leave >= 0 &&
            (bland
              ? b < (this.head[leave] as number)
              : Math.abs(this.alpha[r] as number) > Math.abs(this.alpha[leave] as number)));
        if (better) {
          theta = t;
          leave = r;
          leaveToUpper = toUpper;
        }
      }
      if (!Number.isFinite(theta)) return "unbounded";
      degenerate = theta === 0 ? degenerate + 1 : 0;
      const step = direction * theta;
      this.val[enter] = (this.val[enter] as number) + step;
      for (let r = 0; r < m; r++) {
        const b = this.head[r] as number;
        this.val[b] = (this.val[b] as number) - step * (this.alpha[r] as number);
      }
      if (leave < 0) {
        // Bound flip: the entering variable crossed to its other bound.
        this.val[enter] = direction > 0 ? (this.hi[enter] as number) : (this.lo[enter] as number);
        continue;
      }
      const out = this.head[leave] as number;
      this.val[out] = leaveToUpper ? (this.hi[out] as number) : (this.lo[out] as number);
      this.basisRow[out] = -1;
      this.basisRow[enter] = leave;
      this.head[leave] = enter;
      // Eta update of the explicit inverse around pivot α_leave.
      const piv = this.alpha[leave] as number;
      const rowOff = leave * m;
      for (let col = 0; col < m; col++)
        this.binv[rowOff + col] = (this.binv[rowOff + col] as number) / piv;
      for (let r = 0; r < m; r++) {
        if (r === leave) continue;
        const f = this.alpha[r] as number;
        if (f === 0) continue;
        const off = r * m;
        for (let col = 0; col < m; col++) {
          this.binv[off + col] =
            (this.binv[off + col] as number) - f * (this.binv[rowOff + col] as number);
        }
      }
    }
  }
}
