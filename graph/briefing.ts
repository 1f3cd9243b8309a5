import { agentVersions } from "../agents/index.js";
import type { ApprovalRow } from "./run-store.js";
import type { RunStatus } from "./run-status.js";
import type { RunState } from "./state.js";

/**
 * The briefing: what `steward brief --json` prints and the HTTP API returns — the run's numbers
 * as the agents computed them, the checks, the approval and release, the rendered narrative and
 * the versions behind them. Same inputs, as-of, policy and seed → the same content apart from
 * `runId` and timestamps. Keys in a fixed order.
 */

export interface BriefingOptions {
  /** The authoritative status (the run store's); default the state's. */
  readonly status?: RunStatus;
  /** Decisions recorded by the approval service. */
  readonly approvals?: readonly ApprovalRow[];
  readonly stewardVersion: string;
}

function approvalOf(state: RunState, approvals: readonly ApprovalRow[]) {
  const decision = state.decision;
  const release = state.releaseRecord;
  return {
    required: decision?.decision === "approval",
    decision: decision?.decision ?? null,
    reasons: [
      ...state.errors.map((e) => `${e.code}: ${e.node} ${e.message}`),
      ...(state.dataReview?.halt === true ? state.dataReview.reasons : []),
      ...(decision?.reasons ?? []),
    ].filter((r, i, all) => all.indexOf(r) === i),
    acknowledgementsRequired: decision?.acknowledgementsRequired ?? [],
    request: state.approvalRequest,
    decisions: approvals.map((a) => ({
      actorId: a.actorId,
      action: a.action,
      proposalHash: a.proposalHash,
      reason: a.reason,
      acknowledgements: [...a.acknowledgements],
      at: a.at,
    })),
    release:
      release === null
        ? null
        : {
            status: release.status,
            at: release.at,
            reasons: release.reasons,
            approvedHash: release.approvedHash,
            rehash: release.rehash,
            releasedBy: release.releasedBy,
            orders: release.orders.length,
            policyVersion: release.policyVersion,
          },
  };
}

/**
 * Builds the briefing from a run's state.
 *
 * @example briefingOf(state, { stewardVersion: "0.1.0" }).proposal?.hash // the proposal hash
 */
export function briefingOf(state: RunState, options: BriefingOptions) {
  const data = state.dataResult;
  const riskC = state.risk.current;
  const riskP = state.risk.proposed;
  const latest = riskP ?? riskC;
  const opt = state.optimizerResult;
  const exec = state.executionResult;
  return {
    runId: state.runId,
    status: options.status ?? state.status,
    asOf: state.asOf,
    data: {
      window: data?.window ?? state.plan?.window ?? null,
      sources: data?.sources ?? [],
      findings: data?.findings ?? [],
    },
    forecast: state.forecastResult,
    risk: {
      current: latest?.current ?? null,
      proposed: riskP?.proposed ?? null,
      stress: latest?.stress ?? null,
      trackingErrorToTarget: riskP?.trackingErrorToTarget ?? null,
      breaches: latest?.breaches ?? [],
      withinLimits: latest?.withinLimits ?? null,
      window: latest?.window ?? null,
      benchmark: latest?.benchmark ?? null,
    },
    optimizer:
      opt === null
        ? null
        : {
            ...opt,
            runs: state.loop + 1,
            riskBudget: state.riskBudget,
            riskReviews: state.riskReviews,
          },
    proposal:
      exec === null
        ? null
        : {
            orders: exec.proposal.orders,
            turnover: exec.proposal.turnover,
            cost: exec.proposal.totalCost,
            hash: exec.proposalHash,
            nav: exec.proposal.nav,
            cashBefore: exec.proposal.cashBefore,
            cashAfter: exec.proposal.cashAfter,
            postTradeWeights: exec.proposal.postTradeWeights,
            rows: exec.rows,
          },
    checks: (state.checks?.results ?? []).map((r) => ({
      code: r.code,
      severity: r.severity,
      passed: r.passed,
      message: r.message,
      ...(r.symbol === undefined ? {} : { symbol: r.symbol }),
      context: r.context,
      ...(r.limit === undefined ? {} : { limit: r.limit }),
      ...(r.overridden === undefined ? {} : { overridden: r.overridden }),
    })),
    approval: approvalOf(state, options.approvals ?? []),
    narrative: state.narrative,
    metadata: {
      versions: { ...agentVersions(), steward: options.stewardVersion },
      policyVersion: state.policyVersion,
      seed: state.seed,
      portfolioId: state.portfolio.id,
      requestedBy: state.requestedBy,
      dataSpec: state.dataSpec,
    },
  };
}

export type Briefing = ReturnType<typeof briefingOf>;
