import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { ACCESS, allowed, type Operation } from "./access.js";
import { AuthError, bearerOf } from "./auth.js";
import type { AppContext, AppEnv } from "./context.js";
import { ApiError } from "./errors.js";

/**
 * The guard of a protected route: authenticates the bearer token (401), checks the operation's
 * roles (403) and the caller's rate budget (429). Every 401 and 403 is written to the audit trail
 * by the app's error handler (`auth.failed`, `authz.denied`), with the request id in the event's id.
 */
export function guard(ctx: AppContext, operation: Operation): MiddlewareHandler<AppEnv> {
  const { deps, rateLimiter, authFailureLimiter } = ctx;
  return async (c, next) => {
    let principal;
    try {
      principal = await deps.verifier.verify(bearerOf(c.req.header("authorization")));
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (error.reason === "KEYS_UNAVAILABLE")
        throw new ApiError("UNAVAILABLE", "cannot verify tokens now; retry later", {
          reason: error.reason,
        });
      // Each 401 is an audit event; an address that keeps failing gets 429s instead, so that
      // unauthenticated traffic cannot flood the trail.
      const waitMs = authFailureLimiter.take(clientAddress(c));
      if (waitMs > 0) {
        c.header("Retry-After", String(Math.ceil(waitMs / 1000)));
        throw new ApiError("RATE_LIMITED", "too many failed authentications; retry later", {
          retryAfterSeconds: Math.ceil(waitMs / 1000),
        });
      }
      c.header("WWW-Authenticate", `Bearer realm="steward", error="invalid_token"`);
      throw new ApiError("UNAUTHENTICATED", error.message, { reason: error.reason, operation });
    }
    c.set("principal", principal);
    if (!allowed(operation, principal.roles)) {
      throw new ApiError(
        "FORBIDDEN",
        `this operation needs one of the roles: ${ACCESS[operation].roles.join(", ")}`,
        { reason: "ROLE_NOT_PERMITTED", operation },
      );
    }
    const waitMs = rateLimiter.take(principal.id);
    if (waitMs > 0) {
      c.header("Retry-After", String(Math.ceil(waitMs / 1000)));
      throw new ApiError("RATE_LIMITED", "too many requests for this user; retry later", {
        retryAfterSeconds: Math.ceil(waitMs / 1000),
      });
    }
    await next();
  };
}

export interface Refusal {
  readonly eventId: string;
  readonly type: "auth.failed" | "authz.denied";
  readonly actor: {
    readonly kind: "human" | "system";
    readonly id: string;
    readonly role?: string;
  };
  readonly code: string;
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  readonly portfolioId?: string;
}

/** Writes a 401/403 to the audit trail (and, should the trail be unreachable, to the log). */
export async function recordRefusal(ctx: AppContext, refusal: Refusal): Promise<void> {
  const { deps } = ctx;
  try {
    await deps.runtime.audit.append({
      eventId: refusal.eventId,
      type: refusal.type,
      occurredAt: deps.clock().toISOString(),
      actor: refusal.actor,
      outcome: { status: "denied", code: refusal.code },
      reason: refusal.reason,
      ...(refusal.portfolioId === undefined
        ? {}
        : { subject: { portfolioId: refusal.portfolioId } }),
      payload: {
        method: refusal.method,
        path: refusal.path.slice(0, 512),
        operation: refusal.operation,
      },
    });
  } catch (error) {
    deps.logger.error("could not record a refusal in the audit trail", {
      eventId: refusal.eventId,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

/** The client's address (the socket's; "local" for in-process requests without a socket). */
function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "local";
  }
}
