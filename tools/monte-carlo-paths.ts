import type { DailyModel } from "./monte-carlo-input.js";
import { correlatePair, growPair, growRow, type PairModel } from "./monte-carlo-kernels.js";
import { invalidInput } from "./errors.js";
import { fillStandardNormal, type RandomSource } from "./random.js";
import { assertPositiveInteger } from "./validate.js";

/**
 * Days simulated per block: `min(horizonDays, max(64, ⌊32768 / assets⌋))`. The block size fixes
 * which normal goes to which (asset, day), so it is part of the reproducibility contract.
 */
export const BLOCK_ELEMENTS = 32_768;

function blockDays(assets: number, horizonDays: number): number {
  return Math.min(horizonDays, Math.max(64, Math.floor(BLOCK_ELEMENTS / assets)));
}

/** The kernels' input plus the block length in days. */
interface Workspace extends PairModel {
  readonly chunk: number;
}

/**
 * The model padded to an even number of rows m (a zero row and column, zero drift) so that the
 * kernels can always take rows in pairs, and a normals buffer for m rows × one block. With
 * `weights`, the drift and factor row of a zero-weight asset are zeroed too: its holding is 0 and
 * stays 0 (no overflow can turn it into NaN), while its normals still drive the other assets
 * through its factor column. The padding row of `eps` is never drawn (see {@link drawBlock}).
 */
function workspace(model: DailyModel, days: number, weights?: Float64Array): Workspace {
  const { n } = model;
  const m = n + (n % 2);
  const chunk = blockDays(n, days);
  const drift = new Float64Array(m);
  const factor = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    if (weights !== undefined && !((weights[i] as number) > 0)) continue;
    drift[i] = model.drift[i] as number;
    factor.set(model.factor.subarray(i * n, i * n + n), i * m);
  }
  return { m, drift, factor, eps: new Float64Array(m * chunk), chunk };
}

/**
 * Draws the normals of one block, asset-major: `eps[k·len + t]` for asset k < n, day t < len. The
 * padding row (n odd) keeps zeros or stale normals, which only its own all-zero factor row reads.
 */
function drawBlock(random: RandomSource, ws: Workspace, n: number, len: number): void {
  fillStandardNormal(random, ws.eps, 0, n * len);
}

/**
 * The next `days` days of correlated log returns `X_t = drift + F ε_t`, one `Float64Array` per
 * asset. Normals are drawn in blocks of `min(days, max(64, ⌊32768 / n⌋))` days, asset-major within
 * a block (asset 0's days, then asset 1's, …) — exactly the order {@link simulateBuyAndHoldPaths}
 * uses for one path of `days` days. Throws a ToolError naming `days` unless it is a positive
 * integer.
 *
 * @example
 * // F = 0: every draw is the drift.
 * sampleLogReturns({ n: 1, drift: Float64Array.of(0.001), factor: Float64Array.of(0) },
 *   createRandom(1), 2) // [Float64Array [0.001, 0.001]]
 */
export function sampleLogReturns(
  model: DailyModel,
  random: RandomSource,
  days: number,
): Float64Array[] {
  assertPositiveInteger("days", days);
  const { n } = model;
  const ws = workspace(model, days);
  const out = Array.from({ length: n }, () => new Float64Array(days));
  const zA = new Float64Array(ws.chunk);
  const zB = new Float64Array(ws.chunk);
  for (let t0 = 0; t0 < days; t0 += ws.chunk) {
    const len = Math.min(ws.chunk, days - t0);
    drawBlock(random, ws, n, len);
    for (let i = 0; i < ws.m; i += 2) {
      correlatePair(zA, zB, ws, i, len);
      for (const [r, z] of [
        [i, zA],
        [i + 1, zB],
      ] as const) {
        if (r >= n) continue;
        const row = out[r] as Float64Array;
        const d = ws.drift[r] as number;
        for (let t = 0; t < len; t++) row[t0 + t] = d + (z[t] as number);
      }
    }
  }
  return out;
}

export interface PathOptions {
  readonly initialValue: number;
  readonly horizonDays: number;
  readonly paths: number;
  readonly antithetic: boolean;
  readonly returnPaths: boolean;
}

