import {
  MarketDataError,
  type Bar,
  type BarsRequest,
  type BarsResult,
  type FxRequest,
  type FxResult,
  type MarketDataProvider,
} from "./types.js";
import { clipBars, validateBarsRequest, validateFxRequest } from "./window.js";

/**
 * Wraps any provider so that its answers pass through `window.ts` whatever the provider does
 * inside: the request is validated first (`validateBarsRequest` / `validateFxRequest`), every
 * returned series is clipped to `[from, asOf]`, and an answer missing a requested symbol or
 * currency is `PROVIDER_MALFORMED` (never partial data). The window reported is the request's.
 * `createProvider` returns every provider wrapped, so point-in-time holds for all of them.
 *
 * @example (await withPointInTime(p).bars({ symbols: ["A"], asOf: "2024-01-02" })).series.A // no bar after 2024-01-02
 */
export function withPointInTime<P extends MarketDataProvider>(provider: P): P {
  const clipAll = (
    wanted: readonly string[],
    got: Readonly<Record<string, readonly Bar[]>>,
    window: { asOf: string; from: string | undefined },
    what: string,
  ): Record<string, readonly Bar[]> => {
    const out: Record<string, readonly Bar[]> = {};
    for (const key of wanted) {
      const bars = got[key];
      if (bars === undefined) {
        throw new MarketDataError(
          "PROVIDER_MALFORMED",
          `the ${provider.name} provider answered without ${what} ${key}`,
          key,
        );
      }
      out[key] = clipBars(bars, window);
    }
    return out;
  };

  const guarded: MarketDataProvider = {
    name: provider.name,
    universe: () => provider.universe(),
    instruments: (symbols) => provider.instruments(symbols),
    async bars(request: BarsRequest): Promise<BarsResult> {
      const valid = validateBarsRequest(request);
      const result = await provider.bars({
        symbols: valid.symbols,
        asOf: valid.asOf,
        ...(valid.from === undefined ? {} : { from: valid.from }),
      });
      const series = clipAll(valid.symbols, result.series, valid, "symbol");
      return {
        series,
        window: { from: result.window.from, to: valid.asOf },
        sources: result.sources,
      };
    },
    async fx(request: FxRequest): Promise<FxResult> {
      const valid = validateFxRequest(request);
      const result = await provider.fx({
        base: valid.base,
        currencies: valid.currencies,
        asOf: valid.asOf,
        ...(valid.from === undefined ? {} : { from: valid.from }),
      });
      const rates = clipAll(valid.currencies, result.rates, valid, "currency");
      return {
        base: result.base,
        rates,
        window: { from: result.window.from, to: valid.asOf },
        sources: result.sources,
      };
    },
  };
  // Keep provider-specific extras (e.g. `lastDate`) while routing the contract through the guard.
  return Object.assign(Object.create(provider) as P, guarded);
}
