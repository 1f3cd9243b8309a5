import { describe, expect, it } from "vitest";
import type { InstrumentRef, PreTradeContext } from "./checks-context.js";
import { runPreTradeChecks } from "./checks.js";
import {
  baseContext,
  INSTRUMENTS,
  makeOrder,
  makeProposal,
  testPolicy,
  testPortfolio,
} from "./checks.fixtures.js";

const resultsOf = (ctx: PreTradeContext, code: string) =>
  runPreTradeChecks(ctx).results.filter((r) => r.code === code);
const messagesOf = (ctx: PreTradeContext, code: string) =>
  resultsOf(ctx, code).map((r) => r.message);
const failuresOf = (ctx: PreTradeContext, code: string) =>
  resultsOf(ctx, code)
    .filter((r) => !r.passed)
    .map((r) => `${r.severity} ${r.message}`);

const equity = (symbol: string, issuer: string, sector = "Industrials"): InstrumentRef => ({
  symbol,
  assetClass: "equity",
  issuer,
  sector,
  currency: "USD",
  lotSize: 1,
  fractional: false,
  tradable: true,
});

const NOT_WORSENED = " (existing breach not increased by this proposal)";

describe("ISSUER_CONCENTRATION", () => {
  it("passes issuers within 10% and an aggregate within 40%", () => {
    // AAA 8,000 / 99,992 = 0.0800; BBB 7,000 / 99,992 = 0.0700; both above 5%: 0.15.
    expect(messagesOf(baseContext(), "ISSUER_CONCENTRATION")).toEqual([
      "ISSUER_CONCENTRATION: ok, issuer=Alpha Corp, weight=0.0800, max=0.1000",
      "ISSUER_CONCENTRATION: ok, issuer=Beta Inc, weight=0.0700, max=0.1000",
      "ISSUER_CONCENTRATION: ok, aggregate=0.1500, above=0.0500, max=0.4000, issuers=2",
    ]);
  });

  it("denies a buy taking an issuer above 10%", () => {
    const ctx = baseContext({ postTradeWeights: { AAA: 0.12, BBB: 0.05, ETF: 0.5, CASH: 0.33 } });
    expect(failuresOf(ctx, "ISSUER_CONCENTRATION")).toEqual([
      "hard ISSUER_CONCENTRATION: issuer=Alpha Corp, weight=0.1200, max=0.1000",
    ]);
  });

  it("adds up every instrument of one issuer", () => {
    // 0.06 + 0.05 = 0.11 > 0.10.
    const ctx = baseContext({
      instruments: { ...INSTRUMENTS, AAB: equity("AAB", "Alpha Corp") },
      postTradeWeights: { AAA: 0.06, AAB: 0.05, BBB: 0.05, ETF: 0.5, CASH: 0.34 },
    });
    const [r] = resultsOf(ctx, "ISSUER_CONCENTRATION");
    expect(r?.message).toBe("ISSUER_CONCENTRATION: issuer=Alpha Corp, weight=0.1100, max=0.1000");
    expect(r?.context.symbols).toBe("AAA,AAB");
  });

  it("only warns about an existing breach the proposal does not add to", () => {
    const ctx = baseContext({
      proposal: makeProposal([makeOrder("AAA", "SELL", 10)]),
      postTradeWeights: { AAA: 0.12, BBB: 0.05, ETF: 0.5, CASH: 0.33 },
    });
    expect(failuresOf(ctx, "ISSUER_CONCENTRATION")).toEqual([
      `soft ISSUER_CONCENTRATION: issuer=Alpha Corp, weight=0.1200, max=0.1000${NOT_WORSENED}`,
    ]);
    expect(runPreTradeChecks(ctx).passed).toBe(true);
  });

  it("denies when issuers above 5% add up to more than 40% (UCITS 5/10/40)", () => {
    const instruments = {
      ...INSTRUMENTS,
      C1: equity("C1", "C one"),
      C2: equity("C2", "C two"),
      C3: equity("C3", "C three"),
    };
    const ctx = baseContext({
      instruments,
      postTradeWeights: { AAA: 0.09, BBB: 0.09, C1: 0.09, C2: 0.09, C3: 0.09, CASH: 0.55 },
    });
    expect(failuresOf(ctx, "ISSUER_CONCENTRATION")).toEqual([
      "hard ISSUER_CONCENTRATION: aggregate=0.4500, above=0.0500, max=0.4000, issuers=5",
    ]);
  });

  it("does not count issuers at exactly 5% toward the 40%", () => {
    // 4 × 0.09 = 0.36; the two at 0.05 are not above 5%.
    const instruments = {
      ...INSTRUMENTS,
      C1: equity("C1", "C one"),
      C2: equity("C2", "C two"),
      C3: equity("C3", "C three"),
      C4: equity("C4", "C four"),
    };
    const ctx = baseContext({
      instruments,
      postTradeWeights: {
        AAA: 0.09,
        BBB: 0.09,
        C1: 0.09,
        C2: 0.09,
        C3: 0.05,
        C4: 0.05,
        CASH: 0.54,
      },
    });
    const rs = resultsOf(ctx, "ISSUER_CONCENTRATION");
    expect(rs.every((r) => r.passed)).toBe(true);
    expect(rs.at(-1)?.message).toBe(
      "ISSUER_CONCENTRATION: ok, aggregate=0.3600, above=0.0500, max=0.4000, issuers=4",
    );
  });

  it("exempts classes without an issuer cap (the 57% ETF)", () => {
    expect(
      resultsOf(baseContext(), "ISSUER_CONCENTRATION").some((r) => r.context.issuer === "Fund Co"),
    ).toBe(false);
  });

  it("denies weight on an instrument it cannot attribute to an issuer", () => {
    const ctx = baseContext({ postTradeWeights: { AAA: 0.08, ZZZ: 0.03, ETF: 0.5, CASH: 0.39 } });
    expect(failuresOf(ctx, "ISSUER_CONCENTRATION")).toEqual([
      "hard ISSUER_CONCENTRATION: symbol=ZZZ, weight=0.0300 (instrument unknown: issuer cannot be verified)",
    ]);
  });
});

