import { invalidInput } from "./errors.js";
import { assertFillRange, splitMix64, type RandomSource } from "./random-source.js";
import { WORD_LIMIT, WORD_U_SCALE, WORD_X, zigguratEdge } from "./random-ziggurat.js";

/** A {@link RandomSource} that also exposes its raw 32-bit outputs and has a bulk normal fast path. */
export interface Xoshiro128StarStarSource extends RandomSource {
  /** The generator's next 32-bit output, as an unsigned integer in [0, 2³²). */
  nextUint32(): number;
  fillStandardNormal(out: Float64Array, start: number, end: number): void;
}

const TWO_POW_26 = 67108864;
const TWO_POW_MINUS_53 = 1.1102230246251565e-16;
/** Draws per batch of the normal fast path (see {@link xoshiro128StarStar}). */
const BATCH = 4096;
// Scratch for one batch's misses; safe to share because a batch never starts another batch.
const MISS_AT = new Int32Array(BATCH);
const MISS_WORD = new Int32Array(BATCH);
// Local copies, so that the hot loop reads module constants rather than imported bindings.
const LIMIT = WORD_LIMIT;
const SCALED_X = WORD_X;
const U_SCALE = WORD_U_SCALE;

/**
 * xoshiro128** (Blackman & Vigna 2018, `xoshiro128starstar.c`): 128-bit state `s[0..3]` of 32-bit
 * words, output `rotl(s[1]·5, 7)·9`, then `t = s[1] << 9; s[2] ^= s[0]; s[3] ^= s[1];
 * s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11)`, all mod 2³². Period 2¹²⁸ − 1;
 * its authors know of no statistical weakness in any output bit, so any bits of a word may be used.
 *
 * - `nextUint32()`: the raw output.
 * - `nextDouble()`: two outputs a, b → `((a >>> 5)·2²⁶ + (b >>> 6)) · 2⁻⁵³` (53 bits, `genrand_res53`).
 * - `fillStandardNormal(out, start, end)`: the 128-layer ziggurat with **one** output w per first
 *   attempt — layer `i = w & 127` (low 7 bits) and abscissa `u = (w >> 7) · 2⁻²⁴ ∈ [−1, 1)` (the
 *   other 25 bits, signed), so layer and abscissa use disjoint bits (Doornik 2005). Draws go in
 *   batches of 4096: first every draw's attempt in index order, one word each; 97.2% land in their
 *   rectangle and are `u · x_i`; then the misses, in index order, finish with `zigguratEdge`
 *   (53-bit `nextDouble` uniforms) and, after a wedge rejection, fresh words until accepted.
 *   Each draw is N(0, 1) and independent of the others; rectangle and wedge draws lie on a grid
 *   of `x_i · 2⁻²⁴` (≤ 2.2e-7 apart), tail draws use 53-bit uniforms.
 *   The generator runs in local variables inside the loop: this is the simulation hot path.
 *
 * Words may be given signed or unsigned (taken mod 2³²); the all-zero state is rejected (it is a
 * fixed point). The source is mutable and must not be shared by simulations that need to be
 * reproducible independently.
 *
 * @example
 * // rand_xoshiro's reference test: state (1, 2, 3, 4) first emits rotl(2·5, 7)·9 = 1280·9 = 11520.
 * xoshiro128StarStar(1, 2, 3, 4).nextUint32() // 11520
 */
