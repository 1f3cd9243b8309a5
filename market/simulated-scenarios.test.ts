import { describe, expect, it } from "vitest";
import { generateSimulatedHistory, resolveSimulationOptions } from "./simulated-model.js";
import type { SimulatedHistory } from "./simulated-model.js";
import {
  isScenarioName,
  listScenarios,
  resolveScenario,
  scenarioEffects,
  SIMULATED_SCENARIOS,
} from "./simulated-scenarios.js";
import type { SimulatedScenarioName } from "./simulated-scenarios.js";
import { CASH_SYMBOL, normalRegimeVolatility } from "./simulated-universe.js";
import { MarketDataError } from "./types.js";

const NAMES = Object.keys(SIMULATED_SCENARIOS) as SimulatedScenarioName[];

function history(scenario: string, seed = 21): SimulatedHistory {
  return generateSimulatedHistory(resolveSimulationOptions({ seed, scenario }));
}

function column(h: SimulatedHistory, symbol: string): Float64Array {
  const i = h.specs.findIndex((s) => s.instrument.symbol === symbol);
  const c = h.closes[i];
  if (!c) throw new Error(symbol);
  return c;
}

describe("the named scenarios", () => {
  it("lists base, crypto-crash, rate-shock, equity-melt-up and stagflation with titles", () => {
    const list = listScenarios();
    expect(list.map((s) => s.name)).toEqual([
      "base",
      "crypto-crash",
      "rate-shock",
      "equity-melt-up",
      "stagflation",
    ]);
    for (const s of list) {
      expect(s.title.length).toBeGreaterThan(3);
      expect(s.description.length).toBeGreaterThan(20);
    }
  });

  it("rejects an unknown scenario with a MarketDataError naming it", () => {
    expect(() => resolveScenario("alien-invasion")).toThrow(MarketDataError);
    expect(() => resolveScenario("alien-invasion")).toThrow(/alien-invasion/);
    expect(isScenarioName("base")).toBe(true);
    // An inherited property name is not a scenario either.
    expect(isScenarioName("toString")).toBe(false);
    let caught: unknown;
    try {
      resolveScenario("toString");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MarketDataError);
    expect((caught as MarketDataError).field).toBe("scenario");
    expect((caught as MarketDataError).code).toBe("INVALID_REQUEST");
  });

  it("spreads a return shock's log move evenly over its days and scales vol from its start", () => {
    // crypto-crash over a 3-day window starting at day 1: ln(0.4)/15 per day, vol × 1.5.
    const e = scenarioEffects(SIMULATED_SCENARIOS["crypto-crash"], [{ crypto: 1 }, {}], 3, 1);
    const perDay = Math.log(0.4) / 15;
    expect(Array.from(e.drift)).toEqual([0, 0, perDay, 0, perDay, 0]);
    expect(Array.from(e.volScale)).toEqual([1, 1, 1.5, 1, 1.5, 1]);
    // rate-shock: +150 bp over 20 days = 0.00075 a day.
    const r = scenarioEffects(SIMULATED_SCENARIOS["rate-shock"], [{}], 25, 2);
    expect(r.rateChange[1]).toBe(0);
    expect(r.rateChange[2]).toBeCloseTo(0.00075, 15);
    expect(r.rateChange[21]).toBeCloseTo(0.00075, 15);
    expect(r.rateChange[22]).toBe(0);
  });

  it("leaves the history before the scenario start identical to the base case", () => {
    const base = history("base");
    for (const name of NAMES) {
      const h = history(name);
      const start = h.scenarioStartIndex;
      // Default start: ⌊0.8 · n⌋.
      expect(start).toBe(Math.floor(0.8 * h.dates.length));
      h.closes.forEach((c, i) => {
        expect(Array.from(c.subarray(0, start))).toEqual(
          Array.from((base.closes[i] as Float64Array).subarray(0, start)),
        );
      });
    }
  });

  it("moves every non-cash instrument exactly as its shocks state, around the base path", () => {
    // Independent restatement of the documented rule: from the start s to day T the scenario's
    // log move is Σ_shocks e·ln(1+R)·min(T−s+1, days)/days + d·(T−s+1) + v·(base move − d·(T−s+1)),
    // d = (μ − σ²/2)/252, v = Π m^e.
    const base = history("base");
    for (const name of NAMES) {
      const h = history(name);
      const s = h.scenarioStartIndex;
      for (const T of [s + 10, s + 59, h.dates.length - 1]) {
        const span = T - s + 1;
        h.specs.forEach((spec, i) => {
          if (spec.instrument.symbol === CASH_SYMBOL) return;
          const sigma = normalRegimeVolatility(spec);
          const d = (spec.expectedReturn - sigma ** 2 / 2) / 252;
          let shockMove = 0;
          let v = 1;
          for (const shock of SIMULATED_SCENARIOS[name].shocks) {
            if (shock.kind !== "return") continue;
            const e = spec.exposures[shock.group] ?? 0;
            shockMove +=
              (e * Math.log(1 + shock.totalReturn) * Math.min(span, shock.days)) / shock.days;
            v *= shock.volMultiplier ** e;
          }
          const b = base.closes[i] as Float64Array;
          const c = h.closes[i] as Float64Array;
          const baseMove = Math.log((b[T] as number) / (b[s - 1] as number));
          const expected = shockMove + d * span + v * (baseMove - d * span);
          const actual = Math.log((c[T] as number) / (c[s - 1] as number));
          // Rounding of the two closes: ≤ 5e-5 relative at prices ≥ 1.
          expect(
            Math.abs(actual - expected),
            `${name} ${spec.instrument.symbol} T=${T}`,
          ).toBeLessThan(3e-4);
        });
      }
    }
  });

  it("crashes crypto by about 60% against the base path in the crypto-crash scenario", () => {
    const base = history("base");
    const h = history("crypto-crash");
    const end = h.scenarioStartIndex + 14;
    for (const symbol of ["SIMCR-BTC", "SIMCR-ETH"]) {
      const ratio = (column(h, symbol)[end] as number) / (column(base, symbol)[end] as number);
      // 0.4 × exp(0.5 · random part over 15 days); the random part's sd ≲ 0.8·√(15/252) ≈ 0.2.
      expect(ratio).toBeGreaterThan(0.4 * Math.exp(-0.4));
      expect(ratio).toBeLessThan(0.4 * Math.exp(0.4));
    }
    expect(column(h, "SIMETF-WORLD")).toEqual(column(base, "SIMETF-WORLD"));
  });

  it("raises the short rate by about 150 bp in the rate shock and the cash fund accrues it", () => {
    const base = history("base");
    const h = history("rate-shock");
    const end = h.scenarioStartIndex + 19;
    const gap = (h.shortRate[end] as number) - (base.shortRate[end] as number);
    // 150 bp less ≤ 20 days of mean reversion at κ = 0.25: 0.015 · 0.25 · 20/252 ≈ 3 bp.
    expect(gap).toBeGreaterThan(0.0145);
    expect(gap).toBeLessThanOrEqual(0.015 + 1e-12);
    const last = h.dates.length - 1;
    expect(column(h, CASH_SYMBOL)[last]).toBeGreaterThan(column(base, CASH_SYMBOL)[last] as number);
  });
});
