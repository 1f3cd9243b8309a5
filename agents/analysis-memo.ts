/**
 * A memo for the pure, per-universe parts of an agent's work (a forecast, a return matrix and its
 * covariance), scoped by its owner to one price table. Agents ask it with a key naming every
 * input besides the table; what it returns is frozen, shared by every run over the same table, and
 * must never be mutated. The graph keeps one memo per price table object, so runs over the same
 * cached market data (same data spec, symbols, as-of and window) compute these parts once.
 */
export interface AnalysisMemo {
  /** The value stored under `key`, else `compute()` frozen and stored. */
  get<T>(key: string, compute: () => T): T;
}

/** No memo: every call computes (the default of every agent). */
export const NO_MEMO: AnalysisMemo = { get: (_key, compute) => compute() };

/** Freezes a value and everything reachable from it (typed arrays, whose elements cannot be frozen, excepted). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  return value;
}

/** Deletes a Map's oldest entries (insertion order) until at most `max` remain. */
export function trimOldest(map: Map<unknown, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}

/**
 * A memo over a Map, freezing what it stores. Bounded by `maxEntries`, least recently used first
 * out: a value asked for again moves to the back, so the per-universe parts every run reads stay
 * while per-book entries (a book's risk figures, asked for twice in one run) come and go.
 *
 * @example
 * const memo = mapMemo();
 * memo.get("k", () => [1, 2]) === memo.get("k", () => [3]) // true: computed once
 */
export function mapMemo(maxEntries = 64): AnalysisMemo {
  const entries = new Map<string, unknown>();
  return {
    get<T>(key: string, compute: () => T): T {
      if (entries.has(key)) {
        const hit = entries.get(key);
        entries.delete(key);
        entries.set(key, hit);
        return hit as T;
      }
      const value = deepFreeze(compute());
      entries.set(key, value);
      trimOldest(entries, Math.max(1, maxEntries));
      return value;
    },
  };
}
