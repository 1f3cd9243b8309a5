import { describe, expect, it } from "vitest";
import { dailyModel, MONTE_CARLO_DEFAULTS, validateMonteCarloInput } from "./monte-carlo-input.js";
import { createRandom } from "./random.js";

describe("dailyModel", () => {
  it("de-annualises μ and Σ: drift (μ − σ²/2)/P and factor √(σ²/P) (doc example)", () => {
    // (0.1008 − 0.0504/2) / 252 = 0.0756 / 252 = 0.0003; √(0.0504 / 252) = √0.0002.
    const m = dailyModel({ expectedReturns: [0.1008], covariance: [[0.0504]] });
    expect(m.n).toBe(1);
    expect(m.drift[0]).toBeCloseTo(0.0003, 16);
    expect(m.factor[0]).toBeCloseTo(Math.sqrt(0.0002), 16);
  });

  it("returns F with F Fᵀ = Σ / P, lower triangular, for a hand-worked 2 × 2 case with P = 4", () => {
    // Σ = [[4, 2], [2, 2]]: L = [[2, 0], [1, 1]]; F = L / √4 = [[1, 0], [0.5, 0.5]].
    const m = dailyModel({
      expectedReturns: [0, 0],
      covariance: [
        [4, 2],
        [2, 2],
      ],
      periodsPerYear: 4,
    });
    expect(Array.from(m.factor)).toEqual([1, 0, 0.5, 0.5]);
    // drift_i = (0 − Σ_ii / 2) / 4: −0.5 and −0.25.
    expect(Array.from(m.drift)).toEqual([-0.5, -0.25]);
  });

  it("names periodsPerYear, expectedReturns and covariance when they are invalid", () => {
    const ok = { expectedReturns: [0.1], covariance: [[0.04]] };
    for (const periodsPerYear of [0, 1.5, 367]) {
      expect(() => dailyModel({ ...ok, periodsPerYear })).toThrow(
        expect.objectContaining({ field: "periodsPerYear" }),
      );
    }
    expect(() => dailyModel({ ...ok, expectedReturns: [] })).toThrow(
      expect.objectContaining({ field: "expectedReturns" }),
    );
    expect(() => dailyModel({ ...ok, covariance: [[0.04], [0.01]] })).toThrow(
      expect.objectContaining({ field: "covariance" }),
    );
    expect(() => dailyModel({ ...ok, covariance: [[-0.04]] })).toThrow(
      expect.objectContaining({ field: "covariance" }),
    );
  });
});

describe("validateMonteCarloInput", () => {
  const input = {
    expectedReturns: [0.1, 0.2],
    covariance: [
      [0.04, 0.01],
      [0.01, 0.09],
    ],
    weights: [0.5, 0.5],
    horizonDays: 5,
    paths: 3,
    random: createRandom(3),
  };

  it("computes the portfolio's wᵀμ and √(wᵀΣw) (doc example)", () => {
    // wᵀμ = 0.5·0.1 + 0.5·0.2 = 0.15; wᵀΣw = 0.25·0.04 + 2·0.25·0.01 + 0.25·0.09 = 0.0375.
    const plan = validateMonteCarloInput(input);
    expect(plan.portfolio.expectedReturn).toBeCloseTo(0.15, 15);
    expect(plan.portfolio.volatility).toBe(Math.sqrt(0.0375));
    expect(Math.sqrt(0.0375)).toBe(0.19364916731037085);
  });

  it("applies the exported defaults, antithetic off", () => {
    const plan = validateMonteCarloInput(input);
    expect(plan.model).toBe(MONTE_CARLO_DEFAULTS.model);
    expect(plan.mode).toBe("multi-asset");
    expect(plan.periodsPerYear).toBe(252);
    expect(plan.initialValue).toBe(1);
    expect(plan.returnPaths).toBe(false);
    expect(plan.antithetic).toBe(false);
    expect(Array.from(plan.weights)).toEqual([0.5, 0.5]);
  });
});
