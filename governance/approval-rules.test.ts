import { describe, expect, it } from "vitest";
import {
  approvalExpiry,
  evaluateApprovalDecision,
  requiredApprovals,
  type ApprovalDecision,
  type ApprovalInput,
  type ApprovalRequest,
  type PriorApproval,
} from "./approval-rules.js";
import { testPolicy } from "./checks.fixtures.js";

const HASH = "a".repeat(64);
const policy = testPolicy();

const request = (patch: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  runId: "run-1",
  portfolioId: "test-book",
  requestedBy: "pam",
  proposalHash: HASH,
  createdAt: "2026-11-20T10:00:00.000Z",
  expiresAt: "2026-11-20T10:30:00.000Z",
  notional: 8_000,
  softWarnings: [],
  ...patch,
});

const decision = (
  patch: Partial<ApprovalDecision> = {},
  actor: Partial<ApprovalDecision["actor"]> = {},
): ApprovalDecision => ({
  actor: { id: "sue", roles: ["supervisor"], portfolios: ["test-book"], kind: "human", ...actor },
  action: "approve",
  proposalHash: HASH,
  ...patch,
});

const evaluate = (patch: Partial<ApprovalInput> = {}) =>
  evaluateApprovalDecision({
    request: request(),
    decision: decision(),
    priorApprovals: [],
    now: "2026-11-20T10:10:00.000Z",
    policy,
    ...patch,
  });

const codeOf = (patch: Partial<ApprovalInput>) => {
  const r = evaluate(patch);
  return r.ok ? r.outcome : r.code;
};

const prior = (actorId: string, proposalHash = HASH): PriorApproval => ({
  actorId,
  proposalHash,
  at: "2026-11-20T10:05:00.000Z",
});

