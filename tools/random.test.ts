import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { describe, expect, it } from "vitest";
import { ToolError } from "./errors.js";
import {
  createRandom,
  fillStandardNormal,
  randomFromGenerator,
  splitMix64,
  standardNormal,
} from "./random.js";

// --- independent references written for the tests ------------------------------------------

const MASK_64 = (1n << 64n) - 1n;
const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & MASK_64;

/** Blackman & Vigna's xoroshiro128plus.c (2018 constants a = 24, b = 16, c = 37), in BigInt. */
function referenceXoroshiro(seed0: bigint, seed1: bigint): () => bigint {
  let s0 = seed0;
  let s1 = seed1;
  return () => {
    const result = (s0 + s1) & MASK_64;
    s1 ^= s0;
    s0 = rotl(s0, 24n) ^ s1 ^ ((s1 << 16n) & MASK_64);
    s1 = rotl(s1, 37n);
    return result;
  };
}

/** 53-bit double from two 64-bit outputs as documented: top 27 and top 26 of their low 32 bits. */
function referenceDouble(next: () => bigint): number {
  const a = Number((next() & 0xffffffffn) >> 5n);
  const b = Number((next() & 0xffffffffn) >> 6n);
  return (a * 2 ** 26 + b) / 2 ** 53;
}

