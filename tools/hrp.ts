import { SYMMETRY_TOLERANCE } from "./cholesky.js";
import { correlationMatrix } from "./correlation.js";
import { sampleCovarianceMatrix } from "./covariance.js";
import { invalidInput } from "./errors.js";
import { DEFAULT_PERIODS_PER_YEAR, type ReturnMatrix } from "./return-matrix.js";
import { assertSquareMatrix } from "./validate.js";

/**
 * Hierarchical risk parity (López de Prado, 2016, "Building diversified portfolios that
 * outperform out of sample"), in the form PyPortfolioOpt's `HRPOpt` implements:
 *
 * 1. Correlation distance `d_ij = √(½ (1 − ρ_ij))` (0 for identical, 1 for opposite assets).
 * 2. Single-linkage agglomerative clustering on d (the distance between clusters is the smallest
 *    distance between their members), computed exactly as SciPy's `linkage(d, "single")`:
 *    Prim's minimum spanning tree from asset 0 (ties: lowest index), merges sorted stably by
 *    distance, clusters labelled with a union–find so that each merge lists its lower-numbered
 *    cluster first (leaves are 0…n−1, the k-th merge creates cluster n + k).
 * 3. Quasi-diagonalisation: the leaves in the dendrogram's pre-order (left subtree first), as
 *    SciPy's `to_tree(Z).pre_order()`.
 * 4. Recursive bisection of that order: each list is cut at ⌊len/2⌋; the two halves L, R get
 *    `α = 1 − V_L / (V_L + V_R)` and `1 − α` of the parent's weight, where a cluster's variance
 *    `V = uᵀ Σ_c u` uses its inverse-variance portfolio `u_i ∝ 1 / Σ_ii`.
 *
 * Weights are long-only and sum to 1. The covariance's unit (daily or annual) does not matter.
 */

/** One merge of the dendrogram, SciPy's linkage-matrix row `[left, right, distance, size]`. */
export interface LinkageStep {
  readonly left: number;
  readonly right: number;
  readonly distance: number;
  readonly size: number;
}

export interface HrpInput {
  /** Covariance matrix (any unit), symmetric, positive variances. */
  readonly covariance: readonly (readonly number[])[];
  /**
   * Correlation matrix used for the clustering. Default: derived from the covariance,
   * `ρ_ij = Σ_ij / √(Σ_ii Σ_jj)`. Pass the pairwise correlation of returns with missing values
   * (which differs from the one derived from a pairwise covariance) to match pandas' `corr()`.
   */
  readonly correlation?: readonly (readonly number[])[];
  /** Asset names for error fields (`covariance.AAPL`). */
  readonly symbols?: readonly string[];
}

export interface HrpResult {
  /** Long-only weights in the input's asset order, summing to 1. */
  readonly weights: number[];
  /** Asset indices in quasi-diagonal (dendrogram leaf) order. */
  readonly order: number[];
  /** The n − 1 merges of the single-linkage dendrogram (SciPy's linkage matrix). */
  readonly linkage: LinkageStep[];
}

/** Accepted overshoot of a correlation beyond ±1 (rounding); it is then clamped. */
const CORRELATION_SLACK = 1e-9;

/**
 * Hierarchical risk parity weights (see the module comment for the exact algorithm).
 *
 * Errors (ToolError INVALID_INPUT, naming the field): covariance or correlation not square,
 * not finite, not symmetric, or of different sizes; a variance ≤ 0 (`covariance.X` or
 * `covariance[i][i]`); a correlation outside [−1, 1] or a diagonal other than 1
 * (`correlation[i][j]`); a cluster whose variance is not positive (`covariance`).
 *
 * @example
 * // Hand-worked: ρ(A,B) = 0.9, C uncorrelated, σ² = 0.04, 0.09, 0.01. A and B merge first
 * // (d = √0.05); order [2, 0, 1] (C is leaf 2, cluster {A,B} is 3 > 2, so C comes first).
 * // Bisection of [C | A, B]: V_C = 0.01; {A,B}: u ∝ (1/0.04, 1/0.09) = (9/13, 4/13),
 * // V = (81·0.04 + 2·36·0.054 + 16·0.09)/169 = 8.568/169 = 0.0506982…; α_C = 1 − 0.01/0.0606982 …
 * hrp({ covariance: [[0.04, 0.054, 0], [0.054, 0.09, 0], [0, 0, 0.01]] }).order // [2, 0, 1]
 */
