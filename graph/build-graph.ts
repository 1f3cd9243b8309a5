import { END, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { AnalysisCache } from "./analysis-cache.js";
import { TableCache, type GraphDeps } from "./deps.js";
import type { NodeContext } from "./node-context.js";
import {
  forecastNode,
  optimizerNode,
  riskCurrentNode,
  riskProposedNode,
} from "./nodes-analysis.js";
import { preTradeChecksNode, supervisorDecideNode } from "./nodes-checks.js";
import { dataNode, supervisorDataReviewNode, supervisorPlanNode } from "./nodes-data.js";
import { executionNode, supervisorRiskReviewNode } from "./nodes-proposal.js";
import { approvalNode, releaseNode } from "./nodes-release.js";
import { runStateChannels, type RunState } from "./state.js";

/**
 * The run graph (DESIGN.md §2):
 *
 *   START → supervisor_plan → data → supervisor_data_review ─(halt)→ END
 *     → forecast ∥ risk_current → optimizer → execution → risk_proposed → supervisor_risk_review
 *         ─(breach, loops left)→ optimizer (tighter budget)   ─(hard breach, no loops)→ END
 *     → pre_trade_checks → supervisor_decide ─(blocked | no_trade)→ END
 *     → approval (interrupt) ─(rejected | expired)→ END
 *     → release → END
 */

export const NODE_NAMES = [
  "supervisor_plan",
  "data",
  "supervisor_data_review",
  "forecast",
  "risk_current",
  "optimizer",
  "execution",
  "risk_proposed",
  "supervisor_risk_review",
  "pre_trade_checks",
  "supervisor_decide",
  "approval",
  "release",
] as const;
export type NodeName = (typeof NODE_NAMES)[number];

/** The node that calls `interrupt()` (a human decision). */
export const INTERRUPT_NODES: readonly NodeName[] = ["approval"];

/** Which agent each node runs (the blueprint's node → agent map). */
export const NODE_AGENTS: Readonly<Record<NodeName, string>> = {
  supervisor_plan: "supervisor",
  data: "data",
  supervisor_data_review: "supervisor",
  forecast: "forecast",
  risk_current: "risk",
  optimizer: "optimizer",
  execution: "execution",
  risk_proposed: "risk",
  supervisor_risk_review: "supervisor",
  pre_trade_checks: "governance",
  supervisor_decide: "supervisor",
  approval: "human",
  release: "governance",
};

/** Routes after the data review: halt → END, else Forecast and Risk in parallel. */
export function routeAfterDataReview(state: RunState): (NodeName | typeof END)[] {
  return state.status === "blocked" || state.dataReview?.halt !== false
    ? [END]
    : ["forecast", "risk_current"];
}

/** Routes after the risk review: blocked → END, a retry → optimizer, else the checks. */
export function routeAfterRiskReview(state: RunState): NodeName | typeof END {
  if (state.status === "blocked") return END;
  const last = state.riskReviews[state.riskReviews.length - 1];
  return last?.action === "retry-optimizer" ? "optimizer" : "pre_trade_checks";
}

/** Routes after the decision: approval → approval, else END. */
export function routeAfterDecision(state: RunState): NodeName | typeof END {
  return state.status === "awaiting_approval" ? "approval" : END;
}

/** Routes after the approval: approved → release, else END. */
export function routeAfterApproval(state: RunState): NodeName | typeof END {
  return state.status === "approved" ? "release" : END;
}

/** Builds the (uncompiled) graph over injected dependencies. */
export function buildRunGraph(deps: GraphDeps) {
  const ctx: NodeContext = {
    deps,
    tables: new TableCache(deps.tableCacheSize),
    analysis: new AnalysisCache(deps.analysisCacheSize),
  };
  return new StateGraph(runStateChannels())
    .addNode("supervisor_plan", supervisorPlanNode(ctx))
    .addNode("data", dataNode(ctx))
    .addNode("supervisor_data_review", supervisorDataReviewNode(ctx))
    .addNode("forecast", forecastNode(ctx))
    .addNode("risk_current", riskCurrentNode(ctx))
    .addNode("optimizer", optimizerNode(ctx))
    .addNode("execution", executionNode(ctx))
    .addNode("risk_proposed", riskProposedNode(ctx))
    .addNode("supervisor_risk_review", supervisorRiskReviewNode(ctx))
    .addNode("pre_trade_checks", preTradeChecksNode(ctx))
    .addNode("supervisor_decide", supervisorDecideNode(ctx))
    .addNode("approval", approvalNode(ctx))
    .addNode("release", releaseNode(ctx))
    .addEdge(START, "supervisor_plan")
    .addEdge("supervisor_plan", "data")
    .addEdge("data", "supervisor_data_review")
    .addConditionalEdges("supervisor_data_review", routeAfterDataReview, [
      "forecast",
      "risk_current",
      END,
    ])
    .addEdge(["forecast", "risk_current"], "optimizer")
    .addEdge("optimizer", "execution")
    .addEdge("execution", "risk_proposed")
    .addEdge("risk_proposed", "supervisor_risk_review")
    .addConditionalEdges("supervisor_risk_review", routeAfterRiskReview, [
      "optimizer",
      "pre_trade_checks",
      END,
    ])
    .addEdge("pre_trade_checks", "supervisor_decide")
    .addConditionalEdges("supervisor_decide", routeAfterDecision, ["approval", END])
    .addConditionalEdges("approval", routeAfterApproval, ["release", END])
    .addEdge("release", END);
}

/**
 * The compiled run graph: checkpointed when a saver is given (the thread id is the runId).
 * `compileRunGraph(deps).getGraph().drawMermaid()` draws it.
 *
 * @example
 * const graph = compileRunGraph(deps, { checkpointer: cp.saver });
 * await graph.invoke(initialState, { configurable: { thread_id: runId } });
 */
export function compileRunGraph(
  deps: GraphDeps,
  options: { readonly checkpointer?: BaseCheckpointSaver } = {},
) {
  return buildRunGraph(deps).compile(
    options.checkpointer === undefined ? {} : { checkpointer: options.checkpointer },
  );
}

export type RunGraph = ReturnType<typeof compileRunGraph>;

/** The compiled graph as data: nodes, edges (conditional or not), interrupt nodes and Mermaid. */
export interface GraphTopology {
  readonly nodes: readonly string[];
  readonly edges: readonly {
    readonly source: string;
    readonly target: string;
    readonly conditional: boolean;
  }[];
  readonly interrupts: readonly NodeName[];
  readonly mermaid: string;
}

/**
 * Describes a compiled run graph for the blueprint (generated from the graph, never hand-written).
 *
 * @example describeRunGraph(compileRunGraph(deps)).interrupts // ["approval"]
 */
export function describeRunGraph(graph: RunGraph): GraphTopology {
  const drawable = graph.getGraph();
  return {
    nodes: Object.keys(drawable.nodes),
    edges: drawable.edges.map((e) => ({
      source: e.source,
      target: e.target,
      conditional: e.conditional === true,
    })),
    interrupts: INTERRUPT_NODES,
    mermaid: drawable.drawMermaid(),
  };
}
