import { createRoute } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { PortfolioSchema, type Portfolio } from "../governance/index.js";
import {
  RunStatusSchema,
  RUN_STATUSES,
  type DataSpec,
  type RunRecord,
  type RunStatus,
} from "../graph/index.js";
import { ACCESS, inScope, type Operation } from "./access.js";
import { inThreadBriefings, type BriefingText } from "./briefing-pool.js";
import type { Principal } from "./auth.js";
import type { AppContext, StewardApp } from "./context.js";
import { apiErrorOf } from "./error-map.js";
import { ApiError, errorBody } from "./errors.js";
import { guard, recordRefusal } from "./guard.js";
import {
  errorResponses,
  IsoDateSchema,
  json,
  jsonBody,
  RunIdParamSchema,
  SlugSchema,
} from "./schemas.js";

/**
 * Runs: the copilot briefing (`POST /api/ai-copilot/insights`, optionally streamed as server-sent
 * events), run reads, the approval inbox and the supervisor's decisions. Object scope: a run is
 * visible only to callers whose token covers its portfolio; anything else is 404, exactly as a
 * run that does not exist.
 */

const InsightsRequestSchema = z
  .strictObject({
    portfolioId: SlugSchema.optional().describe("A stored portfolio (latest version)"),
    portfolio: PortfolioSchema.optional().describe("An inline portfolio (the portfolio file)"),
    asOf: IsoDateSchema.optional().describe("Default: the data's last date for the book"),
    data: z
      .enum(["sample", "simulated", "yahoo"])
      .optional()
      .describe("Market data; default the server's STEWARD_MARKET_DATA"),
    scenario: z.string().min(1).max(64).optional().describe("Simulated market scenario"),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional()
      .describe("Monte Carlo (and simulated market) seed; default 42"),
  })
  .superRefine((body, ctx) => {
    if ((body.portfolioId === undefined) === (body.portfolio === undefined))
      ctx.addIssue({
        code: "custom",
        path: ["portfolio"],
        message: "give exactly one of portfolioId (stored) or portfolio (inline)",
      });
    if (body.scenario !== undefined && body.data !== "simulated")
      ctx.addIssue({
        code: "custom",
        path: ["scenario"],
        message: 'scenario applies to data "simulated" only',
      });
  });

const BriefingSchema = z
  .looseObject({
    runId: z.string(),
    status: RunStatusSchema,
    asOf: z.string(),
    data: z.unknown(),
    forecast: z.unknown(),
    risk: z.unknown(),
    optimizer: z.unknown(),
    proposal: z.unknown(),
    checks: z.array(z.unknown()),
    approval: z.unknown(),
    narrative: z.unknown(),
    metadata: z.unknown(),
  })
  .describe("The briefing, as `steward brief --json` prints it");

const RunSchema = z.object({
  runId: z.string(),
  portfolioId: z.string(),
  status: RunStatusSchema,
  asOf: z.string(),
  requestedBy: z.object({ id: z.string(), kind: z.enum(["human", "agent", "system"]) }),
  proposalHash: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string().nullable(),
  summary: z.unknown(),
});

const DecisionBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(2000).optional().describe("Required to reject"),
  acknowledgements: z
    .array(z.string().regex(/^[A-Z0-9_]{1,64}$/, "must be a check code"))
    .max(100)
    .optional()
    .describe("Codes of the soft warnings acknowledged"),
  proposalHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be a hex SHA-256")
    .optional()
    .describe("The proposal reviewed (default the current one); a different one is refused"),
});
const RejectBodySchema = DecisionBodySchema.extend({
  reason: z.string().trim().min(1).max(2000).describe("Why (required)"),
});

const DecisionResultSchema = z.object({
  runId: z.string(),
  status: RunStatusSchema.describe("The run's status after the decision"),
  outcome: z.enum(["approved", "awaiting_second_approval", "rejected", "unchanged"]),
  required: z.number().int(),
  approvals: z.number().int(),
  replayed: z.boolean().describe("True when this decision was already recorded: nothing new"),
});

