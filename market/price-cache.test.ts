import path from "node:path";
import { describe, expect, it } from "vitest";
import { diffBars, nextFetchedWindow, recordFor, shiftIsoDate } from "./price-cache.js";
import { isoToDay, packRows, unpackBars } from "./price-cache-packed.js";
import { sqlitePriceCachePath } from "./price-cache-sqlite.js";

// The backends' behaviour is the contract suite's (tests/price-cache.contract.test.ts); these are
// the doc-comment examples of the shared helpers.
describe("price cache helpers", () => {
  it("shifts ISO dates across month ends and leap days", () => {
    expect(shiftIsoDate("2024-02-28", 2)).toBe("2024-03-01"); // 2024 is a leap year: 28 → 29 → Mar 1
    expect(shiftIsoDate("2023-03-01", -1)).toBe("2023-02-28");
  });

  it("counts a changed close as a revision", () => {
    const existing = new Map([["2024-01-02", { close: 1, volume: null }]]);
    expect(diffBars([{ date: "2024-01-02", close: 2 }], existing).result).toEqual({
      inserted: 0,
      revised: 1,
      unchanged: 0,
    });
  });

  it("unions touching fetched windows and resets on a revision", () => {
    const old = { from: "2024-01-01", to: "2024-01-03" };
    const next = { from: "2024-01-04", to: "2024-01-05" };
    expect(nextFetchedWindow(old, next, 0)).toEqual({ from: "2024-01-01", to: "2024-01-05" });
    expect(nextFetchedWindow(old, next, 1)).toEqual(next);
    expect(nextFetchedWindow(old, undefined, 1)).toBeNull();
  });

  it("gives every requested symbol its own fresh value", () => {
    const r = recordFor(["A", "B"], () => [] as number[]);
    expect(r).toEqual({ A: [], B: [] });
    expect(r.A).not.toBe(r.B);
  });

  it("places the SQLite cache file in the data directory", () => {
    expect(sqlitePriceCachePath("var")).toBe(path.join("var", "price-cache.sqlite"));
  });

  it("numbers days from 1970-01-01 and round-trips packed bars inside a window", () => {
    expect(isoToDay("1970-01-02")).toBe(1);
    expect(isoToDay("1969-12-31")).toBe(-1);
    const blob = packRows([
      ["1969-12-31", 0.1 + 0.2, null],
      ["2024-01-02", 185.64, 82_488_700],
      ["2024-01-03", -37.63, 0],
    ]);
    // Header 8 bytes + 3 × (8 + 8 + 4) bytes.
    expect(blob.byteLength).toBe(68);
    const memo = new Map<number, string>();
    expect(unpackBars(blob, -10, 100_000, memo)).toEqual([
      { date: "1969-12-31", close: 0.30000000000000004 },
      { date: "2024-01-02", close: 185.64, volume: 82_488_700 },
      { date: "2024-01-03", close: -37.63, volume: 0 },
    ]);
    expect(unpackBars(blob, isoToDay("2024-01-03"), isoToDay("2024-01-03"), memo)).toEqual([
      { date: "2024-01-03", close: -37.63, volume: 0 },
    ]);
    expect(unpackBars(blob, isoToDay("2024-01-04"), isoToDay("2025-01-01"), memo)).toEqual([]);
  });
});
