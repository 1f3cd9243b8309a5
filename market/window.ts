import { isIsoDate, isValidSymbol } from "../tools/price-table.js";
import {
  MarketDataError,
  type Bar,
  type BarsRequest,
  type FxRequest,
  type Window,
} from "./types.js";

/**
 * Point-in-time, enforced in one place for every provider: requests are validated here and every
 * series leaves a provider through {@link clipBars}, so nothing dated after `asOf` (or before
 * `from`) can escape, whatever the origin holds.
 */

/** A validated bars request: `symbols` unique and valid, dates real ISO dates, `from ≤ asOf`. */
export interface ValidBarsRequest {
  readonly symbols: readonly string[];
  readonly asOf: string;
  readonly from: string | undefined;
}

/** ISO 4217 code or a crypto code (BTC, USDT): 3–10 upper-case letters or digits. */
const CURRENCY = /^[A-Z][A-Z0-9]{2,9}$/;

/** True for a currency code as Steward writes it (`USD`, `EUR`, `BTC`, `USDT`). */
export function isCurrencyCode(value: string): boolean {
  return CURRENCY.test(value);
}

function checkDates(asOf: unknown, from: unknown): { asOf: string; from: string | undefined } {
  if (typeof asOf !== "string" || !isIsoDate(asOf)) {
    throw new MarketDataError(
      "INVALID_REQUEST",
      `asOf must be a date YYYY-MM-DD, got ${JSON.stringify(asOf)}`,
      "asOf",
    );
  }
  if (from === undefined) return { asOf, from: undefined };
  if (typeof from !== "string" || !isIsoDate(from)) {
    throw new MarketDataError(
      "INVALID_REQUEST",
      `from must be a date YYYY-MM-DD, got ${JSON.stringify(from)}`,
      "from",
    );
  }
  if (from > asOf) {
    throw new MarketDataError("INVALID_REQUEST", `from ${from} is after asOf ${asOf}`, "from");
  }
  return { asOf, from };
}

/**
 * Validates a bars request: `asOf` a real ISO date, `from` (if given) a real ISO date not after
 * `asOf`, at least one symbol, every symbol valid ({@link isValidSymbol}) and none repeated.
 * Throws `MarketDataError("INVALID_REQUEST")` naming the field (`asOf`, `from`, `symbols[2]`).
 *
 * @example validateBarsRequest({ symbols: ["AAPL"], asOf: "2018-01-05" }).from // undefined
 */
export function validateBarsRequest(request: BarsRequest): ValidBarsRequest {
  const { asOf, from } = checkDates(request.asOf, request.from);
  const symbols: unknown = request.symbols;
  if (!Array.isArray(symbols) || symbols.length === 0) {
    throw new MarketDataError("INVALID_REQUEST", "symbols must be a non-empty list", "symbols");
  }
  const seen = new Set<string>();
  symbols.forEach((symbol: unknown, i) => {
    if (typeof symbol !== "string" || !isValidSymbol(symbol)) {
      throw new MarketDataError(
        "INVALID_REQUEST",
        `invalid symbol ${JSON.stringify(symbol)}`,
        `symbols[${i}]`,
      );
    }
    if (seen.has(symbol)) {
      throw new MarketDataError("INVALID_REQUEST", `duplicate symbol ${symbol}`, `symbols[${i}]`);
    }
    seen.add(symbol);
  });
  return { symbols: [...seen], asOf, from };
}

/** A validated FX request: currency codes valid and unique (the base may appear among them). */
export interface ValidFxRequest {
  readonly base: string;
  readonly currencies: readonly string[];
  readonly asOf: string;
  readonly from: string | undefined;
}

/**
 * Validates an FX request like {@link validateBarsRequest}; currencies are codes such as `EUR`
 * ({@link isCurrencyCode}); an empty list is allowed (nothing to convert).
 *
 * @example validateFxRequest({ base: "USD", currencies: ["EUR"], asOf: "2024-01-02" }).base // "USD"
 */
export function validateFxRequest(request: FxRequest): ValidFxRequest {
  const { asOf, from } = checkDates(request.asOf, request.from);
  if (typeof request.base !== "string" || !isCurrencyCode(request.base)) {
    throw new MarketDataError(
      "INVALID_REQUEST",
      `invalid base currency ${JSON.stringify(request.base)}`,
      "base",
    );
  }
  const currencies: unknown = request.currencies;
  if (!Array.isArray(currencies)) {
    throw new MarketDataError("INVALID_REQUEST", "currencies must be a list", "currencies");
  }
  const seen = new Set<string>();
  currencies.forEach((code: unknown, i) => {
    if (typeof code !== "string" || !isCurrencyCode(code)) {
      throw new MarketDataError(
        "INVALID_REQUEST",
        `invalid currency ${JSON.stringify(code)}`,
        `currencies[${i}]`,
      );
    }
    if (seen.has(code)) {
      throw new MarketDataError(
        "INVALID_REQUEST",
        `duplicate currency ${code}`,
        `currencies[${i}]`,
      );
    }
    seen.add(code);
  });
  return { base: request.base, currencies: [...seen], asOf, from };
}

/** Index of the first bar dated ≥ `date` (bars ascending by date); `bars.length` when none. */
function lowerBound(bars: readonly Bar[], date: string): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((bars[mid] as Bar).date < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bars dated within `[from, asOf]` (both inclusive; no lower bound without `from`). Bars
 * must be ascending by date (ISO strings compare as dates); binary search, O(log n) plus the copy.
 * The result is a new array: callers may not reach the provider's cached series through it.
 *
 * @example clipBars([{ date: "2024-01-02", close: 1 }, { date: "2024-01-03", close: 2 }], { asOf: "2024-01-02" }) // [{ date: "2024-01-02", close: 1 }]
 */
export function clipBars(
  bars: readonly Bar[],
  window: { readonly asOf: string; readonly from?: string | undefined },
): Bar[] {
  const start = window.from === undefined ? 0 : lowerBound(bars, window.from);
  // First index strictly after asOf: lower bound of the next possible string after asOf.
  const end = lowerBound(bars, `${window.asOf}\u0000`);
  return bars.slice(start, Math.max(start, end));
}

/**
 * The window a result reports: `from` is the requested `from`, or without one the earliest bar
 * returned (the provider's full history), or `asOf` when nothing was returned; `to` is `asOf`.
 *
 * @example resultWindow({ asOf: "2024-01-05", from: undefined }, { A: [{ date: "2024-01-03", close: 1 }] }) // { from: "2024-01-03", to: "2024-01-05" }
 */
export function resultWindow(
  request: { readonly asOf: string; readonly from: string | undefined },
  series: Readonly<Record<string, readonly Bar[]>>,
): Window {
  if (request.from !== undefined) return { from: request.from, to: request.asOf };
  let earliest: string | undefined;
  for (const bars of Object.values(series)) {
    const first = bars[0];
    if (first !== undefined && (earliest === undefined || first.date < earliest))
      earliest = first.date;
  }
  return { from: earliest ?? request.asOf, to: request.asOf };
}
