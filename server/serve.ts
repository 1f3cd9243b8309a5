import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { openRuntime } from "../graph/index.js";
import { createApp } from "./app.js";
import { openBriefingPool, type BriefingPool } from "./briefing-pool.js";
import { createTokenVerifier, resolveJwtSecret } from "./auth.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

export interface RunningServer {
  readonly port: number;
  /** Stops accepting connections, lets in-flight requests finish, closes the stores, then resolves. */
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly clock?: () => Date;
  /** Resolves the server's own `csv:<dir>` market data; default the process's directory. */
  readonly cwd?: string;
  /** How often overdue approval requests are expired (ms; default 30 s; 0 = never). */
  readonly expirySweepMs?: number;
}

/** Briefing workers for `config.briefingWorkers` ("auto": one per usable core, at most 8). */
export function briefingWorkersOf(config: Config): number {
  return config.briefingWorkers === "auto"
    ? Math.min(8, Math.max(1, availableParallelism()))
    : config.briefingWorkers;
}

/**
 * Starts the API on `config.host:config.port` (port 0 picks a free port) over the stores of
 * `config` (SQLite under `config.dataDir`, or PostgreSQL with DATABASE_URL — several instances may
 * share one database). Resolves once listening. Overdue approval requests are expired on a timer
 * (never approved); with several instances the run store's compare-and-set keeps that single.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  version: string,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const clock = options.clock ?? (() => new Date());
  mkdirSync(config.dataDir, { recursive: true });
  const runtimeOptions = {
    dataDir: config.dataDir,
    checkpointDir: config.checkpointDir,
    cwd: options.cwd ?? process.cwd(),
    stewardVersion: version,
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    ...(config.auditSigningKeyPem === undefined
      ? {}
      : { auditSigningKeyPem: config.auditSigningKeyPem }),
    ...(config.policyDir === undefined ? {} : { policyDir: config.policyDir }),
  };
  const runtime = await openRuntime({ ...runtimeOptions, clock });
  if (runtime.createdSigningKey !== null) {
    logger.warn("generated a development audit signing key", {
      publicKeyPath: runtime.createdSigningKey.publicKeyPath,
    });
  }
  let server: ServerType;
  let sweep: NodeJS.Timeout | undefined;
  let pool: BriefingPool | null = null;
  try {
    // Workers keep the system clock: with an injected clock, briefings stay in this thread.
    const workers = options.clock === undefined ? briefingWorkersOf(config) : 0;
    if (workers > 0)
      pool = await openBriefingPool({ size: workers, runtime: runtimeOptions, logger });
    const secret = resolveJwtSecret(config, { create: true });
    const verifier = createTokenVerifier({
      ...(secret === null ? {} : { secret: secret.secret }),
      ...(config.jwksUrl === undefined ? {} : { jwksUrl: config.jwksUrl }),
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      clock,
    });
    const app = createApp({
      config,
      logger,
      clock,
      version,
      startedAt: clock(),
      runtime,
      verifier,
      ...(pool === null ? {} : { briefings: pool }),
    });
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
        resolve(s),
      );
      s.once("error", reject);
    });
    const every = options.expirySweepMs ?? 30_000;
    if (every > 0) {
      sweep = setInterval(() => {
        runtime.runService.expire().then(
          (ids) => {
            if (ids.length > 0) logger.info("expired approval requests", { runIds: ids });
          },
          (error: unknown) => logger.error("expiry sweep failed", { error: String(error) }),
        );
      }, every);
      sweep.unref();
    }
  } catch (error) {
    await pool?.close();
    await runtime.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  logger.info("listening", {
    port: address.port,
    host: config.host,
    dataDir: config.dataDir,
    stores: runtime.runStore.kind,
    briefingWorkers: pool?.size ?? 0,
  });
  let closing: Promise<void> | null = null;
  return {
    port: address.port,
    close: () => {
      closing ??= (async () => {
        if (sweep !== undefined) clearInterval(sweep);
        await new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          if ("closeIdleConnections" in server) server.closeIdleConnections();
        });
        await pool?.close();
        await runtime.close();
        logger.info("stopped");
      })();
      return closing;
    },
  };
}
