import { describe, expect, it } from "vitest";
import { createRandom } from "../tools/random.js";
import { mean, sampleCovariance, sampleStd } from "../tools/stats.js";
import {
  generateSimulatedHistory,
  resolveSimulationOptions,
  roundPrice,
  SHORT_RATE,
  VOLUME_LOG_SD,
  weekdayCalendar,
} from "./simulated-model.js";
import type { SimulatedHistory } from "./simulated-model.js";
import {
  REGIME_MULTIPLIERS,
  REGIME_TRANSITIONS,
  REGIMES,
  simulateRegimes,
} from "./simulated-regimes.js";
import type { Regime } from "./simulated-regimes.js";
import {
  CASH_SYMBOL,
  FACTOR_VOLATILITY,
  normalRegimeVolatility,
  SIMULATED_UNIVERSE,
} from "./simulated-universe.js";

// --- independent expectations, written from the documented model -------------------------------

/**
 * Annual covariance of two instruments' daily log returns in a fixed regime, straight from the
 * model statement: Σ_k β_ik β_jk σ_k² m_k² + [i = j] s_i² m_idio², with m_market for the market
 * factor and m_factors for every other factor.
 */
function modelCovariance(i: number, j: number, regime: Regime): number {
  const a = SIMULATED_UNIVERSE[i];
  const b = SIMULATED_UNIVERSE[j];
  if (!a || !b) throw new Error("index");
  const m = REGIME_MULTIPLIERS[regime];
  let c = 0;
  for (const [factor, sigma] of Object.entries(FACTOR_VOLATILITY)) {
    const key = factor as keyof typeof FACTOR_VOLATILITY;
    const mult = factor === "market" ? m.market : m.factors;
    c += (a.loadings[key] ?? 0) * (b.loadings[key] ?? 0) * (sigma * mult) ** 2;
  }
  if (i === j) c += (a.idiosyncraticVolatility * m.idiosyncratic) ** 2;
  return c;
}

/** Daily log returns of every instrument; the cash fund's net of the accrued short rate r_{t−1}/252. */
function residualReturns(h: SimulatedHistory): number[][] {
  return h.specs.map((spec, i) => {
    const closes = h.closes[i] as Float64Array;
    const out: number[] = [];
    for (let t = 1; t < closes.length; t++) {
      let r = Math.log((closes[t] as number) / (closes[t - 1] as number));
      if (spec.instrument.symbol === CASH_SYMBOL) r -= (h.shortRate[t - 1] as number) / 252;
      out.push(r);
    }
    return out;
  });
}

// Bonferroni-corrected two-sided z at a 1% family-wise level: 24 vols → p = 4.2e-4 each,
// z = 3.53; 276 correlation pairs → p = 3.6e-5 each, z = 4.13.
const Z_VOL = 3.53;
const Z_CORR = 4.13;

function checkAgainstModel(regime: Regime): { worstVolZ: number; worstCorrZ: number } {
  const options = resolveSimulationOptions({
    seed: 2024,
    start: "1990-01-01",
    end: "2019-12-31",
    regime,
  });
  const h = generateSimulatedHistory(options);
  const returns = residualReturns(h);
  const n = (returns[0] as number[]).length;
  let worstVolZ = 0;
  let worstCorrZ = 0;
  const realisedVol = returns.map((r) => sampleStd(r) * Math.sqrt(252));
  for (let i = 0; i < returns.length; i++) {
    const expected = Math.sqrt(modelCovariance(i, i, regime));
    // Standard error of a normal sample's standard deviation: σ / √(2n).
    const z = Math.abs((realisedVol[i] as number) - expected) / (expected / Math.sqrt(2 * n));
    worstVolZ = Math.max(worstVolZ, z);
    expect(z, `${h.specs[i]?.instrument.symbol} vol z-score`).toBeLessThan(Z_VOL);
  }
  for (let i = 0; i < returns.length; i++) {
    for (let j = i + 1; j < returns.length; j++) {
      const rho =
        modelCovariance(i, j, regime) /
        Math.sqrt(modelCovariance(i, i, regime) * modelCovariance(j, j, regime));
      const ri = returns[i] as number[];
      const rj = returns[j] as number[];
      const realised = sampleCovariance(ri, rj) / (sampleStd(ri) * sampleStd(rj));
      // Standard error of a bivariate-normal sample correlation: (1 − ρ²) / √n.
      const z = Math.abs(realised - rho) / ((1 - rho * rho) / Math.sqrt(n));
      worstCorrZ = Math.max(worstCorrZ, z);
      expect(z, `${h.specs[i]?.instrument.symbol}/${h.specs[j]?.instrument.symbol}`).toBeLessThan(
        Z_CORR,
      );
    }
  }
  return { worstVolZ, worstCorrZ };
}

