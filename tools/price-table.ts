import { invalidInput } from "./errors.js";

/**
 * A table of daily prices: one date axis, one column per symbol, `null` where a symbol has no
 * price that day (before its first listing, after delisting, or a gap). Dates are ISO
 * `YYYY-MM-DD`, strictly increasing. Prices are positive and finite.
 */
export interface PriceTable {
  readonly dates: readonly string[];
  readonly symbols: readonly string[];
  /** `columns[j][t]` is the price of `symbols[j]` on `dates[t]`. */
  readonly columns: readonly (readonly (number | null)[])[];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SYMBOL = /^\^?[A-Za-z0-9][A-Za-z0-9.\-_=^/]{0,31}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** A symbol: 1–32 characters, letters, digits and `. - _ = ^ /`, starting with a letter or digit (or `^` for an index such as `^GSPC`). */
export function isValidSymbol(value: string): boolean {
  return SYMBOL.test(value);
}

/**
 * Parses the price CSV format: first column `date` (ISO), one column per symbol, adjusted closes,
 * an empty cell = no price that day. Rejects, naming the line and column: a missing or wrong
 * header, duplicate symbols, a row with the wrong number of cells, an invalid, duplicate or
 * out-of-order date, a non-numeric cell, NaN/Infinity, and a price ≤ 0. Nothing is half-parsed:
 * it returns the whole table or throws.
 *
 * @example parsePriceCsv("date,A\n2024-01-02,10\n2024-01-03,11\n").columns // [[10, 11]]
 */
export function parsePriceCsv(text: string, source = "prices"): PriceTable {
  if (typeof text !== "string") throw invalidInput(source, "must be CSV text");
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === "") lines.pop();
  if (lines.length === 0) throw invalidInput(source, "is empty; expected a header `date,SYMBOL,…`");
  const header = (lines[0] as string).split(",").map((h) => h.trim());
  if ((header[0] ?? "").toLowerCase() !== "date") {
    throw invalidInput(`${source}:1`, `first column must be "date", got "${header[0] ?? ""}"`);
  }
  const symbols = header.slice(1);
  if (symbols.length === 0) throw invalidInput(`${source}:1`, "has no symbol columns");
  const seen = new Set<string>();
  for (const s of symbols) {
    if (!isValidSymbol(s)) throw invalidInput(`${source}:1`, `invalid symbol "${s}"`);
    if (seen.has(s)) throw invalidInput(`${source}:1`, `duplicate symbol "${s}"`);
    seen.add(s);
  }
  if (lines.length < 2) throw invalidInput(source, "has a header but no rows");

  const dates: string[] = [];
  const columns: (number | null)[][] = symbols.map(() => []);
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const cells = (lines[i] as string).split(",");
    if (cells.length !== header.length) {
      throw invalidInput(
        `${source}:${lineNo}`,
        `has ${cells.length} cells, expected ${header.length}`,
      );
    }
    const date = (cells[0] as string).trim();
    if (!isIsoDate(date)) {
      throw invalidInput(`${source}:${lineNo}`, `invalid date "${date}" (expected YYYY-MM-DD)`);
    }
    const prev = dates[dates.length - 1];
    if (prev !== undefined && date <= prev) {
      throw invalidInput(
        `${source}:${lineNo}`,
        date === prev
          ? `duplicate date ${date}`
          : `date ${date} is before ${prev}; dates must be sorted ascending`,
      );
    }
    dates.push(date);
    for (let j = 0; j < symbols.length; j++) {
      const raw = (cells[j + 1] as string).trim();
      const column = columns[j] as (number | null)[];
      if (raw === "") {
        column.push(null);
        continue;
      }
      const field = `${source}:${lineNo} ${symbols[j] as string}`;
      if (!NUMBER.test(raw)) throw invalidInput(field, `is not a number: "${raw}"`);
      const value = Number(raw);
      if (!Number.isFinite(value)) throw invalidInput(field, `is not finite: "${raw}"`);
      if (value <= 0) throw invalidInput(field, `price must be positive, got ${raw}`);
      column.push(value);
    }
  }
  return { dates, symbols, columns };
}

/** The column of one symbol; throws naming the symbol when the table does not have it. */
export function priceColumn(table: PriceTable, symbol: string): readonly (number | null)[] {
  const j = table.symbols.indexOf(symbol);
  if (j < 0)
    throw invalidInput(symbol, `unknown symbol; the table has ${table.symbols.join(", ")}`);
  return table.columns[j] as readonly (number | null)[];
}
