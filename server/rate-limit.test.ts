import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.js";

describe("createRateLimiter (token bucket per key)", () => {
  it("allows `capacity` at once, then refills at capacity per window", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const limiter = createRateLimiter({
      capacity: 3,
      windowMs: 60_000,
      clock: () => new Date(now),
    });
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 0]);
    // Empty: one token comes back after 60 000 / 3 = 20 000 ms.
    expect(limiter.take("a")).toBe(20_000);
    expect(limiter.take("b")).toBe(0); // another key has its own bucket
    now += 10_000; // half a token
    expect(limiter.take("a")).toBe(10_000);
    now += 10_000;
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(20_000);
  });

  it("never holds more than `capacity` however long a key was idle", () => {
    let now = 0;
    const limiter = createRateLimiter({ capacity: 2, windowMs: 1_000, clock: () => new Date(now) });
    now = 1_000_000;
    expect([limiter.take("k"), limiter.take("k")]).toEqual([0, 0]);
    expect(limiter.take("k")).toBeGreaterThan(0);
  });
});
