import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { AssetClassSchema, RiskLimitsSchema, SymbolSchema } from "../governance/index.js";
import {
  alignReturns,
  annualVolatility,
  applyScenario,
  covarianceMatrix,
  createRandom,
  drawdownSeries,
  expectedReturns,
  getScenario,
  historicalTail,
  insufficientData,
  invalidInput,
  isToolError,
  maxDrawdown,
  parametricCvar,
  parametricVar,
  onCalendar,
  rebalancedPortfolioReturnsOnCalendar,
  returnMatrix,
  returnsFromColumn,
  SCENARIOS,
  oneAssetNormals,
  simulatePortfolio,
  oneAssetPathProfile,
  stressedParameters,
  trackingError,
  type AssetClass,
  type DatedReturns,
  type PriceTable,
  type ScenarioName,
} from "../tools/index.js";
import { PriceTableSchema, RecommendedBySchema, WeightsSchema, WindowSchema } from "./schemas.js";
import { NO_MEMO, type AnalysisMemo } from "./analysis-memo.js";

/**
 * The Risk agent: the current and the proposed portfolio measured the same way over the same
 * lookback — ex-ante volatility and expected return from the covariance and geometric expected
 * returns, realised one-day VaR/CVaR, max drawdown and tracking error of the weights held daily
 * rebalanced, the ex-ante tracking error between the two, a seeded Monte Carlo and scenario
 * shocks of the proposal, and every mandate risk limit it breaches. Long-only: weights ≥ 0, cash
 * is the remainder (or the `CASH` key) with zero return and zero volatility.
 */

export const NAME = "risk";
export const VERSION = "1.0.0";

/** The weights key that names cash explicitly (otherwise cash is `1 − Σ weights`). */
export const CASH = "CASH";

export const DEFAULT_RISK_SCENARIOS = [
  "equity-crash-20",
  "rate-shock",
  "crypto-crash",
  "correlation-crisis",
] as const satisfies readonly ScenarioName[];

/** A limit is breached when `value > max · (1 + BREACH_TOLERANCE)` (absorbs optimiser round-off). */
export const BREACH_TOLERANCE = 1e-9;

const SCENARIO_NAMES = Object.keys(SCENARIOS) as [ScenarioName, ...ScenarioName[]];

export const MonteCarloSettingsSchema = z.object({
  seed: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  paths: z.number().int().min(1).max(1_000_000).default(10_000),
  horizonDays: z.number().int().min(1).max(25_200).default(21),
  /** `portfolio`: one GBM with the portfolio's μ and σ (fast); `multi-asset`: every asset, buy and hold. */
  mode: z.enum(["portfolio", "multi-asset"]).default("portfolio"),
});

export const RiskInputSchema = z.object({
  table: PriceTableSchema,
  currentWeights: WeightsSchema,
  proposedWeights: WeightsSchema.optional(),
  /** A symbol of the table; realised tracking error is measured against it. */
  benchmark: SymbolSchema.optional(),
  riskLimits: RiskLimitsSchema.default({}),
  confidence: z.number().gt(0).lt(1).default(0.95),
  monteCarlo: MonteCarloSettingsSchema,
  scenarios: z.array(z.enum(SCENARIO_NAMES)).default([...DEFAULT_RISK_SCENARIOS]),
  /** Asset class of every held symbol (needed for the scenario shocks). */
  assetClasses: z.record(SymbolSchema, AssetClassSchema).default({}),
  /** Returns in the window: the last `lookbackDays + 1` dates of the table. */
  lookbackDays: z.number().int().min(2).default(756),
  periodsPerYear: z.number().int().min(1).max(366).default(252),
  /** Portfolio value the Monte Carlo and scenario P&L are expressed in (1 = fractions of NAV). */
  portfolioValue: z.number().finite().positive().default(1),
});

const RiskOptionsSchema = RiskInputSchema.omit({ table: true });

const Figure = z.number().finite().nullable();