const RunListQuerySchema = z.strictObject({
  status: z
    .string()
    .regex(/^(all|[a-z_]+(,[a-z_]+)*)$/, "must be all or statuses separated by commas")
    .optional()
    .describe(`all, or one or more of ${RUN_STATUSES.join(", ")} (comma-separated)`),
  portfolioId: SlugSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

function runView(run: RunRecord) {
  return {
    runId: run.runId,
    portfolioId: run.portfolioId,
    status: run.status,
    asOf: run.asOf,
    requestedBy: run.requestedBy,
    proposalHash: run.proposalHash,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    expiresAt: run.expiresAt,
    summary: run.summary as unknown,
  };
}

function statusesOf(text: string | undefined): RunStatus[] | undefined {
  if (text === undefined || text === "all") return undefined;
  return text.split(",").map((s) => {
    const parsed = RunStatusSchema.safeParse(s);
    if (!parsed.success)
      throw new ApiError("INVALID_INPUT", `unknown status "${s}"`, { field: "status" });
    return parsed.data;
  });
}

/** The approving actor: always the authenticated caller, never anything in the body. */
function actorOf(principal: Principal) {
  return {
    id: principal.id,
    roles: [...principal.roles],
    portfolios: principal.portfolios === "*" ? ("*" as const) : [...principal.portfolios],
    kind: "human" as const,
  };
}

/** The run if it exists and the caller's scope covers it; else 404 (out of scope is audited). */
async function runInScope(
  ctx: AppContext,
  principal: Principal,
  runId: string,
  operation: Operation,
  request: { method: string; path: string; requestId: string },
): Promise<RunRecord> {
  const run = await ctx.deps.runtime.runStore.get(runId);
  if (run !== null && !inScope(principal.portfolios, run.portfolioId)) {
    await recordRefusal(ctx, {
      eventId: `authz-denied:${request.requestId}`,
      type: "authz.denied",
      actor: { kind: "human", id: principal.id, role: principal.roles.join(",") },
      code: "OUT_OF_SCOPE",
      reason: `run ${runId} belongs to a portfolio outside the caller's scope`,
      method: request.method,
      path: request.path,
      operation,
      portfolioId: run.portfolioId,
    });
  }
  if (run === null || !inScope(principal.portfolios, run.portfolioId))
    throw new ApiError("NOT_FOUND", `no run ${runId}`);
  return run;
}

function dataSpecOf(
  ctx: AppContext,
  body: { data?: string; scenario?: string; seed?: number },
): DataSpec {
  const kind = body.data ?? ctx.deps.config.marketData;
  if (kind === "sample") return { kind: "sample" };
  if (kind === "yahoo") return { kind: "yahoo" };
  if (kind === "simulated")
    return {
      kind: "simulated",
      ...(body.seed === undefined ? {} : { seed: body.seed }),
      ...(body.scenario === undefined ? {} : { scenario: body.scenario }),
    };
  // The server's own default (csv:<dir>), never a path from a request.
  return { kind: "csv", dir: kind.slice("csv:".length) };
}

export function registerRunRoutes(app: StewardApp, ctx: AppContext): void {
  const { runtime } = ctx.deps;
  const active = new Map<string, number>();

  const insights = createRoute({
    method: "post",
    path: "/api/ai-copilot/insights",
    tags: ["briefings"],
    summary: "Copilot briefing: run the agents on a portfolio (stored or inline)",
    description:
      "Runs Supervisor → Data → Forecast ∥ Risk → Optimizer → Execution → pre-trade checks and stops at the approval gate. " +
      "Answers the briefing with its runId (201). With `Accept: text/event-stream` the answer is a stream of `progress` events (one per finished node) and a final `briefing` event.",
    security: [{ bearerAuth: [] }],
    "x-steward-roles": ACCESS["insights.create"].roles,
    middleware: [guard(ctx, "insights.create")] as const,
    request: { body: jsonBody(InsightsRequestSchema, "The portfolio and options") },
    responses: {
      201: json(BriefingSchema, "The briefing (status awaiting_approval, blocked, no_trade, …)"),
      200: {
        description:
          "With Accept: text/event-stream: `progress` events ({runId, node, step}) as agents finish, then one `briefing` event (the briefing JSON) or one `error` event",
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...errorResponses(400, 404, 413, 415, 422),
    },
  });
  app.openapi(insights, async (c) => {
    const body = c.req.valid("json");
    const principal = c.get("principal");
    let portfolio: Portfolio;
    if (body.portfolioId !== undefined) {
      const stored = inScope(principal.portfolios, body.portfolioId)
        ? await runtime.portfolioStore.get(body.portfolioId)
        : null;
      if (stored === null)
        throw new ApiError("NOT_FOUND", `no portfolio ${body.portfolioId}`, {
          field: "portfolioId",
        });
      portfolio = stored.portfolio;
    } else {
      portfolio = body.portfolio as Portfolio;
      if (!inScope(principal.portfolios, portfolio.id)) {
        throw new ApiError("FORBIDDEN", `portfolio ${portfolio.id} is outside your scope`, {
          field: "portfolio.id",
          reason: "OUT_OF_SCOPE",
          portfolioId: portfolio.id,
        });
      }
    }
    const limit = ctx.deps.config.maxConcurrentRunsPerUser;
    const running = active.get(principal.id) ?? 0;
    if (running >= limit)
      throw new ApiError("TOO_MANY_RUNS", `at most ${limit} briefings at once per user`, { limit });
    active.set(principal.id, running + 1);
    const release = () => {
      const n = (active.get(principal.id) ?? 1) - 1;
      if (n <= 0) active.delete(principal.id);
      else active.set(principal.id, n);
    };
    const start = (onProgress?: (p: { runId: string; node: string; step: number }) => void) =>
      (ctx.deps.briefings ?? inThreadBriefings(runtime.runService)).start({
        portfolio,
        dataSpec: dataSpecOf(ctx, body),
        requestedBy: { id: principal.id, kind: "human" },
        ...(body.asOf === undefined ? {} : { asOf: body.asOf }),
        ...(body.seed === undefined ? {} : { seed: body.seed }),
        ...(onProgress === undefined ? {} : { onProgress }),
      });
    const count = (briefing: BriefingText) => {
      ctx.metrics.briefings.inc({ status: briefing.status });
      for (const check of briefing.failedChecks)
        ctx.metrics.checkFailures.inc({ code: check.code, severity: check.severity });
    };
    if ((c.req.header("accept") ?? "").includes("text/event-stream")) {
      return streamSSE(c, async (stream) => {
        try {
          const briefing = await start((p) => {
            void stream.writeSSE({
              event: "progress",
              id: String(p.step),
              data: JSON.stringify(p),
            });
          });
          count(briefing);
          await stream.writeSSE({
            event: "briefing",
            data: new TextDecoder().decode(briefing.body),
          });
        } catch (error) {
          const api = apiErrorOf(error);
          ctx.deps.logger.error("streamed briefing failed", {
            requestId: c.get("requestId"),
            error: error instanceof Error ? error.message : String(error),
          });
          await stream.writeSSE({
            event: "error",
            data: JSON.stringify(
              api === null
                ? errorBody("INTERNAL", "internal error")
                : errorBody(api.code, api.message, api.details),
            ),
          });
        } finally {
          release();
        }
      }) as never;
    }
    try {
      const briefing = await start();
      count(briefing);
      // The briefing's JSON bytes as encoded where it was built (the text c.json would write).
      return c.body(briefing.body, 201, { "content-type": "application/json" }) as never;
    } finally {
      release();
    }
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs",
      tags: ["runs"],
      summary: "Runs in the caller's scope, oldest first",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["runs.read"].roles,
      middleware: [guard(ctx, "runs.read")] as const,
      request: { query: RunListQuerySchema },
      responses: {
        200: json(z.object({ items: z.array(RunSchema) }), "The runs"),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const principal = c.get("principal");
      const status = statusesOf(q.status);
      if (q.portfolioId !== undefined && !inScope(principal.portfolios, q.portfolioId))
        return c.json({ items: [] }, 200);
      const limit = q.limit ?? 500;
      const scope = principal.portfolios;
      const portfolios =
        q.portfolioId !== undefined ? [q.portfolioId] : scope === "*" ? [undefined] : scope;
      const found: RunRecord[] = [];
      for (const portfolioId of portfolios)
        found.push(
          ...(await runtime.runStore.listRuns({
            ...(status === undefined ? {} : { status }),
            ...(portfolioId === undefined ? {} : { portfolioId }),
            limit,
          })),
        );
      const visible = found
        .sort((a, b) =>
          a.createdAt === b.createdAt
            ? a.runId < b.runId
              ? -1
              : 1
            : a.createdAt < b.createdAt
              ? -1
              : 1,
        )
        .slice(0, limit);
      return c.json({ items: visible.map(runView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/{id}",
      tags: ["runs"],
      summary: "A run's briefing with its current status and decisions",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["runs.read"].roles,
      middleware: [guard(ctx, "runs.read")] as const,
      request: { params: RunIdParamSchema },
      responses: { 200: json(BriefingSchema, "The briefing"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await runInScope(ctx, c.get("principal"), id, "runs.read", requestOf(c));
      const briefing = await runtime.runService.get(id);
      if (briefing === null) throw new ApiError("NOT_FOUND", `no run ${id}`);
      return c.json(briefing as z.infer<typeof BriefingSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/{id}/orders",
      tags: ["runs"],
      summary: "The released orders of a run (JSON, or CSV with ?format=csv)",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["runs.read"].roles,
      middleware: [guard(ctx, "runs.read")] as const,
      request: {
        params: RunIdParamSchema,
        query: z.strictObject({ format: z.enum(["json", "csv"]).optional() }),
      },
      responses: {
        200: {
          description: "The released orders",
          content: {
            "application/json": { schema: z.looseObject({ runId: z.string() }) },
            "text/csv": { schema: z.string() },
          },
        },
        ...errorResponses(400, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { format } = c.req.valid("query");
      await runInScope(ctx, c.get("principal"), id, "runs.read", requestOf(c));
      if (format === "csv") {
        const csv = await runtime.runService.releasedOrders(id, "csv");
        return c.body(csv, 200, { "content-type": "text/csv; charset=utf-8" }) as never;
      }
      const doc = await runtime.runService.releasedOrders(id, "json");
      return c.json(doc as unknown as { runId: string }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/approvals",
      tags: ["approvals"],
      summary: "The approval inbox: runs awaiting a decision in the caller's scope",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["approvals.read"].roles,
      middleware: [guard(ctx, "approvals.read")] as const,
      request: {
        query: z.strictObject({
          status: z.enum(["pending"]).optional().describe("Only pending (the default)"),
        }),
      },
      responses: {
        200: json(z.object({ items: z.array(z.looseObject({ runId: z.string() })) }), "Pending"),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      const pending = await runtime.runService.listPending();
      const items = pending.filter((p) => inScope(principal.portfolios, p.portfolioId));
      return c.json({ items: items as unknown as { runId: string }[] }, 200);
    },
  );

  for (const action of ["approve", "reject"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/runs/{id}/${action}`,
        tags: ["approvals"],
        summary:
          action === "approve"
            ? "Approve the run's proposal (four-eyes); releases it once enough approvals are in"
            : "Reject the run's proposal, with a reason",
        description:
          "The decider is the authenticated caller. A replay of a recorded decision answers the current status with replayed: true and writes nothing.",
        security: [{ bearerAuth: [] }],
        "x-steward-roles": ACCESS["runs.decide"].roles,
        middleware: [guard(ctx, "runs.decide")] as const,
        request: {
          params: RunIdParamSchema,
          body: jsonBody(action === "approve" ? DecisionBodySchema : RejectBodySchema, "Decision"),
        },
        responses: {
          200: json(DecisionResultSchema, "The decision and the run's new status"),
          ...errorResponses(400, 404, 409, 413, 415, 422),
        },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const body = c.req.valid("json");
        const principal = c.get("principal");
        await runInScope(ctx, principal, id, "runs.decide", requestOf(c));
        const options = {
          ...(body.reason === undefined ? {} : { reason: body.reason }),
          ...(body.acknowledgements === undefined
            ? {}
            : { acknowledgements: body.acknowledgements }),
          ...(body.proposalHash === undefined ? {} : { proposalHash: body.proposalHash }),
        };
        const result =
          action === "approve"
            ? await runtime.runService.approve(id, actorOf(principal), options)
            : await runtime.runService.reject(id, actorOf(principal), {
                ...options,
                reason: body.reason ?? "",
              });
        ctx.metrics.decisions.inc({ action, outcome: result.outcome });
        return c.json(result, 200);
      },
    );
  }
}

function requestOf(c: { req: { method: string; path: string }; get(key: "requestId"): string }): {
  method: string;
  path: string;
  requestId: string;
} {
  return { method: c.req.method, path: c.req.path, requestId: c.get("requestId") };
}
