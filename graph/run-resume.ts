import { Command } from "@langchain/langgraph";
import { json } from "./audit-events.js";
import {
  awaitingResume,
  emitRunEvents,
  graphPass,
  passState,
  settle,
  stateOf,
  executionOf,
  type RunCore,
} from "./run-core.js";
import type { RunStatus } from "./run-status.js";
import type { ApprovalRow, RunRecord } from "./run-store.js";
import { summaryJson } from "./run-summary.js";
import type { ApprovalResume, RunState } from "./state.js";

/**
 * Resuming a run paused at the approval interrupt: with `approved` (the graph releases), or with
 * `rejected` / `expired` (the graph ends). The resume payload carries the decisions the approval
 * service recorded — identities come from the service, never from a caller's payload.
 */

/** The resume payload: the decision and the recorded decisions on the approved hash. */
export function resumeOf(
  decision: ApprovalResume["decision"],
  at: string,
  rows: readonly ApprovalRow[],
  hash: string,
): ApprovalResume {
  return {
    decision,
    at,
    decisions: rows
      .filter((r) => r.proposalHash === hash)
      .map((r) => ({
        actorId: r.actorId,
        action: r.action,
        reason: r.reason,
        acknowledgements: [...r.acknowledgements],
        at: r.at,
      })),
  };
}

/**
 * Resumes the paused graph with a decision (when it is still paused) and records where the run
 * came to rest: approved → released | release_denied by compare-and-set; rejected and expired
 * (already moved by the caller) get their final summary. Writes the at-rest checkpoint.
 */
export async function resumeAndSettle(
  core: RunCore,
  run: RunRecord,
  from: RunStatus,
  resume: ApprovalResume,
): Promise<RunStatus> {
  let state: RunState | null;
  if (await awaitingResume(core, run.runId)) {
    const out: unknown = await graphPass(core, run.runId, () =>
      core.graph.invoke(new Command({ resume }), executionOf(run.runId)),
    );
    state = passState(out);
  } else {
    state = await stateOf(core, run.runId);
  }
  if (state === null) return from;
  if (state.status === from) {
    await core.runStore.transition(run.runId, [from], from, {
      at: resume.at,
      summary: summaryJson(state),
    });
    await core.audit.writeCheckpoint(`run-at-rest:${from}`);
    return from;
  }
  await settle(core, run.runId, [from], state);
  return state.status;
}

/** Finishes an approved run: resumes the graph into release (idempotent) and records the outcome. */
export async function finishRelease(core: RunCore, run: RunRecord): Promise<RunStatus> {
  const rows = await core.runStore.approvals(run.runId);
  const hash = run.proposalHash ?? "";
  return resumeAndSettle(
    core,
    run,
    "approved",
    resumeOf("approved", core.clock().toISOString(), rows, hash),
  );
}

/** Expires an overdue run (CAS awaiting_approval → expired), never approving it. */
export async function expireRun(core: RunCore, run: RunRecord, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const moved = await core.runStore.transition(run.runId, ["awaiting_approval"], "expired", { at });
  if (!moved) return false;
  const state = await stateOf(core, run.runId);
  const version = state?.policyVersion ?? "unknown";
  await emitRunEvents(core, run, version, [
    {
      writer: "approval-service",
      stepKey: "expired",
      type: "approval.expired",
      occurredAt: at,
      actor: { kind: "system", id: "approval-expiry" },
      outcome: { status: "denied", code: "EXPIRED" },
      reason: `the approval request expired at ${run.expiresAt ?? "?"}`,
      payload: json({ proposalHash: run.proposalHash, expiresAt: run.expiresAt }),
    },
  ]);
  const rows = await core.runStore.approvals(run.runId);
  await resumeAndSettle(
    core,
    { ...run, status: "expired" },
    "expired",
    resumeOf("expired", at, rows, run.proposalHash ?? ""),
  );
  return true;
}
