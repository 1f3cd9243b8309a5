import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { AuditStore } from "../audit/index.js";
import {
  PortfolioSchema,
  policyVersion,
  type ApprovalActor,
  type Policy,
  type PortfolioInput,
} from "../governance/index.js";
import type { MarketDataProvider } from "../market/index.js";
import { invalidInput } from "../tools/index.js";
import { json, RunEventBuffer } from "./audit-events.js";
import { briefingOf, type Briefing } from "./briefing.js";
import { compileRunGraph } from "./build-graph.js";
import { RunServiceError } from "./errors.js";
import { decide, type DecisionOptions, type DecisionResult } from "./run-approvals.js";
import { expireRun } from "./run-resume.js";
import {
  emitRunEvents,
  executionOf,
  graphPass,
  passState,
  settle,
  stateOf,
  threadOf,
  type RunCore,
} from "./run-core.js";
import type { RunStatus } from "./run-status.js";
import { RequesterSchema, type Requester, type RunRecord, type RunStore } from "./run-store.js";
import { readSummary, runStoreHistory, type RunSummary } from "./run-summary.js";
import {
  releasedOrdersCsv,
  releasedOrdersDocument,
  type ReleasedOrdersDocument,
} from "./released-orders.js";
import { DataSpecSchema, RunStateSchema, type DataSpec, type RunInput } from "./state.js";

/**
 * The run service: what the CLI and the HTTP API call. Starts a run (the graph runs to the
 * approval interrupt or to its end), reads runs and the approval inbox, approves / rejects through
 * the approval rules, expires overdue requests, and exports released orders. Runs are durable: a
 * run awaiting approval is resumed by any instance over the same checkpointer and stores.
 */

export const DEFAULT_SEED = 42;

export interface RunServiceDeps {
  readonly checkpointer: BaseCheckpointSaver;
  readonly runStore: RunStore;
  readonly audit: AuditStore;
  readonly providerFor: (spec: DataSpec) => Promise<MarketDataProvider>;
  readonly policyFor: (policyId: string) => Policy;
  readonly clock: () => Date;
  /** New run ids (random in production; tests inject a counter). */
  readonly idFactory: () => string;
  /** Monte Carlo seed when a start gives none (default 42). */
  readonly seed?: number;
  readonly stewardVersion?: string;
  readonly monteCarloPaths?: number;
  /** Immutable market-data answers shared between runs (default 32; 0 = fetch every run). */
  readonly analysisCacheSize?: number;
}

export interface StartRequest {
  readonly portfolio: PortfolioInput;
  /** Default: the provider's last date for the book's symbols, else the clock's date. */
  readonly asOf?: string;
  readonly dataSpec: DataSpec;
  readonly requestedBy: Requester;
  readonly seed?: number;
  /** Called as each graph node finishes (for a progress stream); the run does not wait on it. */
  readonly onProgress?: (progress: RunProgress) => void;
}

/** One finished node of a running briefing. */
export interface RunProgress {
  readonly runId: string;
  readonly node: string;
  /** Nodes finished so far in this run (1-based). */
  readonly step: number;
}

/** An approval inbox entry. */
export interface PendingRun {
  readonly runId: string;
  readonly portfolioId: string;
  readonly requestedBy: Requester;
  readonly asOf: string;
  readonly proposalHash: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly summary: RunSummary | null;
}