export const BreachSchema = z.object({
  limit: z.enum(["maxVolatility", "maxVar95", "maxTrackingError", "maxDrawdown"]),
  value: z.number().finite(),
  max: z.number().finite(),
});

export const PortfolioRiskSchema = z.object({
  /** Weights by symbol (held symbols only, sorted) and cash. */
  weights: z.record(z.string(), z.number().finite()),
  cashWeight: z.number().finite(),
  /** `wᵀμ`, μ geometric annual returns over the lookback; cash 0. */
  expectedReturn: z.number().finite(),
  /** Ex-ante annual volatility `√(wᵀΣw)`. */
  volatility: z.number().finite().min(0),
  /** `std(r_p) · √P` of the daily-rebalanced portfolio returns. */
  realisedVolatility: Figure,
  /** One-day historical VaR / CVaR at `confidence` (positive = loss). */
  var95: Figure,
  cvar95: Figure,
  parametricVar95: Figure,
  parametricCvar95: Figure,
  /** Largest peak-to-trough loss over the lookback (positive fraction). */
  maxDrawdown: Figure,
  /** Drawdown on the last date of the lookback. */
  currentDrawdown: Figure,
  /** Realised `std(r_p − m) · √P` against the benchmark; null without one. */
  trackingError: Figure,
  /** Daily portfolio returns in the window (dates every held asset has a return). */
  observations: z.number().int().min(0),
  breaches: z.array(BreachSchema),
  /** Limits that could not be checked (the figure is null), with why. */
  uncheckedLimits: z.array(z.object({ limit: z.string(), max: z.number(), reason: z.string() })),
  /** Figure → why it is null. */
  unavailable: z.record(z.string(), z.string()),
});

const ScenarioEffectSchema = z.object({
  /** Instant P&L in units of `portfolioValue` (negative = loss) and as a return. */
  pnl: z.number().finite(),
  return: z.number().finite(),
  /** Ex-ante volatility under the scenario's volatility/correlation stress. */
  stressedVolatility: z.number().finite().min(0),
});

export const RiskOutputSchema = z.object({
  recommendedBy: RecommendedBySchema,
  window: WindowSchema,
  lookbackDays: z.number().int(),
  periodsPerYear: z.number().int(),
  confidence: z.number(),
  benchmark: z.string().nullable(),
  /** Held symbols (either portfolio), sorted: the assets of μ and Σ. */
  symbols: z.array(z.string()),
  assets: z.record(
    z.string(),
    z.object({ expectedReturn: z.number().finite(), volatility: z.number().finite().min(0) }),
  ),
  covariance: z.object({ method: z.literal("sample"), repaired: z.boolean() }),
  current: PortfolioRiskSchema,
  proposed: PortfolioRiskSchema.nullable(),
  /** Ex-ante `√((w_p − w_c)ᵀΣ(w_p − w_c))`, annual; null without a proposal. */
  trackingErrorToTarget: Figure,
  stress: z.object({
    /** Which portfolio the Monte Carlo simulates: the proposal, else the current one. */
    portfolio: z.enum(["proposed", "current"]),
    monteCarlo: z.object({
      seed: z.number().int(),
      paths: z.number().int(),
      horizonDays: z.number().int(),
      mode: z.enum(["portfolio", "multi-asset"]),
      initialValue: z.number(),
      probabilityOfLoss: z.number().min(0).max(1),
      terminalValue: z.object({
        mean: z.number().finite(),
        p5: z.number().finite(),
        p50: z.number().finite(),
        p95: z.number().finite(),
      }),
      expectedShortfall: z.object({
        value: z.number().finite(),
        lossFraction: z.number().finite(),
      }),
      maxDrawdown: z.object({ mean: z.number().finite(), p95: z.number().finite() }),
    }),
    scenarios: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        current: ScenarioEffectSchema,
        proposed: ScenarioEffectSchema.nullable(),
      }),
    ),
  }),
  /** Limits the proposal (else the current portfolio) breaches; the Supervisor loops on these. */
  breaches: z.array(BreachSchema),
  withinLimits: z.boolean(),
  method: z.record(z.string(), z.string()),
});

