import { describe, expect, it } from "vitest";
import { PortfolioSchema, type Proposal } from "../governance/index.js";
import {
  DecisionSchema,
  PlanSchema,
  RiskReviewSchema,
  decide,
  isoDaysBefore,
  lookbackCalendarDays,
  planRun,
  reviewData,
  reviewRisk,
  runSupervisor,
  supervisorTools,
  reviewDataTool,
  reviewRiskTool,
  type DecisionInput,
  type RiskReviewInput,
} from "./supervisor-agent.js";

const portfolio = PortfolioSchema.parse({
  id: "p1",
  name: "Test",
  baseCurrency: "USD",
  cash: 1000,
  holdings: [
    { symbol: "XOM", quantity: 1 },
    { symbol: "AAPL", quantity: 2 },
  ],
  mandate: {
    objective: "target-weights",
    targetWeights: { AAPL: 0.5, MSFT: 0.4 },
    universe: ["JPM", "AAPL"],
    benchmark: "SPY",
    riskLimits: { maxVolatility: 0.2, maxVar95: 0.03 },
  },
});

const emptyProposal: Proposal = {
  portfolioId: "p1",
  policyVersion: "v1",
  asOf: "2018-04-11",
  baseCurrency: "USD",
  nav: 100,
  cashBefore: 100,
  cashAfter: 100,
  turnover: 0,
  totalCost: 0,
  orders: [],
  postTradeWeights: { CASH: 1 },
};
const withOrder: Proposal = {
  ...emptyProposal,
  orders: [
    {
      idempotencyKey: "0".repeat(64),
      symbol: "AAPL",
      side: "BUY",
      quantity: 1,
      lotSize: 1,
      assetClass: "equity",
      currency: "USD",
      price: 10,
      priceDate: "2018-04-11",
      notional: 10,
      cost: 0.01,
    },
  ],
};

describe("planRun", () => {
  it("plans the sorted union of holdings, universe, targets and benchmark", () => {
    const plan = planRun({ portfolio, asOf: "2018-04-11" });
    expect(plan.symbols).toEqual(["AAPL", "JPM", "MSFT", "SPY", "XOM"]);
    expect(plan.benchmark).toBe("SPY");
    expect(PlanSchema.parse(plan)).toEqual(plan);
  });

  // Calendar days = ⌈L · 365/252⌉, counted back from asOf by hand on a calendar.
  it.each([
    // 756 · 365/252 = 1095; 2018-04-11 − 1095 days: 2015-04-11 → 2018-04-11 is 1096 days (2016 leap).
    [756, 1095, "2015-04-12"],
    // 252 · 365/252 = 365; 2017-04-11 → 2018-04-11 is 365 days.
    [252, 365, "2017-04-11"],
    // 63 · 365/252 = 91.25 → 92; Apr 11 − 31 (Mar) − 28 (Feb) − 31 (Jan) = Jan 11, − 2 = Jan 9.
    [63, 92, "2018-01-09"],
  ])("turns %i trading days into %i calendar days, from %s", (lookbackDays, days, from) => {
    expect(lookbackCalendarDays(lookbackDays)).toBe(days);
    const p = PortfolioSchema.parse({
      ...portfolio,
      mandate: { ...portfolio.mandate, lookbackDays },
    });
    const plan = planRun({ portfolio: p, asOf: "2018-04-11" });
    expect(plan.window).toEqual({ from, to: "2018-04-11" });
    expect(plan.calendarDays).toBe(days);
  });

  it("crosses a leap day when counting back", () => {
    // 2020-03-01 − 1 day = 2020-02-29; − 366 days = 2019-03-01.
    expect(isoDaysBefore("2020-03-01", 1)).toBe("2020-02-29");
    expect(isoDaysBefore("2020-03-01", 366)).toBe("2019-03-01");
  });

  it("uses the default horizon, loop bound and tightening, and the mandate's risk limits", () => {
    const plan = planRun({ portfolio, asOf: "2018-04-11" });
    expect(plan.horizonDays).toBe(21);
    expect(plan.maxOptimizerLoops).toBe(3);
    expect(plan.budgetTightening).toBe(0.9);
    expect(plan.riskBudget).toEqual({ maxVolatility: 0.2, maxVar95: 0.03 });
    expect(plan.policyVersion).toBeNull();
  });

  it("lets the policy override the horizon, loop bound and tightening", () => {
    const plan = planRun({
      portfolio,
      asOf: "2018-04-11",
      policy: { version: "abc", horizonDays: 10, maxOptimizerLoops: 5, budgetTightening: 0.8 },
    });
    expect([
      plan.horizonDays,
      plan.maxOptimizerLoops,
      plan.budgetTightening,
      plan.policyVersion,
    ]).toEqual([10, 5, 0.8, "abc"]);
  });

  it("rejects an as-of that is not a date", () => {
    expect(() => isoDaysBefore("2018/04/11", 1)).toThrow(/asOf/);
  });
});

