import type { PriceCache } from "./price-cache.js";
import { shiftIsoDate } from "./price-cache.js";
import {
  type Bar,
  type BarsRequest,
  type BarsResult,
  type FxRequest,
  type FxResult,
  type Instrument,
  MarketDataError,
  type MarketDataProvider,
  type SourceRecord,
  type Window,
} from "./types.js";
import { clipBars, resultWindow, validateBarsRequest, validateFxRequest } from "./window.js";
import type { YahooClient } from "./yahoo-client.js";
import {
  DEFAULT_YAHOO_RESILIENCE,
  SkippedCall,
  type YahooResilienceOptions,
  createYahooPolicy,
} from "./yahoo-resilience.js";
import { parseChart, parseQuotes, quoteToInstrument } from "./yahoo-schemas.js";
import { isValidSymbol } from "../tools/price-table.js";

/**
 * The `yahoo` provider: daily bars and FX through yahoo-finance2's `chart`, reference data
 * through `quote`, every call under the resilience policy (yahoo-resilience.ts) and every answer
 * validated with zod (yahoo-schemas.ts).
 *
 * Decisions:
 * - All or nothing: a multi-symbol request either answers every symbol or throws the first
 *   failure (in request order) as a MarketDataError; calls not yet started are skipped then.
 * - Empty answer (`quotes: []`): the symbol exists but has no bar in the window — an empty series,
 *   which the quality check reports as NO_DATA. Yahoo's "No data found, symbol may be delisted"
 *   (or HTTP 404) is UNKNOWN_SYMBOL; so is a symbol missing from a quote answer.
 * - Point-in-time: Yahoo is asked for two days either side of the window (bar timestamps are
 *   session opens in the exchange's zone) and the answer is clipped to `[from, asOf]` by local
 *   date: nothing after `asOf` is returned, whatever Yahoo sends.
 * - Cache (optional): answers are written to the PriceCache with the window they cover, cut at
 *   the day before the fetch (a bar of the fetch day may be a live, unfinished session, so it is
 *   returned but never cached). A later request whose window the cache covers is served from it
 *   with `SourceRecord.cached = true` and no call to Yahoo.
 * - FX: the rate for currency C in base B is the close of Yahoo's `CB=X` (units of B per C); the
 *   base itself is one bar `{ date: asOf, close: 1 }`, as in the local providers.
 */
