import { invalidInput } from "./errors.js";
import { assertFiniteNumber, assertSeries } from "./validate.js";

/**
 * Elementary statistics used by every figure. Sample statistics use ddof = 1.
 * Sums use Neumaier compensation so that long daily series (30 years × 252) lose no precision.
 */

/**
 * Compensated (Neumaier) sum.
 * @example sum([0.1, 0.2, 0.3]) // 0.6
 */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/**
 * Arithmetic mean. Throws on an empty series.
 * @example mean([1, 2, 3, 4]) // 2.5
 */
export function mean(values: readonly number[]): number {
  assertSeries("values", values, 1);
  return sum(values) / values.length;
}

/**
 * Sample variance, ddof = 1 (two-pass, compensated).
 * @example sampleVariance([1, 2, 3, 4]) // 1.6666666666666667
 */
export function sampleVariance(values: readonly number[]): number {
  assertSeries("values", values, 2);
  const m = sum(values) / values.length;
  // Two-pass with Neumaier compensation, inline to avoid allocating the squared deviations.
  let s = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - m;
    const v = d * d;
    const t = s + v;
    c += s >= v ? s - t + v : v - t + s;
    s = t;
  }
  return (s + c) / (values.length - 1);
}

/**
 * Sample standard deviation, ddof = 1.
 * @example sampleStd([2, 4, 4, 4, 5, 5, 7, 9]) // 2.138089935299395
 */
export function sampleStd(values: readonly number[]): number {
  return Math.sqrt(sampleVariance(values));
}

/**
 * Sample covariance of two paired series, ddof = 1.
 * @example sampleCovariance([1, 2, 3], [2, 4, 7]) // 2.5
 */
export function sampleCovariance(a: readonly number[], b: readonly number[]): number {
  assertSeries("a", a, 2);
  assertSeries("b", b, 2);
  if (a.length !== b.length) {
    throw invalidInput("b", `must pair with a (${a.length} values), got ${b.length}`);
  }
  const ma = sum(a) / a.length;
  const mb = sum(b) / b.length;
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const v = ((a[i] as number) - ma) * ((b[i] as number) - mb);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return (s + c) / (a.length - 1);
}

/**
 * Quantile with linear interpolation between order statistics — Hyndman & Fan type 7, the
 * default of R's `quantile` and numpy's `percentile`: `h = (n − 1)·p`, then interpolate between
 * the ⌊h⌋-th and ⌈h⌉-th smallest values (0-based).
 * @example quantile([1, 2, 3, 4], 0.05) // 1.15
 */
export function quantile(values: readonly number[], p: number): number {
  assertSeries("values", values, 1);
  assertFiniteNumber("p", p);
  if (p < 0 || p > 1) throw invalidInput("p", `must be within [0, 1], got ${p}`);
  return quantileSorted(
    [...values].sort((x, y) => x - y),
    p,
  );
}

/**
 * Type-7 quantiles of unsorted, NaN-free values at each of `ps` (each in [0, 1]) by selection
 * rather than a sort — linear time on average — equal, bit for bit, to {@link quantileSorted} of
 * the sorted values (a quantile reads only the ⌊h⌋-th and ⌈h⌉-th smallest, and selection finds
 * exactly those). `values` is not modified.
 *
 * @example quantilesOf(Float64Array.of(4, 1, 3, 2), [0.05, 0.5]) // [1.15, 2.5]
 */
export function quantilesOf(values: ArrayLike<number>, ps: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) throw invalidInput("values", "must hold at least one value");
  const a = Float64Array.from(values);
  const order = ps.map((_, i) => i).sort((i, j) => (ps[i] as number) - (ps[j] as number));
  const out = new Array<number>(ps.length);
  // Ascending p: everything left of the last order statistic found is no greater, so each
  // selection searches only to its right.
  let left = 0;
  for (const i of order) {
    const p = ps[i] as number;
    if (!(p >= 0 && p <= 1)) throw invalidInput(`ps[${i}]`, `must be within [0, 1], got ${p}`);
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.ceil(h);
    selectInPlace(a, lo, left, n - 1);
    left = lo;
    const x = a[lo] as number;
    let y = x;
    if (hi > lo) {
      // The next order statistic: the smallest of what selection left to the right of lo.
      y = a[lo + 1] as number;
      for (let k = lo + 2; k < n; k++) if ((a[k] as number) < y) y = a[k] as number;
    }
    out[i] = x + (h - lo) * (y - x);
  }
  return out;
}

/**
 * Rearranges a[left..right] so that a[k] holds its (k − left)-th smallest, with nothing greater
 * before it and nothing smaller after it: quickselect with Hoare partitioning around a
 * median-of-three pivot, O(n) on average. NaN-free input.
 *
 * @example
 * const a = Float64Array.of(5, 1, 4, 2, 3);
 * selectInPlace(a, 2, 0, 4); // a[2] === 3, a[0], a[1] ≤ 3 ≤ a[3], a[4]
 */
export function selectInPlace(a: Float64Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l) {
    const m = (l + r) >>> 1;
    const x0 = a[l] as number;
    const x1 = a[m] as number;
    const x2 = a[r] as number;
    const pivot = x0 < x1 ? (x1 < x2 ? x1 : x0 < x2 ? x2 : x0) : x0 < x2 ? x0 : x1 < x2 ? x2 : x1;
    let i = l;
    let j = r;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

/** Type-7 quantile of values already sorted ascending (no copy, no check of the order). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}
