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
 * randomFromGenerator(xoroshiro128plusFromState([0, 1, 0, 2])).nextDouble() // 3.743001318835893e-9
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
 * @example createRandom(0).nextDouble() // 0.5711163119309581
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
