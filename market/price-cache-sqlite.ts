import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
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
import { isoToDay, packRows, unpackBars } from "./price-cache-packed.js";
import { type Bar, MarketDataError, type ProviderName, type Window } from "./types.js";

/** The cache file's name inside the data directory (`STEWARD_DATA_DIR`, default ./var). */
export const SQLITE_PRICE_CACHE_FILE = "price-cache.sqlite";

/** `<dataDir>/price-cache.sqlite`. @example sqlitePriceCachePath("var") // "var/price-cache.sqlite" */
export function sqlitePriceCachePath(dataDir: string): string {
  return path.join(dataDir, SQLITE_PRICE_CACHE_FILE);
}

export interface SqlitePriceCacheOptions {
  /** The database file (created with its directory when missing); ":memory:" for a private one. */
  readonly path: string;
  /** Stamps `fetchedAt` on every put. */
  readonly clock: () => Date;
}

const SCHEMA = `
create table if not exists price_cache_bars (
  provider text not null,
  symbol   text not null,
  date     text not null,
  close    real not null,
  volume   real,
  primary key (provider, symbol, date)
) without rowid;
create table if not exists price_cache_fetches (
  provider     text not null,
  symbol       text not null,
  fetched_from text,
  fetched_to   text,
  fetched_at   text not null,
  detail       text not null,
  primary key (provider, symbol)
) without rowid;
create table if not exists price_cache_series (
  provider text not null,
  symbol   text not null,
  packed   blob not null,
  primary key (provider, symbol)
) without rowid;
`;

const LOW = "0000-01-01";
const HIGH = "9999-12-31";

/**
 * Opens (creating when needed) the SQLite price cache: WAL journal, prepared statements, one
 * transaction per put. `price_cache_bars` (one row per provider, symbol, date; clustered on that
 * key) is the source of truth; `price_cache_series` holds each symbol's bars packed in one blob
 * (price-cache-packed.ts), rebuilt from the rows in the same transaction as every put, so reads
 * decode one blob per symbol instead of stepping through rows. Semantics in price-cache.ts.
 *
 * @example const cache = openSqlitePriceCache({ path: sqlitePriceCachePath(dataDir), clock });
 */
