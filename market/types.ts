import type { AssetClass } from "../tools/asset-class.js";

/**
 * The market-data contract shared by every provider (sample, simulated, csv, yahoo). Point-in-time
 * by construction: every request carries an `asOf` date and no provider returns anything dated
 * after it. Each answer records the window and the sources it actually used, so a briefing can
 * say exactly what it saw.
 */

/** One daily bar: adjusted close in the instrument's currency, volume where known. */
export interface Bar {
  readonly date: string;
  readonly close: number;
  readonly volume?: number;
}

/** Reference data for one instrument. */
export interface Instrument {
  readonly symbol: string;
  readonly name: string;
  readonly assetClass: AssetClass;
  readonly sector?: string;
  readonly issuer?: string;
  /** ISO 4217 code (or a crypto code such as BTC when quoted in it). */
  readonly currency: string;
  /** Units per tradable lot (1 for most equities). */
  readonly lotSize: number;
  /** Fractional units allowed (crypto, mutual funds). */
  readonly fractional: boolean;
  readonly tradable: boolean;
}

export type ProviderName = "sample" | "simulated" | "csv" | "yahoo";

/** Where data came from, precisely enough to fetch the same data again. */
export interface SourceRecord {
  readonly provider: ProviderName;
  /** e.g. `bundled us-equities-20.csv sha256:1f3b…`, `seed=7 scenario=crypto-crash`, a directory, a URL. */
  readonly detail: string;
  /** Symbols served from this source. */
  readonly symbols: readonly string[];
  /** True when answered from the price cache rather than the origin. */
  readonly cached?: boolean;
}

export interface Window {
  /** First date requested (inclusive); the earliest bar may be later. */
  readonly from: string;
  /** The as-of date (inclusive): nothing after it is ever returned. */
  readonly to: string;
}

export interface BarsRequest {
  readonly symbols: readonly string[];
  /** ISO date; bars dated after it are never returned. */
  readonly asOf: string;
  /** ISO date, inclusive; default: the provider's full history up to `asOf`. */
  readonly from?: string;
}

export interface BarsResult {
  /** Per requested symbol, bars ascending by date, all within the window. */
  readonly series: Readonly<Record<string, readonly Bar[]>>;
  readonly window: Window;
  readonly sources: readonly SourceRecord[];
}

export interface FxRequest {
  /** The portfolio's base currency, e.g. "USD". */
  readonly base: string;
  /** Currencies to convert from. */
  readonly currencies: readonly string[];
  readonly asOf: string;
  readonly from?: string;
}

/** Per currency C: bars of the rate "units of base per one unit of C". The base itself is 1. */
export interface FxResult {
  readonly base: string;
  readonly rates: Readonly<Record<string, readonly Bar[]>>;
  readonly window: Window;
  readonly sources: readonly SourceRecord[];
}

/** One interface, four providers. Unknown symbols are an error of type `MarketDataError`. */
export interface MarketDataProvider {
  readonly name: ProviderName;
  /** Every symbol this provider can serve without being told (empty when open-ended, e.g. yahoo). */
  universe(): Promise<readonly string[]>;
  bars(request: BarsRequest): Promise<BarsResult>;
  instruments(symbols: readonly string[]): Promise<Readonly<Record<string, Instrument>>>;
  fx(request: FxRequest): Promise<FxResult>;
}

export type MarketErrorCode =
  | "UNKNOWN_SYMBOL"
  | "INVALID_REQUEST"
  | "PROVIDER_TIMEOUT"
  | "PROVIDER_UNAVAILABLE"
  | "PROVIDER_RATE_LIMITED"
  | "PROVIDER_MALFORMED"
  | "CIRCUIT_OPEN";

/** Typed market-data failure; never accompanied by partial data. */
export class MarketDataError extends Error {
  readonly code: MarketErrorCode;
  readonly field: string | undefined;
  constructor(code: MarketErrorCode, message: string, field?: string) {
    super(message);
    this.name = "MarketDataError";
    this.code = code;
    this.field = field;
  }
}
