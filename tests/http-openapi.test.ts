import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { SEED_REBALANCE_EXAMPLE } from "../server/stateless-rebalance.js";
import {
  examplePortfolio,
  FILE_PATH,
  recordingCall,
  STACK_FRAME,
  startTestServer,
  tokenFor,
  type ApiResponse,
  type TestServer,
} from "./http-helpers.js";

/**
 * The OpenAPI document against the server that publishes it, over real HTTP on loopback: its
 * operations are exactly the ones the server answers and exactly the hand-written list below; the
 * protected ones say so (bearerAuth, x-steward-roles) and behave so (401 without a token); every
 * operation documents a 2xx answer with a schema, and what the server really answers is
 * documented; the docs page lists every operation.
 */

/** Every answer's text, checked at the end for leaked internals (stack frames, file paths). */
const { call, answers } = recordingCall();
const BALANCED = examplePortfolio();

type Role = "pm" | "supervisor" | "auditor" | "admin";
const ALL: readonly Role[] = ["pm", "supervisor", "auditor", "admin"];

/** Every operation of the API and who may call it, written by hand from the design. */
const KNOWN: Readonly<Record<string, readonly Role[] | "public">> = {
  "GET /api/health": "public",
  "GET /api/ready": "public",
  "GET /api/openapi.json": "public",
  "GET /api/docs": "public",
  "POST /api/ai-copilot/insights": ["pm"],
  "POST /api/rebalance": ["pm", "supervisor"],
  "GET /api/runs": ALL,
  "GET /api/runs/{id}": ALL,
  "GET /api/runs/{id}/orders": ALL,
  "GET /api/approvals": ["supervisor", "auditor", "admin"],
  "POST /api/runs/{id}/approve": ["supervisor"],
  "POST /api/runs/{id}/reject": ["supervisor"],
  "GET /api/audit": ["auditor", "admin"],
  "GET /api/audit/verify": ["auditor", "admin"],
  "GET /api/audit/checkpoints": ["auditor", "admin"],
  "GET /api/audit/export": ["auditor", "admin"],
  "GET /api/multi-agent-blueprint": ALL,
  "GET /api/preview-scenarios": ALL,
  "GET /api/portfolios": ALL,
  "GET /api/portfolios/{id}": ALL,
  "GET /api/portfolios/{id}/versions": ALL,
  "POST /api/portfolios": ["pm", "admin"],
  "PUT /api/portfolios/{id}": ["pm", "admin"],
  "GET /metrics": ["admin"],
};

/** Operations whose JSON body must refuse unknown fields (mass assignment). */
const STRICT_BODIES = [
  "POST /api/ai-copilot/insights",
  "POST /api/rebalance",
  "POST /api/runs/{id}/approve",
  "POST /api/runs/{id}/reject",
  "POST /api/portfolios",
  "PUT /api/portfolios/{id}",
];

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.looseObject({ field: z.string().optional() }).optional(),
  }),
});

const MediaSchema = z.looseObject({ schema: z.record(z.string(), z.unknown()).optional() });
const ResponseSchema = z.looseObject({
  description: z.string(),
  content: z.record(z.string(), MediaSchema).optional(),
});
const ParameterSchema = z.looseObject({
  name: z.string(),
  in: z.enum(["path", "query", "header", "cookie"]),
  required: z.boolean().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});
const OperationSchema = z.looseObject({
  summary: z.string().optional(),
  tags: z.array(z.string()).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  "x-steward-roles": z.array(z.string()).optional(),
  parameters: z.array(ParameterSchema).optional(),
  requestBody: z
    .looseObject({ required: z.boolean().optional(), content: z.record(z.string(), MediaSchema) })
    .optional(),
  responses: z.record(z.string(), ResponseSchema),
});
type Operation = z.infer<typeof OperationSchema>;
const DocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({
    title: z.string(),
    version: z.string(),
    description: z.string().optional(),
  }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({
    securitySchemes: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  }),
});
type OpenApiDocument = z.infer<typeof DocumentSchema>;

let srv: TestServer;
let url: string;
let doc: OpenApiDocument;
let raw: unknown;
/** One caller holding every role (scope "*"). */
let everyone = "";

