import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { covarianceMatrix } from "./covariance.js";
import { efficientFrontier } from "./efficient-frontier.js";
import { isToolError } from "./errors.js";
import { expectedReturns } from "./expected-returns.js";
import { maxSharpe, minVolatility, type MeanVarianceProblem } from "./mean-variance.js";
import { parsePriceCsv } from "./price-table.js";
import { solveQp } from "./qp.js";
import { returnMatrix } from "./return-matrix.js";

function errorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

const two: MeanVarianceProblem = {
  symbols: ["A", "B"],
  expectedReturns: [0.1, 0.05],
  covariance: [
    [0.04, 0],
    [0, 0.01],
  ],
};

const table = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
);
const matrix = returnMatrix(table);
const mu = expectedReturns(matrix);
const cov = covarianceMatrix(matrix).matrix;
const equities: MeanVarianceProblem = {
  symbols: table.symbols,
  expectedReturns: mu,
  covariance: cov,
};

describe("efficientFrontier", () => {
  it("runs from the minimum-volatility portfolio to the highest return (doc example)", () => {
    // Min-vol (0.2, 0.8); long-only maximum return puts everything in A.
    const f = efficientFrontier(two, { points: 2 });
    expect(f.points).toHaveLength(2);
    const [first, last] = f.points as [(typeof f.points)[0], (typeof f.points)[0]];
    expect(first.weights[0]).toBeCloseTo(0.2, 15);
    expect(first.objective).toBe("min-volatility");
    expect(last.weights).toEqual([1, 0]);
    expect(last.volatility).toBeCloseTo(0.2, 15);
  });

  it("is monotone on the 20-equity fixture, between PyPortfolioOpt's min-volatility and max-return portfolios", () => {
    const f = efficientFrontier(equities, { points: 30, riskFree: 0.02 });
    for (let k = 1; k < f.points.length; k++) {
      const a = f.points[k - 1] as (typeof f.points)[0];
      const b = f.points[k] as (typeof f.points)[0];
      expect(b.expectedReturn).toBeGreaterThan(a.expectedReturn);
      expect(b.volatility).toBeGreaterThan(a.volatility);
    }
    const first = f.points[0] as (typeof f.points)[0];
    const last = f.points[f.points.length - 1] as (typeof f.points)[0];
    // PyPortfolioOpt test_min_volatility: σ = 0.15915084514118694.
    expect(first.volatility).toBeCloseTo(0.15915084514118694, 12);
    // test_efficient_return_max: at max μ everything sits in that asset, σ = √Σ_ii.
    const best = mu.indexOf(Math.max(...mu));
    expect(last.weights[best]).toBeCloseTo(1, 12);
    expect(last.volatility).toBeCloseTo(Math.sqrt((cov[best] as number[])[best] as number), 12);
    // Max-Sharpe dominates every frontier point's Sharpe ratio; min-vol every volatility.
    const ms = maxSharpe(equities, { riskFree: 0.02 });
    for (const p of f.points)
      expect(ms.sharpe as number).toBeGreaterThanOrEqual(p.sharpe as number);
  });

  it("matches an independent quadprog solution of each frontier QP", () => {
    const f = efficientFrontier(equities, { points: 6 });
    const n = mu.length;
    for (const p of f.points.slice(1)) {
      const ref = solveQp(
        {
          hessian: cov.map((row) => row.map((v) => 2 * v)),
          linear: new Array<number>(n).fill(0),
          constraints: [
            { coefficients: mu.map(() => 1), type: "eq", rhs: 1 },
            { coefficients: mu, type: "eq", rhs: p.targetReturn },
          ],
          lower: new Array<number>(n).fill(0),
          upper: new Array<number>(n).fill(1),
        },
        { solver: "quadprog" },
      );
      p.weights.forEach((w, i) =>
        expect(Math.abs(w - (ref.x[i] as number))).toBeLessThanOrEqual(1e-9),
      );
    }
  });

  it("stays monotone and within a turnover cap", () => {
    const current = mu.map(() => 1 / mu.length);
    const f = efficientFrontier(
      { ...equities, constraints: { turnover: { mode: "cap", current, maxTurnover: 0.5 } } },
      { points: 12 },
    );
    for (let k = 0; k < f.points.length; k++) {
      const p = f.points[k] as (typeof f.points)[0];
      expect(p.turnover as number).toBeLessThanOrEqual(0.5 + 1e-12);
      if (k === 0) continue;
      const prev = f.points[k - 1] as (typeof f.points)[0];
      expect(p.expectedReturn).toBeGreaterThan(prev.expectedReturn);
      expect(p.volatility).toBeGreaterThanOrEqual(prev.volatility);
    }
  });

  it("collapses to the minimum-volatility portfolio when no higher return is attainable", () => {
    const flat = { ...two, expectedReturns: [0.05, 0.05] };
    const f = efficientFrontier(flat, { points: 3 });
    const mv = minVolatility(flat);
    for (const p of f.points) expect(p.weights).toEqual(mv.weights);
  });

  it("rejects fewer than two points, L2 regularisation and a turnover penalty", () => {
    expect(errorOf(() => efficientFrontier(two, { points: 1 }))).toEqual({
      code: "INVALID_INPUT",
      field: "points",
    });
    expect(errorOf(() => efficientFrontier(two, { points: 2.5 }))).toEqual({
      code: "INVALID_INPUT",
      field: "points",
    });
    expect(errorOf(() => efficientFrontier({ ...two, constraints: { l2Gamma: 1 } }))).toEqual({
      code: "INVALID_INPUT",
      field: "constraints.l2Gamma",
    });
    expect(
      errorOf(() =>
        efficientFrontier({
          ...two,
          constraints: { turnover: { mode: "penalty", current: [0.5, 0.5], kappa: 1 } },
        }),
      ),
    ).toEqual({ code: "INVALID_INPUT", field: "constraints.turnover" });
  });
});
