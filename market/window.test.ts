import { describe, expect, it } from "vitest";
import { MarketDataError, type Bar } from "./types.js";
import { clipBars, resultWindow, validateBarsRequest, validateFxRequest } from "./window.js";

const bars: Bar[] = [
  { date: "2024-01-02", close: 1 },
  { date: "2024-01-03", close: 2 },
  { date: "2024-01-05", close: 3 },
  { date: "2024-01-08", close: 4 },
];

function codeAndField(fn: () => unknown): [string, string | undefined] {
  try {
    fn();
  } catch (error) {
    if (error instanceof MarketDataError) return [error.code, error.field];
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

describe("validateBarsRequest", () => {
  it("accepts a valid request and leaves from undefined when absent", () => {
    expect(validateBarsRequest({ symbols: ["AAPL"], asOf: "2018-01-05" })).toEqual({
      symbols: ["AAPL"],
      asOf: "2018-01-05",
      from: undefined,
    });
  });

  it("accepts from equal to asOf", () => {
    expect(
      validateBarsRequest({ symbols: ["A"], asOf: "2024-01-02", from: "2024-01-02" }).from,
    ).toBe("2024-01-02");
  });

  it.each([
    ["an impossible asOf", { symbols: ["A"], asOf: "2024-02-30" }, "asOf"],
    ["a timestamp as asOf", { symbols: ["A"], asOf: "2024-01-02T00:00:00Z" }, "asOf"],
    ["a bad from", { symbols: ["A"], asOf: "2024-01-02", from: "yesterday" }, "from"],
    ["from after asOf", { symbols: ["A"], asOf: "2024-01-02", from: "2024-01-03" }, "from"],
    ["no symbols", { symbols: [], asOf: "2024-01-02" }, "symbols"],
    ["an invalid symbol", { symbols: ["A", "B C"], asOf: "2024-01-02" }, "symbols[1]"],
    ["a repeated symbol", { symbols: ["A", "B", "A"], asOf: "2024-01-02" }, "symbols[2]"],
  ])("refuses %s, naming the field", (_name, request, field) => {
    expect(codeAndField(() => validateBarsRequest(request))).toEqual(["INVALID_REQUEST", field]);
  });
});

describe("validateFxRequest", () => {
  it("accepts currency codes including crypto codes", () => {
    expect(
      validateFxRequest({ base: "USD", currencies: ["EUR", "USDT"], asOf: "2024-01-02" }),
    ).toEqual({ base: "USD", currencies: ["EUR", "USDT"], asOf: "2024-01-02", from: undefined });
  });

  it.each([
    ["a lower-case base", { base: "usd", currencies: [], asOf: "2024-01-02" }, "base"],
    ["a bad currency", { base: "USD", currencies: ["E"], asOf: "2024-01-02" }, "currencies[0]"],
    [
      "a repeated currency",
      { base: "USD", currencies: ["EUR", "EUR"], asOf: "2024-01-02" },
      "currencies[1]",
    ],
  ])("refuses %s", (_name, request, field) => {
    expect(codeAndField(() => validateFxRequest(request))).toEqual(["INVALID_REQUEST", field]);
  });
});

describe("clipBars", () => {
  it("keeps bars up to and including asOf (the doc example)", () => {
    expect(clipBars(bars.slice(0, 2), { asOf: "2024-01-02" })).toEqual([
      { date: "2024-01-02", close: 1 },
    ]);
  });

  it("keeps [from, asOf] inclusive when both fall on bars", () => {
    expect(clipBars(bars, { from: "2024-01-03", asOf: "2024-01-05" }).map((b) => b.close)).toEqual([
      2, 3,
    ]);
  });

  it("keeps the bars between dates that fall on no bar", () => {
    expect(clipBars(bars, { from: "2024-01-04", asOf: "2024-01-07" }).map((b) => b.close)).toEqual([
      3,
    ]);
  });

  it("returns nothing when asOf is before the first bar or from after the last", () => {
    expect(clipBars(bars, { asOf: "2024-01-01" })).toEqual([]);
    expect(clipBars(bars, { from: "2024-01-09", asOf: "2024-02-01" })).toEqual([]);
  });

  it("returns a copy, so a caller cannot reach the source array", () => {
    const out = clipBars(bars, { asOf: "2030-01-01" });
    expect(out).toEqual(bars);
    expect(out).not.toBe(bars);
  });
});

describe("resultWindow", () => {
  it("reports the earliest bar as from when none was requested (the doc example)", () => {
    expect(
      resultWindow(
        { asOf: "2024-01-05", from: undefined },
        { A: [{ date: "2024-01-03", close: 1 }] },
      ),
    ).toEqual({ from: "2024-01-03", to: "2024-01-05" });
  });

  it("reports the requested from, and asOf as from when nothing was returned", () => {
    expect(resultWindow({ asOf: "2024-01-05", from: "2024-01-01" }, { A: bars })).toEqual({
      from: "2024-01-01",
      to: "2024-01-05",
    });
    expect(resultWindow({ asOf: "2024-01-05", from: undefined }, { A: [] })).toEqual({
      from: "2024-01-05",
      to: "2024-01-05",
    });
  });
});
