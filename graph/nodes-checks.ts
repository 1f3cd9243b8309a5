import { supervisorAgent, type riskAgent } from "../agents/index.js";
import {
  approvalExpiry,
  runPreTradeChecks,
  softWarningCodes,
  type PreTradeContext,
  type Policy,
  type RiskFigures,
} from "../governance/index.js";
import { agentActor, json, type RunEventSpec } from "./audit-events.js";
import { NO_HISTORY, type GraphDeps } from "./deps.js";
import {
  block,
  emit,
  halted,
  now,
  riskSeverity,
  type NodeContext,
  type NodeFn,
} from "./node-context.js";
import { renderNarrativeFor, runErrorOf } from "./node-support.js";
import type { DataSummary, RunState } from "./state.js";

/**
 * The pre-trade checks (every check of the policy over the whole proposal, one summary audit event
 * plus one per failure) and the Supervisor's decision: blocked, no trade, or approval (with the
 * approval request the four-eyes rules bind to).
 */

function figures(p: riskAgent.PortfolioRisk | null | undefined): RiskFigures | null {
  if (p === null || p === undefined) return null;
  return {
    volatility: p.volatility,
    var95: p.var95,
    trackingError: p.trackingError,
    maxDrawdown: p.maxDrawdown,
  };
}

/** The pre-trade context of a proposal (used at briefing and, with fresh prices, at release). */
export async function checkContext(
  deps: GraphDeps,
  state: RunState,
  policy: Policy,
  data: Pick<DataSummary, "instruments" | "latestPrices" | "volumes" | "fx">,
  at: string,
): Promise<PreTradeContext> {
  const exec = state.executionResult;
  if (exec === null) throw new Error("the run has no proposal");
  const history = deps.history ?? NO_HISTORY;
  const windowStart = (minutes: number): string =>
    new Date(Date.parse(at) - minutes * 60_000).toISOString();
  const duplicateSince = windowStart(policy.limits.DUPLICATE_WINDOW_MINUTES.value);
  const released = await history.releasedOrders(state.portfolio.id, state.runId);
  const [perPortfolio, global] = await Promise.all([
    history.countRuns({
      since: windowStart(policy.limits.MAX_PROPOSALS_PER_PORTFOLIO.windowMinutes),
      portfolioId: state.portfolio.id,
      excludeRunId: state.runId,
    }),
    history.countRuns({
      since: windowStart(policy.limits.MAX_PROPOSALS_GLOBAL.windowMinutes),
      portfolioId: null,
      excludeRunId: state.runId,
    }),
  ]);
  const fx: Record<string, number> = {};
  for (const [c, r] of Object.entries(data.fx)) fx[c] = r.rate;
  return {
    portfolio: state.portfolio,
    proposal: exec.proposal,
    instruments: data.instruments,
    latestPrices: data.latestPrices,
    asOf: state.asOf,
    now: at,
    volumes: data.volumes,
    fxRates: fx,
    ...(state.optimizerResult === null
      ? {}
      : { targetWeights: state.optimizerResult.targetWeights }),
    proposedRisk: figures(state.risk.proposed?.proposed),
    currentRisk: figures(state.risk.current?.current),
    currentDrawdown: state.risk.current?.current.currentDrawdown ?? null,
    recentOrderKeys: released.map((o) => o.idempotencyKey),
    recentOrders: released
      .filter((o) => o.releasedAt >= duplicateSince)
      .map((o) => ({
        symbol: o.symbol,
        side: o.side,
        quantity: o.quantity,
        releasedAt: o.releasedAt,
      })),
    proposalCountInWindow: perPortfolio,
    globalProposalCountInWindow: global,
    policy,
  };
}

