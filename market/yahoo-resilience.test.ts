import { describe, expect, it } from "vitest";
import { type YahooCallError, classifyYahooError } from "./yahoo-resilience.js";
import { TokenBucket } from "./yahoo-token-bucket.js";

/** An error shaped like yahoo-finance2's HTTPError (status in `code`). */
function httpError(code: number, message: string, extra: Record<string, unknown> = {}): Error {
  const error = Object.assign(new Error(message), { code, ...extra });
  error.name = "HTTPError";
  return error;
}

function summary(e: YahooCallError): [string, boolean, number | undefined] {
  return [e.code, e.transient, e.retryAfterMs];
}

describe("classifyYahooError", () => {
  it("treats 5xx and 408 as transient unavailability", () => {
    expect(summary(classifyYahooError(httpError(503, "Service Unavailable"), "chart(A)"))).toEqual([
      "PROVIDER_UNAVAILABLE",
      true,
      undefined,
    ]);
    expect(classifyYahooError(httpError(408, "Request Timeout"), "x").transient).toBe(true);
  });

  it("treats 429 as transient rate limiting and reads Retry-After in seconds or ms", () => {
    expect(summary(classifyYahooError(httpError(429, "Too Many Requests"), "x"))).toEqual([
      "PROVIDER_RATE_LIMITED",
      true,
      undefined,
    ]);
    const seconds = classifyYahooError({ status: 429, retryAfter: "3" }, "x");
    expect(seconds.retryAfterMs).toBe(3_000);
    expect(classifyYahooError({ statusCode: 429, retryAfterMs: 1_250 }, "x").retryAfterMs).toBe(
      1_250,
    );
  });

  it("reads Yahoo's not-found answer and 404 as an unknown symbol, not retried", () => {
    const e = new Error("No data found, symbol may be delisted");
    expect(summary(classifyYahooError(e, "chart(NOSUCH)"))).toEqual([
      "UNKNOWN_SYMBOL",
      false,
      undefined,
    ]);
    expect(classifyYahooError(httpError(404, "Not Found"), "x").code).toBe("UNKNOWN_SYMBOL");
  });

  it("reads the library's own validation failure as a malformed payload", () => {
    const e = new Error("Failed Yahoo Schema validation");
    e.name = "FailedYahooValidationError";
    expect(summary(classifyYahooError(e, "x"))).toEqual(["PROVIDER_MALFORMED", false, undefined]);
  });

  it("retries network failures but not unexplained errors or other 4xx", () => {
    const reset = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
    expect(summary(classifyYahooError(reset, "x"))).toEqual([
      "PROVIDER_UNAVAILABLE",
      true,
      undefined,
    ]);
    expect(
      classifyYahooError(Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "x")
        .transient,
    ).toBe(true);
    expect(summary(classifyYahooError(new Error("boom"), "x"))).toEqual([
      "PROVIDER_UNAVAILABLE",
      false,
      undefined,
    ]);
    const bad = classifyYahooError(httpError(400, "Bad Request"), "x");
    expect([bad.code, bad.transient, bad.message]).toEqual([
      "PROVIDER_UNAVAILABLE",
      false,
      "yahoo x: Bad Request (HTTP 400)",
    ]);
  });
});

describe("TokenBucket", () => {
  /** A manual clock that the injected sleep advances. */
  function manual(): {
    clock: () => Date;
    sleep: (ms: number) => Promise<void>;
    sleeps: number[];
    advance: (ms: number) => void;
  } {
    let t = 0;
    const sleeps: number[] = [];
    return {
      clock: () => new Date(t),
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
      sleeps,
      advance: (ms) => {
        t += ms;
      },
    };
  }

  it("lets a burst through, then spaces calls by 1/rate", async () => {
    const m = manual();
    const bucket = new TokenBucket(2, 2, m.clock, m.sleep);
    for (let i = 0; i < 4; i++) await bucket.take();
    // Two saved tokens, then one every 1000/2 = 500 ms.
    expect(m.sleeps).toEqual([500, 500]);
  });

  it("saves up no more than the burst while idle", async () => {
    const m = manual();
    const bucket = new TokenBucket(2, 2, m.clock, m.sleep);
    await bucket.take();
    m.advance(10_000); // would be 20 tokens; capped at 2
    for (let i = 0; i < 3; i++) await bucket.take();
    expect(m.sleeps).toEqual([500]);
  });

  it("rounds waits up to whole milliseconds so a token is always due after the sleep", async () => {
    const m = manual();
    const bucket = new TokenBucket(3, 1, m.clock, m.sleep);
    await bucket.take();
    await bucket.take();
    // 1000/3 = 333.33… → 334 ms.
    expect(m.sleeps).toEqual([334]);
  });

  it("serves concurrent callers first come, first served", async () => {
    const m = manual();
    const bucket = new TokenBucket(1, 1, m.clock, m.sleep);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    expect(m.sleeps).toEqual([1_000, 1_000]);
  });

  it("rejects a non-positive rate or a burst below 1", () => {
    const m = manual();
    expect(() => new TokenBucket(0, 1, m.clock, m.sleep)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, m.clock, m.sleep)).toThrow(RangeError);
  });
});
