import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { invalidInput } from "./errors.js";

/**
 * Injected randomness for the simulation tools. Tools never call `Math.random`: they take a
 * {@link RandomSource}, so that the caller owns the seed and the same seed always replays the same
 * numbers.
 */
export interface RandomSource {
  /** A uniform double in [0, 1) on the grid of multiples of 2⁻⁵³ (53 random bits). */
  nextDouble(): number;
}

const TWO_POW_26 = 67108864;
const TWO_POW_MINUS_53 = 1.1102230246251565e-16;
const MASK_64 = (1n << 64n) - 1n;

/**
 * Adapts a pure-rand generator (mutated in place) to a {@link RandomSource}.
 *
 * pure-rand's `next()` returns the low 32 bits of the generator's 64-bit output. The lowest bits of
 * xoroshiro128+ have low linear complexity (Blackman & Vigna), so each double takes the top 27 bits
 * of one call and the top 26 bits of the next: `((a >>> 5)·2²⁶ + (b >>> 6)) · 2⁻⁵³` — the same
 * construction as the reference Mersenne Twister's `genrand_res53`.
 *
 * @example
 * // xoroshiro128+ from state s0 = 1, s1 = 2 emits 3, then 412333834243 (rand_xoshiro's test vector):
 * // a = 3 >>> 5 = 0, b = (412333834243 mod 2³²) >>> 6 = 16973827 >>> 6 = 265216, 265216 · 2⁻⁵³:
 * randomFromGenerator(xoroshiro128plusFromState([0, 1, 0, 2])).nextDouble() // 2.944489096989855e-11
 */
export function randomFromGenerator(rng: RandomGenerator): RandomSource {
  return {
    nextDouble(): number {
      const a = rng.next() >>> 5;
      const b = rng.next() >>> 6;
      return (a * TWO_POW_26 + b) * TWO_POW_MINUS_53;
    },
  };
}

/**
 * SplitMix64 (Vigna, `splitmix64.c`): `x += 0x9e3779b97f4a7c15`, then
 * `z = (x ^ x>>30)·0xbf58476d1ce4e5b9`, `z = (z ^ z>>27)·0x94d049bb133111eb`, output `z ^ z>>31`,
 * all mod 2⁶⁴. Used only to expand a seed into a well-mixed xoroshiro128+ state (the seeding Vigna
 * recommends); BigInt is fine here because it runs twice per generator.
 *
 * @example splitMix64(1477776061723855037n, 1) // [1985237415132408290n]
 */
export function splitMix64(seed: bigint, count: number): bigint[] {
  if (!Number.isInteger(count) || count < 0) {
    throw invalidInput("count", `must be a non-negative integer, got ${String(count)}`);
  }
  let x = BigInt.asUintN(64, seed);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK_64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
    out.push(z ^ (z >> 31n));
  }
  return out;
}

/** pure-rand's xoroshiro128+ state layout: [s0 high, s0 low, s1 high, s1 low] as int32. */
function toPureRandState(s0: bigint, s1: bigint): number[] {
  const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));
  const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
  return [hi(s0), lo(s0), hi(s1), lo(s1)];
}

/**
 * A seeded {@link RandomSource}: pure-rand's xoroshiro128+ (period 2¹²⁸ − 1) whose 128-bit state is
 * the first two SplitMix64 outputs of `seed` (taken mod 2⁶⁴, so negative seeds are allowed), read
 * through {@link randomFromGenerator}. The same seed gives the same sequence on every platform and
 * run; the source is mutable and must not be shared by concurrent simulations that need to be
 * reproducible independently.
 *
 * @param seed any safe integer (|seed| ≤ 2⁵³ − 1).
 * @example createRandom(0).nextDouble() // 0.1126587197691521
 */
export function createRandom(seed: number): RandomSource {
  if (!Number.isSafeInteger(seed)) {
    throw invalidInput("seed", `must be a safe integer, got ${String(seed)}`);
  }
  const [s0, s1] = splitMix64(BigInt(seed), 2) as [bigint, bigint];
  // A zero state would be a fixed point; SplitMix64 maps no seed to two zero outputs in a row,
  // but guard anyway for clarity.
  const state = s0 === 0n && s1 === 0n ? toPureRandState(1n, 0n) : toPureRandState(s0, s1);
  return randomFromGenerator(xoroshiro128plusFromState(state));
}

// --- Standard normal: ziggurat (Marsaglia & Tsang 2000, with Doornik's 2005 ZIGNOR corrections) ---

/** Number of ziggurat layers, start of the right tail R and common layer area V (unnormalised density). */
const ZIG_C = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;

