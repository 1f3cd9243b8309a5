import { describe, expect, it } from "vitest";
import {
  createRandom,
  fillStandardNormal,
  standardNormal,
  zigguratEdge,
  type RandomSource,
} from "./random.js";

// --- independent references written for the tests ------------------------------------------

// Marsaglia & Tsang (2000) published constants for 128 layers.
const R = 3.442619855899;
const V = 9.91256303526217e-3;

/** Layer edges x_0 = V/f(R), x_1 = R, x_i = f⁻¹(V/x_{i−1} + f(x_{i−1})), x_128 = 0. */
function layerEdges(): number[] {
  const x = [V / Math.exp(-0.5 * R * R), R];
  for (let i = 2; i < 128; i++) {
    const prev = x[i - 1] as number;
    x.push(Math.sqrt(-2 * Math.log(V / prev + Math.exp(-0.5 * prev * prev))));
  }
  x.push(0);
  return x;
}
const X = layerEdges();
const density = (x: number): number => Math.exp(-0.5 * x * x);

/**
 * The documented fast path of `createRandom`'s sources, written out naively: batches of 4096;
 * one word per first attempt (layer = low 7 bits, u = signed high 25 bits · 2⁻²⁴); misses
 * finished afterwards in index order (tail or wedge on 53-bit doubles, then fresh words).
 */
function referenceFastFill(
  words: { nextUint32(): number; nextDouble(): number },
  count: number,
): number[] {
  const out: number[] = [];
  const attempt = (w: number): { i: number; u: number; hit: boolean } => {
    const i = w & 127;
    const u = (w >> 7) / 2 ** 24;
    return { i, u, hit: Math.abs(u) < (X[i + 1] as number) / (X[i] as number) };
  };
  const finish = (layer: number, abscissa: number): number => {
    let i = layer;
    let u = abscissa;
    for (;;) {
      if (i === 0) {
        for (;;) {
          const x = Math.log(1 - words.nextDouble()) / R;
          const y = Math.log(1 - words.nextDouble());
          if (-2 * y >= x * x) return u < 0 ? x - R : R - x;
        }
      }
      const x = u * (X[i] as number);
      const bottom = density(X[i] as number);
      const y = bottom + words.nextDouble() * (density(X[i + 1] as number) - bottom);
      if (y < density(x)) return x;
      const next = attempt(words.nextUint32() | 0);
      i = next.i;
      u = next.u;
      if (next.hit) return u * (X[i] as number);
    }
  };
  for (let from = 0; from < count; from += 4096) {
    const misses: [number, number][] = [];
    for (let k = from; k < Math.min(count, from + 4096); k++) {
      const w = words.nextUint32() | 0;
      const a = attempt(w);
      if (a.hit) out[k] = a.u * (X[a.i] as number);
      else misses.push([k, w]);
    }
    for (const [k, w] of misses) out[k] = finish(w & 127, (w >> 7) / 2 ** 24);
  }
  return out;
}

/**
 * Standard normal CDF via erfc from Numerical Recipes (2nd ed., §6.2, Chebyshev fit, fractional
 * error < 1.2e-7) — far below the KS critical values used here.
 */
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

/** Two-sided one-sample Kolmogorov–Smirnov statistic D_n = sup |F_n − F|. */
function ksStatistic(sample: readonly number[] | Float64Array, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i] as number);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** Central moments: mean, population variance, skewness, excess kurtosis. */
function moments(xs: readonly number[]): {
  mean: number;
  variance: number;
  skew: number;
  kurt: number;
} {
  const n = xs.length;
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) - 3 };
}

/** The same stream without the fast path: normals are built from nextDouble. */
function withoutFastPath(random: RandomSource): RandomSource {
  return { nextDouble: () => random.nextDouble() };
}

// --- tests --------------------------------------------------------------------------------

