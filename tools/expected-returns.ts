import { insufficientData, invalidInput } from "./errors.js";
import {
  DEFAULT_PERIODS_PER_YEAR,
  assertPeriodsPerYear,
  assertReturnMatrix,
  ewmaAlpha,
  observationSpans,
  type ReturnMatrix,
} from "./return-matrix.js";

/** Default span of the EWMA expected return (QUANT-CONVENTIONS.md). */
export const DEFAULT_EXPECTED_RETURN_SPAN = 500;

export type ExpectedReturnMethod = "geometric" | "arithmetic" | "ewma";

export interface ExpectedReturnOptions {
  /** Default `"geometric"`. */
  readonly method?: ExpectedReturnMethod;
  /** Default 252. */
  readonly periodsPerYear?: number;
  /** EWMA span, default 500. */
  readonly span?: number;
}

/** Each symbol's returns, checked: at least 2 of them (else a ToolError naming the symbol). */
function checkedSpans(matrix: ReturnMatrix): ReturnType<typeof observationSpans> {
  assertReturnMatrix(matrix);
  const spans = observationSpans(matrix);
  matrix.symbols.forEach((symbol, j) => {
    const count = spans.count[j] as number;
    if (count < 2) {
      throw insufficientData(
        `matrix.${symbol}`,
        `has ${count} return${count === 1 ? "" : "s"}; an expected return needs at least 2`,
      );
    }
  });
  return spans;
}

/**
 * Geometric (compound) annual return of each asset over its own available history:
 * `(Π(1 + r_t))^(P/n) − 1`, n = that asset's number of returns — PyPortfolioOpt's
 * `mean_historical_return` (compounding=True). For a matrix of log returns the same figure is
 * `exp(Σ r_t · P/n) − 1`. Units: fraction per year.
 *
 * @example
 * // PyPortfolioOpt's test: prices 4.0, 4.2, 3.9, 4.3, 4.1 → Π(1 + r) = 4.1/4 = 1.025,
 * // 1.025^(1/4) − 1 = 0.0061922
 * geometricExpectedReturns(returnMatrix({ dates: ["1", "2", "3", "4", "5"], symbols: ["A"],
 *   columns: [[4.0, 4.2, 3.9, 4.3, 4.1]] }), 1) // [0.006192...]
 */
export function geometricExpectedReturns(
  matrix: ReturnMatrix,
  periodsPerYear = DEFAULT_PERIODS_PER_YEAR,
): number[] {
  assertPeriodsPerYear(periodsPerYear);
  const spans = checkedSpans(matrix);
  return matrix.symbols.map((symbol, j) => {
    const v = matrix.values[j] as Float64Array;
    const p = matrix.present[j] as Uint8Array;
    const n = spans.count[j] as number;
    if (matrix.kind === "log") {
      let s = 0;
      for (let t = 0; t < v.length; t++) if (p[t] === 1) s += v[t] as number;
      return Math.expm1((s * periodsPerYear) / n);
    }
    let growth = 1;
    for (let t = 0; t < v.length; t++) {
      if (p[t] !== 1) continue;
      const r = v[t] as number;
      if (r < -1) {
        throw invalidInput(
          `matrix.${symbol}[${t}]`,
          `a simple return cannot be below −1, got ${r}`,
        );
      }
      growth *= 1 + r;
    }
    return Math.pow(growth, periodsPerYear / n) - 1;
  });
}

/**
 * Arithmetic annual return of each asset: `mean(r) · P` over its own returns — PyPortfolioOpt's
 * `mean_historical_return(compounding=False)`. Units: fraction per year (of the matrix's kind of
 * return).
 *
 * @example arithmeticExpectedReturns(returnMatrixFromColumns([[0.01, 0.03]]), 252) // [5.04]
 */
export function arithmeticExpectedReturns(
  matrix: ReturnMatrix,
  periodsPerYear = DEFAULT_PERIODS_PER_YEAR,
): number[] {
  assertPeriodsPerYear(periodsPerYear);
  const spans = checkedSpans(matrix);
  return matrix.symbols.map((_, j) => {
    const v = matrix.values[j] as Float64Array;
    let s = 0;
    // Absent entries hold 0, so the plain sum over the asset's span is the sum of its returns.
    for (let t = spans.start[j] as number; t < (spans.end[j] as number); t++) s += v[t] as number;
    return (s / (spans.count[j] as number)) * periodsPerYear;
  });
}

/**
 * Exponentially weighted annual return of each asset: pandas `ewm(span, adjust=True).mean()`
 * read on the last date, × P — PyPortfolioOpt's `ema_historical_return(compounding=False)`:
 * `Σ_t w_t r_t / Σ_t w_t` over the asset's returns, `w_t = (1 − α)^(L − t)`, `α = 2/(span + 1)`,
 * t indexing the matrix's date axis and L the asset's last return date (a missing date still ages
 * the older weights, pandas `ignore_na=False`). Span default 500.
 *
 * @example
 * // span 3 → α = 1/2, weights 1/4, 1/2, 1 on r = 0.04, 0.02, 0.01:
 * // (0.01 + 0.01 + 0.01)/(7/4) = 0.03/1.75 per period, × 1
 * ewmaExpectedReturns(returnMatrixFromColumns([[0.04, 0.02, 0.01]]), { span: 3, periodsPerYear: 1 })
 *   // [0.017142857142857144]
 */
export function ewmaExpectedReturns(
  matrix: ReturnMatrix,
  options: { readonly span?: number; readonly periodsPerYear?: number } = {},
): number[] {
  const periodsPerYear = options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  assertPeriodsPerYear(periodsPerYear);
  const decay = 1 - ewmaAlpha(options.span ?? DEFAULT_EXPECTED_RETURN_SPAN);
  const spans = checkedSpans(matrix);
  return matrix.symbols.map((_, j) => {
    const v = matrix.values[j] as Float64Array;
    const p = matrix.present[j] as Uint8Array;
    let num = 0;
    let den = 0;
    let w = 1;
    for (let t = (spans.end[j] as number) - 1; t >= (spans.start[j] as number); t--, w *= decay) {
      if (p[t] !== 1) continue;
      num += w * (v[t] as number);
      den += w;
    }
    return (num / den) * periodsPerYear;
  });
}

/**
 * Expected annual returns of every asset, in symbol order, by the chosen method
 * (QUANT-CONVENTIONS.md): `geometric` (default), `arithmetic` or `ewma` (span 500).
 * An asset with fewer than 2 returns is a ToolError naming it (`matrix.SYM`).
 *
 * @example expectedReturns(returnMatrixFromColumns([[0.01, 0.03]]), { method: "arithmetic" }) // [5.04]
 */
export function expectedReturns(
  matrix: ReturnMatrix,
  options: ExpectedReturnOptions = {},
): number[] {
  const method = options.method ?? "geometric";
  const periodsPerYear = options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  switch (method) {
    case "geometric":
      return geometricExpectedReturns(matrix, periodsPerYear);
    case "arithmetic":
      return arithmeticExpectedReturns(matrix, periodsPerYear);
    case "ewma":
      return ewmaExpectedReturns(
        matrix,
        options.span === undefined ? { periodsPerYear } : { periodsPerYear, span: options.span },
      );
    default:
      throw invalidInput(
        "method",
        `must be "geometric", "arithmetic" or "ewma", got ${String(method as unknown)}`,
      );
  }
}
