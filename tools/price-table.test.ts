import { describe, expect, it } from "vitest";
import { isIsoDate, isValidSymbol, parsePriceCsv, priceColumn } from "./price-table.js";

describe("parsePriceCsv", () => {
  it("parses dates, symbols and prices with empty cells as missing", () => {
    const t = parsePriceCsv("date,A,B\n2024-01-02,10,\n2024-01-03,11,5.5\n");
    expect(t.dates).toEqual(["2024-01-02", "2024-01-03"]);
    expect(t.symbols).toEqual(["A", "B"]);
    expect(t.columns).toEqual([
      [10, 11],
      [null, 5.5],
    ]);
  });

  it("accepts CRLF line endings and a byte-order mark", () => {
    const t = parsePriceCsv("\uFEFFdate,A\r\n2024-01-02,1e2\r\n");
    expect(t.columns).toEqual([[100]]);
  });

  it.each([
    ["no header", "", /empty/],
    ["a wrong first column", "day,A\n2024-01-02,1\n", /first column must be "date"/],
    ["no rows", "date,A\n", /no rows/],
    ["a duplicate symbol", "date,A,A\n2024-01-02,1,2\n", /duplicate symbol "A"/],
    ["a short row", "date,A,B\n2024-01-02,1\n", /prices:2: has 2 cells, expected 3/],
    ["an impossible date", "date,A\n2024-02-30,1\n", /invalid date "2024-02-30"/],
    ["unsorted dates", "date,A\n2024-01-03,1\n2024-01-02,1\n", /must be sorted ascending/],
    ["a duplicate date", "date,A\n2024-01-02,1\n2024-01-02,1\n", /duplicate date 2024-01-02/],
    ["a negative price", "date,A\n2024-01-02,-1\n", /prices:2 A: price must be positive/],
    ["a zero price", "date,A\n2024-01-02,0\n", /price must be positive/],
    ["text", "date,A\n2024-01-02,ten\n", /not a number: "ten"/],
    ["NaN", "date,A\n2024-01-02,NaN\n", /not a number: "NaN"/],
    ["Infinity", "date,A\n2024-01-02,Infinity\n", /not a number: "Infinity"/],
    ["an overflowing number", "date,A\n2024-01-02,1e999\n", /not finite/],
  ])("refuses %s", (_name, csv, pattern) => {
    expect(() => parsePriceCsv(csv)).toThrow(pattern);
  });

  it("names an unknown symbol", () => {
    const t = parsePriceCsv("date,A\n2024-01-02,1\n");
    expect(() => priceColumn(t, "Z")).toThrow(/Z: unknown symbol/);
  });

  it("validates calendar dates", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2024-1-02")).toBe(false);
  });

  it("accepts tickers and index symbols, refuses anything else", () => {
    for (const s of ["AAPL", "BRK.B", "EURUSD=X", "^GSPC", "BTC-USD"])
      expect(isValidSymbol(s)).toBe(true);
    for (const s of ["", "^", "-A", "A B", "A,B", "x".repeat(34)])
      expect(isValidSymbol(s)).toBe(false);
  });
});
