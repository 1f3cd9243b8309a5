import { invalidInput } from "./errors.js";
import { isIsoDate } from "./price-table.js";
import {
  annualReturn,
  assertWealthReturns,
  type MaybeFigure,
  type PerformanceOptions,
} from "./performance.js";

/**
 * Drawdowns of compounded wealth `W_0 = 1`, `W_t = W_{t−1}·(1 + r_t)`, measured from the running
 * peak `max_{s≤t} W_s` (the starting wealth counts as a peak). Reported as **positive** loss
 * fractions: `1 − W_t / max_{s≤t} W_s` (0.25 = 25% below the peak).
 */

/**
 * Drawdown after each return, `d_t = 1 − W_t / max_{s≤t} W_s` with `W_0 = 1`, positive
 * fractions, one per return (length T). At least 1 return, none below −1.
 * @example drawdownSeries([0.1, -0.1, 0.1]) // [0, 0.09999999999999998, 0.009999999999999898]
 */
export function drawdownSeries(returns: readonly number[]): number[] {
  assertWealthReturns("returns", returns, 1);
  const out = new Array<number>(returns.length);
  let wealth = 1;
  let peak = 1;
  for (let t = 0; t < returns.length; t++) {
    wealth *= 1 + (returns[t] as number);
    if (wealth > peak) peak = wealth;
    out[t] = 1 - wealth / peak;
  }
  return out;
}

/**
 * Maximum drawdown `max_t (1 − W_t / max_{s≤t} W_s)`, `W_0 = 1`: the largest peak-to-trough loss
 * of compounded wealth, a **positive** fraction in [0, 1]. At least 1 return, none below −1.
 * (empyrical's `max_drawdown` reports the same figure with a negative sign.)
 * @example maxDrawdown([0.1, -0.1, 0.1]) // 0.09999999999999998
 */
export function maxDrawdown(returns: readonly number[]): number {
  assertWealthReturns("returns", returns, 1);
  let wealth = 1;
  let peak = 1;
  let worst = 0;
  for (let t = 0; t < returns.length; t++) {
    wealth *= 1 + (returns[t] as number);
    if (wealth > peak) peak = wealth;
    const d = 1 - wealth / peak;
    if (d > worst) worst = d;
  }
  return worst;
}

export interface DrawdownDetails {
  /** Maximum drawdown, a positive fraction (0 when wealth never fell below a previous peak). */
  readonly maxDrawdown: number;
  /**
   * Indices on the wealth path `W_0 … W_T` (0 = the start, `t + 1` = after `returns[t]`):
   * the last peak before the trough, the trough (first time the maximum is reached) and the
   * first point back at or above the peak (`null` if never). All `null` when maxDrawdown is 0.
   */
  readonly peakIndex: number | null;
  readonly troughIndex: number | null;
  readonly recoveryIndex: number | null;
  readonly peakDate: string | null;
  readonly troughDate: string | null;
  readonly recoveryDate: string | null;
  /** Calendar days from peak to recovery, or to the last date if not recovered; 0 if no drawdown. */
  readonly durationDays: number;
}

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

function dayNumber(date: string): number {
  if (!isIsoDate(date)) throw invalidInput("dates", `${date} is not a calendar date`);
  return Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(5, 7)) - 1,
    Number(date.slice(8, 10)),
  );
}

/**
 * Whole calendar days from ISO date `from` to ISO date `to` (UTC, so no daylight-saving skew).
 * @example calendarDaysBetween("2024-02-28", "2024-03-01") // 2
 */
export function calendarDaysBetween(from: string, to: string): number {
  return Math.round((dayNumber(to) - dayNumber(from)) / 86_400_000);
}

