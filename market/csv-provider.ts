import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isToolError } from "../tools/errors.js";
import { parsePriceCsv, type PriceTable } from "../tools/price-table.js";
import { defaultInstrument, parseInstrumentsFile } from "./instruments-file.js";
import {
  createLocalProvider,
  FX_PIVOT,
  tableSeries,
  type LocalDataset,
  type LocalProvider,
} from "./local-provider.js";
import { MarketDataError, type Bar, type Instrument } from "./types.js";
import { isCurrencyCode } from "./window.js";

/**
 * `csv:<dir>` — the user's own files. Every `*.csv` in `dir` (not recursive, sorted by name) is a
 * price file in the DESIGN.md §5 format (first column `date`, one column per symbol, adjusted
 * closes, empty cell = missing); a symbol in two files is an error naming both. Two names are
 * reserved:
 *
 * - `instruments.json` (optional): reference data, same shape as `market/data/instruments.json`.
 *   Symbols it does not list get `defaultInstrument` (equity, USD, lot 1, tradable, name =
 *   symbol), and every `SourceRecord` serving them says so.
 * - `fx.csv` (optional): `date,EUR,GBP,…`, each cell the number of **US dollars per one unit** of
 *   the column's currency (EUR 1.08 = one euro buys 1.08 USD). Any base is served by crossing
 *   through USD (see `createLocalProvider`).
 *
 * Files are read on first use and cached by the provider instance. Every problem in a file is a
 * `MarketDataError("PROVIDER_MALFORMED")` whose message and `field` name `file:line` (and the
 * column): non-numeric or non-positive cells, duplicate or unsorted dates, ragged rows.
 */

function malformed(error: unknown): never {
  if (isToolError(error))
    throw new MarketDataError("PROVIDER_MALFORMED", error.message, error.field);
  throw error;
}

async function readText(file: string): Promise<{ text: string; sha: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    throw new MarketDataError("PROVIDER_UNAVAILABLE", `${file}: cannot be read (${code})`, file);
  }
  return { text: bytes.toString("utf8"), sha: createHash("sha256").update(bytes).digest("hex") };
}

function parseTable(text: string, file: string): PriceTable {
  try {
    return parsePriceCsv(text, file);
  } catch (error) {
    return malformed(error);
  }
}

async function loadDirectory(dir: string): Promise<LocalDataset> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such directory"
        : code === "ENOTDIR"
          ? "not a directory"
          : `cannot be read (${code ?? "error"})`;
    throw new MarketDataError("INVALID_REQUEST", `csv:${dir}: ${why}`, "dir");
  }
  const sorted = [...names].sort();
  const priceFiles = sorted.filter((n) => n.toLowerCase().endsWith(".csv") && n !== "fx.csv");
  if (priceFiles.length === 0) {
    throw new MarketDataError("INVALID_REQUEST", `csv:${dir}: no *.csv price files`, "dir");
  }

  const series = new Map<string, readonly Bar[]>();
  const sourceDetail = new Map<string, string>();
  const fileOf = new Map<string, string>();
  for (const name of priceFiles) {
    const file = path.join(dir, name);
    const { text, sha } = await readText(file);
    const table = parseTable(text, file);
    for (const [symbol, bars] of tableSeries(table)) {
      const other = fileOf.get(symbol);
      if (other !== undefined) {
        throw new MarketDataError(
          "PROVIDER_MALFORMED",
          `${file}:1: symbol ${symbol} is also in ${other}; each symbol must come from one file`,
          `${file}:1`,
        );
      }
      fileOf.set(symbol, file);
      series.set(symbol, bars);
      sourceDetail.set(symbol, `${file} sha256:${sha}`);
    }
  }

  const instruments = new Map<string, Instrument>();
  const assumedInstruments = new Set<string>();
  let listed = new Map<string, Instrument>();
  if (sorted.includes("instruments.json")) {
    const file = path.join(dir, "instruments.json");
    listed = parseInstrumentsFile((await readText(file)).text, file);
  }
  for (const symbol of series.keys()) {
    const entry = listed.get(symbol);
    if (entry === undefined) assumedInstruments.add(symbol);
    instruments.set(symbol, entry ?? defaultInstrument(symbol));
  }

  let fx = new Map<string, readonly Bar[]>();
  let fxDetail: string | undefined;
  if (sorted.includes("fx.csv")) {
    const file = path.join(dir, "fx.csv");
    const { text, sha } = await readText(file);
    const table = parseTable(text, file);
    for (const code of table.symbols) {
      if (!isCurrencyCode(code) || code === FX_PIVOT) {
        throw new MarketDataError(
          "PROVIDER_MALFORMED",
          `${file}:1: column "${code}" must be a currency code other than ${FX_PIVOT} (cells are USD per unit)`,
          `${file}:1`,
        );
      }
    }
    fx = tableSeries(table);
    fxDetail = `${file} sha256:${sha}`;
  }
  return { series, instruments, sourceDetail, assumedInstruments, fx, fxDetail };
}

/**
 * The `csv:<dir>` provider over the files in `dir` (resolve it before calling; the provider
 * does not read the working directory).
 *
 * @example (await createCsvProvider(dir).universe()) // ["AAA", "BBB", "CCC"] when dir holds a.csv `date,AAA,BBB…` and b.csv `date,CCC…`
 */
export function createCsvProvider(dir: string): LocalProvider {
  return createLocalProvider("csv", () => loadDirectory(dir));
}
