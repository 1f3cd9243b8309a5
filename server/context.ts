import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Runtime } from "../graph/index.js";
import type { Principal, TokenVerifier } from "./auth.js";
import type { BriefingStarter } from "./briefing-pool.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import type { RateLimiter } from "./rate-limit.js";

/** Everything the app needs, injected by the composition root (`steward serve`) or by tests. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Injected clock: the app never reads the system time itself. */
  readonly clock: () => Date;
  readonly version: string;
  /** Process start, for `uptimeSeconds` in the health answer. */
  readonly startedAt: Date;
  /** The stores and the run service (graph/runtime.ts). */
  readonly runtime: Runtime;
  /** Verifies bearer tokens (server/auth.ts). */
  readonly verifier: TokenVerifier;
  /** Where briefings run: a pool of worker threads (server/briefing-pool.ts); default the runtime's run service. */
  readonly briefings?: BriefingStarter;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    /** The authenticated caller (set by the guard of every protected route). */
    principal: Principal;
  };
};

export type StewardApp = OpenAPIHono<AppEnv>;

/** What route modules are given. */
export interface AppContext {
  readonly deps: AppDeps;
  readonly metrics: Metrics;
  /** Requests per authenticated user. */
  readonly rateLimiter: RateLimiter;
  /** Failed authentications per client address: beyond it, 429 instead of another audited 401. */
  readonly authFailureLimiter: RateLimiter;
}
