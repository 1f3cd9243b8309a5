import { describe, expect, it } from "vitest";
import { CheckResultSchema, isCheckResult, type PreTradeCheck } from "./checks-context.js";
import { describeControls, PRE_TRADE_CHECKS } from "./checks-catalog.js";
import { runPreTradeChecks, softWarningCodes } from "./checks.js";
import {
  BASE_ORDERS,
  baseContext,
  makeOrder,
  makeProposal,
  NOW,
  testPolicy,
} from "./checks.fixtures.js";
import { policyVersion } from "./policy.js";
import { proposalHash } from "./proposal.js";

/** The check codes of GOVERNANCE.md §1 (table order). */
const GOVERNANCE_CODES = [
  "TRADING_STATE",
  "INSTRUMENT_UNKNOWN",
  "NOT_TRADABLE",
  "QUANTITY_INVALID",
  "PRICE_MISSING",
  "PRICE_STALE",
  "PRICE_COLLAR",
  "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
  "ADV_PARTICIPATION",
  "DUPLICATE_ORDER",
  "CASH_INSUFFICIENT",
  "CASH_BUFFER",
  "SHORT_NOT_ALLOWED",
  "TURNOVER_EXCEEDS_LIMIT",
  "DUST_TRADE",
  "SELF_CROSS",
  "ISSUER_CONCENTRATION",
  "SECTOR_BOUNDS",
  "ASSET_CLASS_BOUNDS",
  "RESTRICTED_LIST",
  "RISK_LIMITS",
  "DRAWDOWN_TRIGGER",
  "RATE_LIMIT",
];

const PER_ORDER = [
  "TRADING_STATE",
  "INSTRUMENT_UNKNOWN",
  "NOT_TRADABLE",
  "QUANTITY_INVALID",
  "PRICE_MISSING",
  "PRICE_STALE",
  "PRICE_COLLAR",
  "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
  "ADV_PARTICIPATION",
  "DUPLICATE_ORDER",
  "SHORT_NOT_ALLOWED",
  "DUST_TRADE",
  "RESTRICTED_LIST",
  "DRAWDOWN_TRIGGER",
];

const boom: PreTradeCheck = {
  code: "FAULTY",
  run: () => {
    throw new Error("boom");
  },
};

