import { insufficientData, invalidInput } from "./errors.js";
import type { PriceTable } from "./price-table.js";

/** Returns with the date each one ends on; `dates[t]` is the day `returns[t]` was earned up to. */
export interface DatedReturns {
  readonly dates: readonly string[];
  readonly returns: readonly number[];
}

export type ReturnKind = "simple" | "log";

function assertPrices(field: string, prices: readonly number[]): void {
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i];
    if (typeof p !== "number" || !Number.isFinite(p) || p <= 0) {
      throw invalidInput(
        `${field}[${i}]`,
        `price must be a positive finite number, got ${String(p)}`,
      );
    }
  }
  if (prices.length < 2) {
    throw insufficientData(field, `requires at least 2 prices, got ${prices.length}`);
  }
}

/**
 * Simple returns `r_t = p_t / p_{t−1} − 1` of a gap-free price series (length n − 1).
 * @example simpleReturns([100, 110, 99]) // [0.10000000000000009, -0.09999999999999998]
 */
export function simpleReturns(prices: readonly number[]): number[] {
  assertPrices("prices", prices);
  const out = new Array<number>(prices.length - 1);
  for (let t = 1; t < prices.length; t++)
    out[t - 1] = (prices[t] as number) / (prices[t - 1] as number) - 1;
  return out;
}

/**
 * Log returns `ln(p_t / p_{t−1})` of a gap-free price series (length n − 1).
 * @example logReturns([100, 110]) // [0.09531017980432493]
 */
export function logReturns(prices: readonly number[]): number[] {
  assertPrices("prices", prices);
  const out = new Array<number>(prices.length - 1);
  for (let t = 1; t < prices.length; t++)
    out[t - 1] = Math.log((prices[t] as number) / (prices[t - 1] as number));
  return out;
}

/**
 * Dated returns of one price column that may have missing values (`null`). The series starts at
 * the symbol's first price; nothing is filled forward. A missing day has no return; the return
 * on the next priced day is measured from the last available price, so compounded wealth is
 * preserved across a gap. (Gaps themselves are a data-quality finding of the market layer.)
 *
 * @example returnsFromColumn(["d1","d2","d3","d4"], [null, 10, null, 12], "simple")
 *   // { dates: ["d4"], returns: [0.19999999999999996] }
 */
export function returnsFromColumn(
  dates: readonly string[],
  column: readonly (number | null)[],
  kind: ReturnKind = "simple",
  field = "prices",
): DatedReturns {
  if (dates.length !== column.length) {
    throw invalidInput(field, `has ${column.length} prices for ${dates.length} dates`);
  }
  const outDates: string[] = [];
  const outReturns: number[] = [];
  let last: number | null = null;
  for (let t = 0; t < column.length; t++) {
    const p = column[t];
    if (p === null || p === undefined) continue;
    if (!Number.isFinite(p) || p <= 0) {
      throw invalidInput(
        `${field}[${t}]`,
        `price must be a positive finite number, got ${String(p)}`,
      );
    }
    if (last !== null) {
      outDates.push(dates[t] as string);
      outReturns.push(kind === "simple" ? p / last - 1 : Math.log(p / last));
    }
    last = p;
  }
  return { dates: outDates, returns: outReturns };
}

/** Dated returns of every column of a price table, keyed by symbol (in the table's order). */
export function tableReturns(
  table: PriceTable,
  kind: ReturnKind = "simple",
): Map<string, DatedReturns> {
  const out = new Map<string, DatedReturns>();
  table.symbols.forEach((symbol, j) => {
    out.set(symbol, returnsFromColumn(table.dates, table.columns[j] ?? [], kind, symbol));
  });
  return out;
}

/**
 * The dates both series have, with each one's returns on them (inner join; both inputs sorted).
 * @example alignReturns({dates:["a","b","c"],returns:[1,2,3]},{dates:["b","c","d"],returns:[5,6,7]})
 *   // { dates: ["b","c"], a: [2,3], b: [5,6] }
 */
export function alignReturns(
  a: DatedReturns,
  b: DatedReturns,
): { dates: string[]; a: number[]; b: number[] } {
  const dates: string[] = [];
  const ra: number[] = [];
  const rb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.dates.length && j < b.dates.length) {
    const da = a.dates[i] as string;
    const db = b.dates[j] as string;
    if (da === db) {
      dates.push(da);
      ra.push(a.returns[i] as number);
      rb.push(b.returns[j] as number);
      i++;
      j++;
    } else if (da < db) i++;
    else j++;
  }
  return { dates, a: ra, b: rb };
}

