import {
  blackLitterman,
  blackLittermanWeights,
  type BlackLittermanView,
  covarianceMatrix,
  type CovarianceMethod,
  invalidInput,
  expectedReturns,
  type ExpectedReturnMethod,
  hrp,
  hrpFromReturns,
  efficientReturn,
  efficientRisk,
  maxSharpe,
  minVolatility,
  portfolioPerformance,
  type MeanVarianceProblem,
  parsePriceCsv,
  returnMatrix,
  riskParity,
} from "../../tools/index.js";
import { numberFlag, parseFlags, readInputFile, requireFlag } from "../args.js";
import { EXIT, UsageError, type Command } from "../io.js";
import { printJson } from "../output.js";

const OBJECTIVES = [
  "max-sharpe",
  "min-volatility",
  "efficient-risk",
  "efficient-return",
  "risk-parity",
  "hrp",
  "black-litterman",
] as const;
type Objective = (typeof OBJECTIVES)[number];
const RETURN_METHODS: readonly ExpectedReturnMethod[] = ["geometric", "arithmetic", "ewma"];
const COVARIANCE_METHODS: readonly CovarianceMethod[] = ["sample", "ledoit-wolf", "ewma"];

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback?: T,
): T {
  if (value === undefined) {
    if (fallback === undefined)
      throw new UsageError(`steward optimize: --${flag} is required (${allowed.join("|")})`);
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(
      `steward optimize: --${flag} must be one of ${allowed.join(", ")}, got "${value}"`,
    );
  }
  return value as T;
}

interface ViewsFile {
  readonly views: BlackLittermanView[];
  readonly marketCaps?: Record<string, number>;
  readonly riskAversion?: number;
  readonly tau?: number;
}

/**
 * Parses `--views`: either an array of views, or `{ "views": [...], "marketCaps"?: {SYMBOL: cap},
 * "riskAversion"?: δ, "tau"?: τ }`. Each view is `{"type": "absolute", "asset", "return",
 * "confidence"?}` or `{"type": "relative", "long", "short", "return", "confidence"?}`; the tool
 * validates the fields and names the view at fault.
 */
export function parseViewsJson(text: string, source: string): ViewsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidInput(
      source,
      `is not valid JSON (${error instanceof Error ? error.message : "parse error"})`,
    );
  }
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(parsed)) return { views: parsed as BlackLittermanView[] };
  if (!isRecord(parsed) || !Array.isArray(parsed.views)) {
    throw invalidInput(
      source,
      'must be an array of views or {"views": [...], "marketCaps"?, "riskAversion"?, "tau"?}',
    );
  }
  for (const key of Object.keys(parsed)) {
    if (!["views", "marketCaps", "riskAversion", "tau"].includes(key))
      throw invalidInput(`views.${key}`, "unknown field");
  }
  const { marketCaps, riskAversion, tau } = parsed;
  if (marketCaps !== undefined && !isRecord(marketCaps))
    throw invalidInput("views.marketCaps", "must be {SYMBOL: cap}");
  if (riskAversion !== undefined && typeof riskAversion !== "number")
    throw invalidInput("views.riskAversion", "must be a number");
  if (tau !== undefined && typeof tau !== "number")
    throw invalidInput("views.tau", "must be a number");
  return {
    views: parsed.views as BlackLittermanView[],
    ...(marketCaps === undefined ? {} : { marketCaps: marketCaps as Record<string, number> }),
    ...(riskAversion === undefined ? {} : { riskAversion }),
    ...(tau === undefined ? {} : { tau }),
  };
}

