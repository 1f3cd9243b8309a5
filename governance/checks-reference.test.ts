import { describe, expect, it } from "vitest";
import { weekdaysBetween, type PreTradeContext } from "./checks-context.js";
import { runPreTradeChecks } from "./checks.js";
import {
  AS_OF,
  BASE_ORDERS,
  baseContext,
  INSTRUMENTS,
  makeOrder,
  makeProposal,
  testPolicy,
} from "./checks.fixtures.js";

const resultsOf = (ctx: PreTradeContext, code: string) =>
  runPreTradeChecks(ctx).results.filter((r) => r.code === code);
const messagesOf = (ctx: PreTradeContext, code: string) =>
  resultsOf(ctx, code).map((r) => r.message);
const failuresOf = (ctx: PreTradeContext, code: string) =>
  resultsOf(ctx, code)
    .filter((r) => !r.passed)
    .map((r) => r.message);

const withOrders = (...orders: Parameters<typeof makeProposal>[0]) => makeProposal(orders);

describe("INSTRUMENT_UNKNOWN", () => {
  it("passes each order whose symbol is in reference data", () => {
    expect(messagesOf(baseContext(), "INSTRUMENT_UNKNOWN")).toEqual([
      "INSTRUMENT_UNKNOWN: ok, symbol=AAA",
      "INSTRUMENT_UNKNOWN: ok, symbol=BBB",
      "INSTRUMENT_UNKNOWN: ok, symbol=ETF",
    ]);
  });

  it("denies an order for a symbol missing from reference data", () => {
    const ctx = baseContext({
      proposal: withOrders(...BASE_ORDERS, makeOrder("ZZZ", "BUY", 1, 10)),
    });
    const r = resultsOf(ctx, "INSTRUMENT_UNKNOWN").find((x) => x.symbol === "ZZZ");
    expect(r?.message).toBe("INSTRUMENT_UNKNOWN: symbol=ZZZ");
    expect(r?.severity).toBe("hard");
    expect(runPreTradeChecks(ctx).passed).toBe(false);
  });

  it("denies an order whose asset class disagrees with reference data", () => {
    const ctx = baseContext({
      proposal: withOrders({ ...makeOrder("AAA", "BUY", 30), assetClass: "etf" }),
    });
    expect(failuresOf(ctx, "INSTRUMENT_UNKNOWN")).toEqual([
      "INSTRUMENT_UNKNOWN: symbol=AAA, orderAssetClass=etf, assetClass=equity, orderCurrency=USD, currency=USD",
    ]);
  });
});

describe("NOT_TRADABLE", () => {
  it("passes tradable instruments", () => {
    expect(failuresOf(baseContext(), "NOT_TRADABLE")).toEqual([]);
  });

  it("denies an instrument marked not tradable", () => {
    const AAA = { ...INSTRUMENTS.AAA, tradable: false };
    const ctx = baseContext({ instruments: { ...INSTRUMENTS, AAA } });
    expect(failuresOf(ctx, "NOT_TRADABLE")).toEqual(["NOT_TRADABLE: symbol=AAA, tradable=false"]);
  });

  it("denies an unknown instrument (fail closed)", () => {
    const ctx = baseContext({ proposal: withOrders(makeOrder("ZZZ", "BUY", 1, 10)) });
    expect(failuresOf(ctx, "NOT_TRADABLE")).toEqual(["NOT_TRADABLE: symbol=ZZZ, known=false"]);
  });
});

