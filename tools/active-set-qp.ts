import { UpdatableCholesky, factorSpd, solveFactored } from "./cholesky-update.js";
import { ToolError, isToolError } from "./errors.js";
import { linearProgram, type LinearFeasibleSet } from "./qp-simplex.js";

/**
 * Convex quadratic programme in dense form:
 * minimise `½ xᵀDx − dᵀx` over a {@link LinearFeasibleSet} (bounds, `=` rows and `≥` rows).
 *
 * `partner` declares complementarity pairs of split variables (`w = w₀ + u − v`): `partner[i] = j`
 * and `partner[j] = i`, or −1. A pair must satisfy `D e_i = −D e_j`, `d_i + d_j ≤ 0` (a
 * non-negative cost on `u + v`), `a_i + a_j = 0` on `=` rows and `a_i + a_j ≤ 0` on `≥` rows; then
 * moving along `−(e_i + e_j)` never hurts, some optimum has one of the two at its lower bound, and
 * the solver never lets both be free at once — which keeps the reduced Hessian positive definite
 * although D itself is singular.
 */
export interface DenseQp extends LinearFeasibleSet {
  /** n × n, row-major, symmetric positive semi-definite. */
  readonly hessian: Float64Array;
  readonly linear: Float64Array;
  readonly partner?: Int32Array;
}

export interface ActiveSetSolution {
  readonly x: Float64Array;
  /** `½ xᵀDx − dᵀx`. */
  readonly objective: number;
  /** Per variable: 0 free, −1 held at its lower bound, +1 held at its upper bound. */
  readonly bound: Int8Array;
  /** Rows in the final working set (equalities and binding `≥` rows). */
  readonly activeRows: Int32Array;
  /**
   * KKT multipliers: `Dx − d = Σ_r rowMultipliers[r]·row_r + boundMultipliers`, with
   * `rowMultipliers ≥ 0` on `≥` rows, `boundMultipliers ≥ 0` at lower and `≤ 0` at upper bounds.
   */
  readonly rowMultipliers: Float64Array;
  readonly boundMultipliers: Float64Array;
  readonly iterations: number;
}

export interface ActiveSetOptions {
  /** A feasible starting point; otherwise phase 1 (tools/qp-simplex.ts) finds a vertex. */
  readonly start?: Float64Array;
  readonly maxIterations?: number;
}

/** Relative pivot below which the reduced Hessian is declared singular (ToolError NUMERICAL). */
export const SINGULAR_PIVOT = 1e-12;
/** A working-set step shorter than this (relative to max(1, |x_F|∞)) counts as zero. */
export const STEP_TOLERANCE = 1e-12;
/** Multiplier tolerance, relative to the gradient scale `max_i D_ii·max(1, |x|∞) + |d|∞`. */
export const MULTIPLIER_TOLERANCE = 1e-12;

/** Per-variable state of {@link ActiveSetSolution.bound}. */
export const FREE = 0;
export const AT_LOWER = -1;
export const AT_UPPER = 1;

/**
 * Solves a {@link DenseQp} exactly (to rounding) by the primal active-set method with a
 * range-space step (Nocedal & Wright, Numerical Optimization, §16.5): variables held at a bound
 * are eliminated, the step on the free set F solves
 * `min ½pᵀD_FF p + g_Fᵀp s.t. A_W,F p = 0` through an incrementally updated Cholesky factor
 * `D_FF = LLᵀ` (a bordered append when a variable is freed, Givens rotations when one is fixed,
 * O(|F|²) each) and the Schur complement `(A L⁻ᵀ)(A L⁻ᵀ)ᵀ` of the few working rows. A blocking
 * bound or row joins the working set; at a working-set minimiser the most negative multiplier
 * leaves it. The method ends at a point satisfying the KKT conditions of the convex problem, which
 * is therefore a global minimiser. Work per iteration is O(n·|F|), so sparse optima (most weights
 * at a bound) are cheap.
 *
 * Errors: INFEASIBLE from phase 1 (naming the row's label); NUMERICAL with field `hessian` when
 * `D_FF` is singular (pivot ≤ {@link SINGULAR_PIVOT}·D_ii: the caller may add a ridge), or when
 * the iteration cap is hit.
 *
 * @example
 * // min x² + y² − 2x (D = 2I, d = (2, 0)) s.t. x + y = 1, 0 ≤ x, y: x = 1, y = 0.
 * solveActiveSetQp(qp).x // Float64Array [1, 0]
 */
