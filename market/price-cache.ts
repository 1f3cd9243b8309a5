import { isIsoDate, isValidSymbol } from "../tools/price-table.js";
import { type Bar, MarketDataError, type ProviderName, type Window } from "./types.js";

/**
 * The price cache: daily bars per (provider, symbol, date) plus what is known about how they were
 * fetched. One interface, three backends (memory, SQLite, PostgreSQL) that pass one contract suite
 * (tests/price-cache.contract.test.ts).
 *
 * Conflict policy — a different close (or volume) for a date already stored: the NEW value
 * overwrites the old one and the row counts as `revised`. Yahoo's adjusted closes are rewritten
 * backwards after every dividend and split, so the latest answer is the one consistent with the
 * newest bars. Because older rows outside the new window may still be on the previous adjustment
 * basis, a put that revises anything RESETS the fetched window to the new window only: the cache
 * then no longer claims to cover the older rows, and a request spanning them goes back to the
 * origin instead of mixing two adjustment bases.
 */

/** A date range for reads; both ends inclusive and optional (open-ended). */
export interface CacheWindow {
  readonly from?: string;
  readonly to?: string;
}

/** What the caller knows about the bars it is storing. */
export interface PutMeta {
  /** Where the bars came from, precisely enough to fetch them again (a SourceRecord detail). */
  readonly detail: string;
  /**
   * The window the origin was asked for and answered completely. Omitted: the put makes no
   * completeness claim and the fetched window stays as it was (unless the put revises a row).
   */
  readonly window?: Window;
}

/** Row counts of one put: every bar is exactly one of inserted, revised (overwritten) or unchanged. */
export interface PutResult {
  readonly inserted: number;
  readonly revised: number;
  readonly unchanged: number;
}

/** What the cache holds for one (provider, symbol). */
export interface CacheCoverage {
  /** First and last stored bar dates; null when no bar is stored (an empty answer was cached). */
  readonly first: string | null;
  readonly last: string | null;
  readonly count: number;
  /** The window the origin answered completely (calendar days, inclusive), or null when unknown. */
  readonly fetched: Window | null;
  /** ISO timestamp of the latest put, from the cache's injected clock. */
  readonly fetchedAt: string;
  /** `PutMeta.detail` of the latest put. */
  readonly detail: string;
}

/** One interface for every backend. All reads return bars ascending by date. */
export interface PriceCache {
  /** Upserts `bars` (strictly ascending dates) for one symbol and records the fetch metadata. */
  putBars(
    provider: ProviderName,
    symbol: string,
    bars: readonly Bar[],
    meta: PutMeta,
  ): Promise<PutResult>;
  /** Bars of one symbol within `window` (inclusive); empty when none. */
  getBars(provider: ProviderName, symbol: string, window?: CacheWindow): Promise<readonly Bar[]>;
  /** Bars of many symbols in one batched read; every requested symbol is a key (possibly empty). */
  getMany(
    provider: ProviderName,
    symbols: readonly string[],
    window?: CacheWindow,
  ): Promise<Readonly<Record<string, readonly Bar[]>>>;
  /** What is stored for one symbol; null when nothing was ever put for it. */
  coverage(provider: ProviderName, symbol: string): Promise<CacheCoverage | null>;
  /** {@link PriceCache.coverage} for many symbols in one batched read. */
  coverageMany(
    provider: ProviderName,
    symbols: readonly string[],
  ): Promise<Readonly<Record<string, CacheCoverage | null>>>;
  /** Releases the backend (file handle, pool). The cache is unusable afterwards. */
  close(): Promise<void>;
}

