import { insufficientData, invalidInput } from "./errors.js";
import { gramMatrix, type GramKernel } from "./gram.js";
import {
  DEFAULT_PERIODS_PER_YEAR,
  assertPeriodsPerYear,
  assertReturnMatrix,
  completeCases,
  type ReturnMatrix,
} from "./return-matrix.js";

/**
 * Shrinkage target: `constant-variance` — the scaled identity `μI`, `μ = trace(S)/p` (Ledoit &
 * Wolf 2004, "A well-conditioned estimator for large-dimensional covariance matrices");
 * `constant-correlation` — every pair at the average sample correlation `r̄` with the sample
 * variances kept (Ledoit & Wolf 2004, "Honey, I shrunk the sample covariance matrix").
 */
export type ShrinkageTarget = "constant-variance" | "constant-correlation";

export interface LedoitWolfOptions {
  /** Default `"constant-variance"`. */
  readonly target?: ShrinkageTarget;
  /** Default 252. */
  readonly periodsPerYear?: number;
  /** Force the Gram kernel (tests). */
  readonly kernel?: GramKernel;
}

export interface LedoitWolfResult {
  /** `P · ((1 − δ) S + δ F)`, annualised. */
  readonly matrix: number[][];
  /** The shrinkage intensity δ ∈ [0, 1]. */
  readonly shrinkage: number;
  readonly target: ShrinkageTarget;
  /** The number of complete-case dates the estimate used. */
  readonly observations: number;
}

/**
 * Ledoit–Wolf shrinkage covariance, annualised.
 *
 * Missing data: **complete cases** — only the dates on which every asset has a return are used
 * (PyPortfolioOpt instead replaces missing returns by 0, which biases variances down for late
 * listings; we do not). With T such dates, each asset is centred on its complete-case mean
 * (`x`, T × p) and `S = xᵀx / T` is the population (ddof 0) empirical covariance, as in
 * sklearn and in Ledoit & Wolf's code.
 *
 * `constant-variance` — exactly sklearn.covariance.ledoit_wolf: `μ = trace(S)/p`,
 * `δ² = ‖S − μI‖²_F / p`, `β̄² = (Σ_t ‖x_t‖⁴ / T − ‖S‖²_F) / (p · T)`, `β² = min(β̄², δ²)`,
 * shrinkage `β²/δ²` (0 when β² = 0), estimate `(1 − shrinkage) S + shrinkage · μI`.
 *
 * `constant-correlation` — exactly Ledoit & Wolf's covCor.m: `r̄` = mean of the off-diagonal
 * sample correlations, `F_ij = r̄ √(S_ii S_jj)`, `F_ii = S_ii`; `π̂ = Σ_ij [Σ_t x_ti² x_tj² / T − S_ij²]`;
 * `ρ̂ = Σ_i π̂_ii + r̄ Σ_{i≠j} √(S_jj/S_ii) ϑ_ij`, `ϑ_ij = Σ_t x_ti³ x_tj / T − S_ii S_ij`;
 * `γ̂ = ‖S − F‖²_F`; shrinkage `max(0, min(1, (π̂ − ρ̂)/γ̂ / T))` (0 when γ̂ = 0, i.e. S = F, as
 * with two assets). Estimate `shrinkage · F + (1 − shrinkage) S`.
 *
 * Both are finally multiplied by `periodsPerYear`. The shrinkage itself is scale-free.
 * Errors: fewer than 2 complete-case dates (`matrix`); for `constant-correlation`, an asset
 * with zero variance on them (`matrix.SYM`).
 *
 * @example
 * // Hand-worked (constant variance), in units of 0.1: x = [[1, 0], [−1, 0], [0, 2], [0, −2]]
 * // (already centred), S = diag(1/2, 2), μ = 5/4, δ² = ((3/4)² + (3/4)²)/2 = 9/16,
 * // Σ_t‖x_t‖⁴/T = (1+1+16+16)/4 = 17/2, ‖S‖² = 17/4, β̄² = (17/2 − 17/4)/(2·4) = 17/32,
 * // β² = min(17/32, 9/16) = 17/32 → δ* = 17/18 (scale-free).
 * ledoitWolf(returnMatrixFromRows([[0.1, 0], [-0.1, 0], [0, 0.2], [0, -0.2]]), { periodsPerYear: 1 }).shrinkage
 *   // 17/18 = 0.944… (to 1e-14)
 */
