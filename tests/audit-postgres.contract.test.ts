import { describe } from "vitest";
import { openPostgresAuditBackend } from "../audit/postgres-backend.js";
import { describeAuditContract } from "./audit-contract.js";
import { createTestSchema, pgAvailable } from "./pg.js";

// The audit store contract over PostgreSQL: a fresh schema per test, the store's sessions running
// as the SELECT/INSERT-only writer role.
describe.runIf(pgAvailable)("PostgreSQL", () => {
  describeAuditContract("postgres", async () => {
    const schema = await createTestSchema("audit_contract");
    const backend = openPostgresAuditBackend({ connectionString: schema.url, appRole: true });
    return {
      backend,
      cleanup: async () => {
        await backend.close();
        await schema.drop();
      },
    };
  });
});
