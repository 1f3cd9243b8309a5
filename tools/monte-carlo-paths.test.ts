import { describe, expect, it } from "vitest";
import { dailyModel } from "./monte-carlo-input.js";
import {
  normalDraws,
  oneAssetNormals,
  sampleLogReturns,
  simulateBuyAndHoldPaths,
  simulateOneAssetPaths,
} from "./monte-carlo-paths.js";
import { createRandom } from "./random.js";

// --- independent references written for the tests ------------------------------------------

/** Buy-and-hold values by definition: V_t = V₀ Σ_i w_i exp(Σ_{s≤t} x_{s,i}), t = 0…T. */
function naiveValues(
  logs: readonly Float64Array[],
  weights: readonly number[],
  v0: number,
): number[] {
  const days = (logs[0] as Float64Array).length;
  const cum = weights.map(() => 0);
  const out = [v0];
  for (let t = 0; t < days; t++) {
    let v = 0;
    weights.forEach((w, i) => {
      cum[i] = (cum[i] as number) + ((logs[i] as Float64Array)[t] as number);
      if (w > 0) v += w * Math.exp(cum[i] as number);
    });
    out.push(v0 * v);
  }
  return out;
}

/** Max drawdown by definition: max over t of 1 − V_t / max_{s≤t} V_s. */
function naiveMaxDrawdown(path: readonly number[]): number {
  let worst = 0;
  let peak = -Infinity;
  for (const v of path) {
    peak = Math.max(peak, v);
    worst = Math.max(worst, 1 - v / peak);
  }
  return worst;
}

function expectClosePath(got: readonly number[] | undefined, expected: readonly number[]): void {
  expect(got?.length).toBe(expected.length);
  got?.forEach((v, t) => expect(Math.abs(v / (expected[t] as number) - 1)).toBeLessThan(1e-12));
}

// Three assets (odd: the kernels pad to four rows), correlated, σ 25%, 15%, 35%.
const covariance = [
  [0.0625, 0.015, -0.02],
  [0.015, 0.0225, 0.01],
  [-0.02, 0.01, 0.1225],
];
const expectedReturns = [0.07, 0.03, 0.12];

// --- tests --------------------------------------------------------------------------------

describe("sampleLogReturns", () => {
  it("returns the drift when F = 0 (doc example)", () => {
    const out = sampleLogReturns(
      { n: 1, drift: Float64Array.of(0.001), factor: Float64Array.of(0) },
      createRandom(1),
      2,
    );
    expect(out).toEqual([Float64Array.of(0.001, 0.001)]);
  });

  it("computes drift + F ε with ε read asset-major from the source's normals (odd n, 7 days)", () => {
    const model = dailyModel({ expectedReturns, covariance });
    const days = 7; // not a multiple of 4: exercises the remainder days
    const logs = sampleLogReturns(model, createRandom(5), days);
    const eps = new Float64Array(3 * days);
    createRandom(5).fillStandardNormal(eps, 0, eps.length);
    for (let i = 0; i < 3; i++) {
      for (let t = 0; t < days; t++) {
        let x = model.drift[i] as number;
        for (let k = 0; k <= i; k++) {
          x += (model.factor[i * 3 + k] as number) * (eps[k * days + t] as number);
        }
        expect((logs[i] as Float64Array)[t]).toBeCloseTo(x, 14);
      }
    }
  });
});

