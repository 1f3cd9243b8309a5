import { describe, expect, it } from "vitest";
import {
  createLogReturnSampler,
  MONTE_CARLO_LIMITS,
  oneAssetNormals,
  simulatePortfolio,
  type MonteCarloInput,
} from "./monte-carlo.js";
import { createRandom } from "./random.js";

// --- independent references written for the tests ------------------------------------------

/** Standard normal CDF via Numerical Recipes' erfc (fractional error < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(-z * z + poly);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

const normalPdf = (x: number): number => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
/** scipy.stats.norm.ppf(0.05). */
const Z05 = -1.6448536269514722;

/** Type-7 quantile, written out again: h = (n − 1)p, interpolate between ⌊h⌋ and ⌊h⌋ + 1. */
function naiveQuantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const a = s[lo] as number;
  const b = s[Math.min(lo + 1, s.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

function naiveMean(values: number[]): number {
  return values.reduce((acc, v) => acc + v, 0) / values.length;
}

/** Max drawdown by definition: max over t of 1 − V_t / max_{s≤t} V_s. */
function naiveMaxDrawdown(path: number[]): number {
  let worst = 0;
  for (let t = 0; t < path.length; t++) {
    const peak = Math.max(...path.slice(0, t + 1));
    worst = Math.max(worst, 1 - (path[t] as number) / peak);
  }
  return worst;
}

// A four-asset book: A σ 20%, B σ 30%, C σ 15%, D cash (σ 0). Correlations ρ_AB = 0.5,
// ρ_AC = −0.3, ρ_BC = 0.2 (det of the 3×3 correlation block = 0.56 > 0).
const vols = [0.2, 0.3, 0.15, 0];
const corr = [
  [1, 0.5, -0.3, 0],
  [0.5, 1, 0.2, 0],
  [-0.3, 0.2, 1, 0],
  [0, 0, 0, 1],
];
const covariance = vols.map((vi, i) => vols.map((vj, j) => (corr[i]?.[j] as number) * vi * vj));
const expectedReturns = [0.08, 0.12, 0.05, 0.03];
const weights = [0.4, 0.3, 0.2, 0.1];

function baseInput(overrides: Partial<MonteCarloInput> = {}): MonteCarloInput {
  return {
    expectedReturns,
    covariance,
    weights,
    horizonDays: 63,
    paths: 2000,
    random: createRandom(1),
    ...overrides,
  };
}

// --- tests --------------------------------------------------------------------------------

describe("simulatePortfolio: the doc example and degenerate cases", () => {
  it("grows every path to exp(μT) when σ = 0: no loss, no drawdown, ES equal to the value", () => {
    const r = simulatePortfolio({
      expectedReturns: [0.1008],
      covariance: [[0]],
      weights: [1],
      horizonDays: 252,
      paths: 10,
      random: createRandom(1),
    });
    // drift (0.1008 − 0)/252 per day, 252 days, T = 1: e^0.1008 = 1.1060554085591288.
    const v = Math.exp(0.1008);
    expect(v).toBe(1.1060554085591288);
    for (const x of [r.terminalValue.p5, r.terminalValue.p50, r.terminalValue.p95]) {
      expect(x).toBeCloseTo(v, 12);
    }
    expect(r.terminalValue.mean).toBeCloseTo(v, 12);
    expect(r.probabilityOfLoss).toBe(0);
    expect(r.maxDrawdown).toEqual({ mean: 0, p95: 0 });
    expect(r.expectedShortfall.value).toBeCloseTo(v, 12);
    expect(r.expectedShortfall.lossFraction).toBeCloseTo(1 - v, 12);
  });

  it("counts a loss only when the terminal value is strictly below the initial value", () => {
    const r = simulatePortfolio({
      expectedReturns: [0],
      covariance: [[0]],
      weights: [1],
      horizonDays: 10,
      paths: 5,
      random: createRandom(1),
      initialValue: 1000,
    });
    expect(r.terminalValue.p50).toBe(1000);
    expect(r.probabilityOfLoss).toBe(0);
  });

  it("reports the portfolio's annual wᵀμ and √(wᵀΣw) (hand-worked two-asset case)", () => {
    // w = (0.5, 0.5), μ = (0.1, 0.2), Σ = [[0.04, 0.01], [0.01, 0.09]]:
    // wᵀμ = 0.15; wᵀΣw = 0.25·0.04 + 2·0.25·0.01 + 0.25·0.09 = 0.0375.
    const r = simulatePortfolio({
      expectedReturns: [0.1, 0.2],
      covariance: [
        [0.04, 0.01],
        [0.01, 0.09],
      ],
      weights: [0.5, 0.5],
      horizonDays: 5,
      paths: 3,
      random: createRandom(3),
    });
    expect(r.portfolio.expectedReturn).toBeCloseTo(0.15, 15);
    expect(r.portfolio.volatility).toBeCloseTo(Math.sqrt(0.0375), 15);
  });
});

describe("simulatePortfolio: reproducibility", () => {
  it("returns deeply equal results for the same seed, paths included", () => {
    const a = simulatePortfolio(baseInput({ random: createRandom(77), returnPaths: true }));
    const b = simulatePortfolio(baseInput({ random: createRandom(77), returnPaths: true }));
    expect(a).toEqual(b);
  });

  it("returns different numbers for a different seed", () => {
    const a = simulatePortfolio(baseInput({ random: createRandom(77) }));
    const b = simulatePortfolio(baseInput({ random: createRandom(78) }));
    expect(a.terminalValue).not.toEqual(b.terminalValue);
    expect(a.maxDrawdown).not.toEqual(b.maxDrawdown);
  });

  it("is reproducible in portfolio mode and with antithetic pairs", () => {
    for (const extra of [{ mode: "portfolio" as const }, { antithetic: true }]) {
      const a = simulatePortfolio(baseInput({ random: createRandom(5), ...extra }));
      const b = simulatePortfolio(baseInput({ random: createRandom(5), ...extra }));
      expect(a).toEqual(b);
    }
  });
});

describe("createLogReturnSampler", () => {
  const days = 200_000;
  const sampler = createLogReturnSampler({ expectedReturns, covariance }, createRandom(2024));
  const x = sampler.sample(days);
  const p = 252;

  it("has daily log-return means within 4 standard errors of (μ_i − σ_i²/2)/P", () => {
    for (let i = 0; i < 4; i++) {
      const target = ((expectedReturns[i] as number) - (vols[i] as number) ** 2 / 2) / p;
      const mean = naiveMean(Array.from(x[i] as Float64Array));
      const se = (vols[i] as number) / Math.sqrt(p * days);
      if (se === 0) expect(mean).toBeCloseTo(target, 15);
      else expect(Math.abs(mean - target)).toBeLessThan(4 * se);
    }
  });

  it("has a daily sample covariance within 4.5 standard errors of Σ/P (cash row exactly 0)", () => {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const xi = Array.from(x[i] as Float64Array);
        const xj = Array.from(x[j] as Float64Array);
        const mi = naiveMean(xi);
        const mj = naiveMean(xj);
        let s = 0;
        for (let t = 0; t < days; t++) s += ((xi[t] as number) - mi) * ((xj[t] as number) - mj);
        const cov = s / (days - 1);
        const sii = (covariance[i]?.[i] as number) / p;
        const sjj = (covariance[j]?.[j] as number) / p;
        const sij = (covariance[i]?.[j] as number) / p;
        // Var of a sample covariance of bivariate normal data: (σ_ii σ_jj + σ_ij²) / N.
        const se = Math.sqrt((sii * sjj + sij * sij) / days);
        if (se === 0) expect(Math.abs(cov)).toBeLessThan(1e-20);
        else expect(Math.abs(cov - sij)).toBeLessThan(4.5 * se);
      }
    }
  });

  it("reproduces a 9-asset covariance (several 4-column blocks of L) within 4.5 standard errors", () => {
    // Σ = B Bᵀ for a fixed, dense 9 × 9 B (entries 0.01 · ((i·7 + j·3) mod 11 − 5)) plus 0.01 I.
    const n = 9;
    const b = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => 0.01 * (((i * 7 + j * 3) % 11) - 5)),
    );
    const sigma = b.map((bi, i) =>
      b.map(
        (bj, j) => bi.reduce((acc, v, k) => acc + v * (bj[k] as number), 0) + (i === j ? 0.01 : 0),
      ),
    );
    const mus = Array.from({ length: n }, (_, i) => 0.02 * i);
    const big = createLogReturnSampler(
      { expectedReturns: mus, covariance: sigma },
      createRandom(55),
    );
    const m = 100_000;
    const xs = big.sample(m).map((row) => Array.from(row));
    const means = xs.map(naiveMean);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let acc = 0;
        for (let t = 0; t < m; t++) {
          acc +=
            ((xs[i]?.[t] as number) - (means[i] as number)) *
            ((xs[j]?.[t] as number) - (means[j] as number));
        }
        const cov = acc / (m - 1);
        const sii = (sigma[i]?.[i] as number) / p;
        const sjj = (sigma[j]?.[j] as number) / p;
        const sij = (sigma[i]?.[j] as number) / p;
        expect(Math.abs(cov - sij)).toBeLessThan(4.5 * Math.sqrt((sii * sjj + sij * sij) / m));
      }
    }
  });

  it("exposes the drift of the doc example: (0.1008 − 0.0504/2)/252 = 0.0003", () => {
    const s = createLogReturnSampler(
      { expectedReturns: [0.1008], covariance: [[0.0504]] },
      createRandom(1),
    );
    expect(s.drift[0]).toBeCloseTo(0.0003, 16);
  });

  it("drives simulatePortfolio: the same seed's log returns rebuild the buy-and-hold value paths", () => {
    const horizon = 100;
    const mc = simulatePortfolio(
      baseInput({ horizonDays: horizon, paths: 2, random: createRandom(9), returnPaths: true }),
    );
    const s = createLogReturnSampler({ expectedReturns, covariance }, createRandom(9));
    for (let path = 0; path < 2; path++) {
      const logs = s.sample(horizon);
      // V_t = V₀ Σ_i w_i exp(Σ_{s≤t} x_{s,i}), V₀ = 1.
      const cum = [0, 0, 0, 0];
      const expected = [1];
      for (let t = 0; t < horizon; t++) {
        let v = 0;
        for (let i = 0; i < 4; i++) {
          cum[i] = (cum[i] as number) + ((logs[i] as Float64Array)[t] as number);
          v += (weights[i] as number) * Math.exp(cum[i] as number);
        }
        expected.push(v);
      }
      const got = mc.valuePaths?.[path] ?? [];
      expect(got.length).toBe(horizon + 1);
      got.forEach((v, t) => expect(Math.abs(v / (expected[t] as number) - 1)).toBeLessThan(1e-12));
    }
  });
});

