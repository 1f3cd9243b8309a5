import { isIsoDate, parsePriceCsv, forecast, type ForecastReport } from "../../tools/index.js";
import { parseFlags, readInputFile, requireFlag } from "../args.js";
import { EXIT, UsageError, type Command } from "../io.js";
import { printJson } from "../output.js";

const pct = (x: number | null): string => (x === null ? "n/a" : `${(x * 100).toFixed(2)}`);

/** The readable form of a forecast: one row per asset. */
export function formatForecastTable(report: ForecastReport): string {
  const lines = [
    `Forecast as of ${report.asOf} (data to ${report.lastDataDate ?? "none"}), horizon ${report.horizonDays} trading days; returns annualised, %.`,
    "",
    `${"symbol".padEnd(12)} ${"E[r]%".padStart(8)} ${"dir".padStart(5)} ${"conf".padStart(5)} ${"regime".padStart(9)}  signals (weight)`,
  ];
  for (const [symbol, a] of Object.entries(report.assets)) {
    const signals = a.signals
      .map((s) => `${s.name} ${pct(s.expectedAnnualReturn)} (${s.weight.toFixed(2)})`)
      .join(", ");
    lines.push(
      `${symbol.padEnd(12)} ${pct(a.expectedAnnualReturn).padStart(8)} ${(a.direction ?? "n/a").padStart(5)} ${a.confidence.toFixed(2).padStart(5)} ${(a.regime ?? "n/a").padStart(9)}  ${signals}`,
    );
    if (a.reason !== undefined) lines.push(`${"".padEnd(12)} ↳ ${a.reason}`);
  }
  return lines.join("\n");
}

/** `steward forecast --prices <csv> [--as-of D] [--json]`: the point-in-time forecasting ensemble. */
export const forecastCommand: Command = async (args, io) => {
  const flags = parseFlags("forecast", args, {
    prices: { type: "string" },
    "as-of": { type: "string" },
    json: { type: "boolean" },
  });
  const file = requireFlag("forecast", "prices", flags.prices);
  const asOf = flags["as-of"];
  if (asOf !== undefined && !isIsoDate(asOf)) {
    throw new UsageError(`steward forecast: --as-of must be a date YYYY-MM-DD, got "${asOf}"`);
  }
  const table = parsePriceCsv(await readInputFile("forecast", "prices", file, io.cwd), file);
  const report = forecast(table, asOf === undefined ? {} : { asOf });
  if (flags.json === true) printJson(io, report);
  else io.stdout(`${formatForecastTable(report)}\n`);
  return EXIT.ok;
};