describe("QUANTITY_INVALID", () => {
  it("passes whole lots", () => {
    expect(messagesOf(baseContext(), "QUANTITY_INVALID")[0]).toBe(
      "QUANTITY_INVALID: ok, quantity=30, lotSize=1, fractional=false",
    );
  });

  it("denies a fractional quantity of a whole-lot instrument", () => {
    const ctx = baseContext({ proposal: withOrders(makeOrder("AAA", "BUY", 10.5)) });
    expect(failuresOf(ctx, "QUANTITY_INVALID")).toEqual([
      "QUANTITY_INVALID: quantity=10.5, lotSize=1, fractional=false",
    ]);
  });

  it("denies a quantity that is not a multiple of the lot size", () => {
    const AAA = { ...INSTRUMENTS.AAA, lotSize: 100 };
    const order = (q: number) => ({ ...makeOrder("AAA", "BUY", q), lotSize: 100 });
    const bad = baseContext({
      instruments: { ...INSTRUMENTS, AAA },
      proposal: withOrders(order(150)),
    });
    expect(failuresOf(bad, "QUANTITY_INVALID")).toEqual([
      "QUANTITY_INVALID: quantity=150, lotSize=100, fractional=false",
    ]);
    const good = baseContext({
      instruments: { ...INSTRUMENTS, AAA },
      proposal: withOrders(order(200)),
    });
    expect(failuresOf(good, "QUANTITY_INVALID")).toEqual([]);
  });

  it("allows 1e-8 steps of a fractional instrument and nothing finer", () => {
    const BTC = {
      symbol: "BTC",
      assetClass: "crypto" as const,
      currency: "USD",
      lotSize: 1,
      fractional: true,
      tradable: true,
    };
    const order = (q: number) => ({
      ...makeOrder("BTC", "BUY", q, 8000),
      assetClass: "crypto" as const,
    });
    const instruments = { ...INSTRUMENTS, BTC };
    const latestPrices = { BTC: { price: 8000, date: AS_OF } };
    expect(
      failuresOf(
        baseContext({ instruments, latestPrices, proposal: withOrders(order(0.12345678)) }),
        "QUANTITY_INVALID",
      ),
    ).toEqual([]);
    expect(
      failuresOf(
        baseContext({ instruments, latestPrices, proposal: withOrders(order(0.123456785)) }),
        "QUANTITY_INVALID",
      ),
    ).toEqual(["QUANTITY_INVALID: quantity=0.123456785, lotSize=1, fractional=true"]);
  });

  it("denies an order whose lot size differs from reference data", () => {
    const ctx = baseContext({
      proposal: withOrders({ ...makeOrder("AAA", "BUY", 30), lotSize: 10 }),
    });
    expect(failuresOf(ctx, "QUANTITY_INVALID")).toEqual([
      "QUANTITY_INVALID: orderLotSize=10, lotSize=1",
    ]);
  });
});

describe("PRICE_MISSING", () => {
  it("passes a positive reference price dated on the as-of", () => {
    expect(messagesOf(baseContext(), "PRICE_MISSING")[0]).toBe(
      "PRICE_MISSING: ok, symbol=AAA, price=100, date=2018-04-11",
    );
  });

  it("denies an order without a reference price", () => {
    const { AAA: _drop, ...latestPrices } = baseContext().latestPrices;
    expect(_drop).toBeDefined();
    expect(failuresOf(baseContext({ latestPrices }), "PRICE_MISSING")).toEqual([
      "PRICE_MISSING: symbol=AAA, price=null",
    ]);
  });

  it("denies a zero price", () => {
    const latestPrices = { ...baseContext().latestPrices, BBB: { price: 0, date: AS_OF } };
    expect(failuresOf(baseContext({ latestPrices }), "PRICE_MISSING")).toEqual([
      "PRICE_MISSING: symbol=BBB, price=0, date=2018-04-11 (not a positive price)",
    ]);
  });

  it("denies a price dated after the as-of (look-ahead)", () => {
    const latestPrices = { ...baseContext().latestPrices, ETF: { price: 300, date: "2018-04-12" } };
    expect(failuresOf(baseContext({ latestPrices }), "PRICE_MISSING")).toEqual([
      "PRICE_MISSING: symbol=ETF, price=300, date=2018-04-12 (dated after asOf=2018-04-11)",
    ]);
  });
});