export function xoshiro128StarStar(
  s0: number,
  s1: number,
  s2: number,
  s3: number,
): Xoshiro128StarStarSource {
  const words = [s0, s1, s2, s3];
  words.forEach((w, k) => {
    if (!Number.isInteger(w) || w < -(2 ** 31) || w >= 2 ** 32) {
      throw invalidInput(`state[${k}]`, `must be a 32-bit integer, got ${String(w)}`);
    }
  });
  if (words.every((w) => w === 0)) throw invalidInput("state", "must not be all zero");
  // Signed 32-bit words, which V8 keeps unboxed.
  const s = Int32Array.from(words, (w) => w | 0);

  const nextUint32 = (): number => {
    let a = s[0] as number;
    let b = s[1] as number;
    let c = s[2] as number;
    let d = s[3] as number;
    const m = Math.imul(b, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
    return result >>> 0;
  };

  const source: Xoshiro128StarStarSource = {
    nextUint32,
    nextDouble(): number {
      const a = nextUint32() >>> 5;
      const b = nextUint32() >>> 6;
      return (a * TWO_POW_26 + b) * TWO_POW_MINUS_53;
    },
    fillStandardNormal(out: Float64Array, start: number, end: number): void {
      assertFillRange(out, start, end);
      for (let from = start; from < end; from += BATCH) {
        const misses = firstAttempts(s, out, from, Math.min(end, from + BATCH));
        for (let m = 0; m < misses; m++) {
          const w = MISS_WORD[m] as number;
          out[MISS_AT[m] as number] = finishAttempt(source, w & 127, (w >> 7) * U_SCALE);
        }
      }
    },
  };
  return source;
}

/**
 * One word per draw for `out[from..to)` (the xoshiro128** step inlined on local copies of the
 * state, written back at the end): rectangle hits are final; misses are recorded in
 * `MISS_AT`/`MISS_WORD` and their count returned.
 */
function firstAttempts(s: Int32Array, out: Float64Array, from: number, to: number): number {
  const limits = LIMIT;
  const xs = SCALED_X;
  const missAt = MISS_AT;
  const missWord = MISS_WORD;
  let a = s[0] as number;
  let b = s[1] as number;
  let c = s[2] as number;
  let d = s[3] as number;
  let misses = 0;
  for (let k = from; k < to; k++) {
    const m = Math.imul(b, 5);
    const w = Math.imul((m << 7) | (m >>> 25), 9);
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    const i = w & 127;
    const j = w >> 7;
    out[k] = j * (xs[i] as number);
    if (!(Math.abs(j) < (limits[i] as number))) {
      missAt[misses] = k;
      missWord[misses] = w;
      misses++;
    }
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
  return misses;
}

/** Finishes an attempt that missed its rectangle, then draws fresh words until one is accepted. */
function finishAttempt(source: Xoshiro128StarStarSource, layer: number, u: number): number {
  let i = layer;
  let v = u;
  for (;;) {
    const x = zigguratEdge(source, i, v);
    if (x !== undefined) return x;
    const w = source.nextUint32() | 0;
    i = w & 127;
    const j = w >> 7;
    if (Math.abs(j) < (LIMIT[i] as number)) return j * (SCALED_X[i] as number);
    v = j * U_SCALE;
  }
}

/**
 * A seeded {@link Xoshiro128StarStarSource}: the first two SplitMix64 outputs z₁, z₂ of `seed`
 * (taken mod 2⁶⁴, so negative seeds are allowed) split into four 32-bit words, low half first —
 * `s = (z₁ mod 2³², ⌊z₁ / 2³²⌋, z₂ mod 2³², ⌊z₂ / 2³²⌋)`, as rand_xoshiro's `seed_from_u64` does.
 * The same seed gives the same sequence on every platform and run.
 *
 * @param seed any safe integer (|seed| ≤ 2⁵³ − 1).
 * @example createRandom(0).nextUint32() // 3737715805
 */
export function createRandom(seed: number): Xoshiro128StarStarSource {
  if (!Number.isSafeInteger(seed)) {
    throw invalidInput("seed", `must be a safe integer, got ${String(seed)}`);
  }
  const [z1, z2] = splitMix64(BigInt(seed), 2) as [bigint, bigint];
  const lo = (z: bigint): number => Number(z & 0xffffffffn);
  const hi = (z: bigint): number => Number(z >> 32n);
  // SplitMix64 is a bijection of its counter, so it never emits two zeros in a row: the state is
  // never all zero.
  return xoshiro128StarStar(lo(z1), hi(z1), lo(z2), hi(z2));
}
