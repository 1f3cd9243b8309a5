import { isToolError } from "../tools/index.js";
import { MarketDataError } from "../market/index.js";
import { ConfigError } from "../server/config.js";
import { EXIT, UsageError, type CliIo, type Command } from "./io.js";
import { printJson } from "./output.js";

interface CommandSpec {
  /** Loaded on demand so that one command never pays for another's imports. */
  readonly load: () => Promise<Command>;
  readonly usage: string;
  readonly summary: string;
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  serve: {
    load: async () => (await import("./commands/serve.js")).serveCommand,
    usage: "steward serve [--port N]   (env: PORT, HOST, STEWARD_DATA_DIR, LOG_LEVEL)",
    summary: "serve the HTTP API",
  },
  risk: {
    load: async () => (await import("./commands/risk.js")).riskCommand,
    usage:
      "steward risk --prices <csv> [--weights <json-file>] [--equal-weight] [--benchmark <csv>] [--risk-free R] [--confidence 0.95] [--periods-per-year 252] [--json]",
    summary: "risk and performance report from a price CSV",
  },
  data: {
    load: async () => (await import("./commands/data.js")).dataCommand,
    usage:
      "steward data --provider sample|simulated|csv:<dir>|yahoo [--symbols A,B] [--from D] [--to D] [--seed N] [--scenario NAME] [--json]",
    summary: "market data with point-in-time windows and quality findings",
  },
  optimize: {
    load: async () => (await import("./commands/optimize.js")).optimizeCommand,
    usage:
      "steward optimize --prices <csv> --objective max-sharpe|min-volatility|efficient-risk|efficient-return|risk-parity|hrp|black-litterman [--risk-free R] [--target-volatility V] [--target-return R] [--expected-returns geometric|arithmetic|ewma] [--covariance sample|ledoit-wolf|ewma] [--min-weight A] [--max-weight B] [--views <json>] [--json]",
    summary: "target weights: mean-variance, risk parity, HRP, Black-Litterman",
  },
  audit: {
    load: async () => (await import("./commands/audit.js")).auditCommand,
    usage:
      "steward audit verify [--json] [--deep] | audit verify --export <dir> | audit export --out <dir> | audit tail [--limit N] [--json]",
    summary: "verify, export and read the hash-chained audit trail",
  },
  forecast: {
    load: async () => (await import("./commands/forecast.js")).forecastCommand,
    usage: "steward forecast --prices <csv> [--as-of YYYY-MM-DD] [--json]",
    summary: "point-in-time forecasting ensemble per asset",
  },
  brief: {
    load: async () => (await import("./commands/brief.js")).briefCommand,
    usage:
      "steward brief --portfolio <file> [--data sample|simulated|csv:<dir>|yahoo] [--as-of D] [--as USER] [--seed N] [--json]   (exit 0 whatever the run's status)",
    summary: "run the agent graph to a proposal awaiting approval (or blocked / no trade)",
  },
  approve: {
    load: async () => (await import("./commands/approve.js")).approveCommand,
    usage:
      "steward approve --run ID --as USER [--reason TEXT] [--ack CODE,CODE] [--proposal-hash H] [--json]   (env: STEWARD_USERS_FILE)",
    summary: "approve a run's proposal (four-eyes); releases it when enough approvals",
  },
  reject: {
    load: async () => (await import("./commands/reject.js")).rejectCommand,
    usage: "steward reject --run ID --as USER --reason TEXT [--json]",
    summary: "reject a run's proposal, with a reason",
  },
  runs: {
    load: async () => (await import("./commands/runs.js")).runsCommand,
    usage: "steward runs [--status awaiting_approval|released|…|all] [--portfolio ID] [--json]",
    summary: "list runs (default: the approval inbox)",
  },
  blueprint: {
    load: async () => (await import("./commands/blueprint.js")).blueprintCommand,
    usage: "steward blueprint [--policy ID] [--json]",
    summary: "graph, agents, tools, controls, model inventory, monitoring and audit status",
  },
  token: {
    load: async () => (await import("./commands/token.js")).tokenCommand,
    usage:
      "steward token --user U --role pm|supervisor|auditor|admin[,…] [--portfolios a,b] [--ttl SECONDS] [--json]   (default: all portfolios, 8h; max 30 days; env: STEWARD_JWT_SECRET)",
    summary: "mint a bearer token for the HTTP API (own secret or the development one)",
  },
};

export function helpText(): string {
  const lines = ["usage: npm run --silent steward -- <command> [flags]", "", "commands:"];
  for (const [name, spec] of Object.entries(COMMANDS))
    lines.push(`  ${name.padEnd(10)} ${spec.summary}`);
  lines.push("", ...Object.values(COMMANDS).map((spec) => `  ${spec.usage}`));
  return `${lines.join("\n")}\n`;
}

/**
 * Runs one `steward` command line and returns its exit code: 0 success, 1 the command failed on
 * its input (the error names the field), 2 usage error (one line on stderr, nothing on stdout).
 * With `--json`, a failure on input is also printed as one JSON error document on stdout.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const spec = COMMANDS[name];
  if (spec === undefined) {
    io.stderr(`steward: unknown command "${name}" (try: ${Object.keys(COMMANDS).join(", ")})\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`usage: ${spec.usage}\n`);
    return EXIT.ok;
  }
  const json = rest.includes("--json");
  try {
    const command = await spec.load();
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    if (isToolError(error)) {
      if (json)
        printJson(io, { error: { code: error.code, message: error.message, field: error.field } });
      io.stderr(`steward ${name}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof MarketDataError) {
      if (json)
        printJson(io, {
          error: { code: error.code, message: error.message, field: error.field ?? null },
        });
      io.stderr(`steward ${name}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof ConfigError) {
      io.stderr(`steward ${name}: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (json) printJson(io, { error: { code: "INTERNAL", message } });
    io.stderr(`steward ${name}: internal error: ${message}\n`);
    return EXIT.failed;
  }
}
