import { insufficientData, invalidInput } from "./errors.js";
import type { PriceTable } from "./price-table.js";
import type { ReturnKind } from "./returns.js";

/**
 * Many assets' returns on one date axis, with missing values, in the compact layout the
 * estimators (expected returns, covariance, Ledoit–Wolf, correlation) read in their hot loops.
 *
 * - `dates[t]` is the day a return was earned up to; the axis keeps every date on which at least
 *   one symbol has a return (a price table's first date, which has none, is dropped).
 * - `values[j][t]` is the return of `symbols[j]` on `dates[t]`, and `0` where `present[j][t]`
 *   is `0` — the zero is a placeholder that makes masked sums free, never a return.
 * - `kind` says what the values are: simple returns `p_t / p_{t−1} − 1` or log returns.
 */
export interface ReturnMatrix {
  readonly kind: ReturnKind;
  readonly dates: readonly string[];
  readonly symbols: readonly string[];
  readonly values: readonly Float64Array[];
  readonly present: readonly Uint8Array[];
}

/**
 * The returns of every column of a price table on one date axis. A return on date t exists iff
 * the symbol has a price on t and an earlier price — the rule of `returnsFromColumn`
 * (tools/returns.ts): nothing is filled forward, and across an internal gap the return is
 * measured from the last available price and recorded on the date the price reappears, so
 * compounded wealth is preserved. Simple returns by default; `kind = "log"` gives `ln(p_t/p_s)`.
 *
 * @example
 * returnMatrix({ dates: ["d1", "d2", "d3", "d4"], symbols: ["A", "B"],
 *   columns: [[8, 10, null, 15], [null, 20, 30, 15]] })
 * // dates ["d2", "d3", "d4"]; A: values [0.25, 0, 0.5] present [1, 0, 1] (10 → 15 across the
 * // gap, recorded on d4); B: values [0, 0.5, -0.5] present [0, 1, 1]
 */
export function returnMatrix(table: PriceTable, kind: ReturnKind = "simple"): ReturnMatrix {
  if (kind !== "simple" && kind !== "log") {
    throw invalidInput("kind", `must be "simple" or "log", got ${String(kind)}`);
  }
  const n = table.symbols.length;
  const T = table.dates.length;
  if (n === 0) throw invalidInput("table.symbols", "must name at least one symbol");
  if (table.columns.length !== n) {
    throw invalidInput("table.columns", `has ${table.columns.length} columns for ${n} symbols`);
  }
  const rawValues: Float64Array[] = [];
  const rawPresent: Uint8Array[] = [];
  const anyReturn = new Uint8Array(T);
  for (let j = 0; j < n; j++) {
    const symbol = table.symbols[j] as string;
    const column = table.columns[j] as readonly (number | null)[];
    if (column.length !== T) {
      throw invalidInput(`table.${symbol}`, `has ${column.length} prices for ${T} dates`);
    }
    const v = new Float64Array(T);
    const p = new Uint8Array(T);
    let last = 0;
    for (let t = 0; t < T; t++) {
      const price = column[t];
      if (price === null || price === undefined) continue;
      if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
        throw invalidInput(
          `table.${symbol}[${t}]`,
          `price must be a positive finite number, got ${String(price)}`,
        );
      }
      if (last > 0) {
        v[t] = kind === "simple" ? price / last - 1 : Math.log(price / last);
        p[t] = 1;
        anyReturn[t] = 1;
      }
      last = price;
    }
    rawValues.push(v);
    rawPresent.push(p);
  }
  const keep: number[] = [];
  for (let t = 0; t < T; t++) if (anyReturn[t] === 1) keep.push(t);
  if (keep.length === 0) {
    throw insufficientData("table", "no symbol has two prices, so there is no return");
  }
  const dates = keep.map((t) => table.dates[t] as string);
  const values = rawValues.map((v) => Float64Array.from(keep, (t) => v[t] as number));
  const present = rawPresent.map((p) => Uint8Array.from(keep, (t) => p[t] as number));
  return { kind, dates, symbols: [...table.symbols], values, present };
}

/** Options of {@link returnMatrixFromColumns} and {@link returnMatrixFromRows}. */
export interface PlainReturnsOptions {
  /** Defaults to `A0, A1, …`. */
  readonly symbols?: readonly string[];
  /** Defaults to `0, 1, …` as strings; only labels, never parsed. */
  readonly dates?: readonly string[];
  readonly kind?: ReturnKind;
}

/**
 * A complete (no missing value) return matrix from one array of returns per asset:
 * `columns[j][t]` is asset j's return on date t. For callers that already have returns.
 *
 * @example returnMatrixFromColumns([[0.01, 0.02], [0.03, -0.01]], { symbols: ["A", "B"] }).values[1]
 *   // Float64Array [0.03, -0.01]
 */
