import { insufficientData, invalidInput } from "./errors.js";
import { gramMatrix, type GramKernel } from "./gram.js";
import { ledoitWolf, type ShrinkageTarget } from "./ledoit-wolf.js";
import { repairPsd, type PsdOptions } from "./psd.js";
import {
  DEFAULT_PERIODS_PER_YEAR,
  assertPeriodsPerYear,
  assertReturnMatrix,
  ewmaAlpha,
  observationSpans,
  type ObservationSpans,
  type ReturnMatrix,
} from "./return-matrix.js";

/** Default span of the EWMA covariance: 180 periods, PyPortfolioOpt's `exp_cov` default. */
export const DEFAULT_COVARIANCE_SPAN = 180;

export type CovarianceMethod = "sample" | "ledoit-wolf" | "ewma";

/**
 * Sums over the dates both assets of a pair have, of returns centred on the pair's own means
 * (`x̄_i^{ij}` = mean of asset i over the dates it shares with j). Row-major n × n.
 */
export interface PairwiseComoments {
  readonly n: number;
  /** `count[i·n + j]`: number of dates both i and j have a return (the diagonal: i's count). */
  readonly count: Float64Array;
  /** `comoment[i·n + j] = Σ_{t∈both} (x_it − x̄_i^{ij})(x_jt − x̄_j^{ij})`. */
  readonly comoment: Float64Array;
  /** With `squares`: `squares[i·n + j] = Σ_{t∈both} (x_it − x̄_i^{ij})²` (row asset's dispersion). */
  readonly squares?: Float64Array;
}

export interface ComomentOptions {
  /** Also compute each pair's own sums of squares (for pairwise correlation). */
  readonly squares?: boolean;
  /** Force the Gram kernel (tests). */
  readonly kernel?: GramKernel;
}

function assetMeans(matrix: ReturnMatrix, spans: ObservationSpans): Float64Array {
  const n = matrix.symbols.length;
  const means = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const count = spans.count[j] as number;
    if (count < 2) {
      throw insufficientData(
        `matrix.${matrix.symbols[j] as string}`,
        `has ${count} return${count === 1 ? "" : "s"}; a variance needs at least 2`,
      );
    }
    const v = matrix.values[j] as Float64Array;
    let s = 0;
    for (let t = spans.start[j] as number; t < (spans.end[j] as number); t++) s += v[t] as number;
    means[j] = s / count;
  }
  return means;
}

/**
 * Pairwise-complete co-moments of a return matrix, the core of the sample covariance and the
 * pairwise correlation. Each asset is first centred on its own mean (any centring constant gives
 * the same result in exact arithmetic; centring first keeps the correction small), then
 * `comoment = G − S_i·S_j / n_ij` with `G = Σ_{both} c_i c_j` (one Gram matrix; missing values
 * are 0), `S_i = Σ_{both} c_i` and `n_ij` the shared dates. For assets without internal gaps the
 * shared dates are an interval, so `S_i` and `n_ij` come from prefix sums in O(1); a pair with a
 * gapped asset is summed date by date under the masks.
 *
 * @example pairwiseComoments(returnMatrixFromColumns([[1, 2, 3], [2, 4, 7]])).comoment
 *   // Float64Array [2, 5, 5, 12.666666666666666]  (pair means 2 and 13/3; the last is 38/3)
 */
