import { selectInPlace } from "../tools/stats.js";
import { dayNumber, isWeekday, weekdaysAfter } from "./calendar.js";
import { latestOnOrBefore } from "./fx.js";
import { MarketDataError, type Bar, type Instrument } from "./types.js";
import { isCurrencyCode } from "./window.js";

/**
 * Data-quality findings on daily bar series (issue 4 §3). Each finding carries a code, a severity
 * from the policy (the Data agent fails closed on `blocking`), the symbol, a readable message
 * and the numbers behind it. The trading calendar is weekdays (Mon–Fri); exchange holidays are
 * absorbed by tolerances, see {@link QualityThresholds}.
 */

export const QUALITY_CODES = [
  "CURRENCY_MISMATCH",
  "GAP",
  "NON_POSITIVE_PRICE",
  "NO_DATA",
  "OUTLIER_JUMP",
  "PROBABLE_SPLIT",
  "SHORT_HISTORY",
  "STALE_PRICE",
] as const;
export type QualityCode = (typeof QUALITY_CODES)[number];
export type Severity = "warning" | "blocking";

export interface QualityFinding {
  readonly code: QualityCode;
  readonly severity: Severity;
  readonly symbol: string;
  readonly message: string;
  /** The numbers and dates behind the finding; `date` (when present) orders findings. */
  readonly context: Readonly<Record<string, number | string>>;
}

/** A split (or reverse split) as the one-day price factor it causes: 2:1 → ×1/2, 1:10 → ×10. */
export interface SplitRatio {
  readonly label: string;
  readonly priceFactor: number;
}

export interface QualityThresholds {
  /**
   * STALE_PRICE when the last bar is more than this many weekdays before `asOf` (weekdays `d`
   * with `last < d ≤ asOf`). 3 allows a holiday plus a feed that has not yet delivered today.
   */
  readonly staleAfterWeekdays: number;
  /**
   * GAP when more than this many consecutive expected days are missing between two bars.
   * Expected days are weekdays; when the input has two or more series, a weekday on which no
   * series has a bar is treated as a market closure and not expected. US exchanges close at most
   * 2 consecutive weekdays for holidays (e.g. 2007-01-01/02), so 2 tolerates them even for a
   * single series; the 4-day closure after 2001-09-11 shows as a GAP warning for a lone series.
   */
  readonly gapToleranceWeekdays: number;
  /** OUTLIER_JUMP when `|ln(p_t / p_{t−1})| > k · σ`, σ = 1.4826 · MAD of the series' log returns. */
  readonly outlierSigmas: number;
  /** Fewer log returns than this: no outlier test (σ would not be robust). */
  readonly outlierMinReturns: number;
  /** PROBABLE_SPLIT when `|ratio / priceFactor − 1| < splitTolerance` (relative). */
  readonly splitTolerance: number;
  readonly splitRatios: readonly SplitRatio[];
}

export interface QualityPolicy {
  readonly severity: Readonly<Record<QualityCode, Severity>>;
  readonly thresholds: QualityThresholds;
}

export const DEFAULT_QUALITY_SEVERITY: Readonly<Record<QualityCode, Severity>> = Object.freeze({
  CURRENCY_MISMATCH: "blocking",
  GAP: "warning",
  NO_DATA: "blocking",
  NON_POSITIVE_PRICE: "blocking",
  OUTLIER_JUMP: "warning",
  PROBABLE_SPLIT: "blocking",
  SHORT_HISTORY: "warning",
  STALE_PRICE: "blocking",
});

/** Forward splits k:1 (price × 1/k) and reverse splits 1:k (price × k) seen in practice. */
export const COMMON_SPLIT_RATIOS: readonly SplitRatio[] = Object.freeze(
  [
    ...(
      [
        ["3:2", 3 / 2],
        ["2:1", 2],
        ["3:1", 3],
        ["4:1", 4],
        ["5:1", 5],
        ["7:1", 7],
        ["8:1", 8],
        ["10:1", 10],
        ["20:1", 20],
      ] as const
    ).map(([label, k]) => ({ label, priceFactor: 1 / k })),
    ...([2, 3, 4, 5, 8, 10, 20] as const).map((k) => ({ label: `1:${k}`, priceFactor: k })),
  ].map((r) => Object.freeze(r)),
);

export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = Object.freeze({
  staleAfterWeekdays: 3,
  gapToleranceWeekdays: 2,
  outlierSigmas: 10,
  outlierMinReturns: 20,
  splitTolerance: 0.02,
  splitRatios: COMMON_SPLIT_RATIOS,
});