/** The schema's input, with the table as tools' (read-only) PriceTable. */
export type RiskInput = Omit<z.input<typeof RiskInputSchema>, "table"> & {
  readonly table: PriceTable;
};
export type RiskOutput = z.infer<typeof RiskOutputSchema>;
export type PortfolioRisk = z.infer<typeof PortfolioRiskSchema>;
export type Breach = z.infer<typeof BreachSchema>;
type RiskOptions = z.infer<typeof RiskOptionsSchema>;

const METHOD = {
  window: "the last lookbackDays + 1 dates of the table (lookbackDays daily returns)",
  returns:
    "daily simple returns p_t / p_(t-1) - 1 over each asset's own prices; nothing filled forward",
  expectedReturn:
    "w'mu, mu geometric: (prod(1 + r))^(P/n) - 1 per asset over its returns in the window; cash 0",
  volatility:
    "ex-ante sqrt(w' Sigma w), Sigma sample covariance (pairwise complete, ddof 1) x P; cash 0",
  portfolioReturns:
    "weights held, rebalanced daily: r_p = sum w_i r_i on dates every held asset has a return",
  var95: "historical VaR -Q_(1-confidence)(r_p), type 7 quantile, one day, positive = loss",
  cvar95: "historical CVaR -mean(r_p <= that quantile), one day",
  parametricVar95: "-(mean + std z), z = inverse normal cdf(1 - confidence), one day",
  parametricCvar95: "-(mean - std pdf(z) / (1 - confidence)), one day",
  maxDrawdown: "max(1 - W_t / running peak), W compounded from 1 over the window",
  trackingError: "realised std(r_p - r_benchmark) x sqrt(P), sample std, on shared dates",
  trackingErrorToTarget: "ex-ante sqrt((w_p - w_c)' Sigma (w_p - w_c))",
  monteCarlo:
    "GBM seeded with createRandom(seed); mu_i = ln(1 + geometric_i) + Sigma_ii / 2 so the median growth matches the geometric return; probability of loss = share of paths ending below the start",
  scenarios:
    "instant P&L sum(value w_i shock_i) of tools' SCENARIOS; stressed volatility sqrt(w' Sigma' w)",
  breaches:
    "value > max (1 + 1e-9); a limit whose figure is null is listed as unchecked, not as passed",
};

/** Keeps a figure or turns a ToolError into `null` with its reason. */
function figure(
  unavailable: Record<string, string>,
  name: string,
  compute: () => number,
): number | null {
  try {
    const v = compute();
    if (!Number.isFinite(v)) {
      unavailable[name] = "not a finite number";
      return null;
    }
    return v === 0 ? 0 : v; // no −0
  } catch (error) {
    if (!isToolError(error)) throw error;
    unavailable[name] = error.message;
    return null;
  }
}

function checkTable(table: PriceTable): Map<string, number> {
  if (typeof table !== "object" || table === null || !Array.isArray(table.dates)) {
    throw invalidInput("table", "must be a PriceTable { dates, symbols, columns }");
  }
  if (!Array.isArray(table.symbols) || !Array.isArray(table.columns)) {
    throw invalidInput("table", "must have symbols and columns arrays");
  }
  if (table.columns.length !== table.symbols.length) {
    throw invalidInput(
      "table.columns",
      `must have one column per symbol (${table.symbols.length})`,
    );
  }
  for (let t = 1; t < table.dates.length; t++) {
    if (!((table.dates[t] as string) > (table.dates[t - 1] as string))) {
      throw invalidInput(`table.dates[${t}]`, "dates must be strictly increasing");
    }
  }
  const index = new Map<string, number>();
  table.symbols.forEach((s, j) => {
    if (index.has(s)) throw invalidInput(`table.symbols[${j}]`, `duplicate symbol ${s}`);
    index.set(s, j);
  });
  return index;
}

interface ResolvedWeights {
  /** Non-cash weights by symbol (zeros dropped). */
  readonly risky: ReadonlyMap<string, number>;
  readonly cash: number;
}

