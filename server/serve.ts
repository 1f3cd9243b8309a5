import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

export interface RunningServer {
  readonly port: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/**
 * Starts the API on `config.host:config.port` (port 0 picks a free port) with all state under
 * `config.dataDir`. Resolves once listening.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  version: string,
  clock: () => Date = () => new Date(),
): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true });
  const app = createApp({ config, logger, clock, version, startedAt: clock() });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(s),
    );
  });
  const address = server.address() as AddressInfo;
  logger.info("listening", { port: address.port, host: config.host, dataDir: config.dataDir });
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }),
  };
}
