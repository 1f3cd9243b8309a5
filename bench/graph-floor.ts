// LangGraph's own cost per briefing: the briefing path of the run graph (graph/build-graph.ts) —
// the same node names, fan-out, joins, conditional edges and approval interrupt, over the run
// state's channels and Steward's SQLite checkpointer with durability "exit" — with nodes that do
// nothing. What a briefing costs beyond this is Steward's own work.
import { END, interrupt, START, StateGraph } from "@langchain/langgraph";
import {
  createCheckpointer,
  NODE_NAMES,
  runStateChannels,
  type Checkpointer,
} from "../graph/index.js";

/** The nodes a briefing runs: the run graph's, up to and including the approval interrupt. */
const BRIEFING_NODES = NODE_NAMES.slice(0, NODE_NAMES.indexOf("approval") + 1).length;

const noop = async () => ({});

/** The graph, compiled over a SQLite checkpointer in `dataDir`; `pass(id)` runs one thread. */
export async function openGraphFloor(dataDir: string): Promise<{
  readonly nodes: number;
  pass(threadId: string): Promise<void>;
  close(): Promise<void>;
}> {
  const checkpointer: Checkpointer = await createCheckpointer({ dataDir });
  const graph = new StateGraph(runStateChannels())
    .addNode("supervisor_plan", noop)
    .addNode("data", noop)
    .addNode("supervisor_data_review", noop)
    .addNode("forecast", noop)
    .addNode("risk_current", noop)
    .addNode("optimizer", noop)
    .addNode("execution", noop)
    .addNode("risk_proposed", noop)
    .addNode("supervisor_risk_review", noop)
    .addNode("pre_trade_checks", noop)
    .addNode("supervisor_decide", noop)
    .addNode("approval", async () => {
      interrupt({ proposalHash: "floor" });
      return {};
    })
    .addEdge(START, "supervisor_plan")
    .addEdge("supervisor_plan", "data")
    .addEdge("data", "supervisor_data_review")
    .addConditionalEdges("supervisor_data_review", () => ["forecast", "risk_current"], [
      "forecast",
      "risk_current",
      END,
    ])
    .addEdge(["forecast", "risk_current"], "optimizer")
    .addEdge("optimizer", "execution")
    .addEdge("execution", "risk_proposed")
    .addEdge("risk_proposed", "supervisor_risk_review")
    .addConditionalEdges("supervisor_risk_review", () => "pre_trade_checks", [
      "optimizer",
      "pre_trade_checks",
      END,
    ])
    .addEdge("pre_trade_checks", "supervisor_decide")
    .addConditionalEdges("supervisor_decide", () => "approval", ["approval", END])
    .addEdge("approval", END)
    .compile({ checkpointer: checkpointer.saver });
  return {
    nodes: BRIEFING_NODES,
    async pass(threadId) {
      const out: Record<string, unknown> = await graph.invoke(
        { runId: threadId },
        { configurable: { thread_id: threadId }, durability: "exit" },
      );
      if (!("__interrupt__" in out)) throw new Error("the floor graph did not reach the interrupt");
    },
    close: () => checkpointer.close(),
  };
}
