import { createDecisionCommand } from "../decision.js";
import type { Command } from "../io.js";
import { REAL_CLOCK, type RunCommandDeps } from "../runtime.js";

/**
 * `steward approve --run ID --as USER [--reason TEXT] [--ack CODE,CODE] [--proposal-hash H]
 * [--json]`: approves the run's current proposal (or the one whose hash is given) as USER. Exit 0
 * when the decision was recorded (or replayed) — the JSON carries the new `status`, `outcome`,
 * `approvals` and `required`; exit 1 when the rules refuse it (SELF_APPROVAL, NOT_SUPERVISOR,
 * OUT_OF_SCOPE, PROPOSAL_CHANGED, EXPIRED, ACKNOWLEDGEMENT_REQUIRED, DUPLICATE_APPROVER,
 * NOT_AWAITING_APPROVAL, RUN_NOT_FOUND) or USER is not in the users file.
 *
 * @example await createApproveCommand({ clock })(["--run", runId, "--as", "sam", "--json"], io) // 0
 */
export function createApproveCommand(deps: RunCommandDeps): Command {
  return createDecisionCommand("approve", deps);
}

/** The registered command, on the real clock. */
export const approveCommand: Command = createApproveCommand(REAL_CLOCK);
