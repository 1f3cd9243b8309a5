/**
 * A token bucket on an injected clock: `ratePerSecond` tokens a second, at most `burst` saved up.
 * Callers are served first come, first served; a caller that finds the bucket empty sleeps (an
 * injected sleep) exactly until the next token is due. cockatiel has no rate limiter (its bulkhead
 * bounds concurrency, not rate), hence this small one; time is injected so tests can drive it.
 *
 * @example
 * const bucket = new TokenBucket(2, 1, clock, sleep); // 2 a second, no saving up
 * await bucket.take(); await bucket.take(); // the second waits 500 ms
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;
  #tokens: number;
  #last: number | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    ratePerSecond: number,
    burst: number,
    clock: () => Date,
    sleep: (ms: number) => Promise<void>,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError("TokenBucket requires a finite ratePerSecond > 0");
    }
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError("TokenBucket requires an integer burst ≥ 1");
    }
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#clock = clock;
    this.#sleep = sleep;
    this.#tokens = burst;
  }

  /** Resolves when the caller may make one request. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#acquire());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #acquire(): Promise<void> {
    for (;;) {
      const now = this.#clock().getTime();
      // A clock that steps backwards adds nothing rather than removing tokens.
      const elapsed = this.#last === undefined ? 0 : Math.max(0, now - this.#last);
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
    }
  }
}
