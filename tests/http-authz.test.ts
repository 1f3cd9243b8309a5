import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  call,
  errorOf,
  examplePortfolio,
  FILE_PATH,
  STACK_FRAME,
  startTestServer,
  TEST_JWT_SECRET,
  tokenFor,
  type ApiResponse,
  type TestServer,
} from "./http-helpers.js";

/**
 * Authentication and authorisation of the HTTP API over real HTTP on loopback: the route × role
 * matrix (written here by hand from the role table of the design, never imported from the server),
 * object-level scope, mass assignment, every kind of bad token, body and rate limits, and that no
 * answer leaks a stack trace or a file path. Every 401 and 403 must leave an `auth.failed` /
 * `authz.denied` record in the audit trail.
 */

type Role = "pm" | "supervisor" | "auditor" | "admin";
const ROLES: readonly Role[] = ["pm", "supervisor", "auditor", "admin"];
const ALL: readonly Role[] = ROLES;

const BALANCED = examplePortfolio();

/** A seed-style stateless rebalance request (two assets, weights below 1). */
const REBALANCE = {
  portfolio_value: 100000,
  drift_threshold: 0.02,
  turnover_limit: 0.2,
  transaction_cost_bps: 10,
  assets: [
    {
      asset: "ETF",
      target_weight: 0.6,
      current_weight: 0.64,
      market_return: 0.0004,
      price: 95,
      historical_returns: [0.01, 0.012, 0.008, 0.011, 0.022, -0.004],
    },
    {
      asset: "BND",
      target_weight: 0.35,
      current_weight: 0.31,
      market_return: 0.0001,
      price: 72,
      historical_returns: [0.001, -0.002, 0.0015, 0.0007, 0.0003, 0.0011],
    },
  ],
};

const RecordSchema = z.looseObject({
  seq: z.number().int(),
  event: z.looseObject({
    eventId: z.string(),
    type: z.string(),
    actor: z.looseObject({ id: z.string(), kind: z.string() }),
    outcome: z.looseObject({ status: z.string(), code: z.string().optional() }).optional(),
    payload: z
      .looseObject({ method: z.string().optional(), path: z.string().optional() })
      .optional(),
  }),
});
type AuditRecordView = z.infer<typeof RecordSchema>;
const PageSchema = z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable() });
const ListSchema = z.object({ items: z.array(z.looseObject({})) });

// ---------------------------------------------------------------------------------------------
// Every request of this file goes through `req`, which remembers the answer: the 401s and 403s
// must be found in the trail, and no body may leak internals.

interface Seen {
  readonly base: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestId: string | null;
  readonly text: string;
}
const seen: Seen[] = [];

async function req(
  base: string,
  method: string,
  pathname: string,
  options: Parameters<typeof call>[3] = {},
): Promise<ApiResponse> {
  const res = await call(base, method, pathname, options);
  seen.push({
    base,
    method,
    path: pathname.split("?")[0] ?? pathname,
    status: res.status,
    requestId: res.headers.get("x-request-id"),
    text: res.text,
  });
  return res;
}

/** Every audit record of a type on a server, following nextCursor to the end. */
async function auditOfType(base: string, token: string, type: string): Promise<AuditRecordView[]> {
  const out: AuditRecordView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const params = new URLSearchParams({ type, limit: "500" });
    if (cursor !== null) params.set("cursor", cursor);
    const res = await call(base, "GET", `/api/audit?${params.toString()}`, { token });
    expect(res.status, res.text).toBe(200);
    const body = PageSchema.parse(res.body);
    out.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return out;
  }
  throw new Error("the audit trail did not end within 1000 pages");
}

async function refusalCounts(base: string, token: string) {
  return {
    authFailed: (await auditOfType(base, token, "auth.failed")).length,
    authzDenied: (await auditOfType(base, token, "authz.denied")).length,
  };
}

/**
 * Every 401 (403) this file received from `base` has an auth.failed (authz.denied) record naming
 * its request id, method and path.
 */
async function expectRefusalsAudited(base: string, auditorToken: string): Promise<number> {
  const failed = await auditOfType(base, auditorToken, "auth.failed");
  const denied = await auditOfType(base, auditorToken, "authz.denied");
  const refusals = seen.filter((s) => s.base === base && (s.status === 401 || s.status === 403));
  for (const r of refusals) {
    expect(r.requestId, `${r.method} ${r.path} has no x-request-id`).toMatch(/.+/);
    const pool = r.status === 401 ? failed : denied;
    const match = pool.filter((e) => e.event.eventId.includes(String(r.requestId)));
    expect(
      match,
      `${r.status} ${r.method} ${r.path} (${r.requestId}) is not in the trail`,
    ).toHaveLength(1);
    expect(match[0]?.event.outcome?.status).toBe("denied");
    expect(match[0]?.event.payload?.method).toBe(r.method);
    expect(match[0]?.event.payload?.path).toBe(r.path);
  }
  return refusals.length;
}

