import { readdirSync, readFileSync } from "node:fs";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { buildBlueprint } from "../graph/index.js";
import { listScenarios } from "../market/index.js";
import { ACCESS } from "./access.js";
import type { AppContext, StewardApp } from "./context.js";
import { guard } from "./guard.js";
import { errorResponses, json, SlugSchema } from "./schemas.js";
import { SEED_REBALANCE_EXAMPLE } from "./stateless-rebalance.js";

/**
 * Service routes: health (liveness), readiness (every store answers), Prometheus metrics, the
 * blueprint of the orchestration and governance, and the preview scenarios a client can start
 * from (simulated market scenarios, example portfolios, an example stateless rebalance request).
 */

const EXAMPLES_DIR = new URL("../examples/portfolios/", import.meta.url);

/** The bundled example portfolios, read once. */
function examplePortfolios(): readonly { name: string; portfolio: unknown }[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ""),
      portfolio: JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), "utf8")) as unknown,
    }));
}

export function registerMetaRoutes(app: StewardApp, ctx: AppContext): void {
  const { deps, metrics } = ctx;
  const { runtime } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      tags: ["service"],
      summary: "Liveness: the process answers",
      responses: {
        200: json(
          z.object({
            status: z.literal("ok"),
            service: z.literal("steward"),
            version: z.string(),
            time: z.string(),
            uptimeSeconds: z.number().int(),
          }),
          "Alive",
        ),
      },
    }),
    (c) =>
      c.json(
        {
          status: "ok" as const,
          service: "steward" as const,
          version: deps.version,
          time: deps.clock().toISOString(),
          uptimeSeconds: Math.max(
            0,
            Math.round((deps.clock().getTime() - deps.startedAt.getTime()) / 1000),
          ),
        },
        200,
      ),
  );

  const ReadySchema = z.object({
    ready: z.boolean(),
    stores: z.record(z.string(), z.enum(["ok", "unavailable"])),
    backend: z.enum(["sqlite", "postgres"]),
  });
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/ready",
      tags: ["service"],
      summary: "Readiness: the audit, run and portfolio stores and the checkpointer answer",
      responses: {
        200: json(ReadySchema, "Ready"),
        503: json(ReadySchema, "A store does not answer"),
      },
    }),
    async (c) => {
      const probe = async (f: () => Promise<unknown>): Promise<"ok" | "unavailable"> => {
        try {
          await f();
          return "ok";
        } catch (error) {
          deps.logger.warn("readiness probe failed", {
            error: error instanceof Error ? error.message : String(error),
          });
          return "unavailable";
        }
      };
      const [audit, runs, portfolios, checkpoints] = await Promise.all([
        probe(() => runtime.audit.head()),
        probe(() => runtime.runStore.get("readiness-probe")),
        probe(() => runtime.portfolioStore.get("readiness-probe")),
        probe(() =>
          runtime.checkpointer.saver.getTuple({ configurable: { thread_id: "readiness-probe" } }),
        ),
      ]);
      const stores = { audit, runs, portfolios, checkpoints };
      const ready = Object.values(stores).every((s) => s === "ok");
      return c.json({ ready, stores, backend: runtime.runStore.kind }, ready ? 200 : 503);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["service"],
      summary: "Prometheus metrics (text exposition format)",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["metrics.read"].roles,
      middleware: [guard(ctx, "metrics.read")] as const,
      responses: {
        200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const text = await metrics.registry.metrics();
      return c.body(text, 200, { "content-type": metrics.registry.contentType }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/multi-agent-blueprint",
      tags: ["governance"],
      summary: "The orchestration and governance blueprint, generated from the compiled graph",
      description:
        "Graph (nodes, edges, interrupts) as data and Mermaid; agents with their tools' JSON schemas; the controls in force; the model inventory; monitoring from audit events; the latest audit checkpoint; and the API's role matrix.",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["blueprint.read"].roles,
      middleware: [guard(ctx, "blueprint.read")] as const,
      request: { query: z.strictObject({ policy: SlugSchema.optional() }) },
      responses: {
        200: json(z.looseObject({ graph: z.unknown(), apiAccess: z.unknown() }), "The blueprint"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { policy } = c.req.valid("query");
      const blueprint = await buildBlueprint({
        audit: runtime.audit,
        policy: runtime.policyFor(policy ?? "default"),
        clock: deps.clock,
        stewardVersion: deps.version,
      });
      return c.json(
        { ...blueprint, apiAccess: ACCESS } as { graph: unknown; apiAccess: unknown },
        200,
      );
    },
  );

  const examples = examplePortfolios();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/preview-scenarios",
      tags: ["governance"],
      summary:
        "Scenarios to try: simulated markets, example portfolios, an example rebalance request",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["blueprint.read"].roles,
      middleware: [guard(ctx, "blueprint.read")] as const,
      responses: {
        200: json(
          z.object({
            marketScenarios: z.array(
              z.object({ name: z.string(), title: z.string(), description: z.string() }),
            ),
            portfolios: z.array(z.object({ name: z.string(), portfolio: z.unknown() })),
            rebalanceRequest: z.unknown(),
          }),
          "Preview scenarios",
        ),
        ...errorResponses(),
      },
    }),
    (c) =>
      c.json(
        {
          marketScenarios: listScenarios(),
          portfolios: examples.map((e) => ({ name: e.name, portfolio: e.portfolio })),
          rebalanceRequest: SEED_REBALANCE_EXAMPLE,
        },
        200,
      ),
  );
}
