import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { efficientFrontier } from "../tools/efficient-frontier.js";
import { isToolError } from "../tools/errors.js";
import { maxSharpe, minVolatility, type MeanVarianceProblem } from "../tools/mean-variance.js";
import type { AssetBounds } from "../tools/portfolio-constraints.js";

// Invariants of the mean–variance optimisers over random problems: covariance Σ = BBᵀ + diag(d)
// (positive definite, 1–4 factors), returns in [−10%, 40%], per-asset bounds that admit a fully
// invested portfolio (some allowing shorts). The KKT checks are written here, independently of
// the solver's own multipliers.

const RUNS = { numRuns: 150 };

interface RandomProblem {
  readonly problem: MeanVarianceProblem;
  readonly cov: number[][];
  readonly mu: number[];
  readonly bounds: AssetBounds[];
}

/** Realistic magnitudes (no subnormal noise): integers in thousandths. */
const milli = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min, max }).map((v) => v / 1000);

const randomProblem: fc.Arbitrary<RandomProblem> = fc
  .integer({ min: 2, max: 9 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      factors: fc.array(fc.array(milli(-400, 400), { minLength: n, maxLength: n }), {
        minLength: 1,
        maxLength: 4,
      }),
      idio: fc.array(milli(1, 90), { minLength: n, maxLength: n }),
      mu: fc.array(milli(-100, 400), { minLength: n, maxLength: n }),
      lower: fc.array(fc.oneof(fc.constant(0), milli(-300, 100)), { minLength: n, maxLength: n }),
      width: fc.array(milli(50, 1000), { minLength: n, maxLength: n }),
    }),
  )
  .map(({ n, factors, idio, mu, lower, width }) => {
    const cov = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        let s = i === j ? (idio[i] as number) : 0;
        for (const f of factors) s += (f[i] as number) * (f[j] as number);
        return s;
      }),
    );
    const bounds = lower.map((l, i) => ({ min: l, max: l + (width[i] as number) }));
    // Make Σ min ≤ 1 ≤ Σ max: shift the lower bounds down, then widen the uppers.
    const sumMin = bounds.reduce((s, b) => s + b.min, 0);
    const lowShift = sumMin > 0.9 ? (sumMin - 0.9) / n : 0;
    const shifted = bounds.map((b) => ({ min: b.min - lowShift, max: b.max - lowShift }));
    const sumMax = shifted.reduce((s, b) => s + b.max, 0);
    const grow = sumMax < 1.1 ? (1.1 - sumMax) / n : 0;
    const final = shifted.map((b) => ({ min: b.min, max: b.max + grow }));
    const symbols = Array.from({ length: n }, (_, i) => `A${i}`);
    return {
      problem: { symbols, expectedReturns: mu, covariance: cov, constraints: { bounds: final } },
      cov,
      mu,
      bounds: final,
    };
  });

const matVec = (cov: number[][], w: readonly number[]): number[] =>
  cov.map((row) => row.reduce((s, c, j) => s + c * (w[j] as number), 0));
const dotp = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, v, i) => s + v * (b[i] as number), 0);

