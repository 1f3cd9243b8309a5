import { z } from "zod";
import type { AssetClass } from "../tools/asset-class.js";
import { type Bar, type Instrument, MarketDataError } from "./types.js";

/**
 * zod schemas for the two yahoo-finance2 results the provider reads, and their conversion to
 * Steward's types. Every answer is validated here, whatever the library already checked: a
 * payload that does not match is `PROVIDER_MALFORMED` naming the first offending path, and no
 * part of it is used.
 */

/** An instant as yahoo-finance2 returns it (a Date) or as a recorded response holds it (ISO text). */
const Instant = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "string" ? new Date(v) : v));

const Price = z.number().nullable();

/** One row of `chart(…, { return: "array" }).quotes`. Unused fields (open, high, low) are not checked. */
const ChartQuote = z.object({
  date: Instant,
  close: Price,
  adjclose: Price.optional(),
  volume: z.number().nonnegative().nullable().optional(),
});

export const ChartResultSchema = z.object({
  meta: z.object({
    symbol: z.string().min(1),
    currency: z.string().min(1),
    exchangeTimezoneName: z.string().min(1),
    gmtoffset: z.number(),
  }),
  quotes: z.array(ChartQuote),
});

/** One element of `quote([…], { return: "array" })`. */
const QuoteItem = z.object({
  symbol: z.string().min(1),
  quoteType: z.string().min(1),
  currency: z.string().min(1).optional(),
  longName: z.string().optional(),
  shortName: z.string().optional(),
  displayName: z.string().optional(),
});
export type YahooQuote = z.infer<typeof QuoteItem>;

export const QuoteResultSchema = z.array(QuoteItem);

/** `quotes[3].close` from a zod path. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
}

function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown, what: string, field: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where =
    issue === undefined ? "" : ` at ${pathText(issue.path) || "(root)"}: ${issue.message}`;
  throw new MarketDataError(
    "PROVIDER_MALFORMED",
    `yahoo ${what} returned a malformed payload${where}`,
    field,
  );
}

/** YYYY-MM-DD of `instant` on the exchange's wall clock (time zone name; fixed offset as fallback). */
function localDater(timeZone: string, gmtoffset: number): (instant: Date) => string {
  try {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    return (instant) => {
      const parts: Record<string, string> = {};
      for (const p of format.formatToParts(instant)) parts[p.type] = p.value;
      return `${parts.year}-${parts.month}-${parts.day}`;
    };
  } catch {
    return (instant) => new Date(instant.getTime() + gmtoffset * 1000).toISOString().slice(0, 10);
  }
}

export interface ParsedChart {
  readonly symbol: string;
  readonly currency: string;
  /** Ascending, one per exchange-local date; not yet clipped to the request window. */
  readonly bars: readonly Bar[];
  /** Which price the closes are: `adjclose` when the answer carries it, else the raw `close`. */
  readonly closeField: "adjclose" | "close";
}

/**
 * Validates a chart answer and turns it into daily bars. A bar's date is the exchange-local date
 * of its timestamp (Yahoo stamps daily bars at the session open, so a UTC date would shift Asian
 * and Pacific markets). Closes are `adjclose` when the answer carries that field at all (rows
 * where it is null are skipped, never mixed with raw closes), else `close` (rows with a null
 * close are skipped: Yahoo's placeholder for a day without trades). Volume is kept when present.
 * Two rows on one date (Yahoo appends a live row for the current session) keep the later one;
 * dates going backwards, or an answer for another symbol, are `PROVIDER_MALFORMED`.
 */
