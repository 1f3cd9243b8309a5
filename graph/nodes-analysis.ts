import { forecastAgent, optimizerAgent, riskAgent, type PriceTableJson } from "../agents/index.js";
import { agentActor, json } from "./audit-events.js";
import { DEFAULT_MONTE_CARLO_PATHS } from "./deps.js";
import {
  emit,
  halted,
  now,
  requireData,
  tableFor,
  type NodeContext,
  type NodeFn,
} from "./node-context.js";
import { assetClasses, bookWeights, runErrorOf } from "./node-support.js";
import type { DataSummary, RunState } from "./state.js";

/**
 * Forecast and Risk on the current book (run in parallel), the Optimizer, and Risk on the
 * proposal. Each writes its agent's typed output and one audit event (deterministic id: the
 * Optimizer and the proposal's risk are keyed by the loop index).
 */

export function forecastNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    try {
      const table = await tableFor(ctx, state);
      const out = forecastAgent.runForecast(
        { table, asOf: state.asOf },
        { memo: ctx.analysis.memoFor(table) },
      );
      const assets: Record<string, { expectedAnnualReturn: number | null; confidence: number }> =
        {};
      for (const [s, a] of Object.entries(out.assets)) {
        assets[s] = { expectedAnnualReturn: a.expectedAnnualReturn, confidence: a.confidence };
      }
      await emit(ctx.deps, state, [
        {
          writer: "forecast",
          stepKey: "completed",
          type: "forecast.completed",
          occurredAt: now(ctx.deps),
          ...agentActor(forecastAgent),
          outcome: { status: "success" },
          payload: json({ lastDataDate: out.lastDataDate, horizonDays: out.horizonDays, assets }),
        },
      ]);
      return { forecastResult: out };
    } catch (error) {
      return { errors: [runErrorOf("forecast", error)] };
    }
  };
}

function riskInput(
  ctx: NodeContext,
  state: RunState,
  table: PriceTableJson,
  data: DataSummary,
): riskAgent.RiskInput {
  const plan = state.plan;
  if (plan === null) throw new Error("the run has no plan");
  return {
    table,
    currentWeights: bookWeights(state, data),
    ...(plan.benchmark === null ? {} : { benchmark: plan.benchmark }),
    riskLimits: state.portfolio.mandate.riskLimits,
    monteCarlo: {
      seed: state.seed,
      paths: ctx.deps.monteCarloPaths ?? DEFAULT_MONTE_CARLO_PATHS,
      horizonDays: plan.horizonDays,
      mode: "portfolio",
    },
    assetClasses: assetClasses(data),
    lookbackDays: plan.lookbackDays,
  };
}

function riskPayload(out: riskAgent.RiskOutput, which: "current" | "proposed", loop: number) {
  const p = which === "current" ? out.current : out.proposed;
  return json({
    which,
    loop,
    volatility: p?.volatility ?? null,
    var95: p?.var95 ?? null,
    maxDrawdown: p?.maxDrawdown ?? null,
    trackingError: p?.trackingError ?? null,
    breaches: out.breaches,
    withinLimits: out.withinLimits,
    probabilityOfLoss: out.stress.monteCarlo.probabilityOfLoss,
  });
}

export function riskCurrentNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    try {
      const table = await tableFor(ctx, state);
      const out = riskAgent.runRisk(riskInput(ctx, state, table, requireData(state)), {
        memo: ctx.analysis.memoFor(table),
      });
      await emit(ctx.deps, state, [
        {
          writer: "risk_current",
          stepKey: "assessed",
          type: "risk.assessed",
          occurredAt: now(ctx.deps),
          ...agentActor(riskAgent),
          outcome: { status: "success" },
          payload: riskPayload(out, "current", 0),
        },
      ]);
      return { risk: { current: out, proposed: null } };
    } catch (error) {
      return { errors: [runErrorOf("risk_current", error)] };
    }
  };
}

export function optimizerNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    try {
      const data = requireData(state);
      const table = await tableFor(ctx, state);
      const forecast: Record<string, optimizerAgent.ForecastView> = {};
      for (const [s, a] of Object.entries(state.forecastResult?.assets ?? {})) {
        forecast[s] = { expectedAnnualReturn: a.expectedAnnualReturn, confidence: a.confidence };
      }
      const out = optimizerAgent.runOptimizer(
        {
          table,
          mandate: state.portfolio.mandate,
          currentWeights: bookWeights(state, data),
          assetClasses: assetClasses(data),
          forecast,
          riskBudget: state.riskBudget,
          loop: state.loop,
        },
        { memo: ctx.analysis.memoFor(table) },
      );
      await emit(ctx.deps, state, [
        {
          writer: "optimizer",
          stepKey: `loop:${state.loop}`,
          type: "optimizer.completed",
          occurredAt: now(ctx.deps),
          ...agentActor(optimizerAgent),
          outcome: { status: "success" },
          payload: json({
            loop: state.loop,
            solvedAs: out.solvedAs,
            riskBudget: state.riskBudget,
            targetWeights: out.targetWeights,
            performance: out.performance,
          }),
        },
      ]);
      return { optimizerResult: out };
    } catch (error) {
      return { errors: [runErrorOf("optimizer", error)] };
    }
  };
}

export function riskProposedNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    try {
      const exec = state.executionResult;
      if (exec === null) throw new Error("the run has no proposal");
      const table = await tableFor(ctx, state);
      const proposedWeights: Record<string, number> = {};
      for (const [s, w] of Object.entries(exec.proposal.postTradeWeights)) {
        if (s !== riskAgent.CASH && w !== 0) proposedWeights[s] = w;
      }
      const out = riskAgent.runRisk(
        { ...riskInput(ctx, state, table, requireData(state)), proposedWeights },
        { memo: ctx.analysis.memoFor(table) },
      );
      await emit(ctx.deps, state, [
        {
          writer: "risk_proposed",
          stepKey: `loop:${state.loop}`,
          type: "risk.assessed",
          occurredAt: now(ctx.deps),
          ...agentActor(riskAgent),
          outcome: out.withinLimits
            ? { status: "success" }
            : { status: "failure", code: "RISK_LIMIT_BREACH" },
          payload: riskPayload(out, "proposed", state.loop),
        },
      ]);
      return { risk: { current: state.risk.current, proposed: out } };
    } catch (error) {
      return { errors: [runErrorOf("risk_proposed", error)] };
    }
  };
}
