import { describe, expect, it } from "vitest";
import type { PreTradeContext } from "./checks-context.js";
import { runPreTradeChecks } from "./checks.js";
import {
  BASE_ORDERS,
  baseContext,
  makeOrder,
  makeProposal,
  NOW,
  testPolicy,
} from "./checks.fixtures.js";

const resultsOf = (ctx: PreTradeContext, code: string) =>
  runPreTradeChecks(ctx).results.filter((r) => r.code === code);
const failuresOf = (ctx: PreTradeContext, code: string) =>
  resultsOf(ctx, code)
    .filter((r) => !r.passed)
    .map((r) => r.message);
const state = (s: "ACTIVE" | "REDUCING" | "HALTED") =>
  testPolicy((p) => {
    p.tradingState = s;
  });

describe("TRADING_STATE", () => {
  it("allows every order when ACTIVE", () => {
    expect(resultsOf(baseContext(), "TRADING_STATE").map((r) => r.message)).toEqual([
      "TRADING_STATE: ok, state=ACTIVE, side=BUY",
      "TRADING_STATE: ok, state=ACTIVE, side=BUY",
      "TRADING_STATE: ok, state=ACTIVE, side=SELL",
    ]);
  });

  it("denies every order when HALTED (the kill switch)", () => {
    expect(failuresOf(baseContext({ policy: state("HALTED") }), "TRADING_STATE")).toEqual([
      "TRADING_STATE: state=HALTED, side=BUY (trading halted)",
      "TRADING_STATE: state=HALTED, side=BUY (trading halted)",
      "TRADING_STATE: state=HALTED, side=SELL (trading halted)",
    ]);
  });

  it("allows only risk-reducing sells when REDUCING", () => {
    const rs = resultsOf(baseContext({ policy: state("REDUCING") }), "TRADING_STATE");
    expect(rs.map((r) => [r.symbol, r.passed, r.message])).toEqual([
      [
        "AAA",
        false,
        "TRADING_STATE: state=REDUCING, side=BUY, riskReducing=false (risk-reducing orders only)",
      ],
      [
        "BBB",
        false,
        "TRADING_STATE: state=REDUCING, side=BUY, riskReducing=false (risk-reducing orders only)",
      ],
      ["ETF", true, "TRADING_STATE: ok, state=REDUCING, side=SELL, riskReducing=true"],
    ]);
  });

  it("does not count a sell beyond the holding as risk-reducing", () => {
    const ctx = baseContext({
      policy: state("REDUCING"),
      proposal: makeProposal([makeOrder("ETF", "SELL", 201)]),
    });
    expect(failuresOf(ctx, "TRADING_STATE")).toEqual([
      "TRADING_STATE: state=REDUCING, side=SELL, riskReducing=false (risk-reducing orders only)",
    ]);
  });
});

describe("DRAWDOWN_TRIGGER", () => {
  it("passes every order below the trigger", () => {
    expect(resultsOf(baseContext(), "DRAWDOWN_TRIGGER")[0]?.message).toBe(
      "DRAWDOWN_TRIGGER: ok, drawdown=0.0500, trigger=0.2000, side=BUY",
    );
  });

  it("denies buys once the drawdown reaches the trigger, allowing risk-reducing sells", () => {
    const rs = resultsOf(baseContext({ currentDrawdown: 0.25 }), "DRAWDOWN_TRIGGER");
    expect(rs.map((r) => [r.symbol, r.passed])).toEqual([
      ["AAA", false],
      ["BBB", false],
      ["ETF", true],
    ]);
    expect(rs[0]?.message).toBe(
      "DRAWDOWN_TRIGGER: drawdown=0.2500, trigger=0.2000, side=BUY (book is REDUCING: risk-reducing orders only)",
    );
    expect(rs[0]?.context.effectiveState).toBe("REDUCING");
  });

  it("triggers at exactly the limit", () => {
    expect(failuresOf(baseContext({ currentDrawdown: 0.2 }), "DRAWDOWN_TRIGGER").length).toBe(2);
  });

  it("passes with known=false when the drawdown could not be computed", () => {
    const [r] = resultsOf(baseContext({ currentDrawdown: null }), "DRAWDOWN_TRIGGER");
    expect(r?.passed).toBe(true);
    expect(r?.context.known).toBe(false);
    expect(r?.message).toBe(
      "DRAWDOWN_TRIGGER: ok, drawdown=null, trigger=0.2000, side=BUY (drawdown not computed)",
    );
  });
});

