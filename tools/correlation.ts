import { insufficientData, invalidInput } from "./errors.js";
import { pairwiseComoments } from "./covariance.js";
import type { GramKernel } from "./gram.js";
import type { ReturnMatrix } from "./return-matrix.js";
import { assertSquareMatrix } from "./validate.js";

/**
 * Correlation matrix from a covariance matrix: `ρ_ij = Σ_ij / √(Σ_ii Σ_jj)`, diagonal exactly 1
 * (PyPortfolioOpt's `cov_to_corr`). Scale-free, so annualised or daily covariances give the same
 * result. Errors: a non-positive variance (`covariance[i][i]`); `|ρ_ij| > 1` beyond rounding
 * (`covariance[i][j]`), which only a matrix that is not PSD can produce — repair it first
 * (tools/psd.ts). Values within 1e-12 outside [−1, 1] are rounding and are clamped.
 *
 * @example correlationFromCovariance([[4, 2], [2, 9]]) // [[1, 1/3], [1/3, 1]]
 */
export function correlationFromCovariance(covariance: readonly (readonly number[])[]): number[][] {
  assertSquareMatrix("covariance", covariance);
  const sd = covariance.map((row, i) => {
    const v = row[i] as number;
    if (!(v > 0)) {
      throw insufficientData(`covariance[${i}][${i}]`, `variance must be positive, got ${v}`);
    }
    return Math.sqrt(v);
  });
  return covariance.map((row, i) =>
    row.map((c, j) => {
      if (i === j) return 1;
      const r = c / ((sd[i] as number) * (sd[j] as number));
      if (Math.abs(r) > 1 + 1e-12) {
        throw invalidInput(
          `covariance[${i}][${j}]`,
          `implies a correlation of ${r}, outside [−1, 1]; the matrix is not positive semi-definite`,
        );
      }
      return Math.max(-1, Math.min(1, r));
    }),
  );
}

/**
 * Pairwise-complete Pearson correlation of a return matrix — pandas `DataFrame.corr()`: each
 * pair uses the dates both assets have, with that pair's own means and standard deviations,
 * `ρ_ij = Σ (x_i − x̄_i)(x_j − x̄_j) / √(Σ (x_i − x̄_i)² Σ (x_j − x̄_j)²)` over the shared dates.
 * Always within [−1, 1] (unlike a pairwise covariance normalised by full-history variances), but
 * the matrix as a whole may still fail to be PSD when assets start on different dates.
 * Errors: a pair sharing < 2 dates (`matrix.A,B`); an asset constant on a pair's dates.
 *
 * @example correlationMatrix(returnMatrixFromColumns([[1, 2, 3], [2, 4, 7]]))
 *   // [[1, 0.9933992677987828], [0.9933992677987828, 1]]  (5 / √(2 · 38/3))
 */
export function correlationMatrix(matrix: ReturnMatrix, kernel?: GramKernel): number[][] {
  const { n, count, comoment, squares } = pairwiseComoments(
    matrix,
    kernel ? { squares: true, kernel } : { squares: true },
  );
  if (!squares) throw new Error("unreachable: squares were requested");
  const out: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(1));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = matrix.symbols[i] as string;
      const b = matrix.symbols[j] as string;
      const shared = count[i * n + j] as number;
      if (shared < 2) {
        throw insufficientData(
          `matrix.${a},${b}`,
          `the two assets share ${shared} return date${shared === 1 ? "" : "s"}; a correlation needs at least 2`,
        );
      }
      const si = squares[i * n + j] as number;
      const sj = squares[j * n + i] as number;
      if (!(si > 0) || !(sj > 0)) {
        throw insufficientData(
          `matrix.${a},${b}`,
          `${si > 0 ? b : a} is constant on the dates the pair shares; the correlation is undefined`,
        );
      }
      const r = Math.max(-1, Math.min(1, (comoment[i * n + j] as number) / Math.sqrt(si * sj)));
      (out[i] as number[])[j] = r;
      (out[j] as number[])[i] = r;
    }
  }
  return out;
}
