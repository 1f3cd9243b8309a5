import { describe, expect, it } from "vitest";
import { isAssetClass } from "./asset-class.js";
import { ToolError } from "./errors.js";
import { normalizeRebalanceInput, type Asset } from "./rebalance-input.js";
import { fitLots, lotsIn, unitsOf } from "./rebalance-lots.js";
import { rebalance, type RebalanceHolding, type RebalanceInput } from "./rebalance.js";

// Expected values below are worked by hand; the arithmetic is in the comments.

const eq = (
  symbol: string,
  quantity: number,
  price: number,
  extra: Partial<RebalanceHolding> = {},
) =>
  ({
    symbol,
    quantity,
    price,
    assetClass: "equity",
    currency: "USD",
    ...extra,
  }) as RebalanceHolding;

const bySym = (r: ReturnType<typeof rebalance>, symbol: string) => {
  const a = r.assets.find((x) => x.symbol === symbol);
  if (a === undefined) throw new Error(`no ${symbol}`);
  return a;
};

/** Runs `rebalance` expecting a ToolError; returns its field. */
function fieldOf(input: RebalanceInput): string {
  try {
    rebalance(input);
  } catch (e) {
    if (e instanceof ToolError) {
      expect(e.code).toBe("INVALID_INPUT");
      return e.field;
    }
    throw e;
  }
  throw new Error("rebalance did not throw");
}

describe("isAssetClass", () => {
  it("accepts the listed asset classes and rejects anything else", () => {
    expect(isAssetClass("crypto")).toBe(true);
    expect(isAssetClass("mutual_fund")).toBe(true);
    expect(isAssetClass("stock")).toBe(false);
    expect(isAssetClass("Equity")).toBe(false);
    expect(isAssetClass(3)).toBe(false);
  });
});

describe("normalizeRebalanceInput", () => {
  it("sorts by symbol, values units in the base currency and applies the class defaults", () => {
    // VOD: 40 GBP · 1.25 = 50 USD, whole lots, default 10 bps = 0.001; BTC: fractional, 25 bps.
    const n = normalizeRebalanceInput({
      holdings: [
        { symbol: "VOD", quantity: 20, price: 40, assetClass: "equity", currency: "GBP" },
        { symbol: "BTC", quantity: 0, price: 30000, assetClass: "crypto", currency: "USD" },
      ],
      cash: 0,
      fxRates: { GBP: 1.25 },
      targetWeights: { VOD: 0.5, BTC: 0.5 },
      costBps: { crypto: 25 },
    });
    expect(n.assets.map((a) => [a.symbol, a.unitValue, a.fractional, a.costRate])).toEqual([
      ["BTC", 30000, true, 0.0025],
      ["VOD", 50, false, 0.001],
    ]);
  });
});

describe("lot helpers", () => {
  const whole = { fractional: false, lotSize: 100 } as Asset;
  const frac = { fractional: true, lotSize: 1 } as Asset;

  it("counts whole lots toward zero and ignores float noise just below a whole number", () => {
    expect(lotsIn(whole, 250)).toBe(2); // 250 / 100 = 2.5 → 2
    expect(lotsIn(whole, 299.99)).toBe(2); // never rounds up to 3
    expect(lotsIn({ fractional: false, lotSize: 1 } as Asset, 2.9999999999999996)).toBe(3);
    expect(lotsIn(whole, 0)).toBe(0);
    expect(unitsOf(whole, 2)).toBe(200);
  });

  it("sizes fractional instruments in steps of 1e-8 units", () => {
    expect(lotsIn(frac, 0.123456789)).toBe(12345678);
    expect(unitsOf(frac, 12345678)).toBe(0.12345678);
  });

  it("steps down to the largest lot count meeting a limit", () => {
    // 10 lots of 100 units at 7 per unit: ≤ 4000 allows 5 lots (3500), not 6 (4200).
    expect(fitLots(whole, 10, (u) => u * 7 <= 4000)).toBe(5);
    expect(fitLots(whole, 10, () => false)).toBe(0);
  });
});

