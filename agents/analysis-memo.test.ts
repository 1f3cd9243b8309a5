import { describe, expect, it } from "vitest";
import { mapMemo } from "./analysis-memo.js";

describe("mapMemo", () => {
  it("computes a key once and returns the frozen value after", () => {
    const memo = mapMemo();
    let calls = 0;
    const first = memo.get("k", () => ({ list: [1, 2], calls: ++calls }));
    expect(memo.get("k", () => ({ list: [3], calls: ++calls }))).toBe(first);
    expect(calls).toBe(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first.list)).toBe(true);
  });

  it("evicts the least recently used entry, not the first stored", () => {
    const memo = mapMemo(2);
    let n = 0;
    const get = (key: string) => memo.get(key, () => ({ key, n: ++n }));
    const a = get("a"); // n 1
    get("b"); // n 2
    expect(get("a")).toBe(a); // a is now the most recent
    get("c"); // n 3, evicts b
    expect(get("a")).toBe(a);
    expect(get("b").n).toBe(4); // b was evicted: computed again (and evicts c)
    expect(get("a")).toBe(a);
    expect(get("c").n).toBe(5);
  });
});
