import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { combineSignals } from "../tools/index.js";
import { EVIDENCE_Z_CAP, ewmaMean, statelessForecast } from "./stateless-rebalance-forecast.js";

const round12 = (x: number) => Math.round(x * 1e12) / 1e12;

describe("ewmaMean", () => {
  it("weights the newest return most, normalised over the window (the @example)", () => {
    // λ = 0.5: (0.5·0.01 + 1·0.03) / (1 + 0.5) = 0.035 / 1.5.
    expect(ewmaMean([0.01, 0.03], 0.5)).toBeCloseTo(0.035 / 1.5, 16);
  });

  it("is the constant of a constant series, whatever its length", () => {
    expect(ewmaMean(new Array<number>(500).fill(0.002))).toBeCloseTo(0.002, 16);
  });

  it("uses λ = 0.94 by default (RiskMetrics)", () => {
    // (0.94·0.01 + 1·0.02) / 1.94
    expect(ewmaMean([0.01, 0.02])).toBeCloseTo((0.0094 + 0.02) / 1.94, 16);
  });
});

describe("statelessForecast", () => {
  it("matches the hand-worked seed example (the @example)", () => {
    const f = statelessForecast(0.022, [0.01, 0.012, 0.008, 0.011, 0.022], 252);
    const ewma = 0.0571832976 / 4.43493296;
    const e = (0.022 + 0.0126 + ewma) / 3;
    const d = Math.sqrt(((0.022 - e) ** 2 + (0.0126 - e) ** 2 + (ewma - e) ** 2) / 3);
    expect(f.ensemble).toBeCloseTo(e, 15);
    expect(f.dispersion).toBeCloseTo(d, 15);
    expect(f.agreement).toBeCloseTo(e / (e + d), 14);
    expect(f.skill).toBe(1);
    expect(f.confidence).toBeCloseTo(0.78393, 5);
  });

  it("has the agreement and the ensemble of tools combineSignals (equal weights)", () => {
    fc.assert(
      fc.property(
        // Rounded to 1e-12: subnormal returns would make the two computations underflow differently.
        fc.double({ min: -0.05, max: 0.05, noNaN: true }).map(round12),
        fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }).map(round12), {
          minLength: 2,
          maxLength: 40,
        }),
        (market, returns) => {
          const f = statelessForecast(market, returns, 252);
          // combineSignals with no evaluations: equal weights, agreement |E|/(|E| + d).
          const ref = combineSignals(
            [
              { name: "momentum", expectedAnnualReturn: f.marketReturn * 252, ic: null },
              { name: "mean-reversion", expectedAnnualReturn: f.historicalMean * 252, ic: null },
              { name: "ewma", expectedAnnualReturn: f.ewmaMean * 252, ic: null },
            ],
            0,
            { evaluations: 0, hitRate: null, ic: null },
          );
          expect(f.expectedAnnualReturn).toBeCloseTo(ref.expectedAnnualReturn, 12);
          expect(f.agreement).toBeCloseTo(ref.agreement, 12);
          expect(f.confidence).toBeGreaterThanOrEqual(0);
          expect(f.confidence).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200, seed: 9 },
    );
  });

  it("ramps the skill between one and three standard errors", () => {
    // n = 2: z = |a + b| / |a − b| (mean (a + b)/2, s = |a − b|/√2).
    expect(statelessForecast(0, [0.03, 0.01], 252).evidence).toBeCloseTo(2, 14);
    expect(statelessForecast(0, [0.03, 0.01], 252).skill).toBeCloseTo(0.5, 14);
    expect(statelessForecast(0, [0.02, 0.01], 252).skill).toBe(1); // z = 3
    expect(statelessForecast(0, [0.02, -0.01], 252).skill).toBe(0); // z = 1/3
  });

  it("gives no confidence to a history of mean 0 and caps the evidence of a constant one", () => {
    const flat = statelessForecast(0.01, [0.01, -0.01, 0.02, -0.02], 252);
    expect([flat.evidence, flat.skill, flat.confidence]).toEqual([0, 0, 0]);
    const zero = statelessForecast(0, [0, 0, 0], 252);
    expect([zero.evidence, zero.agreement, zero.confidence]).toEqual([0, 0, 0]);
    const constant = statelessForecast(0.01, [0.01, 0.01, 0.01], 252);
    expect(constant.evidence).toBe(EVIDENCE_Z_CAP);
    expect(constant.agreement).toBe(1);
    expect(constant.confidence).toBe(1);
  });
});