describe("rebalance", () => {
  it("sells the overweight and buys the underweight asset in a two-asset book (doc example)", () => {
    // NAV = 60·100 + 80·50 + 0 = 10 000; weights 0.6 / 0.4; targets 0.5 / 0.5.
    // A: 0.5·10 000/100 − 60 = −10 units (SELL 10, 1 000); B: 0.5·10 000/50 − 80 = +20 (BUY 20, 1 000).
    const r = rebalance({
      holdings: [eq("A", 60, 100), eq("B", 80, 50, { assetClass: "etf" })],
      cash: 0,
      targetWeights: { A: 0.5, B: 0.5 },
      costBps: 0,
    });
    expect(r.assets.map((a) => `${a.action} ${a.units}`)).toEqual(["SELL 10", "BUY 20"]);
    const a = bySym(r, "A");
    expect(a.currentWeight).toBe(0.6);
    expect(a.drift).toBeCloseTo(0.1, 15); // current − target, positive = overweight
    expect(a.notional).toBe(1000);
    expect(a.postTradeQuantity).toBe(50);
    expect(a.postTradeWeight).toBe(0.5);
    expect(bySym(r, "B").drift).toBeCloseTo(-0.1, 15);
    expect(bySym(r, "B").postTradeQuantity).toBe(100);
    // turnover = (1 000 + 1 000) / 10 000 = 0.2 (not halved); cash 0 + 1 000 − 1 000 = 0.
    expect(r.totals).toMatchObject({
      nav: 10000,
      navAfter: 10000,
      turnover: 0.2,
      buyNotional: 1000,
      sellNotional: 1000,
      cashAfter: 0,
      totalCost: 0,
      tradeCount: 2,
    });
  });

  it("holds assets whose drift is inside the band and trades once the band is narrower", () => {
    // NAV = 50·100 + 30·100 = 8 000; weights 0.625 / 0.375 (exact in binary); drift ±0.125.
    const input = {
      holdings: [eq("A", 50, 100), eq("B", 30, 100)],
      cash: 0,
      targetWeights: { A: 0.5, B: 0.5 },
      costBps: 0,
    };
    const inside = rebalance({ ...input, driftThreshold: 0.125 }); // |0.125| > 0.125 is false
    expect(inside.assets.map((a) => [a.action, a.reason])).toEqual([
      ["HOLD", "WITHIN_BAND"],
      ["HOLD", "WITHIN_BAND"],
    ]);
    expect(inside.totals.turnover).toBe(0);
    expect(inside.totals.tradeCount).toBe(0);
    // threshold 0.12: both trade; A: 0.5·8 000/100 − 50 = −10, B: 40 − 30 = +10.
    const outside = rebalance({ ...input, driftThreshold: 0.12 });
    expect(outside.assets.map((a) => `${a.action} ${a.units}`)).toEqual(["SELL 10", "BUY 10"]);
  });

  it("uses |drift| / target in relative mode and falls back to the absolute band for a zero target", () => {
    // NAV = 115·10 + 5·10 + 8 800 = 10 000. A: weight 0.115, target 0.1, drift 0.015.
    // Z: weight 0.005, target 0 (relative drift undefined → absolute 0.005 vs 0.1).
    const input = {
      holdings: [eq("A", 115, 10), eq("Z", 5, 10)],
      cash: 8800,
      targetWeights: { A: 0.1, Z: 0 },
      costBps: 0,
    };
    const absolute = rebalance({ ...input, driftThreshold: 0.02 }); // 0.015 ≤ 0.02
    expect(bySym(absolute, "A").action).toBe("HOLD");
    const relative = rebalance({ ...input, driftThreshold: 0.1, driftMode: "relative" });
    // |0.015| / 0.1 = 0.15 > 0.1 → A: 0.1·10 000/10 − 115 = −15 → SELL 15 (150).
    expect(bySym(relative, "A")).toMatchObject({ action: "SELL", units: 15, notional: 150 });
    expect(bySym(relative, "Z")).toMatchObject({ action: "HOLD", reason: "WITHIN_BAND" });
  });

  it("rounds whole-lot orders toward zero on both sides", () => {
    // NAV = 1 000·10 = 10 000, lots of 100. A: 0.75·10 000/10 − 1 000 = −250 → SELL 200;
    // B: 0.25·10 000/10 − 0 = 250 → BUY 200. Cash 0 + 2 000 − 2 000 = 0.
    const r = rebalance({
      holdings: [eq("A", 1000, 10, { lotSize: 100 }), eq("B", 0, 10, { lotSize: 100 })],
      cash: 0,
      targetWeights: { A: 0.75, B: 0.25 },
      costBps: 0,
    });
    expect(bySym(r, "A")).toMatchObject({ action: "SELL", units: 200, postTradeQuantity: 800 });
    expect(bySym(r, "B")).toMatchObject({ action: "BUY", units: 200, postTradeWeight: 0.2 });
    expect(bySym(r, "A").desiredNotional).toBe(2500);
    expect(r.totals.cashAfter).toBe(0);
  });

  it("sizes crypto and mutual funds to 1e-8 units by default, toward zero", () => {
    // NAV = 10 000 cash. BTC: 0.37·10 000/30 000 = 0.123333333… → 0.12333333.
    // FUND (mutual fund, price 3): 0.2·10 000/3 = 666.666666666… → 666.66666666.
    // SHARE (equity, price 3): 0.2·10 000/3 = 666.67 → 666 whole shares.
    const r = rebalance({
      holdings: [
        { symbol: "BTC", quantity: 0, price: 30000, assetClass: "crypto", currency: "USD" },
        { symbol: "FUND", quantity: 0, price: 3, assetClass: "mutual_fund", currency: "USD" },
        eq("SHARE", 0, 3),
      ],
      cash: 10000,
      targetWeights: { BTC: 0.37, FUND: 0.2, SHARE: 0.2 },
      costBps: 0,
    });
    expect(bySym(r, "BTC").units).toBe(0.12333333);
    expect(bySym(r, "FUND").units).toBe(666.66666666);
    expect(bySym(r, "SHARE").units).toBe(666);
  });

  it("keeps an odd lot when a sell in whole lots cannot close it, and never sells more than held", () => {
    // 150 units in lots of 100, target 0: desired −150 → one lot (100) sold, 50 remain.
    const r = rebalance({
      holdings: [eq("A", 150, 10, { lotSize: 100 })],
      cash: 500,
      targetWeights: { A: 0 },
      costBps: 0,
    });
    expect(bySym(r, "A")).toMatchObject({ action: "SELL", units: 100, postTradeQuantity: 50 });
  });

  it("scales the order that crosses a binding turnover limit and gives later ones the remainder", () => {
    // NAV = 60·100 + 50·40 + 40·50 = 10 000; weights 0.6 / 0.2 / 0.2; targets 0.4 / 0.3 / 0.3.
    // Budget = 0.25·10 000 = 2 500. Priority: A (|0.2|), then B, C (tie |0.1|, by symbol).
    // A: SELL 20 (2 000), budget left 500. B: wants 25 units (1 000) → 500/40 = 12.5 → 12 (480),
    // left 20. C: wants 20 units (1 000) → 20/50 = 0.4 → 0 lots → HOLD.
    // turnover = (2 000 + 480) / 10 000 = 0.248; cash = 2 000 − 480 = 1 520.
    const r = rebalance({
      holdings: [eq("A", 60, 100), eq("B", 50, 40), eq("C", 40, 50)],
      cash: 0,
      targetWeights: { A: 0.4, B: 0.3, C: 0.3 },
      costBps: 0,
      turnoverLimit: 0.25,
    });
    expect(bySym(r, "A")).toMatchObject({ action: "SELL", units: 20, notional: 2000 });
    expect(bySym(r, "A").reason).toBeUndefined();
    expect(bySym(r, "B")).toMatchObject({
      action: "BUY",
      units: 12,
      notional: 480,
      reason: "TURNOVER_LIMIT_SCALED",
    });
    expect(bySym(r, "C")).toMatchObject({
      action: "HOLD",
      units: 0,
      reason: "TURNOVER_LIMIT_SCALED",
    });
    expect(r.totals.turnover).toBe(0.248);
    expect(r.totals.cashAfter).toBe(1520);
    expect(r.totals.cashWeightAfter).toBe(0.152);
  });

  it("trades nothing under a zero turnover limit", () => {
    const r = rebalance({
      holdings: [eq("A", 60, 100), eq("B", 40, 100)],
      cash: 0,
      targetWeights: { A: 0.5, B: 0.5 },
      turnoverLimit: 0,
    });
    expect(r.assets.map((a) => a.reason)).toEqual([
      "TURNOVER_LIMIT_SCALED",
      "TURNOVER_LIMIT_SCALED",
    ]);
    expect(r.totals.turnover).toBe(0);
  });

  it("cuts a buy by whole lots when sell proceeds net of costs do not cover it and its cost", () => {
    // As the doc example with 10 bps. SELL A 10: 1 000, cost 1 → available 999.
    // BUY B 20: 1 000 + 1 = 1 001 > 999 → 999 / (50·1.001) = 19.96 → 19 units: 950 + 0.95.
    // cash after = 999 − 950.95 = 48.05; total cost 1.95; NAV after 10 000 − 1.95 = 9 998.05.
    const r = rebalance({
      holdings: [eq("A", 60, 100), eq("B", 80, 50, { assetClass: "etf" })],
      cash: 0,
      targetWeights: { A: 0.5, B: 0.5 },
      costBps: 10,
    });
    expect(bySym(r, "A")).toMatchObject({ action: "SELL", units: 10, cost: 1 });
    expect(bySym(r, "B")).toMatchObject({ action: "BUY", units: 19, reason: "CASH_INSUFFICIENT" });
    expect(bySym(r, "B").cost).toBeCloseTo(0.95, 12);
    expect(r.totals.cashAfter).toBeCloseTo(48.05, 9);
    expect(r.totals.totalCost).toBeCloseTo(1.95, 12);
    expect(r.totals.navAfter).toBeCloseTo(9998.05, 9);
    expect(r.totals.turnover).toBeCloseTo(0.195, 15); // (1 000 + 950) / 10 000
  });

  it("spends cash on buys in priority order and cuts or drops the last one that does not fit", () => {
    // NAV = cash 1 000; B target 0.6 (6 units at 100), C 0.4 (4 units); 100 bps per class.
    // B first (|drift| 0.6): 600 + 6 = 606 → available 394.
    // C: 400 + 4 = 404 > 394 → 394 / 101 = 3.9 → 3 units: 300 + 3 → cash 91.
    const input: RebalanceInput = {
      holdings: [eq("C", 0, 100), eq("B", 0, 100)],
      cash: 1000,
      targetWeights: { B: 0.6, C: 0.4 },
      costBps: { equity: 100 },
    };
    const r = rebalance(input);
    expect(bySym(r, "B")).toMatchObject({ action: "BUY", units: 6, cost: 6 });
    expect(bySym(r, "C")).toMatchObject({
      action: "BUY",
      units: 3,
      cost: 3,
      reason: "CASH_INSUFFICIENT",
    });
    expect(r.totals.cashAfter).toBe(91);
    // With a 350 minimum the cut C order (300) is dust: dropped, cash stays 394.
    const strict = rebalance({ ...input, minTradeNotional: 350 });
    expect(bySym(strict, "C")).toMatchObject({
      action: "HOLD",
      units: 0,
      reason: "CASH_INSUFFICIENT",
    });
    expect(strict.totals.cashAfter).toBe(394);
  });

  it("drops orders below the minimum notional or below one lot as dust", () => {
    // NAV = 10 000 cash. B: 0.03·10 000 = 300 < 500 minimum → DUST.
    // L: lot 100 at 10: 0.05·10 000/10 = 50 units = 0.5 lot → 0 lots → DUST.
    const r = rebalance({
      holdings: [eq("B", 0, 10), eq("L", 0, 10, { lotSize: 100 })],
      cash: 10000,
      targetWeights: { B: 0.03, L: 0.05 },
      minTradeNotional: 500,
    });
    expect(r.assets.map((a) => [a.action, a.reason])).toEqual([
      ["HOLD", "DUST_TRADE"],
      ["HOLD", "DUST_TRADE"],
    ]);
    expect(bySym(r, "B").desiredNotional).toBeCloseTo(300, 9);
    expect(r.totals.cashAfter).toBe(10000);
  });

  it("values foreign holdings in the base currency with the given rates", () => {
    // AAPL 10·100 USD = 1 000; VOD 20·40 GBP · 1.25 = 1 000 USD; cash 1 000; NAV 3 000.
    // AAPL: 0.3·3 000/100 − 10 = −1 → SELL 1 (100 USD). VOD: 0.5·3 000/50 − 20 = 10 → BUY 10
    // (500 USD). Cash 1 000 + 100 − 500 = 600 → weight 0.2.
    const r = rebalance({
      holdings: [
        eq("AAPL", 10, 100),
        { symbol: "VOD", quantity: 20, price: 40, assetClass: "equity", currency: "GBP" },
      ],
      cash: 1000,
      fxRates: { GBP: 1.25 },
      targetWeights: { AAPL: 0.3, VOD: 0.5 },
      costBps: 0,
    });
    expect(r.totals.nav).toBe(3000);
    expect(bySym(r, "VOD").currentWeight).toBeCloseTo(1 / 3, 15);
    expect(bySym(r, "AAPL")).toMatchObject({ action: "SELL", units: 1, notional: 100 });
    expect(bySym(r, "VOD")).toMatchObject({
      action: "BUY",
      units: 10,
      notional: 500,
      postTradeWeight: 0.5,
    });
    expect(r.totals.cashAfter).toBe(600);
    expect(r.totals.cashWeightAfter).toBe(0.2);
    expect(r.totals.cashTargetWeight).toBeCloseTo(0.2, 15);
  });

  it("buys back a short position when shorting is allowed", () => {
    // NAV = −10·100 + 2 000 = 1 000; weight −1, target 0 → BUY 10 (1 000).
    const r = rebalance({
      holdings: [eq("S", -10, 100)],
      cash: 2000,
      targetWeights: { S: 0 },
      allowShort: true,
      costBps: 0,
    });
    expect(bySym(r, "S")).toMatchObject({ action: "BUY", units: 10, postTradeQuantity: 0 });
    expect(r.totals.cashAfter).toBe(1000);
  });

  it("returns the same result whatever the order of holdings and target keys", () => {
    const holdings = [eq("C", 40, 50), eq("A", 60, 100), eq("B", 50, 40)];
    const a = rebalance({
      holdings,
      cash: 0,
      targetWeights: { A: 0.4, B: 0.3, C: 0.3 },
      turnoverLimit: 0.25,
    });
    const b = rebalance({
      holdings: [...holdings].reverse(),
      cash: 0,
      targetWeights: { C: 0.3, B: 0.3, A: 0.4 },
      turnoverLimit: 0.25,
    });
    expect(b).toStrictEqual(a);
    expect(a.assets.map((x) => x.symbol)).toEqual(["A", "B", "C"]);
  });

  describe("rejects bad input with a ToolError naming the field", () => {
    const ok = (): RebalanceInput => ({
      holdings: [eq("A", 10, 100), eq("B", 5, 20)],
      cash: 100,
      targetWeights: { A: 0.5, B: 0.4 },
    });

    it.each<[string, (i: RebalanceInput) => RebalanceInput, string]>([
      [
        "a negative lot size",
        (i) => ({
          ...i,
          holdings: [i.holdings[0] as RebalanceHolding, eq("B", 5, 20, { lotSize: -1 })],
        }),
        "holdings[1].lotSize",
      ],
      [
        "a zero lot size",
        (i) => ({ ...i, holdings: [eq("A", 10, 100, { lotSize: 0 }), eq("B", 5, 20)] }),
        "holdings[0].lotSize",
      ],
      [
        "a NaN price",
        (i) => ({ ...i, holdings: [eq("A", 10, NaN), eq("B", 5, 20)] }),
        "holdings[0].price",
      ],
      [
        "a zero price",
        (i) => ({ ...i, holdings: [eq("A", 10, 100), eq("B", 5, 0)] }),
        "holdings[1].price",
      ],
      [
        "an infinite quantity",
        (i) => ({ ...i, holdings: [eq("A", Infinity, 100), eq("B", 5, 20)] }),
        "holdings[0].quantity",
      ],
      [
        "a negative quantity without allowShort",
        (i) => ({ ...i, holdings: [eq("A", -1, 100), eq("B", 5, 20)] }),
        "holdings[0].quantity",
      ],
      [
        "an unknown asset class",
        (i) => ({
          ...i,
          holdings: [eq("A", 10, 100), eq("B", 5, 20, { assetClass: "stock" as never })],
        }),
        "holdings[1].assetClass",
      ],
      [
        "duplicate symbols",
        (i) => ({ ...i, holdings: [eq("A", 10, 100), eq("A", 5, 20)] }),
        "holdings[1].symbol",
      ],
      [
        "weights summing over 1",
        (i) => ({ ...i, targetWeights: { A: 0.6, B: 0.5 } }),
        "targetWeights",
      ],
      ["a NaN weight", (i) => ({ ...i, targetWeights: { A: NaN, B: 0.4 } }), "targetWeights.A"],
      [
        "an infinite weight",
        (i) => ({ ...i, targetWeights: { A: 0.5, B: Infinity } }),
        "targetWeights.B",
      ],
      [
        "a negative weight",
        (i) => ({ ...i, targetWeights: { A: -0.1, B: 0.4 } }),
        "targetWeights.A",
      ],
      [
        "a weight for an unknown symbol",
        (i) => ({ ...i, targetWeights: { A: 0.5, B: 0.4, XYZ: 0.1 } }),
        "targetWeights.XYZ",
      ],
      [
        "a holding without a target",
        (i) => ({ ...i, targetWeights: { A: 0.5 } }),
        "targetWeights.B",
      ],
      [
        "a missing fx rate",
        (i) => ({ ...i, holdings: [eq("A", 10, 100), eq("B", 5, 20, { currency: "EUR" })] }),
        "fxRates.EUR",
      ],
      ["a NaN fx rate", (i) => ({ ...i, fxRates: { EUR: NaN } }), "fxRates.EUR"],
      [
        "a base-currency rate other than 1",
        (i) => ({ ...i, fxRates: { USD: 1.1 } }),
        "fxRates.USD",
      ],
      ["negative cash", (i) => ({ ...i, cash: -1 }), "cash"],
      ["NaN cash", (i) => ({ ...i, cash: NaN }), "cash"],
      ["an infinite turnover limit", (i) => ({ ...i, turnoverLimit: Infinity }), "turnoverLimit"],
      ["a negative drift threshold", (i) => ({ ...i, driftThreshold: -0.01 }), "driftThreshold"],
      ["an unknown drift mode", (i) => ({ ...i, driftMode: "band" as never }), "driftMode"],
      [
        "a cost for an unknown asset class",
        (i) => ({ ...i, costBps: { stocks: 5 } as never }),
        "costBps.stocks",
      ],
      ["a cost of 100% or more", (i) => ({ ...i, costBps: 10000 }), "costBps"],
      ["a NaN minimum trade", (i) => ({ ...i, minTradeNotional: NaN }), "minTradeNotional"],
      [
        "an empty portfolio",
        () => ({ holdings: [eq("A", 0, 100)], cash: 0, targetWeights: { A: 1 } }),
        "holdings",
      ],
    ])("%s", (_name, mutate, field) => {
      expect(fieldOf(mutate(ok()))).toBe(field);
    });

    it("accepts the unmodified input used by those cases", () => {
      expect(() => rebalance(ok())).not.toThrow();
    });
  });
});
