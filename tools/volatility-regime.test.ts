import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import {
  classifyVolatilityRegime,
  DEFAULT_REGIME_PARAMETERS,
  percentileOfScore,
  regimeReturnsNeeded,
  type RegimeParameters,
} from "./volatility-regime.js";

/** `n` returns alternating −a, +a (a realised volatility ≈ a · √252 per window). */
function alternating(n: number, a: number | ((i: number) => number)): number[] {
  return Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (typeof a === "number" ? a : a(i)));
}

describe("percentileOfScore", () => {
  it("reproduces scipy's percentileofscore(kind='mean') documentation examples", () => {
    // scipy docs: percentileofscore([1, 2, 3, 3, 4], 3, kind='mean') == 60.0
    expect(percentileOfScore([1, 2, 3, 3, 4], 3)).toBeCloseTo(0.6, 15);
    // strict 2/4 = 50, weak 3/4 = 75 → mean 62.5
    expect(percentileOfScore([1, 2, 3, 4], 3)).toBeCloseTo(0.625, 15);
    // a score above every value is at 100, below every value at 0
    expect(percentileOfScore([20, 80, 100], 101)).toBe(1);
    expect(percentileOfScore([20, 80, 100], 1)).toBe(0);
  });

  it("puts a value of a constant history at the middle", () => {
    expect(percentileOfScore([0.2, 0.2, 0.2], 0.2)).toBe(0.5);
  });
});

describe("classifyVolatilityRegime (hand-worked, 2-day windows)", () => {
  const params: RegimeParameters = {
    periodsPerYear: 1,
    regimeWindow: 2,
    regimeLookback: 4,
    regimeMinHistory: 3,
    calmBelow: 0.33,
    stressedAbove: 0.8,
  };
  // The std of two returns (a, b) is |a − b|/√2. Only the last 4 windows (5 returns) count.

  it("is calm when today's volatility is the lowest of the history", () => {
    // last 5 returns 0.02 0 0.02 0 0.01 → windows 0.0141 0.0141 0.0141 0.0071 → (0 + ½)/4 = 0.125
    const r = classifyVolatilityRegime([9, 0.02, 0, 0.02, 0, 0.01], params);
    expect(r.volatility).toBeCloseTo(0.01 / Math.SQRT2, 15);
    expect(r.percentile).toBe(0.125);
    expect(r.history).toBe(4);
    expect(r.regime).toBe("calm");
  });

  it("is normal when today's volatility is in the middle", () => {
    // windows (0, .01) .0071, (.01, 0) .0071, (0, .03) .0212, (.03, .01) .0141 → (2 + ½)/4 = 0.625
    const r = classifyVolatilityRegime([0, 0.01, 0, 0.03, 0.01], params);
    expect(r.volatility).toBeCloseTo(0.02 / Math.SQRT2, 15);
    expect(r.percentile).toBe(0.625);
    expect(r.regime).toBe("normal");
  });

  it("is stressed when today's volatility is the highest", () => {
    // windows .0071 .0071 .0071 then (0, 0.05) .0354 → (3 + ½)/4 = 0.875 > 0.8
    const r = classifyVolatilityRegime([0, 0.01, 0, 0.01, 0, 0.05], params);
    expect(r.percentile).toBe(0.875);
    expect(r.regime).toBe("stressed");
  });

  it("treats the thresholds as strict: a percentile equal to calmBelow is normal", () => {
    // the calm example above has percentile 0.125; with calmBelow = 0.125 it is no longer calm
    const r = classifyVolatilityRegime([9, 0.02, 0, 0.02, 0, 0.01], {
      ...params,
      calmBelow: 0.125,
    });
    expect(r.percentile).toBe(0.125);
    expect(r.regime).toBe("normal");
  });
});

describe("classifyVolatilityRegime (default 21-day windows over 3 years)", () => {
  it("is stressed from the first day of a volatility jump", () => {
    // 800 days at ±1%, then ±3%: from day one the current window holds a 3% day that no earlier
    // window had, so today's volatility is the highest of the history
    const base = alternating(800, 0.01);
    for (const days of [1, 5, 21]) {
      const r = classifyVolatilityRegime([...base, ...alternating(days, 0.03)]);
      expect(r.regime).toBe("stressed");
      expect(r.percentile).toBeGreaterThan(0.99);
    }
  });

  it("is stressed after 140 days at ±1% and 21 at ±3% (the doc example)", () => {
    // 141 rolling volatilities; today's, wholly at 3%, is the unique maximum: (140 + ½)/141
    const r = classifyVolatilityRegime([...alternating(140, 0.01), ...alternating(21, 0.03)]);
    expect(r.history).toBe(141);
    expect(r.percentile).toBeCloseTo(140.5 / 141, 15);
    expect(r.regime).toBe("stressed");
  });

  it("is calm once a volatility drop fills the whole window", () => {
    // 800 days at ±3%, then 21 days at ±1%: the only window wholly at 1% is today's
    const r = classifyVolatilityRegime([...alternating(800, 0.03), ...alternating(21, 0.01)]);
    expect(r.regime).toBe("calm");
    expect(r.percentile).toBeLessThan(0.01);
    // the last 21 returns: 11 at −1%, 10 at +1%; mean −0.01/21;
    // variance = (21·0.01² − 21·(0.01/21)²)/20 = 0.01²·(21 − 1/21)/20; annualised × 252
    expect(r.volatility).toBeCloseTo(0.01 * Math.sqrt(((21 - 1 / 21) / 20) * 252), 12);
  });

  it("is normal when today's volatility sits mid-history", () => {
    // magnitudes ramp from 1% to 3% over 800 days, then 21 days at 2% (the ramp's midpoint)
    const ramp = alternating(800, (i) => 0.01 + (0.02 * i) / 799);
    const r = classifyVolatilityRegime([...ramp, ...alternating(21, 0.02)]);
    expect(r.regime).toBe("normal");
    expect(r.percentile).toBeGreaterThan(0.33);
    expect(r.percentile).toBeLessThan(0.8);
  });

  it("uses at most regimeLookback rolling volatilities", () => {
    expect(classifyVolatilityRegime(alternating(2000, 0.01)).history).toBe(756);
    expect(classifyVolatilityRegime(alternating(200, 0.01)).history).toBe(180);
  });

  it("needs regimeWindow + regimeMinHistory − 1 returns and says so", () => {
    expect(regimeReturnsNeeded(DEFAULT_REGIME_PARAMETERS)).toBe(146);
    try {
      classifyVolatilityRegime(alternating(145, 0.01));
      throw new Error("expected a ToolError");
    } catch (error) {
      expect(isToolError(error) && error.code).toBe("INSUFFICIENT_DATA");
      expect(isToolError(error) && error.field).toBe("returns");
    }
  });
});
