import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { AGENTS, supervisorAgent } from "../agents/index.js";
import type { AuditStore } from "../audit/index.js";
import {
  describeControls,
  loadModelInventory,
  NON_OVERRIDABLE_CODES,
  overdueLimits,
  policyVersion,
  validationOverdue,
  type ModelInventory,
  type Policy,
} from "../governance/index.js";
import { monitoringOf, type Monitoring } from "./blueprint-monitoring.js";
import {
  compileRunGraph,
  describeRunGraph,
  NODE_AGENTS,
  routeAfterApproval,
  routeAfterDataReview,
  routeAfterDecision,
  routeAfterRiskReview,
  type NodeName,
  type RunGraph,
} from "./build-graph.js";
import { NO_HISTORY } from "./deps.js";

/**
 * The blueprint (GOVERNANCE.md §4): the orchestration and governance template generated from the
 * compiled graph and the registries — never hand-written — with the audit trail's monitoring
 * figures and status. Built without running a briefing.
 */

export interface BlueprintOptions {
  readonly audit: AuditStore;
  readonly policy: Policy;
  readonly clock: () => Date;
  readonly stewardVersion: string;
  /** The compiled graph to describe; default one compiled over inert dependencies. */
  readonly graph?: RunGraph;
  readonly inventory?: ModelInventory;
  /** Where artifact paths resolve (the project root); default this file's parent folder. */
  readonly root?: URL;
}

/** What each route's targets mean, keyed by the router function (a compile-time reference). */
const ROUTE_CONDITIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [routeAfterDataReview.name]: {
    forecast: "data passed review: Forecast and Risk run in parallel",
    risk_current: "data passed review: Forecast and Risk run in parallel",
    __end__: "halt (fail closed): a blocking data finding or a provider error → blocked",
  },
  [routeAfterRiskReview.name]: {
    optimizer:
      "risk breach with Optimizer runs left: re-optimise under a tighter volatility budget",
    pre_trade_checks: "within limits (or soft breach with no runs left): pre-trade checks",
    __end__: "hard risk breach with no runs left, or an error → blocked",
  },
  [routeAfterDecision.name]: {
    approval: "checks passed (soft warnings allowed) and orders proposed → awaiting approval",
    __end__: "hard check failure → blocked, or no orders needed → no_trade",
  },
  [routeAfterApproval.name]: {
    release: "approved by the required supervisors → release (re-hash, re-check)",
    __end__: "rejected or expired",
  },
};

/** One-line roles of the agents (and of the non-agent node owners), by name. */
const ROLES: Readonly<Record<string, string>> = {
  supervisor:
    "Plans the run (data window, horizon, mandate), halts on blocking data, loops the Optimizer on a risk breach, decides blocked / no trade / approval.",
  data: "Market data through the providers, point in time, with data-quality findings.",
  forecast: "The forecasting ensemble: per-asset expected return, confidence and regime.",
  risk: "Current and proposed risk: volatility, VaR/CVaR, drawdown, tracking error, Monte Carlo and scenario stress, limit breaches.",
  optimizer: "Target weights from the mandate's objective and constraints, turnover-aware.",
  execution:
    "Orders through the rebalancing engine: lots, costs, cash, idempotency keys, proposal hash.",
  governance: "Not an agent: the policy's pre-trade checks and the release re-checks.",
  human: "Not an agent: a supervisor's decision through the approval service (interrupt).",
};

const inert = (): never => {
  throw new Error("the blueprint's graph is never run");
};

/** The graph compiled over dependencies that throw if a node ever ran (describing only). */
function describableGraph(): RunGraph {
  return compileRunGraph({
    audit: new Proxy({} as AuditStore, { get: inert }),
    providerFor: inert,
    policyFor: inert,
    clock: inert,
    history: NO_HISTORY,
  });
}

/** The router function's name behind a node's conditional edges (null when not readable). */
function routerOf(graph: RunGraph, source: string): string | null {
  const branches = graph.builder.branches[source];
  if (branches === undefined) return null;
  for (const branch of Object.values(branches)) {
    const fn = (branch.path as unknown as { func?: unknown }).func;
    if (typeof fn === "function" && fn.name !== "") return fn.name;
  }
  return null;
}

/** JSON Schema (draft 2020-12) of a zod schema; a non-zod schema is passed through. */
export function jsonSchemaOf(schema: unknown, io: "input" | "output"): unknown {
  if (schema instanceof z.ZodType) return z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return schema ?? null;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function artifactsOf(paths: readonly string[], root: URL) {
  const files = paths.map((path) => {
    const url = new URL(path, root);
    if (!existsSync(url)) return { path, sha256: null, problem: "file not found" };
    return { path, sha256: sha256(readFileSync(url)) };
  });
  const complete = files.every((f) => f.sha256 !== null);
  // The artifact hash: SHA-256 over "path sha256\n" lines in path order.
  const lines = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => `${f.path} ${f.sha256 ?? ""}\n`)
    .join("");
  return { files, artifactHash: complete ? sha256(lines) : null };
}

