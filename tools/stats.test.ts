import { describe, expect, it } from "vitest";
import { ToolError } from "./errors.js";
import { createRandom } from "./random.js";
import {
  mean,
  quantile,
  quantileSorted,
  quantilesOf,
  sampleCovariance,
  sampleStd,
  sampleVariance,
  sum,
} from "./stats.js";

describe("stats", () => {
  it("sums with compensation: 0.1 + 0.2 + 0.3 is exactly 0.6", () => {
    expect(sum([0.1, 0.2, 0.3])).toBe(0.6);
    // Naive left-to-right summation loses the small terms entirely: 1e16 + 1 + 1 − 1e16 = 0 naively.
    expect(sum([1e16, 1, 1, -1e16])).toBe(2);
  });

  it("computes the mean of [1, 2, 3, 4] as 2.5", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
  });

  it("uses ddof = 1 for the sample variance: [1, 2, 3, 4] → 5/3", () => {
    // deviations −1.5, −0.5, 0.5, 1.5 → squares 2.25 + 0.25 + 0.25 + 2.25 = 5, / (4 − 1)
    expect(sampleVariance([1, 2, 3, 4])).toBeCloseTo(5 / 3, 15);
  });

  it("gives the textbook sample std of [2, 4, 4, 4, 5, 5, 7, 9]", () => {
    // mean 5, squared deviations sum 32, / 7 → √(32/7)
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 15);
  });

  it("computes the sample covariance of paired series", () => {
    // means 2 and 13/3; deviations (−1,0,1) × (−7/3, −1/3, 8/3) → 7/3 + 0 + 8/3 = 5, / 2 = 2.5
    expect(sampleCovariance([1, 2, 3], [2, 4, 7])).toBeCloseTo(2.5, 15);
  });

  it("matches numpy.percentile (linear, type 7) on small samples", () => {
    // numpy.percentile([1, 2, 3, 4], 5) = 1.15: h = 3 × 0.05 = 0.15 → 1 + 0.15 × (2 − 1)
    expect(quantile([4, 1, 3, 2], 0.05)).toBeCloseTo(1.15, 15);
    // numpy.percentile([1, 2, 3, 4, 5], 50) = 3; percentile([10, 20], 25) = 12.5
    expect(quantile([5, 3, 1, 4, 2], 0.5)).toBe(3);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([7], 0.3)).toBe(7);
  });

  it("refuses empty, too-short or non-finite input, naming the field", () => {
    expect(() => mean([])).toThrow(ToolError);
    expect(() => sampleVariance([1])).toThrow(/at least 2/);
    expect(() => mean([1, Number.NaN])).toThrow(/values\[1\]/);
    expect(() => quantile([1, 2], 1.5)).toThrow(/p:/);
    expect(() => sampleCovariance([1, 2, 3], [1, 2])).toThrow(/b:/);
  });
});

describe("quantilesOf (selection)", () => {
  it("equals the type-7 quantile of the sorted values, bit for bit, ties and all", () => {
    const random = createRandom(3);
    const ps = [0, 0.05, 0.5, 0.95, 1, 0.3333];
    for (const n of [1, 2, 3, 5, 20, 257, 1000]) {
      for (const ties of [false, true]) {
        const values = Float64Array.from({ length: n }, () =>
          ties ? Math.floor(random.nextDouble() * 4) : random.nextDouble() * 200 - 100,
        );
        const sorted = values.slice().sort();
        const before = Array.from(values);
        expect(quantilesOf(values, ps)).toEqual(ps.map((p) => quantileSorted(sorted, p)));
        expect(Array.from(values)).toEqual(before);
      }
    }
  });

  it("takes sorted, reversed and constant input (hand-worked: 1…5 → p25 = 2, p90 = 4.6)", () => {
    const [p25, p90] = quantilesOf(Float64Array.of(1, 2, 3, 4, 5), [0.25, 0.9]);
    expect(p25).toBe(2);
    expect(p90).toBeCloseTo(4.6, 14);
    expect(quantilesOf(Float64Array.of(5, 4, 3, 2, 1), [0.9, 0.25])).toEqual([p90, 2]);
    expect(quantilesOf(new Float64Array(9).fill(7), [0.1, 0.5])).toEqual([7, 7]);
  });

  it("refuses no values and p outside [0, 1]", () => {
    expect(() => quantilesOf(new Float64Array(0), [0.5])).toThrow(/values/);
    expect(() => quantilesOf(Float64Array.of(1, 2), [0.5, 1.5])).toThrow(/ps\[1\]/);
  });
});
