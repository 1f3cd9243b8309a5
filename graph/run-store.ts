import { z } from "zod";
import type { JsonValue } from "../audit/index.js";
import { RUN_STATUSES, RunStatusSchema, type RunStatus } from "./run-status.js";

/**
 * The run store: one row per run (its status is the authority the approval service acts on) and
 * one row per approval decision. Status changes are compare-and-set, so a replayed approval or a
 * second release cannot act twice, whichever process they come from. One interface; SQLite and
 * PostgreSQL implementations pass the same contract suite (tests/run-store.contract.test.ts).
 */

export const RequesterSchema = z.strictObject({
  id: z.string().min(1).max(200),
  kind: z.enum(["human", "agent", "system"]),
});
export type Requester = z.infer<typeof RequesterSchema>;

export interface RunRecord {
  readonly runId: string;
  readonly portfolioId: string;
  readonly requestedBy: Requester;
  readonly status: RunStatus;
  readonly asOf: string;
  /** The proposal the approvals bind to (null until one exists). */
  readonly proposalHash: string | null;
  /** ISO 8601 UTC (ms). */
  readonly createdAt: string;
  /** When a pending approval expires (null when none is pending). */
  readonly expiresAt: string | null;
  readonly updatedAt: string;
  /** What an inbox shows without loading the graph state (the approval request, totals). */
  readonly summary: JsonValue;
}

export type NewRun = Omit<RunRecord, "updatedAt">;

export const APPROVAL_ACTIONS = ["approve", "reject"] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export interface ApprovalRow {
  readonly runId: string;
  readonly actorId: string;
  readonly action: ApprovalAction;
  readonly proposalHash: string;
  readonly reason: string | null;
  /** Codes of the soft warnings the approver acknowledged. */
  readonly acknowledgements: readonly string[];
  readonly at: string;
}

/** Fields a transition may set together with the status. */
export interface TransitionPatch {
  readonly at: string;
  readonly proposalHash?: string | null;
  readonly expiresAt?: string | null;
  readonly summary?: JsonValue;
}

export interface ListRunsQuery {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly portfolioId?: string;
  /** At most this many, oldest first (default 500). */
  readonly limit?: number;
}

export interface CountRunsQuery {
  readonly since: string;
  readonly portfolioId?: string;
  readonly excludeRunId?: string;
}

export interface RunStore {
  readonly kind: "sqlite" | "postgres";
  /** Inserts a run; throws when the runId exists. */
  create(run: NewRun): Promise<void>;
  get(runId: string): Promise<RunRecord | null>;
  /**
   * Compare-and-set: moves the run to `to` (and applies the patch) only if its status is one of
   * `from`. Returns false — and changes nothing — when it was not (or the run does not exist).
   */
  transition(
    runId: string,
    from: readonly RunStatus[],
    to: RunStatus,
    patch: TransitionPatch,
  ): Promise<boolean>;
  /** Runs by status / portfolio, oldest first (createdAt, then runId). */
  listRuns(query?: ListRunsQuery): Promise<readonly RunRecord[]>;
  /** Runs created at or after `since` (ISO), optionally for one portfolio and other than one run. */
  countRuns(query: CountRunsQuery): Promise<number>;
  /** How many runs are in each status now (every status present; 0 when none). */
  statusCounts(): Promise<Readonly<Record<RunStatus, number>>>;
  /**
   * Records a decision. One decision per (run, actor, proposal hash): returns false — and stores
   * nothing — when that actor already decided on that proposal.
   */
  addApproval(approval: ApprovalRow): Promise<boolean>;
  /** A run's decisions in the order they were made. */
  approvals(runId: string): Promise<readonly ApprovalRow[]>;
  close(): Promise<void>;
}

export const LIST_RUNS_DEFAULT_LIMIT = 500;

/** The statuses a query asks for, as a list (empty = any). */
export function statusList(status: ListRunsQuery["status"]): readonly RunStatus[] {
  if (status === undefined) return [];
  return typeof status === "string" ? [status] : status;
}

/**
 * Per-status counts from grouped rows (either backend): every status present, 0 when absent. A
 * status outside the union is corruption and throws.
 */
export function statusCountsOf(
  rows: readonly { readonly status: string; readonly n: number | string }[],
): Readonly<Record<RunStatus, number>> {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const row of rows) counts[parseStatus(row.status)] += Number(row.n);
  return counts;
}

/** Parses the stored status text; a value outside the union is corruption, not a user error. */
export function parseStatus(text: string): RunStatus {
  const parsed = RunStatusSchema.safeParse(text);
  if (!parsed.success) throw new Error(`run store: unknown status "${text}"`);
  return parsed.data;
}

/** Parses a stored requester kind. */
export function parseRequesterKind(text: string): Requester["kind"] {
  if (text === "human" || text === "agent" || text === "system") return text;
  throw new Error(`run store: unknown requester kind "${text}"`);
}

/** Parses a stored approval action. */
export function parseAction(text: string): ApprovalAction {
  if (text === "approve" || text === "reject") return text;
  throw new Error(`run store: unknown approval action "${text}"`);
}

/** Parses stored acknowledgements (a JSON array of strings). */
export function parseAcknowledgements(text: string): readonly string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
    throw new Error("run store: acknowledgements are not a list of codes");
  }
  return value;
}
