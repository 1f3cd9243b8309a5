import { loadConfig } from "../../server/config.js";
import { createLogger } from "../../server/logger.js";
import { startServer } from "../../server/serve.js";
import { readVersion } from "../../server/version.js";
import { numberFlag, parseFlags } from "../args.js";
import type { Command } from "../io.js";

/**
 * `steward serve`: runs the HTTP API until SIGTERM/SIGINT, then shuts down gracefully (stops
 * accepting, finishes in-flight requests, closes the stores).
 */
export const serveCommand: Command = async (args, io) => {
  const flags = parseFlags("serve", args, { port: { type: "string" } });
  const port = numberFlag("serve", "port", flags.port, { min: 0, max: 65535 });
  const config = loadConfig(
    port === undefined ? io.env : { ...io.env, PORT: String(port) },
    io.cwd,
  );
  const logger = createLogger({ level: config.logLevel });
  const server = await startServer(config, logger, readVersion(), { cwd: io.cwd });
  io.stderr(
    `steward: API listening on http://${config.host}:${server.port} (data: ${config.dataDir})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info("shutting down", { signal });
      server.close().then(resolve, (error: unknown) => {
        logger.error("error while closing", { error: String(error) });
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
};
