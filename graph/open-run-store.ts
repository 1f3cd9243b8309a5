import path from "node:path";
import type { PortfolioStore } from "./portfolio-store.js";
import { openPostgresPortfolioStore } from "./portfolio-store-postgres.js";
import { openSqlitePortfolioStore, SQLITE_PORTFOLIOS_FILE } from "./portfolio-store-sqlite.js";
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

/**
 * Opens the portfolio store the configuration asks for: SQLite at `<dataDir>/portfolios.db` by
 * default, PostgreSQL (tables in the connection's current schema) when `databaseUrl` is given.
 *
 * @example
 * const portfolios = await openPortfolioStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
 */
export async function openPortfolioStore(options: {
  readonly dataDir: string;
  readonly databaseUrl?: string;
}): Promise<PortfolioStore> {
  if (options.databaseUrl !== undefined)
    return openPostgresPortfolioStore({ connectionString: options.databaseUrl });
  return openSqlitePortfolioStore(path.join(options.dataDir, SQLITE_PORTFOLIOS_FILE));
}
