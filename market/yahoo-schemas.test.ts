import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MarketDataError } from "./types.js";
import { parseChart, parseQuotes, quoteToInstrument } from "./yahoo-schemas.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../tests/fixtures/yahoo");

const META = {
  symbol: "X",
  currency: "USD",
  exchangeTimezoneName: "America/New_York",
  gmtoffset: -18000,
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof MarketDataError) return error.code;
    throw error;
  }
  return "no error";
}

describe("parseChart", () => {
  it("uses the raw close when the answer carries no adjclose at all", () => {
    const raw = {
      meta: META,
      quotes: [
        { date: "2024-01-02T14:30:00.000Z", close: 10, volume: null },
        { date: "2024-01-03T14:30:00.000Z", close: 11, volume: 5 },
      ],
    };
    const chart = parseChart(raw, "X", "symbols[0]");
    expect(chart.closeField).toBe("close");
    expect(chart.bars).toEqual([
      { date: "2024-01-02", close: 10 },
      { date: "2024-01-03", close: 11, volume: 5 },
    ]);
  });

  it("skips a row whose adjclose is null rather than mixing in its raw close", () => {
    const raw = {
      meta: META,
      quotes: [
        { date: "2024-01-02T14:30:00.000Z", close: 10, adjclose: 9.9, volume: 1 },
        { date: "2024-01-03T14:30:00.000Z", close: 11, adjclose: null, volume: 1 },
      ],
    };
    expect(parseChart(raw, "X", "f").bars).toEqual([{ date: "2024-01-02", close: 9.9, volume: 1 }]);
  });

  it("falls back to the fixed gmtoffset when the time zone name is unknown", () => {
    // 2024-01-02T03:00Z − 5 h = 2024-01-01 22:00 local.
    const raw = {
      meta: { ...META, exchangeTimezoneName: "Not/AZone" },
      quotes: [{ date: "2024-01-02T03:00:00.000Z", close: 10, volume: 1 }],
    };
    expect(parseChart(raw, "X", "f").bars[0]?.date).toBe("2024-01-01");
  });

  it("rejects dates going backwards, infinite prices, negative volumes and a missing meta", () => {
    const row = (date: string, close: number, volume = 1) => ({ date, close, volume });
    const backwards = {
      meta: META,
      quotes: [row("2024-01-03T14:30:00Z", 1), row("2024-01-02T14:30:00Z", 1)],
    };
    expect(code(() => parseChart(backwards, "X", "f"))).toBe("PROVIDER_MALFORMED");
    const infinite = {
      meta: META,
      quotes: [row("2024-01-02T14:30:00Z", Number.POSITIVE_INFINITY)],
    };
    expect(code(() => parseChart(infinite, "X", "f"))).toBe("PROVIDER_MALFORMED");
    const negative = { meta: META, quotes: [row("2024-01-02T14:30:00Z", 1, -1)] };
    expect(code(() => parseChart(negative, "X", "f"))).toBe("PROVIDER_MALFORMED");
    expect(code(() => parseChart({ quotes: [] }, "X", "f"))).toBe("PROVIDER_MALFORMED");
    expect(code(() => parseChart(null, "X", "f"))).toBe("PROVIDER_MALFORMED");
  });
});

describe("quoteToInstrument", () => {
  const quotes = parseQuotes(
    (
      JSON.parse(readFileSync(path.join(FIXTURES, "quote-mixed.json"), "utf8")) as {
        response: unknown;
      }
    ).response,
    "f",
  );

  it("classes an index as a non-tradable equity reference series", () => {
    const index = quotes.find((q) => q.symbol === "^GSPC");
    expect(index).toBeDefined();
    if (index === undefined) return;
    expect(quoteToInstrument(index, "^GSPC", "f")).toEqual({
      symbol: "^GSPC",
      name: "S&P 500",
      assetClass: "equity",
      currency: "USD",
      lotSize: 1,
      fractional: false,
      tradable: false,
    });
  });

  it("refuses a quote without a currency and unknown quote types", () => {
    const base = { symbol: "A", quoteType: "EQUITY" };
    expect(code(() => quoteToInstrument(base, "A", "f"))).toBe("PROVIDER_MALFORMED");
    expect(
      code(() => quoteToInstrument({ ...base, quoteType: "ALTSYMBOL", currency: "USD" }, "A", "f")),
    ).toBe("UNKNOWN_SYMBOL");
    // Own properties only: "constructor" is not a quote type.
    expect(
      code(() =>
        quoteToInstrument({ ...base, quoteType: "constructor", currency: "USD" }, "A", "f"),
      ),
    ).toBe("UNKNOWN_SYMBOL");
  });
});