describe("evaluateApprovalDecision", () => {
  it("approves with one supervisor in scope below the two-approver threshold", () => {
    expect(evaluate()).toEqual({ ok: true, outcome: "approved", required: 1, approvals: 1 });
  });

  it("refuses approval by the requester (SELF_APPROVAL)", () => {
    const r = evaluate({ decision: decision({}, { id: "pam" }) });
    expect(r).toEqual({
      ok: false,
      code: "SELF_APPROVAL",
      message: "pam requested this proposal and cannot decide on it",
    });
  });

  it("refuses a rejection by the requester too: the maker is never the checker", () => {
    expect(
      codeOf({
        decision: decision({ action: "reject", reason: "changed my mind" }, { id: "pam" }),
      }),
    ).toBe("SELF_APPROVAL");
  });

  it("refuses an actor without the supervisor role (NOT_SUPERVISOR)", () => {
    expect(codeOf({ decision: decision({}, { roles: ["pm"] }) })).toBe("NOT_SUPERVISOR");
    expect(codeOf({ decision: decision({}, { roles: ["admin", "auditor"] }) })).toBe(
      "NOT_SUPERVISOR",
    );
  });

  it("refuses a supervisor without scope over the portfolio (OUT_OF_SCOPE)", () => {
    expect(codeOf({ decision: decision({}, { portfolios: ["other-book"] }) })).toBe("OUT_OF_SCOPE");
    expect(codeOf({ decision: decision({}, { portfolios: "*" }) })).toBe("approved");
  });

  it("never lets an agent or system identity approve (AGENT_CANNOT_APPROVE)", () => {
    expect(codeOf({ decision: decision({}, { kind: "agent", id: "execution-agent" }) })).toBe(
      "AGENT_CANNOT_APPROVE",
    );
    expect(codeOf({ decision: decision({}, { kind: "system", id: "scheduler" }) })).toBe(
      "AGENT_CANNOT_APPROVE",
    );
  });

  it("refuses a decision on a proposal that has changed since it was shown (PROPOSAL_CHANGED)", () => {
    expect(codeOf({ decision: decision({ proposalHash: "b".repeat(64) }) })).toBe(
      "PROPOSAL_CHANGED",
    );
  });

  it("refuses once the request has expired, from the expiry instant on (EXPIRED)", () => {
    expect(codeOf({ now: "2026-11-20T10:29:59.999Z" })).toBe("approved");
    expect(codeOf({ now: "2026-11-20T10:30:00.000Z" })).toBe("EXPIRED");
    expect(codeOf({ now: new Date("2026-11-20T11:00:00.000Z") })).toBe("EXPIRED");
  });

  it("requires a reason to reject (REASON_REQUIRED)", () => {
    expect(codeOf({ decision: decision({ action: "reject" }) })).toBe("REASON_REQUIRED");
    expect(codeOf({ decision: decision({ action: "reject", reason: "   " }) })).toBe(
      "REASON_REQUIRED",
    );
    expect(
      evaluate({ decision: decision({ action: "reject", reason: "too much turnover" }) }),
    ).toEqual({
      ok: true,
      outcome: "rejected",
      required: 1,
      approvals: 0,
    });
  });

  it("requires a reason to approve a proposal with overridden checks (REASON_REQUIRED)", () => {
    const withOverride = request({ overrides: ["NOTIONAL_EXCEEDS_MAX_PER_ORDER"] });
    expect(codeOf({ request: withOverride })).toBe("REASON_REQUIRED");
    expect(
      codeOf({ request: withOverride, decision: decision({ reason: "block trade agreed" }) }),
    ).toBe("approved");
  });

  it("requires every soft warning to be acknowledged (ACKNOWLEDGEMENT_REQUIRED)", () => {
    const warned = request({ softWarnings: ["CASH_BUFFER", "ADV_PARTICIPATION"] });
    const r = evaluate({
      request: warned,
      decision: decision({ acknowledgements: ["ADV_PARTICIPATION"] }),
    });
    expect(r).toEqual({
      ok: false,
      code: "ACKNOWLEDGEMENT_REQUIRED",
      message: "acknowledge the soft warnings: CASH_BUFFER",
    });
    expect(
      codeOf({
        request: warned,
        decision: decision({ acknowledgements: ["CASH_BUFFER", "ADV_PARTICIPATION"] }),
      }),
    ).toBe("approved");
  });

  it("needs a second, different approver above the notional threshold", () => {
    const big = request({ notional: 1_500_000 });
    expect(evaluate({ request: big })).toEqual({
      ok: true,
      outcome: "awaiting_second_approval",
      required: 2,
      approvals: 1,
    });
    const second = evaluate({
      request: big,
      decision: decision({}, { id: "tom" }),
      priorApprovals: [prior("sue")],
    });
    expect(second).toEqual({ ok: true, outcome: "approved", required: 2, approvals: 2 });
  });

  it("refuses the same approver twice toward two approvals (DUPLICATE_APPROVER)", () => {
    const big = request({ notional: 1_500_000 });
    expect(codeOf({ request: big, priorApprovals: [prior("sue")] })).toBe("DUPLICATE_APPROVER");
  });

  it("does not count an approval of a superseded proposal version", () => {
    const big = request({ notional: 1_500_000 });
    expect(codeOf({ request: big, priorApprovals: [prior("tom", "c".repeat(64))] })).toBe(
      "awaiting_second_approval",
    );
    expect(codeOf({ request: big, priorApprovals: [prior("sue", "c".repeat(64))] })).toBe(
      "awaiting_second_approval",
    );
  });

  it("needs one approver at exactly the threshold and two above the turnover threshold", () => {
    expect(requiredApprovals({ notional: 1_000_000 }, policy)).toBe(1);
    expect(requiredApprovals({ notional: 1_000_000.01 }, policy)).toBe(2);
    expect(requiredApprovals({ notional: 10, turnover: 0.6 }, policy)).toBe(2);
    expect(requiredApprovals({ notional: 10, turnover: 0.5 }, policy)).toBe(1);
  });

  it("refuses malformed input instead of guessing (INVALID_DECISION)", () => {
    expect(codeOf({ request: request({ expiresAt: "soon" }) })).toBe("INVALID_DECISION");
    expect(codeOf({ now: "later" })).toBe("INVALID_DECISION");
    expect(codeOf({ decision: { ...decision(), approvedBy: "sue" } as ApprovalDecision })).toBe(
      "INVALID_DECISION",
    );
  });
});

describe("approvalExpiry", () => {
  it("is the creation time plus the policy's 30 minutes", () => {
    expect(approvalExpiry("2026-01-05T09:00:00.000Z", policy)).toBe("2026-01-05T09:30:00.000Z");
    expect(approvalExpiry(new Date("2026-01-05T23:45:00Z"), policy)).toBe(
      "2026-01-06T00:15:00.000Z",
    );
  });

  it("refuses a creation time that is not a timestamp", () => {
    expect(() => approvalExpiry("noon", policy)).toThrow(/createdAt/);
  });
});
