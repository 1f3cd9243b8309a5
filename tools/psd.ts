import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { choleskyInPlace } from "./cholesky.js";
import { invalidInput } from "./errors.js";
import { assertFiniteNumber, assertSquareMatrix } from "./validate.js";

/**
 * Positive semi-definiteness of symmetric matrices (covariances): detection and repair.
 *
 * Tolerance: a symmetric matrix A is treated as PSD when its smallest eigenvalue
 * `λ_min ≥ −τ` with `τ = relativeTolerance · max_i |A_ii|` (default `relativeTolerance` 1e-10).
 * The diagonal bounds the spectrum's scale (`max_i A_ii ≤ λ_max ≤ n · max_i A_ii` for a PSD
 * matrix), so τ is scale-free; 1e-10 sits far above the rounding of a computed Gram matrix
 * (≈ n · 2⁻⁵² relative) and far below any real negative direction.
 *
 * Detection is a Cholesky factorisation of `A + τI` (succeeds ⇔ `λ_min(A) > −τ`, O(n³/6)); only
 * when it fails are the eigenvalues computed (ml-matrix EVD, O(n³) with a large constant: ~1 s
 * for n = 500), to confirm and repair.
 */
export const PSD_RELATIVE_TOLERANCE = 1e-10;

/** Symmetry check of the inputs: `|a_ij − a_ji| ≤ 1e-10 · max(|a_ij|, |a_ji|, max_k |a_kk|)`. */
export const PSD_SYMMETRY_TOLERANCE = 1e-10;

export interface PsdOptions {
  /** τ relative to `max_i |A_ii|`; default {@link PSD_RELATIVE_TOLERANCE}. */
  readonly relativeTolerance?: number;
  /** Repair: eigenvalues below `floor` are set to `floor` (≥ 0, absolute); default 0. */
  readonly floor?: number;
}

export type PsdRepairResult =
  | {
      readonly matrix: number[][];
      readonly repaired: false;
      readonly method: "none";
      /** λ_min when the eigenvalues were computed (the Cholesky screen failed), else null. */
      readonly minEigenvalueBefore: number | null;
    }
  | {
      readonly matrix: number[][];
      readonly repaired: true;
      readonly method: "spectral-clip";
      readonly minEigenvalueBefore: number;
      /** How many eigenvalues were below the floor. */
      readonly clippedEigenvalues: number;
      readonly floor: number;
    };

/** Eigen-decomposition of a symmetric matrix: eigenvalues ascending, `vectors[k]` the k-th unit eigenvector. */
export interface SymmetricEigen {
  readonly values: number[];
  readonly vectors: number[][];
}

function toFlat(a: readonly (readonly number[])[], field: string): Float64Array {
  assertSquareMatrix(field, a);
  const n = a.length;
  const flat = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const row = a[i] as readonly number[];
    for (let j = 0; j < n; j++) flat[i * n + j] = row[j] as number;
    scale = Math.max(scale, Math.abs(row[i] as number));
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const aij = flat[i * n + j] as number;
      const aji = flat[j * n + i] as number;
      const tol = PSD_SYMMETRY_TOLERANCE * Math.max(Math.abs(aij), Math.abs(aji), scale);
      if (Math.abs(aij - aji) > tol) {
        throw invalidInput(
          `${field}[${i}][${j}]`,
          `must equal ${field}[${j}][${i}] (${aji}), got ${aij}`,
        );
      }
    }
  }
  return flat;
}

function tolerance(flat: Float64Array, n: number, options: PsdOptions): number {
  const rel = options.relativeTolerance ?? PSD_RELATIVE_TOLERANCE;
  assertFiniteNumber("relativeTolerance", rel);
  if (rel < 0) throw invalidInput("relativeTolerance", `must be ≥ 0, got ${rel}`);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(flat[i * n + i] as number));
  return rel * scale;
}

/** True when the Cholesky factorisation of `A + τI` (lower triangle of row-major `a`) succeeds. */
function choleskySucceeds(a: Float64Array, n: number, tau: number): boolean {
  return choleskyInPlace(Float64Array.from(a), n, tau);
}

/**
 * Eigenvalues (ascending) and unit eigenvectors of a symmetric matrix, by ml-matrix's
 * `EigenvalueDecomposition` (Householder tridiagonalisation + QL, as in JAMA/EISPACK).
 *
 * @example symmetricEigen([[2, 1], [1, 2]]).values // [1, 3] (to rounding; vectors ±[1, −1]/√2, ±[1, 1]/√2)
 */
