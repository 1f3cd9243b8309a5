import { createMemoryBackend } from "../audit/index.js";
import { describeAuditContract } from "./audit-contract.js";

describeAuditContract("memory", async () => ({
  backend: createMemoryBackend(),
  cleanup: async () => undefined,
}));
