import type { PriceTable } from "../tools/price-table.js";
import { DEFAULT_INSTRUMENT_ASSUMPTION } from "./instruments-file.js";
import {
  MarketDataError,
  type Bar,
  type BarsRequest,
  type BarsResult,
  type FxRequest,
  type FxResult,
  type Instrument,
  type MarketDataProvider,
  type SourceRecord,
} from "./types.js";
import { clipBars, resultWindow, validateBarsRequest, validateFxRequest } from "./window.js";

/**
 * The in-memory half shared by the `sample` and `csv:<dir>` providers: a dataset loaded once
 * (lazily, on first use) and served through the one point-in-time gate in `window.ts`.
 */

/** The currency FX quotes are stored against: `fx[C]` = units of USD per one unit of C. */
export const FX_PIVOT = "USD";

/** A dataset held in memory. Every series ascending by date, bars frozen. */
export interface LocalDataset {
  readonly series: ReadonlyMap<string, readonly Bar[]>;
  readonly instruments: ReadonlyMap<string, Instrument>;
  /** Per symbol: the detail of the source it came from (a file and its SHA-256). */
  readonly sourceDetail: ReadonlyMap<string, string>;
  /** Symbols whose reference data was assumed rather than read (see `defaultInstrument`). */
  readonly assumedInstruments: ReadonlySet<string>;
  /** Units of {@link FX_PIVOT} per one unit of each currency, ascending by date. */
  readonly fx: ReadonlyMap<string, readonly Bar[]>;
  /** Detail of the FX source, when there is one. */
  readonly fxDetail: string | undefined;
}

/** A provider whose history is finite and known: it can say its last date (default as-of). */
export interface LocalProvider extends MarketDataProvider {
  readonly name: "sample" | "csv";
  /** The latest date any of `symbols` (default: the whole universe) has a bar on. */
  lastDate(symbols?: readonly string[]): Promise<string>;
}

/**
 * Columns of a price table as frozen bar series (missing cells skipped), keyed by symbol.
 *
 * @example tableSeries({ dates: ["2024-01-02", "2024-01-03"], symbols: ["A"], columns: [[null, 2]] }).get("A") // [{ date: "2024-01-03", close: 2 }]
 */
export function tableSeries(table: PriceTable): Map<string, readonly Bar[]> {
  const out = new Map<string, readonly Bar[]>();
  table.symbols.forEach((symbol, j) => {
    const column = table.columns[j] as readonly (number | null)[];
    const bars: Bar[] = [];
    for (let t = 0; t < column.length; t++) {
      const close = column[t];
      if (close !== null && close !== undefined) {
        bars.push(Object.freeze({ date: table.dates[t] as string, close }));
      }
    }
    out.set(symbol, Object.freeze(bars));
  });
  return out;
}

function unknownSymbols(
  provider: string,
  missing: readonly string[],
  field: string,
  what = "symbol",
): MarketDataError {
  return new MarketDataError(
    "UNKNOWN_SYMBOL",
    `unknown ${what}${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (not served by the ${provider} provider)`,
    field,
  );
}

/** Cross rate on common dates: `num[t] / den[t]` in units of den's currency per unit of num's. */
function crossRate(num: readonly Bar[], den: readonly Bar[]): Bar[] {
  const out: Bar[] = [];
  let j = 0;
  for (const bar of num) {
    while (j < den.length && (den[j] as Bar).date < bar.date) j++;
    const d = den[j];
    if (d !== undefined && d.date === bar.date)
      out.push({ date: bar.date, close: bar.close / d.close });
  }
  return out;
}

/**
 * Builds a {@link LocalProvider} over a dataset loaded by `load` on first use. A failed load is
 * not cached (the next call retries, e.g. after the user fixes a file).
 *
 * FX: `fx({ base: B, currencies: [C] })` returns, per C, units of B per one unit of C: the stored
 * quote `fx[C]` when B is USD, `1 / fx[B]` when C is USD, else the cross `fx[C] / fx[B]` on the
 * dates both have. The base itself (C = B) is one bar `{ date: asOf, close: 1 }`. A currency
 * with no quotes is `UNKNOWN_SYMBOL` naming it.
 */
