import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { PortfolioSchema } from "../governance/index.js";
import { savePortfolio, type PortfolioVersion } from "../graph/index.js";
import { ACCESS, inScope } from "./access.js";
import type { Principal } from "./auth.js";
import type { AppContext, StewardApp } from "./context.js";
import { ApiError } from "./errors.js";
import { guard } from "./guard.js";
import { errorResponses, json, jsonBody, SlugSchema } from "./schemas.js";

/**
 * Portfolios: versioned (every PUT makes a new immutable version; `If-Match: "<version>"` guards
 * against lost updates) and audited (portfolio.created / portfolio.updated). The body is the
 * portfolio file, strictly: `version`, `createdBy` or any other unknown field is a 400. A portfolio
 * outside the caller's scope does not exist for them (404); creating one outside it is a 403.
 */

const VersionSchema = z.object({
  portfolioId: z.string(),
  version: z.number().int().min(1),
  desk: z.string().nullable(),
  hash: z.string().describe("SHA-256 of the RFC 8785 canonical portfolio"),
  createdAt: z.string(),
  createdBy: z.string(),
  portfolio: z.looseObject({ id: z.string() }),
});

const IdParam = z.object({ id: SlugSchema.describe("The portfolio id") });

function view(v: PortfolioVersion) {
  return {
    portfolioId: v.portfolioId,
    version: v.version,
    desk: v.desk,
    hash: v.hash,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    portfolio: v.portfolio as unknown as { id: string },
  };
}

function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (m === null)
    throw new ApiError("INVALID_INPUT", 'If-Match must be the version, e.g. "3"', {
      field: "If-Match",
    });
  return Number(m[1]);
}

function roleOf(principal: Principal): string {
  return principal.roles.join(",");
}

export function registerPortfolioRoutes(app: StewardApp, ctx: AppContext): void {
  const { runtime } = ctx.deps;
  const store = runtime.portfolioStore;
  const saveDeps = { store, audit: runtime.audit, clock: ctx.deps.clock };

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/portfolios",
      tags: ["portfolios"],
      summary: "Portfolios in the caller's scope (latest versions), by id",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["portfolios.read"].roles,
      middleware: [guard(ctx, "portfolios.read")] as const,
      request: {
        query: z.strictObject({
          after: SlugSchema.optional().describe("Cursor: the last id of the previous page"),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
      responses: {
        200: json(
          z.object({ items: z.array(VersionSchema), nextCursor: z.string().nullable() }),
          "A page of portfolios",
        ),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const limit = q.limit ?? 100;
      const items = await store.list({
        ids: c.get("principal").portfolios,
        limit,
        ...(q.after === undefined ? {} : { after: q.after }),
      });
      const last = items.at(-1);
      return c.json(
        {
          items: items.map(view),
          nextCursor: items.length === limit && last !== undefined ? last.portfolioId : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/portfolios/{id}",
      tags: ["portfolios"],
      summary: "A portfolio: the latest version, or ?version=N",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["portfolios.read"].roles,
      middleware: [guard(ctx, "portfolios.read")] as const,
      request: {
        params: IdParam,
        query: z.strictObject({ version: z.coerce.number().int().min(1).optional() }),
      },
      responses: { 200: json(VersionSchema, "The version"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { version } = c.req.valid("query");
      const found = inScope(c.get("principal").portfolios, id)
        ? await store.get(id, version)
        : null;
      if (found === null) throw new ApiError("NOT_FOUND", `no portfolio ${id}`);
      c.header("ETag", `"${found.version}"`);
      return c.json(view(found), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/portfolios/{id}/versions",
      tags: ["portfolios"],
      summary: "Every version of a portfolio, oldest first",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["portfolios.read"].roles,
      middleware: [guard(ctx, "portfolios.read")] as const,
      request: { params: IdParam },
      responses: {
        200: json(z.object({ items: z.array(VersionSchema) }), "The versions"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const versions = inScope(c.get("principal").portfolios, id) ? await store.versions(id) : [];
      if (versions.length === 0) throw new ApiError("NOT_FOUND", `no portfolio ${id}`);
      return c.json({ items: versions.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/portfolios",
      tags: ["portfolios"],
      summary: "Create a portfolio (version 1)",
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["portfolios.write"].roles,
      middleware: [guard(ctx, "portfolios.write")] as const,
      request: { body: jsonBody(PortfolioSchema, "The portfolio file (strict)") },
      responses: {
        201: json(VersionSchema, "Created"),
        ...errorResponses(400, 409, 413, 415),
      },
    }),
    async (c) => {
      const portfolio = c.req.valid("json");
      const principal = c.get("principal");
      if (!inScope(principal.portfolios, portfolio.id))
        throw new ApiError("FORBIDDEN", `portfolio ${portfolio.id} is outside your scope`, {
          field: "id",
          reason: "OUT_OF_SCOPE",
          portfolioId: portfolio.id,
        });
      const saved = await savePortfolio(saveDeps, {
        mode: "create",
        portfolio,
        actor: { id: principal.id, role: roleOf(principal) },
      });
      c.header("Location", `/api/portfolios/${saved.portfolioId}`);
      c.header("ETag", `"${saved.version}"`);
      return c.json(view(saved), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/portfolios/{id}",
      tags: ["portfolios"],
      summary: 'Replace a portfolio: a new version (If-Match: "<version>" to guard lost updates)',
      security: [{ bearerAuth: [] }],
      "x-steward-roles": ACCESS["portfolios.write"].roles,
      middleware: [guard(ctx, "portfolios.write")] as const,
      request: {
        params: IdParam,
        headers: z.object({ "if-match": z.string().max(40).optional() }),
        body: jsonBody(PortfolioSchema, "The portfolio file (strict); its id must be the path's"),
      },
      responses: {
        200: json(VersionSchema, "The new version"),
        ...errorResponses(400, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const portfolio = c.req.valid("json");
      const principal = c.get("principal");
      const expectedVersion = ifMatchVersion(c.req.header("if-match"));
      if (!inScope(principal.portfolios, id) || (await store.get(id)) === null)
        throw new ApiError("NOT_FOUND", `no portfolio ${id}`);
      if (portfolio.id !== id)
        throw new ApiError("INVALID_INPUT", "must equal the id in the path", { field: "id" });
      const saved = await savePortfolio(saveDeps, {
        mode: "update",
        portfolio,
        portfolioId: id,
        actor: { id: principal.id, role: roleOf(principal) },
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
      });
      c.header("ETag", `"${saved.version}"`);
      return c.json(view(saved), 200);
    },
  );
}
