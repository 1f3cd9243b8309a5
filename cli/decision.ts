import type { DecisionResult } from "../graph/index.js";
import { loadConfig } from "../server/config.js";
import { parseFlags, requireFlag } from "./args.js";
import { EXIT, UsageError, type CliIo, type Command } from "./io.js";
import { printJson } from "./output.js";
import { withRunErrors } from "./run-errors.js";
import { openCliRuntime, type RunCommandDeps } from "./runtime.js";
import { approverFor, loadDirectory, userOf } from "./users.js";

/**
 * `steward approve` and `steward reject`: one decision by `--as USER` through the run service's
 * approval rules (four-eyes, scope, expiry, a reason on rejection, two approvers above the
 * thresholds, acknowledgement of soft warnings). A refusal exits 1 with its code
 * (SELF_APPROVAL, PROPOSAL_CHANGED, EXPIRED, …) on stderr and in the `--json` error document.
 */

const HASH = /^[0-9a-f]{64}$/;

function codes(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
}

function describe(result: DecisionResult, actor: string, action: "approve" | "reject"): string {
  const did = action === "approve" ? "approval" : "rejection";
  const count =
    action === "approve" ? ` (${result.approvals} of ${result.required} approvals)` : "";
  if (result.replayed)
    return `run ${result.runId}: ${actor}'s ${did} was already recorded; status ${result.status}\n`;
  const next =
    result.outcome === "awaiting_second_approval"
      ? "; a second, different supervisor must approve before release"
      : "";
  return `run ${result.runId}: ${did} by ${actor} recorded${count} → ${result.status}${next}\n`;
}

export function createDecisionCommand(action: "approve" | "reject", deps: RunCommandDeps): Command {
  return async (args: readonly string[], io: CliIo) => {
    const flags = parseFlags(action, args, {
      run: { type: "string" },
      as: { type: "string" },
      reason: { type: "string" },
      ack: { type: "string" },
      "proposal-hash": { type: "string" },
      json: { type: "boolean" },
    });
    const runId = requireFlag(action, "run", flags.run);
    const as = requireFlag(action, "as", flags.as);
    // A rejection always needs a reason: a missing flag is a usage error; a blank one reaches
    // the approval rules and is refused there (REASON_REQUIRED).
    const reason = action === "reject" ? requireFlag(action, "reason", flags.reason) : flags.reason;
    if (action === "reject" && flags.ack !== undefined)
      throw new UsageError("steward reject: --ack applies to approvals only");
    const hash = flags["proposal-hash"];
    if (hash !== undefined && !HASH.test(hash))
      throw new UsageError(`steward ${action}: --proposal-hash must be a hex SHA-256`);
    const json = flags.json === true;
    const config = loadConfig(io.env, io.cwd);
    const actor = approverFor(await loadDirectory(config.usersFile), userOf(as, io.env));
    const { runtime } = await openCliRuntime(action, io, deps, config);
    return withRunErrors(action, io, json, async () => {
      try {
        const acknowledgements = codes(flags.ack);
        const options = {
          ...(acknowledgements === undefined ? {} : { acknowledgements }),
          ...(hash === undefined ? {} : { proposalHash: hash }),
        };
        const result =
          action === "approve"
            ? await runtime.runService.approve(runId, actor, {
                ...options,
                ...(reason === undefined ? {} : { reason }),
              })
            : await runtime.runService.reject(runId, actor, { ...options, reason: reason ?? "" });
        const briefing = await runtime.runService.get(runId);
        const release = briefing?.approval.release ?? null;
        if (json) {
          printJson(io, {
            ...result,
            action,
            actor: actor.id,
            proposalHash: briefing?.proposal?.hash ?? null,
            decisions: briefing?.approval.decisions ?? [],
            release,
          });
        } else {
          io.stdout(describe(result, actor.id, action));
          if (release !== null && release.status === "released")
            io.stdout(`released ${release.orders} orders at ${release.at}\n`);
          else if (release !== null)
            io.stdout(`release ${release.status}: ${release.reasons.join("; ")}\n`);
        }
        return EXIT.ok;
      } finally {
        await runtime.close();
      }
    });
  };
}
