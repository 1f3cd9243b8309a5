import { describe, expect, it } from "vitest";
import type { PreTradeContext } from "./checks-context.js";
import { runPreTradeChecks } from "./checks.js";
import {
  BASE_ORDERS,
  baseContext,
  makeProposal,
  testPolicy,
  testPortfolio,
} from "./checks.fixtures.js";

const resultsOf = (ctx: PreTradeContext, code: string) =>
  runPreTradeChecks(ctx).results.filter((r) => r.code === code);
const withCash = (cash: number) => ({ ...testPortfolio(), cash });

describe("CASH_INSUFFICIENT", () => {
  it("passes when buys and costs fit in cash plus sell proceeds", () => {
    // required = 3,000 + 2,000 + (3 + 2 + 3) = 5,008; available = 30,000 + 3,000.
    expect(resultsOf(baseContext(), "CASH_INSUFFICIENT").map((r) => r.message)).toEqual([
      "CASH_INSUFFICIENT: ok, required=5008.00, available=33000.00",
    ]);
  });

  it("denies buys that fit one at a time but not together", () => {
    // cash 1,000 + proceeds 3,000 = 4,000: the 3,003 and 2,002 buys each fit, their sum 5,008 does not.
    const [r] = resultsOf(baseContext({ portfolio: withCash(1_000) }), "CASH_INSUFFICIENT");
    expect(r?.message).toBe("CASH_INSUFFICIENT: required=5008.00, available=4000.00");
    expect(r?.passed).toBe(false);
    expect(r?.severity).toBe("hard");
  });

  it("lets sell proceeds fund buys", () => {
    // cash 2,010 + 3,000 = 5,010 ≥ 5,008.
    expect(
      resultsOf(baseContext({ portfolio: withCash(2_010) }), "CASH_INSUFFICIENT")[0]?.passed,
    ).toBe(true);
  });

  it("recomputes costs from the mandate when the proposal understates them", () => {
    // With order costs of 0 the mandate's 10 bps still applies: required 5,008 > 5,007 available.
    const orders = BASE_ORDERS.map((o) => ({ ...o, cost: 0 }));
    const ctx = baseContext({ portfolio: withCash(2_007), proposal: makeProposal(orders) });
    expect(resultsOf(ctx, "CASH_INSUFFICIENT")[0]?.message).toBe(
      "CASH_INSUFFICIENT: required=5008.00, available=5007.00",
    );
  });

  it("denies when a reference price is missing (fail closed)", () => {
    const { BBB: _drop, ...latestPrices } = baseContext().latestPrices;
    expect(_drop).toBeDefined();
    expect(resultsOf(baseContext({ latestPrices }), "CASH_INSUFFICIENT")[0]?.message).toBe(
      "CASH_INSUFFICIENT: required=null, available=null (no reference price for BBB)",
    );
  });
});

describe("CASH_BUFFER", () => {
  it("passes a post-trade cash weight above the floor", () => {
    // cash after = 2,300 + 3,000 − 5,000 − 8 = 292; 292 / 99,992 = 0.00292 ≥ 0.0025.
    expect(resultsOf(baseContext({ portfolio: withCash(2_300) }), "CASH_BUFFER")[0]?.message).toBe(
      "CASH_BUFFER: ok, cashWeight=0.0029, min=0.0025",
    );
  });

  it("warns (soft) below the floor", () => {
    // cash after = 2,200 + 3,000 − 5,008 = 192; 192 / 99,992 = 0.00192 < 0.0025.
    const [r] = resultsOf(baseContext({ portfolio: withCash(2_200) }), "CASH_BUFFER");
    expect(r?.message).toBe("CASH_BUFFER: cashWeight=0.0019, min=0.0025");
    expect(r?.severity).toBe("soft");
    expect(r?.passed).toBe(false);
  });
});

describe("TURNOVER_EXCEEDS_LIMIT", () => {
  it("passes turnover within both the mandate and the policy", () => {
    // (3,000 + 2,000 + 3,000) / 100,000 = 0.08.
    expect(resultsOf(baseContext(), "TURNOVER_EXCEEDS_LIMIT")[0]?.message).toBe(
      "TURNOVER_EXCEEDS_LIMIT: ok, turnover=0.0800, max=0.2500",
    );
  });

  it("warns (soft) above the mandate's turnover limit", () => {
    const portfolio = testPortfolio();
    const ctx = baseContext({
      portfolio: { ...portfolio, mandate: { ...portfolio.mandate, turnoverLimit: 0.05 } },
    });
    const [r] = resultsOf(ctx, "TURNOVER_EXCEEDS_LIMIT");
    expect(r?.message).toBe("TURNOVER_EXCEEDS_LIMIT: turnover=0.0800, max=0.0500 (mandate)");
    expect(r?.severity).toBe("soft");
  });

  it("denies (hard) above the policy's turnover cap", () => {
    const policy = testPolicy((p) => {
      p.limits.MAX_TURNOVER.value = 0.07;
    });
    const [r] = resultsOf(baseContext({ policy }), "TURNOVER_EXCEEDS_LIMIT");
    expect(r?.message).toBe("TURNOVER_EXCEEDS_LIMIT: turnover=0.0800, max=0.0700 (policy)");
    expect(r?.severity).toBe("hard");
    expect(r?.passed).toBe(false);
  });
});