/**
 * `ZIG_X[i]` is the right edge of layer i (`ZIG_X[0] = V / f(R)` for the base layer that includes
 * the tail, `ZIG_X[1] = R`, `ZIG_X[C] = 0`); `ZIG_RATIO[i] = ZIG_X[i + 1] / ZIG_X[i]` is the share of
 * layer i that lies wholly under the density, accepted without evaluating `exp`.
 */
const ZIG_X = new Float64Array(ZIG_C + 1);
const ZIG_RATIO = new Float64Array(ZIG_C);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_R;
  ZIG_X[ZIG_C] = 0;
  for (let i = 2; i < ZIG_C; i++) {
    const x = Math.sqrt(-2 * Math.log(ZIG_V / (ZIG_X[i - 1] as number) + f));
    ZIG_X[i] = x;
    f = Math.exp(-0.5 * x * x);
  }
  for (let i = 0; i < ZIG_C; i++) ZIG_RATIO[i] = (ZIG_X[i + 1] as number) / (ZIG_X[i] as number);
}

/** Marsaglia's tail algorithm for |Z| > R; `1 − u` keeps the logarithm's argument in (0, 1]. */
function normalTail(random: RandomSource, negative: boolean): number {
  let x: number;
  let y: number;
  do {
    x = Math.log(1 - random.nextDouble()) / ZIG_R;
    y = Math.log(1 - random.nextDouble());
  } while (-2 * y < x * x);
  return negative ? x - ZIG_R : ZIG_R - x;
}

/**
 * One standard normal draw N(0, 1) by the 128-layer ziggurat, consuming only `random`.
 *
 * Each attempt takes one 53-bit uniform `d`: its top 7 bits pick the layer `i = ⌊128 d⌋` and the
 * remaining 46 bits give `u = 2(128 d − i) − 1 ∈ [−1, 1)`, so layer and abscissa are independent
 * (Doornik 2005 shows why they must be). About 98.8% of draws return `u · x_i` after one compare;
 * the rest evaluate the wedge with `exp` or draw from the tail. Exact in distribution up to the
 * 2⁻⁴⁶ resolution of `u`.
 *
 * @example
 * // d = 3/512: layer i = ⌊0.75⌋ = 0, u = 2·0.75 − 1 = 0.5 < R·f(R)/V ≈ 0.927, so the draw is
 * // u · x₀ = 0.5 · V · exp(R²/2):
 * standardNormal({ nextDouble: () => 3 / 512 }) // 1.8565431233712755
 */
export function standardNormal(random: RandomSource): number {
  const t = random.nextDouble() * ZIG_C;
  const i = t | 0;
  const u = 2 * (t - i) - 1;
  if (Math.abs(u) < (ZIG_RATIO[i] as number)) return u * (ZIG_X[i] as number);
  return zigguratSlow(random, i, u);
}

/** The rest of a ziggurat attempt that missed the rectangle, then further attempts until one lands. */
function zigguratSlow(random: RandomSource, layer: number, abscissa: number): number {
  let i = layer;
  let u = abscissa;
  for (;;) {
    if (i === 0) return normalTail(random, u < 0);
    const xi = ZIG_X[i] as number;
    const x = u * xi;
    const xNext = ZIG_X[i + 1] as number;
    // Layer i spans heights f(x_i)..f(x_{i+1}); accept when a uniform height falls under f(x).
    // Dividing by f(x): f0 = f(x_i)/f(x) ≤ 1 ≤ f1 = f(x_{i+1})/f(x).
    const f0 = Math.exp(-0.5 * (xi * xi - x * x));
    const f1 = Math.exp(-0.5 * (xNext * xNext - x * x));
    if (f0 + random.nextDouble() * (f1 - f0) < 1) return x;
    const t = random.nextDouble() * ZIG_C;
    i = t | 0;
    u = 2 * (t - i) - 1;
    if (Math.abs(u) < (ZIG_RATIO[i] as number)) return u * (ZIG_X[i] as number);
  }
}

/**
 * Fills `out[start..end)` with independent standard normal draws, in index order: the numbers are
 * exactly those of `end − start` successive {@link standardNormal} calls (the rectangle test is
 * inlined here because this is the simulation hot path).
 *
 * @example
 * const out = new Float64Array(2);
 * fillStandardNormal({ nextDouble: () => 3 / 512 }, out); // out = [1.8565431233712755, 1.8565431233712755]
 */
export function fillStandardNormal(
  random: RandomSource,
  out: Float64Array,
  start = 0,
  end = out.length,
): void {
  const xs = ZIG_X;
  const ratios = ZIG_RATIO;
  for (let k = start; k < end; k++) {
    const t = random.nextDouble() * ZIG_C;
    const i = t | 0;
    const u = 2 * (t - i) - 1;
    out[k] =
      Math.abs(u) < (ratios[i] as number) ? u * (xs[i] as number) : zigguratSlow(random, i, u);
  }
}
