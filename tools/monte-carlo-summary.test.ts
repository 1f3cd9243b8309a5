import { describe, expect, it } from "vitest";
import { summarisePaths } from "./monte-carlo-summary.js";

describe("summarisePaths", () => {
  // Hand-worked: V₀ = 1, V_T = (0.8, 1, 1.1, 1.3, 1.5), drawdowns (0.1, 0, 0.2, 0, 0).
  const r = summarisePaths(
    Float64Array.of(1.1, 0.8, 1.5, 1, 1.3),
    Float64Array.of(0, 0.1, 0, 0, 0.2),
    1,
  );

  it("counts a loss only strictly below V₀: 1 of 5 paths", () => {
    expect(r.probabilityOfLoss).toBe(0.2);
  });

  it("takes the mean and the type-7 percentiles of the terminal values", () => {
    // mean 5.7 / 5 = 1.14; type 7, h = (n − 1)p: p5 h = 0.2 → 0.8 + 0.2·0.2 = 0.84;
    // p50 h = 2 → 1.1; p95 h = 3.8 → 1.3 + 0.8·0.2 = 1.46.
    expect(r.terminalValue.mean).toBeCloseTo(1.14, 15);
    expect(r.terminalValue.p5).toBeCloseTo(0.84, 15);
    expect(r.terminalValue.p50).toBe(1.1);
    expect(r.terminalValue.p95).toBeCloseTo(1.46, 15);
  });

  it("averages the terminal values at or below p5 for the expected shortfall (doc example)", () => {
    // Only 0.8 ≤ 0.84: ES = 0.8, loss fraction 1 − 0.8.
    expect(r.expectedShortfall).toEqual({ value: 0.8, lossFraction: 1 - 0.8 });
    expect(1 - 0.8).toBe(0.19999999999999996);
  });

  it("takes the mean and type-7 p95 of the drawdowns", () => {
    // mean 0.3 / 5 = 0.06; sorted (0, 0, 0, 0.1, 0.2), h = 3.8 → 0.1 + 0.8·0.1 = 0.18.
    expect(r.maxDrawdown.mean).toBeCloseTo(0.06, 15);
    expect(r.maxDrawdown.p95).toBeCloseTo(0.18, 15);
  });

  it("includes every path tied with p5 in the shortfall", () => {
    // n = 21: p5 at h = 1 is the second smallest; both values 0.9 ≤ p5 = 0.9 count.
    const terminal = Float64Array.from({ length: 21 }, (_, k) => (k < 2 ? 0.9 : 1 + k / 100));
    const s = summarisePaths(terminal, new Float64Array(21), 1);
    expect(s.terminalValue.p5).toBe(0.9);
    expect(s.expectedShortfall.value).toBe(0.9);
  });

  it("throws NUMERICAL on an overflowed path and INVALID_INPUT on no paths or mismatched drawdowns", () => {
    expect(() =>
      summarisePaths(Float64Array.of(1, Number.POSITIVE_INFINITY), new Float64Array(2), 1),
    ).toThrow(expect.objectContaining({ code: "NUMERICAL", field: "expectedReturns" }));
    expect(() => summarisePaths(Float64Array.of(1, 2), Float64Array.of(0, Number.NaN), 1)).toThrow(
      expect.objectContaining({ code: "NUMERICAL" }),
    );
    expect(() => summarisePaths(new Float64Array(0), new Float64Array(0), 1)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: "terminal" }),
    );
    expect(() => summarisePaths(Float64Array.of(1, 2), new Float64Array(1), 1)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: "drawdowns" }),
    );
  });

  it("reads the percentiles in a given order, sorting one the values do not follow", () => {
    // V_T = (1.5, 0.8, 1.3, 1, 1.1): the worked example above, shuffled; its ascending order.
    const terminal = Float64Array.of(1.5, 0.8, 1.3, 1, 1.1);
    const drawdowns = Float64Array.of(0, 0.1, 0, 0, 0.2);
    const selected = summarisePaths(terminal, drawdowns, 1);
    const ordered = summarisePaths(terminal, drawdowns, 1, Uint32Array.of(1, 3, 4, 2, 0));
    expect(ordered).toEqual(selected);
    expect(ordered.terminalValue.p5).toBeCloseTo(0.84, 15);
    // An order the values do not follow still gives the percentiles of the values.
    expect(summarisePaths(terminal, drawdowns, 1, Uint32Array.of(0, 1, 2, 3, 4))).toEqual(selected);
    expect(() => summarisePaths(terminal, drawdowns, 1, Uint32Array.of(1, 3, 4, 2, 2))).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: "terminalOrder" }),
    );
    expect(() => summarisePaths(terminal, drawdowns, 1, Uint32Array.of(1, 3))).toThrow(
      expect.objectContaining({ field: "terminalOrder" }),
    );
  });
});
