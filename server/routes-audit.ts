import { createRoute } from "@hono/zod-openapi";
import { stream } from "hono/streaming";
import { z } from "zod";
import { AUDIT_PAGE_MAX, type AuditRecord } from "../audit/index.js";
import { ACCESS, inScope } from "./access.js";
import type { AppContext, StewardApp } from "./context.js";
import { ApiError } from "./errors.js";
import { guard } from "./guard.js";
import { errorResponses, json, SlugSchema } from "./schemas.js";

/**
 * Audit review: query the trail (filters, cursor pagination), verify it, export it for the
 * offline verifier. An auditor whose token covers every portfolio sees everything; a scoped
 * auditor must filter by a portfolio (or run) in scope. Verify and export cover the whole trail,
 * so export needs full scope.
 */

const IsoInstant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/,
    "must be ISO 8601 UTC (…Z) or a date",
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be a real date");

/** Longest `from`–`to` window one query may ask for. */
export const AUDIT_MAX_RANGE_DAYS = 366;

const AuditQuerySchema = z
  .strictObject({
    runId: z.string().min(1).max(100).optional(),
    portfolioId: SlugSchema.optional(),
    actorId: z.string().min(1).max(200).optional(),
    type: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*$/, "must be an event type like approval.granted")
      .optional(),
    from: IsoInstant.optional().describe("Inclusive lower bound on occurredAt"),
    to: IsoInstant.optional().describe("Inclusive upper bound on occurredAt"),
    cursor: z.string().min(1).max(200).optional().describe("nextCursor of the previous page"),
    limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from === undefined || q.to === undefined) return;
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (to < from)
      ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    else if (to - from > AUDIT_MAX_RANGE_DAYS * 86_400_000)
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: `the window may span at most ${AUDIT_MAX_RANGE_DAYS} days`,
      });
  });

const RecordSchema = z.object({
  seq: z.number().int(),
  recordedAt: z.string(),
  event: z.looseObject({ eventId: z.string(), type: z.string() }),
  canonical: z.string().describe("RFC 8785 canonical JSON: exactly the bytes hashed"),
  leafHash: z.string(),
  chainHash: z.string(),
});

function recordView(r: AuditRecord) {
  return {
    seq: r.seq,
    recordedAt: r.recordedAt,
    event: r.event as unknown as z.infer<typeof RecordSchema>["event"],
    canonical: r.canonical,
    leafHash: r.leafHash,
    chainHash: r.chainHash,
  };
}

export function registerAuditRoutes(app: StewardApp, ctx: AppContext): void {
  const { runtime } = ctx.deps;
  const roles = ACCESS["audit.read"].roles;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit",
      tags: ["audit"],
      summary: "Audit records, ascending by seq, filtered, with a cursor to the next page",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": roles,
      middleware: [guard(ctx, "audit.read")] as const,
      request: { query: AuditQuerySchema },
      responses: {
        200: json(
          z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable() }),
          "A page",
        ),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const scope = c.get("principal").portfolios;
      if (scope !== "*") {
        let covered = q.portfolioId !== undefined && inScope(scope, q.portfolioId);
        if (q.runId !== undefined) {
          const run = await runtime.runStore.get(q.runId);
          if (run === null || !inScope(scope, run.portfolioId))
            throw new ApiError("NOT_FOUND", `no run ${q.runId}`, { field: "runId" });
          covered = q.portfolioId === undefined || q.portfolioId === run.portfolioId;
          if (covered && q.portfolioId === undefined) {
            const page = await runtime.audit.query({ ...q, portfolioId: run.portfolioId });
            return c.json({ items: page.items.map(recordView), nextCursor: page.nextCursor }, 200);
          }
        }
        if (!covered)
          throw new ApiError(
            "FORBIDDEN",
            "your token covers some portfolios only: filter by portfolioId (or runId) in scope",
            { field: "portfolioId" },
          );
      }
      let page;
      try {
        page = await runtime.audit.query(q);
      } catch (error) {
        if (error instanceof Error && /cursor/i.test(error.message))
          throw new ApiError("INVALID_INPUT", "invalid cursor", { field: "cursor" });
        throw error;
      }
      return c.json({ items: page.items.map(recordView), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit/verify",
      tags: ["audit"],
      summary: "Verify the whole trail: every record's hashes and every signed checkpoint",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": roles,
      middleware: [guard(ctx, "audit.read")] as const,
      request: {
        query: z.strictObject({
          deep: z.enum(["true", "false"]).optional().describe("Also re-canonicalise each record"),
        }),
      },
      responses: {
        200: json(
          z.looseObject({
            ok: z.boolean(),
            size: z.number().int(),
            firstBadSeq: z.number().int().nullable(),
            reason: z.string().nullable(),
          }),
          "The verification report (ok false when anything does not verify)",
        ),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const { deep } = c.req.valid("query");
      const report = await runtime.audit.verify({ deep: deep === "true" });
      return c.json(
        report as unknown as {
          ok: boolean;
          size: number;
          firstBadSeq: number | null;
          reason: string | null;
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit/checkpoints",
      tags: ["audit"],
      summary: "The signed checkpoints and the trusted public keys (for an offline verification)",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": roles,
      middleware: [guard(ctx, "audit.read")] as const,
      responses: {
        200: json(
          z.object({
            checkpoints: z.array(z.looseObject({ size: z.number() })),
            publicKeys: z.array(z.string()),
          }),
          "checkpoints.json and public-key.pem of an export",
        ),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const checkpoints = await runtime.audit.checkpoints();
      return c.json(
        {
          checkpoints: checkpoints as unknown as { size: number }[],
          publicKeys: [...runtime.audit.publicKeys],
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit/export",
      tags: ["audit"],
      summary: "Every record as stored, one per line (events.ndjson of an offline export)",
      description:
        "A snapshot at the trail's size when the request began (header X-Audit-Size). With /api/audit/checkpoints it makes the directory the offline verifier reads.",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": roles,
      middleware: [guard(ctx, "audit.read")] as const,
      responses: {
        200: {
          description: "NDJSON: one AuditRecord per line",
          content: { "application/x-ndjson": { schema: z.string() } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => {
      if (c.get("principal").portfolios !== "*")
        throw new ApiError(
          "FORBIDDEN",
          "exporting the whole trail needs a token covering every portfolio",
        );
      const size = (await runtime.audit.head()).size;
      c.header("content-type", "application/x-ndjson; charset=utf-8");
      c.header("x-audit-size", String(size));
      return stream(c, async (out) => {
        if (size === 0) return;
        for await (const r of runtime.audit.records(1, size)) {
          const { seq, recordedAt, event, canonical, leafHash, chainHash } = r;
          await out.write(
            `${JSON.stringify({ seq, recordedAt, event, canonical, leafHash, chainHash })}\n`,
          );
        }
      }) as never;
    },
  );
}
