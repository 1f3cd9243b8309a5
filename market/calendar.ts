/**
 * Day arithmetic on ISO dates without `Date` objects (hot path of the quality checks: millions
 * of bars). A day number counts days since 1970-01-01 (day 0, a Thursday). The trading calendar
 * used for staleness and gaps is weekdays (Monday–Friday); exchange holidays are handled by the
 * callers' tolerances, not by a holiday table.
 */

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * Days since 1970-01-01 of an ISO date `YYYY-MM-DD`, or `NaN` when `iso` is not a real date.
 * Civil-from-days inverse (H. Hinnant, "chrono-compatible low-level date algorithms").
 *
 * @example dayNumber("1970-01-01") // 0; dayNumber("2000-03-01") // 11017; dayNumber("2023-02-29") // NaN
 */
export function dayNumber(iso: string): number {
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return NaN;
  const d0 = digit(iso, 0);
  const d1 = digit(iso, 1);
  const d2 = digit(iso, 2);
  const d3 = digit(iso, 3);
  const m0 = digit(iso, 5);
  const m1 = digit(iso, 6);
  const a0 = digit(iso, 8);
  const a1 = digit(iso, 9);
  if ((d0 | d1 | d2 | d3 | m0 | m1 | a0 | a1) < 0) return NaN;
  let y = d0 * 1000 + d1 * 100 + d2 * 10 + d3;
  const m = m0 * 10 + m1;
  const d = a0 * 10 + a1;
  if (m < 1 || m > 12 || d < 1 || d > (DAYS_IN_MONTH[m - 1] as number)) return NaN;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (m === 2 && d === 29 && !leap) return NaN;
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** True when the day is Monday–Friday. @example isWeekday(dayNumber("2024-01-06")) // false (a Saturday) */
export function isWeekday(days: number): boolean {
  const w = (((days + 4) % 7) + 7) % 7; // 0 = Sunday
  return w !== 0 && w !== 6;
}

/** Weekdays on or before `days`, counted from the Monday 1970-01-05 (negative before it). */
function weekdaysThrough(days: number): number {
  const k = days - 4; // 1970-01-05 (day 4) is a Monday
  const weeks = Math.floor(k / 7);
  const rem = k - weeks * 7; // 0 = Monday … 6 = Sunday
  return weeks * 5 + Math.min(rem + 1, 5);
}

/**
 * Weekdays `d` with `from < d ≤ to` (0 when `to ≤ from`): how many trading days `to` is after
 * `from` on a weekday calendar.
 *
 * @example weekdaysAfter(dayNumber("2024-01-05"), dayNumber("2024-01-08")) // 1 (Fri → Mon)
 */
export function weekdaysAfter(from: number, to: number): number {
  return to <= from ? 0 : weekdaysThrough(to) - weekdaysThrough(from);
}