describe("PRICE_STALE", () => {
  it("denies a reference price older than three weekdays", () => {
    // 2018-04-03 (Tue) → 2018-04-11 (Wed): Apr 4, 5, 6, 9, 10, 11 = 6 weekdays > 3.
    const latestPrices = { ...baseContext().latestPrices, AAA: { price: 100, date: "2018-04-03" } };
    const r = resultsOf(baseContext({ latestPrices }), "PRICE_STALE").find(
      (x) => x.symbol === "AAA",
    );
    expect(r?.message).toBe("PRICE_STALE: date=2018-04-03, asOf=2018-04-11, ageWeekdays=6, max=3");
    expect(r?.passed).toBe(false);
    expect(r?.limit).toEqual({
      name: "PRICE_MAX_AGE_WEEKDAYS",
      owner: "Head of Market Data",
      rationale:
        "A reference price older than three weekdays (a holiday plus a late feed) cannot size an order.",
      reviewDate: "2027-05-31",
    });
  });

  it("passes a price exactly three weekdays old, over a weekend", () => {
    // 2018-04-06 (Fri) → 2018-04-11 (Wed): Apr 9, 10, 11 = 3 weekdays.
    const latestPrices = { ...baseContext().latestPrices, AAA: { price: 100, date: "2018-04-06" } };
    expect(messagesOf(baseContext({ latestPrices }), "PRICE_STALE")[0]).toBe(
      "PRICE_STALE: ok, date=2018-04-06, asOf=2018-04-11, ageWeekdays=3, max=3",
    );
    // A pass shows the value it was held to (max=3); the limit's owner and rationale come with
    // failures only (the denial above carries them).
    const [pass] = resultsOf(baseContext({ latestPrices }), "PRICE_STALE");
    expect(pass?.passed).toBe(true);
    expect(pass?.context.max).toBe(3);
    expect(pass).not.toHaveProperty("limit");
  });

  it("denies when there is no usable price at all (fail closed)", () => {
    const { AAA: _drop, ...latestPrices } = baseContext().latestPrices;
    expect(_drop).toBeDefined();
    expect(failuresOf(baseContext({ latestPrices }), "PRICE_STALE")).toEqual([
      "PRICE_STALE: date=null, asOf=2018-04-11, max=3 (no usable reference price)",
    ]);
  });

  it("counts weekdays like a naive day-by-day walk", () => {
    const naive = (from: string, to: string): number => {
      let n = 0;
      for (
        let t = Date.parse(`${from}T00:00:00Z`) + 86_400_000;
        t <= Date.parse(`${to}T00:00:00Z`);
        t += 86_400_000
      ) {
        const d = new Date(t).getUTCDay();
        if (d !== 0 && d !== 6) n += 1;
      }
      return n;
    };
    expect(weekdaysBetween("2018-04-06", "2018-04-09")).toBe(1);
    expect(weekdaysBetween("2018-04-07", "2018-04-08")).toBe(0);
    expect(weekdaysBetween("1969-12-31", "1970-01-05")).toBe(3);
    const days = [
      "1960-02-29",
      "1969-12-27",
      "1989-09-11",
      "2000-01-01",
      "2001-09-07",
      "2018-04-08",
      "2018-04-11",
      "2024-12-31",
    ];
    for (const a of days)
      for (const b of days)
        if (a <= b) expect(weekdaysBetween(a, b), `${a}→${b}`).toBe(naive(a, b));
  });
});

describe("PRICE_COLLAR", () => {
  it("passes market-style orders as not applicable and records the collar", () => {
    const [r] = resultsOf(baseContext(), "PRICE_COLLAR");
    expect(r?.passed).toBe(true);
    expect(r?.message).toBe(
      "PRICE_COLLAR: ok, not applicable (no limit price: the order is at the reference price), collar=0.05",
    );
    expect(r?.context).toEqual({
      applicable: false,
      orderType: "reference",
      limitPrice: null,
      collar: 0.05,
    });
  });
});

describe("RESTRICTED_LIST", () => {
  const restrict = (scope: "buy" | "both", symbol: string) =>
    testPolicy((p) => {
      p.restrictedList = [{ symbol, scope, reason: "insider list" }];
    });

  it("passes symbols not on the list", () => {
    expect(failuresOf(baseContext(), "RESTRICTED_LIST")).toEqual([]);
  });

  it("denies a buy of a restricted symbol", () => {
    expect(failuresOf(baseContext({ policy: restrict("buy", "AAA") }), "RESTRICTED_LIST")).toEqual([
      "RESTRICTED_LIST: symbol=AAA, side=BUY, scope=buy, reason=insider list",
    ]);
  });

  it("allows a sell of a buy-restricted symbol", () => {
    expect(failuresOf(baseContext({ policy: restrict("buy", "ETF") }), "RESTRICTED_LIST")).toEqual(
      [],
    );
  });

  it("denies a sell when the restriction covers both sides", () => {
    expect(failuresOf(baseContext({ policy: restrict("both", "ETF") }), "RESTRICTED_LIST")).toEqual(
      ["RESTRICTED_LIST: symbol=ETF, side=SELL, scope=both, reason=insider list"],
    );
  });
});
