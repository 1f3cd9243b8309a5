import { createHash } from "node:crypto";
import {
  isAuditError,
  type AuditActor,
  type AuditEventInput,
  type AuditOutcome,
  type AuditStore,
  type JsonValue,
  type RecommendedBy,
} from "../audit/index.js";

/**
 * Audit events written by the graph's nodes and the run service. Every event a node may write
 * again (a node re-runs from its start when a run resumes after `interrupt()` or a crash) has a
 * DETERMINISTIC eventId, so the replay adds nothing: the store's append is idempotent for an
 * identical event, and {@link appendOnce} skips ids already stored when the content differs only
 * in its time (a re-run reads the clock again).
 */

/**
 * The deterministic event id: hex SHA-256 of `runId`, the writer (node or service step) and a
 * step key, joined by NUL bytes so no two different triples collide by concatenation.
 *
 * @example eventIdOf("run-1", "data", "fetched") === eventIdOf("run-1", "data", "fetched") // true
 */
export function eventIdOf(runId: string, writer: string, stepKey: string): string {
  return createHash("sha256")
    .update(`${runId}\u0000${writer}\u0000${stepKey}`, "utf8")
    .digest("hex");
}

/** What every event of a run carries. */
export interface RunEventContext {
  readonly runId: string;
  readonly portfolioId: string;
  readonly policyVersion: string;
}

export interface RunEventSpec {
  /** The node or service step writing it (part of the id). */
  readonly writer: string;
  /** Distinguishes the writer's events within the run (loop index, order key, …). */
  readonly stepKey: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly actor: AuditActor;
  readonly recommendedBy?: RecommendedBy;
  readonly outcome?: AuditOutcome;
  readonly reason?: string;
  readonly payload?: JsonValue;
}

/** Builds one run event (subject, correlationId = runId, policyVersion filled in). */
export function runEvent(ctx: RunEventContext, spec: RunEventSpec): AuditEventInput {
  return {
    eventId: eventIdOf(ctx.runId, spec.writer, spec.stepKey),
    type: spec.type,
    occurredAt: spec.occurredAt,
    actor: spec.actor,
    ...(spec.recommendedBy === undefined ? {} : { recommendedBy: spec.recommendedBy }),
    subject: { runId: ctx.runId, portfolioId: ctx.portfolioId },
    ...(spec.outcome === undefined ? {} : { outcome: spec.outcome }),
    ...(spec.reason === undefined ? {} : { reason: spec.reason.slice(0, 10_000) }),
    correlationId: ctx.runId,
    policyVersion: ctx.policyVersion,
    ...(spec.payload === undefined ? {} : { payload: spec.payload }),
  };
}

/** An agent actor with its recommendation stamp. */
export function agentActor(agent: { readonly NAME: string; readonly VERSION: string }): {
  actor: AuditActor;
  recommendedBy: RecommendedBy;
} {
  return {
    actor: { kind: "agent", id: agent.NAME },
    recommendedBy: { agent: agent.NAME, version: agent.VERSION },
  };
}

/**
 * Appends events atomically, once: a batch whose ids are all new goes in as one append; when any
 * id is already stored (a re-run node), only the events not yet stored are appended. Returns how
 * many were newly written.
 */
export async function appendOnce(
  store: AuditStore,
  events: readonly AuditEventInput[],
): Promise<number> {
  if (events.length === 0) return 0;
  try {
    const results = await store.append(events);
    return results.filter((r) => r.created).length;
  } catch (error) {
    if (!isAuditError(error) || error.code !== "EVENT_ID_CONFLICT") throw error;
  }
  const fresh: AuditEventInput[] = [];
  for (const event of events) if ((await store.get(event.eventId)) === null) fresh.push(event);
  if (fresh.length === 0) return 0;
  const results = await store.append(fresh);
  return results.filter((r) => r.created).length;
}

/**
 * The events of runs whose graph is running, held per run until the graph stops (at the approval
 * interrupt, at its end, or when it raises) and then appended in one transaction: a run's trail
 * for one graph pass is all or nothing, like its checkpoint (written at the same stops), and a
 * briefing commits once instead of once per node. Events keep the order the nodes wrote them.
 * A pass cut off by a crash leaves neither its checkpoint nor its events; its run record stays
 * where it was (`pending_checks`, or `approved` for a release that any instance can finish).
 */
export class RunEventBuffer {
  readonly #pending = new Map<string, AuditEventInput[]>();

  /** Holds a node's events for the run. */
  add(runId: string, events: readonly AuditEventInput[]): void {
    const held = this.#pending.get(runId);
    if (held === undefined) this.#pending.set(runId, [...events]);
    else held.push(...events);
  }

  /** Appends the run's held events once (see {@link appendOnce}) and forgets them, even on failure. */
  async flush(store: AuditStore, runId: string): Promise<number> {
    const held = this.#pending.get(runId);
    if (held === undefined) return 0;
    this.#pending.delete(runId);
    return appendOnce(store, held);
  }
}

/** A JSON value from anything JSON-shaped (drops undefined, keeps key order). */
export function json(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