export function preTradeChecksNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    try {
      const data = state.dataResult;
      if (data === null) throw new Error("the run has no market data");
      const policy = ctx.deps.policyFor(state.portfolio.policyId);
      const at = now(ctx.deps);
      const report = runPreTradeChecks(await checkContext(ctx.deps, state, policy, data, at), {
        requestedBy: state.requestedBy.id,
      });
      const failed = report.results.filter((r) => !r.passed);
      const by = {
        actor: { kind: "agent" as const, id: "pre_trade_checks" },
        recommendedBy: { agent: "governance", version: report.policyVersion.slice(0, 12) },
      };
      const events: RunEventSpec[] = [
        {
          writer: "pre_trade_checks",
          stepKey: "summary",
          type: report.passed && failed.length === 0 ? "check.passed" : "check.failed",
          occurredAt: at,
          ...by,
          outcome: report.passed
            ? { status: "success" }
            : { status: "failure", code: report.hardFailures[0]?.code ?? "CHECKS_FAILED" },
          payload: json({
            passed: report.passed,
            proposalHash: report.proposalHash,
            checks: report.results.length,
            hardFailures: report.hardFailures.map((r) => r.code),
            softWarnings: softWarningCodes(report),
          }),
        },
      ];
      failed.forEach((r, i) =>
        events.push({
          writer: "pre_trade_checks",
          stepKey: `failure:${i}:${r.code}:${r.symbol ?? ""}`,
          type: "check.failed",
          occurredAt: at,
          ...by,
          outcome: { status: "failure", code: r.code },
          reason: r.message,
          payload: json({ severity: r.severity, symbol: r.symbol ?? null, context: r.context }),
        }),
      );
      await emit(ctx.deps, state, events);
      return { checks: report };
    } catch (error) {
      return { errors: [runErrorOf("pre_trade_checks", error)] };
    }
  };
}

export function supervisorDecideNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    const by = agentActor(supervisorAgent);
    const report = state.checks;
    const exec = state.executionResult;
    const at = now(ctx.deps);
    const checks =
      report === null || state.errors.length > 0
        ? { passed: false, hardFailures: state.errors.map((e) => e.code), softWarnings: [] }
        : {
            passed: report.passed,
            hardFailures: report.hardFailures,
            softWarnings: report.softWarnings,
          };
    const decision = supervisorAgent.decide({ checks, proposal: exec?.proposal ?? null });
    const decided = { ...decision, decidedAt: at };
    const event: RunEventSpec = {
      writer: "supervisor_decide",
      stepKey: "decided",
      type: "decision.made",
      occurredAt: at,
      ...by,
      outcome: {
        status: decision.decision === "blocked" ? "denied" : "success",
        code: decision.decision.toUpperCase(),
      },
      payload: json({ ...decision, proposalHash: exec?.proposalHash ?? null }),
    };
    if (decision.decision === "blocked") {
      return block(
        ctx,
        state,
        "supervisor_decide",
        "CHECKS_FAILED",
        decision.reasons,
        { decision: decided },
        [event],
      );
    }
    ctx.tables.delete(state.runId);
    if (decision.decision === "no_trade" || exec === null || report === null) {
      await emit(ctx.deps, state, [
        event,
        {
          writer: "supervisor_decide",
          stepKey: "no_trade",
          type: "run.no_trade",
          occurredAt: at,
          ...by,
          outcome: { status: "success", code: "NO_TRADE" },
          reason: decision.reasons.join("; "),
        },
      ]);
      const next: RunState = { ...state, decision: decided, status: "no_trade" };
      return {
        decision: decided,
        status: "no_trade",
        narrative: renderNarrativeFor(next, "no_trade", riskSeverity(ctx, state)),
      };
    }
    const policy = ctx.deps.policyFor(state.portfolio.policyId);
    const overridden = [
      ...new Set(report.results.filter((r) => r.overridden === true).map((r) => r.code)),
    ].sort();
    const approvalRequest = {
      runId: state.runId,
      portfolioId: state.portfolio.id,
      requestedBy: state.requestedBy.id,
      proposalHash: exec.proposalHash,
      createdAt: at,
      expiresAt: approvalExpiry(at, policy),
      notional: exec.proposal.orders.reduce((s, o) => s + Math.abs(o.notional), 0),
      turnover: exec.proposal.turnover,
      softWarnings: softWarningCodes(report),
      ...(overridden.length === 0 ? {} : { overrides: overridden }),
    };
    await emit(ctx.deps, state, [event]);
    const next: RunState = {
      ...state,
      decision: decided,
      approvalRequest,
      status: "awaiting_approval",
    };
    return {
      decision: decided,
      approvalRequest,
      status: "awaiting_approval",
      narrative: renderNarrativeFor(next, "awaiting_approval", riskSeverity(ctx, state)),
    };
  };
}
