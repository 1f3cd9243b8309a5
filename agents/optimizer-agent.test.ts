import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MandateSchema, type MandateObjective } from "../governance/index.js";
import { parsePriceCsv } from "../tools/index.js";
import {
  OptimizerOutputSchema,
  optimizeTool,
  runOptimizer,
  type OptimizerInput,
} from "./optimizer-agent.js";
import type { PriceTableJson } from "./schemas.js";

// The bundled sample data (real adjusted closes), windowed as the Data agent would: the 756
// trading-day plan for 2018-04-11 starts on 2015-04-12.
const SYMBOLS = ["AAPL", "AMZN", "GOOG", "JPM", "MA", "PFE", "SBUX", "WMT", "XOM"];
const raw = parsePriceCsv(
  readFileSync(new URL("../market/data/us-equities-20.csv", import.meta.url), "utf8"),
);
const keep = raw.dates.flatMap((d, t) => (d >= "2015-04-12" && d <= "2018-04-11" ? [t] : []));
const table: PriceTableJson = {
  dates: keep.map((t) => raw.dates[t] as string),
  symbols: SYMBOLS,
  columns: SYMBOLS.map((s) => {
    const col = raw.columns[raw.symbols.indexOf(s)] as readonly (number | null)[];
    return keep.map((t) => col[t] as number | null);
  }),
};

// ---- a naive second implementation of the estimators, on the same data -------------------
// Every symbol has a price on every date of the window, so pairwise = complete cases.
const prices = table.columns.map((c) => c.map((p) => p as number));
const returns = prices.map((p) => p.slice(1).map((x, t) => x / (p[t] as number) - 1));
const T = (returns[0] as number[]).length;
const naiveMu = prices.map(
  (p) => Math.pow((p[p.length - 1] as number) / (p[0] as number), 252 / T) - 1,
);
const naiveCov = returns.map((a) => {
  const ma = a.reduce((s, x) => s + x, 0) / T;
  return returns.map((b) => {
    const mb = b.reduce((s, x) => s + x, 0) / T;
    let c = 0;
    for (let t = 0; t < T; t++) c += ((a[t] as number) - ma) * ((b[t] as number) - mb);
    return (c / (T - 1)) * 252;
  });
});
const vec = (w: Record<string, number>): number[] => SYMBOLS.map((s) => w[s] ?? 0);
const variance = (w: number[]): number =>
  w.reduce(
    (s, wi, i) => s + wi * w.reduce((r, wj, j) => r + (naiveCov[i]?.[j] as number) * wj, 0),
    0,
  );
const vol = (w: number[]): number => Math.sqrt(variance(w));
const ret = (w: number[]): number => w.reduce((s, wi, i) => s + wi * (naiveMu[i] as number), 0);

/** Deterministic feasible portfolios (NAV weights summing to 0.98, each within [lo, hi]). */
function randomFeasible(count: number, lo: number, hi: number): number[][] {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const out: number[][] = [];
  const n = SYMBOLS.length;
  while (out.length < count) {
    const x = SYMBOLS.map(() => -Math.log(1 - next()));
    const total = x.reduce((a, b) => a + b, 0);
    // Between lo and hi: lo + (0.98 − n·lo)·Dirichlet(1).
    const w = x.map((v) => lo + ((0.98 - n * lo) * v) / total);
    if (w.every((v) => v <= hi)) out.push(w);
  }
  return out;
}

const targets = {
  AAPL: 0.12,
  AMZN: 0.1,
  GOOG: 0.12,
  JPM: 0.11,
  MA: 0.1,
  PFE: 0.11,
  SBUX: 0.1,
  WMT: 0.11,
  XOM: 0.11,
};

function input(
  objective: MandateObjective,
  extra: Partial<OptimizerInput> = {},
  mandate = {},
): OptimizerInput {
  return {
    table,
    mandate: MandateSchema.parse({
      objective,
      targetWeights: targets,
      bounds: { min: 0.02, max: 0.25 },
      cashTarget: 0.02,
      targetVolatility: 0.16,
      targetReturn: 0.12,
      turnoverLimit: 10,
      ...mandate,
    }),
    currentWeights: targets,
    loop: 0,
    ...extra,
  };
}

const OBJECTIVES: MandateObjective[] = [
  "target-weights",
  "max-sharpe",
  "min-volatility",
  "efficient-risk",
  "efficient-return",
  "risk-parity",
  "hrp",
];

