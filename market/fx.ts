import { isIsoDate } from "../tools/price-table.js";
import { dayNumber, weekdaysAfter } from "./calendar.js";
import { MarketDataError, type Bar } from "./types.js";
import { isCurrencyCode } from "./window.js";

/**
 * Multi-currency valuation: a holding worth `localValue` units of its currency C is worth
 * `localValue × rate` in the base currency B, where `rate` is the latest FX bar for C dated on
 * or before `asOf` (units of B per one unit of C, as `FxResult.rates` carries them). The base
 * itself converts at exactly 1 without looking anything up.
 */

/** A rate picked for valuation: when it was observed and how old it is on the as-of date. */
export interface RateAsOf {
  readonly rate: number;
  readonly date: string;
  /** Weekdays after `date` up to and including `asOf` (0 = observed on a weekday as-of itself or the Friday before a weekend as-of). */
  readonly staleWeekdays: number;
}

/**
 * The latest bar dated on or before `asOf` in an ascending series (binary search), with its age in
 * weekdays; `undefined` when every bar is after `asOf` or there are none.
 *
 * @example latestOnOrBefore([{ date: "2024-01-02", close: 1.09 }, { date: "2024-01-04", close: 1.1 }], "2024-01-03") // { rate: 1.09, date: "2024-01-02", staleWeekdays: 1 }
 */
export function latestOnOrBefore(bars: readonly Bar[], asOf: string): RateAsOf | undefined {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((bars[mid] as Bar).date <= asOf) lo = mid + 1;
    else hi = mid;
  }
  const bar = bars[lo - 1];
  if (bar === undefined) return undefined;
  return {
    rate: bar.close,
    date: bar.date,
    staleWeekdays: weekdaysAfter(dayNumber(bar.date), dayNumber(asOf)),
  };
}

/** One holding to value: its market value in its own currency. */
export interface LocalPosition {
  /** Any identifier the caller uses (symbol, account line). */
  readonly id: string;
  readonly currency: string;
  /** Market value in `currency` (quantity × price); may be negative (a short or a liability). */
  readonly localValue: number;
}

export type FxFindingCode = "FX_MISSING" | "FX_STALE";

/** Why a position could not be valued (missing) or was valued at an old rate (stale). */
export interface FxFinding {
  readonly code: FxFindingCode;
  readonly severity: "warning" | "blocking";
  readonly id: string;
  readonly currency: string;
  readonly message: string;
  readonly context: Readonly<Record<string, number | string>>;
}

export interface ValuedPosition extends LocalPosition {
  /** Units of base per unit of `currency` (1 for the base); null when no rate was found. */
  readonly rate: number | null;
  /** Date of the rate used (`asOf` for the base); null when none. */
  readonly rateDate: string | null;
  /** `localValue × rate` in the base currency; null when no rate was found. */
  readonly baseValue: number | null;
}

export interface Valuation {
  readonly base: string;
  readonly asOf: string;
  readonly positions: readonly ValuedPosition[];
  /** Σ baseValue; null (see `totalReason`) when any position could not be valued. */
  readonly total: number | null;
  readonly totalReason: string | null;
  /** Ordered by position order, then code. */
  readonly findings: readonly FxFinding[];
}

/** Default: a rate more than 3 weekdays older than `asOf` is stale (one holiday plus a late feed). */
export const DEFAULT_FX_MAX_STALE_WEEKDAYS = 3;

export interface ValuationInput {
  readonly base: string;
  readonly asOf: string;
  readonly positions: readonly LocalPosition[];
  /** Per currency: bars of units of `base` per unit, ascending (an `FxResult.rates`). */
  readonly rates: Readonly<Record<string, readonly Bar[]>>;
  /** Older than this many weekdays before `asOf` is `FX_STALE`. Default 3. */
  readonly maxStaleWeekdays?: number;
  /** Severity of a stale rate (the value is still computed). Default `blocking`. */
  readonly staleSeverity?: "warning" | "blocking";
}

function invalid(field: string, message: string): MarketDataError {
  return new MarketDataError("INVALID_REQUEST", `${field}: ${message}`, field);
}

