import { describe, expect, it } from "vitest";
import { isValidSymbol } from "../tools/price-table.js";
import {
  createSimulatedProvider,
  listScenarios,
  SIMULATED_SCENARIOS,
} from "./simulated-provider.js";
import { MarketDataError } from "./types.js";
import type { Bar, MarketDataProvider } from "./types.js";

async function rejection(promise: Promise<unknown>): Promise<MarketDataError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarketDataError) return error;
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

function thrown(fn: () => unknown): MarketDataError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MarketDataError) return error;
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

async function everything(p: MarketDataProvider, asOf = "2024-12-31"): Promise<string> {
  const symbols = await p.universe();
  const [bars, instruments, fx] = await Promise.all([
    p.bars({ symbols, asOf }),
    p.instruments(symbols),
    p.fx({ base: "USD", currencies: ["EUR", "GBP", "JPY"], asOf }),
  ]);
  return JSON.stringify({ bars, instruments, fx });
}

describe("the simulated provider's universe", () => {
  it("covers every asset class with obviously simulated, valid symbols and names", async () => {
    const p = createSimulatedProvider();
    expect(p.name).toBe("simulated");
    const symbols = await p.universe();
    const instruments = await p.instruments(symbols);
    const classes = new Set(Object.values(instruments).map((i) => i.assetClass));
    for (const c of ["equity", "etf", "mutual_fund", "commodity", "fx", "crypto", "bond", "cash"])
      expect(classes.has(c as never), c).toBe(true);
    for (const s of symbols) {
      expect(isValidSymbol(s), s).toBe(true);
      expect(s.startsWith("SIM"), s).toBe(true);
      expect(instruments[s]?.name.endsWith("(simulated)"), s).toBe(true);
      expect(instruments[s]?.tradable).toBe(true);
    }
    const stocks = Object.values(instruments).filter((i) => i.assetClass === "equity");
    expect(new Set(stocks.map((i) => i.sector)).size).toBeGreaterThanOrEqual(5);
    expect(stocks.some((i) => i.currency === "EUR")).toBe(true);
    expect(stocks.some((i) => i.currency === "GBP")).toBe(true);
    for (const i of Object.values(instruments)) {
      if (i.assetClass === "crypto" || i.assetClass === "mutual_fund")
        expect(i.fractional).toBe(true);
      if (i.assetClass === "equity") expect(i.fractional).toBe(false);
    }
  });

  it("rejects an unknown symbol naming its position", async () => {
    const p = createSimulatedProvider();
    const e = await rejection(p.bars({ symbols: ["SIMETF-WORLD", "AAPL"], asOf: "2020-01-01" }));
    expect(e.code).toBe("UNKNOWN_SYMBOL");
    expect(e.field).toBe("symbols[1]");
    expect((await rejection(p.instruments(["NOPE"]))).code).toBe("UNKNOWN_SYMBOL");
  });

  it("exports the scenarios the API previews", () => {
    expect(listScenarios().map((s) => s.name)).toEqual(Object.keys(SIMULATED_SCENARIOS));
  });
});

describe("the simulated provider's determinism", () => {
  it("answers byte-identically for the same seed, scenario and window", async () => {
    const a = await everything(createSimulatedProvider({ seed: 7, scenario: "stagflation" }));
    const b = await everything(createSimulatedProvider({ seed: 7, scenario: "stagflation" }));
    expect(a).toBe(b);
  });

  it("answers differently for a different seed", async () => {
    const a = await everything(createSimulatedProvider({ seed: 7 }));
    const b = await everything(createSimulatedProvider({ seed: 8 }));
    expect(a).not.toBe(b);
  });

  it("starts every history at the instrument's start price", async () => {
    const p = createSimulatedProvider({ seed: 7, scenario: "crypto-crash" });
    const bars = await p.bars({ symbols: ["SIMCR-BTC"], asOf: "2015-01-06" });
    expect(bars.series["SIMCR-BTC"]?.[0]).toEqual({ date: "2015-01-02", close: 300 });
  });

  it("records the seed, scenario and window it served", async () => {
    const p = createSimulatedProvider({ seed: 7, scenario: "rate-shock" });
    const r = await p.bars({ symbols: ["SIMETF-GOVT"], asOf: "2020-06-30", from: "2020-01-01" });
    expect(r.window).toEqual({ from: "2020-01-01", to: "2020-06-30" });
    expect(r.sources).toHaveLength(1);
    expect(r.sources[0]?.provider).toBe("simulated");
    expect(r.sources[0]?.detail).toMatch(
      /^seed=7 scenario=rate-shock start=2015-01-02 end=2024-12-31/,
    );
    expect(r.sources[0]?.detail).toMatch(/scenarioStart=2023-01-/);
    expect(r.sources[0]?.symbols).toEqual(["SIMETF-GOVT"]);
  });
});