describe("the simulated market's statistics", () => {
  it("realises the normal-regime volatilities and factor-model correlations over 30 years", () => {
    const { worstVolZ, worstCorrZ } = checkAgainstModel("normal");
    expect(worstVolZ).toBeGreaterThan(0);
    expect(worstCorrZ).toBeGreaterThan(0);
  });

  it("realises the stressed-regime volatilities and correlations over 30 years", () => {
    checkAgainstModel("stressed");
  });

  it("raises equity correlations in the stressed regime", () => {
    const tech = SIMULATED_UNIVERSE.findIndex((s) => s.instrument.symbol === "SIMEQ-TECH1");
    const bank = SIMULATED_UNIVERSE.findIndex((s) => s.instrument.symbol === "SIMEQ-FIN1");
    const rho = (r: Regime): number =>
      modelCovariance(tech, bank, r) /
      Math.sqrt(modelCovariance(tech, tech, r) * modelCovariance(bank, bank, r));
    expect(rho("stressed")).toBeGreaterThan(rho("normal") + 0.1);
    expect(rho("calm")).toBeLessThan(rho("normal"));
  });

  it("states normal-regime volatilities in the documented realistic ranges", () => {
    const vol = (symbol: string): number => {
      const spec = SIMULATED_UNIVERSE.find((s) => s.instrument.symbol === symbol);
      if (!spec) throw new Error(symbol);
      return normalRegimeVolatility(spec);
    };
    // SIMETF-GOVT: √(1² · 0.06² + 0.01²) = √0.0037
    expect(vol("SIMETF-GOVT")).toBe(0.0608276253029822);
    for (const s of SIMULATED_UNIVERSE) {
      const v = normalRegimeVolatility(s);
      const ranges: Record<string, [number, number]> = {
        equity: [0.2, 0.35],
        etf: [0.15, 0.18],
        bond: [0.05, 0.07],
        commodity: [0.14, 0.36],
        fx: [0.07, 0.1],
        crypto: [0.6, 0.8],
        cash: [0.0025, 0.0035],
        mutual_fund: [0.09, 0.18],
      };
      const [lo, hi] = ranges[s.instrument.assetClass] ?? [0, 0];
      expect(v, s.instrument.symbol).toBeGreaterThanOrEqual(lo);
      expect(v, s.instrument.symbol).toBeLessThanOrEqual(hi);
    }
  });

  it("draws volumes lognormally around the average daily volume", () => {
    const h = generateSimulatedHistory(
      resolveSimulationOptions({
        seed: 5,
        start: "1990-01-01",
        end: "2019-12-31",
        regime: "normal",
      }),
    );
    const i = h.specs.findIndex((s) => s.instrument.symbol === "SIMETF-WORLD");
    const adv = h.specs[i]?.averageDailyVolume ?? 0;
    const logs = Array.from(h.volumes[i] ?? [], (v) => Math.log(v / adv));
    const n = logs.length;
    // log(volume / ADV) ~ N(−σ²/2, σ²), σ = 0.35: mean −0.06125.
    expect(Math.abs(mean(logs) + VOLUME_LOG_SD ** 2 / 2)).toBeLessThan((4 * 0.35) / Math.sqrt(n));
    expect(Math.abs(sampleStd(logs) - 0.35)).toBeLessThan((4 * 0.35) / Math.sqrt(2 * n));
    expect(h.volumes[h.specs.findIndex((s) => s.instrument.assetClass === "crypto")]).toBeNull();
  });

  it("keeps the short rate within its bounds and accrues it into the money-market NAV", () => {
    const h = generateSimulatedHistory(resolveSimulationOptions({ seed: 9 }));
    for (const r of h.shortRate) {
      expect(r).toBeGreaterThanOrEqual(SHORT_RATE.min);
      expect(r).toBeLessThanOrEqual(SHORT_RATE.max);
    }
    const cash = h.closes[h.specs.findIndex((s) => s.instrument.symbol === CASH_SYMBOL)];
    if (!cash) throw new Error("cash");
    // NAV_T / NAV_0 ≈ exp(Σ r_{t−1}/252) up to the 0.3% noise: 10 years → sd 0.3%·√10 ≈ 0.95%.
    let accrued = 0;
    for (let t = 1; t < h.shortRate.length; t++) accrued += (h.shortRate[t - 1] as number) / 252;
    const realised = Math.log((cash[cash.length - 1] as number) / (cash[0] as number));
    expect(Math.abs(realised - accrued)).toBeLessThan(4 * 0.003 * Math.sqrt(10));
  });
});

