import {
  type CacheCoverage,
  type CacheWindow,
  type PriceCache,
  type PutMeta,
  type PutResult,
  type StoredValue,
  checkPut,
  checkSymbol,
  checkWindow,
  diffBars,
  nextFetchedWindow,
  recordFor,
} from "./price-cache.js";
import { type Bar, MarketDataError, type ProviderName, type Window } from "./types.js";

interface Entry {
  /** date → bar; sorted on read. */
  readonly bars: Map<string, Bar>;
  fetched: Window | null;
  fetchedAt: string;
  detail: string;
}

/**
 * The in-memory price cache: the reference backend for the contract suite and for tests that need
 * a cache without a file. Same semantics as SQLite and PostgreSQL (see price-cache.ts).
 *
 * @example const cache = new MemoryPriceCache(() => new Date("2024-01-05T00:00:00Z"));
 */
export class MemoryPriceCache implements PriceCache {
  readonly #clock: () => Date;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(clock: () => Date) {
    this.#clock = clock;
  }

  async putBars(
    provider: ProviderName,
    symbol: string,
    bars: readonly Bar[],
    meta: PutMeta,
  ): Promise<PutResult> {
    this.#open();
    checkPut(symbol, bars, meta);
    const key = `${provider}\u0000${symbol}`;
    const entry = this.#entries.get(key);
    const existing = new Map<string, StoredValue>();
    if (entry !== undefined) {
      for (const bar of bars) {
        const old = entry.bars.get(bar.date);
        if (old !== undefined)
          existing.set(bar.date, { close: old.close, volume: old.volume ?? null });
      }
    }
    const { writes, result } = diffBars(bars, existing);
    const target: Entry = entry ?? { bars: new Map(), fetched: null, fetchedAt: "", detail: "" };
    for (const bar of writes) target.bars.set(bar.date, copy(bar));
    target.fetched = nextFetchedWindow(target.fetched, meta.window, result.revised);
    target.fetchedAt = this.#clock().toISOString();
    target.detail = meta.detail;
    this.#entries.set(key, target);
    return result;
  }

  async getBars(
    provider: ProviderName,
    symbol: string,
    window?: CacheWindow,
  ): Promise<readonly Bar[]> {
    this.#open();
    checkSymbol(symbol, "symbol");
    checkWindow(window, "window");
    return this.#read(provider, symbol, window);
  }

  async getMany(
    provider: ProviderName,
    symbols: readonly string[],
    window?: CacheWindow,
  ): Promise<Readonly<Record<string, readonly Bar[]>>> {
    this.#open();
    symbols.forEach((s, i) => checkSymbol(s, `symbols[${i}]`));
    checkWindow(window, "window");
    const out = recordFor<readonly Bar[]>(symbols, () => []);
    for (const s of symbols) out[s] = this.#read(provider, s, window);
    return out;
  }

  async coverage(provider: ProviderName, symbol: string): Promise<CacheCoverage | null> {
    this.#open();
    checkSymbol(symbol, "symbol");
    const entry = this.#entries.get(`${provider}\u0000${symbol}`);
    if (entry === undefined) return null;
    const dates = [...entry.bars.keys()].sort();
    return {
      first: dates[0] ?? null,
      last: dates[dates.length - 1] ?? null,
      count: dates.length,
      fetched: entry.fetched,
      fetchedAt: entry.fetchedAt,
      detail: entry.detail,
    };
  }

  async coverageMany(
    provider: ProviderName,
    symbols: readonly string[],
  ): Promise<Readonly<Record<string, CacheCoverage | null>>> {
    const out = recordFor<CacheCoverage | null>(symbols, () => null);
    for (let i = 0; i < symbols.length; i++) {
      const s = symbols[i] as string;
      checkSymbol(s, `symbols[${i}]`);
      out[s] = await this.coverage(provider, s);
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #read(provider: ProviderName, symbol: string, window: CacheWindow | undefined): Bar[] {
    const entry = this.#entries.get(`${provider}\u0000${symbol}`);
    if (entry === undefined) return [];
    const from = window?.from ?? "";
    const to = window?.to ?? "9999-12-31";
    return [...entry.bars.values()]
      .filter((b) => b.date >= from && b.date <= to)
      .sort((a, b) => (a.date < b.date ? -1 : 1))
      .map(copy);
  }

  #open(): void {
    if (this.#closed) throw new MarketDataError("INVALID_REQUEST", "the price cache is closed");
  }
}

function copy(bar: Bar): Bar {
  return bar.volume === undefined ? { date: bar.date, close: bar.close } : { ...bar };
}
