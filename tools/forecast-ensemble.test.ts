import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import {
  combineSignals,
  DEFAULT_FORECAST_PARAMETERS,
  forecast,
  resolveForecastParameters,
  type ForecastReport,
  type SignalEstimate,
} from "./forecast-ensemble.js";
import { parsePriceCsv, type PriceTable } from "./price-table.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const table = parsePriceCsv(
  readFileSync(path.join(here, "../tests/fixtures/datasets/us-equities-20.csv"), "utf8"),
);

/** Every path in a JSON value holding NaN, ±Infinity or undefined. */
function badNumbers(value: unknown, at = "$"): string[] {
  if (value === undefined) return [at];
  if (typeof value === "number") return Number.isFinite(value) ? [] : [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => badNumbers(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => badNumbers(v, `${at}.${k}`));
  }
  return [];
}

function toolErrorField(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return error.field;
    throw error;
  }
  throw new Error("expected a ToolError");
}

const estimate = (
  name: SignalEstimate["name"],
  expectedAnnualReturn: number,
  ic: number | null,
): SignalEstimate => ({ name, expectedAnnualReturn, ic });

describe("combineSignals", () => {
  const signals = [
    estimate("momentum", 0.1, 0.2),
    estimate("mean-reversion", 0.05, 0.1),
    estimate("ewma", -0.02, -0.05),
    estimate("ridge", 0.03, null),
  ];

  it("weights by positive IC and scales confidence by agreement and out-of-sample skill", () => {
    const r = combineSignals(signals, 60, { evaluations: 48, hitRate: 0.65, ic: 0.3 });
    // weights 0.2/0.3, 0.1/0.3, 0, 0 → E = 0.1·2/3 + 0.05/3 = 0.25/3 = 0.083333
    const e = 0.25 / 3;
    expect(r.weights[0]).toBeCloseTo(2 / 3, 15);
    expect(r.weights[1]).toBeCloseTo(1 / 3, 15);
    expect(r.expectedAnnualReturn).toBeCloseTo(e, 15);
    expect(r.direction).toBe("up");
    expect(r.weighting).toBe("skill");
    // dispersion of all four around E: (0.1 − E)² + (0.05 − E)² + (−0.02 − E)² + (0.03 − E)²
    // = 0.000277… + 0.001111… + 0.010677… + 0.002844… = 0.0149111…; / 4 → √ = 0.0610555
    const d = Math.sqrt(
      ((0.1 - e) ** 2 + (0.05 - e) ** 2 + (-0.02 - e) ** 2 + (0.03 - e) ** 2) / 4,
    );
    expect(d).toBeCloseTo(0.0610555, 7);
    expect(r.agreement).toBeCloseTo(e / (e + d), 15); // 0.577143
    // z = ½(0.3·√47 + 2·0.15·√48) = ½(2.056696 + 2.078461) = 2.067579; skill = (z − 1)/(3 − 1)
    const z = (0.3 * Math.sqrt(47) + 0.3 * Math.sqrt(48)) / 2;
    expect(z).toBeCloseTo(2.067579, 6);
    expect(r.evidence).toBeCloseTo(z, 15);
    expect(r.skill).toBeCloseTo((z - 1) / 2, 15); // 0.533789
    expect(r.confidence).toBeCloseTo((e / (e + d)) * ((z - 1) / 2), 15);
  });

  it("ramps skill from 0 at one standard error of evidence to 1 at three", () => {
    // n = 101, hit ½: z = ½·IC·√100 = 5·IC → IC 0.2 gives z = 1 (skill 0), 0.6 gives z = 3 (1)
    const skillAt = (ic: number) =>
      combineSignals(signals, 60, { evaluations: 101, hitRate: 0.5, ic }).skill;
    expect(skillAt(0.2)).toBeCloseTo(0, 14);
    expect(skillAt(0.4)).toBeCloseTo(0.5, 14);
    expect(skillAt(0.6)).toBeCloseTo(1, 14);
    expect(skillAt(0.9)).toBe(1);
  });

  it("has no skill, hence confidence 0, when the ensemble's backtest is negative or too short", () => {
    // z = ½(−0.1·√29 + 2·(0.45 − 0.5)·√30) < 1
    expect(
      combineSignals(signals, 40, { evaluations: 30, hitRate: 0.45, ic: -0.1 }).confidence,
    ).toBe(0);
    expect(combineSignals(signals, 40, { evaluations: 11, hitRate: 0.9, ic: 0.9 }).skill).toBe(0);
  });

  it("falls back to equal weights and confidence 0 with too few evaluations or no positive IC", () => {
    const few = combineSignals(signals, 11, { evaluations: 30, hitRate: 0.9, ic: 0.9 });
    expect(few.weights).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(few.weighting).toBe("equal");
    // E = (0.1 + 0.05 − 0.02 + 0.03)/4 = 0.04
    expect(few.expectedAnnualReturn).toBeCloseTo(0.04, 15);
    expect(few.confidence).toBe(0);
    const none = combineSignals(
      signals.map((s) => ({ ...s, ic: -0.1 })),
      40,
      { evaluations: 30, hitRate: 0.9, ic: 0.9 },
    );
    expect(none.weighting).toBe("equal");
    expect(none.confidence).toBe(0);
  });

  it("gives all the weight to the only signal with a positive IC", () => {
    // max(IC, 0) = 0.2, 0 → weights 1, 0 → E = 0.1
    const r = combineSignals([estimate("momentum", 0.1, 0.2), estimate("ewma", 0.04, -0.1)], 40, {
      evaluations: 0,
      hitRate: null,
      ic: null,
    });
    expect(r.weights).toEqual([1, 0]);
    expect(r.expectedAnnualReturn).toBe(0.1);
    expect(r.evidence).toBeNull();
    expect(r.confidence).toBe(0); // no out-of-sample test of the ensemble yet
  });

  it("calls the direction flat within ±flatThreshold", () => {
    const bt = { evaluations: 0, hitRate: null, ic: null };
    const one = (f: number) => combineSignals([estimate("momentum", f, 0.1)], 40, bt).direction;
    expect(one(0.011)).toBe("up");
    expect(one(0.01)).toBe("flat");
    expect(one(-0.01)).toBe("flat");
    expect(one(-0.011)).toBe("down");
  });

  it("has agreement 1 when every signal says the same and 0 when all say nothing", () => {
    const bt = { evaluations: 0, hitRate: null, ic: null };
    const same = ["momentum", "ewma"].map((n) => estimate(n as "momentum", 0.05, 0.1));
    expect(combineSignals(same, 40, bt).agreement).toBe(1);
    const zero = ["momentum", "ewma"].map((n) => estimate(n as "momentum", 0, 0.1));
    expect(combineSignals(zero, 40, bt).agreement).toBe(0);
  });
});

