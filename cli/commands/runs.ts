import { readSummary, RUN_STATUSES, RunStatusSchema, type RunStatus } from "../../graph/index.js";
import { parseFlags } from "../args.js";
import { EXIT, UsageError, type Command } from "../io.js";
import { printJson } from "../output.js";
import { withRunErrors } from "../run-errors.js";
import { openCliRuntime, REAL_CLOCK, type RunCommandDeps } from "../runtime.js";

/**
 * `steward runs [--status S|all] [--portfolio ID] [--json]`: the runs in the store, oldest first —
 * by default the approval inbox (`awaiting_approval`). Read-only: a request past its expiry is
 * flagged `expired: true` here and is moved to `expired` by the next decision on it.
 *
 * @example await createRunsCommand({ clock })(["--json"], io) // prints { status, runs: [...] }
 */
export function createRunsCommand(deps: RunCommandDeps): Command {
  return async (args, io) => {
    const flags = parseFlags("runs", args, {
      status: { type: "string" },
      portfolio: { type: "string" },
      json: { type: "boolean" },
    });
    const wanted = flags.status ?? "awaiting_approval";
    let status: RunStatus | undefined;
    if (wanted !== "all") {
      const parsed = RunStatusSchema.safeParse(wanted);
      if (!parsed.success)
        throw new UsageError(
          `steward runs: --status must be all or one of ${RUN_STATUSES.join(", ")}, got "${wanted}"`,
        );
      status = parsed.data;
    }
    const json = flags.json === true;
    const { runtime } = await openCliRuntime("runs", io, deps);
    return withRunErrors("runs", io, json, async () => {
      try {
        const now = deps.clock().toISOString();
        const rows = await runtime.runStore.listRuns({
          ...(status === undefined ? {} : { status }),
          ...(flags.portfolio === undefined ? {} : { portfolioId: flags.portfolio }),
        });
        const runs = rows.map((r) => {
          const summary = readSummary(r);
          return {
            runId: r.runId,
            portfolioId: r.portfolioId,
            status: r.status,
            requestedBy: r.requestedBy.id,
            asOf: r.asOf,
            createdAt: r.createdAt,
            expiresAt: r.expiresAt,
            expired: r.status === "awaiting_approval" && r.expiresAt !== null && r.expiresAt <= now,
            proposalHash: r.proposalHash,
            orders: summary?.proposal?.orders ?? null,
            notional: summary?.proposal?.notional ?? null,
            turnover: summary?.proposal?.turnover ?? null,
            baseCurrency: summary?.baseCurrency ?? null,
            softWarnings: summary?.approvalRequest?.softWarnings ?? [],
          };
        });
        if (json) {
          printJson(io, { status: wanted, runs });
          return EXIT.ok;
        }
        if (runs.length === 0) {
          io.stdout(`no runs with status ${wanted}\n`);
          return EXIT.ok;
        }
        for (const r of runs) {
          const size =
            r.orders === null
              ? "no proposal"
              : `${r.orders} orders, ${r.baseCurrency ?? ""} ${Math.round(r.notional ?? 0).toLocaleString("en-US")} gross`;
          const expiry =
            r.status !== "awaiting_approval" || r.expiresAt === null
              ? ""
              : r.expired
                ? ", EXPIRED"
                : `, expires ${r.expiresAt}`;
          io.stdout(
            `${r.runId}  ${r.status}  ${r.portfolioId} as of ${r.asOf}  by ${r.requestedBy}  ${size}${expiry}\n`,
          );
        }
        return EXIT.ok;
      } finally {
        await runtime.close();
      }
    });
  };
}

/** The registered command, on the real clock. */
export const runsCommand: Command = createRunsCommand(REAL_CLOCK);
