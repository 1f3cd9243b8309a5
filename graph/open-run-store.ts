import path from "node:path";
import type { RunStore } from "./run-store.js";
import { openPostgresRunStore } from "./run-store-postgres.js";
import { openSqliteRunStore, SQLITE_RUNS_FILE } from "./run-store-sqlite.js";

/**
 * Opens the run store the configuration asks for: SQLite at `<dataDir>/runs.db` by default,
 * PostgreSQL (tables in the connection's current schema) when `databaseUrl` is given.
 *
 * @example
 * const runs = await openRunStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
 */
export async function openRunStore(options: {
  readonly dataDir: string;
  readonly databaseUrl?: string;
}): Promise<RunStore> {
  if (options.databaseUrl !== undefined)
    return openPostgresRunStore({ connectionString: options.databaseUrl });
  return openSqliteRunStore(path.join(options.dataDir, SQLITE_RUNS_FILE));
}
