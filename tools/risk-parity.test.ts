import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ToolError } from "./errors.js";
import { riskContributions, riskParity } from "./risk-parity.js";

/** Covariance from volatilities and a correlation matrix: Σ_ij = ρ_ij σ_i σ_j. */
function covFrom(sd: readonly number[], corr: readonly (readonly number[])[]): number[][] {
  return sd.map((si, i) => sd.map((sj, j) => ((corr[i] as number[])[j] as number) * si * sj));
}

function expectClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - (expected[i] as number))).toBeLessThanOrEqual(tol));
}

describe("riskParity", () => {
  it("gives w ∝ 1/σ for uncorrelated assets (Maillard, Roncalli & Teiletche 2010, ρ = 0)", () => {
    // σ = 10%, 20%, 30%, 40%: 1/σ = 10, 5, 10/3, 2.5, total 125/6 → 0.48, 0.24, 0.16, 0.12.
    const r = riskParity([
      [0.01, 0, 0, 0],
      [0, 0.04, 0, 0],
      [0, 0, 0.09, 0],
      [0, 0, 0, 0.16],
    ]);
    expectClose(r.weights, [0.48, 0.24, 0.16, 0.12], 1e-15);
    expectClose(r.riskContributions, [0.25, 0.25, 0.25, 0.25], 1e-15);
    expect(r.maxDeviation).toBeLessThanOrEqual(1e-14);
    // σ_p² = Σ w_i² σ_i² = 4 · 0.048² = 0.009216 → σ_p = 0.096
    expect(r.volatility).toBeCloseTo(0.096, 15);
  });

  it("reproduces Maillard, Roncalli & Teiletche (2010)'s example with ρ₁₂ = 0.8, ρ₃₄ = −0.5", () => {
    // p. 65 of the paper (as used by portfolio_allocation_js's tests): ERC weights 38.4%, 19.2%,
    // 24.3%, 18.2% (published to 0.1%).
    const cov = covFrom(
      [0.1, 0.2, 0.3, 0.4],
      [
        [1, 0.8, 0, 0],
        [0.8, 1, 0, 0],
        [0, 0, 1, -0.5],
        [0, 0, -0.5, 1],
      ],
    );
    const r = riskParity(cov);
    expect(r.weights.map((w) => Math.round(w * 1000) / 10)).toEqual([38.4, 19.2, 24.3, 18.2]);
    expect(r.maxDeviation).toBeLessThanOrEqual(1e-14);
  });

  it("gives w ∝ 1/σ under a constant correlation (the paper's closed form)", () => {
    const sd = [0.1, 0.2, 0.3, 0.4, 0.25];
    const corr = sd.map((_, i) => sd.map((__, j) => (i === j ? 1 : 0.5)));
    const inv = sd.map((s) => 1 / s);
    const total = inv.reduce((a, b) => a + b, 0);
    const r = riskParity(covFrom(sd, corr));
    expectClose(
      r.weights,
      inv.map((v) => v / total),
      1e-14,
    );
  });

  it("solves the two-asset case by hand: w₁/w₂ = σ₂/σ₁ whatever the correlation", () => {
    // RC₁ = RC₂ ⇔ w₁(w₁σ₁² + w₂ρσ₁σ₂) = w₂(w₂σ₂² + w₁ρσ₁σ₂) ⇔ w₁σ₁ = w₂σ₂.
    // σ = (0.3, 0.1), ρ = −0.4 → w = (0.1, 0.3)/0.4 = (0.25, 0.75).
    const r = riskParity(
      covFrom(
        [0.3, 0.1],
        [
          [1, -0.4],
          [-0.4, 1],
        ],
      ),
    );
    expectClose(r.weights, [0.25, 0.75], 1e-15);
  });

  it("matches Bruder & Roncalli's closed form for two assets with risk budgets (b, 1 − b)", () => {
    // w₁* = [(b − ½)ρσ₁σ₂ − bσ₂² + σ₁σ₂√((b − ½)²ρ² + b(1 − b))] / [(1 − b)σ₁² − bσ₂² + 2(b − ½)ρσ₁σ₂]
    const [s1, s2, rho, b] = [0.2, 0.1, 0.3, 0.7];
    const num =
      (b - 0.5) * rho * s1 * s2 -
      b * s2 * s2 +
      s1 * s2 * Math.sqrt((b - 0.5) ** 2 * rho * rho + b * (1 - b));
    const den = (1 - b) * s1 * s1 - b * s2 * s2 + 2 * (b - 0.5) * rho * s1 * s2;
    const w1 = num / den;
    const r = riskParity(
      covFrom(
        [s1, s2],
        [
          [1, rho],
          [rho, 1],
        ],
      ),
      { budgets: [b, 1 - b] },
    );
    expectClose(r.weights, [w1, 1 - w1], 1e-14);
    expectClose(r.riskContributions, [0.7, 0.3], 1e-14);
  });

  it("gives w_i ∝ √b_i / σ_i for uncorrelated assets with budgets (Bruder & Roncalli)", () => {
    const variances = [0.04, 0.01, 0.09];
    const budgets = [0.5, 0.3, 0.2];
    const raw = budgets.map((bi, i) => Math.sqrt(bi) / Math.sqrt(variances[i] as number));
    const total = raw.reduce((a, c) => a + c, 0);
    const r = riskParity(
      [
        [0.04, 0, 0],
        [0, 0.01, 0],
        [0, 0, 0.09],
      ],
      { budgets },
    );
    expectClose(
      r.weights,
      raw.map((v) => v / total),
      1e-15,
    );
  });

  it("reproduces Richard & Roncalli (2019) Table 1: ERC and risk budgets (0.3, 0.3, 0.195, 0.205)", () => {
    // "Constrained risk budgeting portfolios", arXiv:1902.05710, unconstrained columns (in %).
    const cov = [
      [0.01, 0.0075, 0.01, 0.015],
      [0.0075, 0.0225, 0.015, 0.0225],
      [0.01, 0.015, 0.04, 0.045],
      [0.015, 0.0225, 0.045, 0.09],
    ];
    expectClose(riskParity(cov).weights, [0.4101, 0.2734, 0.1899, 0.1266], 0.00005 + 1e-12);
    const rb = riskParity(cov, { budgets: [0.3, 0.3, 0.195, 0.205] });
    expectClose(rb.weights, [0.4505, 0.3004, 0.1467, 0.1024], 0.00005 + 1e-12);
    expectClose(rb.riskContributions, [0.3, 0.3, 0.195, 0.205], 1e-14);
  });

  it("reproduces Richard & Roncalli (2019) Table 9: 8-asset ERC to the published 4 decimals (in %)", () => {
    const sd = [0.05, 0.05, 0.07, 0.1, 0.15, 0.15, 0.15, 0.18];
    const corr = [
      [100, 80, 60, -20, -10, -20, -20, -20],
      [80, 100, 40, -20, -20, -10, -20, -20],
      [60, 40, 100, 50, 30, 20, 20, 30],
      [-20, -20, 50, 100, 60, 60, 50, 60],
      [-10, -20, 30, 60, 100, 90, 70, 70],
      [-20, -10, 20, 60, 90, 100, 60, 70],
      [-20, -20, 20, 50, 70, 60, 100, 70],
      [-20, -20, 30, 60, 70, 70, 70, 100],
    ].map((row) => row.map((v) => v / 100));
    const published = [26.8306, 28.6769, 11.4095, 9.7985, 5.6135, 5.9029, 6.656, 5.1121];
    const r = riskParity(covFrom(sd, corr));
    expectClose(
      r.weights,
      published.map((p) => p / 100),
      0.0000005 + 1e-12,
    );
    expect(r.maxDeviation).toBeLessThanOrEqual(1e-14);
  });

  it("reproduces Bai, Scheinberg & Tütüncü (2016)'s 5-asset least-squares example", () => {
    // "Least-squares approach to risk parity in portfolio selection": weights to 3 decimals.
    const cov = [
      [94.868, 33.75, 12.325, -1.178, 8.778],
      [33.75, 445.642, 98.955, -7.901, 84.954],
      [12.325, 98.955, 117.265, 0.503, 45.184],
      [-1.178, -7.901, 0.503, 5.46, 1.057],
      [8.778, 84.954, 45.184, 1.057, 34.126],
    ];
    const r = riskParity(cov);
    expect(r.weights.map((w) => Math.round(w * 1000) / 1000)).toEqual([
      0.125, 0.047, 0.083, 0.613, 0.132,
    ]);
  });

  it("excludes an asset with a zero budget and solves the rest exactly", () => {
    // Asset 2 out; the remaining pair is uncorrelated with σ = 0.1, 0.2 → (2/3, 1/3).
    const r = riskParity(
      [
        [0.01, 0, 0.003],
        [0, 0.04, 0.002],
        [0.003, 0.002, 0.09],
      ],
      { budgets: [0.5, 0.5, 0] },
    );
    expectClose(r.weights, [2 / 3, 1 / 3, 0], 1e-15);
    expect(r.weights[2]).toBe(0);
    expectClose(r.riskContributions, [0.5, 0.5, 0], 1e-15);
  });

  it("reaches budgets to 1e-13 on random positive-definite covariances (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
          minLength: 12 * 30,
          maxLength: 12 * 30,
        }),
        fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (n, noise, rawBudgets) => {
          // Σ = XᵀX/T + 0.01·I from 30 noise rows: positive definite.
          const T = 30;
          const cov = Array.from({ length: n }, (_, i) =>
            Array.from({ length: n }, (__, j) => {
              let acc = i === j ? 0.01 : 0;
              for (let t = 0; t < T; t++) {
                acc += ((noise[t * 12 + i] as number) * (noise[t * 12 + j] as number)) / T;
              }
              return acc;
            }),
          );
          const b = rawBudgets.slice(0, n);
          const total = b.reduce((a, c) => a + c, 0);
          const budgets = b.map((v) => v / total);
          const r = riskParity(cov, { budgets });
          expect(r.maxDeviation).toBeLessThanOrEqual(1e-13);
          expect(Math.abs(r.weights.reduce((a, c) => a + c, 0) - 1)).toBeLessThanOrEqual(1e-12);
          expect(r.weights.every((w) => w > 0)).toBe(true);
          expect(r.iterations).toBeLessThan(50);
        },
      ),
      { numRuns: 200, seed: 20240611 },
    );
  });

  it("refuses bad input, naming the field", () => {
    expect(() =>
      riskParity([
        [0.04, 0.01],
        [0.02, 0.09],
      ]),
    ).toThrow(/covariance\[1\]\[0\]/);
    expect(() =>
      riskParity(
        [
          [0, 0],
          [0, 0.09],
        ],
        { symbols: ["CASH", "SPY"] },
      ),
    ).toThrow(/covariance\.CASH/);
    expect(() => riskParity([[0.04]], { budgets: [0.5, 0.5] })).toThrow(/budgets/);
    expect(() =>
      riskParity(
        [
          [0.04, 0],
          [0, 0.09],
        ],
        { budgets: [-0.5, 1.5] },
      ),
    ).toThrow(/budgets\[0\]/);
    expect(() =>
      riskParity(
        [
          [0.04, 0],
          [0, 0.09],
        ],
        { budgets: [0.5, 0.6] },
      ),
    ).toThrow(/sum to 1/);
    expect(() =>
      riskParity([
        [0.04, 0],
        [0, Number.NaN],
      ]),
    ).toThrow(/covariance\[1\]\[1\]/);
    expect(() => riskParity([])).toThrow(ToolError);
  });

  it("reports INFEASIBLE when a long-only mix of the assets is riskless", () => {
    // ρ = −1 with equal σ: w = (½, ½) has zero variance, so no risk budgeting portfolio exists.
    try {
      riskParity([
        [0.04, -0.04],
        [-0.04, 0.04],
      ]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ToolError);
      expect((e as ToolError).code).toBe("INFEASIBLE");
      expect((e as ToolError).field).toBe("covariance");
    }
  });
});

describe("riskContributions", () => {
  it("decomposes the variance of given weights: Σ = diag(0.04, 0.01), w = (½, ½) → (0.8, 0.2)", () => {
    // w∘Σw = (0.5·0.02, 0.5·0.005) = (0.01, 0.0025); wᵀΣw = 0.0125.
    expectClose(
      riskContributions(
        [
          [0.04, 0],
          [0, 0.01],
        ],
        [0.5, 0.5],
      ),
      [0.8, 0.2],
      1e-15,
    );
  });

  it("refuses weights with no risk", () => {
    expect(() => riskContributions([[0.04]], [0])).toThrow(/weights/);
  });
});