export function symmetricEigen(
  a: readonly (readonly number[])[],
  field = "matrix",
): SymmetricEigen {
  const flat = toFlat(a, field);
  return eigenOfFlat(flat, a.length);
}

function eigenOfFlat(flat: Float64Array, n: number): SymmetricEigen {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, flat[i * n + j] as number);
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const v = evd.eigenvectorMatrix;
  const order = values
    .map((_, k) => k)
    .sort((x, y) => (values[x] as number) - (values[y] as number));
  return {
    values: order.map((k) => values[k] as number),
    vectors: order.map((k) => v.getColumn(k)),
  };
}

/**
 * Whether a symmetric matrix is positive semi-definite within the tolerance above
 * (`λ_min ≥ −τ`, `τ = relativeTolerance · max_i |A_ii|`).
 *
 * @example isPositiveSemidefinite([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]) // false (λ_min = −0.8)
 */
export function isPositiveSemidefinite(
  a: readonly (readonly number[])[],
  options: PsdOptions = {},
  field = "matrix",
): boolean {
  const flat = toFlat(a, field);
  const n = a.length;
  const tau = tolerance(flat, n, options);
  if (choleskySucceeds(flat, n, tau)) return true;
  const { values } = eigenOfFlat(flat, n);
  return (values[0] as number) >= -tau;
}

/**
 * Repairs a symmetric matrix that is not PSD by spectral clipping: with `A = V Λ Vᵀ`, every
 * eigenvalue below `floor` (default 0) is set to `floor`, the matrix is rebuilt as `V Λ₊ Vᵀ`
 * and re-symmetrised `(B + Bᵀ)/2`. With `floor = 0` this is the nearest PSD matrix in the
 * Frobenius norm (Higham 1988): the distance is `√Σ_{λ<0} λ²`. A PSD matrix (within the
 * tolerance) is returned unchanged (a copy) with `repaired: false`.
 *
 * @example
 * // A = I + 0.9·B, B = [[0,1,−1],[1,0,1],[−1,1,0]] has eigenvalues 1, 1, −2 (det(B − λI) =
 * // −(λ − 1)²(λ + 2)), so A's are 1.9, 1.9, −0.8 with v = (1, −1, 1)/√3 for −0.8. Clipping adds
 * // 0.8·v vᵀ = (0.8/3)·[[1,−1,1],[−1,1,−1],[1,−1,1]]: diagonal 1 + 4/15 = 19/15, off-diagonal
 * // ±(0.9 − 4/15) = ±19/30.
 * repairPsd([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]).matrix
 * // [[19/15, 19/30, -19/30], [19/30, 19/15, 19/30], [-19/30, 19/30, 19/15]] (to 1e-12)
 */
export function repairPsd(
  a: readonly (readonly number[])[],
  options: PsdOptions = {},
  field = "matrix",
): PsdRepairResult {
  const flat = toFlat(a, field);
  const n = a.length;
  const tau = tolerance(flat, n, options);
  const floor = options.floor ?? 0;
  assertFiniteNumber("floor", floor);
  if (floor < 0) throw invalidInput("floor", `must be ≥ 0, got ${floor}`);
  const copy = (): number[][] => a.map((row) => [...row]);
  if (choleskySucceeds(flat, n, tau)) {
    return { matrix: copy(), repaired: false, method: "none", minEigenvalueBefore: null };
  }
  const { values, vectors } = eigenOfFlat(flat, n);
  const minEigenvalue = values[0] as number;
  if (minEigenvalue >= -tau) {
    return { matrix: copy(), repaired: false, method: "none", minEigenvalueBefore: minEigenvalue };
  }
  const b = new Float64Array(n * n);
  let clipped = 0;
  for (let k = 0; k < n; k++) {
    let lambda = values[k] as number;
    if (lambda < floor) {
      lambda = floor;
      clipped++;
    }
    if (lambda === 0) continue;
    const v = vectors[k] as number[];
    for (let i = 0; i < n; i++) {
      const li = lambda * (v[i] as number);
      for (let j = 0; j < n; j++) b[i * n + j] = (b[i * n + j] as number) + li * (v[j] as number);
    }
  }
  const matrix: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n);
    for (let j = 0; j < n; j++) row[j] = ((b[i * n + j] as number) + (b[j * n + i] as number)) / 2;
    matrix.push(row);
  }
  return {
    matrix,
    repaired: true,
    method: "spectral-clip",
    minEigenvalueBefore: minEigenvalue,
    clippedEigenvalues: clipped,
    floor,
  };
}