describe("simulatePortfolio: agreement with closed forms for one asset (GBM)", () => {
  const mu = 0.08;
  const sigma = 0.25;
  const horizonDays = 126;
  const t = horizonDays / 252;
  const paths = 7000; // 7000 × 127 points stays under the returned-points cap
  const r = simulatePortfolio({
    expectedReturns: [mu],
    covariance: [[sigma * sigma]],
    weights: [1],
    horizonDays,
    paths,
    random: createRandom(31),
    returnPaths: true,
  });
  const terminals = (r.valuePaths ?? []).map((path) => path[horizonDays] as number);
  const logs = terminals.map(Math.log);

  it("has terminal log-value mean (μ − σ²/2)T and variance σ²T within sampling error", () => {
    const m = naiveMean(logs);
    const v = logs.reduce((acc, x) => acc + (x - m) ** 2, 0) / (paths - 1);
    expect(Math.abs(m - (mu - (sigma * sigma) / 2) * t)).toBeLessThan(
      (4 * sigma * Math.sqrt(t)) / Math.sqrt(paths),
    );
    // SE of a normal sample variance: σ²T √(2/(N − 1)).
    expect(Math.abs(v - sigma * sigma * t)).toBeLessThan(
      4 * sigma * sigma * t * Math.sqrt(2 / (paths - 1)),
    );
  });

  it("has a probability of loss within 4 SE of Φ(−(μ − σ²/2)T / (σ√T))", () => {
    const p = normalCdf((-(mu - (sigma * sigma) / 2) * t) / (sigma * Math.sqrt(t)));
    expect(Math.abs(r.probabilityOfLoss - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / paths));
  });

  it("has a mean terminal value within 4 SE of exp(μT)", () => {
    const sd = Math.sqrt(Math.exp(2 * mu * t) * (Math.exp(sigma * sigma * t) - 1));
    expect(Math.abs(r.terminalValue.mean - Math.exp(mu * t))).toBeLessThan(
      (4 * sd) / Math.sqrt(paths),
    );
  });

  it("has p5 and p95 within 4 quantile standard errors of the lognormal quantiles", () => {
    const m = (mu - (sigma * sigma) / 2) * t;
    const s = sigma * Math.sqrt(t);
    for (const [got, z] of [
      [r.terminalValue.p5, Z05],
      [r.terminalValue.p50, 0],
      [r.terminalValue.p95, -Z05],
    ] as const) {
      const q = Math.exp(m + s * z);
      const density = normalPdf(z) / (q * s); // lognormal pdf at q
      const p = normalCdf(z);
      expect(Math.abs(got - q)).toBeLessThan((4 * Math.sqrt((p * (1 - p)) / paths)) / density);
    }
  });

  it("has an expected shortfall within 2% of the lognormal exp(μT)·Φ(z₀.₀₅ − σ√T)/0.05", () => {
    const es = (Math.exp(mu * t) * normalCdf(Z05 - sigma * Math.sqrt(t))) / 0.05;
    expect(Math.abs(r.expectedShortfall.value / es - 1)).toBeLessThan(0.02);
    expect(r.expectedShortfall.lossFraction).toBeCloseTo(1 - r.expectedShortfall.value, 14);
  });

  it("summarises its own paths exactly as a naive type-7 / drawdown implementation does", () => {
    const p5 = naiveQuantile(terminals, 0.05);
    expect(r.terminalValue.p5).toBeCloseTo(p5, 12);
    expect(r.terminalValue.p50).toBeCloseTo(naiveQuantile(terminals, 0.5), 12);
    expect(r.terminalValue.p95).toBeCloseTo(naiveQuantile(terminals, 0.95), 12);
    expect(r.terminalValue.mean).toBeCloseTo(naiveMean(terminals), 12);
    expect(r.expectedShortfall.value).toBeCloseTo(naiveMean(terminals.filter((v) => v <= p5)), 12);
    expect(r.probabilityOfLoss).toBe(terminals.filter((v) => v < 1).length / paths);
    const dds = (r.valuePaths ?? []).slice(0, 500).map(naiveMaxDrawdown);
    const small = simulatePortfolio({
      expectedReturns: [mu],
      covariance: [[sigma * sigma]],
      weights: [1],
      horizonDays,
      paths: 500,
      random: createRandom(31),
    });
    expect(small.maxDrawdown.mean).toBeCloseTo(naiveMean(dds), 12);
    expect(small.maxDrawdown.p95).toBeCloseTo(naiveQuantile(dds, 0.95), 12);
  });
});

