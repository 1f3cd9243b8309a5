import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  applyScenario,
  covarianceMatrix,
  createRandom,
  expectedReturns,
  getScenario,
  parsePriceCsv,
  returnMatrix,
  simulatePortfolio,
  ToolError,
  type PriceTable,
} from "../tools/index.js";
import {
  CASH,
  NAME,
  RiskOutputSchema,
  riskTools,
  runRisk,
  VERSION,
  type RiskInput,
  type RiskOutput,
} from "./risk-agent.js";
import { mapMemo, type AnalysisMemo } from "./analysis-memo.js";

// ---------------------------------------------------------------------------------------------
// Hand-worked two-asset book, P = 1 so nothing is annualised.
// A: 100, 110, 99, 108.9, 98.01 → r_A = (0.1, −0.1, 0.1, −0.1), mean 0, Σr² = 0.04
// B: 100, 110, 99, 99, 99       → r_B = (0.1, −0.1, 0, 0),     mean 0, Σr² = 0.02
// Σ (ddof 1) = [[0.04/3, 0.02/3], [0.02/3, 0.02/3]]  (Σ r_A r_B = 0.01 + 0.01 = 0.02)
// current  w_c = (A 0.5, B 0.3, cash 0.2); proposed w_p = (A 0.2, B 0.6, cash 0.2)
// ---------------------------------------------------------------------------------------------
const handTable: PriceTable = {
  dates: ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
  symbols: ["A", "B"],
  columns: [
    [100, 110, 99, 108.9, 98.01],
    [100, 110, 99, 99, 99],
  ],
};
const hand: RiskInput = {
  table: handTable,
  currentWeights: { A: 0.5, B: 0.3 },
  proposedWeights: { A: 0.2, B: 0.6 },
  periodsPerYear: 1,
  monteCarlo: { seed: 1, paths: 2000 },
  assetClasses: { A: "equity", B: "bond" },
  scenarios: ["equity-crash-20", "rate-shock", "correlation-crisis"],
  riskLimits: { maxVolatility: 0.07, maxVar95: 0.072, maxDrawdown: 0.081, maxTrackingError: 0.5 },
};
const handOut = runRisk(hand);

