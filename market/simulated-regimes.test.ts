import { describe, expect, it } from "vitest";
import { createRandom } from "../tools/random.js";
import {
  initialRegime,
  nextRegime,
  REGIME_TRANSITIONS,
  simulateRegimes,
  stationaryRegimeDistribution,
} from "./simulated-regimes.js";
import { resolveScenario } from "./simulated-scenarios.js";

describe("the regime chain's parameters", () => {
  it("has rows that are probability distributions", () => {
    for (const row of REGIME_TRANSITIONS) {
      expect(row.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    }
  });

  it("has the stationary distribution (8/23, 12/23, 3/23) worked out by detailed balance", () => {
    // 0.015 π_c = 0.01 π_n → π_n = 1.5 π_c; 0.01 π_n = 0.04 π_s → π_s = 0.375 π_c;
    // π_c (1 + 1.5 + 0.375) = 1 → π_c = 8/23.
    const pi = stationaryRegimeDistribution();
    expect(pi[0]).toBeCloseTo(8 / 23, 14);
    expect(pi[1]).toBeCloseTo(12 / 23, 14);
    expect(pi[2]).toBeCloseTo(3 / 23, 14);
  });

  it("solves a two-state chain's stationary distribution", () => {
    // P = [[0.9, 0.1], [0.5, 0.5]]: π_0 · 0.1 = π_1 · 0.5 → π = (5/6, 1/6).
    const pi = stationaryRegimeDistribution([
      [0.9, 0.1],
      [0.5, 0.5],
    ]);
    expect(pi[0]).toBeCloseTo(5 / 6, 14);
    expect(pi[1]).toBeCloseTo(1 / 6, 14);
  });
});

describe("regime steps", () => {
  it("inverts each row's cumulative distribution", () => {
    // normal row: [0.01, 0.98, 0.01] → cumulative 0.01, 0.99.
    expect(nextRegime(1, 0.005)).toBe(0);
    expect(nextRegime(1, 0.5)).toBe(1);
    expect(nextRegime(1, 0.995)).toBe(2);
    // calm never jumps straight to stressed.
    expect(nextRegime(0, 0.999999)).toBe(1);
    expect(() => nextRegime(3, 0.5)).toThrow(RangeError);
  });

  it("starts from the stationary distribution", () => {
    expect(initialRegime(0.34)).toBe(0); // < 8/23 ≈ 0.3478
    expect(initialRegime(0.5)).toBe(1); // 8/23 ≤ 0.5 < 20/23 ≈ 0.8696
    expect(initialRegime(0.87)).toBe(2);
  });

  it("holds a fixed regime on every day", () => {
    expect(Array.from(simulateRegimes(createRandom(1), 3, "stressed"))).toEqual([2, 2, 2]);
  });

  it("resolves a known scenario's shocks", () => {
    expect(resolveScenario("crypto-crash").shocks.length).toBe(1);
  });
});
