import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRuntime, type Runtime } from "../graph/index.js";
import { invalidInput } from "../tools/errors.js";
import { createApp } from "./app.js";
import { createTokenVerifier } from "./auth.js";
import { loadConfig } from "./config.js";
import { ApiError } from "./errors.js";
import { createLogger } from "./logger.js";

const fixed = new Date("2026-01-02T03:04:05.000Z");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "steward-app-"));
let runtime: Runtime;

beforeAll(async () => {
  runtime = await openRuntime({
    dataDir,
    cwd: dataDir,
    clock: () => fixed,
    stewardVersion: "9.9.9",
  });
});
afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function build() {
  const app = createApp({
    config: loadConfig({ STEWARD_DATA_DIR: dataDir }, "/tmp"),
    logger: createLogger({ level: "silent" }),
    clock: () => fixed,
    version: "9.9.9",
    startedAt: new Date("2026-01-02T03:00:05.000Z"),
    runtime,
    verifier: createTokenVerifier({
      secret: new TextEncoder().encode("x".repeat(40)),
      issuer: "steward",
      audience: "steward-api",
      clock: () => fixed,
    }),
  });
  app.get("/boom/api", () => {
    throw new ApiError("CONFLICT", "already released", { runId: "r1" });
  });
  app.get("/boom/tool", () => {
    throw invalidInput("weights.AAPL", "must be finite");
  });
  app.get("/boom/bug", () => {
    throw new Error("secret internal path /srv/app/x.ts");
  });
  return app;
}

describe("createApp", () => {
  it("answers the health check with the injected clock and version", async () => {
    const res = await build().request("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      service: "steward",
      version: "9.9.9",
      time: "2026-01-02T03:04:05.000Z",
      uptimeSeconds: 240,
    });
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
  });

  it("answers an unknown route with a JSON 404", async () => {
    const res = await build().request("/api/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "no route for GET /api/nope" },
    });
  });

  it("maps an ApiError to its status and body", async () => {
    const res = await build().request("/boom/api");
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: { code: "CONFLICT", message: "already released", details: { runId: "r1" } },
    });
  });

  it("maps a tool input error to 400 naming the field", async () => {
    const res = await build().request("/boom/tool");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { field: string } } };
    expect(body.error.code).toBe("INVALID_INPUT");
    expect(body.error.details.field).toBe("weights.AAPL");
  });

  it("hides the internals of an unexpected error", async () => {
    const res = await build().request("/boom/bug");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret|\/srv|x\.ts|at /);
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
  });
});
