import { describe, expect, it } from "vitest";
import { withPointInTime } from "./point-in-time.js";
import { createProvider, parseProviderSpec } from "./providers.js";
import { MarketDataError, type Bar, type MarketDataProvider } from "./types.js";

async function rejection(promise: Promise<unknown>): Promise<MarketDataError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarketDataError) return error;
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

const LEAKY: Bar[] = [
  { date: "2024-01-02", close: 1 },
  { date: "2024-01-03", close: 2 },
  { date: "2024-01-04", close: 3 },
];

/** A provider that ignores asOf and from entirely: the guard must clip for it. */
const leaky: MarketDataProvider = {
  name: "yahoo",
  universe: async () => ["A"],
  instruments: async () => ({}),
  bars: async (r) => ({
    series: Object.fromEntries(r.symbols.filter((s) => s !== "DROP").map((s) => [s, LEAKY])),
    window: { from: "2024-01-02", to: "2099-01-01" },
    sources: [{ provider: "yahoo", detail: "fake", symbols: [...r.symbols] }],
  }),
  fx: async (r) => ({
    base: r.base,
    rates: Object.fromEntries(r.currencies.map((c) => [c, LEAKY])),
    window: { from: "2024-01-02", to: "2099-01-01" },
    sources: [],
  }),
};

describe("parseProviderSpec", () => {
  it.each([
    ["sample", { kind: "sample" }],
    ["simulated", { kind: "simulated" }],
    ["yahoo", { kind: "yahoo" }],
    ["csv:./prices", { kind: "csv", dir: "./prices" }],
    ["csv:/a:b", { kind: "csv", dir: "/a:b" }],
  ])("reads %s", (text, spec) => {
    expect(parseProviderSpec(text)).toEqual(spec);
  });

  it.each(["", "csv:", "csv", "Sample", "bloomberg"])("refuses %j", (text) => {
    expect(() => parseProviderSpec(text)).toThrow(MarketDataError);
  });
});

describe("withPointInTime", () => {
  const guarded = withPointInTime(leaky);

  it("clips a provider that returns bars after asOf and before from", async () => {
    const r = await guarded.bars({ symbols: ["A"], asOf: "2024-01-03", from: "2024-01-03" });
    expect(r.series.A).toEqual([{ date: "2024-01-03", close: 2 }]);
    expect(r.window.to).toBe("2024-01-03");
  });

  it("clips FX rates the same way", async () => {
    const r = await guarded.fx({ base: "USD", currencies: ["EUR"], asOf: "2024-01-02" });
    expect(r.rates.EUR).toEqual([{ date: "2024-01-02", close: 1 }]);
  });

  it("refuses an answer missing a requested symbol instead of passing partial data", async () => {
    const e = await rejection(guarded.bars({ symbols: ["A", "DROP"], asOf: "2024-01-03" }));
    expect([e.code, e.field]).toEqual(["PROVIDER_MALFORMED", "DROP"]);
  });

  it("validates the request before the provider sees it", async () => {
    const e = await rejection(
      guarded.bars({ symbols: ["A"], asOf: "2024-01-03", from: "2024-02-01" }),
    );
    expect([e.code, e.field]).toEqual(["INVALID_REQUEST", "from"]);
  });
});

describe("createProvider", () => {
  it("builds the sample provider (the doc example), keeping its lastDate", async () => {
    const p = await createProvider({ kind: "sample" }, { cwd: "." });
    expect(p.name).toBe("sample");
    expect(await p.universe()).toHaveLength(21);
    expect(await p.lastDate?.(["SPY"])).toBe("2019-12-09");
  });

  it("builds a seeded simulated provider whose answers stop at asOf", async () => {
    const p = await createProvider({ kind: "simulated" }, { cwd: ".", seed: 7 });
    const [symbol] = await p.universe();
    const r = await p.bars({ symbols: [symbol as string], asOf: "2015-03-31", from: "2015-03-01" });
    const bars = r.series[symbol as string] as readonly Bar[];
    expect(bars.length).toBeGreaterThan(15);
    expect(bars.every((b) => b.date >= "2015-03-01" && b.date <= "2015-03-31")).toBe(true);
  });

  it("refuses seed or scenario for a provider other than simulated", async () => {
    const e = await rejection(createProvider({ kind: "sample" }, { cwd: ".", seed: 1 }));
    expect(e.message).toMatch(/only to the simulated/);
  });

  it("refuses yahoo without a clock", async () => {
    const e = await rejection(createProvider({ kind: "yahoo" }, { cwd: "." }));
    expect([e.code, e.field]).toEqual(["INVALID_REQUEST", "clock"]);
  });

  it("builds yahoo over an injected client, never answering past asOf", async () => {
    const session = (day: string, close: number): Record<string, unknown> => ({
      date: new Date(`${day}T14:30:00Z`),
      open: close,
      high: close,
      low: close,
      close,
      adjclose: close,
      volume: 1000,
    });
    const client = {
      chart: async () => ({
        meta: {
          currency: "USD",
          symbol: "AAPL",
          exchangeTimezoneName: "America/New_York",
          gmtoffset: -18000,
        },
        quotes: [session("2024-01-02", 10), session("2024-01-03", 11), session("2024-01-04", 12)],
      }),
      quote: async () => [],
    };
    const p = await createProvider(
      { kind: "yahoo" },
      { cwd: ".", clock: () => new Date("2024-01-10T00:00:00Z"), yahooClient: client },
    );
    expect(p.name).toBe("yahoo");
    const r = await p.bars({ symbols: ["AAPL"], asOf: "2024-01-03" });
    expect(r.series.AAPL?.map((b) => [b.date, b.close])).toEqual([
      ["2024-01-02", 10],
      ["2024-01-03", 11],
    ]);
  });
});