/** Long-only weights: each ≥ 0; cash = `CASH` or `1 − Σ`, which must be ≥ 0 (within 1e-6). */
function resolveWeights(
  field: string,
  weights: Readonly<Record<string, number>>,
  index: ReadonlyMap<string, number>,
): ResolvedWeights {
  const risky = new Map<string, number>();
  let total = 0;
  for (const [symbol, w] of Object.entries(weights)) {
    if (!(w >= 0)) throw invalidInput(`${field}.${symbol}`, `must be ≥ 0 (long-only), got ${w}`);
    if (symbol === CASH) continue;
    total += w;
    if (w === 0) continue;
    if (!index.has(symbol)) {
      throw invalidInput(`${field}.${symbol}`, "has no prices: the symbol is not in the table");
    }
    risky.set(symbol, w);
  }
  const explicit = weights[CASH];
  if (explicit !== undefined && Math.abs(total + explicit - 1) > 1e-6) {
    throw invalidInput(field, `must sum to 1 with ${CASH} given, got ${total + explicit}`);
  }
  if (total > 1 + 1e-6) {
    throw invalidInput(field, `sums to ${total} > 1: leverage is not supported (cash < 0)`);
  }
  return { risky, cash: explicit ?? Math.max(0, 1 - total) };
}

/** The weights as a memo key: each symbol's weight and the cash, every digit kept. */
function weightsKey(w: ResolvedWeights): string {
  let out = `cash=${w.cash}`;
  for (const [symbol, weight] of w.risky) out += `,${symbol}=${weight}`;
  return out;
}

/** `xᵀ Σ y` over the held symbols (Σ row-major as number[][]). */
function quadratic(cov: readonly (readonly number[])[], x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    const row = cov[i] as readonly number[];
    let r = 0;
    for (let j = 0; j < y.length; j++) r += (row[j] as number) * (y[j] as number);
    s += xi * r;
  }
  return s;
}

interface Context {
  readonly options: RiskOptions;
  readonly held: readonly string[];
  readonly mu: readonly number[];
  readonly cov: readonly (readonly number[])[];
  /** The window's return dates, and each held asset's returns on them (NaN where it has none). */
  readonly calendar: readonly string[];
  readonly dense: readonly Float64Array[];
  readonly bench: DatedReturns | null;
  readonly benchReason: string;
  readonly memo: AnalysisMemo;
}

function vector(held: readonly string[], w: ResolvedWeights): Float64Array {
  return Float64Array.from(held, (s) => w.risky.get(s) ?? 0);
}

