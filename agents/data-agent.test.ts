import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createProvider,
  MarketDataError,
  type Bar,
  type MarketDataProvider,
} from "../market/index.js";
import {
  createDataTools,
  DataOutputSchema,
  dataTools,
  NAME,
  runData,
  VERSION,
  VOLUME_WINDOW,
  type DataOutput,
} from "./data-agent.js";

/** A deliberately naive reading of the fixture CSV: split lines and commas, Number() each cell. */
function naiveCsv(file: string): Map<string, Bar[]> {
  const url = new URL(`../tests/fixtures/datasets/${file}`, import.meta.url);
  const lines = readFileSync(url, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  const header = (lines[0] as string).split(",");
  const out = new Map<string, Bar[]>(header.slice(1).map((s) => [s, []]));
  for (const line of lines.slice(1)) {
    const cells = line.split(",");
    header.slice(1).forEach((s, j) => {
      const cell = cells[j + 1] as string;
      if (cell !== "") out.get(s)?.push({ date: cells[0] as string, close: Number(cell) });
    });
  }
  return out;
}

const csv = new Map([...naiveCsv("us-equities-20.csv"), ...naiveCsv("spy.csv")]);
const sample = await createProvider({ kind: "sample" }, { cwd: "." });
const simulated = await createProvider({ kind: "simulated" }, { cwd: "." });

function within(symbol: string, from: string, to: string): Bar[] {
  return (csv.get(symbol) ?? []).filter((b) => b.date >= from && b.date <= to);
}

/** A provider whose every call fails with the given error. */
function failing(error: unknown): MarketDataProvider {
  const fail = (): Promise<never> => Promise.reject(error);
  return { name: "csv", universe: fail, bars: fail, instruments: fail, fx: fail };
}

describe("the Data agent on the bundled sample data", () => {
  const request = {
    symbols: ["SPY", "FB", "AAPL", "AAPL"],
    asOf: "2012-06-29",
    from: "2012-05-01",
    baseCurrency: "USD",
  };

  it("builds the price table on the union of dates with null before a symbol's first price", async () => {
    const out = await runData(request, { provider: sample });
    expect(out.symbols).toEqual(["AAPL", "FB", "SPY"]);
    expect(out.table.symbols).toEqual(["AAPL", "FB", "SPY"]);
    const union = new Set<string>();
    for (const s of out.symbols)
      for (const b of within(s, request.from, request.asOf)) union.add(b.date);
    expect(out.table.dates).toEqual([...union].sort());
    // FB listed on 2012-05-18: null before, the CSV's closes after.
    const fb = out.table.columns[1] as (number | null)[];
    const fbBars = within("FB", request.from, request.asOf);
    expect(fbBars[0]?.date).toBe("2012-05-18");
    const firstFb = out.table.dates.indexOf("2012-05-18");
    expect(fb.slice(0, firstFb).every((p) => p === null)).toBe(true);
    expect(fb.slice(firstFb)).toEqual(fbBars.map((b) => b.close));
    out.table.symbols.forEach((s, j) => {
      const byDate = new Map(within(s, request.from, request.asOf).map((b) => [b.date, b.close]));
      out.table.dates.forEach((d, t) => {
        expect(out.table.columns[j]?.[t]).toBe(byDate.get(d) ?? null);
      });
    });
  });

  it("reports the last close on or before as-of with its date, the base FX at 1, and no blocking finding", async () => {
    const out = await runData(request, { provider: sample });
    for (const s of out.symbols) {
      const last = within(s, request.from, request.asOf).at(-1) as Bar;
      expect(out.latestPrices[s]).toEqual({ price: last.close, date: last.date });
    }
    expect(out.fx).toEqual({ USD: { rate: 1, date: request.asOf } });
    expect(out.blocking).toBe(false);
    expect(out.error).toBeUndefined();
    expect(out.findings.filter((f) => f.severity === "blocking")).toEqual([]);
    expect(out.window).toEqual({ from: request.from, to: request.asOf });
    expect(out.sources.length).toBeGreaterThan(0);
    expect(out.recommendedBy).toEqual({ agent: NAME, version: VERSION });
    expect(out.instruments.AAPL?.currency).toBe("USD");
    expect(Object.keys(out.volumes)).toEqual([]); // the bundled CSVs carry no volume
    expect(() => DataOutputSchema.parse(out)).not.toThrow();
  });

  it("matches its documented example: AAPL's reference price on 2018-04-11", async () => {
    const out = await runData(
      { symbols: ["AAPL"], asOf: "2018-04-11", from: "2018-01-02", baseCurrency: "USD" },
      { provider: sample },
    );
    expect(out.latestPrices.AAPL).toEqual({ price: 172.440002, date: "2018-04-11" });
  });

  it("blocks on a stale price: as-of weeks after the sample's last date", async () => {
    const out = await runData(
      { symbols: ["AAPL", "SPY"], asOf: "2018-06-01", from: "2018-01-02", baseCurrency: "USD" },
      { provider: sample },
    );
    expect(out.blocking).toBe(true);
    const stale = out.findings.find((f) => f.code === "STALE_PRICE" && f.symbol === "AAPL");
    expect(stale?.severity).toBe("blocking");
    expect(out.latestPrices.AAPL?.date).toBe("2018-04-11");
  });

  it("lets the quality policy downgrade a blocking code to a warning", async () => {
    const out = await runData(
      {
        symbols: ["AAPL"],
        asOf: "2018-06-01",
        from: "2018-01-02",
        baseCurrency: "USD",
        qualityPolicy: { severity: { STALE_PRICE: "warning" } },
      },
      { provider: sample },
    );
    expect(out.findings.map((f) => [f.code, f.severity])).toEqual([["STALE_PRICE", "warning"]]);
    expect(out.blocking).toBe(false);
  });

  it("flags a short history when the lookback needs more observations than the window holds", async () => {
    const out = await runData({ ...request, lookbackDays: 60 }, { provider: sample });
    const short = out.findings.filter((f) => f.code === "SHORT_HISTORY").map((f) => f.symbol);
    expect(short).toEqual(["AAPL", "FB", "SPY"]); // ~42 weekdays in May–June
  });

  it("fails closed on an unknown symbol: blocking, with the provider's code and no data", async () => {
    const out = await runData(
      { symbols: ["AAPL", "NOPE"], asOf: "2018-04-11", from: "2018-01-02", baseCurrency: "USD" },
      { provider: sample },
    );
    expect(out.blocking).toBe(true);
    expect(out.error?.code).toBe("UNKNOWN_SYMBOL");
    expect(out.error?.message).toContain("NOPE");
    expect(out.table).toEqual({ dates: [], symbols: [], columns: [] });
    expect(out.latestPrices).toEqual({});
    expect(() => DataOutputSchema.parse(out)).not.toThrow();
  });

  it("is deterministic: the same request gives byte-identical output", async () => {
    const a = JSON.stringify(await runData(request, { provider: sample }));
    const b = JSON.stringify(
      await runData({ ...request, symbols: [...request.symbols].reverse() }, { provider: sample }),
    );
    expect(b).toBe(a);
  });
});

describe("the Data agent on the simulated multi-currency market", () => {
  const asOf = "2024-06-28";
  const from = "2024-01-02";
  const symbols = ["SIMEQ-TECH1", "SIMEQ-EUAUTO", "SIMEQ-UKBANK"];

  it("fetches FX for every non-base currency and reports the latest rate on or before as-of", async () => {
    const out = await runData(
      { symbols, asOf, from, baseCurrency: "USD" },
      { provider: simulated },
    );
    const direct = await simulated.fx({ base: "USD", currencies: ["EUR", "GBP"], asOf, from });
    for (const c of ["EUR", "GBP"]) {
      const bars = (direct.rates[c] ?? []).filter((b) => b.date <= asOf);
      const last = bars[bars.length - 1] as Bar;
      expect(out.fx[c]).toEqual({ rate: last.close, date: last.date });
    }
    expect(out.fx.USD).toEqual({ rate: 1, date: asOf });
    expect(out.findings.filter((f) => f.code === "CURRENCY_MISMATCH")).toEqual([]);
    expect(out.blocking).toBe(false);
    expect(() => DataOutputSchema.parse(out)).not.toThrow();
  });

  it("converts the other way round for a EUR base: USD and GBP are the foreign currencies", async () => {
    const out = await runData(
      { symbols, asOf, from, baseCurrency: "EUR" },
      { provider: simulated },
    );
    expect(Object.keys(out.fx)).toEqual(["EUR", "GBP", "USD"]); // sorted, base included
    expect(out.fx.EUR).toEqual({ rate: 1, date: asOf });
    // EUR/USD and USD/EUR are reciprocal (to the provider's 10 significant digits).
    const usd = await runData(
      { symbols, asOf, from, baseCurrency: "USD" },
      { provider: simulated },
    );
    expect((out.fx.USD?.rate as number) * (usd.fx.EUR?.rate as number)).toBeCloseTo(1, 8);
  });

  it("averages the volume of the last 20 bars, as a naive mean of the provider's bars", async () => {
    const out = await runData(
      { symbols, asOf, from, baseCurrency: "USD" },
      { provider: simulated },
    );
    const bars = await simulated.bars({ symbols, asOf, from });
    for (const s of symbols) {
      const last = (bars.series[s] ?? []).slice(-VOLUME_WINDOW);
      const volumes = last.map((b) => b.volume as number);
      expect(volumes).toHaveLength(20);
      let total = 0;
      for (const v of volumes) total += v;
      expect(out.volumes[s]).toBeCloseTo(total / 20, 6);
    }
  });
});

describe("the Data agent when the provider fails", () => {
  const request = {
    symbols: ["AAPL"],
    asOf: "2024-01-05",
    from: "2023-01-02",
    baseCurrency: "USD",
  };

  it("returns a blocking error with the market code on a timeout, instead of throwing", async () => {
    const provider = failing(
      new MarketDataError("PROVIDER_TIMEOUT", "no answer in 10 s", "symbols"),
    );
    const out: DataOutput = await runData(request, { provider });
    expect(out.blocking).toBe(true);
    expect(out.error).toEqual({
      code: "PROVIDER_TIMEOUT",
      message: "no answer in 10 s",
      field: "symbols",
    });
    expect(out.findings).toEqual([]);
    expect(out.window).toEqual({ from: request.from, to: request.asOf });
  });

  it("maps any other error to PROVIDER_ERROR", async () => {
    const out = await runData(request, { provider: failing(new TypeError("fetch failed")) });
    expect(out.error).toEqual({ code: "PROVIDER_ERROR", message: "fetch failed" });
    expect(out.blocking).toBe(true);
  });

  it("fails closed when the provider answers without reference data for a symbol", async () => {
    const provider: MarketDataProvider = {
      ...sample,
      name: "sample",
      universe: () => sample.universe(),
      bars: (r) => sample.bars(r),
      fx: (r) => sample.fx(r),
      instruments: async () => ({}),
    };
    const out = await runData(
      { symbols: ["AAPL"], asOf: "2018-04-11", from: "2018-01-02", baseCurrency: "USD" },
      { provider },
    );
    expect(out.error?.code).toBe("UNKNOWN_SYMBOL");
    expect(out.blocking).toBe(true);
  });

  it("keeps a non-positive close out of the table and the reference price, and blocks", async () => {
    const provider: MarketDataProvider = {
      name: "sample",
      universe: () => sample.universe(),
      instruments: (s) => sample.instruments(s),
      fx: (r) => sample.fx(r),
      bars: async (r) => {
        const real = await sample.bars(r);
        const aapl = [...(real.series.AAPL ?? [])];
        const last = aapl[aapl.length - 1] as Bar;
        aapl[aapl.length - 1] = { date: last.date, close: 0 };
        return { ...real, series: { ...real.series, AAPL: aapl } };
      },
    };
    const out = await runData(
      { symbols: ["AAPL"], asOf: "2018-04-11", from: "2018-04-02", baseCurrency: "USD" },
      { provider },
    );
    expect(out.table.columns[0]?.at(-1)).toBeNull();
    expect(out.latestPrices.AAPL).toEqual({ price: 173.25, date: "2018-04-10" });
    expect(out.findings.map((f) => [f.code, f.severity])).toContainEqual([
      "NON_POSITIVE_PRICE",
      "blocking",
    ]);
    expect(out.blocking).toBe(true);
    expect(() => DataOutputSchema.parse(out)).not.toThrow();
  });

  it("throws on an invalid request (a caller bug), naming the field", async () => {
    await expect(runData({ ...request, asOf: "2024-13-01" }, { provider: sample })).rejects.toThrow(
      /asOf/,
    );
  });
});

describe("the Data agent's LangChain tools", () => {
  it("lists fetch_market_data and check_data_quality with zod schemas", () => {
    expect(dataTools.map((t) => t.name)).toEqual(["fetch_market_data", "check_data_quality"]);
    for (const t of dataTools) expect(t.description.length).toBeGreaterThan(20);
  });

  it("runs the agent with the provider from the tool call's config", async () => {
    const [fetchTool] = dataTools;
    const out = (await fetchTool.invoke(
      { symbols: ["AAPL"], asOf: "2018-04-11", from: "2018-01-02", baseCurrency: "USD" },
      { configurable: { provider: sample } },
    )) as DataOutput;
    expect(out.latestPrices.AAPL).toEqual({ price: 172.440002, date: "2018-04-11" });
  });

  it("refuses to run without a provider", async () => {
    const [fetchTool] = createDataTools();
    await expect(
      fetchTool.invoke({
        symbols: ["AAPL"],
        asOf: "2018-04-11",
        from: "2018-01-02",
        baseCurrency: "USD",
      }),
    ).rejects.toThrow(/provider/);
  });

  it("checks quality of given bars: a 2:1 split shows as PROBABLE_SPLIT", async () => {
    const [, qualityTool] = createDataTools({ provider: sample });
    const bars = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"].map((date, i) => ({
      date,
      close: i < 2 ? 100 : 50,
    }));
    const instrument = {
      symbol: "X",
      name: "X Corp",
      assetClass: "equity" as const,
      currency: "USD",
      lotSize: 1,
      fractional: false,
      tradable: true,
    };
    const findings = (await qualityTool.invoke({
      series: { X: bars },
      instruments: { X: instrument },
      asOf: "2024-01-05",
    })) as { code: string }[];
    expect(findings.map((f) => f.code)).toEqual(["PROBABLE_SPLIT"]);
  });
});