describe("simulatePortfolio: multi-asset and portfolio modes against closed forms", () => {
  const horizonDays = 252;
  const t = 1;
  const paths = 20_000;

  it("has a buy-and-hold mean terminal value within 4 SE of Σ w_i exp(μ_i T)", () => {
    const r = simulatePortfolio(baseInput({ horizonDays, paths, random: createRandom(404) }));
    let mean = 0;
    let variance = 0;
    for (let i = 0; i < 4; i++) {
      mean += (weights[i] as number) * Math.exp((expectedReturns[i] as number) * t);
      for (let j = 0; j < 4; j++) {
        // Cov(S_i, S_j) of lognormals: e^{(μ_i + μ_j)T} (e^{Σ_ij T} − 1).
        variance +=
          (weights[i] as number) *
          (weights[j] as number) *
          Math.exp(((expectedReturns[i] as number) + (expectedReturns[j] as number)) * t) *
          (Math.exp((covariance[i]?.[j] as number) * t) - 1);
      }
    }
    expect(Math.abs(r.terminalValue.mean - mean)).toBeLessThan(
      (4 * Math.sqrt(variance)) / Math.sqrt(paths),
    );
    expect(r.maxDrawdown.mean).toBeGreaterThan(0);
    expect(r.maxDrawdown.p95).toBeGreaterThan(r.maxDrawdown.mean);
  });

  it("in portfolio mode has mean exp(μ_p T) and loss probability Φ(−(μ_p − σ_p²/2)√T/σ_p)", () => {
    const r = simulatePortfolio(
      baseInput({ horizonDays, paths, mode: "portfolio", random: createRandom(405) }),
    );
    const mup = weights.reduce((acc, w, i) => acc + w * (expectedReturns[i] as number), 0);
    let varp = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        varp += (weights[i] as number) * (weights[j] as number) * (covariance[i]?.[j] as number);
      }
    }
    const sp = Math.sqrt(varp);
    expect(r.portfolio.expectedReturn).toBeCloseTo(mup, 14);
    expect(r.portfolio.volatility).toBeCloseTo(sp, 14);
    const sd = Math.sqrt(Math.exp(2 * mup * t) * (Math.exp(varp * t) - 1));
    expect(Math.abs(r.terminalValue.mean - Math.exp(mup * t))).toBeLessThan(
      (4 * sd) / Math.sqrt(paths),
    );
    const p = normalCdf((-(mup - varp / 2) * Math.sqrt(t)) / sp);
    expect(Math.abs(r.probabilityOfLoss - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / paths));
  });

  it("with antithetic pairs keeps each pair's log terminal values symmetric about 2(μ − σ²/2)T", () => {
    const mu = 0.06;
    const sigma = 0.3;
    const r = simulatePortfolio({
      expectedReturns: [mu],
      covariance: [[sigma * sigma]],
      weights: [1],
      horizonDays: 50,
      paths: 11, // odd: the last path is unpaired
      antithetic: true,
      returnPaths: true,
      random: createRandom(8),
    });
    const logs = (r.valuePaths ?? []).map((path) => Math.log(path[50] as number));
    expect(logs.length).toBe(11);
    for (let k = 0; k < 10; k += 2) {
      expect((logs[k] as number) + (logs[k + 1] as number)).toBeCloseTo(
        2 * (mu - (sigma * sigma) / 2) * (50 / 252),
        12,
      );
    }
  });

  it("with antithetic pairs still matches the closed-form probability of loss", () => {
    const r = simulatePortfolio(
      baseInput({
        horizonDays,
        paths,
        mode: "portfolio",
        antithetic: true,
        random: createRandom(6),
      }),
    );
    const mup = r.portfolio.expectedReturn;
    const sp = r.portfolio.volatility;
    const p = normalCdf((-(mup - (sp * sp) / 2) * Math.sqrt(t)) / sp);
    expect(Math.abs(r.probabilityOfLoss - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / paths));
  });
});

