import {
  deepFreeze,
  mapMemo,
  type AnalysisMemo,
  type dataAgent,
  type PriceTableJson,
} from "../agents/index.js";
import type { DataSpec } from "./state.js";

/**
 * What runs over the same market data share: the Data agent's output (price table, quality
 * findings, sources) and, per price table, a memo of the agents' per-universe work (the forecast,
 * return matrices, expected returns and covariances). Many books are briefed over one universe and
 * as-of date, and all of that depends on the data, not on the book.
 *
 * Only data that cannot change under the same request is cached: the bundled sample and the
 * seeded simulator (`csv:` files may be edited and Yahoo is live, so they are fetched every run).
 * The key names every input of the Data agent. Cached values are frozen; a run reads them and
 * never writes them, so a briefing is byte-identical with or without the cache.
 */

/** The Data agent's inputs besides the provider (see `fetchData`). */
export interface DataRequestKey {
  readonly spec: DataSpec;
  readonly symbols: readonly string[];
  readonly asOf: string;
  readonly from: string;
  readonly lookbackDays: number;
  readonly baseCurrency: string;
  readonly qualityPolicy: unknown;
}

/** Data specs whose answers never change for the same request. */
export function isImmutableData(spec: DataSpec): boolean {
  return spec.kind === "sample" || spec.kind === "simulated";
}

export class AnalysisCache {
  readonly #maxData: number;
  readonly #data = new Map<string, Promise<dataAgent.DataOutput>>();
  readonly #memos = new WeakMap<PriceTableJson, AnalysisMemo>();

  /** `maxData`: market-data answers kept (oldest out first); 0 turns the cache off. */
  constructor(maxData = 32) {
    this.#maxData = Math.max(0, Math.floor(maxData));
  }

  /**
   * The Data agent's output for `request`: the cached one when the data is immutable and was
   * fetched before, else `fetch()` (cached when immutable; a failure is never cached).
   */
  data(
    request: DataRequestKey,
    fetch: () => Promise<dataAgent.DataOutput>,
  ): Promise<dataAgent.DataOutput> {
    if (this.#maxData === 0 || !isImmutableData(request.spec)) return fetch();
    const key = JSON.stringify([
      request.spec,
      request.symbols,
      request.asOf,
      request.from,
      request.lookbackDays,
      request.baseCurrency,
      request.qualityPolicy,
    ]);
    const hit = this.#data.get(key);
    if (hit !== undefined) {
      // Most recently used last.
      this.#data.delete(key);
      this.#data.set(key, hit);
      return hit;
    }
    const pending = fetch().then((out) => deepFreeze(out));
    pending.catch(() => this.#data.delete(key));
    this.#data.set(key, pending);
    while (this.#data.size > this.#maxData) {
      const oldest = this.#data.keys().next();
      if (oldest.done === true) break;
      this.#data.delete(oldest.value);
    }
    return pending;
  }

  /** The memo of per-universe work over `table` (one per table object, released with it). */
  memoFor(table: PriceTableJson): AnalysisMemo {
    let memo = this.#memos.get(table);
    if (memo === undefined) {
      memo = mapMemo();
      this.#memos.set(table, memo);
    }
    return memo;
  }

  /** Market-data answers held. */
  get size(): number {
    return this.#data.size;
  }
}