describe("the regime chain", () => {
  it("visits each regime at its stationary frequency within sampling error", () => {
    const days = 1_000_000;
    const path = simulateRegimes(createRandom(11), days, "markov");
    const pi = [8 / 23, 12 / 23, 3 / 23];
    for (let s = 0; s < 3; s++) {
      let count = 0;
      for (const r of path) if (r === s) count++;
      // Asymptotic variance of a Markov indicator mean: π(1−π) + 2 Σ_{k≥1} π (P^k_ss − π),
      // P^k_ss by repeated vector–matrix products from e_s.
      const p = pi[s] as number;
      let v = [0, 0, 0];
      v[s] = 1;
      let tail = 0;
      for (let k = 1; k <= 5000; k++) {
        v = [0, 1, 2].map((j) =>
          v.reduce(
            (acc, vi, i) => acc + vi * ((REGIME_TRANSITIONS[i] as readonly number[])[j] as number),
            0,
          ),
        );
        tail += p * ((v[s] as number) - p);
      }
      const se = Math.sqrt((p * (1 - p) + 2 * tail) / days);
      expect(Math.abs(count / days - p), REGIMES[s]).toBeLessThan(4 * se);
    }
  });

  it("moves between regimes at the documented transition probabilities", () => {
    const path = simulateRegimes(createRandom(12), 400_000, "markov");
    const counts = [0, 1, 2].map(() => [0, 0, 0]);
    for (let t = 1; t < path.length; t++) {
      const row = counts[path[t - 1] as number] as number[];
      row[path[t] as number] = (row[path[t] as number] as number) + 1;
    }
    for (let i = 0; i < 3; i++) {
      const row = counts[i] as number[];
      const total = row.reduce((a, b) => a + b, 0);
      for (let j = 0; j < 3; j++) {
        const p = (REGIME_TRANSITIONS[i] as readonly number[])[j] as number;
        const se = Math.sqrt((p * (1 - p)) / total);
        expect(Math.abs((row[j] as number) / total - p)).toBeLessThanOrEqual(4 * se);
      }
    }
  });

  it("takes the history's regimes from the first uniform draws of the seed", () => {
    const h = generateSimulatedHistory(resolveSimulationOptions({ seed: 3 }));
    expect(h.regimes).toEqual(simulateRegimes(createRandom(3), h.dates.length, "markov"));
  });

  it("holds a fixed regime on every day without changing the other draws' order", () => {
    const calm = generateSimulatedHistory(resolveSimulationOptions({ seed: 3, regime: "calm" }));
    expect(new Set(calm.regimes)).toEqual(new Set([0]));
    // Same seed, same normals: the volume draws of a stock differ only by the regime multiplier.
    const normal = generateSimulatedHistory(
      resolveSimulationOptions({ seed: 3, regime: "normal" }),
    );
    const ratio = (calm.volumes[0]?.[100] ?? 0) / (normal.volumes[0]?.[100] ?? 1);
    expect(ratio).toBeCloseTo(0.85, 5);
  });
});

describe("the simulation's calendar and rounding", () => {
  it("lists weekdays only, both ends inclusive", () => {
    // 2024-01-05 is a Friday; 06/07 are the weekend.
    expect(weekdayCalendar("2024-01-05", "2024-01-09")).toEqual([
      "2024-01-05",
      "2024-01-08",
      "2024-01-09",
    ]);
  });

  it("fills the documented defaults", () => {
    const o = resolveSimulationOptions({});
    expect([o.seed, o.scenarioName, o.start, o.end, o.regime]).toEqual([
      42,
      "base",
      "2015-01-02",
      "2024-12-31",
      "markov",
    ]);
    expect(o.universe).toBe(SIMULATED_UNIVERSE);
  });

  it("starts a short history at the start prices on the weekday calendar", () => {
    const h = generateSimulatedHistory(
      resolveSimulationOptions({ start: "2024-01-05", end: "2024-01-09" }),
    );
    expect(h.dates).toEqual(["2024-01-05", "2024-01-08", "2024-01-09"]);
    h.specs.forEach((s, i) => expect(h.closes[i]?.[0]).toBe(s.startPrice));
    expect(h.closes.every((c) => c.every((x) => x > 0))).toBe(true);
  });

  it("rounds prices to 4 decimals, or 6 significant digits below 1", () => {
    expect(roundPrice(1.234567)).toBe(1.2346);
    expect(roundPrice(0.00912345678)).toBe(0.00912346);
  });

  it("generates the default ten-year universe in well under a second", () => {
    const started = performance.now();
    const h = generateSimulatedHistory(resolveSimulationOptions({ seed: 77 }));
    const elapsed = performance.now() - started;
    expect(h.dates.length).toBeGreaterThan(2600);
    expect(elapsed).toBeLessThan(1000);
  });
});