function graphSection(graph: RunGraph) {
  const topology = describeRunGraph(graph);
  const agentOf = (id: string): string | null => NODE_AGENTS[id as NodeName] ?? null;
  return {
    nodes: topology.nodes.map((id) => ({
      id,
      agent: agentOf(id),
      role: ROLES[agentOf(id) ?? ""] ?? null,
      interrupt: (topology.interrupts as readonly string[]).includes(id),
    })),
    edges: topology.edges.map((e) => {
      if (!e.conditional) return { ...e, condition: null };
      const router = routerOf(graph, e.source);
      const when = router === null ? null : (ROUTE_CONDITIONS[router]?.[e.target] ?? null);
      return { ...e, condition: { router, when } };
    }),
    interrupts: topology.interrupts,
    optimizerLoop: {
      maxOptimizerLoops: supervisorAgent.SUPERVISOR_DEFAULTS.maxOptimizerLoops,
      budgetTightening: supervisorAgent.SUPERVISOR_DEFAULTS.budgetTightening,
    },
    mermaid: topology.mermaid,
  };
}

function agentsSection(graph: ReturnType<typeof graphSection>) {
  return AGENTS.map((a) => ({
    name: a.name,
    version: a.version,
    role: ROLES[a.name] ?? null,
    nodes: graph.nodes.filter((n) => n.agent === a.name).map((n) => n.id),
    input: jsonSchemaOf(a.input, "input"),
    output: jsonSchemaOf(a.output, "output"),
    tools: a.tools.map((t) => ({
      name: t.name,
      description: t.description,
      schema: jsonSchemaOf(t.schema, "input"),
    })),
  }));
}

function controlsSection(policy: Policy, today: string) {
  const overdue = overdueLimits(policy, today);
  const isOverdue = new Set(overdue.map((o) => o.name as string));
  return {
    policy: {
      id: policy.id,
      version: policy.version,
      hash: policyVersion(policy),
      owner: policy.owner,
      description: policy.description,
      tradingState: policy.tradingState,
    },
    checks: describeControls(policy).map((c) => ({
      code: c.code,
      kind: c.limits.length === 0 ? "fixed-rule" : "policy-limit",
      severity:
        c.limits.length === 0 || c.limits.some((l) => l.severity === "hard") ? "hard" : "soft",
      overridable: !NON_OVERRIDABLE_CODES.includes(c.code),
      limits: c.limits.map((l) => ({ ...l, overdue: isOverdue.has(l.name) })),
    })),
    overdueLimits: overdue,
    restrictedList: policy.restrictedList,
    dataQuality: policy.dataQuality,
    release: policy.release,
  };
}

function inventorySection(inventory: ModelInventory, root: URL, today: string) {
  return {
    version: inventory.version,
    owner: inventory.owner,
    note: inventory.note,
    models: inventory.models.map((m) => {
      const { files, artifactHash } = artifactsOf(m.artifacts, root);
      const overdue = validationOverdue(m, today);
      return {
        ...m,
        artifacts: files,
        artifactHash,
        evidence: m.evidence.map((path) => ({ path, exists: existsSync(new URL(path, root)) })),
        validationStatus:
          m.lastValidation === null ? "never-validated" : overdue ? "overdue" : "current",
        overdue,
      };
    }),
    notYetAvailable: [
      "champion/challenger pairs with out-of-sample metrics",
      "backtests with dataset and config hashes",
    ],
  };
}

async function auditSection(audit: AuditStore) {
  const [head, checkpoints, report] = await Promise.all([
    audit.head(),
    audit.checkpoints(),
    audit.verify(),
  ]);
  const latest = checkpoints.at(-1) ?? null;
  return {
    backend: audit.kind,
    keyId: audit.keyId,
    size: head.size,
    chainHead: head.chainHash,
    latestCheckpoint:
      latest === null
        ? null
        : {
            size: latest.size,
            time: latest.time,
            reason: latest.reason,
            merkleRoot: latest.merkleRoot,
            keyId: latest.keyId,
          },
    verify: {
      ok: report.ok,
      size: report.size,
      checkpointsVerified: report.checkpointsVerified,
      firstBadSeq: report.firstBadSeq,
      reason: report.reason,
    },
  };
}

/**
 * Builds the blueprint: graph (nodes with their agents, edges with conditions, interrupts, the
 * Optimizer loop bound, Mermaid), agents with roles, versions, input/output and tool JSON
 * schemas, the policy's controls with owners, review dates and overdue flags, the approval
 * policy, the model inventory with artifact hashes and validation status, monitoring counted from
 * the audit trail and the audit status (size, latest checkpoint, verify).
 *
 * @example (await buildBlueprint({ audit, policy, clock, stewardVersion: "0.1.0" })).graph.interrupts // ["approval"]
 */
export async function buildBlueprint(options: BlueprintOptions) {
  const now = options.clock().toISOString();
  const today = now.slice(0, 10);
  const root = options.root ?? new URL("../", import.meta.url);
  const graph = graphSection(options.graph ?? describableGraph());
  const [monitoring, audit] = await Promise.all([
    monitoringOf(options.audit),
    auditSection(options.audit),
  ]);
  return {
    generatedAt: now,
    stewardVersion: options.stewardVersion,
    graph,
    agents: agentsSection(graph),
    controls: controlsSection(options.policy, today),
    approval: { ...options.policy.approval, interrupts: graph.interrupts },
    modelInventory: inventorySection(options.inventory ?? loadModelInventory(), root, today),
    monitoring: monitoring satisfies Monitoring,
    audit,
  };
}

export type Blueprint = Awaited<ReturnType<typeof buildBlueprint>>;

/**
 * The run graph as Mermaid, drawn from the compiled graph (the README's diagram is this text; a
 * test keeps the two equal).
 */
export function runGraphMermaid(): string {
  return describeRunGraph(describableGraph()).mermaid;
}
