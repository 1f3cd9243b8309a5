import {
  evaluateApprovalDecision,
  policyVersion,
  requiredApprovals,
  type ApprovalActor,
  type ApprovalRequest,
} from "../governance/index.js";
import { json } from "./audit-events.js";
import { RunServiceError } from "./errors.js";
import { emitRunEvents, stateOf, type RunCore } from "./run-core.js";
import { expireRun, finishRelease, resumeAndSettle, resumeOf } from "./run-resume.js";
import type { RunStatus } from "./run-status.js";
import type { ApprovalAction, ApprovalRow, RunRecord } from "./run-store.js";
import { requestOf } from "./run-summary.js";

/**
 * The approval service (GOVERNANCE.md §2) over the run store and the graph: four-eyes rules from
 * governance's evaluateApprovalDecision, identity from the `actor` argument (the authenticated
 * caller) — never from a resume payload —, one decision per actor and proposal, release exactly
 * once (compare-and-set on the run's status), expiry that never approves.
 */

export interface DecisionOptions {
  readonly reason?: string;
  readonly acknowledgements?: readonly string[];
  /** The proposal hash the actor reviewed (default: the run's current one). */
  readonly proposalHash?: string;
}

export interface DecisionResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly outcome: "approved" | "awaiting_second_approval" | "rejected" | "unchanged";
  /** Approvals the proposal needs, and the distinct ones recorded. */
  readonly required: number;
  readonly approvals: number;
  /** True when this was a replay of a decision already recorded (nothing new written). */
  readonly replayed: boolean;
}

/** Distinct approvers of the request's proposal among the recorded decisions. */
function approvers(rows: readonly ApprovalRow[], request: ApprovalRequest | null): number {
  if (request === null) return 0;
  const ids = rows
    .filter((r) => r.action === "approve" && r.proposalHash === request.proposalHash)
    .map((r) => r.actorId);
  return new Set(ids).size;
}

const statusOf = async (core: RunCore, run: RunRecord): Promise<RunStatus> =>
  (await core.runStore.get(run.runId))?.status ?? run.status;

/**
 * One approve/reject decision by an authenticated actor. A replay of a recorded decision returns
 * the current status and writes nothing. A refusal throws a RunServiceError with the approval
 * rule's code (SELF_APPROVAL, PROPOSAL_CHANGED, EXPIRED, …) and is recorded as `approval.denied`;
 * an EXPIRED refusal also expires the run.
 */
export async function decide(
  core: RunCore,
  runId: string,
  actor: ApprovalActor,
  action: ApprovalAction,
  options: DecisionOptions,
): Promise<DecisionResult> {
  const run = await core.runStore.get(runId);
  if (run === null) throw new RunServiceError("RUN_NOT_FOUND", `no run ${runId}`, runId, null);
  const request = requestOf(run);
  const seen = options.proposalHash ?? run.proposalHash ?? "";
  const prior = await core.runStore.approvals(runId);
  const state = await stateOf(core, runId);
  const policy = core.policyFor(state?.portfolio.policyId ?? "default");
  const required = request === null ? 0 : requiredApprovals(request, policy);
  const unchanged = async (): Promise<DecisionResult> => ({
    runId,
    status: await statusOf(core, run),
    outcome: "unchanged",
    required,
    approvals: approvers(await core.runStore.approvals(runId), request),
    replayed: true,
  });
  if (prior.some((p) => p.actorId === actor.id && p.proposalHash === seen && p.action === action)) {
    if (run.status === "approved") await finishRelease(core, run); // a release a crash interrupted
    return unchanged();
  }
  if (run.status !== "awaiting_approval" || request === null) {
    const message = `run ${runId} is ${run.status}, not awaiting approval`;
    throw new RunServiceError("NOT_AWAITING_APPROVAL", message, runId, run.status);
  }
  const now = core.clock();
  const at = now.toISOString();
  const version = state?.policyVersion ?? policyVersion(policy);
  const evaluation = evaluateApprovalDecision({
    request,
    decision: {
      actor: {
        id: actor.id,
        roles: [...actor.roles],
        portfolios: actor.portfolios === "*" ? "*" : [...actor.portfolios],
        kind: actor.kind,
      },
      action,
      proposalHash: seen,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.acknowledgements === undefined
        ? {}
        : { acknowledgements: [...options.acknowledgements] }),
    },
    priorApprovals: prior
      .filter((p) => p.action === "approve")
      .map((p) => ({ actorId: p.actorId, proposalHash: p.proposalHash, at: p.at })),
    now,
    policy,
  });
  const human = {
    kind: actor.kind,
    id: actor.id,
    // Every role the actor held (e.g. "pm,supervisor"), as the API's refusal events record them.
    ...(actor.roles.length === 0 ? {} : { role: [...actor.roles].join(",") }),
  };
  if (!evaluation.ok) {
    await emitRunEvents(core, run, version, [
      {
        writer: "approval-service",
        stepKey: `denied:${action}:${actor.id}:${evaluation.code}:${at}`,
        type: "approval.denied",
        occurredAt: at,
        actor: human,
        outcome: { status: "denied", code: evaluation.code },
        reason: evaluation.message,
        payload: json({ action, proposalHash: seen, requestHash: request.proposalHash }),
      },
    ]);
    if (evaluation.code === "EXPIRED") await expireRun(core, run, now);
    throw new RunServiceError(
      evaluation.code,
      evaluation.message,
      runId,
      await statusOf(core, run),
    );
  }
  const reason = options.reason?.trim() ?? "";
  const row: ApprovalRow = {
    runId,
    actorId: actor.id,
    action,
    proposalHash: seen,
    reason: reason === "" ? null : reason,
    acknowledgements: [...new Set(options.acknowledgements ?? [])].sort(),
    at,
  };
  // One decision per (run, actor, proposal): a concurrent duplicate loses here.
  if (!(await core.runStore.addApproval(row))) return unchanged();
  // Re-count after recording: two approvers deciding at once both see one prior approval.
  const count = approvers(await core.runStore.approvals(runId), request);
  const outcome =
    evaluation.outcome === "awaiting_second_approval" && count >= evaluation.required
      ? "approved"
      : evaluation.outcome;
  await emitRunEvents(core, run, version, [
    {
      writer: "approval-service",
      stepKey: `${action}:${actor.id}:${seen}`,
      type: action === "approve" ? "approval.granted" : "approval.rejected",
      occurredAt: at,
      actor: human,
      outcome: { status: "success", code: outcome.toUpperCase() },
      ...(row.reason === null ? {} : { reason: row.reason }),
      payload: json({
        proposalHash: seen,
        acknowledgements: row.acknowledgements,
        approvals: count,
        required: evaluation.required,
      }),
    },
  ]);
  const base = { runId, required: evaluation.required, approvals: count, replayed: false } as const;
  if (outcome === "awaiting_second_approval") {
    return { ...base, status: "awaiting_approval", outcome };
  }
  const to: RunStatus = outcome === "rejected" ? "rejected" : "approved";
  // Compare-and-set: exactly one decision moves the run (and so exactly one release).
  if (!(await core.runStore.transition(runId, ["awaiting_approval"], to, { at }))) {
    return { ...base, status: await statusOf(core, run), outcome: "unchanged" };
  }
  const moved: RunRecord = { ...run, status: to };
  if (to === "rejected") {
    const rows = await core.runStore.approvals(runId);
    const resume = resumeOf("rejected", at, rows, seen);
    return { ...base, status: await resumeAndSettle(core, moved, "rejected", resume), outcome };
  }
  return { ...base, status: await finishRelease(core, moved), outcome: "approved" };
}
