import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PriceCache } from "../market/price-cache.js";
import { MemoryPriceCache } from "../market/price-cache-memory.js";
import { openPostgresPriceCache } from "../market/price-cache-postgres.js";
import { openSqlitePriceCache, sqlitePriceCachePath } from "../market/price-cache-sqlite.js";
import { type Bar, MarketDataError } from "../market/types.js";
import { createTestSchema, pgAvailable } from "./pg.js";

/**
 * One contract, every backend (memory, SQLite in a temp file, PostgreSQL in a fresh schema). The
 * expected values are the hand-written bars put in; nothing is derived from a backend's output.
 */

/** A settable clock so `fetchedAt` is known exactly. */
function fakeClock(start: string): { clock: () => Date; set: (iso: string) => void } {
  let now = new Date(start);
  return { clock: () => new Date(now.getTime()), set: (iso) => (now = new Date(iso)) };
}

interface Backend {
  /** A cache over fresh, empty storage. */
  open(clock: () => Date): Promise<PriceCache>;
  /** A second cache over the same storage as the last `open` (for persistence). */
  reopen(clock: () => Date): Promise<PriceCache>;
  cleanup(): Promise<void>;
}

function memoryBackend(): Backend {
  return {
    open: async (clock) => new MemoryPriceCache(clock),
    reopen: async () => {
      throw new Error("memory has no persistence");
    },
    cleanup: async () => undefined,
  };
}

function sqliteBackend(): Backend {
  let dir = "";
  return {
    open: async (clock) => {
      dir = mkdtempSync(path.join(tmpdir(), "steward-cache-"));
      return openSqlitePriceCache({ path: sqlitePriceCachePath(path.join(dir, "nested")), clock });
    },
    reopen: async (clock) =>
      openSqlitePriceCache({ path: sqlitePriceCachePath(path.join(dir, "nested")), clock }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackend(): Backend {
  let schema: Awaited<ReturnType<typeof createTestSchema>> | undefined;
  return {
    open: async (clock) => {
      schema = await createTestSchema("price_cache");
      return openPostgresPriceCache({ connectionString: schema.url, clock });
    },
    reopen: async (clock) => {
      if (schema === undefined) throw new Error("open first");
      return openPostgresPriceCache({ connectionString: schema.url, clock });
    },
    cleanup: async () => {
      await schema?.drop();
      schema = undefined;
    },
  };
}

const AAPL: readonly Bar[] = [
  { date: "2024-01-02", close: 185.64, volume: 82_488_700 },
  { date: "2024-01-03", close: 184.25, volume: 58_414_500 },
  { date: "2024-01-04", close: 181.91 },
  { date: "2024-01-05", close: 181.18, volume: 62_303_300 },
  { date: "2024-01-08", close: 185.56, volume: 59_144_500 },
];
const JAN = { from: "2024-01-01", to: "2024-01-08" };

async function codeOf(promise: Promise<unknown>): Promise<[string, string | undefined]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarketDataError) return [error.code, error.field];
    throw error;
  }
  return ["no error", undefined];
}