describe("simulatePortfolio: validation", () => {
  const field = (f: string): unknown => expect.objectContaining({ field: f });

  it("rejects weights of the wrong length, a bad sum, a negative or a NaN weight", () => {
    expect(() => simulatePortfolio(baseInput({ weights: [0.5, 0.5] }))).toThrow(field("weights"));
    expect(() => simulatePortfolio(baseInput({ weights: [0.4, 0.3, 0.2, 0.2] }))).toThrow(
      field("weights"),
    );
    expect(() =>
      simulatePortfolio(baseInput({ weights: [0.4, 0.3, 0.2, 0.1 + 5e-7] })),
    ).not.toThrow();
    expect(() => simulatePortfolio(baseInput({ weights: [0.6, 0.3, 0.2, -0.1] }))).toThrow(
      field("weights[3]"),
    );
    expect(() => simulatePortfolio(baseInput({ weights: [0.4, Number.NaN, 0.2, 0.1] }))).toThrow(
      field("weights[1]"),
    );
  });

  it("rejects a covariance that is not square, symmetric or PSD, naming covariance", () => {
    expect(() => simulatePortfolio(baseInput({ covariance: covariance.slice(0, 3) }))).toThrow(
      field("covariance"),
    );
    const asym = covariance.map((row) => [...row]);
    (asym[0] as number[])[1] = 0.05;
    expect(() => simulatePortfolio(baseInput({ covariance: asym }))).toThrow(
      field("covariance[1][0]"),
    );
    expect(() =>
      simulatePortfolio({
        ...baseInput(),
        expectedReturns: [0.1, 0.1],
        weights: [0.5, 0.5],
        covariance: [
          [0.04, 0.1],
          [0.1, 0.04],
        ],
      }),
    ).toThrow(field("covariance"));
  });

  it("rejects non-positive or non-integer horizons and path counts, and values past the caps", () => {
    for (const horizonDays of [0, -1, 2.5, Number.NaN, MONTE_CARLO_LIMITS.maxHorizonDays + 1]) {
      expect(() => simulatePortfolio(baseInput({ horizonDays }))).toThrow(field("horizonDays"));
    }
    for (const paths of [0, 1.5, MONTE_CARLO_LIMITS.maxPaths + 1]) {
      expect(() => simulatePortfolio(baseInput({ paths }))).toThrow(field("paths"));
    }
    // Work cap: 1e6 paths × 252 days × 4 assets > 1e9.
    expect(() => simulatePortfolio(baseInput({ paths: 1_000_000, horizonDays: 252 }))).toThrow(
      field("paths"),
    );
  });

  it("refuses to return more path points than the memory cap", () => {
    expect(() =>
      simulatePortfolio(baseInput({ paths: 10_000, horizonDays: 252, returnPaths: true })),
    ).toThrow(field("returnPaths"));
  });

  it("rejects a bad model, mode, initial value, period count, random source and expected returns", () => {
    const bad = (extra: Record<string, unknown>): MonteCarloInput =>
      ({ ...baseInput(), ...extra }) as MonteCarloInput;
    expect(() => simulatePortfolio(bad({ model: "heston" }))).toThrow(field("model"));
    expect(() => simulatePortfolio(bad({ mode: "factor" }))).toThrow(field("mode"));
    expect(() => simulatePortfolio(bad({ initialValue: 0 }))).toThrow(field("initialValue"));
    expect(() => simulatePortfolio(bad({ periodsPerYear: 0 }))).toThrow(field("periodsPerYear"));
    expect(() => simulatePortfolio(bad({ random: undefined }))).toThrow(field("random"));
    expect(() =>
      simulatePortfolio(bad({ expectedReturns: [0.1, Number.POSITIVE_INFINITY, 0, 0] })),
    ).toThrow(field("expectedReturns[1]"));
  });

  it("throws NUMERICAL instead of returning Infinity when the drift overflows", () => {
    expect(() =>
      simulatePortfolio({
        expectedReturns: [5000],
        covariance: [[0.04]],
        weights: [1],
        horizonDays: 252,
        paths: 3,
        random: createRandom(1),
      }),
    ).toThrow(expect.objectContaining({ code: "NUMERICAL" }));
  });
});

