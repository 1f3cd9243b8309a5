import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parsePriceCsv } from "../tools/price-table.js";
import { parseInstrumentsFile } from "./instruments-file.js";
import {
  createLocalProvider,
  tableSeries,
  type LocalDataset,
  type LocalProvider,
} from "./local-provider.js";
import { MarketDataError, type Bar } from "./types.js";

/**
 * The embedded default provider: real daily adjusted closes bundled in `market/data/` (20 US
 * equities 1989–2018 and SPY 1993–2019; provenance in `market/data/README.md`) and their
 * reference data. Works offline with no keys. Prices are served exactly as written in the files
 * (`Number(cell)`), never adjusted or filled. No FX beyond the base USD: every instrument is in
 * USD, `fx({ base: "USD", currencies: ["USD"] })` is rate 1, any other currency is an
 * `UNKNOWN_SYMBOL` error naming it.
 */

/** The bundled price files, in the order their symbols are listed. */
export const SAMPLE_FILES = ["us-equities-20.csv", "spy.csv"] as const;

const ORIGIN = "PyPortfolioOpt test data, MIT licence; originally Yahoo Finance adjusted closes";

async function readBundled(name: string): Promise<Buffer> {
  const url = new URL(`./data/${name}`, import.meta.url);
  try {
    return await readFile(url);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new MarketDataError(
      "PROVIDER_UNAVAILABLE",
      `bundled sample file ${name} cannot be read (${why})`,
    );
  }
}

async function loadSample(): Promise<LocalDataset> {
  const series = new Map<string, readonly Bar[]>();
  const sourceDetail = new Map<string, string>();
  for (const file of SAMPLE_FILES) {
    const bytes = await readBundled(file);
    const sha = createHash("sha256").update(bytes).digest("hex");
    const table = parsePriceCsv(bytes.toString("utf8"), file);
    for (const [symbol, bars] of tableSeries(table)) {
      if (series.has(symbol)) {
        throw new MarketDataError(
          "PROVIDER_MALFORMED",
          `bundled ${file}: ${symbol} is in two files`,
        );
      }
      series.set(symbol, bars);
      sourceDetail.set(symbol, `bundled ${file} sha256:${sha} (${ORIGIN})`);
    }
  }
  const instrumentsText = (await readBundled("instruments.json")).toString("utf8");
  const instruments = parseInstrumentsFile(instrumentsText, "bundled instruments.json");
  for (const symbol of series.keys()) {
    if (!instruments.has(symbol)) {
      throw new MarketDataError(
        "PROVIDER_MALFORMED",
        `bundled instruments.json has no entry for ${symbol}`,
      );
    }
  }
  return {
    series,
    instruments,
    sourceDetail,
    assumedInstruments: new Set(),
    fx: new Map(),
    fxDetail: undefined,
  };
}

// The bundled files never change while the process runs: parse them once, share the result.
let shared: Promise<LocalDataset> | undefined;
function sampleDataset(): Promise<LocalDataset> {
  if (shared === undefined) {
    const pending = loadSample();
    shared = pending;
    pending.catch(() => {
      if (shared === pending) shared = undefined;
    });
  }
  return shared;
}

/**
 * The `sample` provider. Cheap to create: the bundled files are read and parsed on first use and
 * cached for the life of the process (frozen, shared by every instance).
 *
 * @example (await createSampleProvider().bars({ symbols: ["AAPL"], asOf: "1990-01-02" })).series.AAPL // [{ date: "1989-12-29", close: 0.117203 }, { date: "1990-01-02", close: 0.123853 }]
 */
export function createSampleProvider(): LocalProvider {
  return createLocalProvider("sample", sampleDataset);
}
