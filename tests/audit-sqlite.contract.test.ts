import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openSqliteAuditBackend, sqliteAuditPath } from "../audit/sqlite-backend.js";
import { describeAuditContract } from "./audit-contract.js";

// The audit store contract over SQLite: a fresh database file (in a nested, not yet existing
// directory) per test.
describeAuditContract("sqlite", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "steward-audit-sqlite-"));
  const backend = openSqliteAuditBackend({ path: sqliteAuditPath(path.join(dir, "data")) });
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
