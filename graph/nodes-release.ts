import { interrupt } from "@langchain/langgraph";
import {
  executionAgent,
  supervisorAgent,
  type InstrumentJson,
  type LatestPrice,
} from "../agents/index.js";
import {
  policyVersion,
  proposalHash,
  releasePriceCheck,
  runPreTradeChecks,
  softWarningCodes,
  type CheckResult,
  type PreTradeReport,
} from "../governance/index.js";
import { latestOnOrBefore, type Bar } from "../market/index.js";
import { agentActor, json, type RunEventSpec } from "./audit-events.js";
import type { GraphDeps } from "./deps.js";
import { emit, type NodeContext, type NodeFn } from "./node-context.js";
import { checkContext } from "./nodes-checks.js";
import { renderNarrativeFor } from "./node-support.js";
import {
  ApprovalResumeSchema,
  type DataSummary,
  type ReleaseRecord,
  type RunState,
} from "./state.js";

/**
 * Approval and release (GOVERNANCE.md §2). The approval node calls `interrupt()` — never inside a
 * try/catch — and everything before it is idempotent (a deterministic event whose time is the
 * request's), because LangGraph re-runs the node from its start on resume. The release node
 * re-hashes the orders, re-reads prices from the provider and re-runs every pre-trade check plus
 * the release price guard; anything failing denies the release (fail closed).
 */

const now = (deps: GraphDeps): string => deps.clock().toISOString();

/** Calendar days of history re-read at release to find each symbol's latest price. */
export const RELEASE_PRICE_LOOKBACK_DAYS = 14;

/** What the interrupt shows the approver (and the run service's inbox). */
export interface ApprovalInterrupt {
  readonly runId: string;
  readonly proposalHash: string;
  readonly proposal: NonNullable<RunState["executionResult"]>["proposal"];
  readonly checks: {
    readonly passed: boolean;
    readonly hardFailures: readonly string[];
    readonly softWarnings: readonly string[];
  };
  readonly request: NonNullable<RunState["approvalRequest"]>;
}

function checksSummary(report: PreTradeReport | null): ApprovalInterrupt["checks"] {
  if (report === null) return { passed: false, hardFailures: [], softWarnings: [] };
  return {
    passed: report.passed,
    hardFailures: report.hardFailures.map((r) => r.code),
    softWarnings: softWarningCodes(report),
  };
}

export function approvalNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    const request = state.approvalRequest;
    const exec = state.executionResult;
    if (request === null || exec === null)
      throw new Error("approval reached without an approval request");
    await emit(ctx.deps, state, [
      {
        writer: "approval",
        stepKey: "requested",
        type: "approval.requested",
        occurredAt: request.createdAt,
        ...agentActor(supervisorAgent),
        outcome: { status: "info", code: "AWAITING_APPROVAL" },
        payload: json(request),
      },
    ]);
    const payload: ApprovalInterrupt = {
      runId: state.runId,
      proposalHash: exec.proposalHash,
      proposal: exec.proposal,
      checks: checksSummary(state.checks),
      request,
    };
    const resume = ApprovalResumeSchema.parse(interrupt(payload));
    const approvalRecord = { ...resume, proposalHash: request.proposalHash };
    if (resume.decision === "approved") return { approvalRecord, status: "approved" };
    const status = resume.decision;
    return {
      approvalRecord,
      status,
      narrative: renderNarrativeFor({ ...state, approvalRecord, status }, status),
    };
  };
}

type FreshData = Pick<DataSummary, "instruments" | "latestPrices" | "volumes" | "fx">;

/** Prices, reference data and FX read again from the provider (as of the run's date). */
async function freshData(ctx: NodeContext, state: RunState): Promise<FreshData> {
  const data = state.dataResult;
  const plan = state.plan;
  if (data === null || plan === null) throw new Error("the run has no market data");
  const provider = await ctx.deps.providerFor(state.dataSpec);
  const from = supervisorAgent.isoDaysBefore(state.asOf, RELEASE_PRICE_LOOKBACK_DAYS);
  const symbols = plan.symbols;
  const [bars, instruments] = await Promise.all([
    provider.bars({ symbols, asOf: state.asOf, from }),
    provider.instruments(symbols),
  ]);
  const latestPrices: Record<string, LatestPrice> = {};
  const instrumentsOut: Record<string, InstrumentJson> = {};
  for (const s of symbols) {
    const series: readonly Bar[] = bars.series[s] ?? [];
    for (let i = series.length - 1; i >= 0; i--) {
      const bar = series[i] as Bar;
      if (bar.date <= state.asOf && Number.isFinite(bar.close) && bar.close > 0) {
        latestPrices[s] = { price: bar.close, date: bar.date };
        break;
      }
    }
    const inst = instruments[s];
    if (inst !== undefined) instrumentsOut[s] = { ...inst };
  }
  const base = state.portfolio.baseCurrency;
  const currencies = [...new Set(Object.values(instrumentsOut).map((i) => i.currency))]
    .filter((c) => c !== base)
    .sort();
  const fx: FreshData["fx"] = { [base]: { rate: 1, date: state.asOf } };
  if (currencies.length > 0) {
    const rates = await provider.fx({ base, currencies, asOf: state.asOf, from });
    for (const c of currencies) {
      const r = latestOnOrBefore(rates.rates[c] ?? [], state.asOf);
      if (r !== undefined && Number.isFinite(r.rate) && r.rate > 0)
        fx[c] = { rate: r.rate, date: r.date };
    }
  }
  return { instruments: instrumentsOut, latestPrices, volumes: data.volumes, fx };
}