export const DEFAULT_QUALITY_POLICY: QualityPolicy = Object.freeze({
  severity: DEFAULT_QUALITY_SEVERITY,
  thresholds: DEFAULT_QUALITY_THRESHOLDS,
});

export interface QualityInput {
  /** Per symbol, bars ascending by date, none after `asOf`. */
  readonly series: Readonly<Record<string, readonly Bar[]>>;
  /** Reference data for every symbol in `series` (its currency is checked against the base). */
  readonly instruments: Readonly<Record<string, Instrument>>;
  readonly asOf: string;
  /** Observations the caller needs (e.g. a 252-day lookback): fewer bars is SHORT_HISTORY. */
  readonly lookbackDays?: number;
  /** The portfolio's base currency. Default USD. */
  readonly baseCurrency?: string;
  /** FX series available (units of base per unit of each currency), e.g. `FxResult.rates`. */
  readonly fx?: Readonly<Record<string, readonly Bar[]>>;
  /** Overrides of the default policy (severities and thresholds, key by key). */
  readonly policy?: {
    readonly severity?: Partial<Record<QualityCode, Severity>>;
    readonly thresholds?: Partial<QualityThresholds>;
  };
}

const MAD_TO_SIGMA = 1.4826;

function invalid(field: string, message: string): MarketDataError {
  return new MarketDataError("INVALID_REQUEST", `${field}: ${message}`, field);
}

function resolvePolicy(policy: QualityInput["policy"]): QualityPolicy {
  const severity = { ...DEFAULT_QUALITY_SEVERITY, ...policy?.severity };
  for (const code of QUALITY_CODES) {
    const s = severity[code];
    if (s !== "warning" && s !== "blocking") {
      throw invalid(`policy.severity.${code}`, `must be "warning" or "blocking", got ${String(s)}`);
    }
  }
  const t = { ...DEFAULT_QUALITY_THRESHOLDS, ...policy?.thresholds };
  const nonNegInt = (name: keyof QualityThresholds, v: number): void => {
    if (!Number.isInteger(v) || v < 0)
      throw invalid(`policy.thresholds.${name}`, `must be an integer ≥ 0, got ${v}`);
  };
  nonNegInt("staleAfterWeekdays", t.staleAfterWeekdays);
  nonNegInt("gapToleranceWeekdays", t.gapToleranceWeekdays);
  nonNegInt("outlierMinReturns", t.outlierMinReturns);
  if (!(Number.isFinite(t.outlierSigmas) && t.outlierSigmas > 0)) {
    throw invalid("policy.thresholds.outlierSigmas", `must be > 0, got ${t.outlierSigmas}`);
  }
  if (!(Number.isFinite(t.splitTolerance) && t.splitTolerance > 0 && t.splitTolerance < 0.5)) {
    throw invalid(
      "policy.thresholds.splitTolerance",
      `must be in (0, 0.5), got ${t.splitTolerance}`,
    );
  }
  t.splitRatios.forEach((r, i) => {
    if (!(Number.isFinite(r.priceFactor) && r.priceFactor > 0 && r.priceFactor !== 1)) {
      throw invalid(
        `policy.thresholds.splitRatios[${i}]`,
        `priceFactor must be positive and ≠ 1, got ${r.priceFactor}`,
      );
    }
  });
  return { severity, thresholds: t };
}

