import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulatePortfolio } from "./monte-carlo.js";
import { oneAssetNormals } from "./monte-carlo-paths.js";
import {
  oneAssetPathProfile,
  PROFILE_MAX_DAYS,
  summariseOneAssetProfile,
} from "./monte-carlo-profile.js";
import { createRandom } from "./random.js";

// --- an independent reference written for the tests -----------------------------------------

/**
 * The summary by definition, path by path: V_t = V₀ exp(Σ_{u≤t} (d + f·σ·ε_u)) with σ = −1 for an
 * antithetic twin; max drawdown max_t (1 − V_t / max_{s≤t} V_s) with V₀ the first peak; terminal
 * percentiles type 7 on the sorted terminal values; ES = mean of V_T ≤ p5; loss = share V_T < V₀.
 */
function naiveSummary(
  normals: Float64Array,
  T: number,
  paths: number,
  antithetic: boolean,
  d: number,
  f: number,
  v0: number,
) {
  const terminal: number[] = [];
  const drawdowns: number[] = [];
  for (let p = 0; p < paths; p++) {
    const draw = antithetic ? Math.floor(p / 2) : p;
    const sign = antithetic && p % 2 === 1 ? -1 : 1;
    let log = 0;
    let peak = v0;
    let worst = 0;
    let v = v0;
    for (let t = 0; t < T; t++) {
      log += d + f * sign * (normals[draw * T + t] as number);
      v = v0 * Math.exp(log);
      peak = Math.max(peak, v);
      worst = Math.max(worst, 1 - v / peak);
    }
    terminal.push(v);
    drawdowns.push(worst);
  }
  const type7 = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    const h = (s.length - 1) * q;
    const lo = Math.floor(h);
    const hi = Math.min(s.length - 1, lo + 1);
    return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const p5 = type7(terminal, 0.05);
  const tail = terminal.filter((x) => x <= p5);
  return {
    probabilityOfLoss: terminal.filter((x) => x < v0).length / paths,
    terminalValue: {
      mean: mean(terminal),
      p5,
      p50: type7(terminal, 0.5),
      p95: type7(terminal, 0.95),
    },
    expectedShortfall: mean(tail),
    maxDrawdown: { mean: mean(drawdowns), p95: type7(drawdowns, 0.95) },
  };
}

const close = (got: number, want: number, tol = 1e-12) =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

const model = (d: number, f: number) => ({
  n: 1,
  drift: Float64Array.of(d),
  factor: Float64Array.of(f),
});

// --- tests --------------------------------------------------------------------------------

describe("oneAssetPathProfile", () => {
  it("keeps the largest drops' upper hull (hand-worked: ε = 1, −2, 0.5)", () => {
    // S = (0, 1, −1, −0.5): D₁ = max(−1, 2, −0.5) = 2, D₂ = max(1, 1.5) = 1.5, D₃ = 0.5.
    // Upper hull of (0,0), (1,2), (2,1.5), (3,0.5): the chord from (1, 2) to (3, 0.5) passes 1.25
    // at ℓ = 2, below 1.5, so all three stay.
    const profile = oneAssetPathProfile(Float64Array.of(1, -2, 0.5), 3, 1, false);
    expect([...profile.hullLag]).toEqual([1, 2, 3]);
    expect([...profile.hullDrop]).toEqual([2, 1.5, 0.5]);
    expect([...profile.sums]).toEqual([-0.5]);
  });

  it("drops a lag under the chord of its neighbours, and mirrors the antithetic twin", () => {
    // ε = (1, −1, −1, −1): S = (0, 1, 0, −1, −2); D₁ = 1, D₂ = 2, D₃ = 3, D₄ = 2. (ℓ = 1, 2 lie on
    // the chord from (0, 0) to (3, 3)) → hull (3, 3), (4, 2). The twin (−ε): S = (0, −1, 0, 1, 2),
    // D₁ = 1, D₂ = 0, D₃ = −1, D₄ = −2 → hull (1, 1), (4, −2) (ℓ = 2, 3 on the chord).
    const profile = oneAssetPathProfile(Float64Array.of(1, -1, -1, -1), 4, 2, true);
    expect([...profile.hullStart]).toEqual([0, 2, 4]);
    expect([...profile.hullLag]).toEqual([3, 4, 1, 4]);
    expect([...profile.hullDrop]).toEqual([3, 2, 1, -2]);
    expect([...profile.sums]).toEqual([-2, 2]);
    expect([...profile.order]).toEqual([0, 1]);
  });

  it("orders paths by their sum of shocks, ties by index", () => {
    const profile = oneAssetPathProfile(Float64Array.of(0.5, -1, 0.5, 2, -1), 1, 5, false);
    expect([...profile.order]).toEqual([1, 4, 0, 2, 3]);
  });

  it("refuses normals of other paths, and horizons past its limit", () => {
    expect(() => oneAssetPathProfile(new Float64Array(5), 2, 3, false)).toThrow(/normals/);
    expect(() => oneAssetPathProfile(new Float64Array(4), 2, 3, true)).not.toThrow();
    expect(() =>
      oneAssetPathProfile(new Float64Array(PROFILE_MAX_DAYS + 1), PROFILE_MAX_DAYS + 1, 1, false),
    ).toThrow(/horizonDays/);
    expect(() => oneAssetPathProfile(new Float64Array(0), 0, 1, false)).toThrow(/horizonDays/);
  });
});

