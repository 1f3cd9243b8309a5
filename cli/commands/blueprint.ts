import { buildBlueprint } from "../../graph/index.js";
import { readVersion } from "../../server/version.js";
import { parseFlags } from "../args.js";
import { formatBlueprint } from "../blueprint-text.js";
import { EXIT, type Command } from "../io.js";
import { printJson } from "../output.js";
import { withRunErrors } from "../run-errors.js";
import { openCliRuntime, REAL_CLOCK, type RunCommandDeps } from "../runtime.js";

/**
 * `steward blueprint [--policy ID] [--json]`: the orchestration and governance template generated
 * from the compiled graph, the agent and tool registries, the policy (default "default"), the
 * model inventory and the audit trail — no briefing is run. Exit 0; exit 1 when the audit trail
 * does not verify (the blueprint is still printed, with `audit.verify.ok: false`).
 *
 * @example await createBlueprintCommand({ clock })(["--json"], io) // 0, one JSON document
 */
export function createBlueprintCommand(deps: RunCommandDeps): Command {
  return async (args, io) => {
    const flags = parseFlags("blueprint", args, {
      policy: { type: "string" },
      json: { type: "boolean" },
    });
    const json = flags.json === true;
    const { runtime } = await openCliRuntime("blueprint", io, deps);
    return withRunErrors("blueprint", io, json, async () => {
      try {
        const blueprint = await buildBlueprint({
          audit: runtime.audit,
          policy: runtime.policyFor(flags.policy ?? "default"),
          clock: deps.clock,
          stewardVersion: readVersion(),
        });
        if (json) printJson(io, blueprint);
        else io.stdout(formatBlueprint(blueprint));
        if (!blueprint.audit.verify.ok) {
          io.stderr(
            `steward blueprint: the audit trail does not verify: ${blueprint.audit.verify.reason ?? ""}\n`,
          );
          return EXIT.failed;
        }
        return EXIT.ok;
      } finally {
        await runtime.close();
      }
    });
  };
}

/** The registered command, on the real clock. */
export const blueprintCommand: Command = createBlueprintCommand(REAL_CLOCK);