/** Throws unless `weights` are finite, one per asset and sum to 1 within 1e-6. */
function checkPortfolioWeights(assets: number, weights: readonly number[]): void {
  if (assets === 0) throw invalidInput("weights", "requires at least one asset");
  if (assets !== weights.length) {
    throw invalidInput("weights", `has ${weights.length} weights for ${assets} assets`);
  }
  let total = 0;
  weights.forEach((w, i) => {
    if (!Number.isFinite(w)) throw invalidInput(`weights[${i}]`, `must be finite, got ${w}`);
    total += w;
  });
  if (Math.abs(total - 1) > 1e-6) throw invalidInput("weights", `must sum to 1, got ${total}`);
}

/**
 * A return series laid on a calendar (sorted dates it is a subset of): its return on each
 * calendar date, NaN where it has none. Throws INVALID_INPUT naming `series.dates` when a date of
 * the series is not on the calendar (or either is unsorted).
 *
 * @example onCalendar(["a", "b", "c"], { dates: ["a", "c"], returns: [1, 3] }) // Float64Array [1, NaN, 3]
 */
export function onCalendar(calendar: readonly string[], series: DatedReturns): Float64Array {
  const out = new Float64Array(calendar.length).fill(Number.NaN);
  let c = 0;
  for (let j = 0; j < series.dates.length; j++) {
    const d = series.dates[j] as string;
    while (c < calendar.length && calendar[c] !== d) c++;
    if (c === calendar.length) {
      throw invalidInput("series.dates", `${d} is not on the calendar (or out of order)`);
    }
    out[c++] = series.returns[j] as number;
  }
  return out;
}

/**
 * {@link rebalancedPortfolioReturns} of series laid on one calendar (see {@link onCalendar}):
 * `r_p,t = Σ_i w_i r_i,t` on the calendar dates where no asset's return is NaN, summed in asset
 * order — the same dates and the same numbers, bit for bit, without matching date strings per
 * asset (the risk agent lays a universe's series on its window once and prices many weightings).
 *
 * @example
 * rebalancedPortfolioReturnsOnCalendar(["a", "b"], [Float64Array.of(0.1, NaN), Float64Array.of(0, 0)], [0.5, 0.5])
 *   // { dates: ["a"], returns: [0.05] }
 */
export function rebalancedPortfolioReturnsOnCalendar(
  calendar: readonly string[],
  columns: readonly Float64Array[],
  weights: readonly number[],
): DatedReturns {
  checkPortfolioWeights(columns.length, weights);
  for (const column of columns) {
    if (column.length !== calendar.length) {
      throw invalidInput("columns", `must have one value per calendar date (${calendar.length})`);
    }
  }
  const dates: string[] = [];
  const returns: number[] = [];
  const w0 = weights[0] as number;
  const c0 = columns[0] as Float64Array;
  for (let t = 0; t < calendar.length; t++) {
    let r = w0 * (c0[t] as number);
    let everywhere = !Number.isNaN(c0[t] as number);
    for (let i = 1; i < columns.length && everywhere; i++) {
      const v = (columns[i] as Float64Array)[t] as number;
      if (Number.isNaN(v)) everywhere = false;
      else r += (weights[i] as number) * v;
    }
    if (everywhere) {
      dates.push(calendar[t] as string);
      returns.push(r);
    }
  }
  return { dates, returns };
}

/**
 * Returns of a portfolio rebalanced daily to fixed weights: `r_p,t = Σ_i w_i r_i,t`, on the dates
 * every asset has a return (a missing asset return is never treated as 0). Weights must be
 * finite and sum to 1 within 1e-6.
 */
export function rebalancedPortfolioReturns(
  assets: readonly DatedReturns[],
  weights: readonly number[],
): DatedReturns {
  checkPortfolioWeights(assets.length, weights);
  // Dates are sorted within each series: a k-way merge keeps the dates every asset has.
  const cursors = new Array<number>(assets.length).fill(0);
  const dates: string[] = [];
  const returns: number[] = [];
  const first = assets[0] as DatedReturns;
  for (let t = 0; t < first.dates.length; t++) {
    const d = first.dates[t] as string;
    let r = (weights[0] as number) * (first.returns[t] as number);
    let everywhere = true;
    for (let i = 1; i < assets.length; i++) {
      const a = assets[i] as DatedReturns;
      let k = cursors[i] as number;
      while (k < a.dates.length && (a.dates[k] as string) < d) k++;
      cursors[i] = k;
      if (k < a.dates.length && a.dates[k] === d)
        r += (weights[i] as number) * (a.returns[k] as number);
      else everywhere = false;
    }
    if (everywhere) {
      dates.push(d);
      returns.push(r);
    }
  }
  return { dates, returns };
}
