import {
  ConsecutiveBreaker,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  retry,
  timeout,
} from "cockatiel";
import { MarketDataError, type MarketErrorCode } from "./types.js";
import { TokenBucket } from "./yahoo-token-bucket.js";

/**
 * The resilience policy around every Yahoo call, built from cockatiel (outermost first):
 *
 *   circuit breaker → retry with exponential backoff → bulkhead → token bucket → timeout → call
 *
 * - timeout: each attempt is aborted after `timeoutMs` (the abort signal reaches `fetch`).
 * - retry: transient failures only — timeouts, HTTP 5xx and 408, 429, network errors — up to
 *   `maxRetries` more attempts. Delay before retry k (1-based): `backoffInitialMs · 2^(k−1)`;
 *   after a 429 at least `rateLimitedInitialMs · 2^(k−1)`, or the server's Retry-After when the
 *   error carries one; always capped at `backoffMaxMs`. No jitter: one client per process, and
 *   the tests assert exact delays.
 * - bulkhead: at most `maxConcurrent` calls in flight (others queue).
 * - token bucket: at most `requestsPerSecond` calls started a second, `burst` saved up; on the
 *   injected clock and sleep (yahoo-token-bucket.ts).
 * - circuit breaker: `breakerThreshold` consecutive calls that failed after their retries open
 *   it; while open every call fails at once with CIRCUIT_OPEN, without touching Yahoo; after
 *   `breakerCooldownMs` one trial call is let through (half-open) and its success closes it.
 *   Unknown symbols and malformed payloads say nothing about Yahoo's health and do not count.
 *
 * cockatiel keeps its own timers (setTimeout, Date.now): tests use fake timers for those.
 */
export interface YahooResilienceOptions {
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly rateLimitedInitialMs: number;
  readonly maxConcurrent: number;
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
}

export const DEFAULT_YAHOO_RESILIENCE: YahooResilienceOptions = Object.freeze({
  timeoutMs: 10_000,
  maxRetries: 3,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  rateLimitedInitialMs: 5_000,
  maxConcurrent: 4,
  requestsPerSecond: 4,
  burst: 4,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
});

/**
 * Thrown by a call that decided not to run (another call of the same all-or-nothing request has
 * already failed). Not retried, not counted by the breaker, passed through unchanged.
 */
export class SkippedCall extends Error {
  constructor() {
    super("skipped: another call of the same request failed");
    this.name = "SkippedCall";
  }
}

/** A classified failure of one attempt (internal: callers receive a plain MarketDataError). */
export class YahooCallError extends MarketDataError {
  readonly transient: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(code: MarketErrorCode, message: string, transient: boolean, retryAfterMs?: number) {
    super(code, message);
    this.transient = transient;
    this.retryAfterMs = retryAfterMs;
  }
}

