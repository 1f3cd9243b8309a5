import { describe, expect, it } from "vitest";
import { latestOnOrBefore, valueInBase } from "./fx.js";
import { MarketDataError, type Bar } from "./types.js";

const EUR: Bar[] = [
  { date: "2024-01-02", close: 1.09 },
  { date: "2024-01-03", close: 1.08 },
  { date: "2024-01-05", close: 1.1 },
];
const GBP: Bar[] = [{ date: "2024-01-04", close: 1.27 }];

describe("latestOnOrBefore", () => {
  it("picks the last rate on or before asOf, with its age in weekdays (the doc example)", () => {
    expect(
      latestOnOrBefore(
        [
          { date: "2024-01-02", close: 1.09 },
          { date: "2024-01-04", close: 1.1 },
        ],
        "2024-01-03",
      ),
    ).toEqual({ rate: 1.09, date: "2024-01-02", staleWeekdays: 1 });
  });

  it("uses a rate dated asOf itself, and nothing after it", () => {
    expect(latestOnOrBefore(EUR, "2024-01-05")).toEqual({
      rate: 1.1,
      date: "2024-01-05",
      staleWeekdays: 0,
    });
    expect(latestOnOrBefore(EUR, "2024-01-04")?.rate).toBe(1.08);
    expect(latestOnOrBefore(EUR, "2024-01-01")).toBeUndefined();
    expect(latestOnOrBefore([], "2024-01-01")).toBeUndefined();
  });

  it("counts a Friday rate as fresh on the weekend and one weekday old on Monday", () => {
    expect(latestOnOrBefore(EUR, "2024-01-07")?.staleWeekdays).toBe(0);
    expect(latestOnOrBefore(EUR, "2024-01-08")?.staleWeekdays).toBe(1);
  });
});

describe("valueInBase", () => {
  it("values a three-currency book in USD (hand-worked)", () => {
    // As of Thu 2024-01-04: EUR uses 01-03's 1.08 (01-05 is in the future), GBP 01-04's 1.27.
    // SAP: 100 × €150 = €15,000 × 1.08 = $16,200.  BP: £2,000 × 1.27 = $2,540.  Cash: $1,000.
    // Total: 16,200 + 2,540 + 1,000 = $19,740.
    const v = valueInBase({
      base: "USD",
      asOf: "2024-01-04",
      positions: [
        { id: "SAP", currency: "EUR", localValue: 15_000 },
        { id: "BP", currency: "GBP", localValue: 2_000 },
        { id: "CASH", currency: "USD", localValue: 1_000 },
      ],
      rates: { EUR, GBP },
    });
    expect(v.positions.map((p) => [p.id, p.rate, p.rateDate])).toEqual([
      ["SAP", 1.08, "2024-01-03"],
      ["BP", 1.27, "2024-01-04"],
      ["CASH", 1, "2024-01-04"],
    ]);
    expect(v.positions[0]?.baseValue).toBeCloseTo(16_200, 9);
    expect(v.positions[1]?.baseValue).toBeCloseTo(2_540, 9);
    expect(v.total).toBeCloseTo(19_740, 9);
    expect(v.totalReason).toBeNull();
    expect(v.findings).toEqual([]);
  });

  it("matches the doc example", () => {
    const v = valueInBase({
      base: "USD",
      asOf: "2024-01-05",
      positions: [{ id: "SAP", currency: "EUR", localValue: 15000 }],
      rates: { EUR: [{ date: "2024-01-05", close: 1.08 }] },
    });
    expect(v.total).toBeCloseTo(16200, 9);
  });

  it("leaves a position without a rate unvalued, the total null with a reason, and a blocking finding", () => {
    const v = valueInBase({
      base: "USD",
      asOf: "2024-01-04",
      positions: [
        { id: "CASH", currency: "USD", localValue: 1_000 },
        { id: "TOYOTA", currency: "JPY", localValue: 300_000 },
      ],
      rates: { EUR },
    });
    expect(v.positions[1]).toMatchObject({ rate: null, rateDate: null, baseValue: null });
    expect(v.total).toBeNull();
    expect(v.totalReason).toBe("1 position(s) have no USD rate on or before 2024-01-04");
    expect(v.findings).toEqual([
      expect.objectContaining({
        code: "FX_MISSING",
        severity: "blocking",
        id: "TOYOTA",
        currency: "JPY",
      }),
    ]);
  });

  it("still values at a stale rate but reports it (4 weekdays > the default 3)", () => {
    // Last EUR rate Fri 2024-01-05; as of Thu 2024-01-11: Mon, Tue, Wed, Thu = 4 weekdays.
    const v = valueInBase({
      base: "USD",
      asOf: "2024-01-11",
      positions: [{ id: "SAP", currency: "EUR", localValue: 1_000 }],
      rates: { EUR },
    });
    expect(v.total).toBeCloseTo(1_100, 9);
    expect(v.findings).toEqual([
      expect.objectContaining({
        code: "FX_STALE",
        severity: "blocking",
        context: expect.objectContaining({ rateDate: "2024-01-05", staleWeekdays: 4 }),
      }),
    ]);
    const lenient = valueInBase({
      base: "USD",
      asOf: "2024-01-11",
      positions: [{ id: "SAP", currency: "EUR", localValue: 1_000 }],
      rates: { EUR },
      maxStaleWeekdays: 4,
    });
    expect(lenient.findings).toEqual([]);
  });

  it.each([
    ["a zero rate", { EUR: [{ date: "2024-01-02", close: 0 }] }, "rates.EUR[0]"],
    ["unsorted rates", { EUR: [EUR[1] as Bar, EUR[0] as Bar] }, "rates.EUR[1]"],
  ])("refuses %s, naming it", (_name, rates, field) => {
    try {
      valueInBase({ base: "USD", asOf: "2024-01-04", positions: [], rates });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MarketDataError);
      expect((error as MarketDataError).field).toBe(field);
    }
  });

  it("refuses a non-finite local value", () => {
    expect(() =>
      valueInBase({
        base: "USD",
        asOf: "2024-01-04",
        positions: [{ id: "X", currency: "USD", localValue: Number.NaN }],
        rates: {},
      }),
    ).toThrow(/positions\[0\]\.localValue/);
  });
});
