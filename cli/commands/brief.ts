import {
  isUnknownField,
  issueField,
  PortfolioSchema,
  type Portfolio,
} from "../../governance/index.js";
import { DataSpecSchema, type DataSpec } from "../../graph/index.js";
import { loadConfig } from "../../server/config.js";
import { invalidInput } from "../../tools/index.js";
import { numberFlag, parseFlags, readInputFile, requireFlag } from "../args.js";
import { formatBriefing } from "../briefing-text.js";
import { EXIT, UsageError, type Command } from "../io.js";
import { printJson } from "../output.js";
import { withRunErrors } from "../run-errors.js";
import { openCliRuntime, REAL_CLOCK, type RunCommandDeps } from "../runtime.js";
import { loadDirectory, requesterFor, userOf } from "../users.js";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validates a portfolio file's text with PortfolioSchema. A ToolError (INVALID_INPUT) names the
 * field at fault, e.g. `portfolio.holdings[2].quantity` or `portfolio.mandate.objectiv` (unknown).
 *
 * @example parsePortfolioFile('{"id":"x"}', "p.json") // throws, field "portfolio.name"
 */
export function parsePortfolioFile(text: string, file: string): Portfolio {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : "parse error";
    throw invalidInput("portfolio", `${file} is not valid JSON (${why})`);
  }
  const parsed = PortfolioSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidInput(
    issueField(issue, "portfolio"),
    `${isUnknownField(issue) ? "unknown field" : (issue?.message ?? "invalid")} in ${file}`,
  );
}

/**
 * Parses `--data`: `sample`, `simulated`, `yahoo` or `csv:<dir>` (resolved against the working
 * directory by the provider factory).
 *
 * @example parseDataSpec("csv:./prices") // { kind: "csv", dir: "./prices" }
 */
export function parseDataSpec(command: string, text: string): DataSpec {
  if (text === "sample" || text === "simulated" || text === "yahoo") return { kind: text };
  if (text.startsWith("csv:") && text.length > 4)
    return DataSpecSchema.parse({ kind: "csv", dir: text.slice(4) });
  throw new UsageError(
    `steward ${command}: --data must be sample, simulated, yahoo or csv:<dir>, got "${text}"`,
  );
}

/**
 * `steward brief --portfolio <file> [--data sample|simulated|csv:<dir>|yahoo] [--as-of D]
 * [--as USER] [--seed N] [--json]`: runs the agent graph to the approval interrupt (or to
 * blocked / no_trade) and prints the briefing. Exit 0 whenever the run completed, whatever its
 * status (the status is printed: `blocked` is an answer, not a failure of the command); exit 1 for
 * an invalid portfolio file (the field is named), an unknown user or a run that failed; exit 2 for
 * a bad command line. The as-of defaults to `--as-of`, then the file's `asOf`, then the data's last
 * date for the book (the clock's date when the provider cannot say).
 *
 * @example const code = await createBriefCommand({ clock })(["--portfolio", "examples/portfolios/balanced.json", "--json"], io);
 */
export function createBriefCommand(deps: RunCommandDeps): Command {
  return async (args, io) => {
    const flags = parseFlags("brief", args, {
      portfolio: { type: "string" },
      data: { type: "string" },
      "as-of": { type: "string" },
      as: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    });
    const file = requireFlag("brief", "portfolio", flags.portfolio);
    const asOfFlag = flags["as-of"];
    if (asOfFlag !== undefined && !ISO_DATE.test(asOfFlag))
      throw new UsageError(`steward brief: --as-of must be a date YYYY-MM-DD, got "${asOfFlag}"`);
    const seed = numberFlag("brief", "seed", flags.seed, { min: 0, max: 2 ** 32 - 1 });
    if (seed !== undefined && !Number.isInteger(seed))
      throw new UsageError(`steward brief: --seed must be a whole number, got ${seed}`);
    const portfolio = parsePortfolioFile(
      await readInputFile("brief", "portfolio", file, io.cwd),
      file,
    );
    const json = flags.json === true;
    const config = loadConfig(io.env, io.cwd);
    const dataSpec = parseDataSpec("brief", flags.data ?? config.marketData);
    const requestedBy = requesterFor(
      await loadDirectory(config.usersFile),
      userOf(flags.as, io.env),
    );
    const { runtime } = await openCliRuntime("brief", io, deps, config);
    return withRunErrors("brief", io, json, async () => {
      try {
        const asOf = asOfFlag ?? portfolio.asOf;
        const briefing = await runtime.runService.start({
          portfolio,
          dataSpec,
          requestedBy,
          ...(asOf === undefined ? {} : { asOf }),
          ...(seed === undefined ? {} : { seed }),
        });
        if (json) printJson(io, briefing);
        else io.stdout(formatBriefing(briefing, { baseCurrency: portfolio.baseCurrency }));
        return EXIT.ok;
      } finally {
        await runtime.close();
      }
    });
  };
}

/** The registered command, on the real clock. */
export const briefCommand: Command = createBriefCommand(REAL_CLOCK);