describe("SECTOR_BOUNDS", () => {
  it("passes sectors under the cap", () => {
    expect(messagesOf(baseContext(), "SECTOR_BOUNDS")).toEqual([
      "SECTOR_BOUNDS: ok, sector=Health Care, weight=0.0700, max=0.4000",
      "SECTOR_BOUNDS: ok, sector=Technology, weight=0.0800, max=0.4000",
    ]);
  });

  it("warns (soft, per the default policy) above the sector cap", () => {
    const instruments = { ...INSTRUMENTS, TT: equity("TT", "Tee", "Technology") };
    const ctx = baseContext({
      instruments,
      postTradeWeights: { AAA: 0.1, TT: 0.35, ETF: 0.3, CASH: 0.25 },
    });
    expect(failuresOf(ctx, "SECTOR_BOUNDS")).toEqual([
      "soft SECTOR_BOUNDS: sector=Technology, weight=0.4500, max=0.4000",
    ]);
  });

  it("applies a per-sector cap from the policy", () => {
    const policy = testPolicy((p) => {
      p.limits.MAX_SECTOR_WEIGHT.bySector = { "Health Care": 0.05 };
      p.limits.MAX_SECTOR_WEIGHT.severity = "hard";
    });
    expect(failuresOf(baseContext({ policy }), "SECTOR_BOUNDS")).toEqual([
      "hard SECTOR_BOUNDS: sector=Health Care, weight=0.0700, max=0.0500",
    ]);
  });

  it("passes with sectors=0 when no holding has a sector", () => {
    expect(
      messagesOf(baseContext({ postTradeWeights: { ETF: 0.9, CASH: 0.1 } }), "SECTOR_BOUNDS"),
    ).toEqual(["SECTOR_BOUNDS: ok, sectors=0"]);
  });
});

describe("ASSET_CLASS_BOUNDS", () => {
  it("passes classes within the mandate's bounds", () => {
    expect(messagesOf(baseContext(), "ASSET_CLASS_BOUNDS")).toEqual([
      "ASSET_CLASS_BOUNDS: ok, assetClass=cash, weight=0.2799, min=0.0100, max=1.0000",
      "ASSET_CLASS_BOUNDS: ok, assetClass=equity, weight=0.1500, min=0.0000, max=0.3000",
      "ASSET_CLASS_BOUNDS: ok, assetClass=etf, weight=0.5700, min=0.4000, max=0.7000",
    ]);
  });

  it("denies buys taking a class above its maximum", () => {
    const ctx = baseContext({ postTradeWeights: { AAA: 0.2, BBB: 0.15, ETF: 0.5, CASH: 0.15 } });
    expect(failuresOf(ctx, "ASSET_CLASS_BOUNDS")).toEqual([
      "hard ASSET_CLASS_BOUNDS: assetClass=equity, weight=0.3500, min=0.0000, max=0.3000",
    ]);
  });

  it("denies sells taking a class below its minimum", () => {
    const ctx = baseContext({ postTradeWeights: { AAA: 0.08, BBB: 0.07, ETF: 0.35, CASH: 0.5 } });
    expect(failuresOf(ctx, "ASSET_CLASS_BOUNDS")).toEqual([
      "hard ASSET_CLASS_BOUNDS: assetClass=etf, weight=0.3500, min=0.4000, max=0.7000",
    ]);
  });

  it("only warns about a class below its minimum that the proposal does not sell", () => {
    const ctx = baseContext({
      proposal: makeProposal([makeOrder("AAA", "BUY", 30)]),
      postTradeWeights: { AAA: 0.08, ETF: 0.35, CASH: 0.57 },
    });
    expect(failuresOf(ctx, "ASSET_CLASS_BOUNDS")).toEqual([
      `soft ASSET_CLASS_BOUNDS: assetClass=etf, weight=0.3500, min=0.4000, max=0.7000${NOT_WORSENED}`,
    ]);
  });

  it("denies buys drawing cash below its floor, taking cash as the remainder when no CASH key is given", () => {
    // 1 − (0.2 + 0.095 + 0.7) = 0.005 < 0.01.
    const ctx = baseContext({ postTradeWeights: { AAA: 0.2, BBB: 0.095, ETF: 0.7 } });
    expect(failuresOf(ctx, "ASSET_CLASS_BOUNDS")).toEqual([
      "hard ASSET_CLASS_BOUNDS: assetClass=cash, weight=0.0050, min=0.0100, max=1.0000",
    ]);
  });

  it("allows the policy's tolerance outside the bounds", () => {
    const policy = testPolicy((p) => {
      p.limits.ASSET_CLASS_BOUND_TOLERANCE.value = 0.06;
    });
    const ctx = baseContext({
      policy,
      postTradeWeights: { AAA: 0.2, BBB: 0.15, ETF: 0.5, CASH: 0.15 },
    });
    expect(failuresOf(ctx, "ASSET_CLASS_BOUNDS")).toEqual([]);
  });

  it("passes when the mandate has no asset-class bounds", () => {
    const portfolio = testPortfolio();
    const ctx = baseContext({
      portfolio: { ...portfolio, mandate: { ...portfolio.mandate, assetClassBounds: undefined } },
    });
    expect(messagesOf(ctx, "ASSET_CLASS_BOUNDS")).toEqual([
      "ASSET_CLASS_BOUNDS: ok, no asset-class bounds in mandate",
    ]);
  });
});

