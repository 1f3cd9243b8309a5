import fc from "fast-check";
import { solveQP } from "quadprog";
import { describe, expect, it } from "vitest";
import { blackLitterman } from "../tools/index.js";
import {
  LEDOIT_WOLF_MIN_OBSERVATIONS,
  optimizeTargets,
  statelessCovariance,
  type StatelessView,
} from "./stateless-rebalance-optimize.js";

const DELTA = 2.5;
const noView: StatelessView = { expectedAnnualReturn: 0, confidence: 0 };

function matVec(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  return m.map((row) => row.reduce((s, x, j) => s + x * (v[j] as number), 0));
}

/**
 * Independent reference: maximise μᵀw − δ/2·wᵀΣw s.t. Σw = B, 0 ≤ w ≤ 1 with quadprog
 * (Goldfarb–Idnani): minimise ½wᵀ(δΣ)w − μᵀw, constraints Aᵀw ≥ b (first one an equality).
 */
function quadprogUtility(
  mu: readonly number[],
  cov: readonly (readonly number[])[],
  budget: number,
): number[] {
  const n = mu.length;
  const D = [[], ...cov.map((row) => [0, ...row.map((x) => DELTA * x)])];
  const d = [0, ...mu];
  const m = 1 + 2 * n;
  const A: number[][] = [[]];
  for (let i = 0; i < n; i++) {
    const col = new Array<number>(m + 1).fill(0);
    col[1] = 1; // Σw = B
    col[2 + i] = 1; // w_i ≥ 0
    col[2 + n + i] = -1; // −w_i ≥ −1
    A.push(col);
  }
  const b = [0, budget, ...new Array<number>(n).fill(0), ...new Array<number>(n).fill(-1)];
  const res = solveQP(D as number[][], d, A, b, 1);
  if (res.message !== "") throw new Error(res.message);
  return res.solution.slice(1);
}

/** Random positive-definite covariance F Fᵀ + diag(d), annual scale. */
function covarianceArb(n: number) {
  return fc
    .tuple(
      fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), {
        minLength: n * n,
        maxLength: n * n,
      }),
      fc.array(fc.double({ min: 0.005, max: 0.05, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([f, d]) =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => {
          let s = i === j ? (d[i] as number) : 0;
          for (let k = 0; k < n; k++) s += (f[i * n + k] as number) * (f[j * n + k] as number);
          return s;
        }),
      ),
    )
    .map((c) =>
      c.map((row, i) =>
        row.map((_, j) => ((row[j] as number) + ((c[j] as number[])[i] as number)) / 2),
      ),
    );
}

/** Weights in [0, 1], Σ ≤ 1, with a positive sum. */
function targetsArb(n: number) {
  return fc
    .tuple(
      fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([raw, slack]) => {
      const total = raw.reduce((s, x) => s + x, 0) + slack;
      return raw.map((x) => x / total);
    });
}

const symbolsOf = (n: number) => Array.from({ length: n }, (_, i) => `S${i}`);

