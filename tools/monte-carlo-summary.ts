import { invalidInput, ToolError } from "./errors.js";
import { quantileSorted, quantilesOf, sum } from "./stats.js";

/** The statistics of a set of simulated paths (see {@link summarisePaths}). */
export interface MonteCarloSummary {
  /** Share of paths with terminal value `V_T < V₀` (fraction in [0, 1]). */
  readonly probabilityOfLoss: number;
  /** Terminal value `V_T` in the units of `initialValue`: mean and type-7 percentiles. */
  readonly terminalValue: {
    readonly mean: number;
    readonly p5: number;
    readonly p50: number;
    readonly p95: number;
  };
  /**
   * Expected shortfall at 95%: `value` = mean of the terminal values `≤ p5`; `lossFraction` =
   * `1 − value / V₀` (positive = loss, negative when even the worst 5% of paths gain).
   */
  readonly expectedShortfall: { readonly value: number; readonly lossFraction: number };
  /**
   * Maximum drawdown along each path, `max_t (1 − V_t / max_{s≤t} V_s)` with `V₀` counted as the
   * first peak, as a positive fraction: mean over paths and type-7 95th percentile.
   */
  readonly maxDrawdown: { readonly mean: number; readonly p95: number };
}

/**
 * Summarises per-path terminal values `V_T` and maximum drawdowns: probability of loss
 * `#{V_T < V₀} / paths` (strictly below); terminal mean (compensated sum) and type-7 (linear
 * interpolation, R / numpy default) percentiles p5, p50, p95 — the p5 is Steward's "Monte Carlo
 * downside terminal value"; 95% expected shortfall `mean{V_T ≤ p5}` and its loss fraction
 * `1 − ES / V₀`; drawdown mean and type-7 p95. A non-finite value (overflow) throws NUMERICAL
 * naming `expectedReturns`, so no NaN or Infinity reaches a report; no paths, or a drawdown count
 * that differs from the path count, throws INVALID_INPUT. With `terminalOrder` (path indices by
 * ascending terminal value, e.g. a path profile's order), the percentiles are read in that order
 * instead of selected — the same values; an order the terminal values do not follow is sorted.
 *
 * @example
 * // V₀ = 1, V_T = (0.8, 1, 1.1, 1.3, 1.5): one loss (1 is not below 1) → 0.2; mean 5.7/5 = 1.14;
 * // p5 at h = 4·0.05 = 0.2: 0.8 + 0.2·(1 − 0.8) = 0.84; only 0.8 ≤ 0.84, so ES = 0.8, loss 0.2.
 * summarisePaths(Float64Array.of(0.8, 1, 1.1, 1.3, 1.5), Float64Array.of(0.1, 0, 0.2, 0, 0), 1)
 *   .expectedShortfall // { value: 0.8, lossFraction: 0.19999999999999996 }
 */
export function summarisePaths(
  terminal: Float64Array,
  drawdowns: Float64Array,
  initialValue: number,
  terminalOrder?: Uint32Array,
): MonteCarloSummary {
  const paths = terminal.length;
  if (paths === 0) throw invalidInput("terminal", "must hold at least one path");
  if (drawdowns.length !== paths) {
    throw invalidInput(
      "drawdowns",
      `must have one value per path (${paths}), got ${drawdowns.length}`,
    );
  }
  let losses = 0;
  for (let p = 0; p < paths; p++) {
    const v = terminal[p] as number;
    if (!Number.isFinite(v) || !Number.isFinite(drawdowns[p] as number)) {
      throw new ToolError(
        "NUMERICAL",
        "expectedReturns",
        `simulated value overflowed on path ${p}; the drift or horizon is too large`,
      );
    }
    if (v < initialValue) losses++;
  }
  // Quantiles by selection (no sort) or in the given order; sums in path order (compensated).
  let p5: number, p50: number, p95: number;
  if (terminalOrder === undefined) {
    [p5, p50, p95] = quantilesOf(terminal, [0.05, 0.5, 0.95]) as [number, number, number];
  } else {
    const sorted = inOrder(terminal, terminalOrder);
    [p5, p50, p95] = [
      quantileSorted(sorted, 0.05),
      quantileSorted(sorted, 0.5),
      quantileSorted(sorted, 0.95),
    ];
  }
  const tail = new Float64Array(paths);
  let tailCount = 0;
  for (let p = 0; p < paths; p++) {
    const v = terminal[p] as number;
    if (v <= p5) tail[tailCount++] = v;
  }
  const esValue = sum(tail.subarray(0, tailCount)) / tailCount;
  const [ddP95] = quantilesOf(drawdowns, [0.95]) as [number];
  return {
    probabilityOfLoss: losses / paths,
    terminalValue: { mean: sum(terminal) / paths, p5, p50, p95 },
    expectedShortfall: { value: esValue, lossFraction: 1 - esValue / initialValue },
    maxDrawdown: { mean: sum(drawdowns) / paths, p95: ddP95 },
  };
}

/** `values` permuted by `order` (one index per value), sorted outright where it is not ascending. */
function inOrder(values: Float64Array, order: Uint32Array): Float64Array {
  if (order.length !== values.length) {
    throw invalidInput("terminalOrder", `must have one index per path (${values.length})`);
  }
  const out = new Float64Array(values.length);
  const seen = new Uint8Array(values.length);
  let ascending = true;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    const v = values[i];
    if (v === undefined || seen[i] === 1) {
      throw invalidInput("terminalOrder", `must list every path once (index ${i} at ${k})`);
    }
    seen[i] = 1;
    out[k] = v;
    if (k > 0 && v < (out[k - 1] as number)) ascending = false;
  }
  return ascending ? out : out.sort();
}