/** Median of `a[0..n)` (mean of the two middle values when n is even); rearranges `a`. */
function medianInPlace(a: Float64Array, n: number): number {
  const k = n >> 1;
  selectInPlace(a, k, 0, n - 1);
  const upper = a[k] as number;
  if (n % 2 === 1) return upper;
  let lower = -Infinity;
  for (let i = 0; i < k; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/** Robust σ of `r[0..n)`: 1.4826 · MAD, falling back to the sample std when MAD is 0. */
function robustSigma(r: Float64Array, n: number): number {
  const work = new Float64Array(n);
  work.set(r.subarray(0, n));
  const med = medianInPlace(work, n);
  for (let i = 0; i < n; i++) work[i] = Math.abs((r[i] as number) - med);
  const mad = medianInPlace(work, n);
  if (mad > 0) return MAD_TO_SIGMA * mad;
  let s = 0;
  for (let i = 0; i < n; i++) s += r[i] as number;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((r[i] as number) - mean) ** 2;
  return n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
}

interface Ctx {
  readonly policy: QualityPolicy;
  readonly asOf: string;
  readonly asOfDay: number;
  /** Day numbers (offset by `openStart`) on which some series has a bar; null with one series. */
  readonly open: Uint8Array | null;
  readonly openStart: number;
  readonly out: QualityFinding[];
}

function push(
  ctx: Ctx,
  code: QualityCode,
  symbol: string,
  message: string,
  context: Record<string, number | string>,
): void {
  ctx.out.push({ code, severity: ctx.policy.severity[code], symbol, message, context });
}

/** Parses and checks the dates of one series; returns their day numbers. */
function seriesDays(
  symbol: string,
  bars: readonly Bar[],
  asOfDay: number,
  asOf: string,
): Int32Array {
  const days = new Int32Array(bars.length);
  let prev = -Infinity;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i] as Bar;
    const d = dayNumber(bar.date);
    if (Number.isNaN(d))
      throw invalid(
        `series.${symbol}[${i}].date`,
        `must be YYYY-MM-DD, got ${JSON.stringify(bar.date)}`,
      );
    if (d <= prev)
      throw invalid(
        `series.${symbol}[${i}].date`,
        `${bar.date} is not after the previous bar; bars must be strictly ascending`,
      );
    if (d > asOfDay)
      throw invalid(
        `series.${symbol}[${i}].date`,
        `${bar.date} is after asOf ${asOf} (point-in-time)`,
      );
    days[i] = d;
    prev = d;
  }
  return days;
}

function missingExpectedDays(ctx: Ctx, from: number, to: number): number {
  const naive = weekdaysAfter(from, to) - (isWeekday(to) ? 1 : 0);
  if (ctx.open === null || naive <= ctx.policy.thresholds.gapToleranceWeekdays) return naive;
  let n = 0;
  for (let d = from + 1; d < to; d++) if (isWeekday(d) && ctx.open[d - ctx.openStart] === 1) n++;
  return n;
}