export function hrp(input: HrpInput): HrpResult {
  const { covariance, symbols } = input;
  assertSquareMatrix("covariance", covariance);
  const n = covariance.length;
  if (n === 0) throw invalidInput("covariance", "must have at least one asset");
  if (symbols !== undefined && symbols.length !== n) {
    throw invalidInput("symbols", `has ${symbols.length} names for ${n} assets`);
  }
  const name = (i: number): string => {
    const s = symbols?.[i];
    return s === undefined ? `covariance[${i}][${i}]` : `covariance.${s}`;
  };
  const cov = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const row = covariance[i] as readonly number[];
    for (let j = 0; j < n; j++) cov[i * n + j] = row[j] as number;
    const v = row[i] as number;
    if (!(v > 0)) throw invalidInput(name(i), `variance must be positive, got ${v}`);
    scale = Math.max(scale, v);
  }
  assertSymmetric("covariance", cov, n, scale);

  const corr = new Float64Array(n * n);
  if (input.correlation === undefined) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        corr[i * n + j] =
          i === j
            ? 1
            : (cov[i * n + j] as number) /
              Math.sqrt((cov[i * n + i] as number) * (cov[j * n + j] as number));
      }
    }
  } else {
    const c = input.correlation;
    assertSquareMatrix("correlation", c, n);
    for (let i = 0; i < n; i++) {
      const row = c[i] as readonly number[];
      for (let j = 0; j < n; j++) corr[i * n + j] = row[j] as number;
      if (Math.abs((row[i] as number) - 1) > CORRELATION_SLACK) {
        throw invalidInput(`correlation[${i}][${i}]`, `diagonal must be 1, got ${row[i]}`);
      }
    }
    assertSymmetric("correlation", corr, n, 1);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = corr[i * n + j] as number;
      if (r > 1 + CORRELATION_SLACK || r < -1 - CORRELATION_SLACK) {
        throw invalidInput(`correlation[${i}][${j}]`, `must lie in [−1, 1], got ${r}`);
      }
    }
  }

  // Condensed distances of the upper triangle (i < j), as scipy's squareform reads them.
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.sqrt(Math.max(0, (1 - (corr[i * n + j] as number)) / 2));
      dist[i * n + j] = d;
      dist[j * n + i] = d;
    }
  }
  const linkage = singleLinkage(dist, n);
  const order = quasiDiagonalOrder(linkage, n);
  const weights = recursiveBisection(cov, n, order);
  return { weights, order, linkage };
}

/**
 * HRP from returns with missing values, as PyPortfolioOpt's `HRPOpt(returns)`: the clustering
 * uses the pairwise-complete Pearson correlation (pandas `returns.corr()`, each pair on the
 * dates both assets have) and the bisection the pairwise-complete sample covariance (pandas
 * `returns.cov()`, ddof 1), here annualised × `periodsPerYear` (default 252; the weights do not
 * depend on the scale). Both matrices are returned with the weights.
 *
 * Errors: those of `sampleCovarianceMatrix` / `correlationMatrix` (an asset with < 2 returns,
 * a pair sharing < 2 dates, naming `matrix.A,B`) and of {@link hrp}.
 *
 * @example
 * // Two assets, the second twice the first: the only split is [0 | 1] and σ₂² = 4σ₁², so
 * // α = 1 − σ₁²/(σ₁² + 4σ₁²) = 0.8.
 * hrpFromReturns(returnMatrixFromColumns([[0.01, -0.01, 0.02], [0.02, -0.02, 0.04]])).weights
 * // [0.8, 0.2]
 */
