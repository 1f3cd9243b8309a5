import { BinaryOperatorAggregate, LastValue } from "@langchain/langgraph/channels";
import { z } from "zod";
import {
  dataAgent,
  executionAgent,
  forecastAgent,
  IsoDateSchema,
  narrative,
  optimizerAgent,
  riskAgent,
  supervisorAgent,
} from "../agents/index.js";
import {
  ApprovalRequestSchema,
  CheckResultSchema,
  OrderSchema,
  PortfolioSchema,
  PreTradeReportSchema,
} from "../governance/index.js";
import { RunStatusSchema } from "./run-status.js";
import { RequesterSchema } from "./run-store.js";

/**
 * The one state schema of a run (DESIGN.md §2). Everything is plain JSON because LangGraph
 * checkpoints it (and LangGraph validates it at every step); it is kept lean for the same reason:
 * the Data agent's price table is NOT in the state — nodes get it from the
 * graph's run-scoped table cache, refetched from the provider (point in time, so identically)
 * when a resumed process does not have it.
 *
 * Node names and state keys share one namespace in LangGraph, so the agents' results are
 * `dataResult`, `forecastResult`, … while the nodes are `data`, `forecast`, ….
 */

const IsoMillis = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, "must be an ISO timestamp (UTC, ms)");

/** Which market data a run reads (serialisable; the provider itself is built by the service). */
export const DataSpecSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("sample") }),
  z.strictObject({
    kind: z.literal("simulated"),
    seed: z.number().int().optional(),
    scenario: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({ kind: z.literal("csv"), dir: z.string().min(1) }),
  z.strictObject({ kind: z.literal("yahoo") }),
]);
export type DataSpec = z.infer<typeof DataSpecSchema>;

/** The Data agent's output without the price table. */
export const DataSummarySchema = dataAgent.DataOutputSchema.omit({ table: true });
export type DataSummary = z.infer<typeof DataSummarySchema>;

export const RiskStateSchema = z.object({
  /** The Risk agent on the current portfolio (its stress is the current book's). */
  current: riskAgent.RiskOutputSchema.nullable(),
  /** The Risk agent on the latest proposal (current and proposed side by side). */
  proposed: riskAgent.RiskOutputSchema.nullable(),
});

/** One Supervisor risk review, with the Optimizer run it judged. */
export const RiskReviewEntrySchema = supervisorAgent.RiskReviewSchema.extend({
  loop: z.number().int().min(0),
});

export const DecisionStateSchema = supervisorAgent.DecisionSchema.extend({ decidedAt: IsoMillis });

/** What the approval service resumes the graph with (identity comes from the service, not users). */
export const ApprovalResumeSchema = z.strictObject({
  decision: z.enum(["approved", "rejected", "expired"]),
  at: IsoMillis,
  /** Decisions recorded by the service (approvers, or the rejecting supervisor). */
  decisions: z.array(
    z.strictObject({
      actorId: z.string(),
      action: z.enum(["approve", "reject"]),
      reason: z.string().nullable(),
      acknowledgements: z.array(z.string()),
      at: z.string(),
    }),
  ),
});
export type ApprovalResume = z.infer<typeof ApprovalResumeSchema>;

export const ApprovalRecordSchema = ApprovalResumeSchema.extend({ proposalHash: z.string() });

export const ReleaseRecordSchema = z.strictObject({
  status: z.enum(["released", "release_denied"]),
  at: IsoMillis,
  /** The hash approved, and the hash of the orders as re-computed at release. */
  approvedHash: z.string(),
  rehash: z.string(),
  /** Codes (with context) of whatever denied the release; empty when released. */
  reasons: z.array(z.string()),
  policyVersion: z.string(),
  /** The release-time re-run of every pre-trade check, with fresh prices. */
  checks: PreTradeReportSchema.nullable(),
  /** REAPPROVAL_REQUIRED per order: price at release vs approved price. */
  priceChecks: z.array(CheckResultSchema),
  /** The orders released (empty when denied). */
  orders: z.array(OrderSchema),
  releasedBy: z.array(z.string()),
});
export type ReleaseRecord = z.infer<typeof ReleaseRecordSchema>;

