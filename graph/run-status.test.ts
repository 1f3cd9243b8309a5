import { describe, expect, it } from "vitest";
import { TableCache } from "./deps.js";
import { canTransition, RUN_STATUSES } from "./run-status.js";

describe("run status transitions", () => {
  it("allows exactly the moves of GOVERNANCE.md §2", () => {
    const allowed = RUN_STATUSES.flatMap((from) =>
      RUN_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        "pending_checks→blocked",
        "pending_checks→no_trade",
        "pending_checks→awaiting_approval",
        "awaiting_approval→approved",
        "awaiting_approval→rejected",
        "awaiting_approval→expired",
        "approved→released",
        "approved→release_denied",
      ].sort(),
    );
  });
});

describe("the run-scoped table cache", () => {
  it("evicts the least recently stored table beyond its size", () => {
    const cache = new TableCache(2);
    const t = (n: number) => ({ dates: [`2024-01-0${n}`], symbols: ["A"], columns: [[n]] });
    cache.set("r1", t(1));
    cache.set("r2", t(2));
    cache.set("r1", t(3)); // refreshed: r2 is now the oldest
    cache.set("r3", t(4));
    expect(cache.get("r2")).toBeUndefined();
    expect(cache.get("r1")?.columns).toEqual([[3]]);
    expect(cache.size).toBe(2);
    cache.delete("r1");
    expect(cache.get("r1")).toBeUndefined();
  });
});
