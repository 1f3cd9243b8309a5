import { mkdirSync } from "node:fs";
import path from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import pg from "pg";
import { StewardCheckpointSerializer } from "./checkpoint-serde.js";

/**
 * The LangGraph checkpointer: where a run's graph state is saved when the graph stops (at the
 * approval interrupt and at the end; see `executionOf`), so a run waiting for approval survives
 * a restart and can be resumed by another process. The thread id is the runId. The checkpointer is not the audit trail (its rows can be overwritten); the audit
 * store is.
 */

/** The file inside the data directory (beside, never inside, the audit checkpoint directory). */
export const CHECKPOINTS_FILE = "checkpoints.sqlite";

export interface CheckpointerOptions {
  /** PostgreSQL (`DATABASE_URL`); unset → SQLite at `<dataDir>/checkpoints.sqlite`. */
  readonly databaseUrl?: string;
  /** Steward's data directory (`STEWARD_DATA_DIR`). */
  readonly dataDir: string;
  /** PostgreSQL schema for the checkpoint tables (default "public"). */
  readonly schema?: string;
}

export interface Checkpointer {
  readonly kind: "sqlite" | "postgres";
  readonly saver: BaseCheckpointSaver;
  /** Where the checkpoints are: the SQLite file or the PostgreSQL server (without credentials). */
  readonly location: string;
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.host}${u.pathname}`;
  } catch {
    return "postgres";
  }
}

/**
 * Runs PostgresSaver.setup() under a session advisory lock, so processes starting together do
 * not race on CREATE TABLE IF NOT EXISTS (which can fail with a unique violation in the catalog).
 */
async function setupSerialised(
  pool: pg.Pool,
  schema: string,
  setup: () => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  const key = `hashtext('steward.checkpoints:' || $1)`;
  try {
    await client.query(`select pg_advisory_lock(${key})`, [schema]);
    try {
      await setup();
    } finally {
      await client.query(`select pg_advisory_unlock(${key})`, [schema]);
    }
  } finally {
    client.release();
  }
}

/**
 * The first schema of a `search_path` set in the URL's `options` (`?options=-c search_path=x`), so
 * that the checkpointer's tables live where the other stores' do; null when none is set.
 *
 * @example searchPathOf("postgres://h/db?options=-c%20search_path%3Dsteward") // "steward"
 */
export function searchPathOf(url: string): string | null {
  let options: string | null;
  try {
    options = new URL(url).searchParams.get("options");
  } catch {
    return null;
  }
  const m = options === null ? null : /search_path\s*=\s*"?([A-Za-z_][A-Za-z0-9_]*)/.exec(options);
  return m?.[1] ?? null;
}

/**
 * Opens the checkpointer the configuration asks for: SqliteSaver on `<dataDir>/checkpoints.sqlite`
 * (WAL, created with its directory) by default, PostgresSaver (tables created by `setup()`) when
 * `databaseUrl` is given.
 *
 * @example
 * const cp = await createCheckpointer({ dataDir: "var" });
 * cp.kind; // "sqlite"
 * await cp.close();
 */
export async function createCheckpointer(options: CheckpointerOptions): Promise<Checkpointer> {
  if (options.databaseUrl !== undefined) {
    const schema = options.schema ?? searchPathOf(options.databaseUrl) ?? "public";
    if (!IDENTIFIER.test(schema))
      throw new Error(`checkpointer: unsupported schema name "${schema}"`);
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    const saver = new PostgresSaver(pool, new StewardCheckpointSerializer(), { schema });
    try {
      await setupSerialised(pool, schema, () => saver.setup());
    } catch (error) {
      await saver.end().catch(() => undefined);
      throw error;
    }
    return {
      kind: "postgres",
      saver,
      location: describeUrl(options.databaseUrl),
      close: () => saver.end(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, CHECKPOINTS_FILE);
  const saver = new SqliteSaver(new Database(file), new StewardCheckpointSerializer());
  saver.db.pragma("journal_mode = WAL");
  saver.db.pragma("busy_timeout = 5000");
  return {
    kind: "sqlite",
    saver,
    location: file,
    close: () => {
      if (saver.db.open) saver.db.close();
      return Promise.resolve();
    },
  };
}