export function hrpFromReturns(
  matrix: ReturnMatrix,
  options: { readonly periodsPerYear?: number } = {},
): HrpResult & { readonly covariance: number[][]; readonly correlation: number[][] } {
  const covariance = sampleCovarianceMatrix(
    matrix,
    options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR,
  );
  const correlation = correlationMatrix(matrix);
  const result = hrp({ covariance, correlation, symbols: matrix.symbols });
  return { ...result, covariance, correlation };
}

function assertSymmetric(field: string, m: Float64Array, n: number, scale: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = m[i * n + j] as number;
      const b = m[j * n + i] as number;
      if (Math.abs(a - b) > SYMMETRY_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), scale)) {
        throw invalidInput(
          `${field}[${i}][${j}]`,
          `matrix must be symmetric: ${a} ≠ ${field}[${j}][${i}] = ${b}`,
        );
      }
    }
  }
}

/**
 * Single-linkage dendrogram of n points from a symmetric distance matrix (row-major n², only
 * the upper triangle `i < j` is read), identical to SciPy's `linkage(y, "single")` including
 * its tie-breaking (see the module comment).
 *
 * @example
 * // Points on a line at 0, 1, 3: (0,1) merge at 1 into cluster 3, then {0,1} with 2 at 2.
 * singleLinkage(Float64Array.of(0, 1, 3, 1, 0, 2, 3, 2, 0), 3)
 * // [{ left: 0, right: 1, distance: 1, size: 2 }, { left: 2, right: 3, distance: 2, size: 3 }]
 */
export function singleLinkage(distance: Float64Array, n: number): LinkageStep[] {
  if (n < 1 || distance.length !== n * n) {
    throw invalidInput(
      "distance",
      `must be an n×n matrix (n = ${n}), got ${distance.length} entries`,
    );
  }
  const at = (a: number, b: number): number =>
    (a < b ? distance[a * n + b] : distance[b * n + a]) as number;
  // Prim's algorithm exactly as scipy's mst_single_linkage: x is the last node added.
  const merged = new Uint8Array(n);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const raw: { x: number; y: number; d: number }[] = [];
  let x = 0;
  for (let k = 0; k < n - 1; k++) {
    let current = Number.POSITIVE_INFINITY;
    let y = -1;
    merged[x] = 1;
    for (let i = 0; i < n; i++) {
      if (merged[i] === 1) continue;
      const d = at(x, i);
      if ((best[i] as number) > d) best[i] = d;
      if ((best[i] as number) < current) {
        current = best[i] as number;
        y = i;
      }
    }
    if (y < 0) throw invalidInput("distance", "must be finite");
    raw.push({ x, y, d: current });
    x = y;
  }
  // Stable sort by distance (numpy mergesort), then union–find labelling.
  const sorted = raw.map((r, i) => ({ ...r, i })).sort((a, b) => a.d - b.d || a.i - b.i);
  const parent = new Int32Array(2 * n - 1).map((_, i) => i);
  const size = new Int32Array(2 * n - 1).fill(1);
  const find = (v: number): number => {
    let r = v;
    while ((parent[r] as number) !== r) r = parent[r] as number;
    let c = v;
    while ((parent[c] as number) !== r) {
      const next = parent[c] as number;
      parent[c] = r;
      c = next;
    }
    return r;
  };
  const out: LinkageStep[] = [];
  sorted.forEach((r, k) => {
    const a = find(r.x);
    const b = find(r.y);
    const label = n + k;
    parent[a] = label;
    parent[b] = label;
    const s = (size[a] as number) + (size[b] as number);
    size[label] = s;
    out.push({ left: Math.min(a, b), right: Math.max(a, b), distance: r.d, size: s });
  });
  return out;
}

/**
 * Leaves of a linkage in dendrogram pre-order (left child first), SciPy's
 * `to_tree(Z).pre_order()`: the quasi-diagonal order of HRP.
 *
 * @example quasiDiagonalOrder([{ left: 0, right: 1, distance: 1, size: 2 },
 *   { left: 2, right: 3, distance: 2, size: 3 }], 3) // [2, 0, 1]
 */
