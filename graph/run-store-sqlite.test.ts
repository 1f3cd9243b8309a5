import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteRunStore, SQLITE_RUNS_FILE } from "./run-store-sqlite.js";

type Db = {
  prepare(sql: string): { all(...values: unknown[]): { detail: string }[] };
  close(): void;
};
const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string) => Db;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the SQLite run store's indexes", () => {
  it("counts the firm's runs in a window by an index on creation time, not a scan of every run", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "steward-runs-plan-"));
    dirs.push(dir);
    const file = path.join(dir, SQLITE_RUNS_FILE);
    const store = openSqliteRunStore(file);
    await store.close();
    const db = new Database(file);
    try {
      // The statement countRuns prepares for the firm-wide count (no portfolio).
      const plan = db
        .prepare(
          "explain query plan select count(*) as n from runs where created_at >= ? and run_id <> ?",
        )
        .all("2024-01-02T10:00:00.000Z", "r1")
        .map((row) => row.detail);
      expect(plan.join("\n")).toMatch(
        /SEARCH runs USING COVERING INDEX runs_created \(created_at>\?\)/,
      );
    } finally {
      db.close();
    }
  });
});