export function pairwiseComoments(
  matrix: ReturnMatrix,
  options: ComomentOptions = {},
): PairwiseComoments {
  assertReturnMatrix(matrix);
  const n = matrix.symbols.length;
  const T = matrix.dates.length;
  const spans = observationSpans(matrix);
  const means = assetMeans(matrix, spans);
  const centred = (j: number, t: number): number =>
    (matrix.present[j] as Uint8Array)[t] === 1
      ? ((matrix.values[j] as Float64Array)[t] as number) - (means[j] as number)
      : 0;
  const g = gramMatrix(
    {
      n,
      T,
      start: spans.start,
      end: spans.end,
      writeRow: (k, out, offset) => {
        const v = matrix.values[k] as Float64Array;
        const p = matrix.present[k] as Uint8Array;
        const m = means[k] as number;
        for (let t = 0; t < T; t++) out[offset + t] = p[t] === 1 ? (v[t] as number) - m : 0;
      },
    },
    options.kernel,
  );

  // Sums of the centred values (and squares) over any date interval, from prefix sums. When every
  // asset covers the same interval without gaps (complete data), the whole-interval sums suffice.
  let uniform = true;
  for (let j = 0; j < n; j++) {
    if (
      spans.gapped[j] === 1 ||
      spans.start[j] !== spans.start[0] ||
      spans.end[j] !== spans.end[0]
    ) {
      uniform = false;
    }
  }
  const stride = uniform ? 2 : T + 1;
  const prefix = new Float64Array(n * stride);
  const prefixSq = options.squares ? new Float64Array(n * stride) : null;
  for (let j = 0; j < n; j++) {
    const v = matrix.values[j] as Float64Array;
    const p = matrix.present[j] as Uint8Array;
    const m = means[j] as number;
    const base = j * stride;
    let s = 0;
    let q = 0;
    for (let t = 0; t < T; t++) {
      const c = p[t] === 1 ? (v[t] as number) - m : 0;
      s += c;
      q += c * c;
      if (!uniform) {
        prefix[base + t + 1] = s;
        if (prefixSq) prefixSq[base + t + 1] = q;
      }
    }
    if (uniform) {
      prefix[base + 1] = s;
      if (prefixSq) prefixSq[base + 1] = q;
    }
  }
  // Index into a prefix row: interval ends map to 0 and 1 when uniform.
  const at = (t: number): number => (uniform ? (t === (spans.start[0] as number) ? 0 : 1) : t);

  const count = new Float64Array(n * n);
  const comoment = new Float64Array(n * n);
  const squares = options.squares ? new Float64Array(n * n) : undefined;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const lo = Math.max(spans.start[i] as number, spans.start[j] as number);
      const hi = Math.min(spans.end[i] as number, spans.end[j] as number);
      let nij = 0;
      let si = 0;
      let sj = 0;
      let qi = 0;
      let qj = 0;
      if (spans.gapped[i] === 0 && spans.gapped[j] === 0) {
        if (hi > lo) {
          nij = hi - lo;
          const a = at(lo);
          const b = at(hi);
          si = (prefix[i * stride + b] as number) - (prefix[i * stride + a] as number);
          sj = (prefix[j * stride + b] as number) - (prefix[j * stride + a] as number);
          if (prefixSq) {
            qi = (prefixSq[i * stride + b] as number) - (prefixSq[i * stride + a] as number);
            qj = (prefixSq[j * stride + b] as number) - (prefixSq[j * stride + a] as number);
          }
        }
      } else {
        const pi = matrix.present[i] as Uint8Array;
        const pj = matrix.present[j] as Uint8Array;
        for (let t = lo; t < hi; t++) {
          if (pi[t] === 1 && pj[t] === 1) {
            const ci = centred(i, t);
            const cj = centred(j, t);
            nij++;
            si += ci;
            sj += cj;
            qi += ci * ci;
            qj += cj * cj;
          }
        }
      }
      const c = nij > 0 ? (g[i * n + j] as number) - (si * sj) / nij : 0;
      count[i * n + j] = count[j * n + i] = nij;
      comoment[i * n + j] = comoment[j * n + i] = c;
      if (squares) {
        squares[i * n + j] = nij > 0 ? qi - (si * si) / nij : 0;
        squares[j * n + i] = nij > 0 ? qj - (sj * sj) / nij : 0;
      }
    }
  }
  return squares ? { n, count, comoment, squares } : { n, count, comoment };
}

function toRows(flat: Float64Array, n: number, scale: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n);
    for (let j = 0; j < n; j++) row[j] = (flat[i * n + j] as number) * scale;
    out.push(row);
  }
  return out;
}

function pairField(matrix: ReturnMatrix, i: number, j: number): string {
  return `matrix.${matrix.symbols[i] as string},${matrix.symbols[j] as string}`;
}

/**
 * Sample covariance, pairwise-complete, annualised: for each pair the dates both assets have
 * (`n_ij`), `Σ_ij = P · Σ_{both} (x_i − x̄_i^{ij})(x_j − x̄_j^{ij}) / (n_ij − 1)` (ddof 1, pair
 * means) — pandas `DataFrame.cov()` × P, which is PyPortfolioOpt's `sample_cov`. Units: squared
 * return per year. A pairwise matrix can fail to be PSD when assets start on different dates;
 * {@link covarianceMatrix} checks and repairs it.
 * Errors: an asset with < 2 returns (`matrix.SYM`), a pair sharing < 2 dates (`matrix.A,B`).
 *
 * @example sampleCovarianceMatrix(returnMatrixFromColumns([[1, 2, 3], [2, 4, 7]]), 1)
 *   // [[1, 2.5], [2.5, 6.333333333333333]]   (19/3)
 */
export function sampleCovarianceMatrix(
  matrix: ReturnMatrix,
  periodsPerYear = DEFAULT_PERIODS_PER_YEAR,
  kernel?: GramKernel,
): number[][] {
  assertPeriodsPerYear(periodsPerYear);
  const { n, count, comoment } = pairwiseComoments(matrix, kernel ? { kernel } : {});
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const nij = count[i * n + j] as number;
      if (nij < 2) {
        throw insufficientData(
          pairField(matrix, i, j),
          `the two assets share ${nij} return date${nij === 1 ? "" : "s"}; a covariance needs at least 2`,
        );
      }
      cov[i * n + j] = cov[j * n + i] = (comoment[i * n + j] as number) / (nij - 1);
    }
  }
  return toRows(cov, n, periodsPerYear);
}

