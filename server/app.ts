import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { isRunServiceError } from "../graph/index.js";
import type { AppContext, AppDeps, AppEnv, StewardApp } from "./context.js";
import { registerDocRoutes } from "./docs.js";
import { apiErrorOf } from "./error-map.js";
import { ApiError, errorBody } from "./errors.js";
import { recordRefusal } from "./guard.js";
import { createMetrics } from "./metrics.js";
import { createRateLimiter } from "./rate-limit.js";
import { registerAuditRoutes } from "./routes-audit.js";
import { registerMetaRoutes } from "./routes-meta.js";
import { registerPortfolioRoutes } from "./routes-portfolios.js";
import { registerRebalanceRoutes } from "./routes-rebalance.js";
import { registerRunRoutes } from "./routes-runs.js";
import { firstFieldError } from "./schemas.js";

export type { AppDeps } from "./context.js";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Builds the Steward HTTP API over injected dependencies (config, logger, clock, the runtime's
 * stores and run service, the token verifier). Routes answer JSON; every error is
 * `{ "error": { "code", "message", "details"? } }` with the status of its code, never a stack
 * trace; every 401 and 403 is written to the audit trail. The OpenAPI document at
 * `/api/openapi.json` is generated from the same zod schemas that validate the requests.
 *
 * @example const app = createApp(deps); const res = await app.request("/api/health");
 */
export function createApp(deps: AppDeps): StewardApp {
  const { logger, config } = deps;
  const metrics = createMetrics({ runStore: deps.runtime.runStore, audit: deps.runtime.audit });
  const ctx: AppContext = {
    deps,
    metrics,
    rateLimiter: createRateLimiter({
      capacity: config.rateLimitPerMinute,
      windowMs: 60_000,
      clock: deps.clock,
    }),
    authFailureLimiter: createRateLimiter({
      capacity: config.rateLimitPerMinute,
      windowMs: 60_000,
      clock: deps.clock,
    }),
  };
  const app: StewardApp = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const { field, message } = firstFieldError(result.error);
        throw new ApiError("INVALID_INPUT", message, { field, in: result.target });
      }
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });

  app.use("*", requestId());
  const logRequests = logger.isLevelEnabled("http");
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    metrics.requestDuration.observe(
      { method: c.req.method, route: c.req.routePath || "unmatched", status: String(c.res.status) },
      seconds,
    );
    if (logRequests)
      logger.http("request", {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(seconds * 100_000) / 100,
      });
  });
  const limitBody = bodyLimit({
    maxSize: config.bodyLimitBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE", `the body exceeds ${config.bodyLimitBytes} bytes`, {
        limit: config.bodyLimitBytes,
      });
    },
  });
  app.use("*", async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    // Every body is JSON: a missing or other Content-Type is refused before anything reads it (an
    // empty approval must not pass as `{}`).
    const type = c.req.header("content-type");
    if (type === undefined || !JSON_TYPE.test(type))
      throw new ApiError(
        "UNSUPPORTED_MEDIA_TYPE",
        "the body must be JSON (Content-Type: application/json)",
      );
    return limitBody(c, next);
  });

  registerMetaRoutes(app, ctx);
  registerRunRoutes(app, ctx);
  registerRebalanceRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerPortfolioRoutes(app, ctx);

  registerDocRoutes(app, deps.version);

  app.notFound((c) =>
    c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404),
  );

  app.onError(async (err, c) => {
    const api = apiErrorOf(err);
    if (api === null) {
      logger.error("unhandled error", {
        requestId: c.get("requestId"),
        path: c.req.path,
        error: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      return c.json(errorBody("INTERNAL", "internal error"), 500);
    }
    if ((api.status === 401 || api.status === 403) && !isRunServiceError(err)) {
      try {
        await auditRefusal(ctx, c, api);
      } catch {
        return c.json(errorBody("UNAVAILABLE", "the audit trail is unavailable"), 503);
      }
    }
    // The rest of a refused body may still be in flight: do not reuse the connection.
    if (api.code === "PAYLOAD_TOO_LARGE") c.header("Connection", "close");
    return c.json(errorBody(api.code, api.message, api.details), api.status);
  });

  return app;
}

/** Writes a 401 (`auth.failed`) or 403 (`authz.denied`) to the audit trail. */
async function auditRefusal(ctx: AppContext, c: Context<AppEnv>, api: ApiError): Promise<void> {
  const principal = c.get("principal") as AppEnv["Variables"]["principal"] | undefined;
  const details = api.details ?? {};
  const reason = typeof details.reason === "string" ? details.reason : api.code;
  const portfolioId = typeof details.portfolioId === "string" ? details.portfolioId : undefined;
  const authentication = api.status === 401;
  ctx.metrics.authFailures.inc({
    kind: authentication ? "authentication" : "authorization",
    reason,
  });
  await recordRefusal(ctx, {
    eventId: `${authentication ? "auth-failed" : "authz-denied"}:${c.get("requestId")}`,
    type: authentication ? "auth.failed" : "authz.denied",
    actor:
      principal === undefined
        ? { kind: "system", id: "anonymous" }
        : { kind: "human", id: principal.id, role: principal.roles.join(",") },
    code: reason,
    reason: api.message,
    method: c.req.method,
    path: c.req.path,
    operation: typeof details.operation === "string" ? details.operation : "unknown",
    ...(portfolioId === undefined ? {} : { portfolioId }),
  });
}
