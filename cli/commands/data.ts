import {
  openPostgresPriceCache,
  openSqlitePriceCache,
  sqlitePriceCachePath,
  checkQuality,
  type QualityFinding,
  createProvider,
  parseProviderSpec,
  type CreatedProvider,
  type ProviderSpec,
  MarketDataError,
  type Bar,
  type BarsResult,
  type FxResult,
  type SourceRecord,
} from "../../market/index.js";
import type { PriceCache } from "../../market/index.js";
import type { YahooClient } from "../../market/index.js";
import { loadConfig } from "../../server/config.js";
import { isIsoDate, isValidSymbol } from "../../tools/index.js";
import { numberFlag, parseFlags, requireFlag } from "../args.js";
import { EXIT, UsageError, type CliIo, type Command } from "../io.js";
import { printJson } from "../output.js";

/** The portfolio base currency `steward data` checks instruments against. */
const BASE = "USD";

/** A far-future as-of used once to find the last date of a finite history that cannot say it. */
const END_OF_TIME = "9999-12-31";

export interface DataCommandDeps {
  /** "Now": today's UTC date is `yahoo`'s default `--to`; it also stamps cache writes. */
  readonly clock: () => Date;
  /** `yahoo` only: the client (default: a real yahoo-finance2 client). */
  readonly yahooClient?: YahooClient;
  /** `yahoo` only: opens the price cache (default: {@link openConfiguredCache}). */
  readonly openCache?: (io: CliIo, clock: () => Date) => Promise<PriceCache>;
}

/**
 * The price cache the configuration names: PostgreSQL when `DATABASE_URL` is set, else SQLite at
 * `<STEWARD_DATA_DIR>/price-cache.sqlite`.
 */
export async function openConfiguredCache(io: CliIo, clock: () => Date): Promise<PriceCache> {
  const config = loadConfig(io.env, io.cwd);
  return config.databaseUrl === undefined
    ? openSqlitePriceCache({ path: sqlitePriceCachePath(config.dataDir), clock })
    : openPostgresPriceCache({ connectionString: config.databaseUrl, clock });
}

/** The JSON document `steward data --json` prints. */
export interface DataReport {
  readonly series: Readonly<Record<string, readonly Bar[]>>;
  readonly findings: readonly Pick<QualityFinding, "code" | "severity" | "symbol" | "message">[];
  /** Every SourceRecord used: the bars' sources, then the FX sources when rates were needed. */
  readonly source: readonly SourceRecord[];
  readonly window: BarsResult["window"];
}

function usage(message: string): UsageError {
  return new UsageError(`steward data: ${message}`);
}

function dateFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isIsoDate(value)) throw usage(`--${name} must be a date YYYY-MM-DD, got "${value}"`);
  return value;
}

function symbolsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const symbols = value.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  for (const s of symbols) {
    if (!isValidSymbol(s)) throw usage(`--symbols has an invalid symbol "${s}"`);
    if (seen.has(s)) throw usage(`--symbols lists ${s} twice`);
    seen.add(s);
  }
  return symbols;
}

/** The default as-of: the provider's last date, or today by the injected clock for yahoo. */
async function defaultAsOf(
  spec: ProviderSpec,
  provider: CreatedProvider,
  symbols: readonly string[],
  clock: () => Date,
): Promise<string> {
  if (spec.kind === "yahoo") return clock().toISOString().slice(0, 10);
  if (provider.lastDate !== undefined) return provider.lastDate(symbols);
  const probe = await provider.bars({ symbols, asOf: END_OF_TIME });
  let last = "";
  for (const bars of Object.values(probe.series)) {
    const bar = bars[bars.length - 1];
    if (bar !== undefined && bar.date > last) last = bar.date;
  }
  if (last === "") throw usage(`the ${spec.kind} provider has no bars for ${symbols.join(", ")}`);
  return last;
}

/** FX for the instruments' currencies, or no rates when the provider has none (→ findings). */
async function fxFor(
  provider: CreatedProvider,
  currencies: readonly string[],
  asOf: string,
): Promise<FxResult | undefined> {
  if (currencies.length === 0) return undefined;
  try {
    return await provider.fx({ base: BASE, currencies, asOf });
  } catch (error) {
    if (error instanceof MarketDataError && error.code === "UNKNOWN_SYMBOL") return undefined;
    throw error;
  }
}