describe("the Risk agent on a hand-worked two-asset book", () => {
  it("computes the ex-ante tracking error between proposal and current book", () => {
    // d = (−0.3, 0.3): dᵀΣd = 0.09 · (0.04 + 0.02 − 2 · 0.02) / 3 = 0.0006
    expect(handOut.trackingErrorToTarget).toBeCloseTo(Math.sqrt(0.0006), 12);
  });

  it("computes ex-ante volatility and geometric expected return of each book", () => {
    // current: 0.25·0.04/3 + 0.09·0.02/3 + 2·0.15·0.02/3 = 0.0178/3
    expect(handOut.current.volatility).toBeCloseTo(Math.sqrt(0.0178 / 3), 12);
    // proposed: 0.04·0.04/3 + 0.36·0.02/3 + 2·0.12·0.02/3 = 0.0136/3
    expect(handOut.proposed?.volatility).toBeCloseTo(Math.sqrt(0.0136 / 3), 12);
    // geometric, P = 1, n = 4: A (98.01/100)^(1/4) − 1, B (99/100)^(1/4) − 1
    const gA = Math.pow(0.9801, 0.25) - 1;
    const gB = Math.pow(0.99, 0.25) - 1;
    expect(handOut.current.expectedReturn).toBeCloseTo(0.5 * gA + 0.3 * gB, 12);
    expect(handOut.assets.A?.expectedReturn).toBeCloseTo(gA, 12);
    expect(handOut.assets.B?.volatility).toBeCloseTo(Math.sqrt(0.02 / 3), 12);
    expect(handOut.current.cashWeight).toBeCloseTo(0.2, 12);
    expect(handOut.current.weights).toEqual({ A: 0.5, B: 0.3, [CASH]: handOut.current.cashWeight });
  });

  it("computes VaR, CVaR and drawdowns of the daily-rebalanced returns", () => {
    // current r_p = 0.5 r_A + 0.3 r_B = (0.08, −0.08, 0.05, −0.05)
    // type 7 at 5%: h = 3 · 0.05 = 0.15 → −0.08 + 0.15 · 0.03 = −0.0755; tail {−0.08}
    expect(handOut.current.var95).toBeCloseTo(0.0755, 12);
    expect(handOut.current.cvar95).toBeCloseTo(0.08, 12);
    // wealth 1.08, 0.9936, 1.04328, 0.991116 → 1 − 0.991116/1.08, also the last drawdown
    expect(handOut.current.maxDrawdown).toBeCloseTo(1 - 0.991116 / 1.08, 12);
    expect(handOut.current.currentDrawdown).toBeCloseTo(1 - 0.991116 / 1.08, 12);
    // parametric: mean 0, std √(0.0178/3), z = Φ⁻¹(0.05) = −1.6448536269514729 (scipy)
    expect(handOut.current.parametricVar95).toBeCloseTo(
      1.6448536269514729 * Math.sqrt(0.0178 / 3),
      9,
    );
    // proposed r_p = (0.08, −0.08, 0.02, −0.02): −0.08 + 0.15 · 0.06 = −0.071
    expect(handOut.proposed?.var95).toBeCloseTo(0.071, 12);
    // wealth 1.08, 0.9936, 1.013472, 0.99320256
    expect(handOut.proposed?.maxDrawdown).toBeCloseTo(1 - 0.99320256 / 1.08, 12);
    expect(handOut.current.observations).toBe(4);
  });

  it("lists the limits each book breaches, and a limit it cannot check as unchecked", () => {
    expect(handOut.current.breaches.map((b) => b.limit)).toEqual([
      "maxVolatility",
      "maxVar95",
      "maxDrawdown",
    ]);
    expect(handOut.current.breaches[1]).toEqual({
      limit: "maxVar95",
      value: handOut.current.var95,
      max: 0.072,
    });
    expect(handOut.proposed?.breaches).toEqual([]);
    expect(handOut.breaches).toEqual([]);
    expect(handOut.withinLimits).toBe(true);
    expect(handOut.proposed?.uncheckedLimits).toEqual([
      { limit: "maxTrackingError", max: 0.5, reason: "benchmark: no benchmark given" },
    ]);
  });

  it("measures realised tracking error against a benchmark column", () => {
    const out = runRisk({ ...hand, benchmark: "B" });
    // proposed − B = (0.08 − 0.1, −0.08 + 0.1, 0.02, −0.02): mean 0, Σd² = 0.0016, /3
    expect(out.proposed?.trackingError).toBeCloseTo(Math.sqrt(0.0016 / 3), 12);
    expect(out.proposed?.uncheckedLimits).toEqual([]);
  });

  it("shocks each book instantly per scenario and stresses its volatility", () => {
    const [crash, rates, crisis] = handOut.stress.scenarios;
    expect(crash?.current.pnl).toBeCloseTo(-0.1, 12); // A 0.5 × −20%
    expect(rates?.current.pnl).toBeCloseTo(-0.074, 12); // A 0.5 × −10% + B 0.3 × −8%
    expect(rates?.proposed?.return).toBeCloseTo(0.2 * -0.1 + 0.6 * -0.08, 12);
    expect(crash?.current.stressedVolatility).toBeCloseTo(handOut.current.volatility, 12);
    // correlation-crisis: k = 1.5, c = 0.5 → Σ'_AA = 2.25·0.04/3, Σ'_BB = 2.25·0.02/3,
    // Σ'_AB = 2.25·(0.5·0.02/3 + 0.5·σ_A σ_B)
    const sAB = 2.25 * (0.5 * (0.02 / 3) + 0.5 * Math.sqrt((0.04 / 3) * (0.02 / 3)));
    const v = 0.25 * 2.25 * (0.04 / 3) + 0.09 * 2.25 * (0.02 / 3) + 2 * 0.15 * sAB;
    expect(crisis?.current.stressedVolatility).toBeCloseTo(Math.sqrt(v), 12);
    expect(crisis?.current.pnl).toBe(0);
  });

  it("simulates the proposal with a drift whose median growth is the geometric return", () => {
    // A riskless asset growing 1% a day: g = 1.01^252 − 1, σ = 0, so every path ends at 1.01^21.
    const prices = Array.from({ length: 60 }, (_, t) => 100 * Math.pow(1.01, t));
    const dates = Array.from(
      { length: 60 },
      (_, t) =>
        `2024-${String(1 + Math.floor(t / 28)).padStart(2, "0")}-${String(1 + (t % 28)).padStart(2, "0")}`,
    );
    const out = runRisk({
      table: { dates, symbols: ["R"], columns: [prices] },
      currentWeights: { R: 1 },
      monteCarlo: { seed: 3, paths: 100 },
      scenarios: [],
    });
    const mc = out.stress.monteCarlo;
    expect(out.stress.portfolio).toBe("current");
    expect(mc.terminalValue.p5).toBeCloseTo(Math.pow(1.01, 21), 9);
    expect(mc.terminalValue.p95).toBeCloseTo(Math.pow(1.01, 21), 9);
    expect(mc.probabilityOfLoss).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Real data: the 20 fixture equities and SPY, last 757 dates (756 returns, no missing price).
// ---------------------------------------------------------------------------------------------
function fixture(name: string): PriceTable {
  const url = new URL(`../tests/fixtures/datasets/${name}`, import.meta.url);
  return parsePriceCsv(readFileSync(url, "utf8"));
}
const equities = fixture("us-equities-20.csv");
const spy = fixture("spy.csv");
const spyByDate = new Map(spy.dates.map((d, t) => [d, spy.columns[0]?.[t] ?? null]));
const T = equities.dates.length;
const N = 757;
const dates = equities.dates.slice(T - N);
const realTable: PriceTable = {
  dates,
  symbols: [...equities.symbols, "SPY"],
  columns: [
    ...equities.columns.map((c) => c.slice(T - N)),
    dates.map((d) => spyByDate.get(d) ?? null),
  ],
};
const sorted = [...equities.symbols].sort();
const currentWeights = Object.fromEntries(sorted.map((s, i) => [s, 0.03 + 0.002 * (i % 5)]));
const proposedWeights = Object.fromEntries(sorted.map((s) => [s, 0.0475]));
const assetClasses = Object.fromEntries(sorted.map((s) => [s, "equity" as const]));
const realInput: RiskInput = {
  table: realTable,
  currentWeights,
  proposedWeights,
  benchmark: "SPY",
  assetClasses,
  monteCarlo: { seed: 42 },
  riskLimits: { maxVolatility: 0.5, maxVar95: 0.5, maxDrawdown: 0.9, maxTrackingError: 0.5 },
};
const real = runRisk(realInput);

/** Naive daily-rebalanced returns straight from the prices (no missing price in the window). */
function naiveReturns(weights: Record<string, number>): number[] {
  const out: number[] = [];
  for (let t = 1; t < N; t++) {
    let r = 0;
    for (const [s, w] of Object.entries(weights)) {
      const col = realTable.columns[realTable.symbols.indexOf(s)] as number[];
      r += w * ((col[t] as number) / (col[t - 1] as number) - 1);
    }
    out.push(r);
  }
  return out;
}
function naiveQuantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return (s[lo] as number) + (h - lo) * ((s[lo + 1] ?? (s[lo] as number)) - (s[lo] as number));
}
function naiveStd(values: number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

describe("the Risk agent with an analysis memo", () => {
  it("gives the figures it gives without one, and computes a book's figures once across runs", () => {
    const inner = mapMemo();
    const computed: string[] = [];
    const memo: AnalysisMemo = {
      get: (key, compute) =>
        inner.get(key, () => {
          computed.push(key.split("\u0000")[0] as string);
          return compute();
        }),
    };
    // As a run does: the current book alone (risk_current), then with the proposal (risk_proposed).
    const current = runRisk({ ...hand, proposedWeights: undefined }, { memo });
    const both = runRisk(hand, { memo });
    expect(current.current).toEqual(handOut.current);
    expect(both.current).toEqual(handOut.current);
    expect(both.proposed).toEqual(handOut.proposed);
    expect(both.stress.scenarios).toEqual(handOut.stress.scenarios);
    expect(both.trackingErrorToTarget).toBe(handOut.trackingErrorToTarget);
    const count = (kind: string) => computed.filter((k) => k === kind).length;
    expect(count("risk-book")).toBe(2); // the current book once, the proposed once
    expect(count("risk-scenario")).toBe(2 * 3); // each book once per scenario
    expect(count("risk-stressed")).toBe(3); // once per scenario
  });
});

describe("the Risk agent on the fixture equities", () => {
  it("matches a naive daily-rebalanced VaR, CVaR, drawdown and tracking error", () => {
    for (const [weights, risk] of [
      [currentWeights, real.current],
      [proposedWeights, real.proposed],
    ] as const) {
      const r = naiveReturns(weights);
      const q = naiveQuantile(r, 0.05);
      expect(risk?.var95).toBeCloseTo(-q, 12);
      const tail = r.filter((x) => x <= q);
      expect(risk?.cvar95).toBeCloseTo(-tail.reduce((a, b) => a + b, 0) / tail.length, 12);
      let wealth = 1;
      let peak = 1;
      let worst = 0;
      for (const x of r) {
        wealth *= 1 + x;
        peak = Math.max(peak, wealth);
        worst = Math.max(worst, 1 - wealth / peak);
      }
      expect(risk?.maxDrawdown).toBeCloseTo(worst, 12);
      const m = naiveReturns({ SPY: 1 });
      const te = naiveStd(r.map((x, t) => x - (m[t] as number))) * Math.sqrt(252);
      expect(risk?.trackingError).toBeCloseTo(te, 12);
      expect(risk?.realisedVolatility).toBeCloseTo(naiveStd(r) * Math.sqrt(252), 12);
      expect(risk?.observations).toBe(756);
    }
  });

  it("wires μ, Σ, the Monte Carlo and the scenarios to the tools on the same inputs", () => {
    const matrix = returnMatrix({
      dates,
      symbols: sorted,
      columns: sorted.map((s) => realTable.columns[realTable.symbols.indexOf(s)] as number[]),
    });
    const mu = expectedReturns(matrix);
    const cov = covarianceMatrix(matrix).matrix;
    const w = sorted.map((s) => proposedWeights[s] as number);
    let er = 0;
    let variance = 0;
    w.forEach((wi, i) => {
      er += wi * (mu[i] as number);
      w.forEach((wj, j) => (variance += wi * wj * ((cov[i] as number[])[j] as number)));
    });
    expect(real.proposed?.expectedReturn).toBeCloseTo(er, 14);
    expect(real.proposed?.volatility).toBeCloseTo(Math.sqrt(variance), 14);
    expect(real.symbols).toEqual(sorted);

    const cash = 1 - w.reduce((a, b) => a + b, 0);
    const mc = simulatePortfolio({
      expectedReturns: [
        ...mu.map((g, i) => Math.log(1 + g) + ((cov[i] as number[])[i] as number) / 2),
        0,
      ],
      covariance: [...cov.map((row) => [...row, 0]), new Array<number>(21).fill(0)],
      weights: [...w, cash],
      horizonDays: 21,
      paths: 10_000,
      mode: "portfolio",
      random: createRandom(42),
    });
    const got = real.stress.monteCarlo;
    expect(got.probabilityOfLoss).toBe(mc.probabilityOfLoss);
    expect(got.terminalValue.p5).toBeCloseTo(mc.terminalValue.p5, 12);
    expect(got.terminalValue.p50).toBeCloseTo(mc.terminalValue.p50, 12);
    expect(got.expectedShortfall.value).toBeCloseTo(mc.expectedShortfall.value, 12);

    const crash = applyScenario(
      {
        symbols: [...sorted, CASH],
        weights: [...w, cash],
        assetClasses: [...sorted.map(() => "equity" as const), "cash"],
        value: 1,
      },
      getScenario("equity-crash-20"),
    );
    expect(real.stress.scenarios[0]?.proposed?.pnl).toBeCloseTo(crash.totalPnl, 14);
  });

  it("is deterministic per seed: same seed identical, another seed changes only the Monte Carlo", () => {
    expect(JSON.stringify(runRisk(realInput))).toBe(JSON.stringify(real));
    const other = runRisk({ ...realInput, monteCarlo: { seed: 43 } });
    expect(other.stress.monteCarlo.terminalValue.p50).not.toBe(
      real.stress.monteCarlo.terminalValue.p50,
    );
    expect(JSON.stringify({ ...other, stress: null })).toBe(
      JSON.stringify({ ...real, stress: null }),
    );
  });

  it("runs the multi-asset Monte Carlo too", () => {
    const out = runRisk({
      ...realInput,
      monteCarlo: { seed: 42, paths: 500, mode: "multi-asset" },
    });
    expect(out.stress.monteCarlo.mode).toBe("multi-asset");
    expect(out.stress.monteCarlo.terminalValue.p5).toBeLessThan(1);
  });

  it("detects breaches when limits are tight and none when they are loose", () => {
    expect(real.breaches).toEqual([]);
    expect(real.withinLimits).toBe(true);
    const tight = runRisk({
      ...realInput,
      riskLimits: {
        maxVolatility: 0.05,
        maxVar95: 0.005,
        maxDrawdown: 0.05,
        maxTrackingError: 0.01,
      },
    });
    expect(tight.breaches.map((b) => b.limit)).toEqual([
      "maxVolatility",
      "maxVar95",
      "maxTrackingError",
      "maxDrawdown",
    ]);
    expect(tight.breaches[0]).toEqual({
      limit: "maxVolatility",
      value: tight.proposed?.volatility,
      max: 0.05,
    });
    expect(tight.current.breaches).toHaveLength(4);
    expect(tight.withinLimits).toBe(false);
  });

  it("emits no NaN or Infinity and matches its output schema", () => {
    const values: number[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "number") values.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
    };
    walk(real);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(() => RiskOutputSchema.parse(real)).not.toThrow();
    expect(real.recommendedBy).toEqual({ agent: NAME, version: VERSION });
    expect(real.window).toEqual({ from: dates[0], to: dates[N - 1] });
  });

  it("uses only the lookback window: older prices do not matter", () => {
    const shorter = runRisk({ ...realInput, lookbackDays: 252 });
    expect(shorter.current.observations).toBe(252);
    expect(shorter.window.from).toBe(dates[N - 253]);
    const cut: PriceTable = {
      dates: dates.slice(N - 253),
      symbols: realTable.symbols,
      columns: realTable.columns.map((c) => c.slice(N - 253)),
    };
    expect(JSON.stringify(runRisk({ ...realInput, table: cut, lookbackDays: 252 }))).toBe(
      JSON.stringify(shorter),
    );
  });
});

describe("the Risk agent's edge cases", () => {
  it("treats an all-cash book as riskless without NaN", () => {
    const out: RiskOutput = runRisk({ ...hand, currentWeights: {}, proposedWeights: { CASH: 1 } });
    expect(out.current.volatility).toBe(0);
    expect(out.current.var95).toBe(0);
    expect(out.current.maxDrawdown).toBe(0);
    expect(out.proposed?.cashWeight).toBe(1);
    expect(out.trackingErrorToTarget).toBe(0);
    expect(out.stress.monteCarlo.probabilityOfLoss).toBe(0);
    expect(() => RiskOutputSchema.parse(out)).not.toThrow();
  });

  it("rejects leverage, short weights, unknown symbols and missing asset classes, naming the field", () => {
    const field = (input: RiskInput): string => {
      try {
        runRisk(input);
      } catch (error) {
        if (error instanceof ToolError) return error.field;
        throw error;
      }
      return "no error";
    };
    expect(field({ ...hand, currentWeights: { A: 0.8, B: 0.3 } })).toBe("currentWeights");
    expect(field({ ...hand, proposedWeights: { A: -0.1, B: 0.3 } })).toBe("proposedWeights.A");
    expect(field({ ...hand, proposedWeights: { ZZZ: 0.3 } })).toBe("proposedWeights.ZZZ");
    expect(field({ ...hand, assetClasses: { A: "equity" } })).toBe("assetClasses.B");
    expect(field({ ...hand, currentWeights: { A: 0.5, CASH: 0.2 } })).toBe("currentWeights");
  });

  it("is exposed as LangChain tools: assess_portfolio_risk and apply_stress_scenario", async () => {
    const [assess, scenario] = riskTools;
    expect([assess.name, scenario.name]).toEqual([
      "assess_portfolio_risk",
      "apply_stress_scenario",
    ]);
    const table = {
      dates: [...handTable.dates],
      symbols: [...handTable.symbols],
      columns: handTable.columns.map((c) => [...c]),
    };
    const viaTool = (await assess.invoke({ ...hand, table })) as RiskOutput;
    expect(viaTool.trackingErrorToTarget).toBe(handOut.trackingErrorToTarget);
    const impact = (await scenario.invoke({
      weights: { A: 0.5, B: 0.3 },
      assetClasses: { A: "equity", B: "bond" },
      scenario: "rate-shock",
    })) as { totalPnl: number };
    expect(impact.totalPnl).toBeCloseTo(-0.074, 12);
  });
});