export interface YahooProviderOptions {
  readonly client: YahooClient;
  /** What "now" is: stamps fetches and decides which days are final. */
  readonly clock: () => Date;
  readonly cache?: PriceCache;
  readonly resilience?: Partial<YahooResilienceOptions>;
  /** Sleep used by the rate limiter (default: a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** First date asked for when a request has no `from` (default 1970-01-01). */
  readonly historyStart?: string;
  /** Symbols per `quote` call (default 50). */
  readonly quoteBatchSize?: number;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

interface Wanted {
  readonly ticker: string;
  readonly field: string;
}

interface Loaded {
  readonly series: Record<string, readonly Bar[]>;
  readonly sources: SourceRecord[];
}

const covers = (fetched: Window | null | undefined, window: Window): boolean =>
  fetched !== null &&
  fetched !== undefined &&
  fetched.from <= window.from &&
  fetched.to >= window.to;

/** A moment as a Date at 00:00 UTC of an ISO date. */
const utcMidnight = (date: string): Date => new Date(`${date}T00:00:00Z`);

/** Creates the yahoo provider. @example createYahooProvider({ client: await createYahooClient(), clock: () => new Date(), cache }) */
export function createYahooProvider(options: YahooProviderOptions): MarketDataProvider {
  const { client, clock, cache } = options;
  const resilience = { ...DEFAULT_YAHOO_RESILIENCE, ...options.resilience };
  const policy = createYahooPolicy(resilience, clock, options.sleep ?? defaultSleep);
  const historyStart = options.historyStart ?? "1970-01-01";
  const batchSize = options.quoteBatchSize ?? 50;

  /** Runs `calls` all or nothing: once one fails, calls not yet started are skipped. */
  async function allOrNothing<T>(
    count: number,
    call: (index: number, skipIfFailed: () => void) => Promise<T>,
  ): Promise<T[]> {
    let failed = false;
    const skipIfFailed = (): void => {
      if (failed) throw new SkippedCall();
    };
    const settled = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        call(i, skipIfFailed).catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
    const failure = settled.find(
      (s): s is PromiseRejectedResult =>
        s.status === "rejected" && !(s.reason instanceof SkippedCall),
    );
    if (failure !== undefined) throw failure.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  /** Bars for each wanted ticker over [from, asOf], from the cache when it covers the window. */
  async function load(wanted: readonly Wanted[], from: string, asOf: string): Promise<Loaded> {
    const window: Window = { from, to: asOf };
    const tickers = wanted.map((w) => w.ticker);
    const coverage = cache === undefined ? {} : await cache.coverageMany("yahoo", tickers);
    const hits = wanted.filter((w) => covers(coverage[w.ticker]?.fetched, window));
    const misses = wanted.filter((w) => !hits.includes(w));

    const period1 = utcMidnight(shiftIsoDate(from, -2));
    const period2 = utcMidnight(shiftIsoDate(asOf, 2));
    const fetchedAt = clock();
    const fetched = await allOrNothing(misses.length, async (i, skipIfFailed) => {
      const { ticker, field } = misses[i] as Wanted;
      const raw = await policy.execute(
        (signal) => {
          skipIfFailed();
          return client.chart(
            ticker,
            { period1, period2, interval: "1d", return: "array" },
            { fetchOptions: { signal } },
          );
        },
        `chart(${ticker})`,
        field,
      );
      return parseChart(raw, ticker, field);
    });

    const series: Record<string, readonly Bar[]> = {};
    const sources: SourceRecord[] = [];
    const originDetail =
      `yahoo-finance2 chart interval=1d period1=${period1.toISOString()} period2=${period2.toISOString()}, ` +
      `adjclose where given else close, clipped to ${from}..${asOf} by exchange-local date; fetched ${fetchedAt.toISOString()}`;
    const cacheTo = [
      asOf,
      shiftIsoDate(fetchedAt.toISOString().slice(0, 10), -1),
    ].sort()[0] as string;
    for (let i = 0; i < misses.length; i++) {
      const { ticker } = misses[i] as Wanted;
      const bars = clipBars((fetched[i] as (typeof fetched)[number]).bars, { from, asOf });
      series[ticker] = bars;
      if (cache !== undefined && cacheTo >= from) {
        const final = clipBars(bars, { from, asOf: cacheTo });
        await cache.putBars("yahoo", ticker, final, {
          detail: originDetail,
          window: { from, to: cacheTo },
        });
      }
    }
    if (misses.length > 0) {
      sources.push({
        provider: "yahoo",
        detail: originDetail,
        symbols: misses.map((w) => w.ticker),
      });
    }

    if (cache !== undefined && hits.length > 0) {
      const stored = await cache.getMany(
        "yahoo",
        hits.map((w) => w.ticker),
        window,
      );
      const byDetail = new Map<string, string[]>();
      for (const { ticker } of hits) {
        series[ticker] = clipBars(stored[ticker] ?? [], { from, asOf });
        const cov = coverage[ticker];
        const detail = `price cache (${cov?.detail ?? "unknown fetch"}; stored ${cov?.fetchedAt ?? "?"})`;
        byDetail.set(detail, [...(byDetail.get(detail) ?? []), ticker]);
      }
      for (const [detail, symbols] of byDetail)
        sources.push({ provider: "yahoo", detail, symbols, cached: true });
    }
    return { series, sources };
  }

  return {
    name: "yahoo",

    async universe() {
      return [];
    },

    async bars(request: BarsRequest): Promise<BarsResult> {
      const valid = validateBarsRequest(request);
      const wanted = valid.symbols.map((ticker, i) => ({ ticker, field: `symbols[${i}]` }));
      const loaded = await load(wanted, valid.from ?? historyStart, valid.asOf);
      const series: Record<string, readonly Bar[]> = {};
      for (const s of valid.symbols) series[s] = loaded.series[s] ?? [];
      return { series, window: resultWindow(valid, series), sources: loaded.sources };
    },

    async instruments(symbols: readonly string[]): Promise<Readonly<Record<string, Instrument>>> {
      const seen = new Set<string>();
      symbols.forEach((s, i) => {
        if (typeof s !== "string" || !isValidSymbol(s)) {
          throw new MarketDataError(
            "INVALID_REQUEST",
            `invalid symbol ${JSON.stringify(s)}`,
            `symbols[${i}]`,
          );
        }
        if (seen.has(s))
          throw new MarketDataError("INVALID_REQUEST", `duplicate symbol ${s}`, `symbols[${i}]`);
        seen.add(s);
      });
      const batches: string[][] = [];
      for (let i = 0; i < symbols.length; i += batchSize)
        batches.push(symbols.slice(i, i + batchSize));
      const answers = await allOrNothing(batches.length, async (b, skipIfFailed) => {
        const batch = batches[b] as string[];
        const field = `symbols[${b * batchSize}]`;
        const raw = await policy.execute(
          (signal) => {
            skipIfFailed();
            return client.quote([...batch], { return: "array" }, { fetchOptions: { signal } });
          },
          `quote(${batch.join(",")})`,
          field,
        );
        return parseQuotes(raw, field);
      });
      const byUpper = new Map(answers.flat().map((q) => [q.symbol.toUpperCase(), q]));
      const out: Record<string, Instrument> = {};
      symbols.forEach((s, i) => {
        const quote = byUpper.get(s.toUpperCase());
        if (quote === undefined) {
          throw new MarketDataError(
            "UNKNOWN_SYMBOL",
            `yahoo has no quote for ${s}`,
            `symbols[${i}]`,
          );
        }
        out[s] = quoteToInstrument(quote, s, `symbols[${i}]`);
      });
      return out;
    },

    async fx(request: FxRequest): Promise<FxResult> {
      const valid = validateFxRequest(request);
      const { base, asOf } = valid;
      const wanted: Wanted[] = [];
      valid.currencies.forEach((c, i) => {
        if (c !== base) wanted.push({ ticker: `${c}${base}=X`, field: `currencies[${i}]` });
      });
      const loaded =
        wanted.length === 0
          ? { series: {}, sources: [] }
          : await load(wanted, valid.from ?? historyStart, asOf);
      const rates: Record<string, readonly Bar[]> = {};
      const sources: SourceRecord[] = [...loaded.sources];
      for (const c of valid.currencies) {
        if (c === base) rates[c] = [{ date: asOf, close: 1 }];
        else
          rates[c] = (loaded.series[`${c}${base}=X`] ?? []).map((b) => ({
            date: b.date,
            close: b.close,
          }));
      }
      if (valid.currencies.includes(base)) {
        sources.push({
          provider: "yahoo",
          detail: `${base} is the base: rate 1 by definition`,
          symbols: [base],
        });
      }
      return { base, rates, window: resultWindow(valid, rates), sources };
    },
  };
}
