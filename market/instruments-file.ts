import { z } from "zod";
import { ASSET_CLASSES } from "../tools/asset-class.js";
import { isValidSymbol } from "../tools/price-table.js";
import { MarketDataError, type Instrument } from "./types.js";
import { isCurrencyCode } from "./window.js";

/**
 * The reference-data file format shared by the bundled sample (`market/data/instruments.json`)
 * and a `csv:<dir>` (optional `instruments.json` beside the price files):
 *
 * `{ "instruments": [ { "symbol", "name", "assetClass", "sector"?, "issuer"?, "currency",
 * "lotSize"? (default 1), "fractional"? (default false), "tradable"? (default true), "note"? } ] }`
 *
 * `note` is for human readers (a rename, a delisting) and is not part of {@link Instrument}.
 * Unknown keys are rejected, so a misspelt `lotsize` cannot silently fall back to the default.
 */
const InstrumentEntrySchema = z
  .object({
    symbol: z.string().refine(isValidSymbol, "invalid symbol"),
    name: z.string().min(1),
    assetClass: z.enum(ASSET_CLASSES),
    sector: z.string().min(1).optional(),
    issuer: z.string().min(1).optional(),
    currency: z.string().refine(isCurrencyCode, "invalid currency code"),
    lotSize: z.number().positive().finite().default(1),
    fractional: z.boolean().default(false),
    tradable: z.boolean().default(true),
    note: z.string().optional(),
  })
  .strict();

const InstrumentsFileSchema = z.object({ instruments: z.array(InstrumentEntrySchema) }).strict();

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

/**
 * Parses an instruments file, returning reference data by symbol. Throws
 * `MarketDataError("PROVIDER_MALFORMED")` naming the file and the entry (`instruments.json
 * instruments[3].currency`) on invalid JSON, a bad entry or a symbol listed twice.
 *
 * @example parseInstrumentsFile('{"instruments":[{"symbol":"X","name":"X Corp","assetClass":"equity","currency":"USD"}]}', "i.json").get("X")?.lotSize // 1
 */
export function parseInstrumentsFile(text: string, source: string): Map<string, Instrument> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : "parse error";
    throw new MarketDataError("PROVIDER_MALFORMED", `${source}: not valid JSON (${why})`, source);
  }
  const parsed = InstrumentsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : issuePath(issue.path).replace(/^\./, "");
    const field = where === "" ? source : `${source} ${where}`;
    throw new MarketDataError(
      "PROVIDER_MALFORMED",
      `${field}: ${issue?.message ?? "invalid"}`,
      field,
    );
  }
  const out = new Map<string, Instrument>();
  parsed.data.instruments.forEach((entry, i) => {
    if (out.has(entry.symbol)) {
      const field = `${source} instruments[${i}].symbol`;
      throw new MarketDataError(
        "PROVIDER_MALFORMED",
        `${field}: ${entry.symbol} is listed twice`,
        field,
      );
    }
    out.set(entry.symbol, {
      symbol: entry.symbol,
      name: entry.name,
      assetClass: entry.assetClass,
      ...(entry.sector === undefined ? {} : { sector: entry.sector }),
      ...(entry.issuer === undefined ? {} : { issuer: entry.issuer }),
      currency: entry.currency,
      lotSize: entry.lotSize,
      fractional: entry.fractional,
      tradable: entry.tradable,
    });
  });
  return out;
}

/**
 * Default reference data for a symbol with none on file: an equity in USD, lot 1, whole units,
 * tradable, named by its symbol. Providers that use it say so in their `SourceRecord`.
 *
 * @example defaultInstrument("XYZ").currency // "USD"
 */
export function defaultInstrument(symbol: string): Instrument {
  return {
    symbol,
    name: symbol,
    assetClass: "equity",
    currency: "USD",
    lotSize: 1,
    fractional: false,
    tradable: true,
  };
}

/** What {@link defaultInstrument} assumes, worded for a `SourceRecord.detail`. */
export const DEFAULT_INSTRUMENT_ASSUMPTION =
  "reference data assumed (equity, USD, lot 1, whole units, tradable, name = symbol)";