export function releaseNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    const request = state.approvalRequest;
    const exec = state.executionResult;
    const record = state.approvalRecord;
    const at = now(ctx.deps);
    const policy = ctx.deps.policyFor(state.portfolio.policyId);
    const reasons: string[] = [];
    let checks: PreTradeReport | null = null;
    let priceChecks: CheckResult[] = [];
    const approvedHash = request?.proposalHash ?? "";
    const rehash = exec === null ? "" : proposalHash(exec.proposal);
    if (request === null || exec === null || record === null || record.decision !== "approved") {
      reasons.push("NOT_APPROVED: no approved proposal to release");
    } else {
      if (
        rehash !== approvedHash ||
        exec.proposalHash !== approvedHash ||
        record.proposalHash !== approvedHash
      ) {
        reasons.push(`PROPOSAL_CHANGED: approvedHash=${approvedHash}, rehash=${rehash}`);
      }
      try {
        const fresh = await freshData(ctx, state);
        checks = runPreTradeChecks(await checkContext(ctx.deps, state, policy, fresh, at), {
          requestedBy: state.requestedBy.id,
        });
        priceChecks = releasePriceCheck(exec.proposal, fresh.latestPrices, policy);
        for (const r of [
          ...checks.hardFailures,
          ...priceChecks.filter((p) => !p.passed && p.severity === "hard"),
        ])
          reasons.push(r.message);
      } catch (error) {
        reasons.push(
          `RELEASE_DATA_UNAVAILABLE: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    const releasedBy =
      record?.decisions.filter((d) => d.action === "approve").map((d) => d.actorId) ?? [];
    const released = reasons.length === 0 && exec !== null;
    const releaseRecord: ReleaseRecord = {
      status: released ? "released" : "release_denied",
      at,
      approvedHash,
      rehash,
      reasons,
      policyVersion: policyVersion(policy),
      checks,
      priceChecks,
      orders: released ? exec.proposal.orders : [],
      releasedBy,
    };
    const releaser = releasedBy[releasedBy.length - 1] ?? "unknown";
    const events: RunEventSpec[] = [];
    if (released) {
      for (const order of exec.proposal.orders) {
        events.push({
          writer: "release",
          stepKey: `order:${order.idempotencyKey}`,
          type: "order.released",
          occurredAt: at,
          actor: { kind: "human", id: releaser, role: "supervisor" },
          recommendedBy: agentActor(executionAgent).recommendedBy,
          outcome: { status: "success" },
          payload: json({ order, proposalHash: approvedHash, approvedBy: releasedBy }),
        });
      }
      events.push({
        writer: "release",
        stepKey: "released",
        type: "run.released",
        occurredAt: at,
        actor: { kind: "system", id: "release" },
        outcome: { status: "success" },
        payload: json({
          proposalHash: approvedHash,
          rehash,
          orders: exec.proposal.orders.length,
          approvedBy: releasedBy,
        }),
      });
    } else {
      const code = (reasons[0] ?? "RELEASE_DENIED").split(":")[0] ?? "RELEASE_DENIED";
      events.push({
        writer: "release",
        stepKey: "denied",
        type: "release.denied",
        occurredAt: at,
        actor: { kind: "system", id: "release" },
        outcome: { status: "denied", code },
        reason: reasons.join("; "),
        payload: json({ approvedHash, rehash, reasons }),
      });
    }
    await emit(ctx.deps, state, events);
    const status = releaseRecord.status;
    return {
      releaseRecord,
      status,
      narrative: renderNarrativeFor({ ...state, releaseRecord, status }, status),
    };
  };
}