describe("createRandom's normal fast path", () => {
  it("equals a naive rewrite of the documented batch algorithm on the same words (10k draws, 3 batches)", () => {
    const out = new Float64Array(10_000);
    fillStandardNormal(createRandom(3), out);
    const expected = referenceFastFill(createRandom(3), 10_000);
    // About 2.8% of draws are misses; the reference covers tails, wedges and retries.
    for (let k = 0; k < out.length; k++) expect(out[k]).toBe(expected[k]);
  });

  it("gives standardNormal the same first draw as a one-element fill", () => {
    const a = createRandom(21);
    const b = createRandom(21);
    const one = new Float64Array(1);
    for (let i = 0; i < 2000; i++) {
      fillStandardNormal(b, one);
      expect(standardNormal(a)).toBe(one[0]);
    }
  });

  it("writes only inside [start, end) and rejects a range outside the array", () => {
    const out = new Float64Array(20).fill(99);
    fillStandardNormal(createRandom(4), out, 5, 15);
    for (let k = 0; k < 20; k++) {
      if (k < 5 || k >= 15) expect(out[k]).toBe(99);
      else expect(out[k]).not.toBe(99);
    }
    expect(() => fillStandardNormal(createRandom(4), out, 0, 21)).toThrow(
      expect.objectContaining({ field: "end" }),
    );
    expect(() => createRandom(4).fillStandardNormal(out, 10, 5)).toThrow(
      expect.objectContaining({ field: "start" }),
    );
  });
});

