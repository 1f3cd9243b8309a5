import { z } from "zod";
import type { Policy } from "./policy.js";

/**
 * Four-eyes approval rules (GOVERNANCE.md §2), pure: the caller (the run service) persists the
 * approvals and supplies the identity from the authenticated request, never from a resume payload.
 * A decision is checked against the request in a fixed order and the first broken rule is returned.
 */

const Hash = z.string().regex(/^[0-9a-f]{64}$/, "must be a hex SHA-256");

export const ApprovalRequestSchema = z.strictObject({
  runId: z.string().min(1),
  portfolioId: z.string().min(1),
  requestedBy: z.string().min(1),
  proposalHash: Hash,
  createdAt: z.string(),
  expiresAt: z.string(),
  /** Gross notional of the proposal (Σ|order notional|), base currency. */
  notional: z.number().finite().min(0),
  /** Σ|notional| / NAV; compared with `twoApproversAboveTurnover` when both are present. */
  turnover: z.number().finite().min(0).optional(),
  /** Codes of the soft warnings the approver must acknowledge. */
  softWarnings: z.array(z.string()),
  /** Codes of hard failures passed by overrides: approving such a proposal needs a reason. */
  overrides: z.array(z.string()).optional(),
});

export const ApprovalActorSchema = z.strictObject({
  id: z.string().min(1),
  roles: z.array(z.string()),
  portfolios: z.union([z.array(z.string()), z.literal("*")]),
  kind: z.enum(["human", "agent", "system"]),
});

export const ApprovalDecisionSchema = z.strictObject({
  actor: ApprovalActorSchema,
  action: z.enum(["approve", "reject"]),
  /** The hash the approver saw: it must be the request's. */
  proposalHash: z.string(),
  reason: z.string().optional(),
  acknowledgements: z.array(z.string()).optional(),
});

export const PriorApprovalSchema = z.strictObject({
  actorId: z.string(),
  proposalHash: z.string(),
  at: z.string(),
});

export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;
export type ApprovalActor = z.infer<typeof ApprovalActorSchema>;
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;
export type PriorApproval = z.infer<typeof PriorApprovalSchema>;

export type ApprovalRuleCode =
  | "INVALID_DECISION"
  | "AGENT_CANNOT_APPROVE"
  | "SELF_APPROVAL"
  | "NOT_SUPERVISOR"
  | "OUT_OF_SCOPE"
  | "PROPOSAL_CHANGED"
  | "EXPIRED"
  | "REASON_REQUIRED"
  | "ACKNOWLEDGEMENT_REQUIRED"
  | "DUPLICATE_APPROVER";

export type ApprovalOutcome = "approved" | "awaiting_second_approval" | "rejected";

export type ApprovalEvaluation =
  | {
      readonly ok: true;
      readonly outcome: ApprovalOutcome;
      /** Approvals required (1, or 2 above the policy's thresholds). */
      readonly required: 1 | 2;
      /** Distinct valid approvals including this one (0 for a rejection). */
      readonly approvals: number;
    }
  | { readonly ok: false; readonly code: ApprovalRuleCode; readonly message: string };

export interface ApprovalInput {
  readonly request: ApprovalRequest;
  readonly decision: ApprovalDecision;
  /** Approvals already recorded for this run (any proposal version). */
  readonly priorApprovals: readonly PriorApproval[];
  readonly now: Date | string;
  readonly policy: Policy;
}

const deny = (code: ApprovalRuleCode, message: string): ApprovalEvaluation => ({
  ok: false,
  code,
  message,
});

