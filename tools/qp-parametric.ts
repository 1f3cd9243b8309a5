import { AT_LOWER, FREE, type ActiveSetSolution, type DenseQp } from "./active-set-qp.js";
import { UpdatableCholesky, factorSpd, solveFactored } from "./cholesky-update.js";
import { ToolError } from "./errors.js";

/** The affine piece of a parametric QP solution around a solved point; see {@link parametricSegment}. */
export interface ParametricSegment {
  /** Direction: `x(t) = x + t·dx` solves the problem whose row rhs is `rhs + t`. */
  readonly dx: Float64Array;
  /** The working set stays optimal for `t ∈ [tLow, tHigh]` (tLow ≤ 0 ≤ tHigh up to degeneracy). */
  readonly tLow: number;
  readonly tHigh: number;
}

/**
 * Sensitivity of a solved QP to the right-hand side of one of its working equality rows `row`:
 * with the working set fixed, the KKT system is linear in the rhs, so `x(t) = x + t·dx` and the
 * multipliers `λ(t) = λ + t·dλ` are affine, where `D_FF dx_F = A_Fᵀ dλ`, `A_F dx_F = e_row`,
 * `dx` = 0 on bound-held variables. The segment ends where a free variable reaches a bound, an
 * inactive `≥` row becomes tight, or a multiplier (working `≥` row, bound) changes sign — the
 * critical-line breakpoints of Markowitz's method.
 *
 * @example
 * // min x² + y² s.t. x + y = r, x, y ≥ 0, solved at r = 1: x = y = r/2, so dx = (0.5, 0.5),
 * // valid for every r ≥ 0 (t ∈ [−1, ∞)).
 * parametricSegment(qp, solution, 0) // { dx: [0.5, 0.5] (to 1e-15), tLow: -1, tHigh: Infinity }
 */
export function parametricSegment(
  qp: DenseQp,
  solution: ActiveSetSolution,
  row: number,
): ParametricSegment {
  const { n, m, hessian: D, rows } = qp;
  const free: number[] = [];
  for (let i = 0; i < n; i++) if (solution.bound[i] === FREE) free.push(i);
  const k = free.length;
  const working = Array.from(solution.activeRows);
  const w = working.length;
  const position = working.indexOf(row);
  if (position < 0 || qp.equality[row] !== 1) {
    throw new ToolError("NUMERICAL", qp.labels[row] ?? "row", "the row is not a working equality");
  }
  // Cholesky of D_FF, one bordered append per free variable.
  const factor = new UpdatableCholesky(Math.max(k, 1), k);
  free.forEach((j, a) => {
    const column = free.slice(0, a).map((i) => D[i * n + j] as number);
    if (!(factor.append(column, D[j * n + j] as number) > 0)) {
      throw new ToolError("NUMERICAL", "hessian", "singular on the free variables");
    }
  });
  const ys = working.map((r) => factor.solveLower(free.map((j) => rows[r * n + j] as number)));
  const S = new Float64Array(w * w);
  for (let a = 0; a < w; a++) {
    for (let b = 0; b < w; b++) {
      let s = 0;
      const ya = ys[a] as Float64Array;
      const yb = ys[b] as Float64Array;
      for (let c = 0; c < k; c++) s += (ya[c] as number) * (yb[c] as number);
      S[a * w + b] = s;
    }
  }
  const dLambda = new Float64Array(w);
  dLambda[position] = 1;
  if (factorSpd(S, w) >= 0) {
    throw new ToolError("NUMERICAL", "constraints", "the working constraints are dependent");
  }
  solveFactored(S, dLambda, w);
  const dxF = new Float64Array(k);
  for (let a = 0; a < w; a++) {
    const ya = ys[a] as Float64Array;
    for (let c = 0; c < k; c++)
      dxF[c] = (dxF[c] as number) + (dLambda[a] as number) * (ya[c] as number);
  }
  factor.solveUpperInPlace(dxF);
  const dx = new Float64Array(n);
  free.forEach((i, a) => (dx[i] = dxF[a] as number));

  let tLow = -Infinity;
  let tHigh = Infinity;
  const limit = (c: number, e: number, scale: number): void => {
    // c + t·e ≥ 0 with c ≥ 0 (up to rounding).
    if (Math.abs(e) <= 1e-14 * scale) return;
    const t = -Math.max(0, c) / e;
    if (e < 0) tHigh = Math.min(tHigh, t);
    else tLow = Math.max(tLow, t);
  };
  const x = solution.x;
  let dxScale = 0;
  for (let i = 0; i < n; i++) dxScale = Math.max(dxScale, Math.abs(dx[i] as number));
  for (const i of free) {
    const e = dx[i] as number;
    limit((x[i] as number) - (qp.lower[i] as number), e, dxScale);
    limit((qp.upper[i] as number) - (x[i] as number), -e, dxScale);
  }
  const inWorking = new Uint8Array(m);
  for (const r of working) inWorking[r] = 1;
  for (let r = 0; r < m; r++) {
    if (qp.equality[r] === 1) continue;
    if (inWorking[r] === 1) {
      const a = working.indexOf(r);
      limit(solution.rowMultipliers[r] as number, dLambda[a] as number, 1);
      continue;
    }
    let ax = 0;
    let adx = 0;
    let norm = 0;
    for (let j = 0; j < n; j++) {
      const a = rows[r * n + j] as number;
      ax += a * (x[j] as number);
      adx += a * (dx[j] as number);
      norm = Math.max(norm, Math.abs(a));
    }
    limit(ax - (qp.rhs[r] as number), adx, norm * dxScale);
  }
  const partner = qp.partner;
  for (let i = 0; i < n; i++) {
    const side = solution.bound[i] as number;
    if (side === FREE || qp.lower[i] === qp.upper[i]) continue;
    const j = partner === undefined ? -1 : (partner[i] as number);
    if (j >= 0 && (solution.bound[j] === FREE || (x[j] as number) > (qp.lower[j] as number)))
      continue;
    // dν_i = (D dx)_i − Σ_a dλ_a a_{a,i}
    let dnu = 0;
    for (const f of free) dnu += (D[i * n + f] as number) * (dx[f] as number);
    for (let a = 0; a < w; a++)
      dnu -= (dLambda[a] as number) * (rows[(working[a] as number) * n + i] as number);
    const nu = solution.boundMultipliers[i] as number;
    if (side === AT_LOWER) limit(nu, dnu, 1);
    else limit(-nu, -dnu, 1);
  }
  return { dx, tLow: Math.min(tLow, 0), tHigh: Math.max(tHigh, 0) };
}
