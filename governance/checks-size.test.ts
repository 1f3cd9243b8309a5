import { describe, expect, it } from "vitest";
import type { PreTradeContext } from "./checks-context.js";
import { runPreTradeChecks } from "./checks.js";
import {
  AS_OF,
  BASE_ORDERS,
  baseContext,
  INSTRUMENTS,
  makeOrder,
  makeProposal,
  testPolicy,
  testPortfolio,
} from "./checks.fixtures.js";

const resultsOf = (ctx: PreTradeContext, code: string) =>
  runPreTradeChecks(ctx).results.filter((r) => r.code === code);
const failuresOf = (ctx: PreTradeContext, code: string) =>
  resultsOf(ctx, code)
    .filter((r) => !r.passed)
    .map((r) => r.message);

const equityCap = (cap: number) =>
  testPolicy((p) => {
    p.limits.MAX_NOTIONAL_PER_ORDER.value = { equity: cap, etf: 2_000_000 };
  });

describe("NOTIONAL_EXCEEDS_MAX_PER_ORDER", () => {
  it("passes an order under its asset class's cap", () => {
    expect(resultsOf(baseContext(), "NOTIONAL_EXCEEDS_MAX_PER_ORDER")[0]?.message).toBe(
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: ok, notional=3000.00, max=1000000.00",
    );
  });

  it("denies an order above the cap, NautilusTrader-style", () => {
    // 1,250 × 100 = 125,000 > 100,000.
    const ctx = baseContext({
      policy: equityCap(100_000),
      proposal: makeProposal([makeOrder("AAA", "BUY", 1_250)]),
    });
    const [r] = resultsOf(ctx, "NOTIONAL_EXCEEDS_MAX_PER_ORDER");
    expect(r?.message).toBe("NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=125000.00, max=100000.00");
    expect(r?.severity).toBe("hard");
    expect(r?.context).toEqual({ notional: 125_000, max: 100_000, assetClass: "equity" });
    expect(r?.limit?.owner).toBe("Head of Trading");
  });

  it("prices the order at the reference price, not at the price in the proposal", () => {
    // Sized at 90 (1,001 × 90 = 90,090 would pass), but the reference is 100: 1,001 × 100 = 100,100 > 100,000.
    const ctx = baseContext({
      policy: equityCap(100_000),
      proposal: makeProposal([makeOrder("AAA", "BUY", 1_001, 90)]),
    });
    expect(failuresOf(ctx, "NOTIONAL_EXCEEDS_MAX_PER_ORDER")).toEqual([
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=100100.00, max=100000.00",
    ]);
  });

  it("converts to the base currency with the FX rate", () => {
    // 100 × 50 EUR × 1.2 USD/EUR = 6,000 USD > 5,000.
    const EUX = {
      symbol: "EUX",
      assetClass: "equity" as const,
      currency: "EUR",
      lotSize: 1,
      fractional: false,
      tradable: true,
    };
    const order = { ...makeOrder("EUX", "BUY", 100, 50), currency: "EUR" };
    const ctx = baseContext({
      policy: equityCap(5_000),
      instruments: { ...INSTRUMENTS, EUX },
      latestPrices: { EUX: { price: 50, date: AS_OF } },
      fxRates: { EUR: 1.2 },
      proposal: makeProposal([order]),
    });
    expect(failuresOf(ctx, "NOTIONAL_EXCEEDS_MAX_PER_ORDER")).toEqual([
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=6000.00, max=5000.00",
    ]);
  });

  it("denies instead of skipping when the reference price is missing", () => {
    const ctx = baseContext({ latestPrices: {} });
    expect(failuresOf(ctx, "NOTIONAL_EXCEEDS_MAX_PER_ORDER")[0]).toBe(
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=null, max=1000000.00 (no reference price)",
    );
  });

  it("denies an asset class the per-class cap does not list", () => {
    const ctx = baseContext({
      policy: equityCap(100_000),
      proposal: makeProposal([makeOrder("ETF", "SELL", 1)]),
    });
    expect(failuresOf(ctx, "NOTIONAL_EXCEEDS_MAX_PER_ORDER")).toEqual([]);
    const noEtf = testPolicy((p) => {
      p.limits.MAX_NOTIONAL_PER_ORDER.value = { equity: 100_000 };
    });
    expect(
      failuresOf(
        baseContext({ policy: noEtf, proposal: makeProposal([makeOrder("ETF", "SELL", 1)]) }),
        "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
      ),
    ).toEqual([
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=300.00, max=null (no cap for asset class etf)",
    ]);
  });
});