export interface EwmaCovarianceOptions {
  /** pandas span; `α = 2/(span + 1)`. Default {@link DEFAULT_COVARIANCE_SPAN}. */
  readonly span?: number;
  readonly periodsPerYear?: number;
  readonly kernel?: GramKernel;
}

/**
 * Exponentially weighted covariance, annualised — PyPortfolioOpt's `exp_cov`, pair by pair:
 * each asset is centred on the plain mean of its own returns (`x̄_i`, all its dates), and
 * `Σ_ij = P · Σ_{t∈both} w_t (x_it − x̄_i)(x_jt − x̄_j) / Σ_{t∈both} w_t`,
 * `w_t = (1 − α)^(T−1−t)`, `α = 2/(span + 1)`, t indexing the matrix's date axis (T dates).
 * That is pandas `ewm(span, adjust=True, ignore_na=False).mean()` of the pair's co-variation
 * series read on the last date: a date where either asset is missing contributes nothing but
 * still ages the older weights. No bias correction. Every pair needs ≥ 2 shared dates.
 * (Weights are rescaled per pair when the pair's last shared date is so old that they would
 * underflow; the ratio is unchanged.)
 *
 * @example
 * // span 3 → α = 1/2, weights 1/4, 1/2, 1; x = [1, 2, 3] (mean 2): (1/4·1 + 0 + 1·1)/(7/4) = 5/7
 * ewmaCovarianceMatrix(returnMatrixFromColumns([[1, 2, 3]]), { span: 3, periodsPerYear: 1 }) // [[0.7142857142857143]]
 */
export function ewmaCovarianceMatrix(
  matrix: ReturnMatrix,
  options: EwmaCovarianceOptions = {},
): number[][] {
  const periodsPerYear = options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  assertPeriodsPerYear(periodsPerYear);
  const alpha = ewmaAlpha(options.span ?? DEFAULT_COVARIANCE_SPAN);
  assertReturnMatrix(matrix);
  const n = matrix.symbols.length;
  const T = matrix.dates.length;
  const spans = observationSpans(matrix);
  const means = assetMeans(matrix, spans);
  const decay = 1 - alpha;
  const w = new Float64Array(T);
  const sqrtW = new Float64Array(T);
  for (let t = T - 1, wt = 1; t >= 0; t--, wt *= decay) {
    w[t] = wt;
    sqrtW[t] = Math.sqrt(wt);
  }
  const g = gramMatrix(
    {
      n,
      T,
      start: spans.start,
      end: spans.end,
      writeRow: (k, out, offset) => {
        const v = matrix.values[k] as Float64Array;
        const p = matrix.present[k] as Uint8Array;
        const m = means[k] as number;
        for (let t = 0; t < T; t++) {
          out[offset + t] = p[t] === 1 ? ((v[t] as number) - m) * (sqrtW[t] as number) : 0;
        }
      },
    },
    options.kernel,
  );
  // Σ_{t=lo}^{hi−1} (1−α)^(T−1−t) = (1−α)^(T−hi) · (1 − (1−α)^(hi−lo)) / α, the bracket via expm1.
  const logDecay = Math.log1p(-alpha);
  const intervalWeight = (lo: number, hi: number): number =>
    (Math.pow(decay, T - hi) * -Math.expm1((hi - lo) * logDecay)) / alpha;

  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const pi = matrix.present[i] as Uint8Array;
    for (let j = i; j < n; j++) {
      const pj = matrix.present[j] as Uint8Array;
      const lo = Math.max(spans.start[i] as number, spans.start[j] as number);
      const hi = Math.min(spans.end[i] as number, spans.end[j] as number);
      let shared = 0;
      let last = -1;
      let weight = 0;
      if (spans.gapped[i] === 0 && spans.gapped[j] === 0) {
        if (hi > lo) {
          shared = hi - lo;
          last = hi - 1;
          weight = intervalWeight(lo, hi);
        }
      } else {
        for (let t = lo; t < hi; t++) {
          if (pi[t] === 1 && pj[t] === 1) {
            shared++;
            last = t;
            weight += w[t] as number;
          }
        }
      }
      if (shared < 2) {
        throw insufficientData(
          pairField(matrix, i, j),
          `the two assets share ${shared} return date${shared === 1 ? "" : "s"}; a covariance needs at least 2`,
        );
      }
      let value: number;
      if (weight > 1e-280) {
        value = (g[i * n + j] as number) / weight;
      } else {
        // Weights relative to the pair's last shared date (the ratio is the same).
        const vi = matrix.values[i] as Float64Array;
        const vj = matrix.values[j] as Float64Array;
        let num = 0;
        let den = 0;
        for (let t = lo; t <= last; t++) {
          if (pi[t] === 1 && pj[t] === 1) {
            const wt = Math.pow(decay, last - t);
            num +=
              wt *
              ((vi[t] as number) - (means[i] as number)) *
              ((vj[t] as number) - (means[j] as number));
            den += wt;
          }
        }
        value = num / den;
      }
      cov[i * n + j] = cov[j * n + i] = value;
    }
  }
  return toRows(cov, n, periodsPerYear);
}