describe("reviewData", () => {
  const warning = {
    code: "GAP" as const,
    severity: "warning" as const,
    symbol: "AAPL",
    message: "gap",
    context: {},
  };
  const blocking = {
    ...warning,
    code: "STALE_PRICE" as const,
    severity: "blocking" as const,
    symbol: "XOM",
  };

  it.each([
    ["no findings", { findings: [], blocking: false }, false, 0],
    ["warnings only", { findings: [warning], blocking: false }, false, 0],
    ["a blocking finding", { findings: [warning, blocking], blocking: true }, true, 1],
    [
      "a blocking flag without a blocking finding",
      { findings: [warning], blocking: true },
      true,
      1,
    ],
    [
      "a data error",
      { findings: [], blocking: false, error: { code: "PROVIDER_TIMEOUT", message: "slow" } },
      true,
      1,
    ],
  ])("with %s halts = %s", (_name, input, halt, reasons) => {
    const review = reviewData(input);
    expect(review.halt).toBe(halt);
    expect(review.reasons).toHaveLength(reasons);
  });

  it("names the blocking finding's code and symbol in the reason and keeps warnings apart", () => {
    const review = reviewData({ findings: [warning, blocking], blocking: true });
    expect(review.reasons[0]).toMatch(/^STALE_PRICE: XOM/);
    expect(review.warnings[0]).toMatch(/^GAP: AAPL/);
  });

  it("writes the symbol once when the finding's message already opens with it", () => {
    const review = reviewData({
      findings: [{ ...warning, message: "AAPL: 3 trading days missing" }],
      blocking: false,
    });
    expect(review.warnings).toEqual(["GAP: AAPL: 3 trading days missing"]);
    expect(reviewData({ findings: [warning], blocking: false }).warnings).toEqual([
      "GAP: AAPL gap",
    ]);
  });
});

describe("reviewRisk", () => {
  const vol = (value: number, severity: "hard" | "soft" = "hard") => ({
    limit: "maxVolatility",
    value,
    max: 0.2,
    severity,
  });
  const cases: [string, RiskReviewInput, string, number | undefined][] = [
    [
      "no breach",
      { breaches: [], loop: 0, maxLoops: 3, riskBudget: { maxVolatility: 0.2 } },
      "proceed",
      undefined,
    ],
    // 0.9 · min(0.20, 0.25) = 0.18
    [
      "a volatility breach on run 1 of 3",
      { breaches: [vol(0.25)], loop: 0, maxLoops: 3, riskBudget: { maxVolatility: 0.2 } },
      "retry-optimizer",
      0.18,
    ],
    // run 2 was optimised under 0.18 and came out at 0.19: 0.9 · 0.18 = 0.162
    [
      "a volatility breach on run 2 of 3",
      { breaches: [vol(0.19)], loop: 1, maxLoops: 3, riskBudget: { maxVolatility: 0.18 } },
      "retry-optimizer",
      0.162,
    ],
    [
      "a hard breach on the last run",
      { breaches: [vol(0.21)], loop: 2, maxLoops: 3, riskBudget: { maxVolatility: 0.162 } },
      "block",
      undefined,
    ],
    [
      "a soft breach on the last run",
      { breaches: [vol(0.21, "soft")], loop: 2, maxLoops: 3, riskBudget: { maxVolatility: 0.162 } },
      "proceed",
      undefined,
    ],
    // A VaR breach tightens through the proposal's volatility: 0.8 · min(0.3, 0.15) = 0.12.
    [
      "a VaR breach with the proposal's volatility and a 0.8 tightening",
      {
        breaches: [{ limit: "maxVar95", value: 0.04, max: 0.03 }],
        loop: 0,
        maxLoops: 2,
        riskBudget: { maxVolatility: 0.3 },
        proposedVolatility: 0.15,
        tightening: 0.8,
      },
      "retry-optimizer",
      0.12,
    ],
    [
      "a hard VaR breach with no volatility known to tighten",
      {
        breaches: [{ limit: "maxVar95", value: 0.04, max: 0.03 }],
        loop: 0,
        maxLoops: 3,
        riskBudget: {},
      },
      "block",
      undefined,
    ],
    [
      "a breach with a single allowed run",
      { breaches: [vol(0.25)], loop: 0, maxLoops: 1, riskBudget: { maxVolatility: 0.2 } },
      "block",
      undefined,
    ],
  ];

  it.each(cases)("with %s: %s", (_name, input, action, budget) => {
    const review = reviewRisk(input);
    expect(RiskReviewSchema.parse(review)).toEqual(review);
    expect(review.action).toBe(action);
    if (budget === undefined) expect(review.tighterBudget).toBeUndefined();
    else expect(review.tighterBudget?.maxVolatility).toBeCloseTo(budget, 15);
  });

  it("treats a breach of unknown severity as hard (fail closed)", () => {
    const review = reviewRisk({
      breaches: [{ limit: "maxDrawdown", value: 0.5, max: 0.3 }],
      loop: 2,
      maxLoops: 3,
      riskBudget: { maxVolatility: 0.2 },
    });
    expect(review.action).toBe("block");
    expect(review.reasons[0]).toBe(
      "RISK_LIMIT_BREACH: limit=maxDrawdown, value=0.500000, max=0.300000, severity=hard",
    );
  });
});

