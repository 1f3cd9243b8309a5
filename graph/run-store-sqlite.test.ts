import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteRunStore, SQLITE_RUNS_FILE } from "./run-store-sqlite.js";

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
    const db = new Database(file, { readonly: true });
    try {
      // The statement countRuns prepares for the firm-wide count (no portfolio).
      const plan = db
        .prepare(
          "explain query plan select count(*) as n from runs where created_at >= ? and run_id <> ?",
        )
        .all("2024-01-02T10:00:00.000Z", "r1") as { detail: string }[];
      expect(plan.map((row) => row.detail).join("\n")).toMatch(
        /SEARCH runs USING COVERING INDEX runs_created \(created_at>\?\)/,
      );
    } finally {
      db.close();
    }
  });
});
