import pg from "pg";
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

export interface PostgresPriceCacheOptions {
  /** e.g. `DATABASE_URL`; the tables live in the connection's current `search_path`. */
  readonly connectionString?: string;
  /** An existing pool instead (the caller keeps ownership: `close()` does not end it). */
  readonly pool?: pg.Pool;
  /** Stamps `fetchedAt` on every put. */
  readonly clock: () => Date;
}

const SCHEMA = `
create table if not exists price_cache_bars (
  provider text not null,
  symbol   text not null,
  date     date not null,
  close    double precision not null,
  volume   double precision,
  primary key (provider, symbol, date)
);
create table if not exists price_cache_fetches (
  provider     text not null,
  symbol       text not null,
  fetched_from date,
  fetched_to   date,
  fetched_at   timestamptz not null,
  detail       text not null,
  primary key (provider, symbol)
);
create table if not exists price_cache_series (
  provider text not null,
  symbol   text not null,
  packed   bytea not null,
  primary key (provider, symbol)
);
`;

const LOW = "0001-01-01";
const HIGH = "9999-12-31";
/** Serialises concurrent `create table if not exists` (which can race on the catalog). */
const SCHEMA_LOCK = "select pg_advisory_xact_lock(hashtext('steward.price_cache.schema'))";

/**
 * Opens the PostgreSQL price cache, creating its tables when missing. Puts run in one transaction
 * each, serialised per (provider, symbol) with an advisory lock, and write only new or changed
 * rows with one `unnest` upsert into `price_cache_bars` (the source of truth), then rebuild the
 * symbol's packed copy in `price_cache_series` (price-cache-packed.ts). Reads are one statement
 * over the packed copies (`symbol = any($2)`): `getMany` of 500 symbols is one round trip and no
 * per-row parsing. Semantics in price-cache.ts.
 *
 * @example const cache = await openPostgresPriceCache({ connectionString: config.databaseUrl, clock });
 */
export async function openPostgresPriceCache(
  options: PostgresPriceCacheOptions,
): Promise<PriceCache> {
  const owned = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
  try {
    await inTransaction(pool, async (client) => {
      await client.query(SCHEMA_LOCK);
      await client.query(SCHEMA);
    });
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }
  return new PostgresPriceCache(pool, owned, options.clock);
}

async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

type BarRow = [string, number, number | null];
type SeriesRow = [string, Buffer];
type CoverageRow = [
  string,
  string | null,
  string | null,
  Date,
  string,
  string | null,
  string | null,
  number,
];

const COVERAGE_SQL = `
select f.symbol, to_char(f.fetched_from, 'YYYY-MM-DD'), to_char(f.fetched_to, 'YYYY-MM-DD'), f.fetched_at, f.detail,
       to_char(s.first, 'YYYY-MM-DD'), to_char(s.last, 'YYYY-MM-DD'), coalesce(s.n, 0)::int
from price_cache_fetches f
left join lateral (
  select min(b.date) as first, max(b.date) as last, count(*) as n
  from price_cache_bars b where b.provider = f.provider and b.symbol = f.symbol
) s on true
where f.provider = $1 and f.symbol = any($2::text[])`;

class PostgresPriceCache implements PriceCache {
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  readonly #clock: () => Date;
  #closed = false;

