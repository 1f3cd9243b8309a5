// The public face of graph/: the run state, the compiled graph, checkpointers, the run store and
// the run service. Other layers (server/, cli/, bench/) import graph only through this file.
export * from "./state.js";
export * from "./run-status.js";
export * from "./run-store.js";
export { openSqliteRunStore, SQLITE_RUNS_FILE } from "./run-store-sqlite.js";
export { openPostgresRunStore } from "./run-store-postgres.js";
export { openPortfolioStore, openRunStore } from "./open-run-store.js";
export * from "./portfolio-store.js";
export { openSqlitePortfolioStore, SQLITE_PORTFOLIOS_FILE } from "./portfolio-store-sqlite.js";
export { openPostgresPortfolioStore } from "./portfolio-store-postgres.js";
export {
  parsePortfolioBody,
  portfolioEvent,
  portfolioEventId,
  savePortfolio,
  type PortfolioActor,
  type PortfolioServiceDeps,
  type SavePortfolioInput,
} from "./portfolio-service.js";
export {
  createCheckpointer,
  CHECKPOINTS_FILE,
  type Checkpointer,
  type CheckpointerOptions,
} from "./checkpointer.js";
export {
  buildRunGraph,
  compileRunGraph,
  describeRunGraph,
  type GraphTopology,
  INTERRUPT_NODES,
  NODE_AGENTS,
  NODE_NAMES,
  type NodeName,
  type RunGraph,
} from "./build-graph.js";
export {
  DEFAULT_MONTE_CARLO_PATHS,
  NO_HISTORY,
  TableCache,
  type GraphDeps,
  type RunHistory,
} from "./deps.js";
export { eventIdOf } from "./audit-events.js";
export { briefingOf, type Briefing, type BriefingOptions } from "./briefing.js";
export { RunServiceError, isRunServiceError, type RunServiceErrorCode } from "./errors.js";
export type { DecisionOptions, DecisionResult } from "./run-approvals.js";
export {
  createRunService,
  DEFAULT_SEED,
  type PendingRun,
  type RunService,
  type RunServiceDeps,
  type StartRequest,
  type RunProgress,
} from "./run-service.js";
export {
  csvField,
  RELEASED_ORDER_COLUMNS,
  releasedOrdersCsv,
  releasedOrdersDocument,
  type ReleasedOrdersDocument,
} from "./released-orders.js";
export type { ApprovalInterrupt } from "./nodes-release.js";
export { readSummary, type RunSummary } from "./run-summary.js";
export { providerFactory } from "./providers.js";
export { openRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";
export {
  buildBlueprint,
  runGraphMermaid,
  jsonSchemaOf,
  type Blueprint,
  type BlueprintOptions,
} from "./blueprint.js";
export { monitoringOf, type Monitoring, type Rate } from "./blueprint-monitoring.js";