/** `steward optimize`: target weights from a price CSV (QUANT-CONVENTIONS.md defaults). */
export const optimizeCommand: Command = async (args, io) => {
  const flags = parseFlags("optimize", args, {
    prices: { type: "string" },
    objective: { type: "string" },
    "risk-free": { type: "string" },
    "target-volatility": { type: "string" },
    "target-return": { type: "string" },
    "expected-returns": { type: "string" },
    covariance: { type: "string" },
    "min-weight": { type: "string" },
    "max-weight": { type: "string" },
    views: { type: "string" },
    json: { type: "boolean" },
  });
  const file = requireFlag("optimize", "prices", flags.prices);
  const objective = oneOf<Objective>("objective", flags.objective, OBJECTIVES);
  const returnsMethod = oneOf(
    "expected-returns",
    flags["expected-returns"],
    RETURN_METHODS,
    "geometric",
  );
  const covMethod = oneOf("covariance", flags.covariance, COVARIANCE_METHODS, "sample");
  const riskFree =
    numberFlag("optimize", "risk-free", flags["risk-free"], { min: -1, max: 1 }) ?? 0;
  const minWeight = numberFlag("optimize", "min-weight", flags["min-weight"], { min: -1, max: 1 });
  const maxWeight = numberFlag("optimize", "max-weight", flags["max-weight"], { min: -1, max: 1 });
  const targetVolatility = numberFlag("optimize", "target-volatility", flags["target-volatility"], {
    min: 0,
    exclusiveMin: true,
  });
  const targetReturn = numberFlag("optimize", "target-return", flags["target-return"]);
  if (objective === "efficient-risk" && targetVolatility === undefined) {
    throw new UsageError("steward optimize: --objective efficient-risk needs --target-volatility");
  }
  if (objective === "efficient-return" && targetReturn === undefined) {
    throw new UsageError("steward optimize: --objective efficient-return needs --target-return");
  }
  if (
    (objective === "hrp" || objective === "risk-parity") &&
    (minWeight !== undefined || maxWeight !== undefined)
  ) {
    throw new UsageError(
      `steward optimize: --min-weight/--max-weight do not apply to ${objective} (long-only by construction)`,
    );
  }
  if (objective === "black-litterman" && flags.views === undefined) {
    throw new UsageError("steward optimize: --objective black-litterman needs --views <json>");
  }
  if (objective !== "black-litterman" && flags.views !== undefined) {
    throw new UsageError("steward optimize: --views applies to --objective black-litterman only");
  }

  const table = parsePriceCsv(await readInputFile("optimize", "prices", file, io.cwd), file);
  const views =
    flags.views === undefined
      ? undefined
      : parseViewsJson(await readInputFile("optimize", "views", flags.views, io.cwd), flags.views);
  const matrix = returnMatrix(table);
  const mu = expectedReturns(matrix, { method: returnsMethod });
  const cov = covarianceMatrix(matrix, { method: covMethod });
  const symbols = matrix.symbols;
  const bounds = { min: minWeight ?? 0, max: maxWeight ?? 1 };
  const problem: MeanVarianceProblem = {
    symbols,
    expectedReturns: mu,
    covariance: cov.matrix,
    constraints: { bounds },
  };

  let weights: readonly number[];
  let extra: Record<string, unknown> = {};
  switch (objective) {
    case "max-sharpe":
      weights = maxSharpe(problem, { riskFree }).weights;
      break;
    case "min-volatility":
      weights = minVolatility(problem, { riskFree }).weights;
      break;
    case "efficient-risk":
      weights = efficientRisk(problem, targetVolatility as number, { riskFree }).weights;
      break;
    case "efficient-return":
      weights = efficientReturn(problem, targetReturn as number, { riskFree }).weights;
      break;
    case "risk-parity": {
      const rp = riskParity(cov.matrix, { symbols });
      weights = rp.weights;
      extra = {
        riskContributions: Object.fromEntries(symbols.map((s, i) => [s, rp.riskContributions[i]])),
      };
      break;
    }
    case "hrp":
      weights = (
        covMethod === "sample" ? hrpFromReturns(matrix) : hrp({ covariance: cov.matrix, symbols })
      ).weights;
      break;
    case "black-litterman": {
      const v = views as ViewsFile;
      const bl = blackLitterman({
        symbols,
        covariance: cov.matrix,
        views: v.views,
        ...(v.marketCaps === undefined ? { priorReturns: mu } : { marketCaps: v.marketCaps }),
        ...(v.riskAversion === undefined ? {} : { riskAversion: v.riskAversion }),
        ...(v.tau === undefined ? {} : { tau: v.tau }),
      });
      weights = blackLittermanWeights(bl, { riskFree, constraints: { bounds } }).weights;
      extra = {
        prior:
          v.marketCaps === undefined
            ? `historical ${returnsMethod} expected returns`
            : "market-implied (δΣw_mkt)",
        posteriorReturns: Object.fromEntries(symbols.map((s, i) => [s, bl.posteriorReturns[i]])),
      };
      break;
    }
  }
  // Performance is reported on the historical μ and Σ for every objective, so objectives compare.
  const performance = portfolioPerformance(weights, mu, cov.matrix, riskFree);
  const result = {
    objective,
    weights: Object.fromEntries(symbols.map((s, i) => [s, weights[i] as number])),
    performance: {
      expectedReturn: performance.expectedReturn,
      volatility: performance.volatility,
      sharpe: performance.sharpe,
    },
    inputs: {
      prices: file,
      assets: symbols.length,
      start: table.dates[0],
      end: table.dates[table.dates.length - 1],
      expectedReturns: returnsMethod,
      covariance: covMethod,
      covarianceRepaired: cov.repaired,
      periodsPerYear: 252,
      riskFree,
      bounds,
      ...(targetVolatility === undefined ? {} : { targetVolatility }),
      ...(targetReturn === undefined ? {} : { targetReturn }),
    },
    ...extra,
  };
  if (flags.json === true) {
    printJson(io, result);
  } else {
    const lines = [
      `${objective}: expected return ${(performance.expectedReturn * 100).toFixed(2)}%, volatility ${(performance.volatility * 100).toFixed(2)}%, Sharpe ${performance.sharpe === null ? "n/a" : performance.sharpe.toFixed(3)} (rf ${riskFree})`,
      "",
      ...symbols
        .map((s, i) => [s, weights[i] as number] as const)
        .filter(([, w]) => w !== 0)
        .sort((a, b) => b[1] - a[1])
        .map(([s, w]) => `  ${s.padEnd(12)} ${(w * 100).toFixed(2).padStart(7)}%`),
    ];
    io.stdout(`${lines.join("\n")}\n`);
  }
  return EXIT.ok;
};