export const RunErrorSchema = z.strictObject({
  node: z.string(),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
});
export type RunError = z.infer<typeof RunErrorSchema>;

const ErrorsSchema = z.array(RunErrorSchema);
const appendErrors = (a: RunError[], b: RunError[]): RunError[] => [...a, ...b];

export const RunStateSchema = z.object({
  runId: z.string().min(1),
  requestedBy: RequesterSchema,
  portfolio: PortfolioSchema,
  asOf: IsoDateSchema,
  seed: z.number().int(),
  dataSpec: DataSpecSchema,
  policyVersion: z.string(),
  /** When the run started (service clock). */
  startedAt: IsoMillis,
  plan: supervisorAgent.PlanSchema.nullable().default(null),
  dataResult: DataSummarySchema.nullable().default(null),
  dataReview: supervisorAgent.DataReviewSchema.nullable().default(null),
  forecastResult: forecastAgent.ForecastOutputSchema.nullable().default(null),
  risk: RiskStateSchema.default({ current: null, proposed: null }),
  /** The volatility budget of the next Optimizer run (tightened by the Supervisor on a breach). */
  riskBudget: z.object({ maxVolatility: z.number().finite().positive().optional() }).default({}),
  optimizerResult: optimizerAgent.OptimizerOutputSchema.nullable().default(null),
  executionResult: executionAgent.ExecutionOutputSchema.nullable().default(null),
  riskReviews: z.array(RiskReviewEntrySchema).default([]),
  /** 0-based index of the current Optimizer run. */
  loop: z.number().int().min(0).default(0),
  checks: PreTradeReportSchema.nullable().default(null),
  decision: DecisionStateSchema.nullable().default(null),
  approvalRequest: ApprovalRequestSchema.nullable().default(null),
  status: RunStatusSchema.default("pending_checks"),
  approvalRecord: ApprovalRecordSchema.nullable().default(null),
  releaseRecord: ReleaseRecordSchema.nullable().default(null),
  narrative: narrative.NarrativeSchema.nullable().default(null),
  /** Failures of agents (fail closed: the next Supervisor step ends the run blocked). Appended. */
  errors: ErrorsSchema,
});

export type RunState = z.infer<typeof RunStateSchema>;

/** The graph's channels, one per field of {@link RunState}. */
export type RunStateChannels = {
  [K in keyof RunState]: K extends "errors"
    ? BinaryOperatorAggregate<RunError[], RunError[]>
    : LastValue<RunState[K]>;
};

/**
 * The run graph's channels, derived from {@link RunStateSchema} so the two cannot drift: every
 * field keeps the last value written (a field with a schema default starts at that default, a
 * fresh copy per run) and `errors` appends. Fresh channels per call.
 *
 * The graph is built over these rather than over the zod schema because LangGraph re-validates
 * every node's update against a zod state schema by building a new partial schema per update,
 * which zod 4 compiles anew each time (a third of a 20-asset briefing's time when measured: 84 ms
 * in process before, 56 ms after). The state is
 * validated where it enters (the run service parses the start input with RunStateSchema), where
 * agents produce it (each agent parses its own output) and where it is read back (stateOf).
 *
 * @example new StateGraph(runStateChannels()) // same state, reducers and defaults as RunStateSchema
 */
export function runStateChannels(): RunStateChannels {
  const channels: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(RunStateSchema.shape)) {
    if (key === "errors") {
      channels[key] = new BinaryOperatorAggregate<RunError[], RunError[]>(appendErrors, () => []);
      continue;
    }
    const initial = (field as z.ZodType).safeParse(undefined);
    channels[key] =
      initial.success && initial.data !== undefined
        ? new LastValue(() => (field as z.ZodType).parse(undefined))
        : new LastValue();
  }
  return channels as RunStateChannels;
}
/** What a node returns: any subset of the state (errors are appended). */
export type RunUpdate = Partial<RunState>;
/** What starts a run. */
export type RunInput = z.input<typeof RunStateSchema>;
