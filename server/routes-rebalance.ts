import { createRoute } from "@hono/zod-openapi";
import { ACCESS } from "./access.js";
import type { AppContext, StewardApp } from "./context.js";
import { guard } from "./guard.js";
import { errorResponses, json, jsonBody } from "./schemas.js";
import {
  computeStatelessRebalance,
  StatelessRebalanceRequestSchema,
  StatelessRebalanceResponseSchema,
} from "./stateless-rebalance.js";

/**
 * `POST /api/rebalance`: the original MVP's stateless request (GOVERNANCE.md §5) — nothing is
 * stored and no run starts; the answer is an analysis, not an order release.
 */
export function registerRebalanceRoutes(app: StewardApp, ctx: AppContext): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/rebalance",
      tags: ["briefings"],
      summary: "Stateless rebalance: drift, BUY/SELL/HOLD, units, cost, ensemble targets, risk",
      description:
        "The seed-compatible request. Nothing is stored; orders from this route are never released — use a briefing for that.",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["rebalance.compute"].roles,
      middleware: [guard(ctx, "rebalance.compute")] as const,
      request: { body: jsonBody(StatelessRebalanceRequestSchema, "The MVP rebalance request") },
      responses: {
        200: json(StatelessRebalanceResponseSchema, "The analysis"),
        ...errorResponses(400, 413, 415, 422),
      },
    }),
    (c) => {
      const request = c.req.valid("json");
      const result = computeStatelessRebalance(request, {
        now: ctx.deps.clock(),
        stewardVersion: ctx.deps.version,
      });
      return c.json(result, 200);
    },
  );
}