function instant(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/**
 * Approvals a request needs: 2 when its gross notional is above
 * `approval.twoApproversAboveNotional`, or its turnover above `twoApproversAboveTurnover`; else 1.
 *
 * @example requiredApprovals({ notional: 1_500_000 }, defaultPolicy) // 2 (threshold 1,000,000)
 */
export function requiredApprovals(
  request: { readonly notional: number; readonly turnover?: number },
  policy: Policy,
): 1 | 2 {
  const a = policy.approval;
  if (request.notional > a.twoApproversAboveNotional) return 2;
  if (
    a.twoApproversAboveTurnover !== undefined &&
    request.turnover !== undefined &&
    request.turnover > a.twoApproversAboveTurnover
  ) {
    return 2;
  }
  return 1;
}

/**
 * When an approval request created at `createdAt` expires: `createdAt + approval.expiryMinutes`,
 * as an ISO timestamp (UTC, ms).
 *
 * @example approvalExpiry("2026-01-05T09:00:00.000Z", defaultPolicy) // "2026-01-05T09:30:00.000Z" (30 min)
 */
export function approvalExpiry(createdAt: Date | string, policy: Policy): string {
  const t = instant(createdAt);
  if (!Number.isFinite(t))
    throw new RangeError(`createdAt is not a timestamp: ${String(createdAt)}`);
  return new Date(t + policy.approval.expiryMinutes * 60_000).toISOString();
}

/**
 * Evaluates one approve/reject decision. Rules in order: well-formed input; a human actor
 * (AGENT_CANNOT_APPROVE); not the requester (SELF_APPROVAL, for approve and reject alike — the
 * maker is never the checker); an approver role (NOT_SUPERVISOR); the portfolio in scope
 * (OUT_OF_SCOPE); the hash the actor saw is the request's (PROPOSAL_CHANGED); `now < expiresAt`
 * (EXPIRED — never auto-approved). A rejection needs a reason and is final. An approval needs a
 * reason when overrides were used (REASON_REQUIRED), every soft warning acknowledged
 * (ACKNOWLEDGEMENT_REQUIRED), an actor who has not approved this hash already (DUPLICATE_APPROVER),
 * and is `approved` once the distinct approvals of this hash reach {@link requiredApprovals}.
 *
 * @example evaluateApprovalDecision({ ...input, decision: { ...d, actor: { ...a, id: request.requestedBy } } })
 * // { ok: false, code: "SELF_APPROVAL", ... }
 */
export function evaluateApprovalDecision(input: ApprovalInput): ApprovalEvaluation {
  const req = ApprovalRequestSchema.safeParse(input.request);
  const dec = ApprovalDecisionSchema.safeParse(input.decision);
  const prior = z.array(PriorApprovalSchema).safeParse(input.priorApprovals);
  if (!req.success)
    return deny("INVALID_DECISION", `request: ${req.error.issues[0]?.message ?? "invalid"}`);
  if (!dec.success)
    return deny("INVALID_DECISION", `decision: ${dec.error.issues[0]?.message ?? "invalid"}`);
  if (!prior.success) return deny("INVALID_DECISION", "priorApprovals: invalid");
  const request = req.data;
  const decision = dec.data;
  const { actor } = decision;
  const now = instant(input.now);
  const expiresAt = Date.parse(request.expiresAt);
  if (!Number.isFinite(now)) return deny("INVALID_DECISION", "now: not a timestamp");
  if (!Number.isFinite(expiresAt))
    return deny("INVALID_DECISION", "request.expiresAt: not a timestamp");
  const policy = input.policy.approval;

  if (actor.kind !== "human") {
    return deny(
      "AGENT_CANNOT_APPROVE",
      `a ${actor.kind} identity cannot approve or reject (${actor.id})`,
    );
  }
  if (actor.id === request.requestedBy) {
    return deny("SELF_APPROVAL", `${actor.id} requested this proposal and cannot decide on it`);
  }
  if (!actor.roles.some((r) => policy.approverRoles.includes(r))) {
    return deny(
      "NOT_SUPERVISOR",
      `${actor.id} holds none of the approver roles: ${policy.approverRoles.join(", ")}`,
    );
  }
  if (actor.portfolios !== "*" && !actor.portfolios.includes(request.portfolioId)) {
    return deny("OUT_OF_SCOPE", `${actor.id} has no scope over portfolio ${request.portfolioId}`);
  }
  if (decision.proposalHash !== request.proposalHash) {
    return deny(
      "PROPOSAL_CHANGED",
      "the proposal changed since it was shown: review the new version",
    );
  }
  if (now >= expiresAt) {
    return deny("EXPIRED", `the approval request expired at ${request.expiresAt}`);
  }
  const reason = decision.reason?.trim() ?? "";
  const required = requiredApprovals(request, input.policy);
  if (decision.action === "reject") {
    if (reason === "") return deny("REASON_REQUIRED", "a rejection needs a reason");
    return { ok: true, outcome: "rejected", required, approvals: 0 };
  }
  if ((request.overrides?.length ?? 0) > 0 && reason === "") {
    return deny(
      "REASON_REQUIRED",
      `approving with overridden checks (${(request.overrides ?? []).join(", ")}) needs a reason`,
    );
  }
  const acknowledged = new Set(decision.acknowledgements ?? []);
  const missing = [...new Set(request.softWarnings)].filter((c) => !acknowledged.has(c)).sort();
  if (missing.length > 0) {
    return deny("ACKNOWLEDGEMENT_REQUIRED", `acknowledge the soft warnings: ${missing.join(", ")}`);
  }
  const approvers = new Set(
    prior.data
      .filter(
        (p) =>
          p.proposalHash === request.proposalHash &&
          p.actorId !== request.requestedBy &&
          Date.parse(p.at) < expiresAt,
      )
      .map((p) => p.actorId),
  );
  if (approvers.has(actor.id)) {
    return deny(
      "DUPLICATE_APPROVER",
      `${actor.id} has already approved this proposal; a second approver must be someone else`,
    );
  }
  const approvals = approvers.size + 1;
  return {
    ok: true,
    outcome: approvals >= required ? "approved" : "awaiting_second_approval",
    required,
    approvals,
  };
}
