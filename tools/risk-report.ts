import { calmarRatio, type DrawdownDetails, drawdownDetails } from "./drawdown.js";
import { insufficientData, invalidInput, isToolError, ToolError } from "./errors.js";
import {
  annualReturn,
  annualVolatility,
  cumulativeReturn,
  downsideDeviation,
  type MaybeFigure,
  resolvePerformanceOptions,
  sharpeRatio,
  sortinoRatio,
} from "./performance.js";
import type { PriceTable } from "./price-table.js";
import { alpha, beta, informationRatio, trackingError } from "./relative.js";
import {
  alignReturns,
  type DatedReturns,
  rebalancedPortfolioReturns,
  returnsFromColumn,
} from "./returns.js";
import { assertConfidence } from "./validate.js";
import { historicalTail, parametricCvar, parametricVar } from "./var.js";

/** Input of `steward risk`: a price table, how to weight it, an optional one-column benchmark. */
export interface RiskReportInput {
  readonly table: PriceTable;
  /** Fixed weights by symbol, summing to 1 (within 1e-6); negative weights (shorts) allowed. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Weight every symbol of the table 1/n (instead of `weights`). */
  readonly equalWeight?: boolean;
  /** Benchmark prices: exactly one column. */
  readonly benchmark?: PriceTable;
  readonly riskFree?: number;
  readonly confidence?: number;
  readonly periodsPerYear?: number;
}

export const DEFAULT_RISK_REPORT_OPTIONS = { riskFree: 0, confidence: 0.95, periodsPerYear: 252 };

/** One-line definitions, in report order (`P` periods per year, `m` the benchmark). */
const DEFINITIONS = {
  annualReturn: "CAGR (prod(1 + r))^(P/T) - 1",
  cumulativeReturn: "prod(1 + r) - 1",
  annualVolatility: "std(r) * sqrt(P), sample std (ddof 1)",
  sharpe: "mean(r - rf/P) / std(r - rf/P) * sqrt(P)",
  sortino: "mean(r - rf/P) * P / downsideDeviation",
  downsideDeviation: "sqrt(mean(min(r - rf/P, 0)^2)) * sqrt(P), mean over all returns",
  maxDrawdown: "max(1 - W_t / running peak of W), W compounded wealth starting at 1",
  calmar: "annualReturn / maxDrawdown",
  var95: "historical VaR: -quantile(r, 1 - confidence), type 7 (linear) quantile, one day",
  cvar95: "historical CVaR: -mean(r where r <= that quantile), one day",
  parametricVar95: "normal VaR: -(mean + std * z), z = inverse normal cdf(1 - confidence), one day",
  parametricCvar95: "normal CVaR: -(mean - std * pdf(z) / (1 - confidence)), one day",
  beta: "cov(r, m) / var(m) on the dates both have",
  alpha: "Jensen, annual, arithmetic: (mean(r - rf/P) - beta * mean(m - rf/P)) * P",
  trackingError: "std(r - m) * sqrt(P)",
  informationRatio: "mean(r - m) * P / trackingError",
};

const RELATIVE = ["beta", "alpha", "trackingError", "informationRatio"] as const;
export type RelativeMetric = (typeof RELATIVE)[number];
const isRelative = (key: string): boolean => (RELATIVE as readonly string[]).includes(key);
export type CoreMetric = Exclude<keyof typeof DEFINITIONS, RelativeMetric>;
/** Every figure is a number or `null` (see `unavailable` for why); relative ones need a benchmark. */
export type RiskMetrics = { readonly [K in CoreMetric]: number | null } & {
  readonly [K in RelativeMetric]?: number | null;
};

export type DrawdownSummary = Pick<
  DrawdownDetails,
  "peakDate" | "troughDate" | "recoveryDate" | "durationDays"
>;

