/**
 * A per-key token bucket (per user in the API): `capacity` requests at once, refilled at
 * `capacity` per `windowMs`. Time comes from the injected clock. Buckets idle long enough to be full
 * again are dropped, so memory stays bounded by the active users.
 */
export interface RateLimiter {
  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number;
}

export function createRateLimiter(options: {
  readonly capacity: number;
  readonly windowMs: number;
  readonly clock: () => Date;
}): RateLimiter {
  const { capacity, windowMs, clock } = options;
  const perMs = capacity / windowMs;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = clock().getTime();
  return {
    take(key) {
      const now = clock().getTime();
      if (now - lastSweep > windowMs) {
        for (const [k, b] of buckets)
          if ((now - b.at) * perMs + b.tokens >= capacity) buckets.delete(k);
        lastSweep = now;
      }
      const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / perMs);
    },
  };
}