describe("the simulated provider is point-in-time", () => {
  it("never returns a bar after asOf and keeps earlier bars unchanged for a later asOf", async () => {
    const p = createSimulatedProvider({ seed: 3, scenario: "equity-melt-up" });
    const symbols = await p.universe();
    const early = await p.bars({ symbols, asOf: "2019-03-16" }); // a Saturday
    const late = await p.bars({ symbols, asOf: "2024-12-31" });
    for (const s of symbols) {
      const e = early.series[s] as readonly Bar[];
      expect(e.at(-1)?.date).toBe("2019-03-15");
      expect(e.every((b) => b.date <= "2019-03-16")).toBe(true);
      expect(JSON.stringify(e)).toBe(JSON.stringify(late.series[s]?.slice(0, e.length)));
    }
    // A fresh provider asked the early date first agrees too.
    const fresh = await createSimulatedProvider({ seed: 3, scenario: "equity-melt-up" }).bars({
      symbols,
      asOf: "2019-03-16",
    });
    expect(JSON.stringify(fresh.series)).toBe(JSON.stringify(early.series));
  });

  it("clips to [from, asOf] and serves nothing before the history starts", async () => {
    const p = createSimulatedProvider();
    const r = await p.bars({ symbols: ["SIMCM-GOLD"], from: "2016-02-03", asOf: "2016-02-09" });
    expect(r.series["SIMCM-GOLD"]?.map((b) => b.date)).toEqual([
      "2016-02-03",
      "2016-02-04",
      "2016-02-05",
      "2016-02-08",
      "2016-02-09",
    ]);
    const before = await p.bars({ symbols: ["SIMCM-GOLD"], asOf: "2014-12-31" });
    expect(before.series["SIMCM-GOLD"]).toEqual([]);
    const fx = await p.fx({
      base: "USD",
      currencies: ["EUR"],
      asOf: "2016-02-09",
      from: "2016-02-08",
    });
    expect(fx.rates.EUR?.map((b) => b.date)).toEqual(["2016-02-08", "2016-02-09"]);
  });

  it("rejects a malformed asOf or a from after asOf", async () => {
    const p = createSimulatedProvider();
    const a = await rejection(p.bars({ symbols: ["SIMCM-GOLD"], asOf: "2020-02-30" }));
    expect([a.code, a.field]).toEqual(["INVALID_REQUEST", "asOf"]);
    const f = await rejection(p.bars({ symbols: [], asOf: "2020-01-01", from: "2020-02-01" }));
    expect([f.code, f.field]).toEqual(["INVALID_REQUEST", "from"]);
  });
});

describe("the simulated provider's volumes", () => {
  it("gives whole positive volumes to stocks and ETFs only", async () => {
    const p = createSimulatedProvider();
    const symbols = await p.universe();
    const [bars, instruments] = await Promise.all([
      p.bars({ symbols, asOf: "2016-12-31" }),
      p.instruments(symbols),
    ]);
    for (const s of symbols) {
      const cls = instruments[s]?.assetClass;
      const exchangeTraded = cls === "equity" || cls === "etf" || s === "SIMETF-GOVT";
      for (const b of bars.series[s] ?? []) {
        if (exchangeTraded) {
          expect(Number.isInteger(b.volume) && (b.volume ?? 0) > 0, s).toBe(true);
        } else expect(b.volume, s).toBeUndefined();
      }
    }
  });
});