export interface SeriesRisk {
  readonly metrics: RiskMetrics;
  /** Metric → reason it is `null`; absent when every metric was computed. */
  readonly unavailable?: Readonly<Record<string, string>>;
  readonly drawdown: DrawdownSummary | null;
  /** Number of daily returns. */
  readonly observations: number;
  /** Date of the first price used (wealth = 1), and of the last return. */
  readonly start: string | null;
  readonly end: string | null;
  /** Return dates shared with the benchmark (the sample of beta, alpha, TE, IR). */
  readonly benchmarkObservations?: number;
}

export interface RiskReport {
  readonly conventions: { readonly confidence: number; readonly riskFree: number } & {
    readonly periodsPerYear: number;
    readonly definitions: Readonly<Record<string, string>>;
  } & Readonly<Record<"units" | "signs" | "names" | "returns" | "portfolio", string>>;
  readonly portfolio: SeriesRisk & { readonly weights: Readonly<Record<string, number>> };
  readonly assets: Readonly<Record<string, SeriesRisk>>;
  readonly benchmark?: { readonly symbol: string } & Pick<
    SeriesRisk,
    "observations" | "start" | "end"
  >;
}

type Settings = Required<Pick<RiskReportInput, "riskFree" | "confidence" | "periodsPerYear">>;
/** Dated returns plus the date of the starting wealth (the price before the first return). */
type Series = DatedReturns & { readonly start: string | null };

function resolveWeights(input: RiskReportInput): Map<string, number> {
  const { table, weights, equalWeight } = input;
  const symbols = table.symbols;
  if (equalWeight !== undefined && typeof equalWeight !== "boolean") {
    throw invalidInput("equalWeight", `must be true or false, got ${String(equalWeight)}`);
  }
  if (weights !== undefined && equalWeight === true) {
    throw invalidInput("equalWeight", "cannot be combined with weights; give one or the other");
  }
  if (weights === undefined) {
    if (equalWeight === true || symbols.length === 1) {
      return new Map(symbols.map((s) => [s, 1 / symbols.length]));
    }
    throw invalidInput(
      "weights",
      `the table has ${symbols.length} symbols (${symbols.join(", ")}); give weights or equalWeight`,
    );
  }
  if (typeof weights !== "object" || weights === null || Array.isArray(weights)) {
    throw invalidInput("weights", 'must be an object {"SYMBOL": weight, …}');
  }
  const out = new Map<string, number>();
  let total = 0;
  for (const [symbol, w] of Object.entries(weights)) {
    if (!symbols.includes(symbol)) {
      throw invalidInput(
        `weights.${symbol}`,
        `unknown symbol; the table has ${symbols.join(", ")}`,
      );
    }
    if (typeof w !== "number" || !Number.isFinite(w)) {
      throw invalidInput(`weights.${symbol}`, `must be a finite number, got ${String(w)}`);
    }
    out.set(symbol, w);
    total += w;
  }
  if (Math.abs(total - 1) > 1e-6) {
    throw invalidInput("weights", `must sum to 1 (within 1e-6), got ${total}`);
  }
  return new Map(symbols.filter((s) => out.has(s)).map((s) => [s, out.get(s) as number]));
}

function columnSeries(table: PriceTable, j: number, source: string): Series {
  const column = table.columns[j] ?? [];
  const field = `${source}.${table.symbols[j] as string}`;
  const { dates, returns } = returnsFromColumn(table.dates, column, "simple", field);
  const first = column.findIndex((p) => p !== null && p !== undefined);
  return { dates, returns, start: first < 0 ? null : (table.dates[first] as string) };
}

function span(series: Series): Pick<SeriesRisk, "observations" | "start" | "end"> {
  const end = series.dates[series.dates.length - 1] ?? series.start;
  return { observations: series.returns.length, start: series.start, end };
}

function tryTool<T>(compute: () => T): T | ToolError {
  try {
    return compute();
  } catch (error) {
    if (isToolError(error)) return error;
    throw error;
  }
}

