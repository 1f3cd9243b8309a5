import { dataAgent, supervisorAgent } from "../agents/index.js";
import { agentActor, json, type RunEventSpec } from "./audit-events.js";
import {
  block,
  emit,
  fetchData,
  halted,
  now,
  type NodeContext,
  type NodeFn,
} from "./node-context.js";
import { runErrorOf } from "./node-support.js";

/**
 * The Supervisor's plan, the Data agent and the Supervisor's data review (fail closed on a
 * blocking finding or a data error).
 */

export function supervisorPlanNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    const by = agentActor(supervisorAgent);
    try {
      const plan = supervisorAgent.planRun({
        portfolio: state.portfolio,
        asOf: state.asOf,
        policy: { version: state.policyVersion },
      });
      await emit(ctx.deps, state, [
        {
          writer: "supervisor_plan",
          stepKey: "started",
          type: "run.started",
          occurredAt: now(ctx.deps),
          ...by,
          outcome: { status: "success" },
          payload: json({
            requestedBy: state.requestedBy,
            asOf: state.asOf,
            seed: state.seed,
            dataSpec: state.dataSpec,
            symbols: plan.symbols,
            window: plan.window,
            horizonDays: plan.horizonDays,
            riskBudget: plan.riskBudget,
            maxOptimizerLoops: plan.maxOptimizerLoops,
          }),
        },
      ]);
      const budget = plan.riskBudget.maxVolatility;
      return { plan, riskBudget: budget === undefined ? {} : { maxVolatility: budget } };
    } catch (error) {
      const failure = runErrorOf("supervisor_plan", error);
      await emit(ctx.deps, state, [
        {
          writer: "supervisor_plan",
          stepKey: "started",
          type: "run.started",
          occurredAt: now(ctx.deps),
          ...by,
          outcome: { status: "failure", code: failure.code },
          reason: failure.message,
          payload: json({
            requestedBy: state.requestedBy,
            asOf: state.asOf,
            seed: state.seed,
            dataSpec: state.dataSpec,
          }),
        },
      ]);
      return { errors: [failure] };
    }
  };
}

export function dataNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    if (halted(state)) return {};
    const by = agentActor(dataAgent);
    let out: dataAgent.DataOutput;
    try {
      out = await fetchData(ctx, state);
    } catch (error) {
      return { errors: [runErrorOf("data", error)] };
    }
    const { table, ...summary } = out;
    ctx.tables.set(state.runId, table);
    const at = now(ctx.deps);
    const events: RunEventSpec[] = [
      {
        writer: "data",
        stepKey: "fetched",
        type: "data.fetched",
        occurredAt: at,
        ...by,
        outcome: out.blocking
          ? { status: "failure", code: out.error?.code ?? "DATA_BLOCKING" }
          : { status: "success" },
        ...(out.error === undefined ? {} : { reason: out.error.message }),
        payload: json({
          window: out.window,
          sources: out.sources,
          symbols: out.symbols,
          dates: table.dates.length,
          findings: out.findings.map((f) => ({
            code: f.code,
            severity: f.severity,
            symbol: f.symbol,
          })),
        }),
      },
    ];
    out.findings.forEach((f, i) => {
      if (f.severity !== "blocking") return;
      events.push({
        writer: "data",
        stepKey: `finding:${i}:${f.code}:${f.symbol}`,
        type: "data.quality_failed",
        occurredAt: at,
        ...by,
        outcome: { status: "failure", code: f.code },
        reason: f.message,
        payload: json(f),
      });
    });
    await emit(ctx.deps, state, events);
    return { dataResult: summary };
  };
}

export function supervisorDataReviewNode(ctx: NodeContext): NodeFn {
  return async (state) => {
    const by = agentActor(supervisorAgent);
    const data = state.dataResult;
    const review = supervisorAgent.reviewData({
      findings: data?.findings ?? [],
      blocking: data?.blocking ?? true,
      ...(data?.error === undefined ? {} : { error: data.error }),
    });
    const reasons = [
      ...state.errors.map((e) => `${e.code}: ${e.node} ${e.message}`),
      ...review.reasons,
    ];
    const halt = reasons.length > 0;
    const dataReview = { ...review, halt, reasons };
    const event: RunEventSpec = {
      writer: "supervisor_data_review",
      stepKey: "reviewed",
      type: "data.reviewed",
      occurredAt: now(ctx.deps),
      ...by,
      outcome: halt ? { status: "failure", code: "DATA_HALT" } : { status: "success" },
      payload: json({ halt, reasons, warnings: review.warnings }),
    };
    if (halt)
      return block(ctx, state, "supervisor_data_review", "DATA_HALT", reasons, { dataReview }, [
        event,
      ]);
    await emit(ctx.deps, state, [event]);
    return { dataReview };
  };
}
