import { isIsoDate } from "../tools/price-table.js";
import { generateSimulatedHistory, resolveSimulationOptions } from "./simulated-model.js";
import type { SimulatedHistory, SimulationOptions } from "./simulated-model.js";
import type { RegimeMode } from "./simulated-regimes.js";
import { FX_SYMBOLS } from "./simulated-universe.js";
import type { SimulatedInstrumentSpec } from "./simulated-universe.js";
import { MarketDataError } from "./types.js";
import type {
  Bar,
  BarsRequest,
  BarsResult,
  FxRequest,
  FxResult,
  Instrument,
  MarketDataProvider,
  SourceRecord,
} from "./types.js";

export { listScenarios, SIMULATED_SCENARIOS } from "./simulated-scenarios.js";
export type { ScenarioShock, ScenarioSummary, SimulatedScenario } from "./simulated-scenarios.js";

export interface SimulatedProviderOptions {
  /** Seed of the one random stream behind the whole history; default 42. */
  readonly seed?: number;
  /** A key of SIMULATED_SCENARIOS; default "base". Unknown → MarketDataError (INVALID_REQUEST). */
  readonly scenario?: string;
  /** First date of the simulated history; default 2015-01-02. */
  readonly start?: string;
  /** Last date of the simulated history; default 2024-12-31. */
  readonly end?: string;
  /** "markov" (default) runs the regime chain; "calm" | "normal" | "stressed" holds one regime. */
  readonly regime?: RegimeMode;
  /** First date of the scenario; default the first trading day of the last 20% of the window. */
  readonly scenarioStart?: string;
  /** Replaces the default universe (tests and benchmarks). */
  readonly universe?: readonly SimulatedInstrumentSpec[];
}

/** Currencies `fx()` can convert between; each is also a valid base. */
export const SIMULATED_CURRENCIES = ["USD", "EUR", "GBP", "JPY"] as const;

type Currency = (typeof SIMULATED_CURRENCIES)[number];

function isCurrency(value: string): value is Currency {
  return (SIMULATED_CURRENCIES as readonly string[]).includes(value);
}

