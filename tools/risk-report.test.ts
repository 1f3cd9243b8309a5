import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import { parsePriceCsv, type PriceTable } from "./price-table.js";
import { riskReport, type RiskReportInput } from "./risk-report.js";
import { formatRiskTable } from "./risk-table.js";

const DATES = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"];
/** A: returns +10%, −10%, +10%.  B: 0%, +10%, 0%. */
const AB: PriceTable = {
  dates: DATES,
  symbols: ["A", "B"],
  columns: [
    [100, 110, 99, 108.9],
    [50, 50, 55, 55],
  ],
};

function failure(input: RiskReportInput): { code: string; field: string } {
  try {
    riskReport(input);
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected riskReport to throw");
}

function read(file: string): PriceTable {
  const url = new URL(`../tests/fixtures/datasets/${file}`, import.meta.url);
  return parsePriceCsv(readFileSync(url, "utf8"));
}

/** Every number anywhere in the value, with its path. */
function numbersIn(value: unknown, path = "$"): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersIn(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${path}.${k}`));
  }
  return [];
}

describe("riskReport: portfolio construction", () => {
  it("treats a single-column table as that asset's portfolio", () => {
    const table = { dates: DATES.slice(0, 3), symbols: ["A"], columns: [[100, 110, 99]] };
    const report = riskReport({ table });
    expect(report.portfolio.weights).toEqual({ A: 1 });
    expect(report.portfolio.metrics).toEqual(report.assets["A"]?.metrics);
    expect(report.portfolio.metrics.cumulativeReturn).toBeCloseTo(99 / 100 - 1, 14);
    expect(report.portfolio).toMatchObject({
      observations: 2,
      start: "2024-01-01",
      end: "2024-01-03",
    });
  });

  it("rebalances daily to fixed weights: ½A + ½B earns 5%, 0%, 5%", () => {
    // r_p = [0.05, 0, 0.05]; over one year of P = 3 periods: CAGR = 1.05² − 1 = 0.1025;
    // sample variance of r_p = ((1/60)² + (1/30)² + (1/60)²)/2 = 1/1200 → vol √(3/1200) = 0.05
    const report = riskReport({ table: AB, weights: { A: 0.5, B: 0.5 }, periodsPerYear: 3 });
    const m = report.portfolio.metrics;
    expect(m.annualReturn).toBeCloseTo(0.1025, 14);
    expect(m.cumulativeReturn).toBeCloseTo(0.1025, 14);
    expect(m.annualVolatility).toBeCloseTo(0.05, 14);
    expect(m.maxDrawdown).toBe(0);
    expect(report.portfolio.drawdown).toEqual({
      peakDate: null,
      troughDate: null,
      recoveryDate: null,
      durationDays: 0,
    });
  });

  it("reports figures that cannot be computed as null with a reason", () => {
    const report = riskReport({ table: AB, weights: { A: 0.5, B: 0.5 } });
    expect(report.portfolio.metrics.calmar).toBeNull();
    expect(report.portfolio.metrics.sortino).toBeNull();
    expect(report.portfolio.unavailable?.["calmar"]).toMatch(/maxDrawdown is 0/);
    expect(report.portfolio.unavailable?.["sortino"]).toMatch(/downside deviation is 0/);
    expect(report.assets["A"]?.unavailable).toBeUndefined();
  });

  it("allows short (negative) weights: 1.5A − 0.5B earns 15%, −20%, 15%", () => {
    // 1.15 · 0.8 · 1.15 − 1 = 0.058; drawdown 20% from 2024-01-02, not recovered (0.92·1.15 < 1.15)
    const report = riskReport({ table: AB, weights: { A: 1.5, B: -0.5 } });
    expect(report.portfolio.metrics.cumulativeReturn).toBeCloseTo(0.058, 14);
    expect(report.portfolio.metrics.maxDrawdown).toBeCloseTo(0.2, 14);
    expect(report.portfolio.drawdown).toEqual({
      peakDate: "2024-01-02",
      troughDate: "2024-01-03",
      recoveryDate: null,
      durationDays: 2,
    });
  });

  it("still reports zero-weight and unweighted assets without restricting the portfolio's dates", () => {
    const table: PriceTable = { ...AB, columns: [AB.columns[0] ?? [], [null, null, 55, 56]] };
    for (const weights of [{ A: 1, B: 0 }, { A: 1 }] as Record<string, number>[]) {
      const report = riskReport({ table, weights });
      expect(report.portfolio.observations).toBe(3);
      expect(report.assets["B"]).toMatchObject({ observations: 1, start: "2024-01-03" });
      expect(report.assets["B"]?.metrics.cumulativeReturn).toBeCloseTo(56 / 55 - 1, 14);
      expect(report.assets["B"]?.metrics.annualVolatility).toBeNull();
      expect(report.assets["B"]?.unavailable?.["annualVolatility"]).toMatch(/at least 2/);
    }
  });

  it("restricts an equal-weight portfolio to the dates every asset has", () => {
    const table: PriceTable = { ...AB, columns: [AB.columns[0] ?? [], [null, 50, 55, 55]] };
    const report = riskReport({ table, equalWeight: true });
    expect(report.portfolio.weights).toEqual({ A: 0.5, B: 0.5 });
    expect(report.portfolio).toMatchObject({ observations: 2, start: "2024-01-02" });
  });
});

describe("riskReport: input errors name the field", () => {
  it.each([
    ["a multi-column table without weights", { table: AB }, "INVALID_INPUT", "weights"],
    [
      "weights and equalWeight together",
      { table: AB, weights: { A: 1 }, equalWeight: true },
      "INVALID_INPUT",
      "equalWeight",
    ],
    [
      "a weight for an unknown symbol",
      { table: AB, weights: { A: 1, XYZ: 0 } },
      "INVALID_INPUT",
      "weights.XYZ",
    ],
    ["a NaN weight", { table: AB, weights: { A: Number.NaN, B: 1 } }, "INVALID_INPUT", "weights.A"],
    [
      "an infinite weight",
      { table: AB, weights: { A: 1, B: Number.POSITIVE_INFINITY } },
      "INVALID_INPUT",
      "weights.B",
    ],
    [
      "weights not summing to 1",
      { table: AB, weights: { A: 0.5, B: 0.49 } },
      "INVALID_INPUT",
      "weights",
    ],
    [
      "a two-column benchmark",
      { table: AB, equalWeight: true, benchmark: AB },
      "INVALID_INPUT",
      "benchmark",
    ],
    [
      "a confidence of 1.5",
      { table: AB, equalWeight: true, confidence: 1.5 },
      "INVALID_INPUT",
      "confidence",
    ],
    [
      "a NaN risk-free rate",
      { table: AB, equalWeight: true, riskFree: Number.NaN },
      "INVALID_INPUT",
      "riskFree",
    ],
    [
      "zero periods per year",
      { table: AB, equalWeight: true, periodsPerYear: 0 },
      "INVALID_INPUT",
      "periodsPerYear",
    ],
  ] as [string, RiskReportInput, string, string][])("rejects %s", (_, input, code, field) => {
    expect(failure(input)).toEqual({ code, field });
  });

  it("accepts weights summing to 1 within 1e-6", () => {
    expect(() => riskReport({ table: AB, weights: { A: 0.5, B: 0.5000005 } })).not.toThrow();
  });

  it("rejects a benchmark that shares fewer than 2 return dates with the portfolio", () => {
    const benchmark = {
      dates: ["2023-01-02", "2023-01-03", "2024-01-02"],
      symbols: ["M"],
      columns: [[1, 2, 3]],
    };
    expect(failure({ table: AB, equalWeight: true, benchmark })).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "benchmark",
    });
  });

  it("rejects weighted assets that share fewer than 2 return dates", () => {
    const table: PriceTable = { ...AB, columns: [AB.columns[0] ?? [], [null, null, 55, 56]] };
    expect(failure({ table, equalWeight: true })).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "weights",
    });
  });
});

describe("riskReport: benchmark figures", () => {
  it("hand-worked: A against M earning 5%, −5%, 5% → β = 2, α = 0, TE = √0.84, IR = 4.2/√0.84", () => {
    // active = [0.05, −0.05, 0.05]: mean 1/60, sample variance 1/300 → TE = √(252/300);
    // IR = (1/60)·252 / TE
    const benchmark = { dates: DATES, symbols: ["M"], columns: [[100, 105, 99.75, 104.7375]] };
    const report = riskReport({ table: AB, weights: { A: 1 }, benchmark });
    const m = report.assets["A"]?.metrics;
    expect(m?.beta).toBeCloseTo(2, 12);
    expect(m?.alpha).toBeCloseTo(0, 12);
    expect(m?.trackingError).toBeCloseTo(Math.sqrt(0.84), 12);
    expect(m?.informationRatio).toBeCloseTo(4.2 / Math.sqrt(0.84), 11);
    expect(report.benchmark).toEqual({
      symbol: "M",
      observations: 3,
      start: "2024-01-01",
      end: "2024-01-04",
    });
    expect(report.portfolio.benchmarkObservations).toBe(3);
    expect(report.conventions.definitions["beta"]).toMatch(/cov/);
  });

  it("explains missing benchmark figures for an asset that barely overlaps the benchmark", () => {
    const table: PriceTable = { ...AB, columns: [AB.columns[0] ?? [], [null, null, 55, 56]] };
    const benchmark = { dates: DATES, symbols: ["M"], columns: [[100, 105, 99.75, 104.7375]] };
    const report = riskReport({ table, weights: { A: 1 }, benchmark });
    expect(report.assets["B"]?.benchmarkObservations).toBe(1);
    expect(report.assets["B"]?.metrics.beta).toBeNull();
    expect(report.assets["B"]?.unavailable?.["beta"]).toMatch(/shares 1 return dates/);
  });

  it("omits the benchmark figures without a benchmark", () => {
    const report = riskReport({ table: AB, equalWeight: true });
    expect(report.portfolio.metrics.beta).toBeUndefined();
    expect(report.benchmark).toBeUndefined();
    expect(report.conventions.definitions["beta"]).toBeUndefined();
  });
});

describe("riskReport on the real fixtures", () => {
  const stocks = read("us-equities-20.csv");
  const spy = read("spy.csv");

  it("states its conventions", () => {
    const report = riskReport({ table: AB, equalWeight: true, riskFree: 0.02, confidence: 0.99 });
    expect(report.conventions).toMatchObject({
      confidence: 0.99,
      riskFree: 0.02,
      periodsPerYear: 252,
    });
    expect(report.conventions.signs).toMatch(/VaR, CVaR and maxDrawdown are positive loss/);
  });

  it("agrees to 1e-12 with a naive second implementation (4 stocks, SPY, rf 2%, 99%)", () => {
    const picks = ["AAPL", "GE", "XOM", "JPM"];
    const weights = { AAPL: 0.4, GE: 0.3, XOM: 0.2, JPM: 0.1 };
    const report = riskReport({
      table: stocks,
      weights,
      benchmark: spy,
      riskFree: 0.02,
      confidence: 0.99,
    });
    // naive: portfolio return on dates where all four have today's and yesterday's price
    const cols = picks.map((s) => stocks.columns[stocks.symbols.indexOf(s)] ?? []);
    const spyByDate = new Map(spy.dates.map((d, t) => [d, spy.columns[0]?.[t] ?? null]));
    const rp: number[] = [];
    const rm: number[] = [];
    const rpPaired: number[] = [];
    for (let t = 1; t < stocks.dates.length; t++) {
      if (cols.some((c) => c[t] === null || c[t - 1] === null)) continue;
      const r = cols.reduce(
        (s, c, i) =>
          s + ([0.4, 0.3, 0.2, 0.1][i] as number) * ((c[t] as number) / (c[t - 1] as number) - 1),
        0,
      );
      rp.push(r);
      const m1 = spyByDate.get(stocks.dates[t] as string);
      const m0 = spyByDate.get(stocks.dates[t - 1] as string);
      if (m1 !== undefined && m1 !== null && m0 !== undefined && m0 !== null) {
        rpPaired.push(r);
        rm.push(m1 / m0 - 1);
      }
    }
    const n = rp.length;
    const mean = rp.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(rp.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    const sorted = [...rp].sort((a, b) => a - b);
    const h = (n - 1) * 0.01;
    const lo = sorted[Math.floor(h)] as number;
    const q = lo + (h % 1) * ((sorted[Math.ceil(h)] as number) - lo);
    let w = 1;
    let peak = 1;
    let mdd = 0;
    for (const r of rp) {
      w *= 1 + r;
      peak = Math.max(peak, w);
      mdd = Math.max(mdd, 1 - w / peak);
    }
    const mp = rpPaired.reduce((s, x) => s + x, 0) / rpPaired.length;
    const mm = rm.reduce((s, x) => s + x, 0) / rm.length;
    let cov = 0;
    let vm = 0;
    rm.forEach((x, t) => {
      cov += ((rpPaired[t] as number) - mp) * (x - mm);
      vm += (x - mm) ** 2;
    });
    const m = report.portfolio.metrics;
    const close = (a: number | null | undefined, b: number) =>
      expect(Math.abs((a ?? Number.NaN) - b)).toBeLessThanOrEqual(1e-12 * Math.abs(b));
    expect(report.portfolio.observations).toBe(n);
    close(m.annualVolatility, sd * Math.sqrt(252));
    close(m.sharpe, ((mean - 0.02 / 252) / sd) * Math.sqrt(252));
    close(m.annualReturn, w ** (252 / n) - 1);
    close(m.maxDrawdown, mdd);
    close(m.var95, -q);
    close(m.beta, cov / vm);
    expect(report.portfolio.benchmarkObservations).toBe(rm.length);
  });

  it("never emits NaN or Infinity, and explains every null", () => {
    // add a constant-price asset and a one-price asset to provoke every kind of null
    const n = stocks.dates.length;
    const table: PriceTable = {
      dates: stocks.dates,
      symbols: [...stocks.symbols, "FLAT", "ONE"],
      columns: [
        ...stocks.columns,
        new Array<number>(n).fill(10),
        stocks.dates.map((_, t) => (t === n - 1 ? 5 : null)),
      ],
    };
    const report = riskReport({
      table,
      equalWeight: false,
      weights: { AAPL: 0.5, MA: 0.5 },
      benchmark: spy,
    });
    const numbers = numbersIn(report);
    expect(numbers.length).toBeGreaterThan(400);
    for (const [path, value] of numbers) expect(Number.isFinite(value), path).toBe(true);
    for (const series of [report.portfolio, ...Object.values(report.assets)]) {
      for (const [metric, value] of Object.entries(series.metrics)) {
        expect(value === null, metric).toBe(series.unavailable?.[metric] !== undefined);
      }
    }
    expect(report.assets["FLAT"]?.metrics.sharpe).toBeNull();
    expect(report.assets["FLAT"]?.metrics.calmar).toBeNull();
    expect(report.assets["FLAT"]?.metrics.beta).toBe(0);
    expect(report.assets["ONE"]?.observations).toBe(0);
    expect(report.assets["ONE"]?.unavailable?.["drawdown"]).toBeDefined();
    // the JSON form round-trips (nothing was silently turned into null by JSON.stringify)
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("handles the full 20-asset equal-weight book against SPY", () => {
    const report = riskReport({ table: stocks, equalWeight: true, benchmark: spy });
    expect(Object.keys(report.assets)).toEqual(stocks.symbols);
    expect(report.portfolio.start).toBe("2014-09-19"); // BABA's first price
    for (const [path, value] of numbersIn(report)) expect(Number.isFinite(value), path).toBe(true);
  });
});

describe("formatRiskTable", () => {
  it("starts with the portfolio's period (the doc example)", () => {
    const first = formatRiskTable(riskReport({ table: AB, weights: { A: 0.5, B: 0.5 } })).split(
      "\n",
    )[0];
    expect(first).toBe("Risk report: portfolio 2024-01-01 … 2024-01-04, 3 daily returns");
  });

  it("prints the period, conventions and one aligned row per series, in percent", () => {
    const report = riskReport({ table: AB, weights: { A: 0.5, B: 0.5 }, periodsPerYear: 3 });
    const text = formatRiskTable(report);
    const lines = text.split("\n");
    expect(lines[0]).toBe("Risk report: portfolio 2024-01-01 … 2024-01-04, 3 daily returns");
    expect(lines[1]).toMatch(/^Confidence 95%, risk-free 0.00% a year, 3 periods a year/);
    expect(text).toMatch(/positive losses/);
    const table = lines.slice(4);
    expect(table).toHaveLength(5); // header, rule, PORTFOLIO, A, B
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(table[0]).toMatch(
      /AnnRet%.*Vol%.*Sharpe.*Sortino.*MaxDD%.*Calmar.*VaR95%.*CVaR95%.*Obs.*From/,
    );
    expect(table[0]).not.toMatch(/Beta/);
    const portfolio = table[2] ?? "";
    expect(portfolio.startsWith("PORTFOLIO")).toBe(true);
    expect(portfolio).toMatch(/^PORTFOLIO\s+10\.25\s+5\.00\s/); // CAGR 0.1025, vol 0.05
    expect(portfolio).toMatch(/n\/a/); // Sortino and Calmar are null
  });

  it("labels VaR with the confidence used and adds benchmark columns when there is one", () => {
    const benchmark = { dates: DATES, symbols: ["M"], columns: [[100, 105, 99.75, 104.7375]] };
    const report = riskReport({ table: AB, weights: { A: 1 }, benchmark, confidence: 0.975 });
    const header = formatRiskTable(report).split("\n")[4] ?? "";
    expect(header).toMatch(/VaR97\.5%\s+CVaR97\.5%\s+Beta\s+Alpha%\s+TE%\s+IR/);
  });
});