function summary(report: DataReport, provider: string): string {
  const lines = [
    `provider ${provider} · window ${report.window.from} … ${report.window.to} (as-of)`,
    ...new Set(report.source.map((s) => `source: ${s.provider} ${s.detail}`)),
    "",
  ];
  const rows = Object.entries(report.series).map(([symbol, bars]) => {
    const first = bars[0];
    const last = bars[bars.length - 1];
    const codes = report.findings
      .filter((f) => f.symbol === symbol)
      .map((f) => `${f.code}${f.severity === "blocking" ? "!" : ""}`);
    return [
      symbol,
      first?.date ?? "—",
      last?.date ?? "—",
      String(bars.length),
      last === undefined ? "—" : String(last.close),
      [...new Set(codes)].join(" ") || "ok",
    ];
  });
  const header = ["symbol", "first", "last", "bars", "last close", "findings"];
  const widths = header.map((h, j) =>
    Math.max(h.length, ...rows.map((r) => (r[j] as string).length)),
  );
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, j) =>
        j === 3 || j === 4 ? c.padStart(widths[j] as number) : c.padEnd(widths[j] as number),
      )
      .join("  ")
      .trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  if (report.findings.length > 0) {
    lines.push("", "findings (! = blocking):");
    for (const f of report.findings)
      lines.push(`  ${f.severity.padEnd(8)} ${f.code.padEnd(18)} ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}

async function run(args: readonly string[], io: CliIo, deps: DataCommandDeps): Promise<number> {
  const flags = parseFlags("data", args, {
    provider: { type: "string" },
    symbols: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    seed: { type: "string" },
    scenario: { type: "string" },
    json: { type: "boolean" },
  });
  const providerText = requireFlag("data", "provider", flags.provider);
  let spec: ProviderSpec;
  try {
    spec = parseProviderSpec(providerText);
  } catch (error) {
    throw usage(error instanceof Error ? `--provider: ${error.message}` : "--provider is invalid");
  }
  const from = dateFlag("from", flags.from);
  const to = dateFlag("to", flags.to);
  if (from !== undefined && to !== undefined && from > to)
    throw usage(`--from ${from} is after --to ${to}`);
  const seed = numberFlag("data", "seed", flags.seed, { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (seed !== undefined && !Number.isInteger(seed))
    throw usage(`--seed must be an integer, got ${seed}`);
  if (spec.kind !== "simulated" && (seed !== undefined || flags.scenario !== undefined)) {
    throw usage(`--seed and --scenario apply only to --provider simulated`);
  }
  const symbols = symbolsFlag(flags.symbols);

  const cache =
    spec.kind === "yahoo"
      ? await (deps.openCache ?? openConfiguredCache)(io, deps.clock)
      : undefined;
  try {
    let provider: CreatedProvider;
    try {
      provider = await createProvider(spec, {
        cwd: io.cwd,
        ...(seed === undefined ? {} : { seed }),
        ...(flags.scenario === undefined ? {} : { scenario: flags.scenario }),
        clock: deps.clock,
        ...(deps.yahooClient === undefined ? {} : { yahooClient: deps.yahooClient }),
        ...(cache === undefined ? {} : { cache }),
      });
    } catch (error) {
      // Bad options (an unknown scenario) are a usage problem.
      if (error instanceof MarketDataError && error.code === "INVALID_REQUEST") {
        throw usage(error.message);
      }
      throw error;
    }
    return await serve(
      provider,
      spec,
      providerText,
      { symbols, from, to, json: flags.json === true },
      io,
      deps,
    );
  } finally {
    await cache?.close();
  }
}

interface Wanted {
  readonly symbols: string[] | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly json: boolean;
}

async function serve(
  provider: CreatedProvider,
  spec: ProviderSpec,
  providerText: string,
  wanted: Wanted,
  io: CliIo,
  deps: DataCommandDeps,
): Promise<number> {
  const { from, to } = wanted;
  let symbols = wanted.symbols;
  if (symbols === undefined) {
    const universe = await provider.universe();
    if (universe.length === 0) throw usage(`--symbols is required for --provider ${spec.kind}`);
    symbols = [...universe];
  }
  const asOf = to ?? (await defaultAsOf(spec, provider, symbols, deps.clock));
  if (from !== undefined && from > asOf)
    throw usage(`--from ${from} is after the as-of date ${asOf}`);

  const bars = await provider.bars({ symbols, asOf, ...(from === undefined ? {} : { from }) });
  const instruments = await provider.instruments(symbols);
  const currencies = [...new Set(Object.values(instruments).map((i) => i.currency))]
    .filter((c) => c !== BASE)
    .sort();
  const fx = await fxFor(provider, currencies, asOf);
  const findings = checkQuality({
    series: bars.series,
    instruments,
    asOf,
    baseCurrency: BASE,
    ...(fx === undefined ? {} : { fx: fx.rates }),
  });

  const report: DataReport = {
    series: bars.series,
    findings: findings.map(({ code, severity, symbol, message }) => ({
      code,
      severity,
      symbol,
      message,
    })),
    source: [...bars.sources, ...(fx?.sources ?? [])],
    window: bars.window,
  };
  if (wanted.json) printJson(io, report);
  else io.stdout(summary(report, providerText));
  return EXIT.ok;
}

/**
 * `steward data`: the bars a provider serves for a window, their quality findings and sources.
 * Exit 0 when the data was served (findings, blocking or not, are reported, not fatal: failing
 * closed is the Data agent's job); 1 when the provider refuses (unknown symbol, malformed file),
 * naming the symbol or file; 2 for a usage error (bad date, unknown provider, bad flags).
 */
export function createDataCommand(deps: DataCommandDeps): Command {
  return async (args, io) => {
    try {
      return await run(args, io, deps);
    } catch (error) {
      if (!(error instanceof MarketDataError)) throw error;
      if (args.includes("--json")) {
        printJson(io, {
          error: { code: error.code, message: error.message, field: error.field ?? null },
        });
      }
      io.stderr(`steward data: ${error.message}\n`);
      return EXIT.failed;
    }
  };
}

/** The registered command: the real clock, read only when yahoo needs today's date. */
export const dataCommand: Command = createDataCommand({ clock: () => new Date() });