describe("DUPLICATE_ORDER", () => {
  const aaa = makeOrder("AAA", "BUY", 30);
  const key12 = aaa.idempotencyKey.slice(0, 12);

  it("passes orders with unique keys and no recent twin", () => {
    expect(failuresOf(baseContext(), "DUPLICATE_ORDER")).toEqual([]);
  });

  it("denies both orders sharing an idempotency key within the proposal", () => {
    const ctx = baseContext({ proposal: makeProposal([aaa, aaa]) });
    expect(failuresOf(ctx, "DUPLICATE_ORDER")).toEqual([
      `DUPLICATE_ORDER: key=${key12}, source=proposal`,
      `DUPLICATE_ORDER: key=${key12}, source=proposal`,
    ]);
  });

  it("denies an order whose key was already released", () => {
    const ctx = baseContext({ recentOrderKeys: [aaa.idempotencyKey] });
    expect(failuresOf(ctx, "DUPLICATE_ORDER")).toEqual([
      `DUPLICATE_ORDER: key=${key12}, source=recent`,
    ]);
  });

  it("denies an identical order released within the window", () => {
    const ctx = baseContext({
      recentOrders: [
        { symbol: "AAA", side: "BUY", quantity: 30, releasedAt: "2026-11-20T09:30:00.000Z" },
      ],
    });
    expect(failuresOf(ctx, "DUPLICATE_ORDER")).toEqual([
      `DUPLICATE_ORDER: key=${key12}, source=window, windowMinutes=60`,
    ]);
  });

  it("allows the identical order once the window has passed, or with another quantity", () => {
    const old = baseContext({
      recentOrders: [
        { symbol: "AAA", side: "BUY", quantity: 30, releasedAt: "2026-11-20T08:59:59.000Z" },
      ],
    });
    expect(failuresOf(old, "DUPLICATE_ORDER")).toEqual([]);
    const other = baseContext({
      recentOrders: [{ symbol: "AAA", side: "BUY", quantity: 31, releasedAt: NOW }],
    });
    expect(failuresOf(other, "DUPLICATE_ORDER")).toEqual([]);
  });

  it("fails closed when recent orders are given without a clock", () => {
    const ctx = baseContext({
      now: undefined,
      recentOrders: [{ symbol: "AAA", side: "BUY", quantity: 30, releasedAt: NOW }],
    });
    const [r] = resultsOf(ctx, "CHECK_ERROR");
    expect(r?.message).toMatch(
      /^CHECK_ERROR: check=DUPLICATE_ORDER, error=RangeError: DUPLICATE_ORDER needs ctx\.now/,
    );
    expect(runPreTradeChecks(ctx).passed).toBe(false);
  });
});

describe("SHORT_NOT_ALLOWED", () => {
  it("passes sells within the holding", () => {
    expect(resultsOf(baseContext(), "SHORT_NOT_ALLOWED")[2]?.message).toBe(
      "SHORT_NOT_ALLOWED: ok, sell=10, held=200",
    );
  });

  it("denies a sell of more than is held", () => {
    const ctx = baseContext({ proposal: makeProposal([makeOrder("ETF", "SELL", 250)]) });
    expect(failuresOf(ctx, "SHORT_NOT_ALLOWED")).toEqual(["SHORT_NOT_ALLOWED: sell=250, held=200"]);
  });

  it("adds up every sell of the symbol in the proposal", () => {
    // 150 + 100 = 250 > 200 although each alone is within the holding.
    const ctx = baseContext({
      proposal: makeProposal([makeOrder("ETF", "SELL", 150), makeOrder("ETF", "SELL", 100)]),
    });
    expect(failuresOf(ctx, "SHORT_NOT_ALLOWED")).toEqual([
      "SHORT_NOT_ALLOWED: sell=250, held=200",
      "SHORT_NOT_ALLOWED: sell=250, held=200",
    ]);
  });

  it("denies any sell of a symbol not held", () => {
    const ctx = baseContext({
      holdings: { AAA: 50 },
      proposal: makeProposal([makeOrder("BBB", "SELL", 1)]),
    });
    expect(failuresOf(ctx, "SHORT_NOT_ALLOWED")).toEqual(["SHORT_NOT_ALLOWED: sell=1, held=0"]);
  });
});

describe("SELF_CROSS", () => {
  it("passes a proposal trading each symbol one way", () => {
    expect(resultsOf(baseContext(), "SELF_CROSS").map((r) => r.message)).toEqual([
      "SELF_CROSS: ok, symbols=3",
    ]);
  });

  it("denies a buy and a sell of the same symbol in one proposal", () => {
    const ctx = baseContext({
      proposal: makeProposal([...BASE_ORDERS, makeOrder("AAA", "SELL", 5)]),
    });
    const [r] = resultsOf(ctx, "SELF_CROSS");
    expect(r?.message).toBe("SELF_CROSS: symbol=AAA, sides=BUY+SELL");
    expect(r?.symbol).toBe("AAA");
    expect(r?.severity).toBe("hard");
  });
});

describe("RATE_LIMIT", () => {
  it("passes the 20th proposal in the window", () => {
    expect(
      resultsOf(baseContext({ proposalCountInWindow: 19 }), "RATE_LIMIT").map((r) => r.message),
    ).toEqual(["RATE_LIMIT: ok, scope=portfolio, proposals=20, max=20, windowMinutes=60"]);
  });

  it("denies the 21st proposal for the portfolio in the window", () => {
    expect(failuresOf(baseContext({ proposalCountInWindow: 20 }), "RATE_LIMIT")).toEqual([
      "RATE_LIMIT: scope=portfolio, proposals=21, max=20, windowMinutes=60",
    ]);
  });

  it("denies beyond the global limit when a global count is given", () => {
    expect(failuresOf(baseContext({ globalProposalCountInWindow: 500 }), "RATE_LIMIT")).toEqual([
      "RATE_LIMIT: scope=global, proposals=501, max=500, windowMinutes=60",
    ]);
  });

  it("fails closed on a count that is not a non-negative integer", () => {
    const report = runPreTradeChecks(baseContext({ proposalCountInWindow: -1 }));
    expect(report.hardFailures.map((r) => r.message)).toEqual([
      "CHECK_ERROR: check=RATE_LIMIT, error=RangeError: proposalCountInWindow must be an integer ≥ 0, got -1",
    ]);
  });
});
