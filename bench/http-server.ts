// Servers for the HTTP load benchmark (bench/http.bench.ts): Steward as a child process (the
// deployment shape: the server has a core to itself, the load generator the other) or in the
// benchmark's own process, and a bare Hono + @hono/node-server route as the framework's ceiling.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, loadConfig, startServer } from "../server/index.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A server on loopback the benchmark can load and stop. */
export interface BenchServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `node <args>` in the repository, waits for its "listening on http://host:port" line on
 * stderr and returns its URL. `close()` sends SIGTERM and waits for the exit (SIGKILL after 15 s).
 */
export async function spawnServer(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<BenchServer> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  let stderr = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: no listening line: ${stderr}`)),
      60_000,
    );
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on http:\/\/[^:\s]+:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`${name} exited with ${code}: ${stderr.slice(-2000)}`);
    },
  };
}

/**
 * `steward serve` in a child Node.js process (TypeScript through tsx's loader, one process).
 * `nodeArgs` go before the script, e.g. `--cpu-prof`.
 */
export function stewardChild(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<BenchServer> {
  return spawnServer("steward serve", [...nodeArgs, "--import", "tsx", "cli/main.ts", "serve"], {
    PORT: "0",
    HOST: "127.0.0.1",
    ...env,
  });
}

/** Steward in the calling process (startServer), sharing its event loop with the load generator. */
export async function stewardInProcess(env: Record<string, string>): Promise<BenchServer> {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", ...env }, ROOT);
  const server = await startServer(config, createLogger({ level: "silent" }), "bench", {
    cwd: ROOT,
    expirySweepMs: 0,
  });
  return { url: `http://127.0.0.1:${server.port}`, close: () => server.close() };
}

/**
 * The ceiling: Hono on @hono/node-server answering GET /api/health with a body of the same shape
 * as Steward's, and nothing else (no middleware, no OpenAPI layer, no logging, no metrics).
 */
const HONO_HEALTH = `
import { serve } from "@hono/node-server";
import { Hono } from "hono";
const started = Date.now();
const app = new Hono();
app.get("/api/health", (c) =>
  c.json({ status: "ok", service: "steward", version: "0.0.0", time: new Date().toISOString(),
    uptimeSeconds: Math.round((Date.now() - started) / 1000) }));
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
  process.stderr.write("listening on http://127.0.0.1:" + info.port + "\\n"));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
`;

export function honoCeilingChild(): Promise<BenchServer> {
  return spawnServer("bare Hono", ["--input-type=module", "-e", HONO_HEALTH], {});
}
