import { invalidInput, parsePriceCsv, riskReport, formatRiskTable } from "../../tools/index.js";
import { numberFlag, parseFlags, readInputFile, requireFlag } from "../args.js";
import { EXIT, UsageError, type Command } from "../io.js";
import { printJson } from "../output.js";

/** Parses a weights file `{"SYMBOL": weight, …}`; values must be JSON numbers. */
export function parseWeightsJson(text: string, source: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidInput(
      source,
      `is not valid JSON (${error instanceof Error ? error.message : "parse error"})`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidInput(source, 'must be a JSON object {"SYMBOL": weight, …}');
  }
  const weights: Record<string, number> = {};
  for (const [symbol, value] of Object.entries(parsed)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw invalidInput(
        `weights.${symbol}`,
        `must be a finite number, got ${JSON.stringify(value)}`,
      );
    }
    weights[symbol] = value;
  }
  return weights;
}

/** `steward risk`: realised risk and performance of a portfolio and its assets from a price CSV. */
export const riskCommand: Command = async (args, io) => {
  const flags = parseFlags("risk", args, {
    prices: { type: "string" },
    weights: { type: "string" },
    "equal-weight": { type: "boolean" },
    benchmark: { type: "string" },
    "risk-free": { type: "string" },
    confidence: { type: "string" },
    "periods-per-year": { type: "string" },
    json: { type: "boolean" },
  });
  const pricesFile = requireFlag("risk", "prices", flags.prices);
  if (flags.weights !== undefined && flags["equal-weight"] === true) {
    throw new UsageError("steward risk: give either --weights or --equal-weight, not both");
  }
  const riskFree = numberFlag("risk", "risk-free", flags["risk-free"], { min: -1, max: 1 });
  const confidence = numberFlag("risk", "confidence", flags.confidence, {
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
  });
  const periodsPerYear = numberFlag("risk", "periods-per-year", flags["periods-per-year"], {
    min: 1,
    max: 366,
  });

  const table = parsePriceCsv(
    await readInputFile("risk", "prices", pricesFile, io.cwd),
    pricesFile,
  );
  const weights =
    flags.weights === undefined
      ? undefined
      : parseWeightsJson(
          await readInputFile("risk", "weights", flags.weights, io.cwd),
          flags.weights,
        );
  const benchmark =
    flags.benchmark === undefined
      ? undefined
      : parsePriceCsv(
          await readInputFile("risk", "benchmark", flags.benchmark, io.cwd),
          flags.benchmark,
        );

  const report = riskReport({
    table,
    ...(weights === undefined ? {} : { weights }),
    ...(flags["equal-weight"] === true ? { equalWeight: true } : {}),
    ...(benchmark === undefined ? {} : { benchmark }),
    ...(riskFree === undefined ? {} : { riskFree }),
    ...(confidence === undefined ? {} : { confidence }),
    ...(periodsPerYear === undefined ? {} : { periodsPerYear }),
  });
  if (flags.json === true) printJson(io, report);
  else io.stdout(`${formatRiskTable(report)}\n`);
  return EXIT.ok;
};
