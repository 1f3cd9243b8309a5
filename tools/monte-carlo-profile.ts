import type { DailyModel, OneAssetPathProfile } from "./monte-carlo-input.js";
import { normalDraws } from "./monte-carlo-paths.js";
import { summarisePaths, type MonteCarloSummary } from "./monte-carlo-summary.js";
import { invalidInput } from "./errors.js";
import { assertPositiveInteger } from "./validate.js";

/**
 * The longest horizon a profile is built for (a quarter of trading days). Building costs
 * `T(T + 1)/2` differences per path, once per seed — about T/2 walks of T steps — so at 63 days a
 * seed needs some 30 simulations to repay it; longer horizons walk.
 */
export const PROFILE_MAX_DAYS = 63;

/**
 * The profile of the paths a one-asset simulation of `paths` paths over `horizonDays` days takes
 * from `normals` (the layout of `oneAssetNormals`: draw k's day t is `normals[k·T + t]`; with
 * `antithetic`, paths 2k and 2k + 1 share draw k, the second with −ε, and an odd last path is
 * unpaired). Throws a ToolError naming `horizonDays` (not a positive integer up to
 * {@link PROFILE_MAX_DAYS}), `paths`, or `normals` (not the draws these paths need).
 *
 * @example
 * // One path, ε = (1, −1, −1, −1): S = (1, 0, −1, −2); drops D₁…D₄ = 1, 2, 3, 2. Of (0, 0),
 * // (1, 1), (2, 2), (3, 3), (4, 2) the upper hull keeps (3, 3) and (4, 2) beyond the origin.
 * oneAssetPathProfile(Float64Array.of(1, -1, -1, -1), 4, 1, false).hullLag // Float64Array [3, 4]
 */
export function oneAssetPathProfile(
  normals: Float64Array,
  horizonDays: number,
  paths: number,
  antithetic: boolean,
): OneAssetPathProfile {
  assertPositiveInteger("horizonDays", horizonDays);
  assertPositiveInteger("paths", paths);
  if (horizonDays > PROFILE_MAX_DAYS) {
    throw invalidInput("horizonDays", `must be at most ${PROFILE_MAX_DAYS} for a path profile`);
  }
  const T = horizonDays;
  const need = normalDraws(paths, antithetic) * T;
  if (normals.length !== need) {
    throw invalidInput("normals", `must hold ${need} draws for these paths, got ${normals.length}`);
  }
  const sums = new Float64Array(paths);
  const hullStart = new Uint32Array(paths + 1);
  const lags = new Float64Array(paths * T);
  const drops = new Float64Array(paths * T);
  const S = new Float64Array(T + 1);
  const best = new Float64Array(T + 1);
  const stack = new Int32Array(T + 1);
  let used = 0;
  for (let p = 0; p < paths; p++) {
    const base = (antithetic ? p >> 1 : p) * T;
    const twin = antithetic && (p & 1) === 1;
    let s = 0;
    for (let t = 1; t <= T; t++) {
      const e = normals[base + t - 1] as number;
      s += twin ? -e : e;
      S[t] = s;
    }
    sums[p] = s;
    // D_ℓ = max_s (S_s − S_{s+ℓ}), ℓ = 1…T (D₀ = 0).
    for (let l = 1; l <= T; l++) {
      let m = -Infinity;
      for (let i = 0; i + l <= T; i++) {
        const v = (S[i] as number) - (S[i + l] as number);
        if (v > m) m = v;
      }
      best[l] = m;
    }
    // Upper hull of (ℓ, D_ℓ), ℓ = 0…T, by Andrew's monotone chain: a point stays only when it lies
    // strictly above the segment joining its neighbours.
    let top = 0;
    stack[top++] = 0;
    for (let l = 1; l <= T; l++) {
      while (top >= 2) {
        const a = stack[top - 2] as number;
        const b = stack[top - 1] as number;
        const above =
          ((best[b] as number) - (best[a] as number)) * (l - a) >
          ((best[l] as number) - (best[a] as number)) * (b - a);
        if (above) break;
        top--;
      }
      stack[top++] = l;
    }
    hullStart[p] = used;
    for (let k = 1; k < top; k++) {
      const l = stack[k] as number;
      lags[used] = l;
      drops[used] = best[l] as number;
      used++;
    }
  }
  hullStart[paths] = used;
  const order = new Uint32Array(paths);
  for (let p = 0; p < paths; p++) order[p] = p;
  order.sort((a, b) => (sums[a] as number) - (sums[b] as number) || a - b);
  return {
    horizonDays: T,
    paths,
    antithetic,
    sums,
    order,
    hullStart,
    hullLag: lags.slice(0, used),
    hullDrop: drops.slice(0, used),
  };
}

/**
 * The summary (see `summarisePaths`) of the one-asset simulation whose normals `profile` was built
 * from, for the model's drift d and factor f ≥ 0 per day: terminal values `V₀ e^{d·T + f·S_T}`,
 * drawdowns `1 − e^{worst}` from the hull (see {@link OneAssetPathProfile}), percentiles of the
 * terminal value read in the profile's order. Throws a ToolError naming `model` (not one asset, or
 * a negative or non-finite factor) or `initialValue` (not positive), and NUMERICAL as
 * summarisePaths does when a terminal value overflows.
 *
 * @example
 * // ε = (1, −2, 0.5), d = 0.1, f = 1: L = (1.1, −0.8, −0.2); worst = −0.8 − 1.1 = −1.9.
 * summariseOneAssetProfile(oneAssetPathProfile(Float64Array.of(1, -2, 0.5), 3, 1, false),
 *   { n: 1, drift: Float64Array.of(0.1), factor: Float64Array.of(1) }, 1).maxDrawdown.mean
 * // 1 − e^{−1.9} ≈ 0.8504
 */
export function summariseOneAssetProfile(
  profile: OneAssetPathProfile,
  model: DailyModel,
  initialValue: number,
): MonteCarloSummary {
  if (model.n !== 1) throw invalidInput("model", `must have one asset, got ${model.n}`);
  const d = model.drift[0] as number;
  const f = model.factor[0] as number;
  if (!Number.isFinite(d) || !Number.isFinite(f) || f < 0) {
    throw invalidInput("model", "needs a finite drift and a finite factor ≥ 0 for a path profile");
  }
  if (!(initialValue > 0 && Number.isFinite(initialValue))) {
    throw invalidInput("initialValue", "must be a positive number");
  }
  const { paths, horizonDays, sums, hullStart, hullLag, hullDrop } = profile;
  const terminal = new Float64Array(paths);
  const drawdowns = new Float64Array(paths);
  const growth = d * horizonDays;
  for (let p = 0; p < paths; p++) {
    terminal[p] = initialValue * Math.exp(growth + f * (sums[p] as number));
    // Along the hull's vertices (ℓ rising, slopes of D falling) d·ℓ − f·D_ℓ is convex: once it
    // rises it keeps rising, so the walk stops there.
    let worst = 0;
    let previous = 0;
    const end = hullStart[p + 1] as number;
    for (let k = hullStart[p] as number; k < end; k++) {
      const v = d * (hullLag[k] as number) - f * (hullDrop[k] as number);
      if (v > previous) break;
      previous = v;
      if (v < worst) worst = v;
    }
    drawdowns[p] = worst < 0 ? -Math.expm1(worst) : 0;
  }
  return summarisePaths(terminal, drawdowns, initialValue, profile.order);
}
