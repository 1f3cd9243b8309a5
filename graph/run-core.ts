import type { AuditStore } from "../audit/index.js";
import type { Policy } from "../governance/index.js";
import { appendOnce, runEvent, type RunEventBuffer, type RunEventSpec } from "./audit-events.js";
import type { RunGraph } from "./build-graph.js";
import type { RunStatus } from "./run-status.js";
import type { RunRecord, RunStore } from "./run-store.js";
import { summaryJson } from "./run-summary.js";
import { RunStateSchema, type RunState } from "./state.js";

/**
 * What the run service's parts share: the compiled graph over the checkpointer, the stores, the
 * clock and policies, and the few operations every part needs (read a run's state, move its
 * status with compare-and-set, write service events and at-rest checkpoints).
 */
export interface RunCore {
  readonly graph: RunGraph;
  readonly runStore: RunStore;
  readonly audit: AuditStore;
  readonly clock: () => Date;
  readonly policyFor: (policyId: string) => Policy;
  readonly stewardVersion: string;
  /** The events of graph passes in flight (the graph's nodes write here). */
  readonly runEvents: RunEventBuffer;
}

/**
 * Runs one graph pass of a run and appends the events its nodes wrote, in one transaction, when
 * it stops — also when it raises (the events of the steps that finished, before the caller
 * records the failure).
 */
export async function graphPass<T>(
  core: RunCore,
  runId: string,
  pass: () => Promise<T>,
): Promise<T> {
  try {
    return await pass();
  } finally {
    await core.runEvents.flush(core.audit, runId);
  }
}

/** The LangGraph config of a run: its thread is its runId. */
export function threadOf(runId: string): { configurable: { thread_id: string } } {
  return { configurable: { thread_id: runId } };
}

/**
 * The config a run executes with: its thread, checkpointed when the graph stops — at the approval
 * interrupt and at the end — rather than after every step. Those are the states anything reads
 * back (the briefing, the inbox, a resume on another instance). Nothing resumes a run from a middle
 * step; one cut off mid-way by a crash keeps its run record and nothing else (its audit events
 * are appended when the pass stops, see {@link graphPass}).
 */
export function executionOf(runId: string): {
  configurable: { thread_id: string };
  durability: "exit";
} {
  return { ...threadOf(runId), durability: "exit" };
}

/** The run's latest checkpointed state, or null when the graph never checkpointed it. */
export async function stateOf(core: RunCore, runId: string): Promise<RunState | null> {
  const snapshot = await core.graph.getState(threadOf(runId));
  const values: unknown = snapshot.values;
  if (typeof values !== "object" || values === null || !("runId" in values)) return null;
  return RunStateSchema.parse(values);
}

/**
 * The state a graph pass of this process ended with (what `invoke` returned). Not parsed again:
 * it was built in this process from the validated start input and the nodes' updates, each
 * agent's output parsed by the agent's own schema. A state read from the checkpointer — written
 * by any instance — goes through {@link stateOf}, which parses it.
 */
export function passState(out: unknown): RunState {
  if (typeof out !== "object" || out === null || !("runId" in out) || !("status" in out)) {
    throw new Error("the graph pass returned no run state");
  }
  return out as RunState;
}

/** True when the run's graph is paused at the approval interrupt. */
export async function awaitingResume(core: RunCore, runId: string): Promise<boolean> {
  const snapshot = await core.graph.getState(threadOf(runId));
  return snapshot.next.includes("approval");
}

/** Writes run events (idempotent for deterministic ids). */
export async function emitRunEvents(
  core: RunCore,
  run: Pick<RunRecord, "runId" | "portfolioId">,
  policyVersion: string,
  events: readonly RunEventSpec[],
): Promise<void> {
  const ctx = { runId: run.runId, portfolioId: run.portfolioId, policyVersion };
  await appendOnce(
    core.audit,
    events.map((e) => runEvent(ctx, e)),
  );
}

/**
 * Moves a run to the status its graph state came to rest in (compare-and-set from `from`),
 * storing the proposal hash, the approval expiry and the summary, and writes the audit checkpoint
 * `run-at-rest:<status>`. Returns false when the run was no longer in `from` (someone else moved it).
 */
export async function settle(
  core: RunCore,
  runId: string,
  from: readonly RunStatus[],
  state: RunState,
): Promise<boolean> {
  const status = state.status;
  const moved = await core.runStore.transition(runId, from, status, {
    at: core.clock().toISOString(),
    proposalHash: state.executionResult?.proposalHash ?? null,
    expiresAt: status === "awaiting_approval" ? (state.approvalRequest?.expiresAt ?? null) : null,
    summary: summaryJson(state),
  });
  if (moved) await core.audit.writeCheckpoint(`run-at-rest:${status}`);
  return moved;
}
