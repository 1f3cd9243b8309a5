import type { Bar } from "./types.js";

/**
 * The read-optimised copy of one symbol's bars that the SQL backends keep beside their row table.
 * Reading 1.26 M rows one by one costs ~1 µs each in better-sqlite3 and more in node-postgres;
 * one blob per symbol decodes in a tight loop instead (bench/market.bench.ts). The row table stays
 * the source of truth: the blob is rebuilt from it inside the same transaction as every put.
 *
 * Layout (little-endian): u32 count, u32 reserved, f64 closes[count], f64 volumes[count] (NaN =
 * no volume), i32 days[count] (days since 1970-01-01, ascending).
 */

const HEADER = 8;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of an ISO date. @example isoToDay("1970-01-02") // 1 */
export function isoToDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY);
}

/** ISO date of a day number, memoised in `memo` (a read touches few distinct dates many times). */
function dayToIso(day: number, memo: Map<number, string>): string {
  let iso = memo.get(day);
  if (iso === undefined) {
    iso = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    memo.set(day, iso);
  }
  return iso;
}

/** Packs rows (ascending by date) into the blob layout above. */
export function packRows(rows: readonly (readonly [string, number, number | null])[]): Buffer {
  const n = rows.length;
  const buffer = Buffer.alloc(HEADER + n * 20);
  buffer.writeUInt32LE(n, 0);
  const volumesAt = HEADER + n * 8;
  const daysAt = HEADER + n * 16;
  for (let i = 0; i < n; i++) {
    const [date, close, volume] = rows[i] as readonly [string, number, number | null];
    buffer.writeDoubleLE(close, HEADER + i * 8);
    buffer.writeDoubleLE(volume ?? Number.NaN, volumesAt + i * 8);
    buffer.writeInt32LE(isoToDay(date), daysAt + i * 4);
  }
  return buffer;
}

/** First index in `days[lo, hi)` with `days[i] >= day`. */
function lowerBound(days: Int32Array, day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((days[mid] as number) < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bars of a packed blob dated within [fromDay, toDay] (inclusive), ascending, `volume`
 * omitted where NaN. `memo` caches day → ISO strings across the symbols of one read.
 */
export function unpackBars(
  blob: Uint8Array,
  fromDay: number,
  toDay: number,
  memo: Map<number, string>,
): Bar[] {
  // Copy once into an 8-byte-aligned buffer so the columns can be viewed as typed arrays.
  const aligned = new Uint8Array(blob.byteLength);
  aligned.set(blob);
  const view = new DataView(aligned.buffer);
  const n = view.getUint32(0, true);
  const closes = new Float64Array(aligned.buffer, HEADER, n);
  const volumes = new Float64Array(aligned.buffer, HEADER + n * 8, n);
  const days = new Int32Array(aligned.buffer, HEADER + n * 16, n);
  const start = lowerBound(days, fromDay);
  const end = lowerBound(days, toDay + 1);
  const bars = new Array<Bar>(Math.max(0, end - start));
  for (let i = start; i < end; i++) {
    const date = dayToIso(days[i] as number, memo);
    const close = closes[i] as number;
    const volume = volumes[i] as number;
    bars[i - start] = Number.isNaN(volume) ? { date, close } : { date, close, volume };
  }
  return bars;
}