function numberField(error: object, key: string): number | undefined {
  const value: unknown = (error as Record<string, unknown>)[key];
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** The HTTP status an error carries: yahoo-finance2's HTTPError puts it in `code`; others use `status`. */
function httpStatus(error: object): number | undefined {
  for (const key of ["status", "statusCode", "code"]) {
    const n = numberField(error, key);
    if (n !== undefined && n >= 100 && n <= 599) return n;
  }
  return undefined;
}

/** Retry-After in ms: `retryAfterMs`, or `retryAfter` in seconds (the header's unit). */
function retryAfter(error: object): number | undefined {
  const ms = numberField(error, "retryAfterMs");
  if (ms !== undefined) return ms;
  const s = numberField(error, "retryAfter");
  return s === undefined ? undefined : s * 1000;
}

const NOT_FOUND = /no data found|symbol may be delisted/i;
const NETWORK = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

/**
 * Classifies what a yahoo-finance2 call threw. 429 → rate limited (transient); 5xx, 408 and
 * network errors → unavailable (transient); 404 or Yahoo's "No data found, symbol may be delisted"
 * (which the library throws as a plain Error) → unknown symbol; the library's own schema failure
 * (FailedYahooValidationError) → malformed; anything else → unavailable, not retried.
 */
export function classifyYahooError(error: unknown, what: string): YahooCallError {
  if (error instanceof YahooCallError) return error;
  const e = typeof error === "object" && error !== null ? error : {};
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";
  const status = httpStatus(e);
  if (status === 429) {
    return new YahooCallError(
      "PROVIDER_RATE_LIMITED",
      `yahoo ${what}: HTTP 429 (rate limited)`,
      true,
      retryAfter(e),
    );
  }
  if (status !== undefined && (status >= 500 || status === 408)) {
    return new YahooCallError("PROVIDER_UNAVAILABLE", `yahoo ${what}: HTTP ${status}`, true);
  }
  if (status === 404 || (status === undefined && NOT_FOUND.test(message))) {
    return new YahooCallError("UNKNOWN_SYMBOL", `yahoo ${what}: ${message || "not found"}`, false);
  }
  if (name === "FailedYahooValidationError") {
    return new YahooCallError("PROVIDER_MALFORMED", `yahoo ${what}: ${message}`, false);
  }
  const code = (e as Record<string, unknown>).code;
  const cause = (e as Record<string, unknown>).cause;
  const causeCode =
    typeof cause === "object" && cause !== null
      ? (cause as Record<string, unknown>).code
      : undefined;
  if (
    (typeof code === "string" && NETWORK.has(code)) ||
    (typeof causeCode === "string" && NETWORK.has(causeCode)) ||
    (name === "TypeError" && /fetch failed/i.test(message))
  ) {
    return new YahooCallError(
      "PROVIDER_UNAVAILABLE",
      `yahoo ${what}: network error (${message})`,
      true,
    );
  }
  const suffix = status === undefined ? "" : ` (HTTP ${status})`;
  return new YahooCallError("PROVIDER_UNAVAILABLE", `yahoo ${what}: ${message}${suffix}`, false);
}

/** Deterministic exponential backoff that honours 429s (see the module comment). */
class YahooBackoff implements IBackoff<IRetryBackoffContext<unknown>> {
  readonly duration: number;
  readonly #options: YahooResilienceOptions;
  constructor(options: YahooResilienceOptions, context: IRetryBackoffContext<unknown>) {
    this.#options = options;
    const k = context.attempt - 1;
    let delay = options.backoffInitialMs * 2 ** k;
    const error = "error" in context.result ? context.result.error : undefined;
    if (error instanceof YahooCallError && error.code === "PROVIDER_RATE_LIMITED") {
      delay = Math.max(delay, error.retryAfterMs ?? options.rateLimitedInitialMs * 2 ** k);
    }
    this.duration = Math.min(delay, options.backoffMaxMs);
  }
  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    return new YahooBackoff(this.#options, context);
  }
}

/**
 * cockatiel's TaskCancelledError (its timeout). Not cockatiel's own `isTaskCancelledError`: in
 * 3.2.1 that tests for the bulkhead's marker property and never matches a cancellation.
 */
function isTaskCancelledError(error: unknown): boolean {
  return error instanceof Error && "isTaskCancelledError" in error;
}

const isTransient = (error: Error): boolean =>
  isTaskCancelledError(error) || (error instanceof YahooCallError && error.transient);

export interface YahooPolicy {
  /** Runs `call` under the policy; failures are MarketDataError naming `field`. */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, what: string, field: string): Promise<T>;
}

/** Builds the policy; `clock` and `sleep` drive the token bucket. */
export function createYahooPolicy(
  options: YahooResilienceOptions,
  clock: () => Date,
  sleep: (ms: number) => Promise<void>,
): YahooPolicy {
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: options.breakerCooldownMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold),
  });
  const backoff: IBackoffFactory<IRetryBackoffContext<unknown>> = {
    next: (context) => new YahooBackoff(options, context),
  };
  const retrying = retry(handleWhen(isTransient), { maxAttempts: options.maxRetries, backoff });
  const limit = bulkhead(options.maxConcurrent, Number.MAX_SAFE_INTEGER);
  const bucket = new TokenBucket(options.requestsPerSecond, options.burst, clock, sleep);
  const perCall = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);

  return {
    async execute<T>(
      call: (signal: AbortSignal) => Promise<T>,
      what: string,
      field: string,
    ): Promise<T> {
      let attempts = 0;
      try {
        return await breaker.execute(() =>
          retrying.execute(() =>
            limit.execute(async () => {
              await bucket.take();
              attempts++;
              return perCall.execute(async (_context, signal) => {
                try {
                  return await call(signal);
                } catch (error) {
                  if (error instanceof SkippedCall) throw error;
                  // Aborted by the timeout: whatever the call threw (an AbortError), it timed out.
                  if (signal.aborted) {
                    throw new YahooCallError("PROVIDER_TIMEOUT", `yahoo ${what}: timed out`, true);
                  }
                  throw classifyYahooError(error, what);
                }
              });
            }),
          ),
        );
      } catch (error) {
        if (error instanceof SkippedCall) throw error;
        const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
        if (isBrokenCircuitError(error)) {
          throw new MarketDataError(
            "CIRCUIT_OPEN",
            `yahoo ${what}: circuit open after repeated failures; not called`,
            field,
          );
        }
        if (
          isTaskCancelledError(error) ||
          (error instanceof YahooCallError && error.code === "PROVIDER_TIMEOUT")
        ) {
          throw new MarketDataError(
            "PROVIDER_TIMEOUT",
            `yahoo ${what}: timed out after ${options.timeoutMs} ms (${tries})`,
            field,
          );
        }
        if (isBulkheadRejectedError(error)) {
          throw new MarketDataError(
            "PROVIDER_RATE_LIMITED",
            `yahoo ${what}: too many queued calls`,
            field,
          );
        }
        if (error instanceof YahooCallError) {
          const after = error.transient ? ` (${tries})` : "";
          throw new MarketDataError(error.code, `${error.message}${after}`, field);
        }
        throw new MarketDataError("PROVIDER_UNAVAILABLE", `yahoo ${what}: ${String(error)}`, field);
      }
    },
  };
}