describe("statelessCovariance", () => {
  it("is the diagonal of sample variances × P below 10 observations (the @example)", () => {
    // var([0.01, 0.02, 0.03]) = (1e-4 + 0 + 1e-4)/2 = 1e-4; var([0, 0, 0.03]) = (1e-4·2 + 4e-4)/2 = 3e-4.
    const c = statelessCovariance(
      [
        [0.01, 0.02, 0.03],
        [0, 0, 0.03],
      ],
      1,
    );
    expect(c.method).toBe("diagonal-sample-variance");
    expect(c.shrinkage).toBeNull();
    expect(c.matrix[0]?.[0]).toBeCloseTo(1e-4, 18);
    expect(c.matrix[1]?.[1]).toBeCloseTo(3e-4, 18);
    expect(c.matrix[0]?.[1]).toBe(0);
  });

  it("is Ledoit–Wolf toward the scaled identity from 10 observations", () => {
    // Hand-worked (tools/ledoit-wolf.ts): x = [[1, 0], [−1, 0], [0, 2], [0, −2]]·0.1 repeated
    // keeps S = diag(0.005, 0.02) (ddof 0), μ = 0.0125; the intensity is scale-free.
    const rows = [
      [0.1, 0],
      [-0.1, 0],
      [0, 0.2],
      [0, -0.2],
    ];
    const T = 12;
    const cols = [0, 1].map((j) =>
      Array.from({ length: T }, (_, t) => (rows[t % 4] as number[])[j] as number),
    );
    expect(T).toBeGreaterThanOrEqual(LEDOIT_WOLF_MIN_OBSERVATIONS);
    const c = statelessCovariance(cols, 1);
    expect(c.method).toBe("ledoit-wolf-constant-variance");
    // δ² = ((0.005 − 0.0125)² + (0.02 − 0.0125)²)/2 = 5.625e-5; Σ_t‖x_t‖⁴/T = (1e-4 + 1.6e-3)/2 = 8.5e-4,
    // ‖S‖² = 4.25e-4 → β̄² = (8.5e-4 − 4.25e-4)/(2·12) = 1.7708e-5 < δ² → shrinkage 17/54.
    expect(c.shrinkage).toBeCloseTo(17 / 54, 12);
    const s = c.shrinkage ?? 0;
    expect(c.matrix[0]?.[0]).toBeCloseTo((1 - s) * 0.005 + s * 0.0125, 14);
  });
});