/** Per-path results: terminal value `V_T`, maximum drawdown, and optionally every `V_t`. */
export interface PathOutputs {
  readonly terminal: Float64Array;
  readonly drawdowns: Float64Array;
  readonly valuePaths: number[][] | undefined;
}

/** Running peak and maximum drawdown of one path across blocks. */
interface DrawdownState {
  peak: number;
  maxDd: number;
  value: number;
}

function trackDrawdown(
  state: DrawdownState,
  values: Float64Array,
  len: number,
  record: number[] | undefined,
): void {
  let { peak, maxDd, value } = state;
  for (let t = 0; t < len; t++) {
    value = values[t] as number;
    if (value > peak) peak = value;
    else {
      const dd = 1 - value / peak;
      if (dd > maxDd) maxDd = dd;
    }
  }
  if (record !== undefined) for (let t = 0; t < len; t++) record.push(values[t] as number);
  state.peak = peak;
  state.maxDd = maxDd;
  state.value = value;
}

/**
 * Buy-and-hold value paths of n correlated GBM assets: holdings `h_i = V₀ w_i` grow each day by
 * `exp(drift_i + (F ε_t)_i)` and `V_t = Σ_i h_i`; per path the terminal `V_T` and the maximum
 * drawdown `max_t (1 − V_t / max_{s≤t} V_s)` with V₀ as the first peak (positive fraction).
 * Normals are consumed per path (or antithetic pair) in the order of {@link sampleLogReturns}; with
 * `antithetic` the second path of a pair uses `−ε` and an odd last path is unpaired. Assets with
 * zero weight still draw their normals (they drive the others through F) but are not valued.
 * Throws a ToolError naming `weights` (not one per asset), `horizonDays` or `paths` (not positive
 * integers); the model itself is trusted (build it with `dailyModel`).
 *
 * @example
 * // F = 0, drift 0.0004: V = (1, e^0.0004, e^0.0004 · e^0.0004), terminal value ≈ e^0.0008.
 * simulateBuyAndHoldPaths(createRandom(1), { n: 1, drift: Float64Array.of(0.0004),
 *   factor: Float64Array.of(0) }, Float64Array.of(1), { initialValue: 1, horizonDays: 2, paths: 1,
 *   antithetic: false, returnPaths: true }).valuePaths // [[1, 1.0004000800106678, 1.0008003200853506]]
 */
export function simulateBuyAndHoldPaths(
  random: RandomSource,
  model: DailyModel,
  weights: Float64Array,
  opts: PathOptions,
): PathOutputs {
  const { n } = model;
  const { initialValue, horizonDays, paths, antithetic } = opts;
  if (weights.length !== n) {
    throw invalidInput("weights", `must have one weight per asset (${n}), got ${weights.length}`);
  }
  assertPositiveInteger("horizonDays", horizonDays);
  assertPositiveInteger("paths", paths);
  const out: PathOutputs = {
    terminal: new Float64Array(paths),
    drawdowns: new Float64Array(paths),
    valuePaths: opts.returnPaths ? [] : undefined,
  };
  const ws = workspace(model, horizonDays, weights);
  const { m, chunk } = ws;
  const zA = new Float64Array(chunk);
  const zB = new Float64Array(chunk);
  const valuesA = new Float64Array(chunk);
  const valuesB = new Float64Array(chunk);
  const start = new Float64Array(m);
  for (let i = 0; i < n; i++) start[i] = initialValue * (weights[i] as number);
  const holdA = new Float64Array(m);
  const holdB = new Float64Array(m);
  // Pairs of rows holding something (a zero holding stays zero).
  const pairs: number[] = [];
  for (let i = 0; i < m; i += 2) {
    if ((start[i] as number) > 0 || (start[i + 1] as number) > 0) pairs.push(i);
  }
  const a: DrawdownState = { peak: 0, maxDd: 0, value: 0 };
  const b: DrawdownState = { peak: 0, maxDd: 0, value: 0 };
  for (let p = 0; p < paths; p += antithetic ? 2 : 1) {
    const pair = antithetic && p + 1 < paths;
    holdA.set(start);
    holdB.set(start);
    a.peak = initialValue;
    a.maxDd = 0;
    a.value = initialValue;
    b.peak = initialValue;
    b.maxDd = 0;
    b.value = initialValue;
    const recordA = out.valuePaths === undefined ? undefined : [initialValue];
    const recordB = out.valuePaths === undefined || !pair ? undefined : [initialValue];
    for (let t0 = 0; t0 < horizonDays; t0 += chunk) {
      const len = Math.min(chunk, horizonDays - t0);
      drawBlock(random, ws, n, len);
      valuesA.fill(0, 0, len);
      if (pair) valuesB.fill(0, 0, len);
      for (const i of pairs) {
        if (!pair) {
          growPair(valuesA, holdA, ws, i, len);
          continue;
        }
        correlatePair(zA, zB, ws, i, len);
        const dA = ws.drift[i] as number;
        const dB = ws.drift[i + 1] as number;
        growRow(valuesA, holdA, i, dA, zA, 1, len);
        growRow(valuesA, holdA, i + 1, dB, zB, 1, len);
        growRow(valuesB, holdB, i, dA, zA, -1, len);
        growRow(valuesB, holdB, i + 1, dB, zB, -1, len);
      }
      trackDrawdown(a, valuesA, len, recordA);
      if (pair) trackDrawdown(b, valuesB, len, recordB);
    }
    out.terminal[p] = a.value;
    out.drawdowns[p] = a.maxDd;
    if (recordA !== undefined) out.valuePaths?.push(recordA);
    if (pair) {
      out.terminal[p + 1] = b.value;
      out.drawdowns[p + 1] = b.maxDd;
      if (recordB !== undefined) out.valuePaths?.push(recordB);
    }
  }
  return out;
}