/** The document's operations as "METHOD /path" → operation. */
function operations(): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (op !== undefined) out.set(`${m.toUpperCase()} ${p}`, OperationSchema.parse(op));
    }
  }
  return out;
}

const concrete = (p: string) => p.replace(/\{[^}]+\}/g, "probe-id");
const isNoRoute = (res: ApiResponse) =>
  res.status === 404 &&
  /^no route for /.test(
    String(
      z.looseObject({ error: z.looseObject({ message: z.string() }) }).safeParse(res.body).data
        ?.error.message ?? "",
    ),
  );

beforeAll(async () => {
  srv = await startTestServer();
  url = srv.url;
  everyone = await tokenFor("olga", ["pm", "supervisor", "auditor", "admin"]);
  const res = await call(url, "GET", "/api/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  raw = res.body;
  doc = DocumentSchema.parse(res.body);
});
afterAll(async () => {
  await srv.close();
});

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document with the bearer scheme", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe("Steward API");
    expect(doc.info.version).toBe("0.0.0-test");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    for (const p of Object.keys(doc.paths)) expect(p).toMatch(/^\/[A-Za-z0-9/{}._-]*$/);
    expect(doc.components.securitySchemes?.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
  });

  it("every $ref points at something in the document", () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "$ref" && typeof x === "string") refs.push(x);
          else walk(x);
        }
      }
    };
    walk(raw);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\//);
      let node: unknown = raw;
      for (const part of ref.slice(2).split("/")) {
        const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
        node =
          node !== null && typeof node === "object"
            ? (node as Record<string, unknown>)[key]
            : undefined;
      }
      expect(node, ref).toBeDefined();
    }
  });

  it("documents exactly the hand-written list of operations", () => {
    expect([...operations().keys()].sort()).toEqual(Object.keys(KNOWN).sort());
  });

  it("declares every path parameter, required", () => {
    for (const [key, op] of operations()) {
      const names = [...key.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), key).toEqual([...names].sort());
      for (const p of declared) expect(p.required, `${key} ${p.name}`).toBe(true);
    }
  });

  it("every documented operation is answered by a route (never the router's 'no route')", async () => {
    for (const key of operations().keys()) {
      const [method = "", p = ""] = key.split(" ");
      const res = await call(url, method, concrete(p), {
        token: everyone,
        ...(method === "POST" || method === "PUT" ? { body: {} } : {}),
      });
      expect(isNoRoute(res), `${key} → ${res.status} ${res.text.slice(0, 200)}`).toBe(false);
      expect([405, 501]).not.toContain(res.status);
    }
  });

  it("nothing undocumented is answered: other methods on the documented paths are 'no route'", async () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const m of ["get", "post", "put", "patch", "delete"] as const) {
        if (item[m] !== undefined) continue;
        const res = await call(url, m.toUpperCase(), concrete(p), {
          token: everyone,
          ...(m === "get" ? {} : { body: {} }),
        });
        expect(
          isNoRoute(res),
          `${m.toUpperCase()} ${p} → ${res.status} ${res.text.slice(0, 200)}`,
        ).toBe(true);
      }
    }
    for (const p of ["/api", "/api/nope", "/api/runs/a/b/c", "/api/admin", "/api/users"]) {
      expect(isNoRoute(await call(url, "GET", p, { token: everyone })), p).toBe(true);
    }
  });

  it("protected operations carry bearerAuth and their roles, and refuse a call without a token", async () => {
    for (const [key, op] of operations()) {
      const expected = KNOWN[key];
      const [method = "", p = ""] = key.split(" ");
      const res = await call(url, method, concrete(p), {
        ...(method === "POST" || method === "PUT" ? { body: {} } : {}),
      });
      if (expected === "public" || expected === undefined) {
        expect(op.security, key).toBeUndefined();
        expect(op["x-steward-roles"], key).toBeUndefined();
        expect(res.status, key).not.toBe(401);
      } else {
        expect(op.security, key).toEqual([{ bearerAuth: [] }]);
        expect([...(op["x-steward-roles"] ?? [])].sort(), key).toEqual([...expected].sort());
        expect(res.status, key).toBe(401);
        for (const status of ["401", "403"])
          expect(Object.keys(op.responses), key).toContain(status);
      }
    }
  });

  it("every operation documents a 2xx answer with a content schema", () => {
    for (const [key, op] of operations()) {
      const ok = Object.entries(op.responses).filter(([s]) => /^2\d\d$/.test(s));
      expect(ok.length, key).toBeGreaterThan(0);
      for (const [status, response] of ok) {
        const media = Object.entries(response.content ?? {});
        expect(media.length, `${key} ${status}`).toBeGreaterThan(0);
        for (const [type, m] of media) {
          expect(m.schema, `${key} ${status} ${type}`).toBeDefined();
          expect(Object.keys(m.schema ?? {}).length, `${key} ${status} ${type}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it("operations taking a body require JSON, and the strict ones refuse unknown fields", () => {
    for (const [key, op] of operations()) {
      const [method] = key.split(" ");
      if (method !== "POST" && method !== "PUT") {
        expect(op.requestBody, key).toBeUndefined();
        continue;
      }
      expect(op.requestBody?.required, key).toBe(true);
      const schema = op.requestBody?.content["application/json"]?.schema;
      expect(schema, key).toBeDefined();
      if (STRICT_BODIES.includes(key)) expect(schema?.additionalProperties, key).toBe(false);
    }
  });
});

describe("what the server answers is documented", () => {
  /** The documented media types of a status, or undefined when the status is not documented. */
  function documented(key: string, status: number): string[] | undefined {
    const op = operations().get(key);
    const response = op?.responses[String(status)];
    return response === undefined ? undefined : Object.keys(response.content ?? {});
  }

  function expectDocumented(key: string, res: ApiResponse): void {
    const media = documented(key, res.status);
    expect(media, `${key} answered ${res.status}, which is not documented`).toBeDefined();
    const type = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    expect(media, `${key} answered ${res.status} as ${type}`).toContain(type);
  }

  it("for a valid call of every operation, in a workflow order", async () => {
    const pm = await tokenFor("pia", "pm");
    const supervisor = await tokenFor("sven", "supervisor");
    const admin = await tokenFor("ada", "admin");
    const auditor = await tokenFor("aldo", "auditor");
    const asked: Record<string, ApiResponse> = {};
    const ask = async (
      key: string,
      pathname: string,
      token: string | undefined,
      body?: unknown,
    ) => {
      const [method = ""] = key.split(" ");
      const res = await call(url, method, pathname, {
        ...(token === undefined ? {} : { token }),
        ...(body === undefined ? {} : { body }),
      });
      asked[key] = res;
      expectDocumented(key, res);
      return res;
    };

    await ask("GET /api/health", "/api/health", undefined);
    await ask("GET /api/ready", "/api/ready", undefined);
    await ask("GET /api/openapi.json", "/api/openapi.json", undefined);
    await ask("GET /api/docs", "/api/docs", undefined);
    await ask("POST /api/portfolios", "/api/portfolios", pm, { ...BALANCED, id: "doc-book" });
    await ask("PUT /api/portfolios/{id}", "/api/portfolios/doc-book", pm, {
      ...BALANCED,
      id: "doc-book",
      cash: 45000,
    });
    await ask("GET /api/portfolios", "/api/portfolios", pm);
    await ask("GET /api/portfolios/{id}", "/api/portfolios/doc-book", pm);
    await ask("GET /api/portfolios/{id}/versions", "/api/portfolios/doc-book/versions", pm);
    const brief = await ask("POST /api/ai-copilot/insights", "/api/ai-copilot/insights", pm, {
      portfolioId: "doc-book",
    });
    expect(brief.status, brief.text).toBe(201);
    const runId = z.looseObject({ runId: z.string() }).parse(brief.body).runId;
    await ask("GET /api/runs", "/api/runs", pm);
    await ask("GET /api/runs/{id}", `/api/runs/${runId}`, pm);
    await ask("GET /api/approvals", "/api/approvals", supervisor);
    const approve = await ask(
      "POST /api/runs/{id}/approve",
      `/api/runs/${runId}/approve`,
      supervisor,
      {},
    );
    expect(approve.status, approve.text).toBe(200);
    await ask("GET /api/runs/{id}/orders", `/api/runs/${runId}/orders`, pm);
    const csv = await call(url, "GET", `/api/runs/${runId}/orders?format=csv`, { token: pm });
    expectDocumented("GET /api/runs/{id}/orders", csv);
    await ask("POST /api/runs/{id}/reject", `/api/runs/${runId}/reject`, supervisor, {
      reason: "too late",
    });
    await ask("POST /api/rebalance", "/api/rebalance", pm, SEED_REBALANCE_EXAMPLE);
    await ask("GET /api/audit", "/api/audit?limit=3", auditor);
    await ask("GET /api/audit/verify", "/api/audit/verify", auditor);
    await ask("GET /api/audit/checkpoints", "/api/audit/checkpoints", auditor);
    await ask("GET /api/audit/export", "/api/audit/export", auditor);
    await ask("GET /api/multi-agent-blueprint", "/api/multi-agent-blueprint", auditor);
    await ask("GET /api/preview-scenarios", "/api/preview-scenarios", pm);
    await ask("GET /metrics", "/metrics", admin);

    expect(Object.keys(asked).sort()).toEqual(Object.keys(KNOWN).sort());
    for (const [key, res] of Object.entries(asked)) expect(res.status, key).toBeLessThan(500);
  });

  it("the streamed briefing (Accept: text/event-stream) is documented too", async () => {
    const pm = await tokenFor("pia", "pm");
    const res = await fetch(`${url}/api/ai-copilot/insights`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${pm}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({ portfolioId: "doc-book" }),
    });
    const text = await res.text();
    answers.push({ where: "POST /api/ai-copilot/insights (SSE) → " + String(res.status), text });
    expect(text).toContain("event: briefing");
    expectDocumented("POST /api/ai-copilot/insights", {
      status: res.status,
      headers: res.headers,
      body: null,
      text,
    });
  });

  it("refusals are documented: 401, 403, 400 naming a field, 404", async () => {
    const cases: [string, string, string, string | undefined, unknown][] = [
      ["POST /api/portfolios", "POST", "/api/portfolios", undefined, BALANCED],
      [
        "POST /api/portfolios",
        "POST",
        "/api/portfolios",
        await tokenFor("sid", "supervisor"),
        BALANCED,
      ],
      ["POST /api/portfolios", "POST", "/api/portfolios", everyone, { ...BALANCED, extra: 1 }],
      ["GET /api/runs/{id}", "GET", "/api/runs/no-such-run", everyone, undefined],
      ["GET /api/audit", "GET", "/api/audit?limit=0", everyone, undefined],
    ];
    for (const [key, method, p, token, body] of cases) {
      const res = await call(url, method, p, {
        ...(token === undefined ? {} : { token }),
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expectDocumented(key, res);
      if (res.status === 400) {
        const field = ErrorBodySchema.parse(res.body).error.details?.field;
        expect(field, `${key} ${p}`).toBe(p === "/api/portfolios" ? "extra" : "limit");
      }
    }
  });
});

describe("GET /api/docs", () => {
  it("is an HTML page with one row per operation: method, path and who may call it", async () => {
    const res = await call(url, "GET", "/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.text).toMatch(/^<!doctype html>/i);
    expect(res.text).not.toMatch(/<script\b[^>]*\bsrc=/i);
    const rows = res.text
      .split("<tr>")
      .slice(1)
      .filter((r) => r.includes("<td>"));
    expect(rows).toHaveLength(Object.keys(KNOWN).length);
    for (const [key, roles] of Object.entries(KNOWN)) {
      const [method = "", p = ""] = key.split(" ");
      const row = rows.find(
        (r) => r.includes(`<code>${method}</code>`) && r.includes(`<code>${p}</code>`),
      );
      expect(row, `${key} is not on the docs page`).toBeDefined();
      const cells = (row ?? "").split("<td>").map((c) => c.replace(/<\/td>.*$/s, ""));
      const who = roles === "public" ? "public" : roles.join(", ");
      expect(cells, key).toContain(who);
    }
  });
});

describe("no leaks", () => {
  it("no answer of this suite carries a stack frame or a file path", () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) {
      expect(a.text, a.where).not.toMatch(STACK_FRAME);
      expect(a.text, a.where).not.toMatch(FILE_PATH);
    }
  });
});