describe("optimizeTargets", () => {
  const cov3 = [
    [0.04, 0.01, 0],
    [0.01, 0.09, 0.02],
    [0, 0.02, 0.0625],
  ];

  it("returns the stated targets when no view has confidence (the @example)", () => {
    const r = optimizeTargets({
      symbols: ["A", "B"],
      targets: [0.3, 0.5],
      covariance: [
        [0.04, 0],
        [0, 0.09],
      ],
      views: [{ expectedAnnualReturn: 0.1, confidence: 0 }, noView],
      riskAversion: DELTA,
    });
    expect(r.weights).toEqual([0.3, 0.5]);
    expect(r.status).toBe("no-active-views");
    // π = δ Σ w = 2.5 · (0.04·0.3, 0.09·0.5) = (0.03, 0.1125).
    expect(r.prior?.[0]).toBeCloseTo(0.03, 15);
    expect(r.prior?.[1]).toBeCloseTo(0.1125, 15);
  });

  it("solves the QP back to the targets when every view equals the prior (Q = π)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((n) =>
          fc.tuple(
            covarianceArb(n),
            targetsArb(n),
            fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), {
              minLength: n,
              maxLength: n,
            }),
          ),
        ),
        ([cov, targets, confidences]) => {
          const prior = matVec(cov, targets).map((x) => DELTA * x);
          const r = optimizeTargets({
            symbols: symbolsOf(targets.length),
            targets,
            covariance: cov,
            views: prior.map((q, i) => ({
              expectedAnnualReturn: q,
              confidence: confidences[i] as number,
            })),
            riskAversion: DELTA,
          });
          expect(r.status).toBe("optimized");
          r.weights.forEach((w, i) =>
            expect(Math.abs(w - (targets[i] as number))).toBeLessThanOrEqual(1e-9),
          );
        },
      ),
      { numRuns: 200, seed: 1 },
    );
  });

  it("matches an independent quadprog solution of the utility problem on the posterior returns", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((n) =>
          fc.tuple(
            covarianceArb(n),
            targetsArb(n),
            fc.array(
              fc.record({
                expectedAnnualReturn: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
                confidence: fc.oneof(
                  fc.constant(0),
                  fc.double({ min: 1e-6, max: 0.99, noNaN: true }),
                ),
              }),
              { minLength: n, maxLength: n },
            ),
          ),
        ),
        ([cov, targets, views]) => {
          fc.pre(views.some((v) => v.confidence > 0));
          const symbols = symbolsOf(targets.length);
          const r = optimizeTargets({
            symbols,
            targets,
            covariance: cov,
            views,
            riskAversion: DELTA,
          });
          expect(r.status).toBe("optimized");
          const prior = matVec(cov, targets).map((x) => DELTA * x);
          const bl = blackLitterman({
            symbols,
            covariance: cov,
            priorReturns: prior,
            views: views.map((v, i) => ({
              type: "absolute" as const,
              asset: symbols[i] as string,
              return: v.expectedAnnualReturn,
              confidence: v.confidence,
            })),
          });
          const budget = targets.reduce((s, x) => s + x, 0);
          const ref = quadprogUtility(bl.posteriorReturns, cov, budget);
          r.weights.forEach((w, i) =>
            expect(Math.abs(w - (ref[i] as number))).toBeLessThanOrEqual(1e-7),
          );
          expect(Math.abs(r.weights.reduce((s, x) => s + x, 0) - budget)).toBeLessThanOrEqual(
            1e-12,
          );
        },
      ),
      { numRuns: 150, seed: 2 },
    );
  });

  it("raises the weight of the asset with a positive view when Σ is diagonal", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((n) =>
          fc.tuple(
            fc.array(fc.double({ min: 0.001, max: 0.2, noNaN: true }), {
              minLength: n,
              maxLength: n,
            }),
            targetsArb(n),
            fc.integer({ min: 0, max: n - 1 }),
            fc.double({ min: 0.01, max: 0.5, noNaN: true }),
            fc.double({ min: 0.05, max: 0.99, noNaN: true }),
          ),
        ),
        ([variances, targets, k, excess, confidence]) => {
          const n = targets.length;
          const cov = variances.map((v, i) => variances.map((_, j) => (i === j ? v : 0)));
          const prior = matVec(cov, targets).map((x) => DELTA * x);
          const views = targets.map((_, i) =>
            i === k ? { expectedAnnualReturn: (prior[k] as number) + excess, confidence } : noView,
          );
          const r = optimizeTargets({
            symbols: symbolsOf(n),
            targets,
            covariance: cov,
            views,
            riskAversion: DELTA,
          });
          expect(r.status).toBe("optimized");
          expect(r.weights[k] as number).toBeGreaterThan(targets[k] as number);
        },
      ),
      { numRuns: 200, seed: 4 },
    );
  });

  it("raises it further as the confidence grows", () => {
    const prior = matVec(cov3, [0.3, 0.3, 0.3]).map((x) => DELTA * x);
    const weightAt = (confidence: number) =>
      optimizeTargets({
        symbols: ["A", "B", "C"],
        targets: [0.3, 0.3, 0.3],
        covariance: cov3,
        views: [{ expectedAnnualReturn: (prior[0] as number) + 0.05, confidence }, noView, noView],
        riskAversion: DELTA,
      }).weights[0] as number;
    const ws = [0, 0.2, 0.5, 0.8].map(weightAt);
    expect(ws[0]).toBe(0.3);
    for (let i = 1; i < ws.length; i++)
      expect(ws[i] as number).toBeGreaterThan(ws[i - 1] as number);
  });

  it("can lower a positive-view asset that is the low-volatility leg of a correlated pair", () => {
    // Σ = [[0.01, 0.018], [0.018, 0.04]] (ρ = 0.9, σ = 10% and 20%): the minimum-variance weight of
    // LOW is (0.04 − 0.018)/(0.01 + 0.04 − 0.036) = 1.571 > 1. A bullish view on LOW raises the
    // posterior of HIGH by τ·0.018·x against LOW's τ·0.01·x, and the budget moves weight to HIGH.
    const cov = [
      [0.01, 0.018],
      [0.018, 0.04],
    ];
    const prior = matVec(cov, [0.5, 0.5]).map((x) => DELTA * x);
    const r = optimizeTargets({
      symbols: ["LOW", "HIGH"],
      targets: [0.5, 0.5],
      covariance: cov,
      views: [{ expectedAnnualReturn: (prior[0] as number) + 0.1, confidence: 0.5 }, noView],
      riskAversion: DELTA,
    });
    expect(r.status).toBe("optimized");
    expect((r.posterior?.[1] ?? 0) - (prior[1] as number)).toBeGreaterThan(
      (r.posterior?.[0] ?? 0) - (prior[0] as number),
    );
    expect(r.weights[0] as number).toBeLessThan(0.5);
  });

  it("floors a zero variance so that a confident view on it stays solvable", () => {
    const r = optimizeTargets({
      symbols: ["FLAT", "B"],
      targets: [0.4, 0.4],
      covariance: [
        [0, 0],
        [0, 0.04],
      ],
      views: [{ expectedAnnualReturn: 0.02, confidence: 1 }, noView],
      riskAversion: DELTA,
    });
    expect(r.status).toBe("optimized");
    expect(r.flooredVariances).toBe(1);
    expect(r.ridge).toBe(0);
    // FLAT's variance becomes f = 1e-6 · 0.04/2 = 2e-8; the certain view fixes μ_FLAT = 0.02, and
    // μ_B = π_B = 2.5 · 0.04 · 0.4 = 0.04 (uncorrelated). Utility maximum on w_F + w_B = 0.8:
    // μ_F − δ f w_F = μ_B − δ·0.04·w_B → 0.02 − 5e-8 w_F = 0.04 − 0.1 w_B
    // → w_B = (0.02 + 5e-8·0.8)/(0.1 + 5e-8), w_F = 0.8 − w_B.
    const wB = (0.02 + 5e-8 * 0.8) / (0.1 + 5e-8);
    expect(r.weights[1]).toBeCloseTo(wB, 10);
    expect(r.weights[0]).toBeCloseTo(0.8 - wB, 10);
  });

  it("stays solvable with a cash-like asset whose variance is 1e-10 of the others'", () => {
    const cov = [
      [4e-12, 0, 0],
      [0, 0.04, 0.01],
      [0, 0.01, 0.09],
    ];
    const prior = matVec(cov, [0.2, 0.4, 0.3]).map((x) => DELTA * x);
    const r = optimizeTargets({
      symbols: ["CASH", "EQ", "CRYPTO"],
      targets: [0.2, 0.4, 0.3],
      covariance: cov,
      views: [
        { expectedAnnualReturn: 0.04, confidence: 0.9 },
        { expectedAnnualReturn: (prior[1] as number) + 0.02, confidence: 0.3 },
        noView,
      ],
      riskAversion: DELTA,
    });
    expect(r.status).toBe("optimized");
    expect(r.flooredVariances).toBe(1);
    expect(r.weights.reduce((s, x) => s + x, 0)).toBeCloseTo(0.9, 12);
  });

  it("falls back to the stated targets, naming the reason, when the covariance is not PSD", () => {
    const r = optimizeTargets({
      symbols: ["A", "B"],
      targets: [0.5, 0.3],
      covariance: [
        [0.04, 0.1],
        [0.1, 0.04],
      ],
      views: [{ expectedAnnualReturn: 0.2, confidence: 0.5 }, noView],
      riskAversion: DELTA,
    });
    expect(r.status).toBe("fallback");
    expect(r.weights).toEqual([0.5, 0.3]);
    expect(r.fallbackReason).toMatch(/covariance/);
  });

  it("keeps the targets when the budget alone fixes them (one asset, or nothing invested)", () => {
    const one = optimizeTargets({
      symbols: ["A"],
      targets: [0.7],
      covariance: [[0.04]],
      views: [{ expectedAnnualReturn: 0.5, confidence: 1 }],
      riskAversion: DELTA,
    });
    expect([one.status, one.weights]).toEqual(["single-asset", [0.7]]);
    const none = optimizeTargets({
      symbols: ["A", "B"],
      targets: [0, 0],
      covariance: cov3.slice(0, 2).map((r) => r.slice(0, 2)),
      views: [{ expectedAnnualReturn: 0.5, confidence: 1 }, noView],
      riskAversion: DELTA,
    });
    expect([none.status, none.weights]).toEqual(["no-invested-budget", [0, 0]]);
  });
});
