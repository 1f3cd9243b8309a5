import { executionAgent, supervisorAgent } from "../agents/index.js";
import { agentActor, json, type RunEventSpec } from "./audit-events.js";
import {
  block,
  emit,
  halted,
  now,
  riskSeverity,
  type NodeContext,
  type NodeFn,
} from "./node-context.js";
import { fxRates, runErrorOf } from "./node-support.js";

/**
 * The Execution agent (orders, proposal hash) and the Supervisor's risk review (retry the
 * Optimizer under a tighter budget while loops remain; block on a hard breach when they are out).
 */

export function executionNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    try {
      const data = state.dataResult;
      const opt = state.optimizerResult;
      if (data === null || opt === null) throw new Error("the run has no market data or targets");
      const out = executionAgent.runExecution({
        portfolio: state.portfolio,
        targetWeights: opt.targetWeights,
        latestPrices: data.latestPrices,
        instruments: data.instruments,
        fx: fxRates(data),
        asOf: state.asOf,
        policyVersion: state.policyVersion,
      });
      await emit(ctx.deps, state, [
        {
          writer: "execution",
          stepKey: `loop:${state.loop}`,
          type: "proposal.created",
          occurredAt: now(ctx.deps),
          ...agentActor(executionAgent),
          outcome: { status: "success" },
          payload: json({
            loop: state.loop,
            proposalHash: out.proposalHash,
            turnover: out.totals.turnover,
            totalCost: out.totals.totalCost,
            orders: out.proposal.orders.map((o) => ({
              symbol: o.symbol,
              side: o.side,
              quantity: o.quantity,
              price: o.price,
              notional: o.notional,
              idempotencyKey: o.idempotencyKey,
            })),
          }),
        },
      ]);
      return { executionResult: out };
    } catch (error) {
      return { errors: [runErrorOf("execution", error)] };
    }
  };
}

export function supervisorRiskReviewNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    const by = agentActor(supervisorAgent);
    if (state.errors.length > 0) {
      const reasons = state.errors.map((e) => `${e.code}: ${e.node} ${e.message}`);
      return block(ctx, state, "supervisor_risk_review", "AGENT_FAILED", reasons, {});
    }
    const plan = state.plan;
    const assessed = state.risk.proposed;
    if (plan === null || assessed === null) {
      return block(
        ctx,
        state,
        "supervisor_risk_review",
        "NO_RISK_ASSESSMENT",
        ["the proposal was not assessed"],
        {},
      );
    }
    const severity = riskSeverity(ctx, state);
    const review = supervisorAgent.reviewRisk({
      breaches: assessed.breaches.map((b) => ({ ...b, severity })),
      loop: state.loop,
      maxLoops: plan.maxOptimizerLoops,
      riskBudget: { ...plan.riskBudget, ...state.riskBudget },
      tightening: plan.budgetTightening,
      ...(assessed.proposed === null ? {} : { proposedVolatility: assessed.proposed.volatility }),
    });
    const riskReviews = [...state.riskReviews, { ...review, loop: state.loop }];
    const event: RunEventSpec = {
      writer: "supervisor_risk_review",
      stepKey: `loop:${state.loop}`,
      type: "risk.reviewed",
      occurredAt: now(ctx.deps),
      ...by,
      outcome:
        review.action === "proceed"
          ? { status: "success" }
          : {
              status: review.action === "block" ? "denied" : "info",
              code: review.action.toUpperCase().replace("-", "_"),
            },
      payload: json({
        loop: state.loop,
        action: review.action,
        tighterBudget: review.tighterBudget ?? null,
        reasons: review.reasons,
      }),
    };
    if (review.action === "block") {
      return block(
        ctx,
        state,
        "supervisor_risk_review",
        "RISK_LIMIT_BREACH",
        review.reasons,
        { riskReviews },
        [event],
      );
    }
    await emit(ctx.deps, state, [event]);
    if (review.action === "retry-optimizer" && review.tighterBudget !== undefined) {
      return { riskReviews, riskBudget: review.tighterBudget, loop: state.loop + 1 };
    }
    return { riskReviews };
  };
}
