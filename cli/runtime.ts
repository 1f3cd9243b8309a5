import { openRuntime, type Runtime } from "../graph/index.js";
import { loadConfig, type Config } from "../server/config.js";
import { readVersion } from "../server/version.js";
import type { CliIo } from "./io.js";

/** What the run commands (brief, approve, reject, runs, blueprint) are given: the clock. */
export interface RunCommandDeps {
  readonly clock: () => Date;
}

/** The real clock: what the registered commands use. */
export const REAL_CLOCK: RunCommandDeps = { clock: () => new Date() };

/**
 * Loads the configuration and opens the stores and the run service (graph/runtime.ts), printing
 * on stderr — once, when it was just generated — the public key of a development signing key.
 */
export async function openCliRuntime(
  command: string,
  io: CliIo,
  deps: RunCommandDeps,
  config: Config = loadConfig(io.env, io.cwd),
): Promise<{ readonly runtime: Runtime; readonly config: Config }> {
  const runtime = await openRuntime({
    dataDir: config.dataDir,
    checkpointDir: config.checkpointDir,
    cwd: io.cwd,
    clock: deps.clock,
    stewardVersion: readVersion(),
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    ...(config.auditSigningKeyPem === undefined
      ? {}
      : { auditSigningKeyPem: config.auditSigningKeyPem }),
    ...(config.policyDir === undefined ? {} : { policyDir: config.policyDir }),
  });
  const key = runtime.createdSigningKey;
  if (key !== null) {
    io.stderr(
      `steward ${command}: generated a development signing key; its public key (saved to ${key.publicKeyPath}) is:\n` +
        key.publicKeyPem,
    );
  }
  return { runtime, config };
}