// ---------------------------------------------------------------------------------------------

let srv: TestServer;
let url: string;
/** One token per role (full scope), and the auditor that reads the trail for the checks. */
const roleToken = new Map<Role, string>();
let audrey = "";
let admin = "";

function tokenOf(role: Role): string {
  const t = roleToken.get(role);
  if (t === undefined) throw new Error(`no token for ${role}`);
  return t;
}

beforeAll(async () => {
  srv = await startTestServer();
  url = srv.url;
  for (const role of ROLES) roleToken.set(role, await tokenFor(`matrix-${role}`, role));
  audrey = await tokenFor("audrey", "auditor");
  admin = await tokenFor("adam", "admin");
});
afterAll(async () => {
  await srv.close();
});

// ---------------------------------------------------------------------------------------------
// (a) The route × role matrix.

interface RouteSpec {
  readonly method: "GET" | "POST" | "PUT";
  /** As the OpenAPI document writes it. */
  readonly path: string;
  /** Roles allowed, or "public" (no token needed). */
  readonly roles: readonly Role[] | "public";
  /** The request an allowed caller makes (a valid one, failing at most on a missing object). */
  readonly request: (role: Role | "anonymous") => {
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  };
  /** What an allowed caller gets for that request. */
  readonly okStatus: number;
}

const NO_RUN = "no-such-run";
const NO_PORTFOLIO = "no-such-portfolio";