export function createLocalProvider(
  name: "sample" | "csv",
  load: () => Promise<LocalDataset>,
): LocalProvider {
  let cached: Promise<LocalDataset> | undefined;
  const dataset = (): Promise<LocalDataset> => {
    if (cached === undefined) {
      const pending = load();
      cached = pending;
      pending.catch(() => {
        if (cached === pending) cached = undefined;
      });
    }
    return cached;
  };

  const pivotSeries = (data: LocalDataset, currency: string, field: string): readonly Bar[] => {
    const quotes = data.fx.get(currency);
    if (quotes === undefined) {
      const known = [FX_PIVOT, ...data.fx.keys()].join(", ");
      throw new MarketDataError(
        "UNKNOWN_SYMBOL",
        `no FX rate for ${currency} from the ${name} provider (it has ${known})`,
        field,
      );
    }
    return quotes;
  };

  return {
    name,

    async universe() {
      return [...(await dataset()).series.keys()];
    },

    async lastDate(symbols) {
      const data = await dataset();
      const wanted = symbols ?? [...data.series.keys()];
      const missing = wanted.filter((s) => !data.series.has(s));
      if (missing.length > 0) throw unknownSymbols(name, missing, "symbols");
      let last = "";
      for (const s of wanted) {
        const bars = data.series.get(s) as readonly Bar[];
        const bar = bars[bars.length - 1];
        if (bar !== undefined && bar.date > last) last = bar.date;
      }
      if (last === "") {
        throw new MarketDataError("INVALID_REQUEST", `the ${name} provider has no bars`, "symbols");
      }
      return last;
    },

    async bars(request: BarsRequest): Promise<BarsResult> {
      const valid = validateBarsRequest(request);
      const data = await dataset();
      const missing = valid.symbols.filter((s) => !data.series.has(s));
      if (missing.length > 0) throw unknownSymbols(name, missing, "symbols");

      const series: Record<string, readonly Bar[]> = {};
      const bySource = new Map<string, string[]>();
      for (const symbol of valid.symbols) {
        series[symbol] = clipBars(data.series.get(symbol) as readonly Bar[], valid);
        const detail = data.sourceDetail.get(symbol) ?? name;
        const group = bySource.get(detail) ?? [];
        group.push(symbol);
        bySource.set(detail, group);
      }
      const sources: SourceRecord[] = [...bySource].map(([detail, symbols]) => {
        const assumed = symbols.filter((s) => data.assumedInstruments.has(s));
        return {
          provider: name,
          detail:
            assumed.length === 0
              ? detail
              : `${detail}; ${DEFAULT_INSTRUMENT_ASSUMPTION} for ${assumed.join(", ")}`,
          symbols,
        };
      });
      return { series, window: resultWindow(valid, series), sources };
    },

    async instruments(symbols) {
      const data = await dataset();
      const missing = symbols.filter((s) => !data.instruments.has(s));
      if (missing.length > 0) throw unknownSymbols(name, missing, "symbols");
      const out: Record<string, Instrument> = {};
      for (const s of symbols) out[s] = data.instruments.get(s) as Instrument;
      return out;
    },

    async fx(request: FxRequest): Promise<FxResult> {
      const valid = validateFxRequest(request);
      const data = await dataset();
      const { base, asOf } = valid;
      const baseQuotes = base === FX_PIVOT ? undefined : pivotSeries(data, base, "base");
      const rates: Record<string, readonly Bar[]> = {};
      valid.currencies.forEach((currency, i) => {
        let bars: readonly Bar[];
        if (currency === base) bars = [{ date: asOf, close: 1 }];
        else {
          const quotes =
            currency === FX_PIVOT ? undefined : pivotSeries(data, currency, `currencies[${i}]`);
          if (baseQuotes === undefined) bars = quotes as readonly Bar[];
          else if (quotes === undefined)
            bars = baseQuotes.map((b) => ({ date: b.date, close: 1 / b.close }));
          else bars = crossRate(quotes, baseQuotes);
        }
        rates[currency] = clipBars(bars, valid);
      });
      const used = valid.currencies.some((c) => c !== base);
      const sources: SourceRecord[] = [
        {
          provider: name,
          detail:
            used && data.fxDetail !== undefined
              ? `${data.fxDetail} (units of USD per unit; crossed through USD for base ${base})`
              : `${base} is the base: rate 1 by definition`,
          symbols: [...valid.currencies],
        },
      ];
      return { base, rates, window: resultWindow(valid, rates), sources };
    },
  };
}