/** How many normal draws a simulation makes: one per path, or one per antithetic pair. */
export function normalDraws(paths: number, antithetic: boolean): number {
  return antithetic ? Math.ceil(paths / 2) : paths;
}

/**
 * The normals a one-asset simulation ({@link simulateBuyAndHoldPaths} with n = 1) of `draws`
 * draws × `horizonDays` days takes from `random`, in the order and the call sizes it takes them:
 * draw d's day t is `normals[d·horizonDays + t]` — the normals the general kernel would draw for
 * those paths, bit for bit, so the draws of one seed can be shared by every simulation over it. Throws a ToolError naming
 * `horizonDays` or `draws` unless they are positive integers.
 *
 * @example
 * oneAssetNormals(createRandom(7), 21, 10_000).length // 210000
 */
export function oneAssetNormals(
  random: RandomSource,
  horizonDays: number,
  draws: number,
): Float64Array {
  assertPositiveInteger("horizonDays", horizonDays);
  assertPositiveInteger("draws", draws);
  const out = new Float64Array(draws * horizonDays);
  const chunk = blockDays(1, horizonDays);
  for (let d = 0, base = 0; d < draws; d++, base += horizonDays) {
    for (let t0 = 0; t0 < horizonDays; t0 += chunk) {
      fillStandardNormal(random, out, base + t0, base + Math.min(horizonDays, t0 + chunk));
    }
  }
  return out;
}

/**
 * One path of a one-asset buy-and-hold, in log space: `L_t = L_{t−1} + drift + f · ε_t`
 * over `normals[base…base + days)`, `V_t = V₀ e^{L_t}`; the maximum drawdown is
 * `1 − e^{min_t (L_t − max_{s≤t} L_s)}` with L₀ = 0 as the first peak (exp is monotone, so this is
 * `max_t (1 − V_t / peak_t)`). Two exps per path instead of one per day; every `V_t` is appended
 * to `record` when given.
 */
function oneAssetPath(
  out: PathOutputs,
  p: number,
  normals: Float64Array,
  base: number,
  days: number,
  drift: number,
  f: number,
  initialValue: number,
  record: number[] | undefined,
): void {
  let log = 0;
  let peak = 0;
  let worst = 0;
  const end = base + days;
  for (let k = base; k < end; k++) {
    log += drift + f * (normals[k] as number);
    if (log > peak) peak = log;
    else if (log - peak < worst) worst = log - peak;
    if (record !== undefined) record.push(initialValue * Math.exp(log));
  }
  endLogPath(out, p, initialValue, log, worst);
}

/** Writes path p's terminal value `V₀ e^{L_T}` and maximum drawdown `1 − e^{worst}` (0 without one). */
function endLogPath(
  out: PathOutputs,
  p: number,
  initialValue: number,
  log: number,
  worst: number,
): void {
  out.terminal[p] = initialValue * Math.exp(log);
  out.drawdowns[p] = worst < 0 ? -Math.expm1(worst) : 0;
}

