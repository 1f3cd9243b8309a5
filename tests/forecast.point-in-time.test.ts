import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { forecast, type ForecastOptions, type ForecastReport } from "../tools/forecast-ensemble.js";
import { parsePriceCsv, type PriceTable } from "../tools/price-table.js";

// The point-in-time property: a forecast as of D reads only prices dated ≤ D, so nothing dated
// after D — appended rows, changed prices, deleted prices — can change it (deep equality).

const here = path.dirname(fileURLToPath(import.meta.url));
const equities = parsePriceCsv(
  readFileSync(path.join(here, "fixtures/datasets/us-equities-20.csv"), "utf8"),
);

/** Consecutive calendar days from 2001-01-01 (weekends included; only the order matters). */
function calendar(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(2001, 0, 1 + from + i)).toISOString().slice(0, 10),
  );
}

/** Every path in a JSON value holding NaN, ±Infinity or undefined. */
function badNumbers(value: unknown, at = "$"): string[] {
  if (value === undefined) return [at];
  if (typeof value === "number") return Number.isFinite(value) ? [] : [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => badNumbers(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => badNumbers(v, `${at}.${k}`));
  }
  return [];
}

/** A column from daily log returns; leading nulls until `start`, and nulls where `gap` says. */
function column(
  returns: readonly number[],
  start: number,
  gaps: readonly boolean[],
): (number | null)[] {
  let price = 100;
  return returns.map((r, t) => {
    price *= Math.exp(r);
    return t < start || (gaps[t] ?? false) ? null : price;
  });
}

const assetArb = (length: number) =>
  fc.record({
    returns: fc.array(fc.double({ min: -0.06, max: 0.06, noNaN: true }), {
      minLength: length,
      maxLength: length,
    }),
    start: fc.integer({ min: 0, max: Math.floor(length / 2) }),
  });

/** Small windows so that short random series exercise every stage (signals, weights, backtest). */
const SMALL: ForecastOptions = {
  horizonDays: 5,
  volatilityWindow: 10,
  momentumWindow: 12,
  momentumSkip: 2,
  meanReversionShort: 3,
  meanReversionLong: 12,
  ewmaHalfLife: 4,
  ewmaWindow: 16,
  ridgeLags: 2,
  ridgeWindow: 60,
  ridgeMinSamples: 20,
  regimeWindow: 5,
  regimeLookback: 60,
  regimeMinHistory: 20,
  evaluationStep: 5,
  maxEvaluations: 30,
  minEvaluations: 6,
};

const scenarioArb = fc.integer({ min: 80, max: 320 }).chain((length) =>
  fc.record({
    length: fc.constant(length),
    assets: fc.array(assetArb(length), { minLength: 1, maxLength: 3 }),
    gapSeed: fc.array(fc.boolean(), { minLength: length, maxLength: length }),
    cut: fc.integer({ min: 0, max: length - 1 }),
    appended: fc.integer({ min: 0, max: 40 }),
    shock: fc.double({ min: 0.2, max: 5, noNaN: true }),
    dropAfter: fc.boolean(),
    small: fc.boolean(),
  }),
);

describe("forecast is point in time", () => {
  it("is unchanged by appending, changing or deleting any data after asOf (fast-check)", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const dates = calendar(0, s.length);
        const symbols = s.assets.map((_, j) => `S${j}`);
        // one in ~8 days is a gap for every third asset, to exercise gaps inside a series
        const columns = s.assets.map((a, j) =>
          column(
            a.returns,
            a.start,
            s.gapSeed.map((g, t) => j % 3 === 2 && g && t % 8 === 0),
          ),
        );
        const original: PriceTable = { dates, symbols, columns };
        const asOf = dates[s.cut] as string;
        const options: ForecastOptions = { ...(s.small ? SMALL : {}), asOf };
        const before: ForecastReport = forecast(original, options);

        // 1. truncate at D
        const truncated: PriceTable = {
          dates: dates.slice(0, s.cut + 1),
          symbols,
          columns: columns.map((c) => c.slice(0, s.cut + 1)),
        };
        // 2. change (or delete) every price after D and append rows
        const extra = calendar(s.length, s.appended);
        const changed: PriceTable = {
          dates: [...dates, ...extra],
          symbols,
          columns: columns.map((c) => [
            ...c.map((p, t) => (t <= s.cut || p === null ? p : s.dropAfter ? null : p * s.shock)),
            ...extra.map((_, i) => 50 + i),
          ]),
        };
        expect(forecast(truncated, options)).toEqual(before);
        expect(forecast(changed, options)).toEqual(before);
        expect(badNumbers(before)).toEqual([]);
        for (const a of Object.values(before.assets)) {
          expect(a.confidence).toBeGreaterThanOrEqual(0);
          expect(a.confidence).toBeLessThanOrEqual(1);
          if (a.expectedAnnualReturn === null) expect(a.reason).toBeTypeOf("string");
          expect(a.reason === undefined).toBe(a.confidence > 0);
        }
      }),
      { numRuns: 60, seed: 20240611 },
    );
  });

  it("is unchanged on the 20-equity fixture when every later price is scaled, deleted or cut off", () => {
    const asOf = "2012-06-29";
    const end = equities.dates.indexOf(asOf);
    expect(end).toBeGreaterThan(0);
    const before = forecast(equities, { asOf });
    const cut: PriceTable = {
      dates: equities.dates.slice(0, end + 1),
      symbols: equities.symbols,
      columns: equities.columns.map((c) => c.slice(0, end + 1)),
    };
    const scrambled: PriceTable = {
      ...equities,
      columns: equities.columns.map((c, j) =>
        c.map((p, t) => (t <= end || p === null ? p : j % 2 === 0 ? null : p * (1 + (t % 7) / 10))),
      ),
    };
    expect(forecast(cut, { asOf })).toEqual(before);
    expect(forecast(scrambled, { asOf })).toEqual(before);
    // and the fixture forecast has real content to compare: most assets forecast with skill
    const forecastable = Object.values(before.assets).filter(
      (a) => a.expectedAnnualReturn !== null,
    );
    expect(forecastable.length).toBeGreaterThanOrEqual(17);
  });

  it("reports a symbol whose first price is after asOf with confidence 0 and a reason", () => {
    const r = forecast(equities, { asOf: "2012-05-17" }); // FB lists on 2012-05-18
    expect(r.assets.FB?.confidence).toBe(0);
    expect(r.assets.FB?.reason).toBe("no price on or before 2012-05-17");
    expect(r.assets.BABA?.reason).toBe("no price on or before 2012-05-17");
    expect(badNumbers(r)).toEqual([]);
  });
});