export function openSqlitePriceCache(options: SqlitePriceCacheOptions): PriceCache {
  if (options.path !== ":memory:") mkdirSync(path.dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(SCHEMA);
  return new SqlitePriceCache(db, options.clock);
}

type BarRow = [string, number, number | null];
type FetchRow = [string | null, string | null, string, string];
type StatsRow = [string | null, string | null, number];

class SqlitePriceCache implements PriceCache {
  readonly #db: Database.Database;
  readonly #clock: () => Date;
  readonly #range: Database.Statement<[string, string, string, string], BarRow>;
  readonly #upsert: Database.Statement<[string, string, string, number, number | null]>;
  readonly #getFetch: Database.Statement<[string, string], FetchRow>;
  readonly #putFetch: Database.Statement<
    [string, string, string | null, string | null, string, string]
  >;
  readonly #stats: Database.Statement<[string, string], StatsRow>;
  readonly #allRows: Database.Statement<[string, string], BarRow>;
  readonly #putSeries: Database.Statement<[string, string, Buffer]>;
  readonly #getSeries: Database.Statement<[string, string], Buffer>;
  readonly #put: (
    provider: string,
    symbol: string,
    bars: readonly Bar[],
    meta: PutMeta,
  ) => PutResult;
  readonly #many: (
    provider: string,
    symbols: readonly string[],
    from: string,
    to: string,
  ) => Record<string, readonly Bar[]>;

  constructor(db: Database.Database, clock: () => Date) {
    this.#db = db;
    this.#clock = clock;
    this.#range = db
      .prepare<[string, string, string, string], BarRow>(
        "select date, close, volume from price_cache_bars where provider = ? and symbol = ? and date between ? and ? order by date",
      )
      .raw(true);
    this.#upsert = db.prepare(
      "insert into price_cache_bars (provider, symbol, date, close, volume) values (?, ?, ?, ?, ?) " +
        "on conflict (provider, symbol, date) do update set close = excluded.close, volume = excluded.volume",
    );
    this.#getFetch = db
      .prepare<[string, string], FetchRow>(
        "select fetched_from, fetched_to, fetched_at, detail from price_cache_fetches where provider = ? and symbol = ?",
      )
      .raw(true);
    this.#putFetch = db.prepare(
      "insert into price_cache_fetches (provider, symbol, fetched_from, fetched_to, fetched_at, detail) values (?, ?, ?, ?, ?, ?) " +
        "on conflict (provider, symbol) do update set fetched_from = excluded.fetched_from, fetched_to = excluded.fetched_to, " +
        "fetched_at = excluded.fetched_at, detail = excluded.detail",
    );
    this.#stats = db
      .prepare<[string, string], StatsRow>(
        "select min(date), max(date), count(*) from price_cache_bars where provider = ? and symbol = ?",
      )
      .raw(true);
    this.#allRows = db
      .prepare<[string, string], BarRow>(
        "select date, close, volume from price_cache_bars where provider = ? and symbol = ? order by date",
      )
      .raw(true);
    this.#putSeries = db.prepare(
      "insert into price_cache_series (provider, symbol, packed) values (?, ?, ?) " +
        "on conflict (provider, symbol) do update set packed = excluded.packed",
    );
    this.#getSeries = db
      .prepare<[string, string], Buffer>(
        "select packed from price_cache_series where provider = ? and symbol = ?",
      )
      .pluck(true);
    this.#put = db.transaction(
      (provider: string, symbol: string, bars: readonly Bar[], meta: PutMeta) => {
        const existing = new Map<string, StoredValue>();
        const first = bars[0];
        const last = bars[bars.length - 1];
        if (first !== undefined && last !== undefined) {
          const rows = this.#range.iterate(provider, symbol, first.date, last.date);
          for (const [date, close, volume] of rows) existing.set(date, { close, volume });
        }
        const { writes, result } = diffBars(bars, existing);
        for (const b of writes) {
          this.#upsert.run(provider, symbol, b.date, b.close, b.volume ?? null);
        }
        if (writes.length > 0) {
          this.#putSeries.run(provider, symbol, packRows(this.#allRows.all(provider, symbol)));
        }
        const old = this.#getFetch.get(provider, symbol);
        const oldWindow = old === undefined ? null : windowOf(old[0], old[1]);
        const next = nextFetchedWindow(oldWindow, meta.window, result.revised);
        const at = this.#clock().toISOString();
        this.#putFetch.run(provider, symbol, next?.from ?? null, next?.to ?? null, at, meta.detail);
        return result;
      },
    );
    // One read transaction: every symbol comes from the same snapshot.
    this.#many = db.transaction(
      (provider: string, symbols: readonly string[], from: string, to: string) => {
        const out = recordFor<readonly Bar[]>(symbols, () => []);
        const memo = new Map<number, string>();
        const fromDay = isoToDay(from);
        const toDay = isoToDay(to);
        for (const s of symbols) {
          const packed = this.#getSeries.get(provider, s);
          if (packed !== undefined) out[s] = unpackBars(packed, fromDay, toDay, memo);
        }
        return out;
      },
    );
  }

  async putBars(
    provider: ProviderName,
    symbol: string,
    bars: readonly Bar[],
    meta: PutMeta,
  ): Promise<PutResult> {
    this.#open();
    checkPut(symbol, bars, meta);
    return this.#put(provider, symbol, bars, meta);
  }

  async getBars(
    provider: ProviderName,
    symbol: string,
    window?: CacheWindow,
  ): Promise<readonly Bar[]> {
    this.#open();
    checkSymbol(symbol, "symbol");
    checkWindow(window, "window");
    const many = this.#many(provider, [symbol], window?.from ?? LOW, window?.to ?? HIGH);
    return many[symbol] ?? [];
  }

  async getMany(
    provider: ProviderName,
    symbols: readonly string[],
    window?: CacheWindow,
  ): Promise<Readonly<Record<string, readonly Bar[]>>> {
    this.#open();
    symbols.forEach((s, i) => checkSymbol(s, `symbols[${i}]`));
    checkWindow(window, "window");
    return this.#many(provider, symbols, window?.from ?? LOW, window?.to ?? HIGH);
  }

  async coverage(provider: ProviderName, symbol: string): Promise<CacheCoverage | null> {
    this.#open();
    checkSymbol(symbol, "symbol");
    return this.#coverage(provider, symbol);
  }

  async coverageMany(
    provider: ProviderName,
    symbols: readonly string[],
  ): Promise<Readonly<Record<string, CacheCoverage | null>>> {
    this.#open();
    symbols.forEach((s, i) => checkSymbol(s, `symbols[${i}]`));
    const out = recordFor<CacheCoverage | null>(symbols, () => null);
    for (const s of symbols) out[s] = this.#coverage(provider, s);
    return out;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #coverage(provider: string, symbol: string): CacheCoverage | null {
    const fetch = this.#getFetch.get(provider, symbol);
    if (fetch === undefined) return null;
    const [first, last, count] = this.#stats.get(provider, symbol) ?? [null, null, 0];
    return {
      first,
      last,
      count,
      fetched: windowOf(fetch[0], fetch[1]),
      fetchedAt: fetch[2],
      detail: fetch[3],
    };
  }

  #open(): void {
    if (!this.#db.open) throw new MarketDataError("INVALID_REQUEST", "the price cache is closed");
  }
}

function windowOf(from: string | null, to: string | null): Window | null {
  return from === null || to === null ? null : { from, to };
}
