import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { mintToken, type Role } from "../server/auth.js";
import { loadConfig, type Config } from "../server/config.js";
import { createLogger } from "../server/logger.js";
import { startServer, type RunningServer } from "../server/serve.js";

/**
 * A real Steward server on loopback for the HTTP suites: its own data directory (or schema on
 * PostgreSQL), a known development JWT secret, and tokens minted with it.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const TEST_JWT_SECRET = "steward-test-secret-0123456789abcdef-0123456789";
const secret = new TextEncoder().encode(TEST_JWT_SECRET);

export interface TestServer {
  readonly url: string;
  readonly config: Config;
  readonly server: RunningServer;
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: { clock?: () => Date } = {},
): Promise<TestServer> {
  const dataDir = env.STEWARD_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), "steward-http-"));
  const config = loadConfig(
    {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      STEWARD_JWT_SECRET: TEST_JWT_SECRET,
      // Briefings in the server's thread unless a suite asks for workers (each opens a runtime).
      STEWARD_BRIEFING_WORKERS: "0",
      ...env,
      STEWARD_DATA_DIR: dataDir,
    },
    ROOT,
  );
  const server = await startServer(config, createLogger({ level: "silent" }), "0.0.0-test", {
    cwd: ROOT,
    expirySweepMs: 0,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    config,
    server,
    async close() {
      await server.close();
      if (env.STEWARD_DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A token signed with the test secret; without `portfolios` it covers every portfolio. */
export function tokenFor(
  user: string,
  roles: Role | readonly Role[],
  portfolios: "*" | readonly string[] = "*",
  options: { ttlSeconds?: number; clock?: () => Date } = {},
): Promise<string> {
  return mintToken({
    secret,
    user,
    roles: typeof roles === "string" ? [roles] : roles,
    portfolios,
    issuer: "steward",
    audience: "steward-api",
    clock: options.clock ?? (() => new Date()),
    ttlSeconds: options.ttlSeconds ?? 3600,
  });
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

/** One request; the body is parsed when it is JSON. */
export async function call(
  base: string,
  method: string,
  pathname: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers["content-type"] === undefined)
    headers["content-type"] = "application/json";
  const res = await fetch(`${base}${pathname}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let parsed: unknown = null;
  if ((res.headers.get("content-type") ?? "").includes("application/json"))
    parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A bundled example portfolio (examples/portfolios/<name>.json), parsed. */
export function examplePortfolio(name = "balanced"): Record<string, unknown> {
  return JSON.parse(
    readFileSync(path.join(ROOT, "examples", "portfolios", `${name}.json`), "utf8"),
  ) as Record<string, unknown>;
}

/** What a leaked internal looks like in an answer: a stack frame or a file path. */
export const STACK_FRAME = /\bat (?:async )?\S+ \(|\bat \S+:\d+:\d+|\n\s+at /;
export const FILE_PATH = /\/work\/|node_modules|\.ts:/;

/** `call`, remembering every answer's text so a suite can check none leaked internals. */
export function recordingCall(): {
  readonly call: (...args: Parameters<typeof call>) => Promise<ApiResponse>;
  readonly answers: { where: string; text: string }[];
} {
  const answers: { where: string; text: string }[] = [];
  return {
    answers,
    async call(...args) {
      const res = await call(...args);
      answers.push({ where: `${args[1]} ${args[2]} → ${res.status}`, text: res.text });
      return res;
    },
  };
}

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** The `error` of an error answer (fails the test when the body is not the error shape). */
export function errorOf(res: ApiResponse) {
  return ErrorBodySchema.parse(res.body).error;
}