export function quasiDiagonalOrder(linkage: readonly LinkageStep[], n: number): number[] {
  if (linkage.length !== Math.max(0, n - 1)) {
    throw invalidInput(
      "linkage",
      `must have ${n - 1} merges for ${n} leaves, got ${linkage.length}`,
    );
  }
  if (n === 1) return [0];
  const order: number[] = [];
  const stack: number[] = [2 * n - 2];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (node < n) {
      order.push(node);
      continue;
    }
    const step = linkage[node - n];
    if (step === undefined) throw invalidInput("linkage", `refers to unknown cluster ${node}`);
    stack.push(step.right, step.left);
  }
  return order;
}

/**
 * Variance of a cluster's inverse-variance portfolio, the quantity HRP's bisection compares:
 * `u_i = (1/Σ_ii) / Σ_{j∈c} (1/Σ_jj)` for i in the cluster, `V = uᵀ Σ_c u` (PyPortfolioOpt's
 * `HRPOpt._get_cluster_var`). Units: those of Σ.
 *
 * @example
 * // Σ = [[0.04, 0.054], [0.054, 0.09]]: u = (9/13, 4/13),
 * // V = (81·0.04 + 2·36·0.054 + 16·0.09)/169 = 8.568/169
 * clusterVariance([[0.04, 0.054], [0.054, 0.09]], [0, 1]) // 0.05069822485207101
 */
export function clusterVariance(
  covariance: readonly (readonly number[])[],
  items: readonly number[],
): number {
  assertSquareMatrix("covariance", covariance);
  const n = covariance.length;
  if (items.length === 0) throw invalidInput("items", "must list at least one asset");
  items.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw invalidInput(`items[${k}]`, `must be an asset index in 0…${n - 1}, got ${i}`);
    }
    const v = (covariance[i] as readonly number[])[i] as number;
    if (!(v > 0))
      throw invalidInput(`covariance[${i}][${i}]`, `variance must be positive, got ${v}`);
  });
  return clusterVarianceFlat(toFlat(covariance, n), n, items);
}

function toFlat(m: readonly (readonly number[])[], n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = m[i] as readonly number[];
    for (let j = 0; j < n; j++) out[i * n + j] = row[j] as number;
  }
  return out;
}

function clusterVarianceFlat(cov: Float64Array, n: number, items: readonly number[]): number {
  let total = 0;
  for (const i of items) total += 1 / (cov[i * n + i] as number);
  let v = 0;
  for (const i of items) {
    const ui = 1 / (cov[i * n + i] as number) / total;
    let acc = 0;
    for (const j of items) {
      acc += (cov[i * n + j] as number) * (1 / (cov[j * n + j] as number) / total);
    }
    v += ui * acc;
  }
  return v;
}

function recursiveBisection(cov: Float64Array, n: number, order: readonly number[]): number[] {
  const w = new Array<number>(n).fill(1);
  let clusters: number[][] = [order.slice()];
  while (clusters.length > 0) {
    const next: number[][] = [];
    for (const c of clusters) {
      if (c.length > 1) {
        const half = Math.floor(c.length / 2);
        next.push(c.slice(0, half), c.slice(half));
      }
    }
    for (let k = 0; k < next.length; k += 2) {
      const first = next[k] as number[];
      const second = next[k + 1] as number[];
      const v1 = clusterVarianceFlat(cov, n, first);
      const v2 = clusterVarianceFlat(cov, n, second);
      if (!(v1 > 0 && v2 > 0)) {
        throw invalidInput(
          "covariance",
          `a cluster's inverse-variance portfolio has variance ≤ 0 (${v1}, ${v2}); the matrix is not positive semi-definite`,
        );
      }
      const alpha = 1 - v1 / (v1 + v2);
      for (const i of first) w[i] = (w[i] as number) * alpha;
      for (const i of second) w[i] = (w[i] as number) * (1 - alpha);
    }
    clusters = next;
  }
  return w;
}
