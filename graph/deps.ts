import { trimOldest, type PriceTableJson } from "../agents/index.js";
import type { AuditStore } from "../audit/index.js";
import type { RunEventBuffer } from "./audit-events.js";
import type { Policy, RecentOrder } from "../governance/index.js";
import type { MarketDataProvider } from "../market/index.js";
import type { DataSpec } from "./state.js";

/**
 * What the graph's nodes need from outside, injected (never module singletons): the audit store,
 * market data, policies, the clock and the book's history. Providers are built per data spec
 * because they are not serialisable; everything in the state is.
 */

/** Orders and proposals already recorded, for DUPLICATE_ORDER and RATE_LIMIT. */
export interface RunHistory {
  /** Orders released for the portfolio (by other runs), with their idempotency keys. */
  releasedOrders(
    portfolioId: string,
    excludeRunId: string,
  ): Promise<readonly (RecentOrder & { readonly idempotencyKey: string })[]>;
  /** Runs created at or after `since` (ISO), for one portfolio or (portfolioId null) all, other than `excludeRunId`. */
  countRuns(query: {
    readonly since: string;
    readonly portfolioId: string | null;
    readonly excludeRunId: string;
  }): Promise<number>;
}

export interface GraphDeps {
  readonly audit: AuditStore;
  /**
   * When given, nodes hold their events here and whoever runs the graph flushes them when it
   * stops (the run service does); without it every node appends its events at once.
   */
  readonly runEvents?: RunEventBuffer;
  readonly providerFor: (spec: DataSpec) => Promise<MarketDataProvider>;
  readonly policyFor: (policyId: string) => Policy;
  readonly clock: () => Date;
  /** Default: no history (no released orders, no other runs). */
  readonly history?: RunHistory;
  /** Monte Carlo paths of the risk stress (default 10,000). */
  readonly monteCarloPaths?: number;
  /** Runs whose price table is kept in memory between nodes (default 16). */
  readonly tableCacheSize?: number;
  /**
   * Immutable market-data answers (sample, simulated) kept with the per-universe analysis over
   * them, shared by runs over the same data (default 32; 0 turns it off).
   */
  readonly analysisCacheSize?: number;
}

export const DEFAULT_MONTE_CARLO_PATHS = 10_000;

export const NO_HISTORY: RunHistory = {
  releasedOrders: () => Promise.resolve([]),
  countRuns: () => Promise.resolve(0),
};

/**
 * The price tables of runs in flight, by runId, kept out of the checkpointed state. Bounded: the
 * oldest entry goes first (a run that needs an evicted table refetches it).
 */
export class TableCache {
  readonly #max: number;
  readonly #tables = new Map<string, PriceTableJson>();

  constructor(max = 16) {
    this.#max = Math.max(1, max);
  }

  get(runId: string): PriceTableJson | undefined {
    return this.#tables.get(runId);
  }

  set(runId: string, table: PriceTableJson): void {
    this.#tables.delete(runId);
    this.#tables.set(runId, table);
    trimOldest(this.#tables, this.#max);
  }

  delete(runId: string): void {
    this.#tables.delete(runId);
  }

  get size(): number {
    return this.#tables.size;
  }
}
