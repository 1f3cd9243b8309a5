import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * PostgreSQL for the contract suites. The server is `PG_TEST_URL` (default
 * postgres://postgres@127.0.0.1:5432/test). When it cannot be reached the suites skip with a
 * clear message — unless `REQUIRE_PG=1` (as in CI), where an unreachable server fails the run.
 */
export const PG_TEST_URL = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await probe();
if (problem !== null) {
  if (process.env.REQUIRE_PG === "1") {
    throw new Error(`REQUIRE_PG=1 but PostgreSQL at ${PG_TEST_URL} is unreachable: ${problem}`);
  }
  // The skip must be visible in the test output: a silent skip would look like a pass.
  // eslint-disable-next-line no-console
  console.warn(
    `PostgreSQL suites skipped: ${PG_TEST_URL} unreachable (${problem}); set REQUIRE_PG=1 to fail instead.`,
  );
}

/** True when the PostgreSQL suites run (use with `describe.runIf(pgAvailable)`). */
export const pgAvailable = problem === null;

/**
 * A fresh, uniquely named schema for one suite, so suites never see each other's tables; the
 * returned connection string selects it through `search_path`. `drop()` removes it.
 */
export async function createTestSchema(
  prefix: string,
): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`.toLowerCase();
  const admin = new pg.Client({ connectionString: PG_TEST_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(PG_TEST_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_TEST_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