describe("the simulated provider's FX", () => {
  const p = createSimulatedProvider({ seed: 13 });
  const asOf = "2018-06-29";

  it("serves USD-base rates consistent with the FX instruments", async () => {
    const [fx, bars] = await Promise.all([
      p.fx({ base: "USD", currencies: ["EUR", "GBP", "JPY", "USD"], asOf }),
      p.bars({ symbols: ["SIMFX-EURUSD", "SIMFX-GBPUSD", "SIMFX-USDJPY"], asOf }),
    ]);
    expect(fx.base).toBe("USD");
    expect(fx.rates.EUR).toEqual(
      bars.series["SIMFX-EURUSD"]?.map(({ date, close }) => ({ date, close })),
    );
    expect(fx.rates.GBP).toEqual(
      bars.series["SIMFX-GBPUSD"]?.map(({ date, close }) => ({ date, close })),
    );
    const jpy = bars.series["SIMFX-USDJPY"] ?? [];
    expect(fx.rates.JPY).toHaveLength(jpy.length);
    fx.rates.JPY?.forEach((b, t) => {
      // USD per JPY × JPY per USD = 1, to the 10 significant digits served.
      expect(b.date).toBe(jpy[t]?.date);
      expect(Math.abs(b.close * (jpy[t]?.close ?? 0) - 1)).toBeLessThan(1e-9);
    });
    expect(fx.rates.USD?.every((b) => b.close === 1)).toBe(true);
  });

  it("serves cross rates for a non-USD base", async () => {
    const [eur, usd] = await Promise.all([
      p.fx({ base: "EUR", currencies: ["USD", "GBP", "JPY", "EUR"], asOf }),
      p.fx({ base: "USD", currencies: ["EUR", "GBP", "JPY"], asOf }),
    ]);
    const n = usd.rates.EUR?.length ?? 0;
    expect(n).toBeGreaterThan(800);
    for (let t = 0; t < n; t++) {
      const eurUsd = usd.rates.EUR?.[t]?.close ?? NaN;
      // EUR per USD = 1 / (USD per EUR); EUR per GBP = (USD per GBP) / (USD per EUR).
      expect(eur.rates.USD?.[t]?.close).toBeCloseTo(1 / eurUsd, 9);
      expect(eur.rates.GBP?.[t]?.close).toBeCloseTo((usd.rates.GBP?.[t]?.close ?? NaN) / eurUsd, 9);
      expect(eur.rates.JPY?.[t]?.close).toBeCloseTo((usd.rates.JPY?.[t]?.close ?? NaN) / eurUsd, 9);
      expect(eur.rates.EUR?.[t]?.close).toBe(1);
    }
  });

  it("rejects a currency or base it does not simulate", async () => {
    const c = await rejection(p.fx({ base: "USD", currencies: ["EUR", "CHF"], asOf }));
    expect([c.code, c.field]).toEqual(["UNKNOWN_SYMBOL", "currencies[1]"]);
    expect(c.message).toMatch(/CHF/);
    const b = await rejection(p.fx({ base: "AUD", currencies: ["EUR"], asOf }));
    expect([b.code, b.field]).toEqual(["UNKNOWN_SYMBOL", "base"]);
  });
});

describe("the simulated provider's options", () => {
  it("rejects an unknown scenario at creation, naming it", () => {
    const e = thrown(() => createSimulatedProvider({ scenario: "zombie-apocalypse" }));
    expect(e.code).toBe("INVALID_REQUEST");
    expect(e.field).toBe("scenario");
    expect(e.message).toMatch(/zombie-apocalypse/);
  });

  it("rejects a bad seed, dates, regime or scenario start naming the field", () => {
    expect(thrown(() => createSimulatedProvider({ seed: 1.5 })).field).toBe("seed");
    expect(thrown(() => createSimulatedProvider({ start: "2015-13-01" })).field).toBe("start");
    expect(thrown(() => createSimulatedProvider({ end: "2014-01-01" })).field).toBe("end");
    expect(thrown(() => createSimulatedProvider({ regime: "panic" as never })).field).toBe(
      "regime",
    );
    expect(
      thrown(() => createSimulatedProvider({ scenario: "rate-shock", scenarioStart: "2030-01-01" }))
        .field,
    ).toBe("scenarioStart");
  });

  it("starts a scenario on the date asked for", async () => {
    const p = createSimulatedProvider({ scenario: "crypto-crash", scenarioStart: "2020-03-14" });
    const base = createSimulatedProvider();
    const [a, b] = await Promise.all([
      p.bars({ symbols: ["SIMCR-BTC"], asOf: "2020-03-16" }),
      base.bars({ symbols: ["SIMCR-BTC"], asOf: "2020-03-16" }),
    ]);
    // Saturday 14 March → first shocked day is Monday 16 March; Friday 13 March is unchanged.
    expect(a.series["SIMCR-BTC"]?.at(-2)).toEqual(b.series["SIMCR-BTC"]?.at(-2));
    expect(a.series["SIMCR-BTC"]?.at(-1)?.close).toBeLessThan(
      b.series["SIMCR-BTC"]?.at(-1)?.close ?? 0,
    );
    expect(a.sources[0]?.detail).toMatch(/scenarioStart=2020-03-16/);
  });
});