export interface RunService {
  start(request: StartRequest): Promise<Briefing>;
  /** The run's briefing, or null when there is no such run. */
  get(runId: string): Promise<Briefing | null>;
  listPending(): Promise<readonly PendingRun[]>;
  approve(runId: string, actor: ApprovalActor, options?: DecisionOptions): Promise<DecisionResult>;
  reject(
    runId: string,
    actor: ApprovalActor,
    options: DecisionOptions & { readonly reason: string },
  ): Promise<DecisionResult>;
  /** Moves every awaiting run whose request expired at or before `now` to `expired`; returns their ids. */
  expire(now?: Date): Promise<readonly string[]>;
  releasedOrders(runId: string, format: "json"): Promise<ReleasedOrdersDocument>;
  releasedOrders(runId: string, format: "csv"): Promise<string>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The default as-of: the last date on which every symbol of the book has a price (the earliest of
 * their last dates) when the provider knows its history's end, else the clock's date (UTC).
 */
async function defaultAsOf(
  provider: MarketDataProvider,
  symbols: readonly string[],
  clock: () => Date,
): Promise<string> {
  const withLast = provider as MarketDataProvider & {
    lastDate?: (symbols?: readonly string[]) => Promise<string>;
  };
  const lastDate = withLast.lastDate;
  if (typeof lastDate !== "function" || symbols.length === 0)
    return clock().toISOString().slice(0, 10);
  const lasts = await Promise.all(symbols.map((s) => lastDate.call(provider, [s])));
  return lasts.reduce((a, b) => (b < a ? b : a));
}

function pendingOf(run: RunRecord): PendingRun {
  return {
    runId: run.runId,
    portfolioId: run.portfolioId,
    requestedBy: run.requestedBy,
    asOf: run.asOf,
    proposalHash: run.proposalHash,
    createdAt: run.createdAt,
    expiresAt: run.expiresAt,
    summary: readSummary(run),
  };
}

/**
 * Creates the run service over injected stores.
 *
 * @example
 * const service = createRunService({ checkpointer: cp.saver, runStore, audit, providerFor, policyFor,
 *   clock: () => new Date(), idFactory: () => randomUUID() });
 * const briefing = await service.start({ portfolio, dataSpec: { kind: "sample" }, requestedBy: { id: "pat", kind: "human" } });
 */
export function createRunService(deps: RunServiceDeps): RunService {
  const runEvents = new RunEventBuffer();
  const graph = compileRunGraph(
    {
      audit: deps.audit,
      runEvents,
      providerFor: deps.providerFor,
      policyFor: deps.policyFor,
      clock: deps.clock,
      history: runStoreHistory(deps.runStore),
      ...(deps.monteCarloPaths === undefined ? {} : { monteCarloPaths: deps.monteCarloPaths }),
      ...(deps.analysisCacheSize === undefined
        ? {}
        : { analysisCacheSize: deps.analysisCacheSize }),
    },
    { checkpointer: deps.checkpointer },
  );
  const core: RunCore = {
    graph,
    runStore: deps.runStore,
    audit: deps.audit,
    clock: deps.clock,
    policyFor: deps.policyFor,
    stewardVersion: deps.stewardVersion ?? "unknown",
    runEvents,
  };

  async function briefing(runId: string, status?: RunStatus): Promise<Briefing | null> {
    const [run, state] = await Promise.all([deps.runStore.get(runId), stateOf(core, runId)]);
    if (run === null || state === null) return null;
    const approvals = await deps.runStore.approvals(runId);
    return briefingOf(state, {
      status: status ?? run.status,
      approvals,
      stewardVersion: core.stewardVersion,
    });
  }

  async function start(request: StartRequest): Promise<Briefing> {
    const portfolio = PortfolioSchema.parse(request.portfolio);
    const dataSpec = DataSpecSchema.parse(request.dataSpec);
    const requestedBy = RequesterSchema.parse(request.requestedBy);
    const policy = deps.policyFor(portfolio.policyId);
    const version = policyVersion(policy);
    let asOf = request.asOf;
    if (asOf === undefined) {
      const symbols = [
        ...new Set([
          ...portfolio.holdings.map((h) => h.symbol),
          ...Object.keys(portfolio.mandate.targetWeights ?? {}),
        ]),
      ].sort();
      asOf = await defaultAsOf(await deps.providerFor(dataSpec), symbols, deps.clock);
    }
    if (!ISO_DATE.test(asOf)) throw invalidInput("asOf", "must be a date YYYY-MM-DD");
    const seed = request.seed ?? deps.seed ?? DEFAULT_SEED;
    if (!Number.isSafeInteger(seed)) throw invalidInput("seed", "must be an integer");
    const runId = deps.idFactory();
    const startedAt = deps.clock().toISOString();
    // Validated here, once: the graph does not re-validate its state (see runStateChannels).
    const input = RunStateSchema.parse({
      runId,
      requestedBy,
      portfolio,
      asOf,
      seed,
      dataSpec,
      policyVersion: version,
      startedAt,
      errors: [],
    } satisfies RunInput);
    await deps.runStore.create({
      runId,
      portfolioId: portfolio.id,
      requestedBy,
      status: "pending_checks",
      asOf,
      proposalHash: null,
      createdAt: startedAt,
      expiresAt: null,
      summary: {},
    });
    let out: unknown;
    try {
      const onProgress = request.onProgress;
      out = await graphPass(core, runId, async () => {
        if (onProgress === undefined) return graph.invoke(input, executionOf(runId));
        // Same run, streamed by node: the final state is the thread's state once the stream ends.
        let step = 0;
        for await (const update of await graph.stream(input, {
          ...executionOf(runId),
          streamMode: "updates",
        })) {
          for (const node of Object.keys(update as Record<string, unknown>)) {
            if (node.startsWith("__")) continue;
            step += 1;
            try {
              onProgress({ runId, node, step });
            } catch {
              // A failing listener (e.g. a closed stream) must not fail the run.
            }
          }
        }
        return (await graph.getState(threadOf(runId))).values as unknown;
      });
    } catch (error) {
      // Fail closed: a run whose graph raised is blocked, and the trail says why.
      const at = deps.clock().toISOString();
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await deps.runStore.transition(runId, ["pending_checks"], "blocked", {
        at,
        summary: json({ error: message }),
      });
      await emitRunEvents(core, { runId, portfolioId: portfolio.id }, version, [
        {
          writer: "run-service",
          stepKey: "failed",
          type: "run.failed",
          occurredAt: at,
          actor: { kind: "system", id: "run-service" },
          outcome: { status: "failure", code: "RUN_FAILED" },
          reason: message,
        },
      ]);
      await deps.audit.writeCheckpoint("run-at-rest:blocked");
      throw error;
    }
    const state = passState(out);
    // The run's state is in hand: read it back only when someone else moved the run meanwhile.
    if (await settle(core, runId, ["pending_checks"], state)) {
      return briefingOf(state, {
        status: state.status,
        approvals: [],
        stewardVersion: core.stewardVersion,
      });
    }
    const result = await briefing(runId);
    if (result === null)
      throw new RunServiceError("RUN_NOT_FOUND", `run ${runId} vanished`, runId, null);
    return result;
  }

  async function releasedOrders(
    runId: string,
    format: "json" | "csv",
  ): Promise<ReleasedOrdersDocument | string> {
    const run = await deps.runStore.get(runId);
    if (run === null) throw new RunServiceError("RUN_NOT_FOUND", `no run ${runId}`, runId, null);
    const state = await stateOf(core, runId);
    const release = state?.releaseRecord ?? null;
    if (run.status !== "released" || release === null || release.status !== "released") {
      throw new RunServiceError(
        "NOT_RELEASED",
        `run ${runId} is ${run.status}: no released orders`,
        runId,
        run.status,
      );
    }
    const doc = releasedOrdersDocument(runId, run.portfolioId, release);
    return format === "csv" ? releasedOrdersCsv(doc) : doc;
  }

  return {
    start,
    get: (runId) => briefing(runId),
    async listPending() {
      return (await deps.runStore.listRuns({ status: "awaiting_approval" })).map(pendingOf);
    },
    approve: (runId, actor, options = {}) => decide(core, runId, actor, "approve", options),
    reject: (runId, actor, options) => decide(core, runId, actor, "reject", options),
    async expire(now = deps.clock()) {
      const at = now.toISOString();
      const expired: string[] = [];
      for (const run of await deps.runStore.listRuns({ status: "awaiting_approval" })) {
        if (run.expiresAt !== null && run.expiresAt <= at && (await expireRun(core, run, now)))
          expired.push(run.runId);
      }
      return expired;
    },
    releasedOrders: releasedOrders as RunService["releasedOrders"],
  };
}
