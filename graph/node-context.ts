import { dataAgent, supervisorAgent, type PriceTableJson } from "../agents/index.js";
import { agentActor, appendOnce, json, runEvent, type RunEventSpec } from "./audit-events.js";
import type { AnalysisCache } from "./analysis-cache.js";
import type { GraphDeps, TableCache } from "./deps.js";
import { qualityPolicyOf, renderNarrativeFor } from "./node-support.js";
import type { DataSummary, RunState, RunUpdate } from "./state.js";

/**
 * What every node shares: its injected dependencies and the run-scoped price-table cache, how it
 * writes audit events, how it fetches (or refetches) the run's market data, and how a Supervisor
 * step ends a run `blocked`. A node whose run already failed does nothing (fail closed: the next
 * Supervisor step ends it).
 */

export interface NodeContext {
  readonly deps: GraphDeps;
  readonly tables: TableCache;
  /** Market data and per-universe analysis shared by runs over the same immutable data. */
  readonly analysis: AnalysisCache;
}

export type NodeFn = (state: RunState) => Promise<RunUpdate>;

/**
 * Writes a node's events for the run (idempotent on a re-run) — into the run's buffer when the
 * graph runs with one (appended when the graph stops), else to the audit store at once.
 */
export async function emit(
  deps: GraphDeps,
  state: RunState,
  events: readonly RunEventSpec[],
): Promise<void> {
  const ctx = {
    runId: state.runId,
    portfolioId: state.portfolio.id,
    policyVersion: state.policyVersion,
  };
  const built = events.map((e) => runEvent(ctx, e));
  if (deps.runEvents === undefined) await appendOnce(deps.audit, built);
  else deps.runEvents.add(state.runId, built);
}

export const now = (deps: GraphDeps): string => deps.clock().toISOString();

/** The price table of the run: from the cache, else fetched again (point in time: identical). */
export async function tableFor(ctx: NodeContext, state: RunState): Promise<PriceTableJson> {
  const cached = ctx.tables.get(state.runId);
  if (cached !== undefined) return cached;
  const out = await fetchData(ctx, state);
  ctx.tables.set(state.runId, out.table);
  return out.table;
}

export async function fetchData(ctx: NodeContext, state: RunState): Promise<dataAgent.DataOutput> {
  const plan = state.plan;
  if (plan === null) throw new Error("the run has no plan");
  const policy = ctx.deps.policyFor(state.portfolio.policyId);
  const input: dataAgent.DataInput = {
    symbols: plan.symbols,
    asOf: state.asOf,
    from: plan.window.from,
    baseCurrency: state.portfolio.baseCurrency,
    qualityPolicy: qualityPolicyOf(policy),
    lookbackDays: plan.lookbackDays,
  };
  return ctx.analysis.data(state.dataSpec, input, async () =>
    dataAgent.runData(input, { provider: await ctx.deps.providerFor(state.dataSpec) }),
  );
}

export const halted = (state: RunState): boolean =>
  state.errors.length > 0 || state.status === "blocked";

export function requireData(state: RunState): DataSummary {
  if (state.dataResult === null) throw new Error("the run has no market data");
  return state.dataResult;
}

/** Ends the run blocked with reasons: status, narrative, `run.blocked` event. */
export async function block(
  ctx: NodeContext,
  state: RunState,
  writer: string,
  code: string,
  reasons: readonly string[],
  update: RunUpdate,
  extra: readonly RunEventSpec[] = [],
): Promise<RunUpdate> {
  const at = now(ctx.deps);
  await emit(ctx.deps, state, [
    ...extra,
    {
      writer,
      stepKey: "blocked",
      type: "run.blocked",
      occurredAt: at,
      ...agentActor(supervisorAgent),
      outcome: { status: "denied", code },
      reason: reasons.join("; "),
      payload: json({ reasons }),
    },
  ]);
  ctx.tables.delete(state.runId);
  const next: RunState = { ...state, ...update, status: "blocked" };
  return {
    ...update,
    status: "blocked",
    narrative: renderNarrativeFor(next, "blocked", riskSeverity(ctx, state)),
  };
}

export function riskSeverity(ctx: NodeContext, state: RunState): "hard" | "soft" {
  return ctx.deps.policyFor(state.portfolio.policyId).limits.RISK_LIMIT_TOLERANCE.severity;
}
