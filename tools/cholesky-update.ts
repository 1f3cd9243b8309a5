/**
 * A lower-triangular Cholesky factor `A = LLᵀ` of a growing and shrinking principal submatrix,
 * updated in O(k²) per change instead of refactorised in O(k³): the factor of an active-set
 * method's reduced Hessian `D_FF` as variables are freed and fixed (Golub & Van Loan, Matrix
 * Computations, §6.5.4 and §12.5). Storage is row-major with a capacity that doubles on demand.
 *
 * @example
 * // A = [[4, 2], [2, 2]]: append 4 → L = [2]; append column (2; 2) → l = 2/2 = 1,
 * // pivot √(2 − 1) = 1 → L = [[2, 0], [1, 1]]; remove row/column 0 → L = [√2].
 * const f = new UpdatableCholesky(2);
 * f.append([], 4); f.append([2], 2); f.remove(0); f.entry(0, 0) // √2 (to 1e-15)
 */
export class UpdatableCholesky {
  private cap: number;
  private data: Float64Array;
  private k = 0;

  constructor(
    private readonly maxSize: number,
    initialCapacity = 32,
  ) {
    this.cap = Math.max(1, Math.min(maxSize, initialCapacity));
    this.data = new Float64Array(this.cap * this.cap);
  }

  /** Current order k of the factored matrix. */
  get size(): number {
    return this.k;
  }

  /** L_rc (0 above the diagonal). */
  entry(r: number, c: number): number {
    return c > r ? 0 : (this.data[r * this.cap + c] as number);
  }

  /**
   * Borders the matrix with a new last row/column: `column[r] = A_{r,new}` for the current
   * rows, `diagonal = A_{new,new}`. Returns the new pivot `diagonal − ‖L⁻¹column‖²`; when it is
   * not above `minPivot` the factor is left unchanged and the pivot returned (the caller decides;
   * a non-positive pivot means the bordered matrix is not positive definite).
   */
  append(column: ArrayLike<number>, diagonal: number, minPivot = 0): number {
    const k = this.k;
    if (k + 1 > this.cap) this.grow(k + 1);
    const cap = this.cap;
    const L = this.data;
    const row = k * cap;
    let ll = 0;
    for (let r = 0; r < k; r++) {
      let s = column[r] as number;
      const off = r * cap;
      for (let c = 0; c < r; c++) s -= (L[off + c] as number) * (L[row + c] as number);
      const v = s / (L[off + r] as number);
      L[row + r] = v;
      ll += v * v;
    }
    const pivot = diagonal - ll;
    if (!(pivot > minPivot)) return pivot;
    L[row + k] = Math.sqrt(pivot);
    this.k = k + 1;
    return pivot;
  }

  /** Deletes row and column `pos`, restoring triangularity with Givens rotations (O(k²)). */
  remove(pos: number): void {
    const k = this.k;
    const cap = this.cap;
    const L = this.data;
    for (let r = pos; r < k - 1; r++) {
      // Row r+1 moves up to r: a (k−1) × k lower Hessenberg matrix, entries up to column r+1.
      L.copyWithin(r * cap, (r + 1) * cap, (r + 1) * cap + r + 2);
    }
    for (let c = pos; c < k - 1; c++) {
      const a = L[c * cap + c] as number;
      const b = L[c * cap + c + 1] as number;
      const h = Math.hypot(a, b);
      const cs = a / h;
      const sn = b / h;
      for (let r = c; r < k - 1; r++) {
        const off = r * cap;
        const u = L[off + c] as number;
        const v = L[off + c + 1] as number;
        L[off + c] = cs * u + sn * v;
        L[off + c + 1] = -sn * u + cs * v;
      }
      L[c * cap + c + 1] = 0;
    }
    this.k = k - 1;
  }

  /** y = L⁻¹ b (forward substitution), b of length k. */
  solveLower(b: ArrayLike<number>): Float64Array {
    const k = this.k;
    const cap = this.cap;
    const L = this.data;
    const y = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      let s = b[r] as number;
      const off = r * cap;
      for (let c = 0; c < r; c++) s -= (L[off + c] as number) * (y[c] as number);
      y[r] = s / (L[off + r] as number);
    }
    return y;
  }

  /** Solves Lᵀ x = y in place (back substitution, row-oriented). */
  solveUpperInPlace(y: Float64Array): void {
    const cap = this.cap;
    const L = this.data;
    for (let r = this.k - 1; r >= 0; r--) {
      const off = r * cap;
      const v = (y[r] as number) / (L[off + r] as number);
      y[r] = v;
      for (let c = 0; c < r; c++) y[c] = (y[c] as number) - (L[off + c] as number) * v;
    }
  }

  private grow(needed: number): void {
    const cap = Math.min(this.maxSize, Math.max(this.cap * 2, needed));
    const next = new Float64Array(cap * cap);
    for (let r = 0; r < this.k; r++) {
      next.set(this.data.subarray(r * this.cap, r * this.cap + r + 1), r * cap);
    }
    this.data = next;
    this.cap = cap;
  }
}

/**
 * In-place Cholesky of a small symmetric positive semi-definite S (w × w, row-major, lower
 * triangle read and overwritten by L). Returns −1 on success, or the first index j whose pivot is
 * ≤ 1e-12·S_jj — a row (numerically) dependent on the earlier ones.
 *
 * @example factorSpd(Float64Array.of(4, 2, 2, 2), 2) // −1; S becomes [2, 2, 1, 1] (L = [[2], [1, 1]])
 */
export function factorSpd(S: Float64Array, w: number): number {
  for (let j = 0; j < w; j++) {
    const sjj = S[j * w + j] as number;
    let d = sjj;
    for (let c = 0; c < j; c++) d -= (S[j * w + c] as number) ** 2;
    if (!(d > 1e-12 * sjj)) return j;
    const ljj = Math.sqrt(d);
    S[j * w + j] = ljj;
    for (let i = j + 1; i < w; i++) {
      let s = S[i * w + j] as number;
      for (let c = 0; c < j; c++) s -= (S[i * w + c] as number) * (S[j * w + c] as number);
      S[i * w + j] = s / ljj;
    }
  }
  return -1;
}

/**
 * Solves `(LLᵀ) y = b` in place with the factor left by {@link factorSpd}.
 *
 * @example
 * // S = [[4, 2], [2, 2]], b = (6, 4): y = (1, 1).
 * const S = Float64Array.of(4, 2, 2, 2); factorSpd(S, 2); solveFactored(S, b, 2) // b = [1, 1]
 */
export function solveFactored(S: Float64Array, b: Float64Array, w: number): void {
  for (let i = 0; i < w; i++) {
    let s = b[i] as number;
    for (let c = 0; c < i; c++) s -= (S[i * w + c] as number) * (b[c] as number);
    b[i] = s / (S[i * w + i] as number);
  }
  for (let i = w - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let c = i + 1; c < w; c++) s -= (S[c * w + i] as number) * (b[c] as number);
    b[i] = s / (S[i * w + i] as number);
  }
}
