import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { StewardApp } from "./context.js";
import { json } from "./schemas.js";

/**
 * The OpenAPI 3.1 document, generated once from the routes' zod schemas, and a self-contained docs
 * page rendered from it (no external scripts: the page works offline and under a strict CSP).
 */

type OpenApiDocument = ReturnType<StewardApp["getOpenAPI31Document"]>;

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The docs page: every operation by tag, with its roles, summary and description. */
export function docsPage(doc: OpenApiDocument): string {
  const rows: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = (item as Record<string, unknown>)[method] as
        | {
            summary?: string;
            description?: string;
            tags?: string[];
            "x-steward-roles"?: string[];
            security?: unknown[];
          }
        | undefined;
      if (op === undefined) continue;
      const roles = op["x-steward-roles"];
      const who =
        roles === undefined
          ? op.security === undefined
            ? "public"
            : "any role"
          : roles.join(", ");
      rows.push(
        `<tr><td>${escape(op.tags?.[0] ?? "")}</td><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td>` +
          `<td>${escape(who)}</td><td>${escape(op.summary ?? "")}${op.description === undefined ? "" : `<br><small>${escape(op.description)}</small>`}</td></tr>`,
      );
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{white-space:nowrap}</style>
</head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer &lt;JWT&gt;</code>; for development, <code>npm run --silent steward -- token --user U --role pm</code>.</p>
<table><thead><tr><th>area</th><th>method</th><th>path</th><th>roles</th><th>what</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></body></html>`;
}

/** Registers `/api/openapi.json` and `/api/docs` (public), after every other route. */
export function registerDocRoutes(app: StewardApp, version: string): void {
  let cached: OpenApiDocument | null = null;
  const document = (): OpenApiDocument => {
    cached ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Steward API",
        version,
        description:
          'Governed portfolio-rebalancing copilot: briefings from six agents, pre-trade checks, four-eyes approval and a hash-chained audit trail. Errors are {"error": {"code", "message", "details"}}.',
      },
    });
    return cached;
  };
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/openapi.json",
      tags: ["service"],
      summary: "This OpenAPI 3.1 document",
      responses: { 200: json(z.looseObject({ openapi: z.string() }), "The document") },
    }),
    (c) => c.json(document() as unknown as { openapi: string }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/docs",
      tags: ["service"],
      summary: "Human-readable API documentation",
      responses: { 200: { description: "HTML", content: { "text/html": { schema: z.string() } } } },
    }),
    (c) => c.html(docsPage(document())) as never,
  );
}