function evaluate(series: Series, bench: DatedReturns | null, s: Settings): SeriesRisk {
  const metrics: Record<string, number | null> = {};
  const unavailable: Record<string, string> = {};
  const put = (name: string, compute: () => number | MaybeFigure | ToolError): void => {
    const result = tryTool(compute);
    const figure: MaybeFigure =
      result instanceof ToolError
        ? { value: null, reason: result.message }
        : typeof result !== "number"
          ? result
          : Number.isFinite(result)
            ? { value: result }
            : { value: null, reason: "not a finite number" };
    metrics[name] = figure.value === 0 ? 0 : figure.value; // −0 (e.g. −quantile 0) prints as 0
    if (figure.value === null) unavailable[name] = figure.reason;
  };
  const r = series.returns;
  const perf = { periodsPerYear: s.periodsPerYear, riskFree: s.riskFree };
  const tail = { confidence: s.confidence };
  const wealthDates = series.start === null ? [] : [series.start, ...series.dates];
  const dd = tryTool(() => drawdownDetails(r, wealthDates));
  put("annualReturn", () => annualReturn(r, perf));
  put("cumulativeReturn", () => cumulativeReturn(r));
  put("annualVolatility", () => annualVolatility(r, perf));
  put("sharpe", () => sharpeRatio(r, perf));
  put("sortino", () => sortinoRatio(r, perf));
  put("downsideDeviation", () => downsideDeviation(r, perf));
  put("maxDrawdown", () => (dd instanceof ToolError ? dd : dd.maxDrawdown));
  put("calmar", () => calmarRatio(r, perf));
  const historical = tryTool(() => historicalTail(r, tail));
  put("var95", () => (historical instanceof ToolError ? historical : historical.var));
  put("cvar95", () => (historical instanceof ToolError ? historical : historical.cvar));
  put("parametricVar95", () => parametricVar(r, tail));
  put("parametricCvar95", () => parametricCvar(r, tail));
  let benchmarkObservations: number | undefined;
  if (bench !== null) {
    const { a, b, dates } = alignReturns(series, bench);
    benchmarkObservations = dates.length;
    const short = insufficientData(
      "benchmark",
      `shares ${dates.length} return dates with this series; at least 2 are needed`,
    );
    const paired = (f: () => number) => (dates.length < 2 ? () => short : f);
    put(
      "beta",
      paired(() => beta(a, b)),
    );
    put(
      "alpha",
      paired(() => alpha(a, b, perf)),
    );
    put(
      "trackingError",
      paired(() => trackingError(a, b, perf)),
    );
    put(
      "informationRatio",
      paired(() => informationRatio(a, b, perf)),
    );
  }
  if (dd instanceof ToolError) unavailable["drawdown"] = dd.message;
  return {
    metrics: metrics as RiskMetrics,
    ...(Object.keys(unavailable).length > 0 ? { unavailable } : {}),
    drawdown: dd instanceof ToolError ? null : summarise(dd),
    ...span(series),
    ...(benchmarkObservations === undefined ? {} : { benchmarkObservations }),
  };
}

function summarise(d: DrawdownDetails): DrawdownSummary {
  const { peakDate, troughDate, recoveryDate, durationDays } = d;
  return { peakDate, troughDate, recoveryDate, durationDays };
}

/**
 * The `steward risk` report: realised risk figures (QUANT-CONVENTIONS.md; fractions, VaR/CVaR
 * and max drawdown as positive losses) of the portfolio and of each asset in the table. The
 * portfolio is rebalanced daily to fixed weights (`rebalancedPortfolioReturns`) on the dates all
 * assets with a non-zero weight have returns; a single-column table is that asset's portfolio.
 * Each asset is measured over its own history. With a benchmark, beta/alpha/tracking
 * error/information ratio use the dates each series shares with it. A figure that cannot be
 * computed is `null` with its reason in `unavailable`; no NaN or Infinity is ever emitted.
 * Throws, naming the field, on bad weights, a benchmark that is not one column, or fewer than 2
 * portfolio returns (or portfolio returns shared with the benchmark).
 * @example riskReport({ table: { dates: ["2024-01-01", "2024-01-02", "2024-01-03"], symbols: ["A"],
 *   columns: [[100, 110, 99]] } }).portfolio.metrics.cumulativeReturn // -0.009999999999999907
 */
