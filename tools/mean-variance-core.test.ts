import { describe, expect, it } from "vitest";
import { ToolError, isToolError } from "./errors.js";
import {
  compileWithReturn,
  dot,
  finishPortfolio,
  maxAttainableReturn,
  performanceOf,
  prepareProblem,
  quadraticForm,
  resolveRiskFree,
  runWithRidge,
  solvePrepared,
  withRidge,
  type MeanVarianceProblem,
} from "./mean-variance-core.js";
import { compilePortfolioQp } from "./portfolio-constraints.js";

const two: MeanVarianceProblem = {
  symbols: ["A", "B"],
  expectedReturns: [0.1, 0.05],
  covariance: [
    [0.04, 0],
    [0, 0.01],
  ],
};

describe("mean–variance shared machinery", () => {
  it("prepares a validated flat problem", () => {
    const prep = prepareProblem({ symbols: ["A"], expectedReturns: [0.1], covariance: [[0.04]] });
    expect(Array.from(prep.cov)).toEqual([0.04]);
    expect(prep.ridge).toBe(0);
  });

  it("adds the ridge ε·tr(Σ)/n to the diagonal", () => {
    // tr = 2, n = 2, ε = 1e-10 → 1e-10.
    const prep = withRidge(
      prepareProblem({
        symbols: ["A", "B"],
        expectedReturns: [0, 0],
        covariance: [
          [1, 1],
          [1, 1],
        ],
      }),
    );
    expect(prep.ridge).toBe(1e-10);
    expect(Array.from(prep.cov)).toEqual([1 + 1e-10, 1, 1, 1 + 1e-10]);
    expect(Array.from(prep.rawCov)).toEqual([1, 1, 1, 1]);
  });

  it("reruns a body that met a singular Hessian with the ridge, and only then", () => {
    expect(runWithRidge(two, (p) => p.ridge)).toBe(0);
    const ridge = runWithRidge(two, (p) => {
      if (p.ridge === 0) throw new ToolError("NUMERICAL", "hessian", "singular");
      return p.ridge;
    });
    // ε·tr(Σ)/n = 1e-10 · 0.05 / 2.
    expect(ridge).toBeCloseTo(2.5e-12, 25);
    try {
      runWithRidge(two, () => {
        throw new ToolError("NUMERICAL", "hessian", "singular");
      });
      expect.unreachable();
    } catch (error) {
      expect(
        isToolError(error) && error.code === "INVALID_INPUT" && error.field === "covariance",
      ).toBe(true);
    }
  });

  it("solves one QP and counts its iterations", () => {
    const prep = prepareProblem(two);
    const x = solvePrepared(prep, compilePortfolioQp(prep.resolved, prep.cov, []).qp).x;
    expect(x[0]).toBeCloseTo(0.2, 15);
    expect(x[1]).toBeCloseTo(0.8, 15);
    expect(prep.iterations).toBeGreaterThan(0);
  });

  it("finishes a portfolio: cleaned weights and its performance", () => {
    const p = finishPortfolio(
      prepareProblem(two),
      "min-volatility",
      Float64Array.of(0.2, 0.8 + 1e-17),
      0,
    );
    expect(p.weights).toEqual([0.2, 0.8]);
    expect(p.expectedReturn).toBeCloseTo(0.06, 15);
    expect(p.volatility).toBeCloseTo(Math.sqrt(0.008), 15);
    const dust = finishPortfolio(
      prepareProblem(two),
      "min-volatility",
      Float64Array.of(1 - 1e-13, 1e-13),
      0,
    );
    expect(dust.weights[1]).toBe(0);
  });

  it("resolves the risk-free rate and rejects a non-finite one", () => {
    expect(resolveRiskFree({ riskFree: 0.02 })).toBe(0.02);
    expect(resolveRiskFree({})).toBe(0);
    expect(() => resolveRiskFree({ riskFree: Number.NaN })).toThrow(/riskFree/);
  });

  it("appends a movable return row labelled targetReturn", () => {
    const prep = prepareProblem(two);
    const compiled = compileWithReturn(prep, true, false);
    expect(compiled.qp.labels).toEqual(["budget", "targetReturn"]);
    compiled.setTarget(0.08);
    expect(compiled.qp.rhs[compiled.returnRow]).toBe(0.08);
  });

  it("finds the highest attainable return by LP", () => {
    expect(maxAttainableReturn(prepareProblem(two))).toBe(0.1);
    // Capped at 0.7 per asset: 0.7·0.1 + 0.3·0.05 = 0.085.
    const capped = prepareProblem({ ...two, constraints: { bounds: { min: 0, max: 0.7 } } });
    expect(maxAttainableReturn(capped)).toBeCloseTo(0.085, 15);
  });

  it("computes wᵀΣw, aᵀb and the performance triple", () => {
    expect(quadraticForm(Float64Array.of(0.04, 0, 0, 0.01), Float64Array.of(0.5, 0.5))).toBeCloseTo(
      0.0125,
      15,
    );
    expect(dot(Float64Array.of(1, 2), Float64Array.of(3, 4))).toBe(11);
    expect(performanceOf(Float64Array.of(0.1), Float64Array.of(0.04), [1], 0).sharpe).toBe(0.5);
  });
});