describe("runPreTradeChecks", () => {
  it("passes a clean proposal with every GOVERNANCE.md check reported", () => {
    const report = runPreTradeChecks(baseContext());
    expect(report.passed).toBe(true);
    expect(report.hardFailures).toEqual([]);
    expect(report.softWarnings).toEqual([]);
    expect([...new Set(report.results.map((r) => r.code))]).toEqual(GOVERNANCE_CODES);
    expect(PRE_TRADE_CHECKS.map((c) => c.code)).toEqual(GOVERNANCE_CODES);
  });

  it("gives one result per order for each per-order check", () => {
    const report = runPreTradeChecks(baseContext());
    for (const code of PER_ORDER) {
      expect(
        report.results.filter((r) => r.code === code).map((r) => r.symbol),
        code,
      ).toEqual(["AAA", "BBB", "ETF"]);
    }
  });

  it("writes the policy version and proposal hash with the results", () => {
    const ctx = baseContext();
    const report = runPreTradeChecks(ctx);
    expect(report.policyVersion).toBe(policyVersion(ctx.policy));
    expect(report.proposalHash).toBe(proposalHash(ctx.proposal));
  });

  it("splits failures into hard blocks and soft warnings", () => {
    const ctx = baseContext({
      volumes: { AAA: 200 },
      policy: testPolicy((p) => void (p.tradingState = "HALTED")),
    });
    const report = runPreTradeChecks(ctx);
    expect(report.passed).toBe(false);
    expect(report.hardFailures.map((r) => r.code)).toEqual([
      "TRADING_STATE",
      "TRADING_STATE",
      "TRADING_STATE",
    ]);
    expect(report.softWarnings.map((r) => r.message)).toEqual([
      "ADV_PARTICIPATION: quantity=30, adv=200, participation=0.1500, max=0.1000",
    ]);
    expect(softWarningCodes(report)).toEqual(["ADV_PARTICIPATION"]);
  });

  it("passes a proposal whose only failures are soft", () => {
    const report = runPreTradeChecks(baseContext({ volumes: { AAA: 200, BBB: 100 } }));
    expect(report.passed).toBe(true);
    expect(report.softWarnings.length).toBe(2);
  });

  it("turns an exception inside a check into a hard CHECK_ERROR naming it, never a crash or a pass", () => {
    const report = runPreTradeChecks(baseContext(), { extraChecks: [boom] });
    expect(report.passed).toBe(false);
    expect(report.hardFailures).toEqual([
      {
        code: "CHECK_ERROR",
        severity: "hard",
        passed: false,
        message: "CHECK_ERROR: check=FAULTY, error=Error: boom",
        context: { check: "FAULTY", error: "Error: boom" },
      },
    ]);
  });

  it("treats a malformed result from a check as a CHECK_ERROR", () => {
    const liar: PreTradeCheck = {
      code: "LIAR",
      run: () => [{ code: "LIAR", passed: true } as never],
    };
    const report = runPreTradeChecks(baseContext(), { extraChecks: [liar] });
    expect(report.hardFailures.map((r) => r.message)).toEqual([
      "CHECK_ERROR: check=LIAR, error=TypeError: result 0 is malformed",
    ]);
  });

  it("validates results exactly as CheckResultSchema does", () => {
    const ok = {
      code: "X_1",
      severity: "soft",
      passed: false,
      message: "X_1: a=1",
      context: { a: 1, b: "s", c: true, d: null },
    };
    const limit = { name: "L", owner: "Head of Risk", rationale: "r", reviewDate: "2027-01-01" };
    const cases: unknown[] = [
      ok,
      { ...ok, symbol: "AAA", limit, overridden: true },
      { ...ok, extra: 1 },
      { ...ok, code: "x" },
      { ...ok, severity: "warning" },
      { ...ok, passed: "no" },
      { ...ok, context: { a: Number.NaN } },
      { ...ok, context: { a: Number.POSITIVE_INFINITY } },
      { ...ok, context: { a: [1] } },
      { ...ok, context: [] },
      { ...ok, symbol: 1 },
      { ...ok, limit: { ...limit, extra: "x" } },
      { ...ok, limit: { name: "L" } },
      null,
      [],
    ];
    for (const [i, c] of cases.entries()) {
      expect(isCheckResult(c), `case ${i}`).toBe(CheckResultSchema.safeParse(c).success);
    }
    expect(cases.filter((c) => isCheckResult(c)).length).toBe(2);
  });

  it("fails closed on a context no check can read", () => {
    const ctx = baseContext({ proposal: { ...makeProposal(BASE_ORDERS), nav: 0 } });
    const report = runPreTradeChecks(ctx);
    expect(report.passed).toBe(false);
    expect(report.results.map((r) => r.message)).toEqual([
      "CHECK_ERROR: check=CONTEXT, error=RangeError: proposal.nav must be > 0, got 0",
    ]);
  });

  it("fails closed when a non-base currency has no usable FX rate", () => {
    const EUX = {
      symbol: "EUX",
      assetClass: "equity" as const,
      currency: "EUR",
      lotSize: 1,
      fractional: false,
      tradable: true,
    };
    const ctx = baseContext({
      instruments: { ...baseContext().instruments, EUX },
      proposal: makeProposal([{ ...makeOrder("EUX", "BUY", 30, 50), currency: "EUR" }]),
      fxRates: { EUR: -1 },
    });
    expect(runPreTradeChecks(ctx).hardFailures[0]?.message).toBe(
      "CHECK_ERROR: check=CONTEXT, error=RangeError: fxRates.EUR must be > 0",
    );
  });

  it("gives the same results whatever the order of the proposal's orders", () => {
    const a = runPreTradeChecks(baseContext());
    const b = runPreTradeChecks(
      baseContext({ proposal: makeProposal([...BASE_ORDERS].reverse()) }),
    );
    expect(JSON.stringify(b.results)).toBe(JSON.stringify(a.results));
  });

  it("lists the controls in force with each limit's owner and value", () => {
    const controls = describeControls(testPolicy());
    expect(controls.map((c) => c.code)).toEqual(GOVERNANCE_CODES);
    expect(controls.find((c) => c.code === "PRICE_STALE")?.limits).toEqual([
      {
        name: "PRICE_MAX_AGE_WEEKDAYS",
        owner: "Head of Market Data",
        rationale:
          "A reference price older than three weekdays (a holiday plus a late feed) cannot size an order.",
        reviewDate: "2027-05-31",
        severity: "hard",
        value: 3,
      },
    ]);
  });
});