function checkSeries(
  ctx: Ctx,
  symbol: string,
  bars: readonly Bar[],
  days: Int32Array,
  lookback: number | undefined,
): void {
  const t = ctx.policy.thresholds;
  const n = bars.length;
  if (n === 0) {
    push(ctx, "NO_DATA", symbol, `${symbol}: no bars in the window up to ${ctx.asOf}`, {
      asOf: ctx.asOf,
    });
    return;
  }

  // Non-positive (or non-finite) closes: one finding per symbol, counted.
  let bad = 0;
  let firstBad = -1;
  let lastBad = -1;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const c = (bars[i] as Bar).close;
    if (Number.isFinite(c) && c > 0) good++;
    else {
      bad++;
      if (firstBad < 0) firstBad = i;
      lastBad = i;
    }
  }
  if (bad > 0) {
    const first = bars[firstBad] as Bar;
    push(
      ctx,
      "NON_POSITIVE_PRICE",
      symbol,
      `${symbol}: ${bad} close(s) not positive and finite, first ${first.date} (${first.close})`,
      {
        date: first.date,
        lastDate: (bars[lastBad] as Bar).date,
        count: bad,
      },
    );
  }

  const last = bars[n - 1] as Bar;
  const stale = weekdaysAfter(days[n - 1] as number, ctx.asOfDay);
  if (stale > t.staleAfterWeekdays) {
    push(
      ctx,
      "STALE_PRICE",
      symbol,
      `${symbol}: last price ${last.date} is ${stale} weekdays before as-of ${ctx.asOf} (limit ${t.staleAfterWeekdays})`,
      {
        date: last.date,
        asOf: ctx.asOf,
        staleWeekdays: stale,
        limit: t.staleAfterWeekdays,
      },
    );
  }

  if (lookback !== undefined && good < lookback) {
    push(
      ctx,
      "SHORT_HISTORY",
      symbol,
      `${symbol}: ${good} observations, the lookback needs ${lookback}`,
      {
        date: (bars[0] as Bar).date,
        observations: good,
        lookbackDays: lookback,
      },
    );
  }

  for (let i = 1; i < n; i++) {
    const a = days[i - 1] as number;
    const b = days[i] as number;
    if (b - a <= 1) continue;
    const missing = missingExpectedDays(ctx, a, b);
    if (missing > t.gapToleranceWeekdays) {
      push(
        ctx,
        "GAP",
        symbol,
        `${symbol}: ${missing} trading days missing between ${(bars[i - 1] as Bar).date} and ${(bars[i] as Bar).date} (tolerance ${t.gapToleranceWeekdays})`,
        {
          date: (bars[i - 1] as Bar).date,
          nextDate: (bars[i] as Bar).date,
          missingDays: missing,
          tolerance: t.gapToleranceWeekdays,
        },
      );
    }
  }

  // Log returns between consecutive valid closes (a bad close breaks the chain on both sides).
  const r = new Float64Array(n);
  const at = new Int32Array(n); // index of the bar ending each return
  let m = 0;
  for (let i = 1; i < n; i++) {
    const p0 = (bars[i - 1] as Bar).close;
    const p1 = (bars[i] as Bar).close;
    if (Number.isFinite(p0) && p0 > 0 && Number.isFinite(p1) && p1 > 0) {
      r[m] = Math.log(p1 / p0);
      at[m] = i;
      m++;
    }
  }
  if (m === 0) return;

  const gate =
    Math.min(...t.splitRatios.map((s) => Math.abs(Math.log(s.priceFactor)))) +
    Math.log(1 - t.splitTolerance);
  const splitAt = new Set<number>();
  for (let k = 0; k < m; k++) {
    const lr = r[k] as number;
    if (Math.abs(lr) < gate) continue;
    const i = at[k] as number;
    const prev = bars[i - 1] as Bar;
    const bar = bars[i] as Bar;
    const ratio = bar.close / prev.close;
    const match = t.splitRatios.find((s) => Math.abs(ratio / s.priceFactor - 1) < t.splitTolerance);
    if (match === undefined) continue;
    // A bad tick reverts: the next close undoes more than half of the move (in log terms), or
    // this move undoes more than half of the previous one (it is the bad tick's recovery).
    const next = bars[i + 1];
    if (next !== undefined && Number.isFinite(next.close) && next.close > 0) {
      if (Math.abs(Math.log(next.close / prev.close)) < Math.abs(lr) / 2) continue;
    }
    const before = bars[i - 2];
    if (before !== undefined && Number.isFinite(before.close) && before.close > 0) {
      if (Math.abs(Math.log(bar.close / before.close)) < Math.abs(lr) / 2) continue;
    }
    splitAt.add(k);
    push(
      ctx,
      "PROBABLE_SPLIT",
      symbol,
      `${symbol}: close moved ×${ratio.toFixed(4)} from ${prev.date} to ${bar.date}, close to a ${match.label} split (×${match.priceFactor.toFixed(4)}) and not reversed; prices look unadjusted`,
      {
        date: bar.date,
        previousDate: prev.date,
        ratio,
        split: match.label,
        priceFactor: match.priceFactor,
      },
    );
  }

  if (m < t.outlierMinReturns) return;
  const sigma = robustSigma(r, m);
  if (!(sigma > 0)) return;
  const limit = t.outlierSigmas * sigma;
  for (let k = 0; k < m; k++) {
    const lr = r[k] as number;
    if (Math.abs(lr) <= limit || splitAt.has(k)) continue;
    const i = at[k] as number;
    const bar = bars[i] as Bar;
    push(
      ctx,
      "OUTLIER_JUMP",
      symbol,
      `${symbol}: log return ${lr.toFixed(4)} on ${bar.date} is ${(Math.abs(lr) / sigma).toFixed(1)}σ (limit ${t.outlierSigmas}σ, σ = 1.4826·MAD = ${sigma.toFixed(5)})`,
      {
        date: bar.date,
        previousDate: (bars[i - 1] as Bar).date,
        logReturn: lr,
        sigma,
        sigmas: Math.abs(lr) / sigma,
      },
    );
  }
}

function compareFindings(a: QualityFinding, b: QualityFinding): number {
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  const da = String(a.context.date ?? "");
  const db = String(b.context.date ?? "");
  return da < db ? -1 : da > db ? 1 : 0;
}