describe("runOptimizer on the sample data", () => {
  it.each(OBJECTIVES)(
    "%s: weights sum to 1 − cashTarget and stay within the bounds",
    (objective) => {
      const out = runOptimizer(input(objective));
      expect(OptimizerOutputSchema.parse(out)).toEqual(out);
      const w = Object.values(out.targetWeights);
      expect(Object.keys(out.targetWeights)).toEqual(SYMBOLS);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 0.98)).toBeLessThan(1e-9);
      for (const x of w) {
        expect(x).toBeGreaterThanOrEqual(0.02 - 1e-12);
        expect(x).toBeLessThanOrEqual(0.25 + 1e-12);
      }
      expect(out.cashWeight).toBe(0.02);
      expect(out.recommendedBy).toEqual({ agent: "optimizer", version: "1.0.0" });
    },
  );

  it("uses the historical geometric return (naive (p_T/p_0)^(252/T) − 1) when there is no forecast", () => {
    const out = runOptimizer(input("min-volatility"));
    SYMBOLS.forEach((s, i) => {
      expect(out.expectedReturns[s]).toBeCloseTo(naiveMu[i] as number, 12);
    });
  });

  it("blends a forecast by confidence: μ = (1 − c)·μ_hist + c·μ_forecast", () => {
    const out = runOptimizer(
      input("min-volatility", {
        forecast: {
          AAPL: { expectedAnnualReturn: 0.3, confidence: 0.25 },
          XOM: { expectedAnnualReturn: null, confidence: 0 },
          JPM: { expectedAnnualReturn: -0.1, confidence: 1 },
        },
      }),
    );
    expect(out.expectedReturns.AAPL).toBeCloseTo(0.75 * (naiveMu[0] as number) + 0.25 * 0.3, 12);
    expect(out.expectedReturns.XOM).toBeCloseTo(naiveMu[8] as number, 12);
    expect(out.expectedReturns.JPM).toBeCloseTo(-0.1, 15);
    expect(out.expectedReturnInputs.AAPL).toEqual({
      historical: out.expectedReturnInputs.AAPL?.historical,
      forecast: 0.3,
      confidence: 0.25,
    });
  });

  it("reports the volatility and return of the NAV weights as a naive wᵀΣw and wᵀμ give them", () => {
    for (const objective of OBJECTIVES) {
      const out = runOptimizer(input(objective));
      const w = vec(out.targetWeights);
      expect(out.performance.volatility).toBeCloseTo(vol(w), 10);
      expect(out.performance.expectedReturn).toBeCloseTo(ret(w), 10);
    }
  });

  it("keeps the mandate's target weights verbatim for target-weights", () => {
    const out = runOptimizer(input("target-weights"));
    expect(out.targetWeights).toEqual(targets);
    expect(out.solvedAs).toBe("target-weights");
  });

  it("scales targets that do not sum to 1 − cashTarget to the risky sleeve", () => {
    // Σ = 0.49 over two assets, cash 0.02: each 0.245 · 0.98/0.49 = 0.49.
    const out = runOptimizer(
      input(
        "target-weights",
        { currentWeights: {} },
        { targetWeights: { AAPL: 0.245, XOM: 0.245 }, bounds: { min: 0, max: 1 } },
      ),
    );
    expect(out.targetWeights.AAPL).toBeCloseTo(0.49, 15);
    expect(out.targetWeights.XOM).toBeCloseTo(0.49, 15);
  });

  const feasible = randomFeasible(3000, 0.02, 0.25);

  it("min-volatility beats every one of 3000 random feasible portfolios on volatility", () => {
    const v = vol(vec(runOptimizer(input("min-volatility")).targetWeights));
    expect(Math.min(...feasible.map(vol))).toBeGreaterThan(v);
  });

  it("max-sharpe beats every one of 3000 random feasible portfolios on the Sharpe ratio", () => {
    const out = runOptimizer(input("max-sharpe"));
    const sharpe = (w: number[]) => ret(w) / vol(w);
    expect(out.performance.sharpe).toBeCloseTo(sharpe(vec(out.targetWeights)), 10);
    expect(Math.max(...feasible.map(sharpe))).toBeLessThan(out.performance.sharpe as number);
  });

  it("efficient-risk meets its volatility target and out-earns every random portfolio within it", () => {
    const out = runOptimizer(input("efficient-risk"));
    const w = vec(out.targetWeights);
    expect(vol(w)).toBeLessThanOrEqual(0.16 * (1 + 1e-9));
    const within = feasible.filter((f) => vol(f) <= 0.16);
    expect(within.length).toBeGreaterThan(0);
    expect(Math.max(...within.map(ret))).toBeLessThan(ret(w));
  });

  it("efficient-return meets its return target at a lower volatility than any random portfolio that does", () => {
    const out = runOptimizer(input("efficient-return"));
    const w = vec(out.targetWeights);
    // NAV return = 0.98·(sleeve return) + 0.02·rf, rf = 0: the target is met on NAV weights.
    expect(ret(w)).toBeGreaterThanOrEqual(0.12 - 1e-9);
    const meeting = feasible.filter((f) => ret(f) >= 0.12);
    expect(meeting.length).toBeGreaterThan(0);
    expect(Math.min(...meeting.map(vol))).toBeGreaterThan(vol(w));
  });

  it("risk-parity gives equal naive risk contributions w_i (Σw)_i when the bounds do not bind", () => {
    const out = runOptimizer(input("risk-parity", {}, { bounds: { min: 0, max: 1 } }));
    const w = vec(out.targetWeights);
    const rc = w.map(
      (wi, i) => wi * w.reduce((r, wj, j) => r + (naiveCov[i]?.[j] as number) * wj, 0),
    );
    const total = rc.reduce((a, b) => a + b, 0);
    for (const c of rc) expect(c / total).toBeCloseTo(1 / SYMBOLS.length, 8);
  });

  it("projects risk-parity weights that break tight bounds into them, with a note", () => {
    const out = runOptimizer(input("risk-parity", {}, { bounds: { min: 0.08, max: 0.12 } }));
    for (const x of Object.values(out.targetWeights)) {
      expect(x).toBeGreaterThanOrEqual(0.08 - 1e-12);
      expect(x).toBeLessThanOrEqual(0.12 + 1e-12);
    }
    expect(out.notes.join(" ")).toMatch(/projected/);
  });

  it("caps the turnover toward the current weights for a mean-variance objective", () => {
    const uncapped = runOptimizer(input("min-volatility"));
    const distance = (w: Record<string, number>) =>
      SYMBOLS.reduce(
        (a, s) => a + Math.abs((w[s] ?? 0) - (targets[s as keyof typeof targets] ?? 0)),
        0,
      );
    expect(distance(uncapped.targetWeights)).toBeGreaterThan(0.1); // the cap will bind
    const capped = runOptimizer(input("min-volatility", {}, { turnoverLimit: 0.1 }));
    expect(distance(capped.targetWeights)).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(capped.constraints.turnover).toEqual({ mode: "cap", limit: 0.1, applied: true });
  });

  it("drops an infeasible turnover cap (an all-cash book) with a note", () => {
    const out = runOptimizer(
      input("min-volatility", { currentWeights: {} }, { turnoverLimit: 0.1, universe: SYMBOLS }),
    );
    expect(out.constraints.turnover?.applied).toBe(false);
    expect(out.notes.join(" ")).toMatch(/turnover cap infeasible/);
    expect(
      Math.abs(Object.values(out.targetWeights).reduce((a, b) => a + b, 0) - 0.98),
    ).toBeLessThan(1e-9);
  });

  it("holds asset-class bounds, offsetting the cash class by the cash target", () => {
    const assetClasses = Object.fromEntries(
      SYMBOLS.map(
        (s) =>
          [
            s,
            ["AAPL", "AMZN", "GOOG"].includes(s) ? "etf" : s === "XOM" ? "cash" : "equity",
          ] as const,
      ),
    );
    const out = runOptimizer(
      input(
        "max-sharpe",
        { assetClasses },
        {
          bounds: { min: 0, max: 1 },
          assetClassBounds: { etf: { max: 0.1 }, cash: { min: 0.07 } },
        },
      ),
    );
    const w = out.targetWeights;
    expect((w.AAPL ?? 0) + (w.AMZN ?? 0) + (w.GOOG ?? 0)).toBeLessThanOrEqual(0.1 + 1e-9);
    // The cash class holds the 0.02 cash target, so XOM must carry at least 0.07 − 0.02 = 0.05.
    expect(w.XOM).toBeGreaterThanOrEqual(0.05 - 1e-9);
    expect(out.constraints.assetClassBounds.map((g) => g.assetClass)).toEqual(["etf", "cash"]);
  });

  it("requires the asset classes when the mandate bounds them", () => {
    expect(() =>
      runOptimizer(input("max-sharpe", {}, { assetClassBounds: { etf: { max: 0.1 } } })),
    ).toThrow(/assetClasses/);
  });

  it("requires the objective's target", () => {
    expect(() =>
      runOptimizer(input("efficient-risk", {}, { targetVolatility: undefined })),
    ).toThrow(/mandate\.targetVolatility/);
    expect(() => runOptimizer(input("efficient-return", {}, { targetReturn: undefined }))).toThrow(
      /mandate\.targetReturn/,
    );
  });

  it("names a universe symbol the table has no prices for", () => {
    expect(() => runOptimizer(input("min-volatility", {}, { universe: ["AAPL", "MSFT"] }))).toThrow(
      /MSFT/,
    );
  });

  it("gives held symbols outside the universe a zero target", () => {
    const out = runOptimizer(
      input(
        "min-volatility",
        { currentWeights: { AAPL: 0.5, XOM: 0.48 } },
        { universe: ["AAPL", "JPM", "PFE"], bounds: { min: 0, max: 1 } },
      ),
    );
    expect(Object.keys(out.targetWeights)).toEqual(["AAPL", "JPM", "PFE", "XOM"]);
    expect(out.targetWeights.XOM).toBe(0);
    expect(out.notes[0]).toMatch(/outside the universe/);
  });

  it("gives byte-identical JSON for the same input", () => {
    for (const objective of OBJECTIVES) {
      expect(JSON.stringify(runOptimizer(input(objective)))).toBe(
        JSON.stringify(runOptimizer(input(objective))),
      );
    }
  });
});

