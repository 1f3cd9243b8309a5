import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { describe, expect, it } from "vitest";
import { ToolError } from "./errors.js";
import {
  createRandom,
  randomFromGenerator,
  splitMix64,
  xoshiro128StarStar,
  type RandomSource,
} from "./random.js";
import { assertFillRange } from "./random-source.js";

// --- independent references written for the tests ------------------------------------------

const MASK_64 = (1n << 64n) - 1n;
const MASK_32 = 0xffffffffn;

/** Blackman & Vigna's xoshiro128starstar.c, in BigInt arithmetic mod 2³². */
function referenceXoshiro128ss(seed: readonly [bigint, bigint, bigint, bigint]): () => bigint {
  let [a, b, c, d] = seed;
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & MASK_32;
  return () => {
    const result = (rotl((b * 5n) & MASK_32, 7n) * 9n) & MASK_32;
    const t = (b << 9n) & MASK_32;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11n);
    return result;
  };
}

/** rand_xoshiro's `seed_from_u64`: two SplitMix64 outputs, little-endian, as four u32 words. */
function referenceSeedWords(seed: number): [bigint, bigint, bigint, bigint] {
  const [z1, z2] = splitMix64(BigInt(seed), 2) as [bigint, bigint];
  return [z1 & MASK_32, z1 >> 32n, z2 & MASK_32, z2 >> 32n];
}

/** 53-bit double from two 32-bit words as documented: top 27 bits of a, top 26 of b. */
function referenceDouble(next: () => bigint): number {
  const a = Number(next() >> 5n);
  const b = Number(next() >> 6n);
  return (a * 2 ** 26 + b) / 2 ** 53;
}

/** Blackman & Vigna's xoroshiro128plus.c (2018 constants a = 24, b = 16, c = 37), in BigInt. */
function referenceXoroshiro(seed0: bigint, seed1: bigint): () => bigint {
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & MASK_64;
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

/** Two-sided one-sample Kolmogorov–Smirnov statistic D_n = sup |F_n − F|. */
function ksStatistic(sample: readonly number[], cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i] as number);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

// rust-random/rngs, rand_xoshiro/src/xoshiro128starstar.rs, test `reference` (from the reference
// implementation v1.1, xoshiro128starstar.c): state (1, 2, 3, 4).
const PUBLISHED_XOSHIRO128SS = [
  11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597,
  4258142804,
];

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
    // pure-rand's next() is the low 32 bits of each 64-bit output.
    const replay = (): bigint => (published[k++] as bigint) & MASK_32;
    const random = randomFromGenerator(xoroshiro128plusFromState([0, 1, 0, 2]));
    for (let i = 0; i < 5; i++) expect(random.nextDouble()).toBe(referenceDouble(replay));
  });

  it("matches the doc example: 265216 · 2⁻⁵³ for the first double of state (1, 2)", () => {
    const random = randomFromGenerator(xoroshiro128plusFromState([0, 1, 0, 2]));
    expect(random.nextDouble()).toBe(265216 * 2 ** -53);
    expect(265216 * 2 ** -53).toBe(2.944489096989855e-11);
  });

  it("agrees with a BigInt xoroshiro128+ for 200 doubles, and has no normal fast path", () => {
    const next = referenceXoroshiro(0x0123456789abcdefn, 0xfedcba9876543210n);
    const low32 = (): bigint => next() & MASK_32;
    const random = randomFromGenerator(
      xoroshiro128plusFromState([0x01234567, 0x89abcdef | 0, 0xfedcba98 | 0, 0x76543210]),
    );
    for (let i = 0; i < 200; i++) expect(random.nextDouble()).toBe(referenceDouble(low32));
    expect(random.fillStandardNormal).toBeUndefined();
  });
});