describe("ADV_PARTICIPATION", () => {
  it("passes an order within 10% of average daily volume", () => {
    expect(resultsOf(baseContext(), "ADV_PARTICIPATION")[0]?.message).toBe(
      "ADV_PARTICIPATION: ok, quantity=30, adv=1000, participation=0.0300, max=0.1000",
    );
  });

  it("warns (soft) above the participation limit", () => {
    // 30 / 200 = 0.15 > 0.10.
    const [r] = resultsOf(baseContext({ volumes: { AAA: 200 } }), "ADV_PARTICIPATION");
    expect(r?.message).toBe(
      "ADV_PARTICIPATION: quantity=30, adv=200, participation=0.1500, max=0.1000",
    );
    expect(r?.severity).toBe("soft");
    expect(r?.passed).toBe(false);
  });

  it("is not applicable where volume is unknown", () => {
    const r = resultsOf(baseContext(), "ADV_PARTICIPATION").find((x) => x.symbol === "ETF");
    expect(r?.passed).toBe(true);
    expect(r?.context.applicable).toBe(false);
    expect(r?.message).toBe("ADV_PARTICIPATION: ok, not applicable (volume unknown), max=0.1000");
  });

  it("warns when the known volume is zero", () => {
    expect(failuresOf(baseContext({ volumes: { BBB: 0 } }), "ADV_PARTICIPATION")).toEqual([
      "ADV_PARTICIPATION: quantity=40, adv=0, participation=null, max=0.1000",
    ]);
  });
});

describe("DUST_TRADE", () => {
  it("passes orders above the minimum notional and outside the drift band", () => {
    expect(failuresOf(baseContext(), "DUST_TRADE")).toEqual([]);
  });

  it("warns about an order below the policy's minimum notional", () => {
    // 1 × 50 = 50 < 100.
    const [r] = resultsOf(
      baseContext({ proposal: makeProposal([makeOrder("BBB", "BUY", 1)]) }),
      "DUST_TRADE",
    );
    expect(r?.message).toBe("DUST_TRADE: notional=50.00, min=100.00");
    expect(r?.severity).toBe("soft");
  });

  it("uses the mandate's minimum when it is larger", () => {
    const portfolio = testPortfolio();
    const ctx = baseContext({
      portfolio: { ...portfolio, mandate: { ...portfolio.mandate, minTradeNotional: 2_500 } },
    });
    expect(failuresOf(ctx, "DUST_TRADE")).toEqual(["DUST_TRADE: notional=2000.00, min=2500.00"]);
  });

  it("warns about an order for a symbol inside the drift band", () => {
    // AAA: current 5,000 / 100,000 = 0.05, target 0.06, drift −0.01, |drift| ≤ 0.02.
    const ctx = baseContext({ targetWeights: { AAA: 0.06, BBB: 0.1, ETF: 0.55 } });
    expect(failuresOf(ctx, "DUST_TRADE")).toEqual([
      "DUST_TRADE: drift=-0.0100, band=0.0200 (inside the drift band)",
    ]);
  });

  it("measures the band relative to the target in relative mode", () => {
    // BBB: drift 0.05 − 0.1 = −0.05; |−0.05| / 0.1 = 0.5 ≤ 0.6 → inside; AAA the same; ETF 0.05/0.55 = 0.09 inside.
    const portfolio = testPortfolio();
    const mandate = { ...portfolio.mandate, driftMode: "relative" as const, driftThreshold: 0.6 };
    const ctx = baseContext({ portfolio: { ...portfolio, mandate } });
    expect(failuresOf(ctx, "DUST_TRADE").length).toBe(3);
    const tight = baseContext({
      portfolio: { ...portfolio, mandate: { ...mandate, driftThreshold: 0.4 } },
    });
    // 0.5 > 0.4 for AAA and BBB; ETF 0.0909 ≤ 0.4 stays inside.
    expect(failuresOf(tight, "DUST_TRADE")).toEqual([
      "DUST_TRADE: drift=0.0500, band=0.4000 (inside the drift band)",
    ]);
  });

  it("treats a symbol absent from the targets as target zero", () => {
    const ctx = baseContext({ targetWeights: { AAA: 0.1 }, proposal: makeProposal(BASE_ORDERS) });
    // BBB current 0.05 vs 0 → drift 0.05 > 0.02; ETF 0.60 vs 0 → outside; AAA −0.05 outside.
    expect(failuresOf(ctx, "DUST_TRADE")).toEqual([]);
  });
});
