import { insufficientData, invalidInput } from "./errors.js";
import { resolvePerformanceOptions, type PerformanceOptions } from "./performance.js";
import { assertSeries } from "./validate.js";

/** Mean and sum of squared deviations of `returns[from … from + n − 1]`, two passes. */
function windowMoments(returns: readonly number[], from: number, n: number): [number, number] {
  let s = 0;
  for (let i = from; i < from + n; i++) s += returns[i] as number;
  const m = s / n;
  let m2 = 0;
  let c = 0;
  for (let i = from; i < from + n; i++) {
    const d = (returns[i] as number) - m;
    m2 += d * d;
    c += d;
  }
  // Corrected two-pass algorithm (Chan, Golub & LeVeque): removes the rounding error of the mean.
  return [m, m2 - (c * c) / n];
}

/**
 * Rolling annualised volatility: for each window of `window` consecutive returns,
 * `std(r) · √P` with the sample standard deviation (ddof = 1). Output `k` covers
 * `returns[k … k + window − 1]`, so the result has `T − window + 1` entries, each a fraction.
 * Windows slide by Welford's add/remove update and are recomputed exactly every `window` steps,
 * so rounding never accumulates beyond one window.
 * `window` must be an integer ≥ 2 and ≤ T.
 * @example rollingVolatility([0.01, 0.03, 0.01], 2, { periodsPerYear: 4 })
 *   // [0.0282842712474619, 0.0282842712474619]
 */
export function rollingVolatility(
  returns: readonly number[],
  window: number,
  options: PerformanceOptions = {},
): number[] {
  const { periodsPerYear } = resolvePerformanceOptions(options);
  if (!Number.isInteger(window) || window < 2) {
    throw invalidInput("window", `must be an integer of at least 2, got ${String(window)}`);
  }
  assertSeries("returns", returns, 2);
  if (window > returns.length) {
    throw insufficientData(
      "returns",
      `has ${returns.length} returns, fewer than the window of ${window}`,
    );
  }
  const count = returns.length - window + 1;
  const out = new Array<number>(count);
  const scale = periodsPerYear / (window - 1);
  let [m, m2] = windowMoments(returns, 0, window);
  out[0] = Math.sqrt(Math.max(m2, 0) * scale);
  for (let k = 1; k < count; k++) {
    if (k % window === 0) {
      [m, m2] = windowMoments(returns, k, window);
    } else {
      const incoming = returns[k + window - 1] as number;
      const outgoing = returns[k - 1] as number;
      const next = m + (incoming - outgoing) / window;
      m2 += (incoming - outgoing) * (incoming - next + outgoing - m);
      m = next;
    }
    out[k] = Math.sqrt(Math.max(m2, 0) * scale);
  }
  return out;
}