describe("xoshiro128StarStar", () => {
  it("reproduces rand_xoshiro's published xoshiro128** reference vector for state (1, 2, 3, 4)", () => {
    const g = xoshiro128StarStar(1, 2, 3, 4);
    expect(Array.from({ length: 10 }, () => g.nextUint32())).toEqual(PUBLISHED_XOSHIRO128SS);
  });

  it("is matched by the BigInt reference on the published vector, and both agree for 10k more words", () => {
    const next = referenceXoshiro128ss([1n, 2n, 3n, 4n]);
    expect(Array.from({ length: 10 }, () => Number(next()))).toEqual(PUBLISHED_XOSHIRO128SS);
    const state = [0x9e3779b9, 0x7f4a7c15, 0xdeadbeef, 0x01234567] as const;
    const g = xoshiro128StarStar(...state);
    const ref = referenceXoshiro128ss([0x9e3779b9n, 0x7f4a7c15n, 0xdeadbeefn, 0x01234567n]);
    for (let i = 0; i < 10_000; i++) expect(g.nextUint32()).toBe(Number(ref()));
  });

  it("matches the doc example: rotl(2·5, 7)·9 = 11520", () => {
    expect(((10 << 7) | (10 >>> 25)) * 9).toBe(11520);
    expect(xoshiro128StarStar(1, 2, 3, 4).nextUint32()).toBe(11520);
  });

  it("takes signed and unsigned spellings of the same words to the same generator", () => {
    const a = xoshiro128StarStar(-1, 2, 3, 4);
    const b = xoshiro128StarStar(0xffffffff, 2, 3, 4);
    for (let i = 0; i < 100; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it("builds nextDouble from the top 27 and 26 bits of two outputs", () => {
    const g = xoshiro128StarStar(1, 2, 3, 4);
    // 11520 >>> 5 = 360, 0 >>> 6 = 0: 360 · 2²⁶ · 2⁻⁵³ = 360 · 2⁻²⁷.
    expect(g.nextDouble()).toBe(360 * 2 ** -27);
    const next = referenceXoshiro128ss([1n, 2n, 3n, 4n]);
    next();
    next();
    for (let i = 0; i < 100; i++) expect(g.nextDouble()).toBe(referenceDouble(next));
  });

  it("rejects the all-zero state and words that are not 32-bit integers, naming the word", () => {
    expect(() => xoshiro128StarStar(0, 0, 0, 0)).toThrow(
      expect.objectContaining({ field: "state" }),
    );
    expect(() => xoshiro128StarStar(1, 2 ** 32, 3, 4)).toThrow(
      expect.objectContaining({ field: "state[1]" }),
    );
    expect(() => xoshiro128StarStar(1, 2, 0.5, 4)).toThrow(
      expect.objectContaining({ field: "state[2]" }),
    );
    expect(() => xoshiro128StarStar(1, 2, 3, -(2 ** 31) - 1)).toThrow(
      expect.objectContaining({ field: "state[3]" }),
    );
  });
});

describe("createRandom", () => {
  it("equals a BigInt xoshiro128** seeded with the first two SplitMix64 outputs split low half first", () => {
    for (const seed of [0, 1, 42, -7, 2 ** 53 - 1]) {
      const next = referenceXoshiro128ss(referenceSeedWords(seed));
      const random = createRandom(seed);
      for (let i = 0; i < 200; i++) expect(random.nextUint32()).toBe(Number(next()));
      for (let i = 0; i < 200; i++) expect(random.nextDouble()).toBe(referenceDouble(next));
    }
  });

  it("matches the doc example for seed 0", () => {
    const expected = Number(referenceXoshiro128ss(referenceSeedWords(0))());
    expect(expected).toBe(3737715805);
    expect(createRandom(0).nextUint32()).toBe(expected);
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
    const random: RandomSource = createRandom(2024);
    const n = 200_000;
    const xs = Array.from({ length: n }, () => random.nextDouble());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // 1% critical value of the two-sided KS statistic for large n: 1.628 / √n.
    expect(ksStatistic(xs, (x) => x)).toBeLessThan(1.628 / Math.sqrt(n));
  });

  it("spreads the low 7 bits of its words evenly over the 128 ziggurat layers (χ², 127 df)", () => {
    const random = createRandom(77);
    const n = 128_000;
    const counts = new Array<number>(128).fill(0);
    for (let i = 0; i < n; i++) {
      const layer = random.nextUint32() & 127;
      counts[layer] = (counts[layer] as number) + 1;
    }
    const expected = n / 128;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 99.9% quantile of χ² with 127 degrees of freedom (scipy.stats.chi2.ppf(0.999, 127)) ≈ 181.99.
    expect(chi2).toBeLessThan(181.99);
  });
});

describe("assertFillRange", () => {
  it("accepts 0 ≤ start ≤ end ≤ length and names end or start otherwise (the doc example)", () => {
    const out = new Float64Array(4);
    expect(() => assertFillRange(out, 0, 4)).not.toThrow();
    expect(() => assertFillRange(out, 4, 4)).not.toThrow();
    expect(() => assertFillRange(out, 1, 5)).toThrow(expect.objectContaining({ field: "end" }));
    expect(() => assertFillRange(out, 3, 2)).toThrow(expect.objectContaining({ field: "start" }));
    expect(() => assertFillRange(out, -1, 2)).toThrow(expect.objectContaining({ field: "start" }));
    expect(() => assertFillRange(out, 0, 1.5)).toThrow(expect.objectContaining({ field: "end" }));
  });
});