function assess(ctx: Context, w: ResolvedWeights): PortfolioRisk {
  const { held, mu, cov, options } = ctx;
  const x = vector(held, w);
  let expectedReturn = 0;
  for (let i = 0; i < x.length; i++) expectedReturn += (x[i] as number) * (mu[i] as number);
  const volatility = Math.sqrt(Math.max(0, quadratic(cov, x, x)));

  const columns: Float64Array[] = [];
  const ws: number[] = [];
  held.forEach((_, i) => {
    if ((x[i] as number) !== 0) {
      columns.push(ctx.dense[i] as Float64Array);
      ws.push(x[i] as number);
    }
  });
  columns.push(new Float64Array(ctx.calendar.length));
  ws.push(w.cash);
  const portfolio = rebalancedPortfolioReturnsOnCalendar(ctx.calendar, columns, ws);
  const r = portfolio.returns;
  const unavailable: Record<string, string> = {};
  const perf = { periodsPerYear: options.periodsPerYear };
  const tailOptions = { confidence: options.confidence };
  let tail: { var: number; cvar: number } | null = null;
  const tailOf = (): { var: number; cvar: number } => (tail ??= historicalTail(r, tailOptions));
  const bench = ctx.bench;
  const metrics = {
    realisedVolatility: figure(unavailable, "realisedVolatility", () => annualVolatility(r, perf)),
    var95: figure(unavailable, "var95", () => tailOf().var),
    cvar95: figure(unavailable, "cvar95", () => tailOf().cvar),
    parametricVar95: figure(unavailable, "parametricVar95", () => parametricVar(r, tailOptions)),
    parametricCvar95: figure(unavailable, "parametricCvar95", () => parametricCvar(r, tailOptions)),
    maxDrawdown: figure(unavailable, "maxDrawdown", () => maxDrawdown(r)),
    currentDrawdown: figure(unavailable, "currentDrawdown", () => {
      const d = drawdownSeries(r);
      return d[d.length - 1] as number;
    }),
    trackingError: figure(unavailable, "trackingError", () => {
      if (bench === null) throw insufficientData("benchmark", ctx.benchReason);
      const paired = alignReturns(portfolio, bench);
      return trackingError(paired.a, paired.b, perf);
    }),
  };
  const weights: Record<string, number> = {};
  for (const s of held) if (w.risky.has(s)) weights[s] = w.risky.get(s) as number;
  weights[CASH] = w.cash;
  const { breaches, unchecked } = checkLimits(
    options.riskLimits,
    {
      maxVolatility: volatility,
      maxVar95: metrics.var95,
      maxTrackingError: metrics.trackingError,
      maxDrawdown: metrics.maxDrawdown,
    },
    unavailable,
  );
  return {
    weights,
    cashWeight: w.cash,
    expectedReturn: expectedReturn === 0 ? 0 : expectedReturn,
    volatility,
    ...metrics,
    observations: r.length,
    breaches,
    uncheckedLimits: unchecked,
    unavailable,
  };
}

const FIGURE_OF_LIMIT = {
  maxVolatility: "volatility",
  maxVar95: "var95",
  maxTrackingError: "trackingError",
  maxDrawdown: "maxDrawdown",
} as const;

function checkLimits(
  limits: RiskOptions["riskLimits"],
  values: Record<keyof typeof FIGURE_OF_LIMIT, number | null>,
  unavailable: Readonly<Record<string, string>>,
): { breaches: Breach[]; unchecked: PortfolioRisk["uncheckedLimits"] } {
  const breaches: Breach[] = [];
  const unchecked: PortfolioRisk["uncheckedLimits"] = [];
  for (const limit of Object.keys(FIGURE_OF_LIMIT) as (keyof typeof FIGURE_OF_LIMIT)[]) {
    const max = limits[limit];
    if (max === undefined) continue;
    const value = values[limit];
    if (value === null) {
      const name = FIGURE_OF_LIMIT[limit];
      unchecked.push({ limit, max, reason: unavailable[name] ?? `${name} is not available` });
    } else if (value > max * (1 + BREACH_TOLERANCE)) {
      breaches.push({ limit, value, max });
    }
  }
  return { breaches, unchecked };
}

