import { createDecisionCommand } from "../decision.js";
import type { Command } from "../io.js";
import { REAL_CLOCK, type RunCommandDeps } from "../runtime.js";

/**
 * `steward reject --run ID --as USER --reason TEXT [--json]`: rejects the run's proposal as USER.
 * A missing `--reason` is a usage error (exit 2); a blank one is refused by the approval rules
 * (REASON_REQUIRED, exit 1), as are the requester (SELF_APPROVAL) and users without the role or
 * scope. Exit 0 when recorded, with the new `status` (rejected).
 *
 * @example await createRejectCommand({ clock })(["--run", runId, "--as", "sam", "--reason", "too much turnover"], io) // 0
 */
export function createRejectCommand(deps: RunCommandDeps): Command {
  return createDecisionCommand("reject", deps);
}

/** The registered command, on the real clock. */
export const rejectCommand: Command = createRejectCommand(REAL_CLOCK);