describe("simulateBuyAndHoldPaths", () => {
  it("compounds the drift when F = 0 (doc example)", () => {
    const out = simulateBuyAndHoldPaths(
      createRandom(1),
      { n: 1, drift: Float64Array.of(0.0004), factor: Float64Array.of(0) },
      Float64Array.of(1),
      { initialValue: 1, horizonDays: 2, paths: 1, antithetic: false, returnPaths: true },
    );
    const e = Math.exp(0.0004);
    expect(out.valuePaths).toEqual([[1, e, e * e]]);
    expect(out.valuePaths).toEqual([[1, 1.0004000800106678, 1.0008003200853506]]);
    expect(out.terminal[0]).toBe(e * e);
    expect(out.drawdowns[0]).toBe(0);
  });

  it("rebuilds from the sampler's log returns for odd n, remainder days and two blocks", () => {
    const model = dailyModel({ expectedReturns, covariance });
    const weights = [0.5, 0.3, 0.2];
    // 3 assets: blocks of ⌊32768 / 3⌋ = 10922 days, so 11_003 days are two blocks, the last of
    // 81 days (81 mod 4 = 1).
    const horizonDays = 11_003;
    const out = simulateBuyAndHoldPaths(createRandom(9), model, Float64Array.from(weights), {
      initialValue: 100,
      horizonDays,
      paths: 2,
      antithetic: false,
      returnPaths: true,
    });
    const sampler = createRandom(9);
    for (let p = 0; p < 2; p++) {
      const expected = naiveValues(sampleLogReturns(model, sampler, horizonDays), weights, 100);
      expectClosePath(out.valuePaths?.[p], expected);
      expect(out.terminal[p]).toBe(out.valuePaths?.[p]?.[horizonDays]);
      expect(out.drawdowns[p]).toBeCloseTo(naiveMaxDrawdown(expected), 10);
    }
  });

  it("drives the second path of an antithetic pair with −ε: its log returns are 2·drift − x", () => {
    const model = dailyModel({ expectedReturns, covariance });
    const weights = [0.2, 0.5, 0.3];
    const horizonDays = 30;
    const out = simulateBuyAndHoldPaths(createRandom(4), model, Float64Array.from(weights), {
      initialValue: 1,
      horizonDays,
      paths: 3, // the third path is unpaired
      antithetic: true,
      returnPaths: true,
    });
    const sampler = createRandom(4);
    const first = sampleLogReturns(model, sampler, horizonDays);
    const mirrored = first.map((row, i) => row.map((x) => 2 * (model.drift[i] as number) - x));
    const third = sampleLogReturns(model, sampler, horizonDays);
    expectClosePath(out.valuePaths?.[0], naiveValues(first, weights, 1));
    expectClosePath(out.valuePaths?.[1], naiveValues(mirrored, weights, 1));
    expectClosePath(out.valuePaths?.[2], naiveValues(third, weights, 1));
  });

  it("keeps a zero-weight asset at zero even when its drift overflows, while its normals still correlate", () => {
    const weights = [0.6, 0.4, 0];
    const huge = [0.07, 0.03, 5000];
    const model = dailyModel({ expectedReturns: huge, covariance });
    const out = simulateBuyAndHoldPaths(createRandom(2), model, Float64Array.from(weights), {
      initialValue: 1,
      horizonDays: 252,
      paths: 3,
      antithetic: false,
      returnPaths: true,
    });
    const sampler = createRandom(2);
    for (let p = 0; p < 3; p++) {
      const expected = naiveValues(sampleLogReturns(model, sampler, 252), weights, 1);
      expectClosePath(out.valuePaths?.[p], expected);
      expect(Number.isFinite(out.terminal[p])).toBe(true);
    }
  });
});

describe("input checks", () => {
  const model = dailyModel({ expectedReturns, covariance });
  const opts = { initialValue: 1, horizonDays: 5, paths: 2, antithetic: false, returnPaths: false };

  it("names weights, horizonDays, paths and days when they are invalid", () => {
    expect(() => simulateBuyAndHoldPaths(createRandom(1), model, Float64Array.of(1), opts)).toThrow(
      expect.objectContaining({ field: "weights" }),
    );
    const w = Float64Array.of(0.5, 0.3, 0.2);
    expect(() =>
      simulateBuyAndHoldPaths(createRandom(1), model, w, { ...opts, horizonDays: 0 }),
    ).toThrow(expect.objectContaining({ field: "horizonDays" }));
    expect(() =>
      simulateBuyAndHoldPaths(createRandom(1), model, w, { ...opts, paths: 1.5 }),
    ).toThrow(expect.objectContaining({ field: "paths" }));
    expect(() => sampleLogReturns(model, createRandom(1), -1)).toThrow(
      expect.objectContaining({ field: "days" }),
    );
  });
});