function monteCarlo(ctx: Context, w: ResolvedWeights): RiskOutput["stress"]["monteCarlo"] {
  const { held, mu, cov, options } = ctx;
  const idx: number[] = [];
  held.forEach((s, i) => {
    if ((w.risky.get(s) ?? 0) > 0) idx.push(i);
  });
  const withCash = w.cash > 0;
  const n = idx.length + (withCash ? 1 : 0);
  const drift: number[] = [];
  const covariance: number[][] = [];
  const weights: number[] = [];
  for (const i of idx) {
    const variance = (cov[i] as readonly number[])[i] as number;
    drift.push(Math.log1p(mu[i] as number) + variance / 2);
    const row = idx.map((j) => (cov[i] as readonly number[])[j] as number);
    if (withCash) row.push(0);
    covariance.push(row);
    weights.push(w.risky.get(held[i] as string) as number);
  }
  if (withCash) {
    drift.push(0);
    covariance.push(new Array<number>(n).fill(0));
    weights.push(w.cash);
  }
  const mc = options.monteCarlo;
  const result = simulatePortfolio({
    expectedReturns: drift,
    covariance,
    weights,
    horizonDays: mc.horizonDays,
    paths: mc.paths,
    periodsPerYear: options.periodsPerYear,
    initialValue: options.portfolioValue,
    mode: mc.mode,
    random: createRandom(mc.seed),
    // A one-asset (portfolio-mode) simulation depends on the seed only through its normals: every
    // one of this seed, horizon and draw count takes the same, so they are drawn once per memo.
    normalsFor: (horizonDays, draws) =>
      ctx.memo.get(["mc-normals", mc.seed, horizonDays, draws].join("\u0000"), () =>
        oneAssetNormals(createRandom(mc.seed), horizonDays, draws),
      ),
    // …and so does the profile of its paths, which summarises each later simulation in one pass
    // (without a memo, building it would cost more than the walk it saves).
    ...(ctx.memo === NO_MEMO
      ? {}
      : {
          profileFor: (horizonDays, paths, antithetic, normals) =>
            ctx.memo.get(
              ["mc-profile", mc.seed, horizonDays, paths, antithetic].join("\u0000"),
              () => oneAssetPathProfile(normals(), horizonDays, paths, antithetic),
            ),
        }),
  });
  return {
    seed: mc.seed,
    paths: mc.paths,
    horizonDays: mc.horizonDays,
    mode: mc.mode,
    initialValue: options.portfolioValue,
    probabilityOfLoss: result.probabilityOfLoss,
    terminalValue: { ...result.terminalValue },
    expectedShortfall: { ...result.expectedShortfall },
    maxDrawdown: { ...result.maxDrawdown },
  };
}

function scenarioEffect(
  ctx: Context,
  w: ResolvedWeights,
  name: ScenarioName,
  stressedCov: readonly (readonly number[])[],
): z.infer<typeof ScenarioEffectSchema> {
  const symbols: string[] = [];
  const weights: number[] = [];
  const assetClasses: AssetClass[] = [];
  for (const s of ctx.held) {
    const weight = w.risky.get(s);
    if (weight === undefined) continue;
    const assetClass = ctx.options.assetClasses[s];
    if (assetClass === undefined) {
      throw invalidInput(
        `assetClasses.${s}`,
        `the asset class of ${s} is needed for the scenarios`,
      );
    }
    symbols.push(s);
    weights.push(weight);
    assetClasses.push(assetClass);
  }
  symbols.push(CASH);
  weights.push(w.cash);
  assetClasses.push("cash");
  const impact = applyScenario(
    { symbols, weights, assetClasses, value: ctx.options.portfolioValue },
    getScenario(name),
  );
  const x = vector(ctx.held, w);
  return {
    pnl: impact.totalPnl === 0 ? 0 : impact.totalPnl,
    return: impact.totalReturn === 0 ? 0 : impact.totalReturn,
    stressedVolatility: Math.sqrt(Math.max(0, quadratic(stressedCov, x, x))),
  };
}

/** The window's dates, expected returns, covariance and return series of `held`: what depends on the table, not the weights. */
interface Universe {
  readonly dates: readonly string[];
  readonly mu: readonly number[];
  readonly cov: readonly (readonly number[])[];
  readonly repaired: boolean;
  readonly calendar: readonly string[];
  readonly dense: readonly Float64Array[];
  readonly bench: DatedReturns | null;
}

function universeOf(
  table: PriceTable,
  index: Map<string, number>,
  start: number,
  held: readonly string[],
  periodsPerYear: number,
  benchmark: string | null,
): Universe {
  const dates = table.dates.slice(start);
  const calendar = dates.slice(1);
  const column = (s: string): (number | null)[] =>
    (table.columns[index.get(s) as number] as readonly (number | null)[]).slice(start);
  let mu: number[] = [];
  let cov: number[][] = [];
  let repaired = false;
  if (held.length > 0) {
    const matrix = returnMatrix({ dates, symbols: held, columns: held.map(column) });
    mu = expectedReturns(matrix, { method: "geometric", periodsPerYear });
    const c = covarianceMatrix(matrix, { method: "sample", periodsPerYear });
    cov = c.matrix;
    repaired = c.repaired;
  }
  return {
    dates,
    mu,
    cov,
    repaired,
    calendar,
    dense: held.map((s) =>
      onCalendar(calendar, returnsFromColumn(dates, column(s), "simple", `table.${s}`)),
    ),
    bench:
      benchmark !== null && index.has(benchmark)
        ? returnsFromColumn(dates, column(benchmark), "simple", `table.${benchmark}`)
        : null,
  };
}

