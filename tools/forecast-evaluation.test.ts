import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sampleRankCorrelation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import {
  DEFAULT_EVALUATION_PARAMETERS,
  ensembleBacktest,
  hitRate,
  skillWeights,
  spearmanCorrelation,
  walkForwardEvaluation,
  type WalkForwardResult,
} from "./forecast-evaluation.js";
import { DEFAULT_SIGNAL_PARAMETERS, signalHistoryNeeded, signalsAt } from "./forecast-signals.js";
import { parsePriceCsv } from "./price-table.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const table = parsePriceCsv(
  readFileSync(path.join(here, "../tests/fixtures/datasets/us-equities-20.csv"), "utf8"),
);
function fixtureLogPrices(symbol: string): number[] {
  const column = table.columns[table.symbols.indexOf(symbol)] ?? [];
  return column.filter((p): p is number => p !== null).map((p) => Math.log(p));
}
const PARAMS = { ...DEFAULT_SIGNAL_PARAMETERS, ...DEFAULT_EVALUATION_PARAMETERS };

describe("spearmanCorrelation", () => {
  it("reproduces scipy's spearmanr documentation example", () => {
    // ranks x 1 2 3 4 5; y 5 6 7 8 7 → 1 2 3.5 5 3.5; centred −2 −1 0 1 2 and −2 −1 .5 2 .5
    // Σ = 4 + 1 + 0 + 2 + 1 = 8; √(10 · 9.5) = √95 → 8/√95 = 0.8207826816681233 (scipy)
    expect(spearmanCorrelation([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(
      8 / Math.sqrt(95),
      15,
    );
    expect(spearmanCorrelation([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(
      0.8207826816681233,
      15,
    );
  });

  it("agrees with simple-statistics' sampleRankCorrelation on fixture returns with ties", () => {
    const a = fixtureLogPrices("GE").slice(1000, 1300);
    const b = fixtureLogPrices("T").slice(1000, 1300);
    // daily returns rounded to 0.1% so that ties are common
    const ra = a.slice(1).map((v, i) => Math.round((v - (a[i] as number)) * 1000) / 1000);
    const rb = b.slice(1).map((v, i) => Math.round((v - (b[i] as number)) * 1000) / 1000);
    expect(new Set(ra).size).toBeLessThan(ra.length);
    expect(spearmanCorrelation(ra, rb)).toBeCloseTo(sampleRankCorrelation(ra, rb), 13);
  });

  it("is ±1 for monotone relations and throws on a constant series", () => {
    expect(spearmanCorrelation([1, 2, 3], [1, 4, 9])).toBe(1);
    expect(spearmanCorrelation([1, 2, 3], [9, 4, 1])).toBe(-1);
    try {
      spearmanCorrelation([1, 2, 3], [5, 5, 5]);
      throw new Error("expected a ToolError");
    } catch (error) {
      expect(isToolError(error) && error.code).toBe("INSUFFICIENT_DATA");
    }
  });
});

describe("hitRate", () => {
  it("counts correct directions among the called ones", () => {
    // (0.1, 0.05) hit; (−0.2, 0.01) miss; (0.3, 0.2) hit; (0, 0.3) no call; (0.1, −0.1) miss → 2/4
    expect(hitRate([0.1, -0.2, 0.3, 0, 0.1], [0.05, 0.01, 0.2, 0.3, -0.1])).toBe(0.5);
  });

  it("throws when no direction was called", () => {
    try {
      hitRate([0, 0], [0.1, -0.1]);
      throw new Error("expected a ToolError");
    } catch (error) {
      expect(isToolError(error) && error.field).toBe("forecasts");
    }
  });
});

describe("skillWeights", () => {
  it("weights signals in proportion to their positive IC", () => {
    // max(IC, 0) = 0.2, 0.1, 0, 0 → 2/3, 1/3, 0, 0
    const w = skillWeights([0.2, 0.1, -0.05, null]);
    expect(w.weighting).toBe("skill");
    expect(w.weights[0]).toBeCloseTo(2 / 3, 15);
    expect(w.weights[1]).toBeCloseTo(1 / 3, 15);
    expect(w.weights.slice(2)).toEqual([0, 0]);
  });

  it("falls back to equal weights when no signal has a positive IC", () => {
    expect(skillWeights([-0.1, 0, null])).toEqual({
      weights: [1 / 3, 1 / 3, 1 / 3],
      weighting: "equal",
    });
  });
});

describe("walkForwardEvaluation", () => {
  it("pairs each origin with the h-day return that follows it", () => {
    // An injected signal that peeks at the future return scores IC 1 and hit rate 1; its negation
    // −1 and 0; a zero forecast calls nothing; the origin index itself is a time trend.
    const x = fixtureLogPrices("PFE");
    const h = PARAMS.horizonDays;
    const wf = walkForwardEvaluation(x, x.length - 1, PARAMS, (prices, o) => {
      const future = (prices[o + h] as number) - (prices[o] as number);
      return { sigma: 1, expectedAnnualReturns: [future, -future, 0, o] };
    });
    expect(wf.origins).toHaveLength(60);
    expect(wf.origins[0]).toBe(x.length - 1 - h);
    expect(wf.origins[1]).toBe(x.length - 1 - h - 21);
    expect(wf.skills[0]).toEqual({ hitRate: 1, ic: 1 });
    expect(wf.skills[1]).toEqual({ hitRate: 0, ic: -1 });
    expect(wf.skills[2]).toEqual({ hitRate: null, ic: null });
    expect(wf.skills[3]?.ic).toBeCloseTo(
      sampleRankCorrelation([...wf.origins], [...wf.outcomes]),
      13,
    );
  });

  it("matches a naive walk-forward that truncates the prices at each origin (AAPL fixture)", () => {
    const x = fixtureLogPrices("AAPL");
    const t = 4000;
    const wf = walkForwardEvaluation(x, t, PARAMS);
    const forecasts: number[][] = [[], [], [], []];
    const outcomes: number[] = [];
    const origins: number[] = [];
    for (let o = t - 21; o >= signalHistoryNeeded(PARAMS) && origins.length < 60; o -= 21) {
      const visible = x.slice(0, o + 1); // nothing after the origin exists for the signal
      const s = signalsAt(visible, o, PARAMS);
      if (s === null) break;
      origins.push(o);
      outcomes.push((x[o + 21] as number) - (x[o] as number));
      s.expectedAnnualReturns.forEach((f, k) => forecasts[k]?.push(f));
    }
    expect(wf.origins).toEqual(origins);
    forecasts.forEach((f, k) => {
      let called = 0;
      let hits = 0;
      f.forEach((v, i) => {
        const y = outcomes[i] as number;
        if (v !== 0 && y !== 0) {
          called++;
          if (Math.sign(v) === Math.sign(y)) hits++;
        }
      });
      expect(wf.skills[k]?.hitRate).toBeCloseTo(hits / called, 15);
      expect(wf.skills[k]?.ic).toBeCloseTo(sampleRankCorrelation(f, outcomes), 13);
    });
  });

  it("stops at the first origin where the signals lack history", () => {
    const x = fixtureLogPrices("AAPL");
    // t = 209 + 21 + 21·4: origins t − 21 − 21k ≥ 209 for k = 0 … 4
    const wf = walkForwardEvaluation(x, 209 + 21 + 84, PARAMS);
    expect(wf.origins).toEqual([293, 272, 251, 230, 209]);
  });
});

describe("ensembleBacktest", () => {
  // Five monthly origins (chronological 1 … 5), two signals. A agrees with the outcomes' ranks,
  // B is their mirror image; minEvaluations 2.
  //   outcome  0.1  0.2  −0.1  0.3  −0.2
  //   A        1    2    −1    3    2
  //   B        −1   −2   1     −3   1
  const wf: WalkForwardResult = {
    origins: [5, 4, 3, 2, 1],
    outcomes: [-0.2, 0.3, -0.1, 0.2, 0.1],
    forecasts: [
      [2, 3, -1, 2, 1],
      [1, -3, 1, -2, -1],
    ],
    skills: [],
  };

  it("weights each origin with ICs from earlier origins only (h = 1)", () => {
    // origin 3 knows origins 1, 2: IC_A = 1, IC_B = −1 → w = (1, 0) → forecast −1, outcome −0.1
    // origin 4 knows 1–3: A ranks 2 3 1 = outcome ranks → IC_A = 1 → forecast 3, outcome 0.3
    // origin 5 knows 1–4: IC_A = 1 → forecast 2, outcome −0.2
    // hits: (−1, −.1) ✓ (3, .3) ✓ (2, −.2) ✗ → 2/3
    // Spearman of (−1, 3, 2) and (−.1, .3, −.2): ranks 1 3 2 and 2 3 1 → centred −1 1 0 and
    // 0 1 −1 → 1/√(2·2) = 0.5
    const r = ensembleBacktest(wf, { horizonDays: 1, minEvaluations: 2 });
    expect(r.evaluations).toBe(3);
    expect(r.hitRate).toBeCloseTo(2 / 3, 15);
    expect(r.ic).toBeCloseTo(0.5, 15);
  });

  it("waits until an origin's outcome is realised before using it (h = 2)", () => {
    // origin o knows origins o' with o' + 2 ≤ o: origin 3 knows only 1 (too few), origin 4 knows
    // 1, 2 → forecast A = 3 (outcome 0.3); origin 5 knows 1–3 → forecast A = 2 (outcome −0.2)
    // hits 1/2; Spearman of (3, 2) and (0.3, −0.2) = 1
    const r = ensembleBacktest(wf, { horizonDays: 2, minEvaluations: 2 });
    expect(r.evaluations).toBe(2);
    expect(r.hitRate).toBe(0.5);
    expect(r.ic).toBeCloseTo(1, 15);
  });

  it("reports no test when there are too few origins", () => {
    expect(ensembleBacktest(wf, { horizonDays: 1, minEvaluations: 5 })).toEqual({
      evaluations: 0,
      hitRate: null,
      ic: null,
    });
  });
});