/** First index whose date is ≥ `date` (`inclusive`) or > `date` (not), dates ascending. */
function bound(dates: readonly string[], date: string, inclusive: boolean): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const d = dates[mid] as string;
    if (d < date || (!inclusive && d === date)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range [lo, hi) of the dates within [from, to]. */
function slice(dates: readonly string[], from: string, to: string): [number, number] {
  const lo = bound(dates, from, true);
  return [lo, Math.max(lo, bound(dates, to, false))];
}

function checkWindow(
  asOf: unknown,
  from: unknown,
  defaultFrom: string,
): { from: string; to: string } {
  if (typeof asOf !== "string" || !isIsoDate(asOf))
    throw new MarketDataError(
      "INVALID_REQUEST",
      `asOf must be a YYYY-MM-DD date, got ${String(asOf)}`,
      "asOf",
    );
  if (from === undefined) return { from: defaultFrom, to: asOf };
  if (typeof from !== "string" || !isIsoDate(from))
    throw new MarketDataError(
      "INVALID_REQUEST",
      `from must be a YYYY-MM-DD date, got ${String(from)}`,
      "from",
    );
  if (from > asOf)
    throw new MarketDataError("INVALID_REQUEST", `from ${from} is after asOf ${asOf}`, "from");
  return { from, to: asOf };
}

/**
 * The `simulated` provider: a seeded multi-asset market (simulated-universe.ts) with a regime
 * switch (simulated-regimes.ts) and an optional named scenario (simulated-scenarios.ts) on a
 * weekday calendar (no holidays). Crypto trades on the same weekday calendar as everything else:
 * its vols are per weekday and weekend moves are folded into Monday.
 *
 * The whole history is generated once, on the first request, from `createRandom(seed)`; every
 * request is a slice of it clipped to [from, asOf], so nothing after asOf is ever served and the
 * bars up to a date never change when a later asOf is asked. Same options → byte-identical
 * answers. Options are validated at once (MarketDataError INVALID_REQUEST naming the field).
 *
 * `fx()` serves rates between USD, EUR, GBP and JPY for any of them as base: "units of base per
 * unit of C" = usdPer(C) / usdPer(base), where usdPer(EUR) = SIMFX-EURUSD, usdPer(GBP) =
 * SIMFX-GBPUSD, usdPer(JPY) = 1 / SIMFX-USDJPY (closes), rounded to 10 significant digits — so
 * with a USD base the EUR and GBP rates are exactly those instruments' closes. Any other
 * currency is UNKNOWN_SYMBOL.
 *
 * @example
 * const p = createSimulatedProvider({ seed: 7, scenario: "crypto-crash" });
 * (await p.bars({ symbols: ["SIMCR-BTC"], asOf: "2015-01-06" })).series["SIMCR-BTC"]?.[0]
 * // { date: "2015-01-02", close: 300 } — every history starts at the instrument's start price
 */
export function createSimulatedProvider(
  options: SimulatedProviderOptions = {},
): MarketDataProvider & { readonly name: "simulated" } {
  const resolved: SimulationOptions = resolveSimulationOptions(options);
  const specs = new Map(resolved.universe.map((s) => [s.instrument.symbol, s] as const));
  const order = resolved.universe.map((s) => s.instrument.symbol);
  let history: SimulatedHistory | undefined;
  const barCache = new Map<string, Bar[]>();

  const getHistory = (): SimulatedHistory => {
    history ??= generateSimulatedHistory(resolved);
    return history;
  };

  const detail = (h: SimulatedHistory): string => {
    const parts = [
      `seed=${resolved.seed}`,
      `scenario=${resolved.scenarioName}`,
      `start=${resolved.start}`,
      `end=${resolved.end}`,
      `regime=${resolved.regime}`,
    ];
    const startDate = h.dates[h.scenarioStartIndex];
    if (resolved.scenario.shocks.length > 0 && startDate !== undefined)
      parts.push(`scenarioStart=${startDate}`);
    return parts.join(" ");
  };

  const source = (h: SimulatedHistory, symbols: readonly string[]): SourceRecord[] => [
    { provider: "simulated", detail: detail(h), symbols: [...symbols] },
  ];

  const fullBars = (h: SimulatedHistory, symbol: string): Bar[] => {
    const cached = barCache.get(symbol);
    if (cached) return cached;
    const i = order.indexOf(symbol);
    const closes = h.closes[i] as Float64Array;
    const volumes = h.volumes[i] ?? null;
    const bars: Bar[] = new Array<Bar>(h.dates.length);
    for (let t = 0; t < h.dates.length; t++) {
      const date = h.dates[t] as string;
      const close = closes[t] as number;
      bars[t] = volumes === null ? { date, close } : { date, close, volume: volumes[t] as number };
    }
    barCache.set(symbol, bars);
    return bars;
  };

  const checkSymbols = (symbols: unknown): readonly string[] => {
    if (!Array.isArray(symbols))
      throw new MarketDataError("INVALID_REQUEST", "symbols must be an array", "symbols");
    symbols.forEach((s: unknown, i) => {
      if (typeof s !== "string" || !specs.has(s))
        throw new MarketDataError(
          "UNKNOWN_SYMBOL",
          `the simulated market has no symbol ${JSON.stringify(s)}`,
          `symbols[${i}]`,
        );
    });
    return symbols as string[];
  };

  return {
    name: "simulated",

    universe(): Promise<readonly string[]> {
      return Promise.resolve([...order]);
    },

    async instruments(symbols: readonly string[]): Promise<Readonly<Record<string, Instrument>>> {
      const checked = checkSymbols(symbols);
      const out: Record<string, Instrument> = {};
      for (const s of checked) out[s] = (specs.get(s) as SimulatedInstrumentSpec).instrument;
      return out;
    },

    async bars(request: BarsRequest): Promise<BarsResult> {
      const window = checkWindow(request.asOf, request.from, resolved.start);
      const symbols = checkSymbols(request.symbols);
      const h = getHistory();
      const [lo, hi] = slice(h.dates, window.from, window.to);
      const series: Record<string, readonly Bar[]> = {};
      for (const s of symbols) series[s] = fullBars(h, s).slice(lo, hi);
      return { series, window, sources: source(h, symbols) };
    },

    async fx(request: FxRequest): Promise<FxResult> {
      const window = checkWindow(request.asOf, request.from, resolved.start);
      if (typeof request.base !== "string" || !isCurrency(request.base))
        throw new MarketDataError(
          "UNKNOWN_SYMBOL",
          `the simulated market has no FX for base ${JSON.stringify(request.base)}; supported: ${SIMULATED_CURRENCIES.join(", ")}`,
          "base",
        );
      const base = request.base;
      if (!Array.isArray(request.currencies))
        throw new MarketDataError("INVALID_REQUEST", "currencies must be an array", "currencies");
      request.currencies.forEach((c: unknown, i) => {
        if (typeof c !== "string" || !isCurrency(c))
          throw new MarketDataError(
            "UNKNOWN_SYMBOL",
            `the simulated market has no FX for ${JSON.stringify(c)}; supported: ${SIMULATED_CURRENCIES.join(", ")}`,
            `currencies[${i}]`,
          );
      });
      const h = getHistory();
      const [lo, hi] = slice(h.dates, window.from, window.to);
      const column = (symbol: string): Float64Array => {
        const i = order.indexOf(symbol);
        if (i < 0)
          throw new MarketDataError(
            "UNKNOWN_SYMBOL",
            `this universe has no ${symbol}`,
            "currencies",
          );
        return h.closes[i] as Float64Array;
      };
      const usdPer = (c: Currency, t: number): number => {
        if (c === "USD") return 1;
        if (c === "JPY") return 1 / (column(FX_SYMBOLS.JPY)[t] as number);
        return column(FX_SYMBOLS[c])[t] as number;
      };
      const rates: Record<string, readonly Bar[]> = {};
      const used = new Set<string>();
      for (const c of request.currencies as Currency[]) {
        for (const k of [c, base]) if (k !== "USD") used.add(FX_SYMBOLS[k]);
        const bars: Bar[] = [];
        for (let t = lo; t < hi; t++) {
          const rate = c === base ? 1 : Number((usdPer(c, t) / usdPer(base, t)).toPrecision(10));
          bars.push({ date: h.dates[t] as string, close: rate });
        }
        rates[c] = bars;
      }
      return { base, rates, window, sources: source(h, [...used].sort()) };
    },
  };
}
