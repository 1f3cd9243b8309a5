import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePriceCsv } from "../tools/price-table.js";
import { cli, cliProcess, fixture } from "./cli-helpers.js";

const equities = fixture("datasets/us-equities-20.csv");
const spy = fixture("datasets/spy.csv");
const tmp = mkdtempSync(path.join(os.tmpdir(), "steward-cli-"));
function tmpFile(name: string, content: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

/** Walks a JSON value and collects every path holding a non-finite number. */
function nonFinite(value: unknown, at = "$"): string[] {
  if (typeof value === "number") return Number.isFinite(value) ? [] : [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${at}.${k}`));
  }
  return [];
}

describe("steward (usage)", () => {
  it("exits 2 with one line on stderr for an unknown command", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it("exits 2 naming an unknown flag", async () => {
    const r = await cli(["risk", "--prices", spy, "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--bogus/);
  });

  it("exits 2 when a required flag is missing", async () => {
    const r = await cli(["risk", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--prices is required/);
  });

  it("exits 2 for a non-numeric --risk-free or an out-of-range --confidence", async () => {
    expect((await cli(["risk", "--prices", spy, "--risk-free", "abc"])).stderr).toMatch(
      /--risk-free must be a finite number/,
    );
    const r = await cli(["risk", "--prices", spy, "--confidence", "1.5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--confidence/);
  });

  it("exits 2 for a prices file that does not exist", async () => {
    const r = await cli(["risk", "--prices", "nope.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--prices nope\.csv: no such file/);
  });

  it("prints help with exit 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/steward risk --prices/);
  });
});

describe("steward risk", () => {
  it("reports one asset's annual volatility as std(r)·√252, checked against a naive computation", async () => {
    const r = await cli(["risk", "--prices", spy, "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      portfolio: {
        metrics: Record<string, number | null>;
        observations: number;
        start: string;
        end: string;
      };
    };
    // Naive: read the prices again, simple returns, two-pass sample std.
    const table = parsePriceCsv(await import("node:fs").then((fs) => fs.readFileSync(spy, "utf8")));
    const prices = (table.columns[0] ?? []).filter((p): p is number => p !== null);
    const rets = prices.slice(1).map((p, i) => p / (prices[i] as number) - 1);
    const m = rets.reduce((a, b) => a + b, 0) / rets.length;
    const sd = Math.sqrt(rets.reduce((a, b) => a + (b - m) ** 2, 0) / (rets.length - 1));
    expect(report.portfolio.observations).toBe(rets.length);
    // The period starts at the first price (the base of the first return).
    expect(report.portfolio.start).toBe("1993-01-29");
    expect(report.portfolio.end).toBe("2019-12-09");
    expect(report.portfolio.metrics.annualVolatility).toBeCloseTo(sd * Math.sqrt(252), 12);
  });

  it("reports an equal-weight portfolio against a benchmark with every metric finite", async () => {
    const r = await cli([
      "risk",
      "--prices",
      equities,
      "--equal-weight",
      "--benchmark",
      spy,
      "--risk-free",
      "0.02",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      portfolio: { metrics: Record<string, number | null> };
      assets: Record<string, unknown>;
    };
    expect(Object.keys(report.assets)).toHaveLength(20);
    for (const key of [
      "beta",
      "alpha",
      "trackingError",
      "informationRatio",
      "var95",
      "cvar95",
      "parametricVar95",
      "parametricCvar95",
    ]) {
      expect(typeof report.portfolio.metrics[key]).toBe("number");
    }
    expect(nonFinite(report)).toEqual([]);
  });

  it("needs weights or --equal-weight for several columns", async () => {
    const r = await cli(["risk", "--prices", equities, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "INVALID_INPUT" } });
  });

  it("refuses weights that do not sum to 1, naming the field", async () => {
    const w = tmpFile("w.json", JSON.stringify({ AAPL: 0.5, GE: 0.4 }));
    const r = await cli(["risk", "--prices", equities, "--weights", w, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/weights/);
    expect(r.stderr).toMatch(/sum to 1/);
  });

  it("refuses weights for a symbol the prices do not have", async () => {
    const w = tmpFile("w2.json", JSON.stringify({ AAPL: 0.5, ZZZZ: 0.5 }));
    const r = await cli(["risk", "--prices", equities, "--weights", w]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/weights\.ZZZZ/);
  });

  it("refuses a non-numeric weight", async () => {
    const w = tmpFile("w3.json", '{"AAPL": "half", "GE": 0.5}');
    const r = await cli(["risk", "--prices", equities, "--weights", w]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/weights\.AAPL/);
  });

  it.each([
    ["an empty file", "", /empty/],
    ["a one-point series", "date,A\n2024-01-02,10\n", /at least/],
    ["a non-positive price", "date,A\n2024-01-02,10\n2024-01-03,0\n", /:3 A.*positive/],
    ["unsorted dates", "date,A\n2024-01-03,10\n2024-01-02,11\n", /:3.*sorted/],
    ["a duplicate date", "date,A\n2024-01-02,10\n2024-01-02,11\n", /:3.*duplicate date/],
    ["a non-numeric cell", "date,A\n2024-01-02,10\n2024-01-03,abc\n", /:3 A.*not a number/],
    ["an Infinity cell", "date,A\n2024-01-02,10\n2024-01-03,Infinity\n", /:3 A/],
    ["a NaN cell", "date,A\n2024-01-02,10\n2024-01-03,NaN\n", /:3 A/],
  ])("refuses %s with a clear error and no report", async (_name, csv, pattern) => {
    const file = tmpFile(`bad-${Math.abs(csv.length)}-${String(pattern).length}.csv`, csv);
    const r = await cli(["risk", "--prices", file, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(pattern);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["error"]);
  });

  it("prints a readable table without --json", async () => {
    const r = await cli(["risk", "--prices", spy]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SPY/);
    expect(() => JSON.parse(r.stdout) as unknown).toThrow();
  });

  it("prints exactly one JSON document in the documented form npm run --silent steward -- …", () => {
    const r = cliProcess(["risk", "--prices", spy, "--json"]);
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    const usage = cliProcess(["risk", "--nope"]);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe("");
    expect(usage.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("steward forecast", () => {
  it("forecasts every asset as of a date with confidence in [0, 1] and no NaN", async () => {
    const r = await cli(["forecast", "--prices", equities, "--as-of", "2016-06-30", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      asOf: string;
      lastDataDate: string;
      assets: Record<string, { confidence: number; signals: unknown[] }>;
    };
    expect(report.asOf).toBe("2016-06-30");
    expect(report.lastDataDate).toBe("2016-06-30");
    expect(Object.keys(report.assets)).toHaveLength(20);
    for (const a of Object.values(report.assets)) {
      expect(a.confidence).toBeGreaterThanOrEqual(0);
      expect(a.confidence).toBeLessThanOrEqual(1);
    }
    expect(nonFinite(report)).toEqual([]);
  });

  it("exits 2 for an --as-of that is not a date", async () => {
    const r = await cli(["forecast", "--prices", equities, "--as-of", "yesterday"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--as-of must be a date/);
  });
});

describe("steward optimize", () => {
  const perf = async (args: string[]) => {
    const r = await cli([
      "optimize",
      "--prices",
      equities,
      "--risk-free",
      "0.02",
      "--json",
      ...args,
    ]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as {
      objective: string;
      weights: Record<string, number>;
      performance: { expectedReturn: number; volatility: number; sharpe: number };
      inputs: Record<string, unknown>;
    };
  };
  const close = (actual: number, expected: number) =>
    expect(Math.abs(actual / expected - 1)).toBeLessThan(1e-6);

  // PyPortfolioOpt tests/test_efficient_frontier.py asserts these portfolio_performance tuples on
  // this same file (stock_prices.csv) with mean_historical_return, sample_cov and rf = 0.02.
  it("reproduces PyPortfolioOpt's max-Sharpe (0.3047768672819914, 0.22165566922402932, 1.2847714127003216)", async () => {
    const r = await perf(["--objective", "max-sharpe"]);
    close(r.performance.expectedReturn, 0.3047768672819914);
    close(r.performance.volatility, 0.22165566922402932);
    close(r.performance.sharpe, 1.2847714127003216);
    const sum = Object.values(r.weights).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
    expect(r.inputs).toMatchObject({
      expectedReturns: "geometric",
      covariance: "sample",
      riskFree: 0.02,
    });
  });

  it("reproduces PyPortfolioOpt's min-volatility and efficient-return(0.25)", async () => {
    const mv = await perf(["--objective", "min-volatility"]);
    close(mv.performance.volatility, 0.15915084514118694);
    close(mv.performance.expectedReturn, 0.15056821399482578);
    const er = await perf(["--objective", "efficient-return", "--target-return", "0.25"]);
    close(er.performance.volatility, 0.18723269942026335);
  });

  it("holds every weight inside --min-weight/--max-weight exactly", async () => {
    const r = await perf([
      "--objective",
      "max-sharpe",
      "--min-weight",
      "0.01",
      "--max-weight",
      "0.1",
    ]);
    for (const w of Object.values(r.weights)) {
      expect(w).toBeGreaterThanOrEqual(0.01);
      expect(w).toBeLessThanOrEqual(0.1);
    }
  });

  it("runs HRP, risk parity and Black–Litterman with long-only weights summing to 1", async () => {
    const views = tmpFile(
      "views.json",
      JSON.stringify([{ type: "absolute", asset: "AAPL", return: 0.1, confidence: 0.5 }]),
    );
    for (const args of [
      ["--objective", "hrp"],
      ["--objective", "risk-parity"],
      ["--objective", "black-litterman", "--views", views],
    ]) {
      const r = await perf(args);
      const ws = Object.values(r.weights);
      expect(ws).toHaveLength(20);
      expect(Math.abs(ws.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
      expect(Math.min(...ws)).toBeGreaterThanOrEqual(0);
    }
  });

  it("names the constraint of an infeasible target", async () => {
    const r = await cli([
      "optimize",
      "--prices",
      equities,
      "--objective",
      "efficient-risk",
      "--target-volatility",
      "0.05",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: "INFEASIBLE", field: "targetVolatility" },
    });
    const bounds = await cli([
      "optimize",
      "--prices",
      equities,
      "--objective",
      "min-volatility",
      "--max-weight",
      "0.01",
    ]);
    expect(bounds.code).toBe(1);
    expect(bounds.stderr).toMatch(/bounds/);
  });

  it.each([
    [["--objective", "sharpest"], /--objective must be one of/],
    [["--objective", "efficient-risk"], /needs --target-volatility/],
    [["--objective", "hrp", "--max-weight", "0.2"], /do not apply to hrp/],
    [["--objective", "black-litterman"], /needs --views/],
    [["--objective", "max-sharpe", "--covariance", "robust"], /--covariance must be one of/],
  ])("exits 2 for %j", async (args, pattern) => {
    const r = await cli(["optimize", "--prices", equities, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });
});