describe("overrides", () => {
  // 1,250 × 100 = 125,000 > 100,000: one hard NOTIONAL failure (cash 300,000 covers it; NAV
  // 2,000,000 keeps turnover at 0.0625; ADV 100,000 keeps participation at 1.25%).
  const capped = () =>
    baseContext({
      policy: testPolicy(
        (p) => void (p.limits.MAX_NOTIONAL_PER_ORDER.value = { equity: 100_000, etf: 2_000_000 }),
      ),
      proposal: {
        ...makeProposal([makeOrder("AAA", "BUY", 1_250)], { AAA: 0.09, ETF: 0.6, CASH: 0.31 }),
        nav: 2_000_000,
      },
      portfolio: { ...baseContext().portfolio, cash: 300_000 },
      volumes: { AAA: 100_000 },
    });
  const valid = () => {
    const ctx = capped();
    return {
      code: "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
      proposalHash: proposalHash(ctx.proposal),
      reason: "block trade agreed with the broker",
      approvedBy: ["sue", "tom"],
      expiresAt: "2026-11-20T11:00:00.000Z",
    };
  };
  const run = (
    override: unknown,
    opts: { requestedBy?: string; now?: string | undefined } = {},
  ) => {
    const ctx = capped();
    return runPreTradeChecks(
      { ...ctx, now: "now" in opts ? opts.now : NOW },
      { overrides: [override], requestedBy: opts.requestedBy },
    );
  };

  it("has exactly one hard failure to override without one", () => {
    const report = runPreTradeChecks(capped());
    expect(report.hardFailures.map((r) => r.message)).toEqual([
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=125000.00, max=100000.00",
    ]);
  });

  it("turns the hard failure into a pass marked overridden, with the override in context", () => {
    const report = run(valid());
    expect(report.passed).toBe(true);
    const r = report.results.find((x) => x.code === "NOTIONAL_EXCEEDS_MAX_PER_ORDER");
    expect(r?.passed).toBe(true);
    expect(r?.overridden).toBe(true);
    expect(r?.message).toBe(
      "NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=125000.00, max=100000.00 [overridden]",
    );
    expect(r?.context).toMatchObject({
      overrideReason: "block trade agreed with the broker",
      overrideApprovedBy: "sue,tom",
      overrideExpiresAt: "2026-11-20T11:00:00.000Z",
    });
    expect(report.overrides).toEqual([
      {
        index: 0,
        checkCode: "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
        ok: true,
        message: "valid",
        applied: 1,
      },
    ]);
  });

  it("ignores an expired override", () => {
    const report = run({ ...valid(), expiresAt: NOW });
    expect(report.passed).toBe(false);
    expect(report.overrides[0]).toMatchObject({ ok: false, error: "OVERRIDE_EXPIRED", applied: 0 });
  });

  it("ignores an override given for another version of the proposal", () => {
    const report = run({ ...valid(), proposalHash: "0".repeat(64) });
    expect(report.passed).toBe(false);
    expect(report.overrides[0]?.error).toBe("OVERRIDE_PROPOSAL_MISMATCH");
  });

  it("needs two distinct approvers", () => {
    expect(run({ ...valid(), approvedBy: ["sue"] }).overrides[0]?.error).toBe(
      "OVERRIDE_TWO_APPROVERS_REQUIRED",
    );
    expect(run({ ...valid(), approvedBy: ["sue", "sue"] }).overrides[0]?.error).toBe(
      "OVERRIDE_TWO_APPROVERS_REQUIRED",
    );
    expect(run({ ...valid(), approvedBy: ["sue", " "] }).passed).toBe(false);
  });

  it("needs a reason", () => {
    const report = run({ ...valid(), reason: "  " });
    expect(report.passed).toBe(false);
    expect(report.overrides[0]?.error).toBe("OVERRIDE_REASON_REQUIRED");
  });

  it("does not let the requester approve an override", () => {
    expect(run(valid(), { requestedBy: "tom" }).overrides[0]?.error).toBe("OVERRIDE_SELF_APPROVAL");
  });

  it("is invalid without a clock", () => {
    expect(run(valid(), { now: undefined }).overrides[0]?.error).toBe("OVERRIDE_NO_CLOCK");
  });

  it("cannot override a fail-closed check", () => {
    const ctx = baseContext({
      latestPrices: { ...baseContext().latestPrices, AAA: { price: 100, date: "2018-04-03" } },
    });
    const override = { ...valid(), code: "PRICE_STALE", proposalHash: proposalHash(ctx.proposal) };
    const report = runPreTradeChecks(ctx, { overrides: [override] });
    expect(report.passed).toBe(false);
    expect(report.overrides[0]?.error).toBe("OVERRIDE_NOT_ALLOWED");
  });

  it("applies only to its own check code and, when given, its symbol", () => {
    expect(run({ ...valid(), code: "CASH_INSUFFICIENT" }).passed).toBe(false);
    expect(run({ ...valid(), symbol: "BBB" }).passed).toBe(false);
    expect(run({ ...valid(), symbol: "AAA" }).passed).toBe(true);
  });

  it("rejects a malformed override naming the field", () => {
    const report = run({ ...valid(), approvedBy: "sue,tom" });
    expect(report.overrides[0]?.error).toBe("OVERRIDE_MALFORMED");
    expect(report.overrides[0]?.message).toMatch(/^override\.approvedBy:/);
  });

  it("leaves soft warnings for the approver to acknowledge", () => {
    const ctx = capped();
    const report = runPreTradeChecks(
      { ...ctx, volumes: { AAA: 1_000 } }, // 1,250 / 1,000 = 1.25 > 0.10
      { overrides: [{ ...valid(), code: "ADV_PARTICIPATION" }] },
    );
    expect(softWarningCodes(report)).toEqual(["ADV_PARTICIPATION"]);
    expect(report.overrides[0]?.applied).toBe(0);
  });
});