export function returnMatrixFromColumns(
  columns: readonly (readonly number[])[],
  options: PlainReturnsOptions = {},
): ReturnMatrix {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw invalidInput("columns", "must be a non-empty array of return series");
  }
  const T = (columns[0] as readonly number[] | undefined)?.length ?? 0;
  const n = columns.length;
  const { symbols, dates, kind } = plainLabels(n, T, options, "columns");
  const values = columns.map((column, j) => {
    if (!Array.isArray(column) || column.length !== T) {
      throw invalidInput(`columns[${j}]`, `must be an array of ${T} returns`);
    }
    const v = new Float64Array(T);
    for (let t = 0; t < T; t++) v[t] = finiteReturn(column[t], `columns[${j}][${t}]`, kind);
    return v;
  });
  return { kind, dates, symbols, values, present: values.map(() => new Uint8Array(T).fill(1)) };
}

/**
 * A complete return matrix from rows of returns, one row per date (the layout of a pandas
 * DataFrame): `rows[t][j]` is asset j's return on date t.
 *
 * @example returnMatrixFromRows([[0.01, 0.03], [0.02, -0.01]]).values[1] // Float64Array [0.03, -0.01]
 */
export function returnMatrixFromRows(
  rows: readonly (readonly number[])[],
  options: PlainReturnsOptions = {},
): ReturnMatrix {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw invalidInput("rows", "must be a non-empty array of rows (one per date)");
  }
  const n = (rows[0] as readonly number[] | undefined)?.length ?? 0;
  const T = rows.length;
  const { symbols, dates, kind } = plainLabels(n, T, options, "rows");
  const values = Array.from({ length: n }, () => new Float64Array(T));
  rows.forEach((row, t) => {
    if (!Array.isArray(row) || row.length !== n) {
      throw invalidInput(`rows[${t}]`, `must be an array of ${n} returns`);
    }
    for (let j = 0; j < n; j++) {
      (values[j] as Float64Array)[t] = finiteReturn(row[j], `rows[${t}][${j}]`, kind);
    }
  });
  return { kind, dates, symbols, values, present: values.map(() => new Uint8Array(T).fill(1)) };
}

function plainLabels(
  n: number,
  T: number,
  options: PlainReturnsOptions,
  field: string,
): { symbols: string[]; dates: string[]; kind: ReturnKind } {
  if (n === 0) throw invalidInput(field, "must hold at least one asset");
  if (T === 0) throw invalidInput(field, "must hold at least one date");
  const kind = options.kind ?? "simple";
  if (kind !== "simple" && kind !== "log") {
    throw invalidInput("kind", `must be "simple" or "log", got ${String(kind)}`);
  }
  const symbols = options.symbols
    ? [...options.symbols]
    : Array.from({ length: n }, (_, j) => `A${j}`);
  if (symbols.length !== n) {
    throw invalidInput("symbols", `has ${symbols.length} names for ${n} assets`);
  }
  if (new Set(symbols).size !== n) throw invalidInput("symbols", "must be unique");
  const dates = options.dates ? [...options.dates] : Array.from({ length: T }, (_, t) => String(t));
  if (dates.length !== T) throw invalidInput("dates", `has ${dates.length} labels for ${T} dates`);
  return { symbols, dates, kind };
}

function finiteReturn(value: unknown, field: string, kind: ReturnKind): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalidInput(field, `must be a finite number, got ${String(value)}`);
  }
  if (kind === "simple" && value < -1) {
    throw invalidInput(
      field,
      `a simple return cannot be below −1 (a loss of over 100%), got ${value}`,
    );
  }
  return value;
}

/**
 * Checks the shape and contents of a return matrix built by hand: as many value and presence
 * arrays as symbols, each as long as `dates`, finite values, presence flags 0/1, value 0 where
 * absent, and every symbol named once. Throws a ToolError naming the first fault.
 */