/**
 * Runs the Risk agent on the last `lookbackDays + 1` dates of the table (see {@link METHOD} in
 * the output's `method`): μ (geometric) and Σ (sample, pairwise complete, PSD-repaired if needed)
 * of the symbols either portfolio holds via `returnMatrix`, `expectedReturns`, `covarianceMatrix`;
 * per portfolio `wᵀμ`, `√(wᵀΣw)`, and from the daily-rebalanced returns
 * (`rebalancedPortfolioReturns`, cash a zero-return asset) historical and parametric VaR/CVaR at
 * `confidence`, max and current drawdown, realised tracking error to the benchmark; the ex-ante
 * tracking error `√((w_p − w_c)ᵀΣ(w_p − w_c))`; `simulatePortfolio` of the proposal (else the
 * current book) seeded with `createRandom(seed)`; `applyScenario` and `stressedParameters` per
 * scenario; the breached limits. A figure that cannot be computed is `null` with a reason;
 * invalid weights, an unknown held symbol, a held asset with fewer than 2 returns in the window
 * or a missing asset class throw a ToolError naming the field. Deterministic per seed.
 * Options other than the table are validated with zod; the table only structurally (the tools
 * check the prices), since parsing 50,000 prices through zod would cost more than the analysis.
 *
 * @example runRisk({ table, currentWeights: { A: 0.5, B: 0.3 }, proposedWeights: { A: 0.2, B: 0.6 },
 *   monteCarlo: { seed: 1 }, periodsPerYear: 1, scenarios: [] }).trackingErrorToTarget
 *   // 0.02449489742783178 (√0.0006, see the test's hand-worked two-asset example)
 */