  constructor(pool: pg.Pool, owned: boolean, clock: () => Date) {
    this.#pool = pool;
    this.#owned = owned;
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
    return inTransaction(this.#pool, async (client) => {
      await client.query("select pg_advisory_xact_lock(hashtext($1))", [
        `price_cache:${provider}:${symbol}`,
      ]);
      const existing = new Map<string, StoredValue>();
      const first = bars[0];
      const last = bars[bars.length - 1];
      if (first !== undefined && last !== undefined) {
        const rows = await client.query<BarRow>({
          text:
            "select to_char(date, 'YYYY-MM-DD'), close, volume from price_cache_bars " +
            "where provider = $1 and symbol = $2 and date between $3::date and $4::date",
          values: [provider, symbol, first.date, last.date],
          rowMode: "array",
        });
        for (const [date, close, volume] of rows.rows) existing.set(date, { close, volume });
      }
      const { writes, result } = diffBars(bars, existing);
      if (writes.length > 0) {
        await client.query(
          "insert into price_cache_bars (provider, symbol, date, close, volume) " +
            "select $1, $2, d::date, c, v from unnest($3::text[], $4::float8[], $5::float8[]) as t(d, c, v) " +
            "on conflict (provider, symbol, date) do update set close = excluded.close, volume = excluded.volume",
          [
            provider,
            symbol,
            writes.map((b) => b.date),
            writes.map((b) => b.close),
            writes.map((b) => b.volume ?? null),
          ],
        );
        const all = await client.query<BarRow>({
          text:
            "select to_char(date, 'YYYY-MM-DD'), close, volume from price_cache_bars " +
            "where provider = $1 and symbol = $2 order by date",
          values: [provider, symbol],
          rowMode: "array",
        });
        await client.query(
          "insert into price_cache_series (provider, symbol, packed) values ($1, $2, $3) " +
            "on conflict (provider, symbol) do update set packed = excluded.packed",
          [provider, symbol, packRows(all.rows)],
        );
      }
      const old = await client.query<[string | null, string | null]>({
        text:
          "select to_char(fetched_from, 'YYYY-MM-DD'), to_char(fetched_to, 'YYYY-MM-DD') " +
          "from price_cache_fetches where provider = $1 and symbol = $2",
        values: [provider, symbol],
        rowMode: "array",
      });
      const row = old.rows[0];
      const oldWindow = row === undefined ? null : windowOf(row[0], row[1]);
      const next = nextFetchedWindow(oldWindow, meta.window, result.revised);
      await client.query(
        "insert into price_cache_fetches (provider, symbol, fetched_from, fetched_to, fetched_at, detail) " +
          "values ($1, $2, $3::date, $4::date, $5::timestamptz, $6) on conflict (provider, symbol) do update set " +
          "fetched_from = excluded.fetched_from, fetched_to = excluded.fetched_to, fetched_at = excluded.fetched_at, detail = excluded.detail",
        [
          provider,
          symbol,
          next?.from ?? null,
          next?.to ?? null,
          this.#clock().toISOString(),
          meta.detail,
        ],
      );
      return result;
    });
  }

  async getBars(
    provider: ProviderName,
    symbol: string,
    window?: CacheWindow,
  ): Promise<readonly Bar[]> {
    checkSymbol(symbol, "symbol");
    const many = await this.getMany(provider, [symbol], window);
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
    const out = recordFor<readonly Bar[]>(symbols, () => []);
    if (symbols.length === 0) return out;
    const rows = await this.#pool.query<SeriesRow>({
      text: "select symbol, packed from price_cache_series where provider = $1 and symbol = any($2::text[])",
      values: [provider, [...new Set(symbols)]],
      rowMode: "array",
    });
    const memo = new Map<number, string>();
    const fromDay = isoToDay(window?.from ?? LOW);
    const toDay = isoToDay(window?.to ?? HIGH);
    for (const [symbol, packed] of rows.rows)
      out[symbol] = unpackBars(packed, fromDay, toDay, memo);
    return out;
  }

  async coverage(provider: ProviderName, symbol: string): Promise<CacheCoverage | null> {
    checkSymbol(symbol, "symbol");
    const all = await this.coverageMany(provider, [symbol]);
    return all[symbol] ?? null;
  }

  async coverageMany(
    provider: ProviderName,
    symbols: readonly string[],
  ): Promise<Readonly<Record<string, CacheCoverage | null>>> {
    this.#open();
    symbols.forEach((s, i) => checkSymbol(s, `symbols[${i}]`));
    const out = recordFor<CacheCoverage | null>(symbols, () => null);
    if (symbols.length === 0) return out;
    const rows = await this.#pool.query<CoverageRow>({
      text: COVERAGE_SQL,
      values: [provider, [...new Set(symbols)]],
      rowMode: "array",
    });
    for (const [symbol, from, to, fetchedAt, detail, first, last, count] of rows.rows) {
      out[symbol] = {
        first,
        last,
        count,
        fetched: windowOf(from, to),
        fetchedAt: fetchedAt.toISOString(),
        detail,
      };
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#pool.end();
  }

  #open(): void {
    if (this.#closed) throw new MarketDataError("INVALID_REQUEST", "the price cache is closed");
  }
}

function windowOf(from: string | null, to: string | null): Window | null {
  return from === null || to === null ? null : { from, to };
}