describe("simulatePortfolio with normals drawn beforehand (normalsFor)", () => {
  const base = {
    expectedReturns: [0.08, 0.05],
    covariance: [
      [0.04, 0.01],
      [0.01, 0.02],
    ],
    weights: [0.6, 0.4],
    horizonDays: 21,
    paths: 501,
    initialValue: 1_000_000,
    mode: "portfolio" as const,
  };

  it.each([false, true])(
    "gives the result of drawing from the seed, bit for bit, without advancing random (antithetic %s)",
    (antithetic) => {
      const drawn = simulatePortfolio({ ...base, antithetic, random: createRandom(7) });
      const calls: [number, number][] = [];
      const random = createRandom(7);
      const given = simulatePortfolio({
        ...base,
        antithetic,
        random,
        normalsFor: (horizonDays, draws) => {
          calls.push([horizonDays, draws]);
          return oneAssetNormals(createRandom(7), horizonDays, draws);
        },
      });
      expect(given).toEqual(drawn);
      expect(calls).toEqual([[21, antithetic ? 251 : 501]]);
      expect(random.nextDouble()).toBe(createRandom(7).nextDouble());
    },
  );

  it("is not asked for normals by a multi-asset simulation", () => {
    let asked = false;
    const r = simulatePortfolio({
      ...base,
      mode: "multi-asset",
      random: createRandom(7),
      normalsFor: () => {
        asked = true;
        return new Float64Array(0);
      },
    });
    expect(asked).toBe(false);
    expect(r).toEqual(simulatePortfolio({ ...base, mode: "multi-asset", random: createRandom(7) }));
  });
});
