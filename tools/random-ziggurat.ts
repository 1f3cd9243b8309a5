import { assertFillRange, type RandomSource } from "./random-source.js";

// --- Standard normal: ziggurat (Marsaglia & Tsang 2000, with Doornik's 2005 ZIGNOR corrections) ---

/** Number of ziggurat layers, start of the right tail R and common layer area V (unnormalised density). */
const ZIG_C = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;

/**
 * `ZIG_X[i]` is the right edge of layer i (`ZIG_X[0] = V / f(R)` for the base layer that includes
 * the tail, `ZIG_X[1] = R`, `ZIG_X[C] = 0`); `ZIG_RATIO[i] = ZIG_X[i + 1] / ZIG_X[i]` is the share of
 * layer i that lies wholly under the density, accepted without evaluating `exp`;
 * `ZIG_F[i] = f(x_i) = exp(−x_i²/2)`, the bottom of layer i (its top is `ZIG_F[i + 1]`).
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
const ZIG_F = ZIG_X.map((x) => Math.exp(-0.5 * x * x));

/** Resolution of the abscissa drawn from one 32-bit word: 25 signed bits, `u = j · 2⁻²⁴`. */
export const WORD_U_SCALE = 2 ** -24;

/**
 * The ziggurat tables rescaled for a signed 25-bit integer abscissa `j` (see
 * `xoshiro128StarStar`'s normal fast path): `WORD_LIMIT[i] = ZIG_RATIO[i] · 2²⁴` and
 * `WORD_X[i] = ZIG_X[i] · 2⁻²⁴`, so `|j| < WORD_LIMIT[i]` ⇔ `|u| < ZIG_RATIO[i]` and
 * `j · WORD_X[i] = u · ZIG_X[i]` bit for bit (scaling by a power of two is exact).
 */
export const WORD_LIMIT = ZIG_RATIO.map((r) => r / WORD_U_SCALE);
export const WORD_X = ZIG_X.map((x) => x * WORD_U_SCALE);

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
 * The rare part of one ziggurat attempt whose abscissa `u ∈ [−1, 1)` missed the rectangle of layer
 * `layer`: in the base layer (0) a draw from the tail beyond R with the sign of u (Marsaglia's tail
 * algorithm, 53-bit uniforms from `random.nextDouble`); otherwise the wedge test — accept
 * `x = u · x_i` when a uniform height `f(x_i) + U (f(x_{i+1}) − f(x_i))` (U a 53-bit
 * `nextDouble`) falls under the density `exp(−x²/2)`. Returns `undefined` when the wedge test
 * rejects, and the caller starts a fresh attempt.
 *
 * @example
 * // Tail, u ≥ 0, every uniform 0.5: x = ln(0.5)/R, y = ln(0.5); −2y ≈ 1.386 ≥ x² ≈ 0.041, so the
 * // draw is R − ln(0.5)/R = 3.442619855899 + 0.693147/3.442619855899:
 * zigguratEdge({ nextDouble: () => 0.5 }, 0, 0.99) // 3.6439627893548168
 */
export function zigguratEdge(random: RandomSource, layer: number, u: number): number | undefined {
  if (layer === 0) return normalTail(random, u < 0);
  const x = u * (ZIG_X[layer] as number);
  const bottom = ZIG_F[layer] as number;
  const height = bottom + random.nextDouble() * ((ZIG_F[layer + 1] as number) - bottom);
  return height < Math.exp(-0.5 * x * x) ? x : undefined;
}

/**
 * One standard normal draw N(0, 1) from `random`: its own fast path when it has one
 * (`random.fillStandardNormal`, e.g. `createRandom`'s sources), so that single draws and
 * {@link fillStandardNormal} read the same stream; otherwise the 128-layer ziggurat on
 * `random.nextDouble`.
 *
 * On `nextDouble` each attempt takes one 53-bit uniform `d`: its top 7 bits pick the layer
 * `i = ⌊128 d⌋` and the remaining 46 bits give `u = 2(128 d − i) − 1 ∈ [−1, 1)`, so layer and
 * abscissa are independent (Doornik 2005 shows why they must be). 97.2% of attempts return
 * `u · x_i` after one compare; the rest go through {@link zigguratEdge}. Exact in distribution up
 * to the 2⁻⁴⁶ resolution of `u`.
 *
 * @example
 * // d = 3/512: layer i = ⌊0.75⌋ = 0, u = 2·0.75 − 1 = 0.5 < R·f(R)/V ≈ 0.927, so the draw is
 * // u · x₀ = 0.5 · V · exp(R²/2):
 * standardNormal({ nextDouble: () => 3 / 512 }) // 1.8565431233712755
 */
export function standardNormal(random: RandomSource): number {
  if (random.fillStandardNormal !== undefined) {
    random.fillStandardNormal(SCRATCH, 0, 1);
    return SCRATCH[0] as number;
  }
  return zigguratFromDoubles(random);
}

const SCRATCH = new Float64Array(1);

function zigguratFromDoubles(random: RandomSource): number {
  for (;;) {
    const t = random.nextDouble() * ZIG_C;
    const i = t | 0;
    const u = 2 * (t - i) - 1;
    if (Math.abs(u) < (ZIG_RATIO[i] as number)) return u * (ZIG_X[i] as number);
    const x = zigguratEdge(random, i, u);
    if (x !== undefined) return x;
  }
}

/**
 * Overwrites `out[start..end)` with independent standard normal draws: through
 * `random.fillStandardNormal` when the source has that fast path, else, in index order, exactly
 * the values of `end − start` successive {@link standardNormal} calls. Throws a ToolError naming
 * `start` or `end` unless `0 ≤ start ≤ end ≤ out.length` are integers.
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
  assertFillRange(out, start, end);
  if (random.fillStandardNormal !== undefined) {
    random.fillStandardNormal(out, start, end);
    return;
  }
  const xs = ZIG_X;
  const ratios = ZIG_RATIO;
  for (let k = start; k < end; k++) {
    const t = random.nextDouble() * ZIG_C;
    const i = t | 0;
    const u = 2 * (t - i) - 1;
    out[k] =
      Math.abs(u) < (ratios[i] as number) ? u * (xs[i] as number) : zigguratMissed(random, i, u);
  }
}

function zigguratMissed(random: RandomSource, layer: number, u: number): number {
  return zigguratEdge(random, layer, u) ?? zigguratFromDoubles(random);
}