export function assertReturnMatrix(matrix: ReturnMatrix, field = "matrix"): void {
  const { symbols, dates, values, present } = matrix;
  if (!Array.isArray(symbols) || symbols.length === 0) {
    throw invalidInput(`${field}.symbols`, "must name at least one symbol");
  }
  if (new Set(symbols).size !== symbols.length) {
    throw invalidInput(`${field}.symbols`, "must be unique");
  }
  if (values.length !== symbols.length || present.length !== symbols.length) {
    throw invalidInput(field, `must hold one value and one presence array per symbol`);
  }
  const T = dates.length;
  for (let j = 0; j < symbols.length; j++) {
    const v = values[j];
    const p = present[j];
    const name = `${field}.${symbols[j] as string}`;
    if (!(v instanceof Float64Array) || v.length !== T) {
      throw invalidInput(name, `values must be a Float64Array of ${T} returns`);
    }
    if (!(p instanceof Uint8Array) || p.length !== T) {
      throw invalidInput(name, `presence must be a Uint8Array of ${T} flags`);
    }
    for (let t = 0; t < T; t++) {
      const x = v[t] as number;
      const flag = p[t] as number;
      if (flag === 1) {
        if (!Number.isFinite(x)) throw invalidInput(`${name}[${t}]`, `return is not finite: ${x}`);
      } else if (flag !== 0 || x !== 0) {
        throw invalidInput(`${name}[${t}]`, "a missing return must have presence 0 and value 0");
      }
    }
  }
}

/**
 * The present returns of one symbol, in date order.
 * @example assetReturns(returnMatrixFromColumns([[0.01, 0.02]]), 0) // [0.01, 0.02]
 */
export function assetReturns(matrix: ReturnMatrix, j: number): number[] {
  const v = matrix.values[j];
  const p = matrix.present[j];
  if (v === undefined || p === undefined) {
    throw invalidInput("symbol", `index ${j} is outside 0…${matrix.symbols.length - 1}`);
  }
  const out: number[] = [];
  for (let t = 0; t < v.length; t++) if (p[t] === 1) out.push(v[t] as number);
  return out;
}

/**
 * Indices of the dates on which every symbol has a return ("complete cases", the rows pandas'
 * `dropna()` keeps).
 * @example completeCases(returnMatrix({ dates: ["a", "b", "c"], symbols: ["X", "Y"],
 *   columns: [[1, 2, 3], [null, 5, 6]] })) // Int32Array [1] (only "c": Y's first return)
 */
export function completeCases(matrix: ReturnMatrix): Int32Array {
  const T = matrix.dates.length;
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    let all = true;
    for (const p of matrix.present) {
      if (p[t] !== 1) {
        all = false;
        break;
      }
    }
    if (all) out.push(t);
  }
  return Int32Array.from(out);
}

/** Where each symbol's returns lie on the date axis. */
export interface ObservationSpans {
  /** First index with a return (`dates.length` when there is none). */
  readonly start: Int32Array;
  /** One past the last index with a return (0 when there is none). */
  readonly end: Int32Array;
  /** Number of returns. */
  readonly count: Int32Array;
  /** 1 when the symbol misses a return strictly inside `[start, end)` (an internal gap). */
  readonly gapped: Uint8Array;
}

/**
 * First and last return index, count and internal-gap flag of every symbol.
 * @example observationSpans(returnMatrix({ dates: ["a", "b", "c", "d"], symbols: ["X", "Y"],
 *   columns: [[1, 2, null, 4], [1, 2, 3, 4]] }))
 * // axis b, c, d; X has returns on b and d: start [0, 0], end [3, 3], count [2, 3], gapped [1, 0]
 */
export function observationSpans(matrix: ReturnMatrix): ObservationSpans {
  const n = matrix.symbols.length;
  const T = matrix.dates.length;
  const start = new Int32Array(n).fill(T);
  const end = new Int32Array(n);
  const count = new Int32Array(n);
  const gapped = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const p = matrix.present[j] as Uint8Array;
    let c = 0;
    let first = T;
    let last = -1;
    for (let t = 0; t < T; t++) {
      if (p[t] === 1) {
        c++;
        if (first === T) first = t;
        last = t;
      }
    }
    start[j] = first;
    end[j] = last + 1;
    count[j] = c;
    gapped[j] = c > 0 && c !== last + 1 - first ? 1 : 0;
  }
  return { start, end, count, gapped };
}

/** Periods per year used to annualise (252 trading days by default; 365 for crypto, 52, 12, …). */
export const DEFAULT_PERIODS_PER_YEAR = 252;

/** A positive finite number of periods per year; throws naming `periodsPerYear`. */
export function assertPeriodsPerYear(value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalidInput("periodsPerYear", `must be a positive finite number, got ${String(value)}`);
  }
}

/**
 * Decay `α = 2 / (span + 1)` of an exponentially weighted average, as pandas `ewm(span=…)`;
 * `span ≥ 1` (so `0 < α ≤ 1`). The weight of the observation k periods before the last is
 * `(1 − α)^k`.
 * @example ewmaAlpha(3) // 0.5
 */
export function ewmaAlpha(span: number, field = "span"): number {
  if (typeof span !== "number" || !Number.isFinite(span) || span < 1) {
    throw invalidInput(field, `must be a finite number ≥ 1, got ${String(span)}`);
  }
  return 2 / (span + 1);
}
