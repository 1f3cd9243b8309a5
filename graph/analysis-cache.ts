import {
  deepFreeze,
  mapMemo,
  trimOldest,
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
 * The key is the data spec and the Data agent's whole input. Cached values are frozen; a run reads
 * them and never writes them, so a briefing is byte-identical with or without the cache.
 */

/** Data specs whose answers never change for the same request. */
function isImmutableData(spec: DataSpec): boolean {
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
   * The Data agent's output for `input` over `spec`: the cached one when the data is immutable and
   * was fetched before, else `fetch()` (cached when immutable; a failure is never cached).
   */
  data(
    spec: DataSpec,
    input: dataAgent.DataInput,
    fetch: () => Promise<dataAgent.DataOutput>,
  ): Promise<dataAgent.DataOutput> {
    if (this.#maxData === 0 || !isImmutableData(spec)) return fetch();
    const key = JSON.stringify([spec, input]);
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
    trimOldest(this.#data, this.#maxData);
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
}
