import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { PriceCache } from "../market/price-cache.js";
import { checkQuality } from "../market/quality.js";
import { openPostgresPriceCache } from "../market/price-cache-postgres.js";
import { openSqlitePriceCache, sqlitePriceCachePath } from "../market/price-cache-sqlite.js";
import type { Bar, Instrument } from "../market/types.js";
import { measure, type BenchResult, type BenchSuite } from "./harness.js";

const GROUP = "market data";
const SYMBOLS = 500;
const DAYS = 2520; // 10 years × 252 trading days
const CLOCK = (): Date => new Date("2024-01-02T00:00:00Z");

/** `count` weekdays from 2010-01-04 as ISO dates. */
function weekdays(count: number): string[] {
  const out: string[] = [];
  for (let day = Date.UTC(2010, 0, 4); out.length < count; day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.push(new Date(day).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * Deterministic synthetic bars: a 32-bit LCG (Numerical Recipes constants) per symbol drives
 * daily returns uniform in ±2 %; closes start at 50 + symbol index and are rounded to cents;
 * volumes are whole numbers.
 */
function syntheticBars(index: number, dates: readonly string[]): Bar[] {
  let state = (index * 2_654_435_761) >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  let price = 50 + index;
  return dates.map((date) => {
    price *= 1 + (next() - 0.5) * 0.04;
    return { date, close: Math.round(price * 100) / 100, volume: Math.floor(1e5 + next() * 1e7) };
  });
}

const symbolsOf = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `SYN${String(i).padStart(3, "0")}`);

async function populate(
  cache: PriceCache,
  symbols: readonly string[],
  dates: readonly string[],
): Promise<void> {
  const window = { from: dates[0] as string, to: dates[dates.length - 1] as string };
  for (let i = 0; i < symbols.length; i++) {
    await cache.putBars("yahoo", symbols[i] as string, syntheticBars(i, dates), {
      detail: "bench synthetic",
      window,
    });
  }
}

const usdEquity = (symbol: string): Instrument => ({
  symbol,
  name: symbol,
  assetClass: "equity",
  currency: "USD",
  lotSize: 1,
  fractional: false,
  tradable: true,
});

/** The timed work: one getMany of every symbol, then (optionally) the data-quality check. */
async function loadAndCheck(
  cache: PriceCache,
  symbols: readonly string[],
  asOf: string,
  instruments: Readonly<Record<string, Instrument>>,
  check: boolean,
): Promise<number> {
  const series = await cache.getMany("yahoo", symbols, { from: "2000-01-01", to: asOf });
  let n = 0;
  for (const s of symbols) n += series[s]?.length ?? 0;
  if (n !== symbols.length * DAYS)
    throw new Error(`loaded ${n} bars, expected ${symbols.length * DAYS}`);
  return check ? checkQuality({ series, instruments, asOf, lookbackDays: 252 }).length : 0;
}

async function cases(
  backend: string,
  cache: PriceCache,
  symbols: readonly string[],
  asOf: string,
): Promise<BenchResult[]> {
  const instruments: Record<string, Instrument> = {};
  for (const s of symbols) instruments[s] = usdEquity(s);
  const findings = await loadAndCheck(cache, symbols, asOf, instruments, true);
  const size = `${symbols.length} symbols × ${DAYS} bars`;
  return [
    await measure(
      GROUP,
      `price cache load + quality check (${backend}) 500 symbols × 10 years`,
      () => loadAndCheck(cache, symbols, asOf, instruments, true),
      {
        iterations: 5,
        warmup: 1,
        targetMs: 1000,
        note: `${size}: one getMany + checkQuality (${findings} findings)`,
      },
    ),
    await measure(
      GROUP,
      `price cache load only (${backend}) 500 symbols × 10 years`,
      () => loadAndCheck(cache, symbols, asOf, instruments, false),
      { iterations: 5, warmup: 1, note: `${size} in one getMany` },
    ),
  ];
}

async function pgReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Loading and quality-checking 500 symbols × 10 years from the price cache (issue 4: under 1 s),
 * on SQLite always and on PostgreSQL when `PG_TEST_URL` (default
 * postgres://postgres@127.0.0.1:5432/test) answers — otherwise that case is skipped with a note on
 * stderr. Each backend is populated once before timing; the read and the check are timed.
 */
export const run: BenchSuite = async () => {
  const results: BenchResult[] = [];
  const dates = weekdays(DAYS);
  const symbols = symbolsOf(SYMBOLS);
  const asOf = dates[dates.length - 1] as string;

  const dir = mkdtempSync(path.join(tmpdir(), "steward-bench-cache-"));
  const sqlite = openSqlitePriceCache({ path: sqlitePriceCachePath(dir), clock: CLOCK });
  try {
    await populate(sqlite, symbols, dates);
    results.push(...(await cases("SQLite", sqlite, symbols, asOf)));
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const url = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  if (!(await pgReachable(url))) {
    console.error(`  price cache load (PostgreSQL): skipped, ${url} unreachable`);
    return results;
  }
  const schema = `bench_price_cache_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema if not exists ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set("options", `-c search_path=${schema}`);
  const postgres = await openPostgresPriceCache({
    connectionString: scoped.toString(),
    clock: CLOCK,
  });
  try {
    await populate(postgres, symbols, dates);
    results.push(...(await cases("PostgreSQL", postgres, symbols, asOf)));
  } finally {
    await postgres.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
  return results;
};