export function parseChart(raw: unknown, requested: string, field: string): ParsedChart {
  const chart = parseOrThrow(ChartResultSchema, raw, `chart(${requested})`, field);
  if (chart.meta.symbol.toUpperCase() !== requested.toUpperCase()) {
    throw new MarketDataError(
      "PROVIDER_MALFORMED",
      `yahoo chart(${requested}) answered for ${chart.meta.symbol}`,
      field,
    );
  }
  const closeField = chart.quotes.some((q) => q.adjclose !== undefined) ? "adjclose" : "close";
  const dater = localDater(chart.meta.exchangeTimezoneName, chart.meta.gmtoffset);
  const bars: Bar[] = [];
  for (let i = 0; i < chart.quotes.length; i++) {
    const q = chart.quotes[i] as (typeof chart.quotes)[number];
    const close = closeField === "adjclose" ? q.adjclose : q.close;
    if (close === null || close === undefined) continue;
    const date = dater(q.date);
    const bar: Bar =
      q.volume === null || q.volume === undefined
        ? { date, close }
        : { date, close, volume: q.volume };
    const previous = bars[bars.length - 1];
    if (previous !== undefined && date < previous.date) {
      throw new MarketDataError(
        "PROVIDER_MALFORMED",
        `yahoo chart(${requested}) quotes go back in time at quotes[${i}] (${date} after ${previous.date})`,
        field,
      );
    }
    if (previous !== undefined && date === previous.date) bars[bars.length - 1] = bar;
    else bars.push(bar);
  }
  return { symbol: chart.meta.symbol, currency: chart.meta.currency, bars, closeField };
}

/** Validates a quote answer (array form). */
export function parseQuotes(raw: unknown, field: string): readonly YahooQuote[] {
  return parseOrThrow(QuoteResultSchema, raw, "quote", field);
}

/** How a Yahoo `quoteType` maps onto Steward's instrument fields. */
export interface QuoteTypeMapping {
  readonly assetClass: AssetClass;
  readonly tradable: boolean;
  readonly fractional: boolean;
}

/**
 * Yahoo `quoteType` → asset class. Indices are reference series (benchmarks): classed as equity
 * and not tradable. Futures are classed as commodity, as most held futures are; money-market
 * funds are cash. Fractional units: crypto, mutual funds, FX and cash. Any other type (OPTION,
 * ALTSYMBOL, …) is not something Steward holds: `UNKNOWN_SYMBOL`.
 */
export const QUOTE_TYPES: Readonly<Record<string, QuoteTypeMapping>> = {
  EQUITY: { assetClass: "equity", tradable: true, fractional: false },
  ECNQUOTE: { assetClass: "equity", tradable: true, fractional: false },
  ETF: { assetClass: "etf", tradable: true, fractional: false },
  MUTUALFUND: { assetClass: "mutual_fund", tradable: true, fractional: true },
  MONEYMARKET: { assetClass: "cash", tradable: true, fractional: true },
  CRYPTOCURRENCY: { assetClass: "crypto", tradable: true, fractional: true },
  CURRENCY: { assetClass: "fx", tradable: true, fractional: true },
  FUTURE: { assetClass: "commodity", tradable: true, fractional: false },
  INDEX: { assetClass: "equity", tradable: false, fractional: false },
};

/**
 * An Instrument from a validated quote: name = longName, else shortName, else displayName, else
 * the symbol; lot size 1; the quote's currency (required: without it the price means nothing).
 */
export function quoteToInstrument(quote: YahooQuote, requested: string, field: string): Instrument {
  const mapping = Object.hasOwn(QUOTE_TYPES, quote.quoteType)
    ? QUOTE_TYPES[quote.quoteType]
    : undefined;
  if (mapping === undefined) {
    throw new MarketDataError(
      "UNKNOWN_SYMBOL",
      `yahoo reports ${requested} as quoteType ${quote.quoteType}, which Steward does not hold`,
      field,
    );
  }
  if (quote.currency === undefined) {
    throw new MarketDataError(
      "PROVIDER_MALFORMED",
      `yahoo quote for ${requested} has no currency`,
      field,
    );
  }
  return {
    symbol: requested,
    name: quote.longName ?? quote.shortName ?? quote.displayName ?? requested,
    assetClass: mapping.assetClass,
    currency: quote.currency,
    lotSize: 1,
    fractional: mapping.fractional,
    tradable: mapping.tradable,
  };
}
