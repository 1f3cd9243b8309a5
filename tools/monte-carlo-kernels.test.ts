import { describe, expect, it } from "vitest";
import { correlatePair, growPair, growRow, type PairModel } from "./monte-carlo-kernels.js";

// --- an independent reference: F ε by definition, row by row, day by day -------------------

function naiveShocks(model: PairModel, len: number): number[][] {
  const { m, factor, eps } = model;
  return Array.from({ length: m }, (_, r) =>
    Array.from({ length: len }, (_, t) => {
      let z = 0;
      for (let k = 0; k <= r; k++)
        z += (factor[r * m + k] as number) * (eps[k * len + t] as number);
      return z;
    }),
  );
}

/** A dense lower-triangular 6 × 6 factor and 11 days of fixed pseudo-normals (no RNG involved). */
function sixAssets(len: number): PairModel {
  const m = 6;
  const factor = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let k = 0; k <= r; k++) factor[r * m + k] = 0.01 * (((r * 7 + k * 3) % 5) + 1 - 2.5);
  }
  const eps = Float64Array.from({ length: m * len }, (_, q) => Math.sin(q * 1.7) * 2);
  const drift = Float64Array.from({ length: m }, (_, r) => 0.0001 * (r - 2));
  return { m, drift, factor, eps };
}

const example: PairModel = {
  m: 2,
  drift: new Float64Array(2),
  factor: Float64Array.of(1, 0, 0.5, 2),
  eps: Float64Array.of(0.1, 0.2),
};

describe("correlatePair", () => {
  it("computes zA = 0.1 and zB = 0.5·0.1 + 2·0.2 = 0.45 (doc example)", () => {
    const zA = new Float64Array(1);
    const zB = new Float64Array(1);
    correlatePair(zA, zB, example, 0, 1);
    expect(zA[0]).toBe(0.1);
    expect(zB[0]).toBeCloseTo(0.45, 16);
  });

  it("matches F ε computed by definition for every pair of rows over 11 days (4-day sweeps + 3)", () => {
    const len = 11;
    const model = sixAssets(len);
    const expected = naiveShocks(model, len);
    const zA = new Float64Array(len);
    const zB = new Float64Array(len);
    for (let i = 0; i < model.m; i += 2) {
      correlatePair(zA, zB, model, i, len);
      for (let t = 0; t < len; t++) {
        expect(zA[t]).toBeCloseTo(expected[i]?.[t] as number, 15);
        expect(zB[t]).toBeCloseTo(expected[i + 1]?.[t] as number, 15);
      }
    }
  });
});

describe("growPair", () => {
  it("adds e^0.1 + e^0.45 to the day's value and keeps both holdings (doc example)", () => {
    const values = new Float64Array(1);
    const hold = Float64Array.of(1, 1);
    growPair(values, hold, example, 0, 1);
    expect(values[0]).toBeCloseTo(Math.exp(0.1) + Math.exp(0.45), 15);
    expect(Math.exp(0.1) + Math.exp(0.45)).toBe(2.6734831035658164);
    expect(hold[0]).toBeCloseTo(Math.exp(0.1), 15);
    expect(hold[1]).toBeCloseTo(Math.exp(0.45), 15);
  });

  it("compounds h_r · Π exp(drift_r + z_r[t]) for every pair over 11 days", () => {
    const len = 11;
    const model = sixAssets(len);
    const shocks = naiveShocks(model, len);
    const values = new Float64Array(len);
    const hold = Float64Array.of(1, 2, 3, 4, 5, 6);
    for (let i = 0; i < model.m; i += 2) growPair(values, hold, model, i, len);
    const h = [1, 2, 3, 4, 5, 6];
    for (let t = 0; t < len; t++) {
      let v = 0;
      for (let r = 0; r < 6; r++) {
        h[r] = (h[r] as number) * Math.exp((model.drift[r] as number) + (shocks[r]?.[t] as number));
        v += h[r] as number;
      }
      expect(values[t]).toBeCloseTo(v, 12);
    }
    h.forEach((x, r) => expect(hold[r]).toBeCloseTo(x, 12));
  });
});

describe("growRow", () => {
  it("grows 2 by e^(0.01 − 0.02) then e^(0.01 + 0.01) with sign −1 (doc example)", () => {
    const values = new Float64Array(2);
    const hold = Float64Array.of(2);
    growRow(values, hold, 0, 0.01, Float64Array.of(0.02, -0.01), -1, 2);
    expect(values[0]).toBeCloseTo(2 * Math.exp(-0.01), 15);
    expect(values[1]).toBeCloseTo(2 * Math.exp(-0.01) * Math.exp(0.02), 15);
    expect(hold[0]).toBe(values[1]);
    expect(Array.from(values)).toEqual([1.9800996674983362, 2.0201003341683363]);
  });
});