function expectFeasible(w: readonly number[], bounds: readonly AssetBounds[]): void {
  expect(Math.abs(w.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-9);
  w.forEach((v, i) => {
    const b = bounds[i] as AssetBounds;
    expect(v).toBeGreaterThanOrEqual(b.min);
    expect(v).toBeLessThanOrEqual(b.max);
  });
}

/**
 * KKT of `min f(w) s.t. Σw = 1 (and μᵀw = r), l ≤ w ≤ h` for a gradient `grad`: least-squares
 * multipliers for the equality rows from the free assets, then stationarity on the free assets
 * and the sign conditions (≥ at a lower bound, ≤ at an upper bound) on the others.
 */
function expectKkt(
  grad: readonly number[],
  w: readonly number[],
  bounds: readonly AssetBounds[],
  rows: readonly (readonly number[])[],
  gradScale = Math.max(...grad.map(Math.abs)),
): void {
  const scale = Math.max(gradScale, 1e-12);
  const tol = 1e-7 * scale;
  const free = w
    .map((_, i) => i)
    .filter((i) => {
      const b = bounds[i] as AssetBounds;
      const v = w[i] as number;
      return v > b.min + 1e-10 && v < b.max - 1e-10;
    });
  if (free.length < rows.length) return; // a vertex: the equality multipliers are not identified
  // Normal equations (AᵀA)λ = Aᵀg over the free assets.
  const m = rows.length;
  const ata = Array.from({ length: m }, (_, a) =>
    Array.from({ length: m }, (_, b) =>
      free.reduce(
        (s, i) => s + ((rows[a] as number[])[i] as number) * ((rows[b] as number[])[i] as number),
        0,
      ),
    ),
  );
  const atg = Array.from({ length: m }, (_, a) =>
    free.reduce((s, i) => s + ((rows[a] as number[])[i] as number) * (grad[i] as number), 0),
  );
  const lambda =
    m === 1
      ? [(atg[0] as number) / ((ata[0] as number[])[0] as number)]
      : solve2(ata as [number[], number[]], atg as [number, number]);
  if (lambda === null) return;
  const reduced = grad.map(
    (g, i) => g - rows.reduce((s, row, a) => s + (lambda[a] as number) * (row[i] as number), 0),
  );
  w.forEach((v, i) => {
    const b = bounds[i] as AssetBounds;
    const r = reduced[i] as number;
    if (free.includes(i)) expect(Math.abs(r)).toBeLessThanOrEqual(tol);
    else if (v <= b.min + 1e-10) expect(r).toBeGreaterThanOrEqual(-tol);
    else expect(r).toBeLessThanOrEqual(tol);
  });
}

function solve2(a: [number[], number[]], b: [number, number]): number[] | null {
  const [a00, a01] = a[0] as [number, number];
  const [a10, a11] = a[1] as [number, number];
  const det = a00 * a11 - a01 * a10;
  if (Math.abs(det) <= 1e-12 * Math.max(a00 * a11, 1e-300)) return null;
  return [(b[0] * a11 - a01 * b[1]) / det, (a00 * b[1] - a10 * b[0]) / det];
}

describe("mean–variance optimisers on random problems", () => {
  it("min-volatility weights sum to 1, respect the bounds exactly and satisfy the KKT conditions", () => {
    fc.assert(
      fc.property(randomProblem, ({ problem, cov, bounds }) => {
        const r = minVolatility(problem);
        expectFeasible(r.weights, bounds);
        const ones = r.weights.map(() => 1);
        expectKkt(
          matVec(cov, r.weights).map((v) => 2 * v),
          r.weights,
          bounds,
          [ones],
        );
      }),
      RUNS,
    );
  });

  it("max-Sharpe weights are feasible and stationary for the Sharpe ratio (KKT), or no asset mix beats riskFree", () => {
    fc.assert(
      fc.property(randomProblem, milli(-50, 100), (rp, rf) => {
        const { problem, cov, mu, bounds } = rp;
        let r;
        try {
          r = maxSharpe(problem, { riskFree: rf });
        } catch (error) {
          if (!isToolError(error) || error.field !== "riskFree") throw error;
          // Then even the best return under the bounds (greedy fill by μ) is ≤ rf.
          const order = mu.map((_, i) => i).sort((a, b) => (mu[b] as number) - (mu[a] as number));
          let left = 1 - bounds.reduce((s, b) => s + b.min, 0);
          let best = bounds.reduce((s, b, i) => s + b.min * (mu[i] as number), 0);
          for (const i of order) {
            const b = bounds[i] as AssetBounds;
            const add = Math.min(left, b.max - b.min);
            best += add * (mu[i] as number);
            left -= add;
          }
          expect(best).toBeLessThanOrEqual(rf + 1e-9);
          return;
        }
        expectFeasible(r.weights, bounds);
        // ∇S(w) = (μ − rf)/σ − (wᵀμ − rf) Σw / σ³; maximising, so KKT of min −S.
        const sw = matVec(cov, r.weights);
        const sigma = Math.sqrt(dotp(r.weights, sw));
        const excess = dotp(r.weights, mu) - rf;
        const grad = mu.map(
          (m, i) => -((m - rf) / sigma - (excess * (sw[i] as number)) / sigma ** 3),
        );
        // The two terms of ∇S cancel at the optimum; scale the tolerance by the first one.
        const termScale = Math.max(...mu.map((m) => Math.abs(m - rf) / sigma));
        expectKkt(grad, r.weights, bounds, [r.weights.map(() => 1)], termScale);
      }),
      RUNS,
    );
  });

  it("the frontier is monotone, dominated by max-Sharpe in Sharpe and by min-volatility in volatility, and KKT-optimal", () => {
    fc.assert(
      fc.property(randomProblem, ({ problem, cov, mu, bounds }) => {
        // A risk-free rate below the minimum-volatility return: every frontier point beats it.
        const rf = minVolatility(problem).expectedReturn - 0.01;
        const frontier = efficientFrontier(problem, { points: 8, riskFree: rf });
        const mv = minVolatility(problem, { riskFree: rf });
        const ms = maxSharpe(problem, { riskFree: rf });
        let previous = frontier.points[0];
        for (const point of frontier.points) {
          expectFeasible(point.weights, bounds);
          if (previous !== undefined && previous !== point) {
            expect(point.expectedReturn).toBeGreaterThanOrEqual(previous.expectedReturn - 1e-12);
            expect(point.volatility).toBeGreaterThanOrEqual(previous.volatility * (1 - 1e-12));
          }
          expect(mv.volatility).toBeLessThanOrEqual(point.volatility * (1 + 1e-12));
          expect(ms.sharpe as number).toBeGreaterThanOrEqual((point.sharpe as number) - 1e-9);
          expectKkt(
            matVec(cov, point.weights).map((v) => 2 * v),
            point.weights,
            bounds,
            point === frontier.points[0]
              ? [point.weights.map(() => 1)]
              : [point.weights.map(() => 1), mu],
          );
          previous = point;
        }
      }),
      RUNS,
    );
  });
});
