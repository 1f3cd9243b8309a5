import { END } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { PortfolioSchema } from "../governance/index.js";
import { BALANCED } from "../tests/graph-helpers.js";
import {
  compileRunGraph,
  describeRunGraph,
  NODE_NAMES,
  routeAfterApproval,
  routeAfterDataReview,
  routeAfterDecision,
  routeAfterRiskReview,
} from "./build-graph.js";
import type { GraphDeps } from "./deps.js";
import { RunStateSchema, type RunState } from "./state.js";

/** Dependencies that are never called: the topology tests do not run the graph. */
const unused: GraphDeps = {
  audit: {} as GraphDeps["audit"],
  providerFor: () => Promise.reject(new Error("not used")),
  policyFor: () => {
    throw new Error("not used");
  },
  clock: () => new Date(0),
};

function state(overrides: Partial<RunState> = {}): RunState {
  const base = RunStateSchema.parse({
    runId: "r1",
    requestedBy: { id: "pat", kind: "human" },
    portfolio: PortfolioSchema.parse(BALANCED),
    asOf: "2018-04-11",
    seed: 1,
    dataSpec: { kind: "sample" },
    policyVersion: "v",
    startedAt: "2024-01-02T10:00:00.000Z",
    errors: [],
  });
  return { ...base, ...overrides };
}

const review = (action: "proceed" | "retry-optimizer" | "block") => ({
  action,
  reasons: [],
  recommendedBy: { agent: "supervisor", version: "1" },
  loop: 0,
});

describe("the run graph", () => {
  it("has exactly the designed nodes and edges, with approval as its only interrupt", () => {
    const topology = describeRunGraph(compileRunGraph(unused));
    expect(topology.nodes).toEqual(["__start__", ...NODE_NAMES, "__end__"]);
    const edges = topology.edges
      .map((e) => `${e.source}${e.conditional ? " -.-> " : " --> "}${e.target}`)
      .sort();
    // DESIGN.md §2 with the Supervisor's routing points and the parallel Forecast / Risk branch.
    expect(edges).toEqual(
      [
        "__start__ --> supervisor_plan",
        "supervisor_plan --> data",
        "data --> supervisor_data_review",
        "supervisor_data_review -.-> forecast",
        "supervisor_data_review -.-> risk_current",
        "supervisor_data_review -.-> __end__",
        "forecast --> optimizer",
        "risk_current --> optimizer",
        "optimizer --> execution",
        "execution --> risk_proposed",
        "risk_proposed --> supervisor_risk_review",
        "supervisor_risk_review -.-> optimizer",
        "supervisor_risk_review -.-> pre_trade_checks",
        "supervisor_risk_review -.-> __end__",
        "pre_trade_checks --> supervisor_decide",
        "supervisor_decide -.-> approval",
        "supervisor_decide -.-> __end__",
        "approval -.-> release",
        "approval -.-> __end__",
        "release --> __end__",
      ].sort(),
    );
    expect(topology.interrupts).toEqual(["approval"]);
    expect(topology.mermaid).toContain("supervisor_risk_review -.-> optimizer;");
  });

  it("halts after a data review that halted, else fans out to Forecast and Risk", () => {
    const ok = {
      halt: false,
      reasons: [],
      warnings: [],
      recommendedBy: { agent: "s", version: "1" },
    };
    expect(routeAfterDataReview(state({ dataReview: ok }))).toEqual(["forecast", "risk_current"]);
    expect(routeAfterDataReview(state({ dataReview: { ...ok, halt: true } }))).toEqual([END]);
    expect(routeAfterDataReview(state({ dataReview: null }))).toEqual([END]);
  });

  it("loops to the Optimizer only on a retry, and ends a blocked run", () => {
    expect(routeAfterRiskReview(state({ riskReviews: [review("retry-optimizer")] }))).toBe(
      "optimizer",
    );
    expect(
      routeAfterRiskReview(state({ riskReviews: [review("retry-optimizer"), review("proceed")] })),
    ).toBe("pre_trade_checks");
    expect(routeAfterRiskReview(state({ riskReviews: [review("block")], status: "blocked" }))).toBe(
      END,
    );
  });

  it("goes to approval only when awaiting it, and to release only when approved", () => {
    expect(routeAfterDecision(state({ status: "awaiting_approval" }))).toBe("approval");
    expect(routeAfterDecision(state({ status: "no_trade" }))).toBe(END);
    expect(routeAfterDecision(state({ status: "blocked" }))).toBe(END);
    expect(routeAfterApproval(state({ status: "approved" }))).toBe("release");
    expect(routeAfterApproval(state({ status: "rejected" }))).toBe(END);
    expect(routeAfterApproval(state({ status: "expired" }))).toBe(END);
  });
});
