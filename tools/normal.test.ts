import { describe, expect, it } from "vitest";
import { ToolError } from "./errors.js";
import { normalCdf, normalInv, normalPdf } from "./normal.js";

/** |actual − expected| ≤ tol · |expected| */
function expectRelative(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

// Reference values: mpmath 1.3 at 40 significant digits (`mp.ncdf`, `mp.npdf`,
// `-sqrt(2)*erfinv(1-2p)`), rounded to the nearest double. The three values the issue quotes are
// scipy 1.17's `norm.ppf`/`norm.cdf` outputs, within one unit in the last place of mpmath's.
const CDF: readonly [number, number][] = [
  [0.5, 0.6914624612740131],
  [1, 0.8413447460685429],
  [-1, 0.15865525393145705],
  [1.96, 0.9750021048517795],
  [-1.96, 0.024997895148220435],
  [-3, 0.0013498980316300946],
  [-5, 2.866515718791939e-7],
  [-10, 7.619853024160525e-24],
  [-20, 2.7536241186062337e-89],
  [-30, 4.906713927148187e-198],
  [-37.5, 4.605353009581955e-308],
  [8, 0.9999999999999993],
];

const INV: readonly [number, number][] = [
  [0.05, -1.6448536269514726],
  [0.01, -2.326347874040841],
  [0.975, 1.9599639845400538],
  [0.001, -3.0902323061678136],
  [1e-10, -6.361340902404057],
  [0.02425, -1.972961051311885], // Acklam's region boundary
  [0.3, -0.5244005127080408],
  [0.999999, 4.753424308817087],
];

describe("normalCdf", () => {
  it("matches the values quoted from scipy (Φ(1.96) = 0.9750021048517795) and Φ(0) = ½", () => {
    expect(normalCdf(0)).toBe(0.5);
    expectRelative(normalCdf(1.96), 0.9750021048517795, 2e-16);
  });

  it("is accurate to about 1e-15 relative from the centre to the far lower tail", () => {
    for (const [x, expected] of CDF) expectRelative(normalCdf(x), expected, 2e-15);
  });

  it("keeps the symmetry Φ(x) + Φ(−x) = 1", () => {
    for (const x of [0.1, 0.66291, 0.7, 2.5, 5.5, 6, 12]) {
      expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
    }
  });

  it("is 0 and 1 far in the tails instead of failing", () => {
    expect(normalCdf(-60)).toBe(0);
    expect(normalCdf(60)).toBe(1);
  });

  it("rejects NaN and infinities, naming the field x", () => {
    expect(() => normalCdf(Number.NaN)).toThrowError(ToolError);
    expect(() => normalCdf(Number.POSITIVE_INFINITY)).toThrowError(/^x:/);
  });
});

describe("normalPdf", () => {
  it("matches published densities, e.g. φ(1) = 0.24197072451914337", () => {
    expect(normalPdf(1)).toBe(0.24197072451914337);
    expectRelative(normalPdf(0), 0.3989422804014327, 2e-16);
    expectRelative(normalPdf(3), 0.0044318484119380075, 1e-15);
    expectRelative(normalPdf(-10), 7.694598626706419e-23, 1e-15);
    expectRelative(normalPdf(-1.6448536269514729), 0.10313564037537128, 1e-15);
  });
});

describe("normalInv", () => {
  it("matches scipy's norm.ppf for the values the issue quotes", () => {
    expectRelative(normalInv(0.05), -1.6448536269514729, 2e-16);
    expectRelative(normalInv(0.01), -2.3263478740408408, 2e-16);
  });

  it("reaches full double precision across both tails after the Halley step", () => {
    for (const [p, expected] of INV) expectRelative(normalInv(p), expected, 1e-15);
  });

  it("returns exactly 0 at p = ½ and is exactly antisymmetric", () => {
    expect(normalInv(0.5)).toBe(0);
    // dyadic p, so 1 − p is exact
    for (const p of [2 ** -30, 0.0078125, 0.25, 0.375])
      expect(normalInv(1 - p)).toBe(-normalInv(p));
  });

  it("inverts normalCdf in the far tail (p = 1e-300)", () => {
    const x = normalInv(1e-300);
    expectRelative(normalCdf(x), 1e-300, 1e-13);
  });

  it("rejects p outside the open interval (0, 1), naming the field p", () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(() => normalInv(p)).toThrowError(/^p:/);
    }
  });
});
