import { describe, expect, it } from "vitest";
import {
  checkQuality,
  DEFAULT_QUALITY_POLICY,
  QUALITY_CODES,
  type QualityFinding,
  type QualityInput,
} from "./quality.js";
import { createSampleProvider } from "./sample-provider.js";
import { MarketDataError, type Bar, type Instrument } from "./types.js";

const DAY = 86_400_000;

/** `n` consecutive weekdays starting on `start` (which must be a weekday). */
function weekdays(start: string, n: number): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${start}T00:00:00Z`); out.length < n; ms += DAY) {
    const w = new Date(ms).getUTCDay();
    if (w !== 0 && w !== 6) out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

/** A clean series: log price wanders by 0.01·sin(i), daily moves under 2%, nothing odd. */
function clean(dates: readonly string[], level = 100): Bar[] {
  return dates.map((date, i) => ({ date, close: level * Math.exp(0.01 * Math.sin(i)) }));
}

function instrument(symbol: string, currency = "USD"): Instrument {
  return {
    symbol,
    name: symbol,
    assetClass: "equity",
    currency,
    lotSize: 1,
    fractional: false,
    tradable: true,
  };
}

function run(series: Record<string, Bar[]>, rest: Partial<QualityInput> = {}): QualityFinding[] {
  const instruments = Object.fromEntries(Object.keys(series).map((s) => [s, instrument(s)]));
  const last = Object.values(series)
    .flat()
    .map((b) => b.date)
    .sort()
    .at(-1);
  return checkQuality({ series, instruments, asOf: last ?? "2024-01-05", ...rest });
}

const codes = (findings: readonly QualityFinding[]): string[] => findings.map((f) => f.code);
const dates300 = weekdays("2023-01-02", 300);

/** Naive robust σ: 1.4826 × median |r − median r| by full sorts. */
function naiveMadSigma(r: number[]): number {
  const median = (v: number[]): number => {
    const s = [...v].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  };
  const med = median(r);
  return 1.4826 * median(r.map((x) => Math.abs(x - med)));
}

describe("checkQuality on clean data", () => {
  it("finds nothing on a clean constructed series with enough history", () => {
    expect(run({ A: clean(dates300) }, { lookbackDays: 252 })).toEqual([]);
  });

  it("finds nothing on several clean series sharing a calendar with a holiday", () => {
    const dates = dates300.filter((d) => d !== "2023-07-04");
    expect(
      run({ A: clean(dates), B: clean(dates, 50), C: clean(dates, 7) }, { lookbackDays: 252 }),
    ).toEqual([]);
  });

  it("finds nothing on real SPY closes for 2017 (a calm year), as of its last bar", async () => {
    const p = createSampleProvider();
    const r = await p.bars({ symbols: ["SPY"], from: "2017-01-01", asOf: "2017-12-29" });
    const findings = checkQuality({
      series: r.series,
      instruments: await p.instruments(["SPY"]),
      asOf: "2017-12-29",
      lookbackDays: 250,
    });
    expect(findings).toEqual([]);
  });
});

describe("checkQuality triggers each code on a constructed series", () => {
  it("STALE_PRICE: more than 3 weekdays after the last bar, counted Mon–Fri (hand-worked)", () => {
    // Last bar Friday 2024-01-05. As of Wed 01-10: Mon, Tue, Wed = 3 weekdays → not stale.
    // As of Thu 01-11: 4 weekdays → stale. Weekends never count.
    const series = { A: clean(weekdays("2023-10-02", 70)) };
    expect(series.A.at(-1)?.date).toBe("2024-01-05");
    expect(run(series, { asOf: "2024-01-10" })).toEqual([]);
    const f = run(series, { asOf: "2024-01-11" });
    expect(codes(f)).toEqual(["STALE_PRICE"]);
    expect(f[0]).toMatchObject({
      severity: "blocking",
      symbol: "A",
      context: { date: "2024-01-05", asOf: "2024-01-11", staleWeekdays: 4, limit: 3 },
    });
  });

  it("GAP: 3 missing weekdays is a gap, 2 is tolerated (a holiday next to a weekend)", () => {
    const dates = weekdays("2023-01-02", 100);
    const minus = (drop: string[]): Bar[] => clean(dates.filter((d) => !drop.includes(d)));
    // 2023-03-06..08 are Mon–Wed: bars Fri 03-03 then Thu 03-09.
    const gap = run({ A: minus(["2023-03-06", "2023-03-07", "2023-03-08"]) });
    expect(codes(gap)).toEqual(["GAP"]);
    expect(gap[0]).toMatchObject({
      severity: "warning",
      context: { date: "2023-03-03", nextDate: "2023-03-09", missingDays: 3, tolerance: 2 },
    });
    expect(run({ A: minus(["2023-03-06", "2023-03-07"]) })).toEqual([]);
  });

  it("GAP: a weekday no series trades is a market closure, but a lone series cannot know that", () => {
    const dates = weekdays("2023-01-02", 100);
    const closed = ["2023-03-06", "2023-03-07", "2023-03-08", "2023-03-09"];
    const shut = dates.filter((d) => !closed.includes(d));
    expect(run({ A: clean(shut), B: clean(shut, 30) })).toEqual([]);
    expect(codes(run({ A: clean(shut), B: clean(dates, 30) }))).toEqual(["GAP"]);
    expect(codes(run({ A: clean(shut) }))).toEqual(["GAP"]);
  });

  it("NON_POSITIVE_PRICE: zero and negative closes, one finding with the count", () => {
    const bars = clean(dates300);
    bars[100] = { date: bars[100]?.date as string, close: 0 };
    bars[200] = { date: bars[200]?.date as string, close: -3 };
    const f = run({ A: bars }).filter((x) => x.code === "NON_POSITIVE_PRICE");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      severity: "blocking",
      context: { date: dates300[100], lastDate: dates300[200], count: 2 },
    });
  });

  it("OUTLIER_JUMP: a +30% level shift against a MAD σ computed naively", () => {
    const bars = clean(dates300).map((b, i) => (i >= 150 ? { ...b, close: b.close * 1.3 } : b));
    const f = run({ A: bars });
    expect(codes(f)).toEqual(["OUTLIER_JUMP"]);
    const r = bars.slice(1).map((b, i) => Math.log(b.close / (bars[i] as Bar).close));
    const sigma = naiveMadSigma(r);
    expect(f[0]?.context.date).toBe(dates300[150]);
    expect(f[0]?.context.sigma).toBeCloseTo(sigma, 14);
    expect(f[0]?.context.logReturn).toBeCloseTo(r[149] as number, 14);
    expect(f[0]?.severity).toBe("warning");
  });

  it("OUTLIER_JUMP respects k: the same jump passes when k is above its σ multiple", () => {
    const bars = clean(dates300).map((b, i) => (i >= 150 ? { ...b, close: b.close * 1.3 } : b));
    const k = (run({ A: bars })[0]?.context.sigmas as number) + 0.01;
    expect(run({ A: bars }, { policy: { thresholds: { outlierSigmas: k } } })).toEqual([]);
  });

  it.each([
    ["2:1", 0.5, 0.5],
    ["3:2", 2 / 3, 2 / 3],
    ["4:1", 0.25, 0.25],
    ["1:10", 10, 10],
  ])(
    "PROBABLE_SPLIT: an unreversed %s move is a split, not also an outlier",
    (label, factor, expectedFactor) => {
      // The split day also moves 1% on its own: ratio = factor × 1.01, inside the 2% tolerance.
      const bars = clean(dates300).map((b, i) =>
        i >= 150 ? { ...b, close: b.close * factor * 1.01 } : b,
      );
      const f = run({ A: bars });
      expect(codes(f)).toEqual(["PROBABLE_SPLIT"]);
      expect(f[0]).toMatchObject({
        severity: "blocking",
        context: { date: dates300[150], split: label },
      });
      expect(f[0]?.context.priceFactor).toBeCloseTo(expectedFactor, 12);
    },
  );

  it("PROBABLE_SPLIT: a halving undone the next day is a bad tick (two outliers), not a split", () => {
    const bars = clean(dates300).map((b, i) => (i === 150 ? { ...b, close: b.close * 0.5 } : b));
    const f = run({ A: bars });
    expect(codes(f)).toEqual(["OUTLIER_JUMP", "OUTLIER_JUMP"]);
    expect(f.map((x) => x.context.date)).toEqual([dates300[150], dates300[151]]);
  });

  it("PROBABLE_SPLIT: a move 3% away from every split ratio is not one", () => {
    const bars = clean(dates300).map((b, i) =>
      i >= 150 ? { ...b, close: b.close * 0.5 * 1.03 } : b,
    );
    expect(codes(run({ A: bars }))).toEqual(["OUTLIER_JUMP"]);
  });

  it("SHORT_HISTORY: fewer valid closes than the lookback (only when a lookback is given)", () => {
    const series = { A: clean(weekdays("2023-01-02", 100)) };
    expect(run(series)).toEqual([]);
    expect(run(series, { lookbackDays: 100 })).toEqual([]);
    const f = run(series, { lookbackDays: 101 });
    expect(codes(f)).toEqual(["SHORT_HISTORY"]);
    expect(f[0]).toMatchObject({
      severity: "warning",
      context: { observations: 100, lookbackDays: 101 },
    });
  });

  it("CURRENCY_MISMATCH: a EUR instrument without a usable EUR→USD rate", () => {
    const bars = clean(dates300);
    const asOf = dates300.at(-1) as string;
    const base = { series: { SAP: bars }, instruments: { SAP: instrument("SAP", "EUR") }, asOf };
    const none = checkQuality(base);
    expect(codes(none)).toEqual(["CURRENCY_MISMATCH"]);
    expect(none[0]).toMatchObject({
      severity: "blocking",
      context: { currency: "EUR", base: "USD" },
    });
    expect(checkQuality({ ...base, fx: { EUR: [{ date: asOf, close: 1.08 }] } })).toEqual([]);
    const stale = checkQuality({
      ...base,
      fx: { EUR: [{ date: dates300[280] as string, close: 1.08 }] },
    });
    expect(stale[0]).toMatchObject({ code: "CURRENCY_MISMATCH", context: { staleWeekdays: 19 } });
    expect(checkQuality({ ...base, baseCurrency: "EUR" })).toEqual([]);
  });

  it("NO_DATA: an empty series, and no other series check on it", () => {
    const f = run({ A: [], B: clean(dates300) });
    expect(codes(f)).toEqual(["NO_DATA"]);
    expect(f[0]).toMatchObject({ symbol: "A", severity: "blocking" });
  });

  it("covers every code in QUALITY_CODES with the severities of the default policy", () => {
    expect([...QUALITY_CODES].sort()).toEqual([...QUALITY_CODES]);
    expect(DEFAULT_QUALITY_POLICY.severity).toEqual({
      CURRENCY_MISMATCH: "blocking",
      GAP: "warning",
      NO_DATA: "blocking",
      NON_POSITIVE_PRICE: "blocking",
      OUTLIER_JUMP: "warning",
      PROBABLE_SPLIT: "blocking",
      SHORT_HISTORY: "warning",
      STALE_PRICE: "blocking",
    });
  });
});

describe("checkQuality ordering and policy", () => {
  it("orders findings by symbol, then code, then date", () => {
    const a = clean(dates300).map((b, i) =>
      i >= 100 ? { ...b, close: b.close * (i >= 200 ? 1.69 : 1.3) } : b,
    );
    const b = clean(
      dates300.slice(0, 200).filter((d) => !["2023-03-06", "2023-03-07", "2023-03-08"].includes(d)),
    );
    const f = checkQuality({
      series: { B: b, A: a },
      instruments: { A: instrument("A"), B: instrument("B") },
      asOf: dates300.at(-1) as string,
    });
    expect(f.map((x) => `${x.symbol} ${x.code} ${x.context.date}`)).toEqual([
      `A OUTLIER_JUMP ${dates300[100]}`,
      `A OUTLIER_JUMP ${dates300[200]}`,
      "B GAP 2023-03-03",
      `B STALE_PRICE ${dates300[199]}`,
    ]);
  });

  it("takes severities and thresholds from the policy given", () => {
    const dates = weekdays("2023-01-02", 100).filter(
      (d) => !["2023-03-06", "2023-03-07", "2023-03-08"].includes(d),
    );
    expect(
      run({ A: clean(dates) }, { policy: { severity: { GAP: "blocking" } } })[0]?.severity,
    ).toBe("blocking");
    expect(
      run({ A: clean(dates) }, { policy: { thresholds: { gapToleranceWeekdays: 3 } } }),
    ).toEqual([]);
  });

  it.each([
    [
      "a negative tolerance",
      { thresholds: { gapToleranceWeekdays: -1 } },
      "policy.thresholds.gapToleranceWeekdays",
    ],
    ["k = 0", { thresholds: { outlierSigmas: 0 } }, "policy.thresholds.outlierSigmas"],
    ["an unknown severity", { severity: { GAP: "fatal" as "warning" } }, "policy.severity.GAP"],
  ])("refuses a policy with %s", (_name, policy, field) => {
    expect(() => run({ A: clean(dates300) }, { policy })).toThrow(MarketDataError);
    try {
      run({ A: clean(dates300) }, { policy });
    } catch (error) {
      expect((error as MarketDataError).field).toBe(field);
    }
  });

  it.each([
    ["a bar after asOf", { A: clean(dates300) }, { asOf: dates300[10] }, "series.A[11].date"],
    ["bars out of order", { A: [...clean(dates300)].reverse() }, {}, "series.A[1].date"],
    [
      "a symbol without reference data",
      { A: clean(dates300) },
      { instruments: {} },
      "instruments.A",
    ],
    ["a bad asOf", { A: clean(dates300) }, { asOf: "2024-02-30" }, "asOf"],
  ])("refuses %s, naming the field", (_name, series, rest, field) => {
    let caught: unknown;
    try {
      run(series, rest as Partial<QualityInput>);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MarketDataError);
    expect((caught as MarketDataError).field).toBe(field);
  });
});