export function riskReport(input: RiskReportInput): RiskReport {
  const { periodsPerYear, riskFree } = resolvePerformanceOptions({
    periodsPerYear: input.periodsPerYear ?? DEFAULT_RISK_REPORT_OPTIONS.periodsPerYear,
    riskFree: input.riskFree ?? DEFAULT_RISK_REPORT_OPTIONS.riskFree,
  });
  const confidence = input.confidence ?? DEFAULT_RISK_REPORT_OPTIONS.confidence;
  assertConfidence("confidence", confidence);
  const settings: Settings = { riskFree, confidence, periodsPerYear };
  const { table } = input;
  if (table.symbols.length === 0) throw invalidInput("table", "has no symbol columns");
  const weights = resolveWeights(input);

  const b = input.benchmark;
  if (b !== undefined && b.symbols.length !== 1) {
    throw invalidInput("benchmark", `must have exactly one column, got ${b.symbols.length}`);
  }
  const bench = b === undefined ? null : columnSeries(b, 0, "benchmark");

  const series = table.symbols.map((_, j) => columnSeries(table, j, "table"));
  const weighted = table.symbols.flatMap((sym, j) =>
    (weights.get(sym) ?? 0) !== 0
      ? [{ sym, w: weights.get(sym) as number, s: series[j] as Series }]
      : [],
  );
  const combined = rebalancedPortfolioReturns(
    weighted.map((x) => x.s),
    weighted.map((x) => x.w),
  );
  if (combined.returns.length < 2) {
    throw insufficientData(
      "weights",
      `the weighted assets (${weighted.map((x) => x.sym).join(", ")}) share ${combined.returns.length} return dates; at least 2 are needed`,
    );
  }
  const firstAt = table.dates.indexOf(combined.dates[0] as string);
  const portfolioSeries: Series = { ...combined, start: table.dates[firstAt - 1] ?? null };
  if (bench !== null) {
    const overlap = alignReturns(portfolioSeries, bench).dates.length;
    if (overlap < 2) {
      throw insufficientData(
        "benchmark",
        `shares ${overlap} return dates with the portfolio; at least 2 are needed`,
      );
    }
  }

  const assets: Record<string, SeriesRisk> = {};
  table.symbols.forEach((sym, j) => {
    assets[sym] = evaluate(series[j] as Series, bench, settings);
  });
  return {
    conventions: {
      confidence,
      riskFree,
      periodsPerYear,
      units: "fractions (0.05 = 5%), ratios unitless; riskFree is an annual rate, rf/P per day",
      signs:
        "VaR, CVaR and maxDrawdown are positive loss fractions (0.02 = a 2% loss); returns and alpha are positive gains",
      names:
        "var95, cvar95, parametricVar95 and parametricCvar95 keep their names but use the confidence above",
      returns:
        "daily simple returns p_t / p_(t-1) - 1 over each series' own prices; nothing filled forward",
      portfolio:
        "rebalanced daily to fixed weights, on the dates every non-zero-weight asset has a return",
      definitions: Object.fromEntries(
        Object.entries(DEFINITIONS).filter(([key]) => bench !== null || !isRelative(key)),
      ),
    },
    portfolio: {
      ...evaluate(portfolioSeries, bench, settings),
      weights: Object.fromEntries(weights),
    },
    assets,
    ...(b === undefined || bench === null
      ? {}
      : { benchmark: { symbol: b.symbols[0] as string, ...span(bench) } }),
  };
}