/**
 * Paths `p` (factor `f`) and `p + 1` (its antithetic twin, factor `−f`) of {@link oneAssetPath}
 * in one pass over their shared normals: two independent running sums per step instead of one,
 * each normal read once. Bit for bit what two calls of oneAssetPath give (`drift + (−f)·ε` and
 * `drift − f·ε` are the same double; the peak and worst updates are the same comparisons).
 */
function antitheticPair(
  out: PathOutputs,
  p: number,
  normals: Float64Array,
  base: number,
  days: number,
  drift: number,
  f: number,
  initialValue: number,
): void {
  let logA = 0;
  let logB = 0;
  let peakA = 0;
  let peakB = 0;
  let worstA = 0;
  let worstB = 0;
  const end = base + days;
  for (let k = base; k < end; k++) {
    const shock = f * (normals[k] as number);
    logA += drift + shock;
    logB += drift - shock;
    peakA = logA > peakA ? logA : peakA;
    peakB = logB > peakB ? logB : peakB;
    const downA = logA - peakA;
    const downB = logB - peakB;
    worstA = downA < worstA ? downA : worstA;
    worstB = downB < worstB ? downB : worstB;
  }
  endLogPath(out, p, initialValue, logA, worstA);
  endLogPath(out, p + 1, initialValue, logB, worstB);
}

/**
 * {@link simulateBuyAndHoldPaths} for one asset (n = 1, weight 1) from pre-drawn normals
 * ({@link oneAssetNormals} of the random source): the same paths from the same normals, computed
 * in log space (`V_t = V₀ exp(Σ_{s≤t} x_s)` rather than a running product of exps — equal to
 * rounding, about 1e-15 relative), without the general kernels' padding row and without drawing.
 * Throws a ToolError naming
 * `model` (not one asset), `normals` (not the draws these paths need), `horizonDays` or `paths`.
 *
 * @example
 * // F = 0, drift 0.0004: the terminal value is e^0.0008.
 * simulateOneAssetPaths(Float64Array.of(0, 0), { n: 1, drift: Float64Array.of(0.0004),
 *   factor: Float64Array.of(0) }, { initialValue: 1, horizonDays: 2, paths: 1, antithetic: false,
 *   returnPaths: false }).terminal // Float64Array [Math.exp(0.0008)]
 */
export function simulateOneAssetPaths(
  normals: Float64Array,
  model: DailyModel,
  opts: PathOptions,
): PathOutputs {
  const { initialValue, horizonDays, paths, antithetic } = opts;
  if (model.n !== 1) throw invalidInput("model", `must have one asset, got ${model.n}`);
  assertPositiveInteger("horizonDays", horizonDays);
  assertPositiveInteger("paths", paths);
  const need = normalDraws(paths, antithetic) * horizonDays;
  if (normals.length !== need) {
    throw invalidInput("normals", `must hold ${need} draws for these paths, got ${normals.length}`);
  }
  const out: PathOutputs = {
    terminal: new Float64Array(paths),
    drawdowns: new Float64Array(paths),
    valuePaths: opts.returnPaths ? [] : undefined,
  };
  const drift = model.drift[0] as number;
  const f = model.factor[0] as number;
  for (let p = 0, base = 0; p < paths; p += antithetic ? 2 : 1, base += horizonDays) {
    if (antithetic && p + 1 < paths && out.valuePaths === undefined) {
      antitheticPair(out, p, normals, base, horizonDays, drift, f, initialValue);
      continue;
    }
    const recordA = out.valuePaths === undefined ? undefined : [initialValue];
    oneAssetPath(out, p, normals, base, horizonDays, drift, f, initialValue, recordA);
    if (recordA !== undefined) out.valuePaths?.push(recordA);
    if (antithetic && p + 1 < paths) {
      // The antithetic path: −ε, i.e. factor −f (exact: f·(−ε) = −(f·ε)).
      const recordB = out.valuePaths === undefined ? undefined : [initialValue];
      oneAssetPath(out, p + 1, normals, base, horizonDays, drift, -f, initialValue, recordB);
      if (recordB !== undefined) out.valuePaths?.push(recordB);
    }
  }
  return out;
}
