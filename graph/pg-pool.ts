import pg from "pg";

/**
 * Opens a pool for one of graph's PostgreSQL stores and creates its tables if absent, under a
 * transaction-scoped advisory lock named after the store and the current schema, so processes
 * starting together do not race on the catalog. The pool is closed again if set-up fails.
 *
 * @example const pool = await openStorePool({ connectionString: url }, "steward.runs", SCHEMA);
 */
export async function openStorePool(
  options: { readonly connectionString: string; readonly maxConnections?: number },
  lockName: string,
  schemaSql: string,
): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
  });
  try {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("select pg_advisory_xact_lock(hashtext($1 || ':' || current_schema()))", [
        lockName,
      ]);
      await client.query(schemaSql);
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}