/**
 * Quality findings for a set of series as of a date, sorted by symbol, then code, then date
 * (code-unit order, deterministic). Codes:
 *
 * - `NO_DATA` — no bars in the window (other series checks skipped).
 * - `NON_POSITIVE_PRICE` — closes ≤ 0 or not finite; one finding per symbol with the count.
 * - `STALE_PRICE` — weekdays after the last bar up to `asOf` > `staleAfterWeekdays`.
 * - `SHORT_HISTORY` — valid closes < `lookbackDays` (only when `lookbackDays` is given).
 * - `GAP` — more than `gapToleranceWeekdays` expected days missing between two bars.
 * - `PROBABLE_SPLIT` — one-day ratio `p_t/p_{t−1}` within `splitTolerance` (relative) of a
 *   split's price factor, not reversed: neither does the next close undo more than half the move
 *   (`|ln(p_{t+1}/p_{t−1})| < |ln(p_t/p_{t−1})| / 2`) nor does the move undo more than half of
 *   the previous one (`|ln(p_t/p_{t−2})| < …`, the recovery from a bad tick).
 * - `OUTLIER_JUMP` — `|ln(p_t/p_{t−1})| > k·σ`, σ = 1.4826·median(|r − median(r)|) over the
 *   series' log returns in the window (falls back to the sample std, ddof 1, when the MAD is 0);
 *   needs `outlierMinReturns` returns; a move already reported as PROBABLE_SPLIT is not repeated.
 * - `CURRENCY_MISMATCH` — instrument currency ≠ base and no FX rate for it on or before `asOf`,
 *   or the latest one is older than `staleAfterWeekdays`.
 *
 * Throws `MarketDataError("INVALID_REQUEST")` naming the field for a bad date, bars out of order
 * or after `asOf`, a symbol without reference data, or a bad policy. O(n log n) per series.
 *
 * @example checkQuality({ series: { A: [] }, instruments: { A: usdEquity }, asOf: "2024-01-05" }).map((f) => f.code) // ["NO_DATA"]
 */
export function checkQuality(input: QualityInput): QualityFinding[] {
  const policy = resolvePolicy(input.policy);
  const asOfDay = dayNumber(input.asOf);
  if (Number.isNaN(asOfDay))
    throw invalid("asOf", `must be YYYY-MM-DD, got ${JSON.stringify(input.asOf)}`);
  const base = input.baseCurrency ?? "USD";
  if (!isCurrencyCode(base))
    throw invalid("baseCurrency", `invalid currency ${JSON.stringify(base)}`);
  const lookback = input.lookbackDays;
  if (lookback !== undefined && (!Number.isInteger(lookback) || lookback < 1)) {
    throw invalid("lookbackDays", `must be an integer ≥ 1, got ${lookback}`);
  }

  const symbols = Object.keys(input.series);
  const daysOf = new Map<string, Int32Array>();
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (const symbol of symbols) {
    if (input.instruments[symbol] === undefined)
      throw invalid(`instruments.${symbol}`, "missing reference data");
    const days = seriesDays(symbol, input.series[symbol] as readonly Bar[], asOfDay, input.asOf);
    daysOf.set(symbol, days);
    if (days.length > 0) {
      minDay = Math.min(minDay, days[0] as number);
      maxDay = Math.max(maxDay, days[days.length - 1] as number);
    }
  }
  let open: Uint8Array | null = null;
  const openStart = Number.isFinite(minDay) ? minDay : 0;
  if (symbols.length > 1 && Number.isFinite(minDay)) {
    open = new Uint8Array(maxDay - minDay + 1);
    for (const days of daysOf.values())
      for (let i = 0; i < days.length; i++) open[(days[i] as number) - minDay] = 1;
  }
  const ctx: Ctx = { policy, asOf: input.asOf, asOfDay, open, openStart, out: [] };

  for (const symbol of symbols) {
    checkSeries(
      ctx,
      symbol,
      input.series[symbol] as readonly Bar[],
      daysOf.get(symbol) as Int32Array,
      lookback,
    );
    const currency = (input.instruments[symbol] as Instrument).currency;
    if (currency !== base) {
      const rate = latestOnOrBefore(input.fx?.[currency] ?? [], input.asOf);
      const limit = policy.thresholds.staleAfterWeekdays;
      if (rate === undefined || rate.staleWeekdays > limit) {
        push(
          ctx,
          "CURRENCY_MISMATCH",
          symbol,
          rate === undefined
            ? `${symbol}: priced in ${currency}, base is ${base}, and no ${currency}→${base} rate on or before ${input.asOf}`
            : `${symbol}: priced in ${currency}, base is ${base}; the latest ${currency}→${base} rate is from ${rate.date}, ${rate.staleWeekdays} weekdays before ${input.asOf} (limit ${limit})`,
          {
            currency,
            base,
            ...(rate === undefined
              ? {}
              : { rateDate: rate.date, staleWeekdays: rate.staleWeekdays }),
          },
        );
      }
    }
  }
  return ctx.out.sort(compareFindings);
}
