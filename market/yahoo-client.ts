import type YahooFinance from "yahoo-finance2";

/**
 * The slice of yahoo-finance2 (v3) the yahoo provider uses, as an injectable interface. A real
 * `new YahooFinance()` instance satisfies it as it is (checked by the compiler in
 * {@link createYahooClient}); tests pass objects that answer with recorded responses. Results are
 * `unknown` on purpose: the provider validates every answer with zod (yahoo-schemas.ts) rather
 * than trusting the library's types.
 */

/** Per-call options: the abort signal of the per-call timeout reaches `fetch` through here. */
export interface YahooModuleOptions {
  readonly fetchOptions?: { readonly signal?: AbortSignal };
}

/** The `chart` query the provider sends: daily bars between two instants, array-shaped result. */
export interface YahooChartQuery {
  readonly period1: Date;
  readonly period2: Date;
  readonly interval: "1d";
  readonly return: "array";
}

export interface YahooClient {
  /** Documented result: `{ meta: { currency, symbol, exchangeTimezoneName, gmtoffset, … }, quotes: [{ date, open, high, low, close, adjclose?, volume }] }`. */
  chart(
    symbol: string,
    query: YahooChartQuery,
    moduleOptions?: YahooModuleOptions,
  ): Promise<unknown>;
  /** Documented result (array form): `[{ symbol, quoteType, currency, longName, shortName, … }]`; unknown symbols are absent. */
  quote(
    symbols: string[],
    query?: { readonly return: "array" },
    moduleOptions?: YahooModuleOptions,
  ): Promise<unknown>;
}

/** Constructor options of yahoo-finance2's client (queue, logger, fetch, …), passed through. */
export type YahooFinanceOptions = NonNullable<ConstructorParameters<typeof YahooFinance>[0]>;

/**
 * The real client: a `new YahooFinance(options)` from yahoo-finance2, loaded on first use so that
 * importing the provider (and every test) never loads the network library. The library's own
 * queue stays at its defaults; the provider's policy (yahoo-resilience.ts) does the limiting.
 *
 * @example const provider = createYahooProvider({ client: await createYahooClient(), clock: () => new Date() });
 */
export async function createYahooClient(options: YahooFinanceOptions = {}): Promise<YahooClient> {
  const { default: YahooFinanceClient } = await import("yahoo-finance2");
  const client: YahooClient = new YahooFinanceClient({
    suppressNotices: ["yahooSurvey"],
    ...options,
  });
  return client;
}