export function solveActiveSetQp(qp: DenseQp, options: ActiveSetOptions = {}): ActiveSetSolution {
  const start = options.start ?? linearProgram(qp).x;
  return new ActiveSet(qp, start, options.maxIterations).solve();
}

class ActiveSet {
  private readonly n: number;
  private readonly m: number;
  private readonly x: Float64Array;
  private readonly g: Float64Array;
  private readonly ax: Float64Array;
  private readonly status: Int8Array;
  /** Variables whose bounds coincide: never freed. */
  private readonly pinned: Uint8Array;
  private free: number[] = [];
  private readonly factor: UpdatableCholesky;
  private working: number[] = [];
  /** Equality rows implied on the current free set, re-added once they become independent. */
  private pending: number[] = [];
  private readonly inWorking: Uint8Array;
  private readonly rowNorm: Float64Array;
  private readonly multTol: number;
  private iterations = 0;
  private readonly maxIterations: number;

  constructor(
    private readonly qp: DenseQp,
    start: Float64Array,
    maxIterations?: number,
  ) {
    const { n, m } = qp;
    this.n = n;
    this.m = m;
    this.maxIterations = maxIterations ?? 20 * (n + m) + 200;
    this.x = Float64Array.from(start);
    this.g = new Float64Array(n);
    this.ax = new Float64Array(m);
    this.status = new Int8Array(n);
    this.pinned = new Uint8Array(n);
    this.inWorking = new Uint8Array(m);
    this.rowNorm = new Float64Array(m);
    this.factor = new UpdatableCholesky(n);
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (qp.rows[r * n + j] as number) ** 2;
      this.rowNorm[r] = Math.sqrt(s);
    }
    let maxDiag = 0;
    let maxLinear = 0;
    let xScale = 1;
    for (let i = 0; i < n; i++) {
      maxDiag = Math.max(maxDiag, Math.abs(qp.hessian[i * n + i] as number));
      maxLinear = Math.max(maxLinear, Math.abs(qp.linear[i] as number));
      xScale = Math.max(xScale, Math.abs(this.x[i] as number));
    }
    this.multTol = MULTIPLIER_TOLERANCE * Math.max(maxDiag * xScale + maxLinear, 1e-300);
  }

  solve(): ActiveSetSolution {
    this.initialise();
    const { n } = this;
    const p = new Float64Array(n);
    let fullStep = false;
    let zeroSteps = 0;
    for (;;) {
      if (++this.iterations > this.maxIterations) {
        throw new ToolError("NUMERICAL", "qp", "the active-set method hit its iteration cap");
      }
      const lambda = this.step(p);
      const k = this.free.length;
      let pMax = 0;
      let xMax = 1;
      for (let r = 0; r < k; r++) {
        pMax = Math.max(pMax, Math.abs(p[r] as number));
        xMax = Math.max(xMax, Math.abs(this.x[this.free[r] as number] as number));
      }
      // Steps below STEP_TOLERANCE·max(1, |x_F|∞) are rounding noise of a degenerate working set.
      const atMinimiser = fullStep || pMax <= STEP_TOLERANCE * xMax;
      const bland = zeroSteps > 20;
      if (!atMinimiser) {
        const moved = this.move(p, false, bland);
        const negligible = moved.length * pMax <= STEP_TOLERANCE * xMax;
        fullStep = moved.full;
        zeroSteps = negligible ? zeroSteps + 1 : 0;
        continue;
      }
      // At the working-set minimiser: apply the residual step as a refinement if it is feasible.
      if (pMax > 0) this.move(p, true);
      fullStep = false;
      this.refreshGradient();
      const release = this.pickRelease(lambda, bland);
      if (release === null) return this.result(lambda);
      if (release.kind === "bound") {
        this.status[release.index] = FREE;
        this.appendFree(release.index);
        this.pending = this.pending.filter((r) => {
          if (!this.independent(r)) return true;
          this.addWorking(r);
          return false;
        });
      } else {
        const pos = this.working.indexOf(release.index);
        this.working.splice(pos, 1);
        this.inWorking[release.index] = 0;
      }
    }
  }

  // ---- set-up -------------------------------------------------------------------------------

  private initialise(): void {
    const { qp, n, m, x } = this;
    const partner = qp.partner;
    for (let i = 0; i < n; i++) {
      const lo = qp.lower[i] as number;
      const hi = qp.upper[i] as number;
      x[i] = Math.min(hi, Math.max(lo, x[i] as number));
    }
    if (partner !== undefined) {
      // Purify pairs: lower both members of a pair by the same amount until one sits at its
      // lower bound (allowed by the pair conditions; see DenseQp).
      for (let i = 0; i < n; i++) {
        const j = partner[i] as number;
        if (j <= i) continue;
        const delta = Math.min(
          (x[i] as number) - (qp.lower[i] as number),
          (x[j] as number) - (qp.lower[j] as number),
        );
        if (delta > 0) {
          x[i] = (x[i] as number) - delta;
          x[j] = (x[j] as number) - delta;
          if (
            (x[i] as number) - (qp.lower[i] as number) <=
            (x[j] as number) - (qp.lower[j] as number)
          ) {
            x[i] = qp.lower[i] as number;
          } else {
            x[j] = qp.lower[j] as number;
          }
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const lo = qp.lower[i] as number;
      const hi = qp.upper[i] as number;
      const v = x[i] as number;
      if (lo === hi) {
        this.pinned[i] = 1;
        this.status[i] = AT_LOWER;
      } else if (v <= lo) {
        this.status[i] = AT_LOWER;
      } else if (v >= hi) {
        this.status[i] = AT_UPPER;
      } else {
        this.status[i] = FREE;
        this.appendFree(i);
      }
    }
    this.refreshGradient();
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (qp.rows[r * n + j] as number) * (x[j] as number);
      this.ax[r] = s;
    }
    // Working rows: equalities first (each independent one, freeing a bound-held variable when
    // the free set cannot carry it), then the `≥` rows that hold with equality.
    for (let r = 0; r < m; r++) {
      if (qp.equality[r] !== 1) continue;
      if (this.independent(r)) {
        this.addWorking(r);
        continue;
      }
      if (this.makeRoomFor(r)) {
        this.addWorking(r);
      } else {
        // Implied by the earlier equalities on every face reachable now; steps keep it satisfied
        // and it rejoins the working set once freeing a variable makes it independent.
        this.pending.push(r);
      }
    }
    for (let r = 0; r < m; r++) {
      if (qp.equality[r] === 1) continue;
      const slack = (this.ax[r] as number) - (qp.rhs[r] as number);
      if (slack <= 1e-12 * Math.max(1, Math.abs(qp.rhs[r] as number)) && this.independent(r)) {
        this.addWorking(r);
      }
    }
  }

  private addWorking(r: number): void {
    this.working.push(r);
    this.inWorking[r] = 1;
  }

  /**
   * Frees a bound-held variable that makes equality row `r` independent of the working rows on
   * the free set, if one exists (those with a coefficient in r first).
   */
  private makeRoomFor(r: number): boolean {
    const { qp, n } = this;
    const candidates: number[] = [];
    for (let j = 0; j < n; j++) {
      if (this.status[j] === FREE || this.pinned[j] === 1 || this.pairBlocked(j)) continue;
      candidates.push(j);
    }
    candidates.sort(
      (a, b) => Math.abs(qp.rows[r * n + b] as number) - Math.abs(qp.rows[r * n + a] as number),
    );
    for (const j of candidates) {
      const previous = this.status[j] as number;
      this.status[j] = FREE;
      try {
        this.appendFree(j);
      } catch (error) {
        // D_FF would be singular with j free: try the next candidate.
        this.status[j] = previous;
        if (isToolError(error) && error.field === "hessian") continue;
        throw error;
      }
      if (this.independent(r)) return true;
      this.removeFree(this.free.length - 1);
      this.status[j] = previous;
    }
    return false;
  }

  /**
   * A split variable may leave its bound only while its partner is held at the partner's lower
   * bound: then at most one of u_i, v_i is ever away from its lower bound. If the partner is at
   * its lower bound, this variable's multiplier is ν_i ≥ −(d_i + d_j) − Σ λ_r (a_ri + a_rj) ≥ 0
   * whenever the working `≥` rows have λ ≥ 0, so a wrong-signed ν_i always comes with a
   * wrong-signed row multiplier that can be released instead; if the partner is held away from
   * its lower bound (at its upper one), the partner's own multiplier is at least as violated.
   */
  private pairBlocked(i: number): boolean {
    const partner = this.qp.partner;
    if (partner === undefined) return false;
    const j = partner[i] as number;
    return (
      j >= 0 && (this.status[j] === FREE || (this.x[j] as number) > (this.qp.lower[j] as number))
    );
  }

  /** Whether row r restricted to the free set is independent of the working rows there. */
  private independent(r: number): boolean {
    const rows = [...this.working, r];
    const ys = rows.map((row) => this.solveLower(this.freeRow(row)));
    // Gram–Schmidt on L⁻¹a_F: the last vector's residual decides.
    const basis: Float64Array[] = [];
    let last = 0;
    let lastNorm = 0;
    for (const y of ys) {
      const v = Float64Array.from(y);
      let norm0 = 0;
      for (const e of v) norm0 += e * e;
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += (v[i] as number) * (b[i] as number);
        for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) - dot * (b[i] as number);
      }
      let norm = 0;
      for (const e of v) norm += e * e;
      last = norm;
      lastNorm = norm0;
      if (norm > 1e-20) {
        const s = 1 / Math.sqrt(norm);
        for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * s;
        basis.push(v);
      }
    }
    return lastNorm > 0 && last > 1e-12 * lastNorm;
  }

  private freeRow(r: number): Float64Array {
    const { qp, n } = this;
    const k = this.free.length;
    const out = new Float64Array(k);
    for (let i = 0; i < k; i++) out[i] = qp.rows[r * n + (this.free[i] as number)] as number;
    return out;
  }

  // ---- Cholesky factor of D_FF ------------------------------------------------------------

  private appendFree(j: number): void {
    const { qp, n } = this;
    const k = this.free.length;
    const column = new Float64Array(k);
    for (let r = 0; r < k; r++) column[r] = qp.hessian[(this.free[r] as number) * n + j] as number;
    const djj = qp.hessian[j * n + j] as number;
    const pivot = this.factor.append(column, djj, SINGULAR_PIVOT * Math.abs(djj));
    if (!(pivot > SINGULAR_PIVOT * Math.abs(djj))) {
      throw new ToolError(
        "NUMERICAL",
        "hessian",
        "the quadratic term is singular on the free variables (add a ridge to the covariance)",
      );
    }
    this.free.push(j);
  }

  private removeFree(pos: number): void {
    this.factor.remove(pos);
    this.free.splice(pos, 1);
  }

  private solveLower(b: Float64Array): Float64Array {
    return this.factor.solveLower(b);
  }

  private solveUpperInPlace(y: Float64Array): void {
    this.factor.solveUpperInPlace(y);
  }

  // ---- iteration ------------------------------------------------------------------------------

  /**
   * Fills p[0..k) with the working-set step on the free set and returns the working rows'
   * multipliers λ (aligned with `this.working`).
   */
  private step(p: Float64Array): Float64Array {
    const k = this.free.length;
    const gF = new Float64Array(k);
    for (let r = 0; r < k; r++) gF[r] = this.g[this.free[r] as number] as number;
    const z = this.solveLower(gF);
    let w = this.working.length;
    let lambda = new Float64Array(w);
    let ys: Float64Array[] = this.working.map((row) => this.solveLower(this.freeRow(row)));
    while (w > 0) {
      // S λ = Yᵀz with S = YᵀY (Cholesky of the small Schur complement).
      const S = new Float64Array(w * w);
      const rhs = new Float64Array(w);
      for (let a = 0; a < w; a++) {
        const ya = ys[a] as Float64Array;
        let t = 0;
        for (let i = 0; i < k; i++) t += (ya[i] as number) * (z[i] as number);
        rhs[a] = t;
        for (let b = 0; b <= a; b++) {
          const yb = ys[b] as Float64Array;
          let s = 0;
          for (let i = 0; i < k; i++) s += (ya[i] as number) * (yb[i] as number);
          S[a * w + b] = s;
          S[b * w + a] = s;
        }
      }
      const dependent = factorSpd(S, w);
      if (dependent < 0) {
        solveFactored(S, rhs, w);
        lambda = rhs;
        break;
      }
      // A working row became dependent on the others over the free set (degenerate rounding):
      // it is implied there, so it waits (equality) or is dropped (`≥` row, the ratio test
      // re-adds it if it ever blocks).
      const row = this.working[dependent] as number;
      this.working.splice(dependent, 1);
      this.inWorking[row] = 0;
      if (this.qp.equality[row] === 1) this.pending.push(row);
      ys = ys.filter((_, a) => a !== dependent);
      w -= 1;
      lambda = new Float64Array(w);
    }
    // p = L⁻ᵀ (Yλ − z); with as many working rows as free variables the step is 0 exactly.
    if (w >= k) {
      p.fill(0, 0, k);
      return lambda;
    }
    // r = Yλ − z, tracking the size of the terms that cancel in it.
    let termMax = 0;
    for (let i = 0; i < k; i++) {
      p[i] = -(z[i] as number);
      termMax = Math.max(termMax, Math.abs(z[i] as number));
    }
    for (let a = 0; a < w; a++) {
      const ya = ys[a] as Float64Array;
      const la = lambda[a] as number;
      for (let i = 0; i < k; i++) {
        const t = la * (ya[i] as number);
        p[i] = (p[i] as number) + t;
        termMax = Math.max(termMax, Math.abs(t));
      }
    }
    // Reduced gradient r negligible against the terms it is the difference of: at the minimiser.
    let rMax = 0;
    for (let i = 0; i < k; i++) rMax = Math.max(rMax, Math.abs(p[i] as number));
    if (rMax <= 1e-13 * termMax) {
      p.fill(0, 0, k);
      return lambda;
    }
    this.solveUpperInPlace(p);
    return lambda;
  }

  /**
   * Ratio test and step along p; fixes a blocking variable or adds a blocking row. With
   * `onlyIfFull`, the step is taken only when nothing blocks it (refinement).
   */
  private move(
    p: Float64Array,
    onlyIfFull = false,
    bland = false,
  ): { full: boolean; length: number } {
    const { qp, n, m, x } = this;
    const k = this.free.length;
    let alpha = 1;
    let blockVar = -1;
    let blockSide = 0;
    let blockRow = -1;
    let pNorm = 0;
    for (let r = 0; r < k; r++) pNorm = Math.max(pNorm, Math.abs(p[r] as number));
    // Components below this are rounding noise; letting them block would fix a variable whose
    // bound is (numerically) dependent on the working set.
    const pTol = 1e-13 * pNorm;
    for (let r = 0; r < k; r++) {
      const i = this.free[r] as number;
      const pi = p[r] as number;
      if (pi < -pTol) {
        const t = Math.max(0, ((qp.lower[i] as number) - (x[i] as number)) / pi);
        if (
          t < alpha ||
          (bland && t === alpha && blockVar >= 0 && i < (this.free[blockVar] as number))
        ) {
          alpha = t;
          blockVar = r;
          blockSide = AT_LOWER;
        }
      } else if (pi > pTol) {
        const t = Math.max(0, ((qp.upper[i] as number) - (x[i] as number)) / pi);
        if (
          t < alpha ||
          (bland && t === alpha && blockVar >= 0 && i < (this.free[blockVar] as number))
        ) {
          alpha = t;
          blockVar = r;
          blockSide = AT_UPPER;
        }
      }
    }
    const ap = new Float64Array(m);
    for (let row = 0; row < m; row++) {
      let s = 0;
      const off = row * n;
      for (let r = 0; r < k; r++)
        s += (qp.rows[off + (this.free[r] as number)] as number) * (p[r] as number);
      ap[row] = s;
      if (this.inWorking[row] === 1 || qp.equality[row] === 1) continue;
      if (s >= -1e-14 * (this.rowNorm[row] as number) * pNorm) continue;
      const slack = Math.max(0, (this.ax[row] as number) - (qp.rhs[row] as number));
      const t = slack / -s;
      if (t < alpha) {
        alpha = t;
        blockRow = row;
        blockVar = -1;
      }
    }
    const blocked = blockVar >= 0 || blockRow >= 0;
    if (onlyIfFull && blocked) return { full: false, length: 0 };
    if (alpha > 0) {
      for (let r = 0; r < k; r++) {
        const i = this.free[r] as number;
        const step = alpha * (p[r] as number);
        x[i] = (x[i] as number) + step;
        const off = i * n;
        for (let j = 0; j < n; j++)
          this.g[j] = (this.g[j] as number) + step * (qp.hessian[off + j] as number);
      }
      for (let row = 0; row < m; row++)
        this.ax[row] = (this.ax[row] as number) + alpha * (ap[row] as number);
    }
    if (blockVar >= 0) {
      const i = this.free[blockVar] as number;
      x[i] = blockSide === AT_LOWER ? (qp.lower[i] as number) : (qp.upper[i] as number);
      this.status[i] = blockSide;
      this.removeFree(blockVar);
      this.refreshRows();
    } else if (blockRow >= 0) {
      this.addWorking(blockRow);
    }
    return { full: !blocked, length: alpha };
  }

  private refreshRows(): void {
    const { qp, n, m, x } = this;
    for (let r = 0; r < m; r++) {
      let s = 0;
      const off = r * n;
      for (let j = 0; j < n; j++) {
        const v = x[j] as number;
        if (v !== 0) s += (qp.rows[off + j] as number) * v;
      }
      this.ax[r] = s;
    }
  }

  /** g = Dx − d, using only the nonzero entries of x. */
  private refreshGradient(): void {
    const { qp, n, x, g } = this;
    for (let j = 0; j < n; j++) g[j] = -(qp.linear[j] as number);
    for (let i = 0; i < n; i++) {
      const v = x[i] as number;
      if (v === 0) continue;
      const off = i * n;
      for (let j = 0; j < n; j++) g[j] = (g[j] as number) + v * (qp.hessian[off + j] as number);
    }
  }

  private boundMultiplier(i: number, lambda: Float64Array): number {
    const { qp, n } = this;
    let nu = this.g[i] as number;
    for (let a = 0; a < this.working.length; a++) {
      nu -= (lambda[a] as number) * (qp.rows[(this.working[a] as number) * n + i] as number);
    }
    return nu;
  }

  private pickRelease(
    lambda: Float64Array,
    bland: boolean,
  ): { kind: "bound" | "row"; index: number } | null {
    const { qp, n } = this;
    let best = this.multTol;
    let choice: { kind: "bound" | "row"; index: number } | null = null;
    for (let i = 0; i < n; i++) {
      const s = this.status[i] as number;
      if (s === FREE || this.pinned[i] === 1 || this.pairBlocked(i)) continue;
      const nu = this.boundMultiplier(i, lambda);
      const violation = s === AT_LOWER ? -nu : nu;
      if (violation > best) {
        choice = { kind: "bound", index: i };
        if (bland) return choice;
        best = violation;
      }
    }
    for (let a = 0; a < this.working.length; a++) {
      const r = this.working[a] as number;
      if (qp.equality[r] === 1) continue;
      const violation = -(lambda[a] as number) * (this.rowNorm[r] as number);
      if (violation > best) {
        choice = { kind: "row", index: r };
        if (bland) return choice;
        best = violation;
      }
    }
    return choice;
  }

  private result(lambda: Float64Array): ActiveSetSolution {
    const { qp, n, m, x } = this;
    const rowMultipliers = new Float64Array(m);
    for (let a = 0; a < this.working.length; a++) {
      rowMultipliers[this.working[a] as number] = lambda[a] as number;
    }
    const boundMultipliers = new Float64Array(n);
    const bound = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const s = this.status[i] as number;
      bound[i] = s;
      if (s !== FREE) boundMultipliers[i] = this.boundMultiplier(i, lambda);
    }
    let objective = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number;
      if (xi === 0) continue;
      objective +=
        xi * (0.5 * ((this.g[i] as number) + (qp.linear[i] as number)) - (qp.linear[i] as number));
    }
    return {
      x: Float64Array.from(x),
      objective,
      bound,
      activeRows: Int32Array.from(this.working),
      rowMultipliers,
      boundMultipliers,
      iterations: this.iterations,
    };
  }
}