/**
 * Values positions in the base currency: `baseValue = localValue × rate`, rate = the latest FX bar
 * on or before `asOf` (see {@link latestOnOrBefore}); `total = Σ baseValue` (plain left-to-right
 * sum in the positions' order). A currency with no rate on or before `asOf` gives `FX_MISSING`
 * (blocking; that position's value and the total are null, with a reason). A rate older than
 * `maxStaleWeekdays` weekdays gives `FX_STALE` (default blocking) and is still used. A rate that
 * is not positive and finite is an error naming `rates.C[i]`.
 *
 * @example valueInBase({ base: "USD", asOf: "2024-01-05", positions: [{ id: "SAP", currency: "EUR", localValue: 15000 }], rates: { EUR: [{ date: "2024-01-05", close: 1.08 }] } }).total // 16200
 */
export function valueInBase(input: ValuationInput): Valuation {
  const { base, asOf, positions, rates } = input;
  if (!isCurrencyCode(base)) throw invalid("base", `invalid currency ${JSON.stringify(base)}`);
  if (!isIsoDate(asOf)) throw invalid("asOf", `must be YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  const maxStale = input.maxStaleWeekdays ?? DEFAULT_FX_MAX_STALE_WEEKDAYS;
  if (!Number.isInteger(maxStale) || maxStale < 0) {
    throw invalid("maxStaleWeekdays", `must be an integer ≥ 0, got ${maxStale}`);
  }
  for (const [currency, bars] of Object.entries(rates)) {
    bars.forEach((bar, i) => {
      if (!(Number.isFinite(bar.close) && bar.close > 0)) {
        throw invalid(
          `rates.${currency}[${i}]`,
          `rate must be positive and finite, got ${bar.close}`,
        );
      }
      if (i > 0 && bar.date <= (bars[i - 1] as Bar).date) {
        throw invalid(`rates.${currency}[${i}]`, `dates must be strictly ascending (${bar.date})`);
      }
    });
  }

  const valued: ValuedPosition[] = [];
  const findings: FxFinding[] = [];
  let total = 0;
  let missing = 0;
  positions.forEach((p, i) => {
    if (!isCurrencyCode(p.currency)) {
      throw invalid(`positions[${i}].currency`, `invalid currency ${JSON.stringify(p.currency)}`);
    }
    if (!Number.isFinite(p.localValue)) {
      throw invalid(`positions[${i}].localValue`, `must be finite, got ${p.localValue}`);
    }
    if (p.currency === base) {
      valued.push({ ...p, rate: 1, rateDate: asOf, baseValue: p.localValue });
      total += p.localValue;
      return;
    }
    const found = latestOnOrBefore(rates[p.currency] ?? [], asOf);
    if (found === undefined) {
      missing++;
      valued.push({ ...p, rate: null, rateDate: null, baseValue: null });
      findings.push({
        code: "FX_MISSING",
        severity: "blocking",
        id: p.id,
        currency: p.currency,
        message: `${p.id}: no ${p.currency}→${base} rate on or before ${asOf}`,
        context: { currency: p.currency, base, asOf },
      });
      return;
    }
    const baseValue = p.localValue * found.rate;
    valued.push({ ...p, rate: found.rate, rateDate: found.date, baseValue });
    total += baseValue;
    if (found.staleWeekdays > maxStale) {
      findings.push({
        code: "FX_STALE",
        severity: input.staleSeverity ?? "blocking",
        id: p.id,
        currency: p.currency,
        message: `${p.id}: latest ${p.currency}→${base} rate is from ${found.date}, ${found.staleWeekdays} weekdays before ${asOf} (limit ${maxStale})`,
        context: {
          currency: p.currency,
          base,
          rateDate: found.date,
          staleWeekdays: found.staleWeekdays,
          maxStaleWeekdays: maxStale,
        },
      });
    }
  });
  return {
    base,
    asOf,
    positions: valued,
    total: missing === 0 ? total : null,
    totalReason:
      missing === 0 ? null : `${missing} position(s) have no ${base} rate on or before ${asOf}`,
    findings,
  };
}