export function runRisk(
  input: RiskInput,
  tools: { readonly memo?: AnalysisMemo } = {},
): RiskOutput {
  const { table, ...rest } = input;
  const options = RiskOptionsSchema.parse(rest);
  const index = checkTable(table);
  const current = resolveWeights("currentWeights", options.currentWeights, index);
  const proposed =
    options.proposedWeights === undefined
      ? null
      : resolveWeights("proposedWeights", options.proposedWeights, index);
  const held = [...new Set([...current.risky.keys(), ...(proposed?.risky.keys() ?? [])])].sort();

  const T = table.dates.length;
  if (T < 2) throw invalidInput("table.dates", `must hold at least 2 dates, got ${T}`);
  const start = Math.max(0, T - (options.lookbackDays + 1));
  const benchmark = options.benchmark ?? null;
  const key = ["risk", start, T, options.periodsPerYear, benchmark ?? "", ...held].join("\u0000");
  const memo = tools.memo ?? NO_MEMO;
  const universe = memo.get(key, () =>
    universeOf(table, index, start, held, options.periodsPerYear, benchmark),
  );
  const { dates, mu, cov, repaired } = universe;
  const ctx: Context = {
    options,
    held,
    mu,
    cov,
    calendar: universe.calendar,
    dense: universe.dense,
    bench: universe.bench,
    benchReason:
      benchmark === null ? "no benchmark given" : `benchmark ${benchmark} is not in the table`,
    memo,
  };

  // A book's figures are pure in (universe, options, weights): the proposal's run asks for the
  // current book's again (its risk_current node had them), so they come from the memo.
  const limits = JSON.stringify(options.riskLimits);
  const assessed = (w: ResolvedWeights) =>
    memo.get(["risk-book", key, options.confidence, limits, weightsKey(w)].join("\u0000"), () =>
      assess(ctx, w),
    );
  const currentRisk = assessed(current);
  const proposedRisk = proposed === null ? null : assessed(proposed);
  let trackingErrorToTarget: number | null = null;
  if (proposed !== null) {
    const d = vector(held, proposed);
    const c = vector(held, current);
    for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) - (c[i] as number);
    trackingErrorToTarget = Math.sqrt(Math.max(0, quadratic(cov, d, d)));
  }
  const subject = proposed ?? current;
  const classes = JSON.stringify(held.map((s) => options.assetClasses[s] ?? null));
  const scenarios = options.scenarios.map((name) => {
    const stressedCov =
      held.length === 0
        ? []
        : memo.get(["risk-stressed", key, name].join("\u0000"), () =>
            stressedParameters(cov, getScenario(name)),
          );
    const effect = (w: ResolvedWeights) =>
      memo.get(
        ["risk-scenario", key, name, options.portfolioValue, classes, weightsKey(w)].join("\u0000"),
        () => scenarioEffect(ctx, w, name, stressedCov),
      );
    return {
      name,
      description: getScenario(name).description,
      current: effect(current),
      proposed: proposed === null ? null : effect(proposed),
    };
  });
  const assets: RiskOutput["assets"] = {};
  held.forEach((s, i) => {
    const er = mu[i] as number;
    assets[s] = {
      expectedReturn: er === 0 ? 0 : er,
      volatility: Math.sqrt(Math.max(0, (cov[i] as number[])[i] as number)),
    };
  });
  const breaches = (proposedRisk ?? currentRisk).breaches;
  return {
    recommendedBy: { agent: NAME, version: VERSION },
    window: { from: dates[0] as string, to: dates[dates.length - 1] as string },
    lookbackDays: options.lookbackDays,
    periodsPerYear: options.periodsPerYear,
    confidence: options.confidence,
    benchmark,
    symbols: held,
    assets,
    covariance: { method: "sample", repaired },
    current: currentRisk,
    proposed: proposedRisk,
    trackingErrorToTarget,
    stress: {
      portfolio: proposed === null ? "current" : "proposed",
      monteCarlo: monteCarlo(ctx, subject),
      scenarios,
    },
    breaches,
    withinLimits: breaches.length === 0,
    method: METHOD,
  };
}

export const ScenarioToolInputSchema = z.object({
  /** Weights by symbol; cash is the remainder (or the CASH key). */
  weights: WeightsSchema,
  assetClasses: z.record(SymbolSchema, AssetClassSchema),
  scenario: z.enum(SCENARIO_NAMES),
  value: z.number().finite().positive().default(1),
});

/** The Risk agent's tools: `assess_portfolio_risk` ({@link runRisk}) and `apply_stress_scenario`. */
export const riskTools = [
  tool((input) => runRisk(input), {
    name: "assess_portfolio_risk",
    description:
      "Risk of the current and a proposed long-only portfolio over a lookback window: ex-ante volatility and expected return, one-day historical and parametric VaR/CVaR, max drawdown, tracking error to a benchmark and between the two portfolios, a seeded Monte Carlo and scenario shocks, and every risk limit breached.",
    schema: RiskInputSchema,
  }),
  tool(
    (input) => {
      const weights = input.weights;
      const symbols = Object.keys(weights)
        .filter((s) => s !== CASH)
        .sort();
      let total = 0;
      for (const s of symbols) total += weights[s] as number;
      const cash = weights[CASH] ?? 1 - total;
      return applyScenario(
        {
          symbols: [...symbols, CASH],
          weights: [...symbols.map((s) => weights[s] as number), cash],
          assetClasses: [
            ...symbols.map((s) => {
              const c = input.assetClasses[s];
              if (c === undefined) throw invalidInput(`assetClasses.${s}`, "is required");
              return c;
            }),
            "cash" as const,
          ],
          value: input.value,
        },
        getScenario(input.scenario),
      );
    },
    {
      name: "apply_stress_scenario",
      description:
        "Instant profit and loss of a named stress scenario (equity crash, rate shock, crypto crash, stagflation, volatility or correlation stress) on a portfolio given by weights and asset classes.",
      schema: ScenarioToolInputSchema,
    },
  ),
] as const;