describe("summariseOneAssetProfile", () => {
  it("gives the drawdown of the hand-worked path (d = 0.1, f = 1: worst log −1.9)", () => {
    // L = (1.1, −0.8, −0.2): peak 1.1, worst −0.8 − 1.1 = −1.9; V_T = e^{−0.2}.
    const s = summariseOneAssetProfile(
      oneAssetPathProfile(Float64Array.of(1, -2, 0.5), 3, 1, false),
      model(0.1, 1),
      1,
    );
    close(s.maxDrawdown.mean, 1 - Math.exp(-1.9), 1e-15);
    close(s.terminalValue.p50, Math.exp(-0.2), 1e-15);
    expect(s.probabilityOfLoss).toBe(1);
  });

  it("with f = 0 every path is the drift: drawdown 1 − e^{dT} when d < 0, none when d ≥ 0", () => {
    const normals = oneAssetNormals(createRandom(3), 10, 50);
    const profile = oneAssetPathProfile(normals, 10, 50, false);
    const down = summariseOneAssetProfile(profile, model(-0.002, 0), 100);
    close(down.maxDrawdown.mean, 1 - Math.exp(-0.02), 1e-14);
    close(down.maxDrawdown.p95, 1 - Math.exp(-0.02), 1e-14);
    const up = summariseOneAssetProfile(profile, model(0.002, 0), 100);
    expect(up.maxDrawdown).toEqual({ mean: 0, p95: 0 });
    expect(up.probabilityOfLoss).toBe(0);
  });

  it("matches the definition path by path for any drift, factor, horizon and pairing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        fc.double({ min: -0.01, max: 0.01, noNaN: true }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        (seed, T, paths, antithetic, d, f) => {
          const draws = antithetic ? Math.ceil(paths / 2) : paths;
          const normals = oneAssetNormals(createRandom(seed), T, draws);
          const got = summariseOneAssetProfile(
            oneAssetPathProfile(normals, T, paths, antithetic),
            model(d, f),
            1000,
          );
          const want = naiveSummary(normals, T, paths, antithetic, d, f, 1000);
          close(got.terminalValue.mean, want.terminalValue.mean);
          close(got.terminalValue.p5, want.terminalValue.p5);
          close(got.terminalValue.p50, want.terminalValue.p50);
          close(got.terminalValue.p95, want.terminalValue.p95);
          close(got.expectedShortfall.value, want.expectedShortfall);
          close(got.maxDrawdown.mean, want.maxDrawdown.mean);
          close(got.maxDrawdown.p95, want.maxDrawdown.p95);
          expect(Math.abs(got.probabilityOfLoss - want.probabilityOfLoss)).toBeLessThanOrEqual(
            1 / paths + 1e-12,
          );
        },
      ),
      { numRuns: 300, seed: 20261121 },
    );
  });

  it("refuses a negative factor and a model of several assets", () => {
    const profile = oneAssetPathProfile(Float64Array.of(1, 2), 2, 1, false);
    expect(() => summariseOneAssetProfile(profile, model(0, -0.1), 1)).toThrow(/model/);
    expect(() =>
      summariseOneAssetProfile(
        profile,
        { n: 2, drift: new Float64Array(2), factor: new Float64Array(4) },
        1,
      ),
    ).toThrow(/model/);
  });
});

describe("simulatePortfolio with a path profile", () => {
  const input = {
    expectedReturns: [0.06, 0.11],
    covariance: [
      [0.04, 0.012],
      [0.012, 0.09],
    ],
    weights: [0.6, 0.4],
    horizonDays: 21,
    paths: 2001,
    initialValue: 1_000_000,
    mode: "portfolio" as const,
  };

  it("summarises like the walk over the same normals (and never calls back with returnPaths)", () => {
    for (const antithetic of [false, true]) {
      const walked = simulatePortfolio({ ...input, antithetic, random: createRandom(9) });
      let calls = 0;
      const profiled = simulatePortfolio({
        ...input,
        antithetic,
        random: createRandom(9),
        profileFor: (T, paths, anti, normals) => {
          calls += 1;
          return oneAssetPathProfile(normals(), T, paths, anti);
        },
      });
      expect(calls).toBe(1);
      expect(profiled.paths).toBe(2001);
      close(profiled.terminalValue.mean, walked.terminalValue.mean);
      close(profiled.terminalValue.p5, walked.terminalValue.p5);
      close(profiled.terminalValue.p95, walked.terminalValue.p95);
      close(profiled.expectedShortfall.value, walked.expectedShortfall.value);
      close(profiled.maxDrawdown.mean, walked.maxDrawdown.mean);
      close(profiled.maxDrawdown.p95, walked.maxDrawdown.p95);
      expect(profiled.probabilityOfLoss).toBe(walked.probabilityOfLoss);
    }
    const withPaths = simulatePortfolio({
      ...input,
      paths: 3,
      returnPaths: true,
      random: createRandom(9),
      profileFor: () => {
        throw new Error("a run that returns its paths walks them");
      },
    });
    expect(withPaths.valuePaths).toHaveLength(3);
  });

  it("refuses a profile of other paths", () => {
    expect(() =>
      simulatePortfolio({
        ...input,
        random: createRandom(9),
        profileFor: (T, _paths, anti, normals) =>
          oneAssetPathProfile(normals().subarray(0, 21 * 10), T, 10, anti),
      }),
    ).toThrow(/profileFor/);
  });
});
