import { z } from "zod";
import type { JsonValue } from "../audit/index.js";
import { ApprovalRequestSchema, type ApprovalRequest } from "../governance/index.js";
import { json } from "./audit-events.js";
import type { RunHistory } from "./deps.js";
import type { RunRecord, RunStore } from "./run-store.js";
import type { RunState } from "./state.js";

/**
 * The run row's `summary`: what an approval inbox, the approval service and the duplicate-order
 * check need without loading the graph state — the approval request (what approvals bind to), the
 * proposal's totals and, once released, the released orders' keys.
 */

const ReleasedOrderSchema = z.object({
  idempotencyKey: z.string(),
  symbol: z.string(),
  side: z.enum(["BUY", "SELL"]),
  quantity: z.number(),
});

export const RunSummarySchema = z.object({
  portfolioName: z.string(),
  baseCurrency: z.string(),
  decision: z.string().nullable(),
  reasons: z.array(z.string()),
  proposal: z
    .object({
      hash: z.string(),
      orders: z.number().int(),
      turnover: z.number(),
      totalCost: z.number(),
      notional: z.number(),
    })
    .nullable(),
  approvalRequest: ApprovalRequestSchema.nullable(),
  released: z.object({ at: z.string(), orders: z.array(ReleasedOrderSchema) }).nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** The summary of a run's state. */
export function summaryOf(state: RunState): RunSummary {
  const exec = state.executionResult;
  const release = state.releaseRecord;
  return {
    portfolioName: state.portfolio.name,
    baseCurrency: state.portfolio.baseCurrency,
    decision: state.decision?.decision ?? null,
    reasons: [
      ...state.errors.map((e) => `${e.code}: ${e.node} ${e.message}`),
      ...(state.dataReview?.halt === true ? state.dataReview.reasons : []),
      ...(state.decision?.reasons ?? []),
      ...(release?.reasons ?? []),
    ],
    proposal:
      exec === null
        ? null
        : {
            hash: exec.proposalHash,
            orders: exec.proposal.orders.length,
            turnover: exec.proposal.turnover,
            totalCost: exec.proposal.totalCost,
            notional: exec.proposal.orders.reduce((s, o) => s + Math.abs(o.notional), 0),
          },
    approvalRequest: state.approvalRequest,
    released:
      release === null || release.status !== "released"
        ? null
        : {
            at: release.at,
            orders: release.orders.map((o) => ({
              idempotencyKey: o.idempotencyKey,
              symbol: o.symbol,
              side: o.side,
              quantity: o.quantity,
            })),
          },
  };
}

/** The summary as stored JSON. */
export function summaryJson(state: RunState): JsonValue {
  return json(summaryOf(state));
}

/** Reads a stored summary (null when the row holds none, e.g. a run that failed at start). */
export function readSummary(run: RunRecord): RunSummary | null {
  const parsed = RunSummarySchema.safeParse(run.summary);
  return parsed.success ? parsed.data : null;
}

/** The approval request a run's approvals bind to, or null. */
export function requestOf(run: RunRecord): ApprovalRequest | null {
  return readSummary(run)?.approvalRequest ?? null;
}

/** The book's history (released orders, runs per window) read from the run store. */
export function runStoreHistory(store: RunStore): RunHistory {
  return {
    async releasedOrders(portfolioId, excludeRunId) {
      const runs = await store.listRuns({ status: "released", portfolioId });
      return runs.flatMap((run) => {
        if (run.runId === excludeRunId) return [];
        const released = readSummary(run)?.released;
        if (released === null || released === undefined) return [];
        return released.orders.map((o) => ({ ...o, releasedAt: released.at }));
      });
    },
    countRuns({ since, portfolioId, excludeRunId }) {
      return store.countRuns({
        since,
        excludeRunId,
        ...(portfolioId === null ? {} : { portfolioId }),
      });
    },
  };
}