describe("decide", () => {
  const cases: [string, DecisionInput, string][] = [
    [
      "checks passed and orders",
      { checks: { passed: true, hardFailures: [], softWarnings: [] }, proposal: withOrder },
      "approval",
    ],
    [
      "checks passed and no orders",
      { checks: { passed: true, hardFailures: [], softWarnings: [] }, proposal: emptyProposal },
      "no_trade",
    ],
    [
      "a hard failure",
      {
        checks: { passed: false, hardFailures: ["RESTRICTED_LIST"], softWarnings: [] },
        proposal: withOrder,
      },
      "blocked",
    ],
    [
      "a hard failure and no orders",
      {
        checks: { passed: false, hardFailures: [{ code: "TRADING_STATE" }], softWarnings: [] },
        proposal: emptyProposal,
      },
      "blocked",
    ],
    [
      "checks not passed without a listed failure",
      { checks: { passed: false, hardFailures: [], softWarnings: [] }, proposal: withOrder },
      "blocked",
    ],
    [
      "no proposal",
      { checks: { passed: true, hardFailures: [], softWarnings: [] }, proposal: null },
      "blocked",
    ],
    [
      "soft warnings only",
      {
        checks: { passed: true, hardFailures: [], softWarnings: ["CASH_BUFFER"] },
        proposal: withOrder,
      },
      "approval",
    ],
  ];

  it.each(cases)("with %s: %s", (_name, input, decision) => {
    const d = decide(input);
    expect(DecisionSchema.parse(d)).toEqual(d);
    expect(d.decision).toBe(decision);
  });

  it("lists the soft warnings the approver must acknowledge", () => {
    const d = decide({
      checks: {
        passed: true,
        hardFailures: [],
        softWarnings: ["CASH_BUFFER", { code: "DUST_TRADE", x: 1 }],
      },
      proposal: withOrder,
    });
    expect(d.acknowledgementsRequired).toEqual(["CASH_BUFFER", "DUST_TRADE"]);
  });

  it("names every hard failure in the reasons", () => {
    const d = decide({
      checks: {
        passed: false,
        hardFailures: ["RESTRICTED_LIST", { code: "PRICE_STALE" }],
        softWarnings: [],
      },
      proposal: withOrder,
    });
    expect(d.reasons).toEqual([
      "HARD_CHECK_FAILED: RESTRICTED_LIST",
      "HARD_CHECK_FAILED: PRICE_STALE",
    ]);
  });
});

describe("runSupervisor and its tools", () => {
  it("dispatches on the step", () => {
    const out = runSupervisor({ step: "review-data", findings: [], blocking: true });
    expect(out).toMatchObject({ halt: true });
  });

  it("exposes each decision as a LangChain tool that returns the same JSON", async () => {
    expect(supervisorTools.map((t) => t.name)).toEqual([
      "supervisor_plan_run",
      "supervisor_review_data",
      "supervisor_review_risk",
      "supervisor_decide",
    ]);
    const tool = reviewRiskTool;
    if (tool === undefined) throw new Error("missing tool");
    const input = {
      breaches: [vol025()],
      loop: 0,
      maxLoops: 3,
      riskBudget: { maxVolatility: 0.2 },
    };
    const text = await tool.invoke(input);
    expect(JSON.parse(String(text))).toEqual(reviewRisk(input));
  });

  it("rejects a tool call whose input breaks the schema", async () => {
    const tool = reviewDataTool;
    if (tool === undefined) throw new Error("missing tool");
    await expect(tool.invoke({ findings: "none" } as never)).rejects.toThrow();
  });
});

function vol025() {
  return { limit: "maxVolatility", value: 0.25, max: 0.2, severity: "hard" as const };
}