const MATRIX: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/api/health",
    roles: "public",
    request: () => ({ path: "/api/health" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/ready",
    roles: "public",
    request: () => ({ path: "/api/ready" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/openapi.json",
    roles: "public",
    request: () => ({ path: "/api/openapi.json" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/docs",
    roles: "public",
    request: () => ({ path: "/api/docs" }),
    okStatus: 200,
  },
  {
    method: "POST",
    path: "/api/ai-copilot/insights",
    roles: ["pm"],
    request: () => ({ path: "/api/ai-copilot/insights", body: { portfolioId: NO_PORTFOLIO } }),
    okStatus: 404,
  },
  {
    method: "POST",
    path: "/api/rebalance",
    roles: ["pm", "supervisor"],
    request: () => ({ path: "/api/rebalance", body: REBALANCE }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/runs",
    roles: ALL,
    request: () => ({ path: "/api/runs" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/runs/{id}",
    roles: ALL,
    request: () => ({ path: `/api/runs/${NO_RUN}` }),
    okStatus: 404,
  },
  {
    method: "GET",
    path: "/api/runs/{id}/orders",
    roles: ALL,
    request: () => ({ path: `/api/runs/${NO_RUN}/orders` }),
    okStatus: 404,
  },
  {
    method: "GET",
    path: "/api/approvals",
    roles: ["supervisor", "auditor", "admin"],
    request: () => ({ path: "/api/approvals" }),
    okStatus: 200,
  },
  {
    method: "POST",
    path: "/api/runs/{id}/approve",
    roles: ["supervisor"],
    request: () => ({ path: `/api/runs/${NO_RUN}/approve`, body: {} }),
    okStatus: 404,
  },
  {
    method: "POST",
    path: "/api/runs/{id}/reject",
    roles: ["supervisor"],
    request: () => ({ path: `/api/runs/${NO_RUN}/reject`, body: { reason: "not today" } }),
    okStatus: 404,
  },
  {
    method: "GET",
    path: "/api/audit",
    roles: ["auditor", "admin"],
    request: () => ({ path: "/api/audit?limit=1" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/audit/verify",
    roles: ["auditor", "admin"],
    request: () => ({ path: "/api/audit/verify" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/audit/checkpoints",
    roles: ["auditor", "admin"],
    request: () => ({ path: "/api/audit/checkpoints" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/audit/export",
    roles: ["auditor", "admin"],
    request: () => ({ path: "/api/audit/export" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/multi-agent-blueprint",
    roles: ALL,
    request: () => ({ path: "/api/multi-agent-blueprint" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/preview-scenarios",
    roles: ALL,
    request: () => ({ path: "/api/preview-scenarios" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/portfolios",
    roles: ALL,
    request: () => ({ path: "/api/portfolios" }),
    okStatus: 200,
  },
  {
    method: "GET",
    path: "/api/portfolios/{id}",
    roles: ALL,
    request: () => ({ path: `/api/portfolios/${NO_PORTFOLIO}` }),
    okStatus: 404,
  },
  {
    method: "GET",
    path: "/api/portfolios/{id}/versions",
    roles: ALL,
    request: () => ({ path: `/api/portfolios/${NO_PORTFOLIO}/versions` }),
    okStatus: 404,
  },
  {
    method: "POST",
    path: "/api/portfolios",
    roles: ["pm", "admin"],
    // Each caller its own id: an allowed one creates it, a refused one must not.
    request: (role) => ({ path: "/api/portfolios", body: { ...BALANCED, id: `matrix-${role}` } }),
    okStatus: 201,
  },
  {
    method: "PUT",
    path: "/api/portfolios/{id}",
    roles: ["pm", "admin"],
    request: () => ({
      path: `/api/portfolios/${NO_PORTFOLIO}`,
      body: { ...BALANCED, id: NO_PORTFOLIO },
      headers: { "if-match": '"1"' },
    }),
    okStatus: 404,
  },
  {
    method: "GET",
    path: "/metrics",
    roles: ["admin"],
    request: () => ({ path: "/metrics" }),
    okStatus: 200,
  },
];

const opKey = (method: string, p: string) => `${method.toUpperCase()} ${p}`;

describe("(a) route × role matrix", () => {
  it("covers exactly the operations of /api/openapi.json", async () => {
    const res = await req(url, "GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = z
      .object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) })
      .parse(res.body);
    const documented = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "post", "put", "patch", "delete", "head", "options"].includes(m))
        .map((m) => opKey(m, p)),
    );
    const mine = MATRIX.map((r) => opKey(r.method, r.path));
    expect(new Set(mine).size).toBe(mine.length);
    expect([...documented].sort()).toEqual([...mine].sort());
  });

  for (const route of MATRIX) {
    const name = opKey(route.method, route.path);
    it(`${name}: ${route.roles === "public" ? "public" : route.roles.join(", ")}`, async () => {
      const anon = route.request("anonymous");
      const none = await req(url, route.method, anon.path, {
        ...(anon.body === undefined ? {} : { body: anon.body }),
        ...(anon.headers === undefined ? {} : { headers: anon.headers }),
      });
      if (route.roles === "public") {
        expect(none.status, none.text).toBe(route.okStatus);
      } else {
        expect(none.status, none.text).toBe(401);
        expect(errorOf(none).code).toBe("UNAUTHENTICATED");
        expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
      }
      for (const role of ROLES) {
        const r = route.request(role);
        const res = await req(url, route.method, r.path, {
          token: tokenOf(role),
          ...(r.body === undefined ? {} : { body: r.body }),
          ...(r.headers === undefined ? {} : { headers: r.headers }),
        });
        const allowed = route.roles === "public" || route.roles.includes(role);
        const label = `${name} as ${role}: ${res.text.slice(0, 300)}`;
        if (allowed) {
          expect(res.status, label).not.toBe(401);
          expect(res.status, label).not.toBe(403);
          expect(res.status, label).toBe(route.okStatus);
          if (res.status === 404) {
            // The route's own "no such object", not the router's "no route".
            expect(errorOf(res).code).toBe("NOT_FOUND");
            expect(errorOf(res).message).not.toMatch(/^no route for/);
          }
        } else {
          expect(res.status, label).toBe(403);
          expect(errorOf(res).code).toBe("FORBIDDEN");
        }
      }
    });
  }

  it("a refused portfolio creation created nothing; the allowed ones did", async () => {
    for (const role of ROLES) {
      const res = await req(url, "GET", `/api/portfolios/matrix-${role}`, { token: admin });
      expect(res.status, role).toBe(role === "pm" || role === "admin" ? 200 : 404);
    }
  });

  it("public routes ignore the Authorization header, even a bad one", async () => {
    for (const p of ["/api/health", "/api/ready", "/api/openapi.json", "/api/docs"]) {
      const res = await req(url, "GET", p, { headers: { authorization: "Bearer not.a.token" } });
      expect(res.status, p).toBe(200);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (b) object scope and (c) mass assignment, over two desks' portfolios and runs.

describe("with an alpha and a beta portfolio, each with a run awaiting approval", () => {
  let alphaRun = "";
  let betaRun = "";
  let pmAlpha = "";
  let supAlpha = "";
  let pat = "";
  let sam = "";

  beforeAll(async () => {
    for (const id of ["alpha", "beta"]) {
      const created = await req(url, "POST", "/api/portfolios", {
        token: admin,
        body: { ...BALANCED, id, desk: id },
      });
      expect(created.status, created.text).toBe(201);
    }
    pat = await tokenFor("pat", "pm");
    sam = await tokenFor("sam", "supervisor");
    pmAlpha = await tokenFor("alice", "pm", ["alpha"]);
    supAlpha = await tokenFor("sue", "supervisor", ["alpha"]);
    const runs: string[] = [];
    for (const portfolioId of ["alpha", "beta"]) {
      const res = await req(url, "POST", "/api/ai-copilot/insights", {
        token: pat,
        body: { portfolioId },
      });
      expect(res.status, res.text).toBe(201);
      const b = z.looseObject({ runId: z.string(), status: z.string() }).parse(res.body);
      expect(b.status).toBe("awaiting_approval");
      runs.push(b.runId);
    }
    [alphaRun = "", betaRun = ""] = runs;
  });

  async function statusOf(runId: string): Promise<string> {
    const res = await req(url, "GET", `/api/runs/${runId}`, { token: admin });
    expect(res.status).toBe(200);
    return z.looseObject({ status: z.string() }).parse(res.body).status;
  }

  describe("(b) object scope", () => {
    it("a PM scoped to alpha sees alpha's run and portfolio", async () => {
      expect((await req(url, "GET", `/api/runs/${alphaRun}`, { token: pmAlpha })).status).toBe(200);
      expect((await req(url, "GET", "/api/portfolios/alpha", { token: pmAlpha })).status).toBe(200);
    });

    it("… and gets 404 for beta's run and portfolio, exactly as for ones that do not exist", async () => {
      const run = await req(url, "GET", `/api/runs/${betaRun}`, { token: pmAlpha });
      const ghost = await req(url, "GET", "/api/runs/no-such-run", { token: pmAlpha });
      expect(run.status).toBe(404);
      expect(errorOf(run).code).toBe(errorOf(ghost).code);
      expect(run.text).not.toContain('"beta"');
      expect(run.text.replace(betaRun, "ID")).toBe(ghost.text.replace("no-such-run", "ID"));

      const orders = await req(url, "GET", `/api/runs/${betaRun}/orders`, { token: pmAlpha });
      expect(orders.status).toBe(404);

      const portfolio = await req(url, "GET", "/api/portfolios/beta", { token: pmAlpha });
      const none = await req(url, "GET", "/api/portfolios/no-such-portfolio", { token: pmAlpha });
      expect(portfolio.status).toBe(404);
      expect(portfolio.text.replace("beta", "ID")).toBe(
        none.text.replace("no-such-portfolio", "ID"),
      );
      for (const p of ["/api/portfolios/beta?version=1", "/api/portfolios/beta/versions"]) {
        expect((await req(url, "GET", p, { token: pmAlpha })).status, p).toBe(404);
      }
    });

    it("… and beta's run and portfolio are not in the lists", async () => {
      const runs = await req(url, "GET", "/api/runs?status=all", { token: pmAlpha });
      expect(runs.status).toBe(200);
      const runIds = ListSchema.parse(runs.body).items.map((r) => r.runId);
      expect(runIds).toContain(alphaRun);
      expect(runIds).not.toContain(betaRun);
      const byPortfolio = await req(url, "GET", "/api/runs?portfolioId=beta", { token: pmAlpha });
      expect(ListSchema.parse(byPortfolio.body).items).toEqual([]);

      const portfolios = await req(url, "GET", "/api/portfolios", { token: pmAlpha });
      const ids = ListSchema.parse(portfolios.body).items.map((p) => p.portfolioId);
      expect(ids).toEqual(["alpha"]);

      const full = await req(url, "GET", "/api/portfolios", { token: pat });
      expect(ListSchema.parse(full.body).items.map((p) => p.portfolioId)).toContain("beta");
    });

    it("… cannot brief or update beta (404) and cannot create a portfolio outside alpha (403)", async () => {
      const byId = await req(url, "POST", "/api/ai-copilot/insights", {
        token: pmAlpha,
        body: { portfolioId: "beta" },
      });
      expect(byId.status).toBe(404);
      const inline = await req(url, "POST", "/api/ai-copilot/insights", {
        token: pmAlpha,
        body: { portfolio: { ...BALANCED, id: "beta" } },
      });
      expect(inline.status).toBe(403);
      const put = await req(url, "PUT", "/api/portfolios/beta", {
        token: pmAlpha,
        body: { ...BALANCED, id: "beta", cash: 1 },
      });
      expect(put.status).toBe(404);
      const create = await req(url, "POST", "/api/portfolios", {
        token: pmAlpha,
        body: { ...BALANCED, id: "gamma" },
      });
      expect(create.status).toBe(403);
      expect(errorOf(create).code).toBe("FORBIDDEN");
      expect((await req(url, "GET", "/api/portfolios/gamma", { token: admin })).status).toBe(404);
      const beta = await req(url, "GET", "/api/portfolios/beta/versions", { token: admin });
      expect(ListSchema.parse(beta.body).items).toHaveLength(1);
    });

    it("a supervisor scoped to alpha gets 404 approving beta's run, and it stays pending", async () => {
      const res = await req(url, "POST", `/api/runs/${betaRun}/approve`, {
        token: supAlpha,
        body: {},
      });
      expect(res.status).toBe(404);
      expect(errorOf(res).code).toBe("NOT_FOUND");
      const reject = await req(url, "POST", `/api/runs/${betaRun}/reject`, {
        token: supAlpha,
        body: { reason: "out of my desk" },
      });
      expect(reject.status).toBe(404);
      expect(await statusOf(betaRun)).toBe("awaiting_approval");

      const inbox = await req(url, "GET", "/api/approvals", { token: supAlpha });
      const pending = ListSchema.parse(inbox.body).items.map((i) => i.runId);
      expect(pending).toContain(alphaRun);
      expect(pending).not.toContain(betaRun);
    });

    it("an auditor scoped to alpha cannot read beta's trail", async () => {
      const audAlpha = await tokenFor("ada", "auditor", ["alpha"]);
      const res = await req(url, "GET", `/api/audit?runId=${betaRun}`, { token: audAlpha });
      expect(res.status).toBe(404);
      const mine = await req(url, "GET", `/api/audit?runId=${alphaRun}`, { token: audAlpha });
      expect(mine.status).toBe(200);
    });
  });

  describe("(c) mass assignment", () => {
    async function snapshot() {
      const runs = await call(url, "GET", "/api/runs?status=all", { token: admin });
      const portfolios = await call(url, "GET", "/api/portfolios?limit=500", { token: admin });
      const verify = await call(url, "GET", "/api/audit/verify", { token: admin });
      return {
        runs: ListSchema.parse(runs.body).items.length,
        portfolios: ListSchema.parse(portfolios.body).items.length,
        auditSize: z.looseObject({ size: z.number() }).parse(verify.body).size,
        alpha: await statusOf(alphaRun),
      };
    }

    const cases: readonly {
      name: string;
      method: string;
      path: () => string;
      token: () => string;
      body: () => unknown;
      field: string;
    }[] = [
      ...["version", "createdBy", "status"].map((field) => ({
        name: `portfolio with ${field}`,
        method: "POST",
        path: () => "/api/portfolios",
        token: () => pat,
        body: () => ({ ...BALANCED, id: "mass", [field]: field === "version" ? 7 : "x" }),
        field,
      })),
      {
        name: "portfolio update with createdBy",
        method: "PUT",
        path: () => "/api/portfolios/alpha",
        token: () => pat,
        body: () => ({ ...BALANCED, id: "alpha", createdBy: "someone-else" }),
        field: "createdBy",
      },
      ...["status", "approvedBy", "requestedBy"].map((field) => ({
        name: `briefing with ${field}`,
        method: "POST",
        path: () => "/api/ai-copilot/insights",
        token: () => pat,
        body: () => ({ portfolioId: "alpha", [field]: field === "status" ? "released" : "sam" }),
        field,
      })),
      ...["approvedBy", "actor", "status"].map((field) => ({
        name: `approval with ${field}`,
        method: "POST",
        path: () => `/api/runs/${alphaRun}/approve`,
        token: () => sam,
        body: () => ({ [field]: field === "status" ? "released" : "pat" }),
        field,
      })),
      {
        name: "rejection with actor",
        method: "POST",
        path: () => `/api/runs/${alphaRun}/reject`,
        token: () => sam,
        body: () => ({ reason: "no", actor: "pat" }),
        field: "actor",
      },
      {
        name: "rebalance with an unknown top-level field",
        method: "POST",
        path: () => "/api/rebalance",
        token: () => pat,
        body: () => ({ ...REBALANCE, approved: true }),
        field: "approved",
      },
      {
        name: "rebalance with an unknown field in assets[0]",
        method: "POST",
        path: () => "/api/rebalance",
        token: () => pat,
        body: () => ({
          ...REBALANCE,
          assets: [{ ...REBALANCE.assets[0], owner: "pat" }, REBALANCE.assets[1]],
        }),
        field: "assets[0].owner",
      },
    ];

    it("every extra field is a 400 naming it, and nothing changes", async () => {
      const before = await snapshot();
      expect(before.alpha).toBe("awaiting_approval");
      for (const c of cases) {
        const res = await req(url, c.method, c.path(), { token: c.token(), body: c.body() });
        expect(res.status, `${c.name}: ${res.text}`).toBe(400);
        const error = errorOf(res);
        expect(error.code).toBe("INVALID_INPUT");
        expect(error.details?.field, c.name).toBe(c.field);
      }
      expect(await snapshot()).toEqual(before);
      expect((await req(url, "GET", "/api/portfolios/mass", { token: admin })).status).toBe(404);
      const alpha = await req(url, "GET", "/api/portfolios/alpha", { token: admin });
      expect(z.looseObject({ version: z.number() }).parse(alpha.body).version).toBe(1);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// (d) Tokens.

const secretBytes = new TextEncoder().encode(TEST_JWT_SECRET);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: "tess",
    roles: ["auditor"],
    portfolios: "*",
    iss: "steward",
    aud: "steward-api",
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
}

async function signed(
  payload: Record<string, unknown>,
  options: { secret?: Uint8Array; alg?: string } = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .sign(options.secret ?? secretBytes);
}

describe("(d) tokens", () => {
  it("a well-formed token with the same claims is accepted (the control)", async () => {
    const res = await req(url, "GET", "/api/audit?limit=1", { token: await signed(claims()) });
    expect(res.status, res.text).toBe(200);
  });

  it("every bad token is a 401 with its reason, each recorded as auth.failed", async () => {
    const hour = 3600;
    const now = Math.floor(Date.now() / 1000);
    const unsignedHeader = b64url({ alg: "none", typ: "JWT" });
    const cases: readonly { name: string; authorization?: string; reason: string }[] = [
      { name: "no token", reason: "MISSING" },
      { name: "Bearer alone", authorization: "Bearer", reason: "MALFORMED" },
      { name: "Bearer and a blank", authorization: "Bearer ", reason: "MALFORMED" },
      { name: "Basic scheme", authorization: "Basic x", reason: "MALFORMED" },
      { name: "two parts", authorization: "Bearer a.b", reason: "MALFORMED" },
      { name: "garbage", authorization: "garbage", reason: "MALFORMED" },
      { name: "three garbage parts", authorization: "Bearer aaa.bbb.ccc", reason: "MALFORMED" },
      {
        name: "expired",
        authorization: `Bearer ${await tokenFor("tess", "auditor", "*", {
          ttlSeconds: 60,
          clock: () => new Date(Date.now() - 2 * hour * 1000),
        })}`,
        reason: "EXPIRED",
      },
      {
        name: "alg none, no signature",
        authorization: `Bearer ${unsignedHeader}.${b64url(claims())}.`,
        reason: "MALFORMED",
      },
      {
        name: "alg none, a made-up signature",
        authorization: `Bearer ${unsignedHeader}.${b64url(claims())}.c2lnbmF0dXJl`,
        reason: "BAD_ALGORITHM",
      },
      {
        name: "HS512 with the right secret",
        authorization: `Bearer ${await signed(claims(), { alg: "HS512" })}`,
        reason: "BAD_ALGORITHM",
      },
      {
        name: "signed with another key",
        authorization: `Bearer ${await signed(claims(), {
          secret: new TextEncoder().encode("another-secret-of-more-than-thirty-two-bytes"),
        })}`,
        reason: "BAD_SIGNATURE",
      },
      {
        name: "wrong issuer",
        authorization: `Bearer ${await signed(claims({ iss: "someone-else" }))}`,
        reason: "BAD_ISSUER",
      },
      {
        name: "wrong audience",
        authorization: `Bearer ${await signed(claims({ aud: "another-api" }))}`,
        reason: "BAD_AUDIENCE",
      },
      {
        name: "unknown role",
        authorization: `Bearer ${await signed(claims({ roles: ["trader"] }))}`,
        reason: "BAD_CLAIMS",
      },
      {
        name: "no role",
        authorization: `Bearer ${await signed(claims({ roles: [] }))}`,
        reason: "BAD_CLAIMS",
      },
      {
        name: "no expiry",
        authorization: `Bearer ${await signed({ ...claims(), exp: undefined })}`,
        reason: "BAD_CLAIMS",
      },
      {
        name: "not valid yet",
        authorization: `Bearer ${await signed(claims({ nbf: now + hour }))}`,
        reason: "NOT_YET_VALID",
      },
    ];
    const before = await refusalCounts(url, audrey);
    const ids: { requestId: string; reason: string; name: string }[] = [];
    for (const c of cases) {
      const res = await req(url, "GET", "/api/audit?limit=1", {
        ...(c.authorization === undefined ? {} : { headers: { authorization: c.authorization } }),
      });
      expect(res.status, `${c.name}: ${res.text}`).toBe(401);
      const error = errorOf(res);
      expect(error.code).toBe("UNAUTHENTICATED");
      expect(error.details?.reason, c.name).toBe(c.reason);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      ids.push({
        requestId: res.headers.get("x-request-id") ?? "",
        reason: c.reason,
        name: c.name,
      });
    }
    const after = await refusalCounts(url, audrey);
    expect(after.authFailed - before.authFailed).toBe(cases.length);
    expect(after.authzDenied).toBe(before.authzDenied);
    const failed = await auditOfType(url, audrey, "auth.failed");
    for (const { requestId, reason, name } of ids) {
      const event = failed.find((e) => e.event.eventId.includes(requestId));
      expect(event, name).toBeDefined();
      expect(event?.event.outcome?.code, name).toBe(reason);
      expect(event?.event.actor.id, name).toBe("anonymous");
    }
  });

  it("a 403 by role is recorded as authz.denied with the caller", async () => {
    const before = await refusalCounts(url, audrey);
    const res = await req(url, "POST", "/api/runs/no-such-run/approve", {
      token: tokenOf("auditor"),
      body: {},
    });
    expect(res.status).toBe(403);
    const after = await refusalCounts(url, audrey);
    expect(after.authzDenied - before.authzDenied).toBe(1);
    expect(after.authFailed).toBe(before.authFailed);
    const denied = await auditOfType(url, audrey, "authz.denied");
    const event = denied.find((e) =>
      e.event.eventId.includes(res.headers.get("x-request-id") ?? "?"),
    );
    expect(event?.event.actor.id).toBe("matrix-auditor");
    expect(event?.event.outcome?.code).toBe("ROLE_NOT_PERMITTED");
  });
});

// ---------------------------------------------------------------------------------------------
// (e) Body and rate limits, on a server of their own.

describe("(e) limits: a 4096-byte body limit and 5 requests per minute per user", () => {
  let lim: TestServer;
  let base = "";

  beforeAll(async () => {
    lim = await startTestServer({
      STEWARD_BODY_LIMIT_BYTES: "4096",
      STEWARD_RATE_LIMIT_PER_MINUTE: "5",
    });
    base = lim.url;
  });
  afterAll(async () => {
    await lim.close();
  });

  it("a body over the limit is 413; one at the limit is read (and judged on its content)", async () => {
    const pm = await tokenFor("big", "pm");
    const pad = (size: number) => {
      const shell = JSON.stringify({ pad: "" });
      return JSON.stringify({ pad: "x".repeat(size - shell.length) });
    };
    const atLimit = pad(4096);
    expect(Buffer.byteLength(atLimit)).toBe(4096);
    const ok = await req(base, "POST", "/api/portfolios", { token: pm, rawBody: atLimit });
    expect(ok.status, ok.text).toBe(400);
    expect(errorOf(ok).code).toBe("INVALID_INPUT");

    const over = await req(base, "POST", "/api/portfolios", { token: pm, rawBody: pad(4097) });
    expect(over.status).toBe(413);
    expect(errorOf(over).code).toBe("PAYLOAD_TOO_LARGE");

    const small = await req(base, "POST", "/api/portfolios", { token: pm, body: BALANCED });
    expect(small.status, small.text).toBe(201);
  });

  it("a streamed body (no Content-Length) over the limit is 413 too", async () => {
    const pm = await tokenFor("streamer", "pm");
    const bytes = new TextEncoder().encode(
      JSON.stringify({ ...BALANCED, id: "streamed", name: "y".repeat(6000) }),
    );
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    const res = await fetch(`${base}/api/portfolios`, {
      method: "POST",
      headers: { authorization: `Bearer ${pm}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    const text = await res.text();
    seen.push({
      base,
      method: "POST",
      path: "/api/portfolios",
      status: res.status,
      requestId: res.headers.get("x-request-id"),
      text,
    });
    expect(res.status, text).toBe(413);
    const admin2 = await tokenFor("lim-admin", "admin");
    expect((await req(base, "GET", "/api/portfolios/streamed", { token: admin2 })).status).toBe(
      404,
    );
  });

  it("a body that is not JSON is 415 on every route that takes one", async () => {
    const targets: readonly { method: string; path: string; roles: Role[] }[] = [
      { method: "POST", path: "/api/portfolios", roles: ["pm"] },
      { method: "PUT", path: "/api/portfolios/balanced", roles: ["pm"] },
      { method: "POST", path: "/api/ai-copilot/insights", roles: ["pm"] },
      { method: "POST", path: "/api/rebalance", roles: ["pm"] },
      { method: "POST", path: "/api/runs/some-run/approve", roles: ["supervisor"] },
      { method: "POST", path: "/api/runs/some-run/reject", roles: ["supervisor"] },
    ];
    let n = 0;
    for (const t of targets) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
        const token = await tokenFor(`plain-${n++}`, t.roles);
        const res = await req(base, t.method, t.path, {
          token,
          rawBody: JSON.stringify({ ...BALANCED, id: "plain" }),
          headers: { "content-type": type },
        });
        expect(res.status, `${t.method} ${t.path} ${type}: ${res.text}`).toBe(415);
        expect(errorOf(res).code).toBe("UNSUPPORTED_MEDIA_TYPE");
      }
    }
    const admin2 = await tokenFor("lim-admin-2", "admin");
    expect((await req(base, "GET", "/api/portfolios/plain", { token: admin2 })).status).toBe(404);
  });

  it("the sixth request of a user within the minute is 429 with Retry-After; others are unaffected", async () => {
    const busy = await tokenFor("busy", "pm");
    for (let i = 0; i < 5; i++) {
      const res = await req(base, "GET", "/api/runs", { token: busy });
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    const limited = await req(base, "GET", "/api/runs", { token: busy });
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe("RATE_LIMITED");
    const retryAfter = limited.headers.get("retry-after");
    expect(retryAfter).toMatch(/^\d+$/);
    // 5 per minute: one request's worth comes back within 12 s.
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(12);
    expect(errorOf(limited).details?.retryAfterSeconds).toBe(Number(retryAfter));

    // The budget is the user's, whatever the token or route.
    const busyAgain = await tokenFor("busy", "supervisor");
    expect((await req(base, "GET", "/api/approvals", { token: busyAgain })).status).toBe(429);

    const calm = await tokenFor("calm", "pm");
    expect((await req(base, "GET", "/api/runs", { token: calm })).status).toBe(200);
    expect((await req(base, "GET", "/api/health")).status).toBe(200);
  });

  it("every 401/403 on this server is in its trail", async () => {
    const anon = await req(base, "GET", "/api/runs");
    expect(anon.status).toBe(401);
    const n = await expectRefusalsAudited(base, await tokenFor("lim-auditor", "auditor"));
    expect(n).toBeGreaterThanOrEqual(1);
  });

  it("an address that keeps failing authentication gets 429s, which do not grow the trail", async () => {
    const failedEvents = async (who: string) => {
      const res = await req(base, "GET", "/api/audit?type=auth.failed&limit=500", {
        token: await tokenFor(who, "auditor"),
      });
      expect(res.status, res.text).toBe(200);
      return (res.body as { items: unknown[] }).items.length;
    };
    const before = await failedEvents("lim-auditor-before");
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await req(base, "GET", "/api/runs")).status);
    const unauthenticated = statuses.filter((s) => s === 401).length;
    // 5 failures a minute per address: at most 5 more 401s (fewer if earlier tests used some).
    expect(unauthenticated).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBe(10 - unauthenticated);
    expect(statuses.at(-1)).toBe(429);
    expect(await failedEvents("lim-auditor-after")).toBe(before + unauthenticated);
    // A valid token from the same address still works.
    const ok = await req(base, "GET", "/api/runs", { token: await tokenFor("lim-valid", "pm") });
    expect(ok.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// Last: the trail holds every refusal; (f) nothing leaked.

describe("after everything", () => {
  it("every 401 and 403 of the main server is in the audit trail, with its request", async () => {
    const n = await expectRefusalsAudited(url, audrey);
    // The matrix alone refuses: 20 protected routes without a token, plus the roles not allowed.
    expect(n).toBeGreaterThan(40);
  });

  it("(f) no answer carries a stack frame or a file path", () => {
    expect(seen.length).toBeGreaterThan(100);
    for (const s of seen) {
      const where = `${s.method} ${s.path} → ${s.status}`;
      expect(s.text, where).not.toMatch(STACK_FRAME);
      expect(s.text, where).not.toMatch(FILE_PATH);
    }
  });
});