describe("runOptimizer under a risk budget", () => {
  const minVol = vol(vec(runOptimizer(input("min-volatility")).targetWeights));

  it.each(["target-weights", "max-sharpe", "risk-parity", "hrp"] as const)(
    "%s: a budget between the minimum and the unconstrained volatility gives a portfolio at it",
    (objective) => {
      const free = vol(vec(runOptimizer(input(objective)).targetWeights));
      expect(free).toBeGreaterThan(minVol * 1.01);
      const budget = (free + minVol) / 2;
      const out = runOptimizer(
        input(objective, { riskBudget: { maxVolatility: budget }, loop: 1 }),
      );
      const v = vol(vec(out.targetWeights));
      expect(v).toBeLessThanOrEqual(budget * (1 + 1e-9));
      expect(v).toBeGreaterThanOrEqual(budget * (1 - 1e-5));
      expect(out.constraints.riskBudget).toEqual({ maxVolatility: budget, binding: true });
      expect(out.loop).toBe(1);
      expect(
        Math.abs(Object.values(out.targetWeights).reduce((a, b) => a + b, 0) - 0.98),
      ).toBeLessThan(1e-9);
    },
  );

  it("stays nearer the targets than the minimum-volatility portfolio does", () => {
    const free = vol(vec(targets));
    const out = runOptimizer(
      input("target-weights", { riskBudget: { maxVolatility: (free + minVol) / 2 } }),
    );
    const l1 = (w: Record<string, number>) =>
      SYMBOLS.reduce(
        (a, s) => a + Math.abs((w[s] ?? 0) - (targets[s as keyof typeof targets] ?? 0)),
        0,
      );
    expect(l1(out.targetWeights)).toBeLessThan(
      l1(runOptimizer(input("min-volatility")).targetWeights),
    );
  });

  it("leaves the portfolio alone when the budget is above its volatility", () => {
    const out = runOptimizer(input("target-weights", { riskBudget: { maxVolatility: 0.5 } }));
    expect(out.targetWeights).toEqual(targets);
    expect(out.constraints.riskBudget?.binding).toBe(false);
  });

  it("proposes the minimum-volatility portfolio, with a note, when the budget is unattainable", () => {
    const out = runOptimizer(input("max-sharpe", { riskBudget: { maxVolatility: minVol * 0.5 } }));
    expect(vol(vec(out.targetWeights))).toBeCloseTo(minVol, 6);
    expect(out.notes.join(" ")).toMatch(/below the minimum volatility/);
  });
});

describe("optimizeTool", () => {
  it("returns the same JSON as runOptimizer", async () => {
    const i = input("hrp");
    expect(JSON.parse(String(await optimizeTool.invoke(i)))).toEqual(
      JSON.parse(JSON.stringify(runOptimizer(i))),
    );
  });
});