for (const [label, make] of [
  ["fast path (createRandom)", (seed: number): RandomSource => createRandom(seed)],
  ["nextDouble path", (seed: number): RandomSource => withoutFastPath(createRandom(seed))],
] as const) {
  describe(`standardNormal, ${label}`, () => {
    const n = 200_000;
    const random = make(7);
    const draws = Array.from({ length: n }, () => standardNormal(random));

    it("has sample mean, variance, skewness and excess kurtosis within 4 standard errors of N(0, 1)", () => {
      const m = moments(draws);
      // Standard errors under normality: mean 1/√n, variance √(2/n), skew √(6/n), kurtosis √(24/n).
      expect(Math.abs(m.mean)).toBeLessThan(4 / Math.sqrt(n));
      expect(Math.abs(m.variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
      expect(Math.abs(m.skew)).toBeLessThan(4 * Math.sqrt(6 / n));
      expect(Math.abs(m.kurt)).toBeLessThan(4 * Math.sqrt(24 / n));
    });

    it("passes a Kolmogorov–Smirnov test against Φ at the 1% level on 200k draws", () => {
      expect(ksStatistic(draws, normalCdf)).toBeLessThan(1.628 / Math.sqrt(n));
    });

    it("puts the right share of draws beyond the ziggurat's tail start R = 3.4426 (tail algorithm)", () => {
      const p = 2 * (1 - normalCdf(R)); // ≈ 5.76e-4
      const count = draws.filter((z) => Math.abs(z) > R).length;
      expect(Math.abs(count - n * p)).toBeLessThan(4.5 * Math.sqrt(n * p * (1 - p)));
    });

    it("puts the right share of draws in each wedge-dominated band (|z| in [1, 2], [2, 3], [0, 0.25])", () => {
      for (const [lo, hi] of [
        [1, 2],
        [2, 3],
        [0, 0.25],
      ] as const) {
        const p = 2 * (normalCdf(hi) - normalCdf(lo));
        const count = draws.filter((z) => Math.abs(z) >= lo && Math.abs(z) < hi).length;
        expect(Math.abs(count - n * p)).toBeLessThan(4.5 * Math.sqrt(n * p * (1 - p)));
      }
    });

    it("passes a 4-million-draw KS test against Φ at the 1% level (sensitive to wedge errors of 0.1%)", () => {
      const big = new Float64Array(4_000_000);
      fillStandardNormal(make(11), big);
      expect(ksStatistic(big, normalCdf)).toBeLessThan(1.628 / Math.sqrt(big.length));
    });

    it("draws the tail beyond R from the conditional normal tail, symmetrically (KS on 4M draws' tails)", () => {
      const big = new Float64Array(4_000_000);
      fillStandardNormal(make(12), big);
      const tail = Array.from(big).filter((z) => Math.abs(z) > R);
      const negatives = tail.filter((z) => z < 0).length;
      // Sign is a fair coin: within 4.5 standard deviations of half.
      expect(Math.abs(negatives - tail.length / 2)).toBeLessThan(4.5 * Math.sqrt(tail.length / 4));
      // P(|Z| ≤ x | |Z| > R) = 1 − (1 − Φ(x)) / (1 − Φ(R)); checked for each sign separately.
      const tailCdf = (x: number): number => 1 - (1 - normalCdf(x)) / (1 - normalCdf(R));
      for (const side of [tail.filter((z) => z > 0), tail.filter((z) => z < 0).map((z) => -z)]) {
        expect(ksStatistic(side, tailCdf)).toBeLessThan(1.628 / Math.sqrt(side.length));
      }
    });

    it("has a lag-1 autocorrelation indistinguishable from 0 (|ρ| < 4/√n)", () => {
      let s01 = 0;
      let s00 = 0;
      for (let i = 0; i + 1 < n; i++) {
        s01 += (draws[i] as number) * (draws[i + 1] as number);
        s00 += (draws[i] as number) ** 2;
      }
      expect(Math.abs(s01 / s00)).toBeLessThan(4 / Math.sqrt(n));
    });

    it("is deterministic for a seed", () => {
      const a = make(99);
      const b = make(99);
      for (let i = 0; i < 1000; i++) expect(standardNormal(a)).toBe(standardNormal(b));
    });
  });
}

describe("standardNormal and fillStandardNormal on a source without a fast path", () => {
  it("returns u · x₀ = 0.5 · V · exp(R²/2) for the doc example's base-layer draw", () => {
    const expected = 0.5 * V * Math.exp(R ** 2 / 2);
    expect(standardNormal({ nextDouble: () => 3 / 512 })).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(1.8565431233712755, 12);
    const out = new Float64Array(2);
    fillStandardNormal({ nextDouble: () => 3 / 512 }, out);
    expect(out[0]).toBeCloseTo(1.8565431233712755, 12);
    expect(out[1]).toBeCloseTo(1.8565431233712755, 12);
  });

  it("fills exactly the values of successive standardNormal calls, only inside [start, end)", () => {
    const a = withoutFastPath(createRandom(5));
    const b = withoutFastPath(createRandom(5));
    const out = new Float64Array(5000).fill(99);
    fillStandardNormal(a, out, 10, 4990);
    for (let k = 0; k < 10; k++) expect(out[k]).toBe(99);
    for (let k = 10; k < 4990; k++) expect(out[k]).toBe(standardNormal(b));
    for (let k = 4990; k < 5000; k++) expect(out[k]).toBe(99);
  });
});

describe("zigguratEdge", () => {
  it("draws R − ln(0.5)/R from the tail when every uniform is 0.5 (doc example)", () => {
    // x = ln(0.5)/R ≈ −0.2013, y = ln(0.5) ≈ −0.6931: −2y ≈ 1.386 ≥ x² ≈ 0.0405, accepted.
    const expected = R - Math.log(0.5) / R;
    expect(zigguratEdge({ nextDouble: () => 0.5 }, 0, 0.99)).toBe(expected);
    expect(expected).toBe(3.6439627893548168);
    expect(zigguratEdge({ nextDouble: () => 0.5 }, 0, -0.99)).toBe(-expected);
  });

  it("accepts a wedge point under the density and rejects one above it", () => {
    // Layer 64, u = 0.999 (outside the rectangle, whose ratio x₆₅/x₆₄ < 0.999): x = 0.999 · x₆₄.
    const x64 = X[64] as number;
    const x = 0.999 * x64;
    // Height at U: f(x₆₄) + U (f(x₆₅) − f(x₆₄)); f(x) lies strictly between the two ends.
    const uAtDensity = (density(x) - density(x64)) / (density(X[65] as number) - density(x64));
    expect(zigguratEdge({ nextDouble: () => uAtDensity * 0.5 }, 64, 0.999)).toBe(x);
    expect(zigguratEdge({ nextDouble: () => (1 + uAtDensity) / 2 }, 64, 0.999)).toBeUndefined();
  });
});