/**
 * Standard normal CDF via erfc from Numerical Recipes (2nd ed., §6.2, Chebyshev fit, fractional
 * error < 1.2e-7) — far below the KS critical values used here.
 */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
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
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
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
function moments(xs: number[]): { mean: number; variance: number; skew: number; kurt: number } {
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

// --- tests --------------------------------------------------------------------------------

describe("splitMix64", () => {
  it("reproduces rand_xoshiro's published SplitMix64 reference outputs for seed 1477776061723855037", () => {
    // rust-random/rand, rand_xoshiro/src/splitmix64.rs, test `reference` (from Vigna's splitmix64.c).
    expect(splitMix64(1477776061723855037n, 10)).toEqual([
      1985237415132408290n,
      2979275885539914483n,
      13511426838097143398n,
      8488337342461049707n,
      15141737807933549159n,
      17093170987380407015n,
      16389528042912955399n,
      13177319091862933652n,
      10841969400225389492n,
      17094824097954834098n,
    ]);
  });

  it("rejects a negative count", () => {
    expect(() => splitMix64(1n, -1)).toThrow(ToolError);
  });
});

describe("randomFromGenerator", () => {
  it("turns rand_xoshiro's published xoroshiro128+ vector (state 1, 2) into the documented doubles", () => {
    // rust-random/rand, rand_xoshiro/src/xoroshiro128plus.rs, test `reference`.
    const published = [
      3n,
      412333834243n,
      2360170716294286339n,
      9295852285959843169n,
      2797080929874688578n,
      6019711933173041966n,
      3076529664176959358n,
      3521761819100106140n,
      7493067640054542992n,
      920801338098114767n,
    ];
    let k = 0;
    const replay = (): bigint => published[k++] as bigint;
    const random = randomFromGenerator(xoroshiro128plusFromState([0, 1, 0, 2]));
    for (let i = 0; i < 5; i++) expect(random.nextDouble()).toBe(referenceDouble(replay));
  });

  it("matches the doc example: 265216 · 2⁻⁵³ for the first double of state (1, 2)", () => {
    const random = randomFromGenerator(xoroshiro128plusFromState([0, 1, 0, 2]));
    expect(random.nextDouble()).toBe(265216 * 2 ** -53);
    expect(265216 * 2 ** -53).toBe(2.944489096989855e-11);
  });
});

describe("createRandom", () => {
  it("equals a BigInt xoroshiro128+ seeded with the first two SplitMix64 outputs of the seed", () => {
    for (const seed of [0, 1, 42, -7, 2 ** 53 - 1]) {
      const [s0, s1] = splitMix64(BigInt(seed), 2) as [bigint, bigint];
      const next = referenceXoroshiro(s0, s1);
      const random = createRandom(seed);
      for (let i = 0; i < 200; i++) expect(random.nextDouble()).toBe(referenceDouble(next));
    }
  });

  it("matches the doc example for seed 0", () => {
    const [s0, s1] = splitMix64(0n, 2) as [bigint, bigint];
    const expected = referenceDouble(referenceXoroshiro(s0, s1));
    expect(expected).toBe(0.1126587197691521);
    expect(createRandom(0).nextDouble()).toBe(expected);
  });

  it("replays the same sequence for the same seed and a different one for another seed", () => {
    const draw = (seed: number): number[] => {
      const random = createRandom(seed);
      return Array.from({ length: 1000 }, () => random.nextDouble());
    };
    expect(draw(123)).toEqual(draw(123));
    expect(draw(123)).not.toEqual(draw(124));
  });

  it("rejects a seed that is not a safe integer, naming the seed field", () => {
    for (const bad of [1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
      expect(() => createRandom(bad)).toThrow(expect.objectContaining({ field: "seed" }));
    }
  });

  it("produces doubles in [0, 1) that pass a Kolmogorov–Smirnov test against U(0, 1) on 200k draws", () => {
    const random = createRandom(2024);
    const n = 200_000;
    const xs = Array.from({ length: n }, () => random.nextDouble());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // 1% critical value of the two-sided KS statistic for large n: 1.628 / √n.
    expect(ksStatistic(xs, (x) => x)).toBeLessThan(1.628 / Math.sqrt(n));
  });
});

describe("standardNormal", () => {
  const n = 200_000;
  const random = createRandom(7);
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
    const r = 3.442619855899;
    const p = 2 * (1 - normalCdf(r)); // ≈ 5.76e-4
    const count = draws.filter((z) => Math.abs(z) > r).length;
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(count - n * p)).toBeLessThan(4.5 * sd);
  });

  it("puts the right share of draws in each wedge-dominated band (|z| in [1, 2] and [2, 3])", () => {
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
    fillStandardNormal(createRandom(11), big);
    expect(ksStatistic(big, normalCdf)).toBeLessThan(1.628 / Math.sqrt(big.length));
  });

  it("draws the tail beyond R from the conditional normal tail, symmetrically (KS on 4M draws' tails)", () => {
    const r = 3.442619855899;
    const big = new Float64Array(4_000_000);
    fillStandardNormal(createRandom(12), big);
    const tail = Array.from(big).filter((z) => Math.abs(z) > r);
    const negatives = tail.filter((z) => z < 0).length;
    // Sign is a fair coin: within 4.5 standard deviations of half.
    expect(Math.abs(negatives - tail.length / 2)).toBeLessThan(4.5 * Math.sqrt(tail.length / 4));
    // P(|Z| ≤ x | |Z| > R) = 1 − (1 − Φ(x)) / (1 − Φ(R)); checked for each sign separately.
    const tailCdf = (x: number): number => 1 - (1 - normalCdf(x)) / (1 - normalCdf(r));
    for (const side of [tail.filter((z) => z > 0), tail.filter((z) => z < 0).map((z) => -z)]) {
      expect(ksStatistic(side, tailCdf)).toBeLessThan(1.628 / Math.sqrt(side.length));
    }
  });

  it("returns u · x₀ = 0.5 · V · exp(R²/2) for the doc example's base-layer draw", () => {
    // Marsaglia & Tsang's published constants for 128 layers: R = 3.442619855899, V = 9.91256303526217e-3.
    const expected = 0.5 * 9.91256303526217e-3 * Math.exp(3.442619855899 ** 2 / 2);
    expect(standardNormal({ nextDouble: () => 3 / 512 })).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(1.8565431233712755, 12);
  });

  it("is deterministic for a seed", () => {
    const a = createRandom(99);
    const b = createRandom(99);
    for (let i = 0; i < 1000; i++) expect(standardNormal(a)).toBe(standardNormal(b));
  });
});

describe("fillStandardNormal", () => {
  it("writes exactly the values of successive standardNormal calls, only inside [start, end)", () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const out = new Float64Array(5000).fill(99);
    fillStandardNormal(a, out, 10, 4990);
    for (let k = 0; k < 10; k++) expect(out[k]).toBe(99);
    for (let k = 10; k < 4990; k++) expect(out[k]).toBe(standardNormal(b));
    for (let k = 4990; k < 5000; k++) expect(out[k]).toBe(99);
  });

  it("matches the doc example", () => {
    const out = new Float64Array(2);
    fillStandardNormal({ nextDouble: () => 3 / 512 }, out);
    expect(out[0]).toBeCloseTo(1.8565431233712755, 12);
    expect(out[1]).toBeCloseTo(1.8565431233712755, 12);
  });
});