export function ledoitWolf(
  matrix: ReturnMatrix,
  options: LedoitWolfOptions = {},
): LedoitWolfResult {
  const periodsPerYear = options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  assertPeriodsPerYear(periodsPerYear);
  const target = options.target ?? "constant-variance";
  if (target !== "constant-variance" && target !== "constant-correlation") {
    throw invalidInput(
      "target",
      `must be "constant-variance" or "constant-correlation", got ${String(target as unknown)}`,
    );
  }
  assertReturnMatrix(matrix);
  const p = matrix.symbols.length;
  const rows = completeCases(matrix);
  const T = rows.length;
  if (T < 2) {
    throw insufficientData(
      "matrix",
      `has ${T} date${T === 1 ? "" : "s"} on which all ${p} assets have a return; Ledoit–Wolf needs at least 2`,
    );
  }
  // Centred complete-case data, one contiguous array per asset.
  const x: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const v = matrix.values[j] as Float64Array;
    const col = new Float64Array(T);
    let s = 0;
    for (let t = 0; t < T; t++) s += v[rows[t] as number] as number;
    const mean = s / T;
    for (let t = 0; t < T; t++) col[t] = (v[rows[t] as number] as number) - mean;
    x.push(col);
  }
  const g = gramMatrix(
    { n: p, T, writeRow: (k, out, offset) => out.set(x[k] as Float64Array, offset) },
    options.kernel,
  );
  const S = g.map((v) => v / T);
  // Σ_t ‖x_t‖⁴ / T = Σ_ij (Σ_t x_ti² x_tj²) / T, summed date by date.
  const rowSq = new Float64Array(T);
  for (const col of x) {
    for (let t = 0; t < T; t++) rowSq[t] = (rowSq[t] as number) + (col[t] as number) ** 2;
  }
  let fourth = 0;
  for (let t = 0; t < T; t++) fourth += (rowSq[t] as number) ** 2;
  fourth /= T;
  let frob = 0;
  for (let k = 0; k < p * p; k++) frob += (S[k] as number) ** 2;

  let shrinkage: number;
  const out = new Float64Array(p * p);
  if (target === "constant-variance") {
    let trace = 0;
    for (let i = 0; i < p; i++) trace += S[i * p + i] as number;
    const mu = trace / p;
    const delta = (frob - 2 * mu * trace + p * mu * mu) / p;
    const beta = Math.min((fourth - frob) / (p * T), delta);
    shrinkage = beta <= 0 ? 0 : beta / delta;
    for (let k = 0; k < p * p; k++) out[k] = (1 - shrinkage) * (S[k] as number);
    for (let i = 0; i < p; i++) out[i * p + i] = (out[i * p + i] as number) + shrinkage * mu;
  } else {
    const sd = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      const variance = S[i * p + i] as number;
      if (!(variance > 0)) {
        throw insufficientData(
          `matrix.${matrix.symbols[i] as string}`,
          "has zero variance on the complete-case dates; the constant-correlation target needs a positive variance",
        );
      }
      sd[i] = Math.sqrt(variance);
    }
    let corrSum = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        if (i !== j) corrSum += (S[i * p + j] as number) / ((sd[i] as number) * (sd[j] as number));
      }
    }
    const rBar = p > 1 ? corrSum / (p * (p - 1)) : 0;
    const F = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      F[i * p + i] = S[i * p + i] as number;
      for (let j = i + 1; j < p; j++) {
        F[i * p + j] = F[j * p + i] = rBar * (sd[i] as number) * (sd[j] as number);
      }
    }
    // π̂ = Σ_ij (Σ_t x_ti² x_tj² / T − S_ij²) = Σ_t ‖x_t‖⁴ / T − ‖S‖²_F.
    const pi = fourth - frob;
    // Σ_i π̂_ii = Σ_i (Σ_t x_ti⁴ / T − S_ii²).
    let piDiag = 0;
    // Σ_{i≠j} (Σ_t x_ti³ x_tj / T) sd_j/sd_i = Σ_t [(Σ_i x_ti³/sd_i)(Σ_j x_tj sd_j) − Σ_i x_ti⁴] / T.
    const a = new Float64Array(T);
    const b = new Float64Array(T);
    let fourthPowers = 0;
    for (let i = 0; i < p; i++) {
      const col = x[i] as Float64Array;
      const si = sd[i] as number;
      let q = 0;
      for (let t = 0; t < T; t++) {
        const v = col[t] as number;
        const v2 = v * v;
        q += v2 * v2;
        a[t] = (a[t] as number) + (v2 * v) / si;
        b[t] = (b[t] as number) + v * si;
      }
      fourthPowers += q;
      piDiag += q / T - (S[i * p + i] as number) ** 2;
    }
    let cross = -fourthPowers;
    for (let t = 0; t < T; t++) cross += (a[t] as number) * (b[t] as number);
    cross /= T;
    // Σ_{i≠j} S_ii S_ij sd_j/sd_i = Σ_{i≠j} sd_i S_ij sd_j.
    let correction = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        if (i !== j) correction += (sd[i] as number) * (S[i * p + j] as number) * (sd[j] as number);
      }
    }
    const rho = piDiag + rBar * (cross - correction);
    let gamma = 0;
    for (let k = 0; k < p * p; k++) gamma += ((S[k] as number) - (F[k] as number)) ** 2;
    shrinkage = gamma > 0 ? Math.max(0, Math.min(1, (pi - rho) / gamma / T)) : 0;
    for (let k = 0; k < p * p; k++) {
      out[k] = shrinkage * (F[k] as number) + (1 - shrinkage) * (S[k] as number);
    }
  }
  const result: number[][] = [];
  for (let i = 0; i < p; i++) {
    const row = new Array<number>(p);
    for (let j = 0; j < p; j++) row[j] = (out[i * p + j] as number) * periodsPerYear;
    result.push(row);
  }
  return { matrix: result, shrinkage, target, observations: T };
}
