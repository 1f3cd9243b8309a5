import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { isToolError } from "../tools/index.js";
import type { Config } from "./config.js";
import { ApiError, ERROR_STATUS, errorBody } from "./errors.js";
import type { Logger } from "./logger.js";

/** Everything the app needs, injected by the composition root (`steward serve`) or by tests. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Injected clock: the app never reads the system time itself. */
  readonly clock: () => Date;
  readonly version: string;
  /** Process start, for `uptimeSeconds` in the health answer. */
  readonly startedAt: Date;
}

type Env = { Variables: { requestId: string } };

/**
 * Builds the Steward HTTP API. Routes answer JSON; every error is
 * `{ "error": { "code", "message", "details"? } }` with the status of its code, never a stack trace.
 *
 * @example const app = createApp(deps); const res = await app.request("/api/health");
 */
export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { logger } = deps;

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    logger.http("request", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  app.get("/api/health", (c) =>
    c.json({
      status: "ok",
      service: "steward",
      version: deps.version,
      time: deps.clock().toISOString(),
      uptimeSeconds: Math.max(
        0,
        Math.round((deps.clock().getTime() - deps.startedAt.getTime()) / 1000),
      ),
    }),
  );

  app.notFound((c) =>
    c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404),
  );

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (isToolError(err)) {
      return c.json(errorBody(err.code, err.message, { field: err.field }), ERROR_STATUS[err.code]);
    }
    logger.error("unhandled error", {
      requestId: c.get("requestId"),
      path: c.req.path,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    return c.json(errorBody("INTERNAL", "internal error"), 500);
  });

  return app;
}
