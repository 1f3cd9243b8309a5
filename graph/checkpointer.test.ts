import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestSchema, pgAvailable } from "../tests/pg.js";
import { createCheckpointer, searchPathOf } from "./checkpointer.js";

describe("checkpointer factory", () => {
  it("defaults to SQLite at <dataDir>/checkpoints.sqlite, beside the audit checkpoint directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "steward-cp-"));
    try {
      const cp = await createCheckpointer({ dataDir: path.join(dir, "data") });
      expect(cp.kind).toBe("sqlite");
      expect(cp.location).toBe(path.join(dir, "data", "checkpoints.sqlite"));
      expect(existsSync(cp.location)).toBe(true);
      expect(existsSync(path.join(dir, "data", "checkpoints"))).toBe(false);
      await cp.close();
      await cp.close(); // closing twice is harmless
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(pgAvailable)(
    "uses PostgreSQL with a database URL, its tables in the given schema",
    async () => {
      const schema = await createTestSchema("checkpointer");
      try {
        const [a, b] = await Promise.all([
          createCheckpointer({ dataDir: "unused", databaseUrl: schema.url, schema: schema.schema }),
          createCheckpointer({ dataDir: "unused", databaseUrl: schema.url, schema: schema.schema }),
        ]);
        expect(a.kind).toBe("postgres");
        expect(a.location).not.toContain("@");
        const client = new pg.Client({ connectionString: schema.url });
        await client.connect();
        const tables = await client.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = $1 order by table_name",
          [schema.schema],
        );
        await client.end();
        expect(tables.rows.map((r) => r.table_name)).toEqual(
          expect.arrayContaining([
            "checkpoint_blobs",
            "checkpoint_migrations",
            "checkpoint_writes",
            "checkpoints",
          ]),
        );
        await a.close();
        await b.close();
      } finally {
        await schema.drop();
      }
    },
  );
});

describe("searchPathOf", () => {
  it("reads the schema of a search_path in the URL's options", () => {
    expect(searchPathOf("postgres://h/db?options=-c%20search_path%3Dsteward_a")).toBe("steward_a");
    expect(searchPathOf("postgres://h/db?options=-c search_path=s1,public")).toBe("s1");
    expect(searchPathOf("postgres://h/db")).toBeNull();
    expect(searchPathOf("not a url")).toBeNull();
  });
});