function contract(name: string, makeBackend: () => Backend, persistent: boolean): void {
  describe(`price cache contract: ${name}`, () => {
    let backend: Backend;
    let cache: PriceCache;
    const time = fakeClock("2024-01-09T21:30:00.000Z");

    beforeEach(async () => {
      backend = makeBackend();
      time.set("2024-01-09T21:30:00.000Z");
      cache = await backend.open(time.clock);
    });
    afterEach(async () => {
      await cache.close();
      await backend.cleanup();
    });

    it("returns the stored bars ascending, omitting volume where none was stored", async () => {
      const result = await cache.putBars("yahoo", "AAPL", AAPL, {
        detail: "chart AAPL",
        window: JAN,
      });
      expect(result).toEqual({ inserted: 5, revised: 0, unchanged: 0 });
      const bars = await cache.getBars("yahoo", "AAPL");
      expect(bars).toEqual(AAPL);
      expect(Object.keys(bars[2] as Bar)).toEqual(["date", "close"]);
    });

    it("treats a repeated put of the same values as a no-op", async () => {
      await cache.putBars("yahoo", "AAPL", AAPL, { detail: "chart AAPL", window: JAN });
      const again = await cache.putBars("yahoo", "AAPL", AAPL, {
        detail: "chart AAPL",
        window: JAN,
      });
      expect(again).toEqual({ inserted: 0, revised: 0, unchanged: 5 });
      expect(await cache.getBars("yahoo", "AAPL")).toEqual(AAPL);
    });

    it("overwrites a different close, counts it as revised and resets the fetched window", async () => {
      await cache.putBars("yahoo", "AAPL", AAPL, { detail: "first fetch", window: JAN });
      // A later fetch of the last two days after a dividend re-adjusted the close of 2024-01-05.
      const revision: Bar[] = [
        { date: "2024-01-05", close: 180.95, volume: 62_303_300 },
        { date: "2024-01-08", close: 185.56, volume: 59_144_500 },
        { date: "2024-01-09", close: 185.14, volume: 42_841_800 },
      ];
      time.set("2024-01-10T21:30:00.000Z");
      const result = await cache.putBars("yahoo", "AAPL", revision, {
        detail: "second fetch",
        window: { from: "2024-01-05", to: "2024-01-09" },
      });
      expect(result).toEqual({ inserted: 1, revised: 1, unchanged: 1 });
      const bars = await cache.getBars("yahoo", "AAPL");
      expect(bars.map((b) => b.close)).toEqual([185.64, 184.25, 181.91, 180.95, 185.56, 185.14]);
      const cov = await cache.coverage("yahoo", "AAPL");
      expect(cov).toEqual({
        first: "2024-01-02",
        last: "2024-01-09",
        count: 6,
        fetched: { from: "2024-01-05", to: "2024-01-09" },
        fetchedAt: "2024-01-10T21:30:00.000Z",
        detail: "second fetch",
      });
    });

    it("counts a changed volume alone as a revision", async () => {
      await cache.putBars("yahoo", "AAPL", AAPL, { detail: "d" });
      const changed = [{ date: "2024-01-04", close: 181.91, volume: 71_983_600 }];
      expect(await cache.putBars("yahoo", "AAPL", changed, { detail: "d" })).toEqual({
        inserted: 0,
        revised: 1,
        unchanged: 0,
      });
      expect(
        (await cache.getBars("yahoo", "AAPL", { from: "2024-01-04", to: "2024-01-04" }))[0],
      ).toEqual(changed[0]);
    });

    it("clips reads to the inclusive window and supports open ends", async () => {
      await cache.putBars("yahoo", "AAPL", AAPL, { detail: "d" });
      const mid = await cache.getBars("yahoo", "AAPL", { from: "2024-01-03", to: "2024-01-05" });
      expect(mid.map((b) => b.date)).toEqual(["2024-01-03", "2024-01-04", "2024-01-05"]);
      expect(
        (await cache.getBars("yahoo", "AAPL", { to: "2024-01-03" })).map((b) => b.date),
      ).toEqual(["2024-01-02", "2024-01-03"]);
      expect(
        (await cache.getBars("yahoo", "AAPL", { from: "2024-01-06" })).map((b) => b.date),
      ).toEqual(["2024-01-08"]);
      expect(
        await cache.getBars("yahoo", "AAPL", { from: "2024-02-01", to: "2024-02-29" }),
      ).toEqual([]);
    });

    it("serves every requested symbol from getMany, empty for unknown ones, per provider", async () => {
      const msft: Bar[] = [
        { date: "2024-01-02", close: 370.87, volume: 25_258_600 },
        { date: "2024-01-03", close: 370.6, volume: 23_083_500 },
      ];
      await cache.putBars("yahoo", "AAPL", AAPL, { detail: "d" });
      await cache.putBars("yahoo", "MSFT", msft, { detail: "d" });
      await cache.putBars("sample", "AAPL", [{ date: "2024-01-02", close: 1 }], {
        detail: "other provider",
      });
      const many = await cache.getMany("yahoo", ["MSFT", "NOPE", "AAPL"], {
        from: "2024-01-03",
        to: "2024-01-04",
      });
      expect(Object.keys(many).sort()).toEqual(["AAPL", "MSFT", "NOPE"]);
      expect(many.MSFT).toEqual([msft[1]]);
      expect(many.NOPE).toEqual([]);
      expect(many.AAPL).toEqual([AAPL[1], AAPL[2]]);
      expect(await cache.getMany("yahoo", [])).toEqual({});
    });

    it("agrees with per-symbol reads for a batch of 60 symbols", async () => {
      const symbols = Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(3, "0")}`);
      for (let k = 0; k < symbols.length; k++) {
        // Symbol k has k % 7 + 1 bars on consecutive January days, close = 100 + k + day/100.
        const bars = Array.from({ length: (k % 7) + 1 }, (_, d) => ({
          date: `2024-01-${String(d + 10).padStart(2, "0")}`,
          close: 100 + k + d / 100,
        }));
        await cache.putBars("simulated", symbols[k] as string, bars, { detail: "seed=1" });
      }
      const window = { from: "2024-01-11", to: "2024-01-14" };
      const many = await cache.getMany("simulated", symbols, window);
      for (let k = 0; k < symbols.length; k++) {
        const s = symbols[k] as string;
        expect(many[s]).toEqual(await cache.getBars("simulated", s, window));
        // Days 11..min(14, 10 + k % 7) inclusive.
        expect(many[s]?.length).toBe(Math.max(0, Math.min(14, 10 + (k % 7)) - 11 + 1));
      }
    });

    it("reports no coverage for a symbol never put", async () => {
      expect(await cache.coverage("yahoo", "AAPL")).toBeNull();
      expect(await cache.coverageMany("yahoo", ["AAPL", "MSFT"])).toEqual({
        AAPL: null,
        MSFT: null,
      });
    });

    it("records an empty answer with its window so it can be served again", async () => {
      time.set("2024-03-01T00:00:00.000Z");
      await cache.putBars("yahoo", "NEWCO", [], { detail: "chart NEWCO", window: JAN });
      expect(await cache.coverage("yahoo", "NEWCO")).toEqual({
        first: null,
        last: null,
        count: 0,
        fetched: JAN,
        fetchedAt: "2024-03-01T00:00:00.000Z",
        detail: "chart NEWCO",
      });
      expect(await cache.getBars("yahoo", "NEWCO")).toEqual([]);
    });

    it("unions touching or overlapping fetched windows and keeps the newer of disjoint ones", async () => {
      const first = AAPL.slice(0, 2); // 2024-01-02, 01-03
      const second = AAPL.slice(2, 4); // 2024-01-04, 01-05
      await cache.putBars("yahoo", "AAPL", first, {
        detail: "a",
        window: { from: "2024-01-01", to: "2024-01-03" },
      });
      // 2024-01-04 is the day after 2024-01-03: the windows touch.
      await cache.putBars("yahoo", "AAPL", second, {
        detail: "b",
        window: { from: "2024-01-04", to: "2024-01-05" },
      });
      expect((await cache.coverage("yahoo", "AAPL"))?.fetched).toEqual({
        from: "2024-01-01",
        to: "2024-01-05",
      });
      // No window: no completeness claim, the fetched window stays.
      await cache.putBars("yahoo", "AAPL", AAPL.slice(4), { detail: "c" });
      expect((await cache.coverage("yahoo", "AAPL"))?.fetched).toEqual({
        from: "2024-01-01",
        to: "2024-01-05",
      });
      // Disjoint (a gap of 2024-01-06..01-09): the newer window replaces the old one.
      await cache.putBars("yahoo", "AAPL", [], {
        detail: "d",
        window: { from: "2024-01-10", to: "2024-01-12" },
      });
      const cov = await cache.coverageMany("yahoo", ["AAPL"]);
      expect(cov.AAPL?.fetched).toEqual({ from: "2024-01-10", to: "2024-01-12" });
      expect(cov.AAPL?.count).toBe(5);
      expect(cov.AAPL?.first).toBe("2024-01-02");
      expect(cov.AAPL?.last).toBe("2024-01-08");
    });

    it("round-trips doubles and large volumes exactly", async () => {
      const bars: Bar[] = [
        { date: "2024-01-02", close: 0.1 + 0.2, volume: 1_234_567_890_123 },
        { date: "2024-01-03", close: 1 / 3, volume: 0 },
        { date: "2024-01-04", close: -37.63 }, // WTI futures settled negative on 2020-04-20.
      ];
      await cache.putBars("yahoo", "CL=F", bars, { detail: "d" });
      expect(await cache.getBars("yahoo", "CL=F")).toEqual(bars);
      expect(await cache.putBars("yahoo", "CL=F", bars, { detail: "d" })).toEqual({
        inserted: 0,
        revised: 0,
        unchanged: 3,
      });
    });

    it("rejects malformed puts naming the field and writes nothing", async () => {
      const cases: [Bar[], string, string?][] = [
        [[AAPL[1] as Bar, AAPL[0] as Bar], "bars[1].date"],
        [[{ date: "2024-01-02", close: Number.NaN }], "bars[0].close"],
        [[{ date: "2024-1-2", close: 1 }], "bars[0].date"],
        [[{ date: "2024-01-02", close: 1, volume: -5 }], "bars[0].volume"],
        [[{ date: "2024-01-02", close: 1 }], "meta.window", "outside"],
      ];
      for (const [bars, field, outside] of cases) {
        const meta = outside
          ? { detail: "d", window: { from: "2024-01-03", to: "2024-01-05" } }
          : { detail: "d" };
        expect(await codeOf(cache.putBars("yahoo", "AAPL", bars, meta))).toEqual([
          "INVALID_REQUEST",
          field,
        ]);
      }
      expect(await codeOf(cache.putBars("yahoo", "bad symbol!", AAPL, { detail: "d" }))).toEqual([
        "INVALID_REQUEST",
        "symbol",
      ]);
      expect(await codeOf(cache.putBars("yahoo", "AAPL", AAPL, { detail: "" }))).toEqual([
        "INVALID_REQUEST",
        "meta.detail",
      ]);
      expect(
        await codeOf(cache.getBars("yahoo", "AAPL", { from: "2024-02-01", to: "2024-01-01" })),
      ).toEqual(["INVALID_REQUEST", "window.from"]);
      expect(await codeOf(cache.getMany("yahoo", ["AAPL", ""]))).toEqual([
        "INVALID_REQUEST",
        "symbols[1]",
      ]);
      expect(await cache.coverage("yahoo", "AAPL")).toBeNull();
    });

    // Only backends that persist get this case (a memory cache has nothing to reopen).
    if (persistent) {
      it("keeps bars and metadata across close and reopen", async () => {
        await cache.putBars("yahoo", "AAPL", AAPL, { detail: "chart AAPL", window: JAN });
        await cache.close();
        cache = await backend.reopen(time.clock);
        expect(await cache.getBars("yahoo", "AAPL")).toEqual(AAPL);
        expect((await cache.coverage("yahoo", "AAPL"))?.fetched).toEqual(JAN);
      });
    }

    it("refuses to work after close", async () => {
      await cache.close();
      expect((await codeOf(cache.getBars("yahoo", "AAPL")))[0]).toBe("INVALID_REQUEST");
    });
  });
}

contract("memory", memoryBackend, false);
contract("sqlite", sqliteBackend, true);
describe.runIf(pgAvailable)("postgres backend", () => {
  contract("postgres", postgresBackend, true);
});