/** Shifts an ISO date by `days` calendar days. @example shiftIsoDate("2024-02-28", 2) // "2024-03-01" */
export function shiftIsoDate(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Throws INVALID_REQUEST naming `field` unless `symbol` is valid. @example checkSymbol("bad symbol!", "symbol") // throws, field "symbol" */
export function checkSymbol(symbol: string, field: string): void {
  if (typeof symbol !== "string" || !isValidSymbol(symbol)) {
    throw new MarketDataError("INVALID_REQUEST", `invalid symbol "${String(symbol)}"`, field);
  }
}

/**
 * Throws INVALID_REQUEST unless each end of `window` is an ISO date and from ≤ to.
 * @example checkWindow({ from: "2024-02-01", to: "2024-01-01" }, "window") // throws, field "window.from"
 */
export function checkWindow(window: CacheWindow | undefined, field: string): void {
  if (window === undefined) return;
  for (const key of ["from", "to"] as const) {
    const v = window[key];
    if (v !== undefined && !isIsoDate(v)) {
      throw new MarketDataError("INVALID_REQUEST", `${key} must be YYYY-MM-DD`, `${field}.${key}`);
    }
  }
  if (window.from !== undefined && window.to !== undefined && window.from > window.to) {
    throw new MarketDataError("INVALID_REQUEST", "from is after to", `${field}.from`);
  }
}

/**
 * Checks the arguments of `putBars` before anything is written: valid symbol, strictly ascending
 * ISO dates, finite closes (any sign: a negative futures price is data, the quality check flags
 * it), volumes finite and ≥ 0 when present, a detail, and a well-formed window containing every bar.
 * @example checkPut("A", [{ date: "2024-01-02", close: Number.NaN }], { detail: "d" }) // throws, field "bars[0].close"
 */
export function checkPut(symbol: string, bars: readonly Bar[], meta: PutMeta): void {
  checkSymbol(symbol, "symbol");
  let previous = "";
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i] as Bar;
    if (typeof bar.date !== "string" || !isIsoDate(bar.date)) {
      throw new MarketDataError("INVALID_REQUEST", "date must be YYYY-MM-DD", `bars[${i}].date`);
    }
    if (bar.date <= previous) {
      throw new MarketDataError(
        "INVALID_REQUEST",
        "dates must be strictly ascending",
        `bars[${i}].date`,
      );
    }
    previous = bar.date;
    if (typeof bar.close !== "number" || !Number.isFinite(bar.close)) {
      throw new MarketDataError(
        "INVALID_REQUEST",
        "close must be a finite number",
        `bars[${i}].close`,
      );
    }
    const v = bar.volume;
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new MarketDataError(
        "INVALID_REQUEST",
        "volume must be finite and ≥ 0",
        `bars[${i}].volume`,
      );
    }
  }
  if (typeof meta.detail !== "string" || meta.detail.length === 0) {
    throw new MarketDataError(
      "INVALID_REQUEST",
      "detail must be a non-empty string",
      "meta.detail",
    );
  }
  if (meta.window !== undefined) {
    if (meta.window.from === undefined || meta.window.to === undefined) {
      throw new MarketDataError("INVALID_REQUEST", "window needs from and to", "meta.window");
    }
    checkWindow(meta.window, "meta.window");
    const first = bars[0];
    const last = bars[bars.length - 1];
    if (first !== undefined && last !== undefined) {
      if (first.date < meta.window.from || last.date > meta.window.to) {
        throw new MarketDataError(
          "INVALID_REQUEST",
          "a bar lies outside the window",
          "meta.window",
        );
      }
    }
  }
}

/** A stored row as the backends read it back for the diff. */
export interface StoredValue {
  readonly close: number;
  readonly volume: number | null;
}

/**
 * Splits incoming bars into rows to write (new or changed) and counts, against the rows already
 * stored for the same dates. Closes compare exactly (IEEE doubles round-trip through every backend).
 * @example diffBars([{ date: "2024-01-02", close: 2 }], new Map([["2024-01-02", { close: 1, volume: null }]])).result // { inserted: 0, revised: 1, unchanged: 0 }
 */
export function diffBars(
  bars: readonly Bar[],
  existing: ReadonlyMap<string, StoredValue>,
): { readonly writes: readonly Bar[]; readonly result: PutResult } {
  const writes: Bar[] = [];
  let inserted = 0;
  let revised = 0;
  let unchanged = 0;
  for (const bar of bars) {
    const old = existing.get(bar.date);
    if (old === undefined) {
      inserted++;
      writes.push(bar);
    } else if (old.close === bar.close && old.volume === (bar.volume ?? null)) {
      unchanged++;
    } else {
      revised++;
      writes.push(bar);
    }
  }
  return { writes, result: { inserted, revised, unchanged } };
}

/**
 * The fetched window after a put: reset to the new window when anything was revised; otherwise
 * the union with the old window when they overlap or touch (calendar days), else the newer one.
 * Without a new window: unchanged, or null after a revision.
 * @example nextFetchedWindow({ from: "2024-01-01", to: "2024-01-03" }, { from: "2024-01-04", to: "2024-01-05" }, 0) // { from: "2024-01-01", to: "2024-01-05" }
 */
export function nextFetchedWindow(
  old: Window | null,
  incoming: Window | undefined,
  revised: number,
): Window | null {
  if (revised > 0) return incoming ?? null;
  if (incoming === undefined) return old;
  if (old === null) return incoming;
  const touches =
    incoming.from <= shiftIsoDate(old.to, 1) && old.from <= shiftIsoDate(incoming.to, 1);
  if (!touches) return incoming;
  return {
    from: old.from < incoming.from ? old.from : incoming.from,
    to: old.to > incoming.to ? old.to : incoming.to,
  };
}

/** A record with a key per symbol, each mapped to a fresh `value()`. @example recordFor(["A"], () => []) // { A: [] } */
export function recordFor<T>(symbols: readonly string[], value: () => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const s of symbols) out[s] = value();
  return out;
}