/**
 * The maximum drawdown with its dates. `dates` names each point of the wealth path, so it has
 * one more entry than `returns`: `dates[0]` is the date of the starting wealth (the first price),
 * `dates[t + 1]` the date `returns[t]` was earned up to; ISO `YYYY-MM-DD`, strictly increasing.
 * The peak is the most recent high before the trough; recovery is the first date wealth is back
 * at or above that peak; `durationDays` counts calendar days from peak to recovery (or to the
 * last date when not recovered).
 * @example drawdownDetails([0.1, -0.1, 0.2], ["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-08"])
 *   // { maxDrawdown: 0.09999999999999998, peakDate: "2024-01-02", troughDate: "2024-01-05",
 *   //   recoveryDate: "2024-01-08", durationDays: 6, peakIndex: 1, troughIndex: 2, recoveryIndex: 3 }
 */
export function drawdownDetails(
  returns: readonly number[],
  dates: readonly string[],
): DrawdownDetails {
  assertWealthReturns("returns", returns, 1);
  if (!Array.isArray(dates) || dates.length !== returns.length + 1) {
    throw invalidInput(
      "dates",
      `must name every wealth point: ${returns.length + 1} dates (the start, then one per return), got ${Array.isArray(dates) ? dates.length : "no array"}`,
    );
  }
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i] as string;
    if (typeof d !== "string" || !DATE_SHAPE.test(d)) {
      throw invalidInput(`dates[${i}]`, `must be an ISO date YYYY-MM-DD, got ${String(d)}`);
    }
    if (i > 0 && d <= (dates[i - 1] as string)) {
      throw invalidInput(`dates[${i}]`, `must be after ${dates[i - 1]}, got ${d}`);
    }
  }
  const wealth = new Float64Array(returns.length + 1);
  wealth[0] = 1;
  let peak = 1;
  let peakAt = 0;
  let worst = 0;
  let worstPeakAt = -1;
  let troughAt = -1;
  for (let t = 0; t < returns.length; t++) {
    const w = (wealth[t] as number) * (1 + (returns[t] as number));
    wealth[t + 1] = w;
    if (w >= peak) {
      peak = w;
      peakAt = t + 1;
    }
    const d = 1 - w / peak;
    if (d > worst) {
      worst = d;
      worstPeakAt = peakAt;
      troughAt = t + 1;
    }
  }
  if (troughAt < 0) {
    return {
      maxDrawdown: 0,
      peakIndex: null,
      troughIndex: null,
      recoveryIndex: null,
      peakDate: null,
      troughDate: null,
      recoveryDate: null,
      durationDays: 0,
    };
  }
  const peakWealth = wealth[worstPeakAt] as number;
  let recoveryAt: number | null = null;
  for (let i = troughAt + 1; i < wealth.length; i++) {
    if ((wealth[i] as number) >= peakWealth) {
      recoveryAt = i;
      break;
    }
  }
  const peakDate = dates[worstPeakAt] as string;
  const recoveryDate = recoveryAt === null ? null : (dates[recoveryAt] as string);
  return {
    maxDrawdown: worst,
    peakIndex: worstPeakAt,
    troughIndex: troughAt,
    recoveryIndex: recoveryAt,
    peakDate,
    troughDate: dates[troughAt] as string,
    recoveryDate,
    durationDays: calendarDaysBetween(
      peakDate,
      recoveryDate ?? (dates[dates.length - 1] as string),
    ),
  };
}

/**
 * Calmar ratio `CAGR / maxDrawdown` ({@link annualReturn} over {@link maxDrawdown}, both
 * fractions). `{ value: null, reason }` when the series has no drawdown (maxDrawdown = 0), where
 * the ratio is undefined. At least 1 return, none below −1.
 * @example calmarRatio([0.1, -0.1, 0.1], { periodsPerYear: 3 }) // { value: 0.8900000000000003 }
 */
export function calmarRatio(
  returns: readonly number[],
  options: PerformanceOptions = {},
): MaybeFigure {
  const cagr = annualReturn(returns, options);
  const mdd = maxDrawdown(returns);
  if (mdd === 0) {
    return {
      value: null,
      reason: "maxDrawdown is 0 (no drawdown), so the Calmar ratio is undefined",
    };
  }
  return { value: cagr / mdd };
}