describe("one-asset paths from pre-drawn normals", () => {
  const model = dailyModel({ expectedReturns: [0.07], covariance: [[0.04]], periodsPerYear: 252 });
  const cases = [
    { paths: 7, horizonDays: 21, antithetic: false },
    { paths: 7, horizonDays: 21, antithetic: true },
    { paths: 8, horizonDays: 300, antithetic: true },
    { paths: 3, horizonDays: 1, antithetic: false },
  ];

  it.each(cases)(
    "equal the general kernel to rounding ($paths paths × $horizonDays days, antithetic $antithetic)",
    (c) => {
      const opts = { initialValue: 1_000_000, returnPaths: true, ...c };
      const general = simulateBuyAndHoldPaths(createRandom(11), model, Float64Array.of(1), opts);
      const normals = oneAssetNormals(
        createRandom(11),
        c.horizonDays,
        normalDraws(c.paths, c.antithetic),
      );
      const one = simulateOneAssetPaths(normals, model, opts);
      // The same normals (the general kernel draws them on the way), summed in log space
      // rather than multiplied as exps: equal to rounding.
      one.terminal.forEach((v, p) =>
        expect(Math.abs(v / (general.terminal[p] as number) - 1)).toBeLessThan(1e-13),
      );
      one.drawdowns.forEach((d, p) => expect(d).toBeCloseTo(general.drawdowns[p] as number, 13));
      expect(one.valuePaths?.length).toBe(c.paths);
      one.valuePaths?.forEach((path, p) => expectClosePath(path, general.valuePaths?.[p] ?? []));
    },
  );

  it("are the normals the general kernel draws, bit for bit, in its call sizes", () => {
    // With drift 0 and F = 1 the sampled log returns are the normals themselves.
    const unit = { n: 1, drift: Float64Array.of(0), factor: Float64Array.of(1) };
    const random = createRandom(23);
    const expected = Array.from({ length: 5 }, () =>
      Array.from(sampleLogReturns(unit, random, 21)[0] ?? []),
    );
    expect(Array.from(oneAssetNormals(createRandom(23), 21, 5))).toEqual(expected.flat());
  });

  it("follow V_t = V₀ exp(Σ drift + f ε) and its drawdown by definition", () => {
    const normals = oneAssetNormals(createRandom(5), 10, 2);
    const drift = model.drift[0] as number;
    const f = model.factor[0] as number;
    const out = simulateOneAssetPaths(normals, model, {
      initialValue: 100,
      horizonDays: 10,
      paths: 2,
      antithetic: false,
      returnPaths: true,
    });
    for (let p = 0; p < 2; p++) {
      const log = Float64Array.from(
        { length: 10 },
        (_, t) => drift + f * (normals[p * 10 + t] as number),
      );
      const expected = naiveValues([log], [1], 100);
      expectClosePath(out.valuePaths?.[p], expected);
      expect(out.drawdowns[p]).toBeCloseTo(naiveMaxDrawdown(expected), 12);
    }
  });

  it("follow the definition for an antithetic pair (−ε) without recorded paths, odd path count", () => {
    // 5 paths: pairs (0, 1) and (2, 3) share draws 0 and 1; path 4 has draw 2 alone.
    const days = 12;
    const normals = oneAssetNormals(createRandom(9), days, 3);
    const drift = model.drift[0] as number;
    const f = model.factor[0] as number;
    const out = simulateOneAssetPaths(normals, model, {
      initialValue: 100,
      horizonDays: days,
      paths: 5,
      antithetic: true,
      returnPaths: false,
    });
    for (let p = 0; p < 5; p++) {
      const draw = Math.floor(p / 2);
      const sign = p % 2 === 0 ? 1 : -1;
      const log = Float64Array.from(
        { length: days },
        (_, t) => drift + sign * f * (normals[draw * days + t] as number),
      );
      const expected = naiveValues([log], [1], 100);
      expect(out.terminal[p]).toBeCloseTo(expected[days] as number, 9);
      expect(out.drawdowns[p]).toBeCloseTo(naiveMaxDrawdown(expected), 12);
    }
  });

  it.each(cases)(
    "give the same figures, bit for bit, with or without recorded paths ($paths × $horizonDays, antithetic $antithetic)",
    (c) => {
      const normals = oneAssetNormals(
        createRandom(31),
        c.horizonDays,
        normalDraws(c.paths, c.antithetic),
      );
      const run = (returnPaths: boolean) =>
        simulateOneAssetPaths(normals, model, { initialValue: 250, returnPaths, ...c });
      const bare = run(false);
      const recorded = run(true);
      const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      expect(bytes(bare.terminal).equals(bytes(recorded.terminal))).toBe(true);
      expect(bytes(bare.drawdowns).equals(bytes(recorded.drawdowns))).toBe(true);
      expect(bare.valuePaths).toBeUndefined();
    },
  );

  it("refuse normals that do not fit the paths, and a model of more than one asset", () => {
    const opts = {
      initialValue: 1,
      horizonDays: 5,
      paths: 4,
      antithetic: true,
      returnPaths: false,
    };
    expect(() => simulateOneAssetPaths(new Float64Array(19), model, opts)).toThrow(/normals/);
    expect(() => simulateOneAssetPaths(new Float64Array(10), model, opts)).not.toThrow();
    const two = dailyModel({
      expectedReturns: [0.1, 0.1],
      covariance: [
        [0.04, 0],
        [0, 0.04],
      ],
    });
    expect(() => simulateOneAssetPaths(new Float64Array(10), two, opts)).toThrow(/one asset/);
  });
});
