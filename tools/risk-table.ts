import type { CoreMetric, RelativeMetric, RiskReport, SeriesRisk } from "./risk-report.js";

/** Presentation of the `steward risk` report for a terminal (the JSON form is the report itself). */

// Metric, column header, shown as percent (%) or as a ratio (x).
// prettier-ignore
const COLUMNS: readonly (readonly [CoreMetric | RelativeMetric, string, "%" | "x"])[] = [
  ["annualReturn", "AnnRet%", "%"], ["annualVolatility", "Vol%", "%"], ["sharpe", "Sharpe", "x"],
  ["sortino", "Sortino", "x"], ["maxDrawdown", "MaxDD%", "%"], ["calmar", "Calmar", "x"],
  ["var95", "VaR%", "%"], ["cvar95", "CVaR%", "%"],
];
// prettier-ignore
const BENCHMARK_COLUMNS: readonly (readonly [RelativeMetric, string, "%" | "x"])[] = [
  ["beta", "Beta", "x"], ["alpha", "Alpha%", "%"], ["trackingError", "TE%", "%"],
  ["informationRatio", "IR", "x"],
];

/**
 * The readable table `steward risk` prints without `--json`: a header with the portfolio's
 * period, observations and the conventions, then one fixed-width row for the portfolio and each
 * asset. Fractions are shown in percent with 2 decimals, ratios with 2 decimals, `n/a` where a
 * figure is `null`; the benchmark columns appear only when the report has a benchmark.
 * @example formatRiskTable(riskReport({ table: AB, weights: { A: 0.5, B: 0.5 } })).split("\n")[0]
 *   // "Risk report: portfolio 2024-01-01 … 2024-01-04, 3 daily returns" (AB: 4 days of 2 prices)
 */
export function formatRiskTable(report: RiskReport): string {
  const { conventions: c, portfolio } = report;
  const level = `${Number((c.confidence * 100).toFixed(4))}`;
  const columns = report.benchmark === undefined ? COLUMNS : [...COLUMNS, ...BENCHMARK_COLUMNS];
  const rows: [string, SeriesRisk][] = [["PORTFOLIO", portfolio], ...Object.entries(report.assets)];
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const cells = (label: string, risk: SeriesRisk): string[] => [
    label.padEnd(nameWidth),
    ...columns.map(([key, , unit]) => {
      const v = risk.metrics[key];
      return v === null || v === undefined ? "n/a" : (unit === "%" ? v * 100 : v).toFixed(2);
    }),
    String(risk.observations),
    risk.start ?? "n/a",
  ];
  const header = [
    "".padEnd(nameWidth),
    ...columns.map(([, label]) => label.replace(/^(C?VaR)/, `$1${level}`)),
    "Obs",
    "From",
  ];
  const body = rows.map(([name, risk]) => cells(name, risk));
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === 0 ? cell : cell.padStart(widths[i] as number)))
      .join("  ")
      .trimEnd();
  const bench = report.benchmark === undefined ? "" : `; benchmark ${report.benchmark.symbol}`;
  return [
    `Risk report: portfolio ${portfolio.start ?? "n/a"} … ${portfolio.end ?? "n/a"}, ${portfolio.observations} daily returns${bench}`,
    `Confidence ${level}%, risk-free ${(c.riskFree * 100).toFixed(2)}% a year, ${c.periodsPerYear} periods a year; % columns are fractions × 100.`,
    'VaR, CVaR and MaxDD are positive losses (one day for VaR/CVaR); n/a = not computable (see --json "unavailable").',
    "",
    line(header),
    line(header.map((_, i) => "-".repeat(widths[i] as number))),
    ...body.map(line),
  ].join("\n");
}