describe("RISK_LIMITS", () => {
  it("passes proposed risk within the mandate's limits", () => {
    expect(messagesOf(baseContext(), "RISK_LIMITS")).toEqual([
      "RISK_LIMITS: ok, metric=volatility, value=0.1200, max=0.1500",
      "RISK_LIMITS: ok, metric=var95, value=0.0150, max=0.0200",
      "RISK_LIMITS: ok, metric=trackingError, value=0.0300, max=0.0500",
    ]);
  });

  it("denies proposed volatility above the limit", () => {
    const ctx = baseContext({
      proposedRisk: { volatility: 0.18, var95: 0.015, trackingError: 0.03 },
    });
    expect(failuresOf(ctx, "RISK_LIMITS")).toEqual([
      "hard RISK_LIMITS: metric=volatility, value=0.1800, max=0.1500",
    ]);
  });

  it("denies every limited figure that could not be computed (fail closed)", () => {
    expect(failuresOf(baseContext({ proposedRisk: null }), "RISK_LIMITS")).toEqual([
      "hard RISK_LIMITS: metric=volatility, value=null, max=0.1500 (not computed)",
      "hard RISK_LIMITS: metric=var95, value=null, max=0.0200 (not computed)",
      "hard RISK_LIMITS: metric=trackingError, value=null, max=0.0500 (not computed)",
    ]);
  });

  it("only warns when the proposal lowers an existing breach", () => {
    const ctx = baseContext({
      proposedRisk: { volatility: 0.18, var95: 0.015, trackingError: 0.03 },
      currentRisk: { volatility: 0.2, var95: 0.02, trackingError: 0.04 },
    });
    expect(failuresOf(ctx, "RISK_LIMITS")).toEqual([
      `soft RISK_LIMITS: metric=volatility, value=0.1800, max=0.1500, current=0.2000${NOT_WORSENED}`,
    ]);
  });

  it("applies the policy's relative tolerance", () => {
    // 0.15 × 1.1 = 0.165: 0.16 passes, 0.17 does not.
    const policy = testPolicy((p) => {
      p.limits.RISK_LIMIT_TOLERANCE.value = 0.1;
    });
    const risk = (volatility: number) => ({ volatility, var95: 0.015, trackingError: 0.03 });
    expect(failuresOf(baseContext({ policy, proposedRisk: risk(0.16) }), "RISK_LIMITS")).toEqual(
      [],
    );
    expect(
      failuresOf(baseContext({ policy, proposedRisk: risk(0.17) }), "RISK_LIMITS").length,
    ).toBe(1);
  });

  it("checks the drawdown limit when the mandate sets one", () => {
    const portfolio = testPortfolio();
    const mandate = { ...portfolio.mandate, riskLimits: { maxDrawdown: 0.25 } };
    const ctx = baseContext({
      portfolio: { ...portfolio, mandate },
      proposedRisk: { volatility: 0.1, var95: 0.01, trackingError: null, maxDrawdown: 0.3 },
    });
    expect(failuresOf(ctx, "RISK_LIMITS")).toEqual([
      "hard RISK_LIMITS: metric=maxDrawdown, value=0.3000, max=0.2500",
    ]);
  });

  it("passes when the mandate sets no risk limit", () => {
    const portfolio = testPortfolio();
    const ctx = baseContext({
      portfolio: { ...portfolio, mandate: { ...portfolio.mandate, riskLimits: {} } },
      proposedRisk: null,
    });
    expect(messagesOf(ctx, "RISK_LIMITS")).toEqual(["RISK_LIMITS: ok, no risk limits in mandate"]);
  });
});