describe("forecast on the 20-equity fixture", () => {
  const report: ForecastReport = forecast(table);

  it("forecasts as of the last date by default and reports every asset", () => {
    expect(report.asOf).toBe("2018-04-11");
    expect(report.lastDataDate).toBe("2018-04-11");
    expect(report.horizonDays).toBe(21);
    expect(Object.keys(report.assets)).toEqual(table.symbols);
  });

  it("contains no NaN, Infinity or undefined anywhere and survives a JSON round trip", () => {
    expect(badNumbers(report)).toEqual([]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("keeps every figure consistent with its definition", () => {
    for (const [symbol, a] of Object.entries(report.assets)) {
      expect(a.confidence, symbol).toBeGreaterThanOrEqual(0);
      expect(a.confidence, symbol).toBeLessThanOrEqual(1);
      expect(a.expectedAnnualReturn, symbol).not.toBeNull();
      const e = a.expectedAnnualReturn as number;
      const weights = a.signals.map((s) => s.weight);
      expect(
        weights.reduce((x, y) => x + y, 0),
        symbol,
      ).toBeCloseTo(1, 14);
      const weighted = a.signals.reduce((x, s) => x + s.weight * s.expectedAnnualReturn, 0);
      expect(e, symbol).toBeCloseTo(weighted, 15);
      expect(a.direction, symbol).toBe(e > 0.01 ? "up" : e < -0.01 ? "down" : "flat");
      expect(a.confidence, symbol).toBeCloseTo((a.agreement as number) * (a.skill as number), 15);
      expect(["calm", "normal", "stressed"]).toContain(a.regime);
      expect(a.signals.map((s) => s.name)).toEqual(["momentum", "mean-reversion", "ewma", "ridge"]);
      // confidence is 0 exactly when a reason says why
      expect(a.reason === undefined, symbol).toBe(a.confidence > 0);
    }
  });

  it("reports AAPL's observations as its count of daily returns", () => {
    expect(report.assets.AAPL?.observations).toBe(table.dates.length - 1);
    expect(report.assets.AAPL?.evaluations).toBe(60);
    expect(report.assets.AAPL?.backtest?.evaluations).toBe(48); // 60 origins − 12 to fit weights
  });

  it("states every window and default in method", () => {
    for (const [key, value] of Object.entries(DEFAULT_FORECAST_PARAMETERS)) {
      expect(report.method[key as keyof typeof DEFAULT_FORECAST_PARAMETERS]).toBe(value);
    }
    expect(report.method.description.regime).toMatch(/percentile/);
  });
});

describe("forecast: asOf and history", () => {
  it("reports an asset with no price by asOf with confidence 0 and a reason", () => {
    const r = forecast(table, { asOf: "2000-01-03" });
    expect(r.assets.GOOG).toMatchObject({
      expectedAnnualReturn: null,
      direction: null,
      confidence: 0,
      regime: null,
      signals: [],
      observations: 0,
      reason: "no price on or before 2000-01-03",
    });
    expect(r.assets.AAPL?.expectedAnnualReturn).not.toBeNull();
  });

  it("reports an asset with too little history with a reason stating what is needed", () => {
    // FB's first price is 2012-05-18; by 2012-08-31 it has 75 prices, fewer than 210
    const fb = forecast(table, { asOf: "2012-08-31" }).assets.FB;
    expect(fb?.confidence).toBe(0);
    expect(fb?.expectedAnnualReturn).toBeNull();
    expect(fb?.reason).toMatch(/^only \d+ prices up to the last data date; the signals need 210$/);
  });

  it("forecasts as of the last data date for an asOf after the data", () => {
    const later = forecast(table, { asOf: "2030-01-01" });
    expect(later.asOf).toBe("2030-01-01");
    expect(later.lastDataDate).toBe("2018-04-11");
    expect(later.assets).toEqual(forecast(table).assets);
  });

  it("uses the last trading day on or before an asOf that falls on a weekend", () => {
    const saturday = forecast(table, { asOf: "2015-06-13" });
    expect(saturday.lastDataDate).toBe("2015-06-12");
    expect(saturday.assets).toEqual(forecast(table, { asOf: "2015-06-12" }).assets);
  });

  it("reports every asset with a reason for an asOf before the first date", () => {
    const r = forecast(table, { asOf: "1980-01-01" });
    expect(r.lastDataDate).toBeNull();
    for (const a of Object.values(r.assets)) {
      expect(a.confidence).toBe(0);
      expect(a.reason).toBe("no price on or before 1980-01-01");
    }
  });

  it("rejects an asOf that is not a calendar date, naming asOf", () => {
    expect(toolErrorField(() => forecast(table, { asOf: "2018-02-30" }))).toBe("asOf");
    expect(toolErrorField(() => forecast(table, { asOf: "yesterday" }))).toBe("asOf");
  });

  it("reports a flat price with zero volatility as not forecastable", () => {
    const dates = Array.from({ length: 300 }, (_, i) =>
      new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const flat: PriceTable = { dates, symbols: ["FLAT"], columns: [dates.map(() => 10)] };
    const r = forecast(flat).assets.FLAT;
    expect(r?.confidence).toBe(0);
    expect(r?.expectedAnnualReturn).toBeNull();
    expect(r?.reason).toMatch(/zero volatility/);
    expect(r?.regime).toBe("normal"); // a constant volatility history puts today at the 50th
  });
});

describe("forecast options", () => {
  it("rejects unknown and out-of-range options, naming them", () => {
    const bad = { horizon: 5 } as unknown as Parameters<typeof forecast>[1];
    expect(toolErrorField(() => forecast(table, bad))).toBe("horizon");
    expect(toolErrorField(() => forecast(table, { horizonDays: 0 }))).toBe("horizonDays");
    expect(toolErrorField(() => forecast(table, { momentumSkip: 63 }))).toBe("momentumSkip");
    expect(toolErrorField(() => forecast(table, { priorIc: 2 }))).toBe("priorIc");
    expect(toolErrorField(() => forecast(table, { calmBelow: 0.9 }))).toBe("calmBelow");
    expect(toolErrorField(() => forecast(table, { skillFullZ: 0.5 }))).toBe("skillFullZ");
    expect(toolErrorField(() => resolveForecastParameters({ ridgeShrinkage: Number.NaN }))).toBe(
      "ridgeShrinkage",
    );
  });

  it("rejects a malformed table, naming the part", () => {
    const broken = { dates: ["2020-01-02"], symbols: ["A"], columns: [[1, 2]] } as PriceTable;
    expect(toolErrorField(() => forecast(broken))).toBe("table.columns[0]");
  });
});
