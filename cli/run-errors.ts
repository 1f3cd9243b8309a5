import { isAuditError } from "../audit/index.js";
import { isRunServiceError } from "../graph/index.js";
import { EXIT, type CliIo } from "./io.js";
import { printJson } from "./output.js";

/**
 * Runs a run command's body and turns the run service's refusals (SELF_APPROVAL,
 * PROPOSAL_CHANGED, EXPIRED, RUN_NOT_FOUND, NOT_AWAITING_APPROVAL, …) and the audit store's errors
 * into exit 1: the code leads the stderr line and, with `--json`, the one error document on stdout
 * `{ "error": { "code", "message", "runId", "status" } }`. Anything else propagates to runCli.
 */
export async function withRunErrors(
  command: string,
  io: CliIo,
  json: boolean,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (isRunServiceError(error)) {
      if (json)
        printJson(io, {
          error: {
            code: error.code,
            message: error.message,
            runId: error.runId,
            status: error.status,
          },
        });
      io.stderr(`steward ${command}: ${error.code}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (isAuditError(error)) {
      if (json)
        printJson(io, {
          error: { code: error.code, message: error.message, field: error.field ?? null },
        });
      io.stderr(`steward ${command}: ${error.code}: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