export interface CovarianceOptions {
  /** Default `"sample"`. */
  readonly method?: CovarianceMethod;
  /** Default 252. */
  readonly periodsPerYear?: number;
  /** EWMA span; default {@link DEFAULT_COVARIANCE_SPAN}. */
  readonly span?: number;
  /** Ledoit–Wolf target; default `"constant-variance"` (scaled identity). */
  readonly shrinkageTarget?: ShrinkageTarget;
  /** Tolerance and floor of the PSD check and repair (tools/psd.ts). */
  readonly psd?: PsdOptions;
}

export interface CovarianceResult {
  readonly symbols: readonly string[];
  /** Annualised covariance, `matrix[i][j]` for `symbols[i]`, `symbols[j]`. */
  readonly matrix: number[][];
  readonly method: CovarianceMethod;
  readonly periodsPerYear: number;
  /** True when the estimate was not PSD and was repaired by spectral clipping. */
  readonly repaired: boolean;
  readonly repair?: {
    readonly method: "spectral-clip";
    readonly minEigenvalueBefore: number;
    readonly clippedEigenvalues: number;
    readonly floor: number;
  };
  /** Ledoit–Wolf: the shrinkage intensity in [0, 1], its target and the complete-case dates used. */
  readonly shrinkage?: number;
  readonly shrinkageTarget?: ShrinkageTarget;
  readonly observations?: number;
  /** EWMA: the span used. */
  readonly span?: number;
}

/**
 * The covariance matrix of a return matrix by the chosen method (QUANT-CONVENTIONS.md), checked
 * for positive semi-definiteness and, when it is not (within tolerance, see tools/psd.ts),
 * repaired by spectral clipping and flagged `repaired: true` with the smallest eigenvalue before.
 * - `sample` (default): {@link sampleCovarianceMatrix}, pairwise-complete, ddof 1, × P.
 * - `ledoit-wolf`: `ledoitWolf` (tools/ledoit-wolf.ts), complete cases, × P.
 * - `ewma`: {@link ewmaCovarianceMatrix}, span default 180, × P.
 *
 * @example covarianceMatrix(returnMatrixFromColumns([[1, 2, 3], [2, 4, 7]]), { periodsPerYear: 1 })
 *   // { matrix: [[1, 2.5], [2.5, 6.333333333333333]], method: "sample", repaired: false, … }
 */
export function covarianceMatrix(
  matrix: ReturnMatrix,
  options: CovarianceOptions = {},
): CovarianceResult {
  const method = options.method ?? "sample";
  const periodsPerYear = options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  assertPeriodsPerYear(periodsPerYear);
  let raw: number[][];
  let extra: Partial<CovarianceResult> = {};
  switch (method) {
    case "sample":
      raw = sampleCovarianceMatrix(matrix, periodsPerYear);
      break;
    case "ewma": {
      const span = options.span ?? DEFAULT_COVARIANCE_SPAN;
      raw = ewmaCovarianceMatrix(matrix, { span, periodsPerYear });
      extra = { span };
      break;
    }
    case "ledoit-wolf": {
      const lw = ledoitWolf(matrix, {
        periodsPerYear,
        target: options.shrinkageTarget ?? "constant-variance",
      });
      raw = lw.matrix;
      extra = {
        shrinkage: lw.shrinkage,
        shrinkageTarget: lw.target,
        observations: lw.observations,
      };
      break;
    }
    default:
      throw invalidInput(
        "method",
        `must be "sample", "ledoit-wolf" or "ewma", got ${String(method as unknown)}`,
      );
  }
  const fixed = repairPsd(raw, options.psd, "covariance");
  const base = { symbols: [...matrix.symbols], method, periodsPerYear, ...extra };
  if (!fixed.repaired) return { ...base, matrix: fixed.matrix, repaired: false };
  return {
    ...base,
    matrix: fixed.matrix,
    repaired: true,
    repair: {
      method: fixed.method,
      minEigenvalueBefore: fixed.minEigenvalueBefore,
      clippedEigenvalues: fixed.clippedEigenvalues,
      floor: fixed.floor,
    },
  };
}
