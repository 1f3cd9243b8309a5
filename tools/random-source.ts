import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { invalidInput } from "./errors.js";

/**
 * Injected randomness for the simulation tools. Tools never call `Math.random`: they take a
 * {@link RandomSource}, so that the caller owns the seed and the same seed always replays the same
 * numbers.
 */
export interface RandomSource {
  /** A uniform double in [0, 1) on the grid of multiples of 2⁻⁵³ (53 random bits). */
  nextDouble(): number;
  /**
   * Optional bulk fast path: overwrite `out[start..end)` with independent N(0, 1) draws taken from
   * this source's own stream (throwing as {@link assertFillRange} does on a bad range).
   * `standardNormal` and `fillStandardNormal` use it when present and otherwise build normals from
   * `nextDouble`. An implementation must be deterministic in the source's state, like `nextDouble`.
   */
  fillStandardNormal?(out: Float64Array, start: number, end: number): void;
}

const TWO_POW_26 = 67108864;
const TWO_POW_MINUS_53 = 1.1102230246251565e-16;
const MASK_64 = (1n << 64n) - 1n;

/**
 * Adapts a pure-rand generator (mutated in place) to a {@link RandomSource} without a normal fast
 * path.
 *
 * pure-rand's `next()` returns 32 bits (for xoroshiro128+, the low 32 bits of its 64-bit output,
 * whose lowest bits have low linear complexity; Blackman & Vigna), so each double takes the top 27
 * bits of one call and the top 26 bits of the next: `((a >>> 5)·2²⁶ + (b >>> 6)) · 2⁻⁵³` — the
 * same construction as the reference Mersenne Twister's `genrand_res53`.
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
 * all mod 2⁶⁴. Used only to expand a seed into a well-mixed generator state (the seeding Vigna
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

/**
 * Checks the range of a bulk fill: `start` and `end` integers with `0 ≤ start ≤ end ≤ out.length`,
 * else a ToolError naming `end` or `start` (a typed array would silently drop writes past its end).
 *
 * @example assertFillRange(new Float64Array(4), 1, 5) // throws ToolError, field "end"
 */
export function assertFillRange(out: Float64Array, start: number, end: number): void {
  if (!Number.isInteger(end) || end < 0 || end > out.length) {
    throw invalidInput("end", `must be an integer in [0, ${out.length}], got ${String(end)}`);
  }
  if (!Number.isInteger(start) || start < 0 || start > end) {
    throw invalidInput("start", `must be an integer in [0, ${end}], got ${String(start)}`);
  }
}
