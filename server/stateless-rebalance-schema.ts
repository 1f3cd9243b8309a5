import { z } from "zod";
import { issueField } from "../governance/index.js";
import { ASSET_CLASSES, isValidSymbol } from "../tools/index.js";

/**
 * Request and response of `POST /api/rebalance`, the original MVP's stateless rebalance
 * (GOVERNANCE.md §5). The request accepts the seed payload unchanged; every addition is optional.
 * Keys are snake_case, as in the seed.
 */

/** Σ target_weight and Σ current_weight may exceed 1 by at most this (float noise). */
export const WEIGHT_SUM_TOLERANCE = 1e-9;
export const MAX_ASSETS = 500;
export const MIN_HISTORY = 2;
export const MAX_HISTORY = 10_000;
/** A per-period simple return above this (10 000 %) is refused: no real series has one. */
export const MAX_PERIOD_RETURN = 100;
export const DEFAULT_PERIODS_PER_YEAR = 252;
/** He & Litterman (1999)'s risk aversion of the world market portfolio. */
export const DEFAULT_RISK_AVERSION = 2.5;
/** The class of an asset the request does not classify (it only labels the output). */
export const DEFAULT_ASSET_CLASS = "equity";

const weight = (what: string) =>
  z.number().min(0, "must be ≥ 0").max(1, "must be ≤ 1").describe(what);

const periodReturn = z
  .number()
  .gt(-1, "a simple return must be > −1")
  .max(MAX_PERIOD_RETURN, `must be ≤ ${MAX_PERIOD_RETURN}`);

export const StatelessAssetSchema = z.strictObject({
  asset: z
    .string()
    .refine(isValidSymbol, { message: "invalid symbol (1–32 letters, digits, . - _ = ^ /)" })
    .describe("Instrument symbol, unique within the request (e.g. ETF, AAPL, BTC-USD)"),
  target_weight: weight("Stated target weight, fraction of portfolio value, in [0, 1]"),
  current_weight: weight("Current weight, fraction of portfolio value, in [0, 1]"),
  market_return: z
    .number()
    .min(-1, "a simple return must be ≥ −1")
    .max(MAX_PERIOD_RETURN, `must be ≤ ${MAX_PERIOD_RETURN}`)
    .describe(
      "Expected simple return for the next period, per period — the same periodicity as historical_returns (daily with the default periods_per_year 252)",
    ),
  price: z
    .number()
    .min(1e-8, "must be ≥ 1e-8")
    .max(1e12, "must be ≤ 1e12")
    .describe("Price of one unit, in the portfolio's currency, > 0"),
  historical_returns: z
    .array(periodReturn)
    .min(MIN_HISTORY, `needs at least ${MIN_HISTORY} returns`)
    .max(MAX_HISTORY, `at most ${MAX_HISTORY} returns`)
    .describe(
      "Periodic simple returns, oldest first, each > −1; lengths may differ between assets (the risk figures use the most recent common tail)",
    ),
  asset_class: z
    .enum(ASSET_CLASSES)
    .default(DEFAULT_ASSET_CLASS)
    .describe(`Asset class; labels the output only. Default "${DEFAULT_ASSET_CLASS}"`),
  lot_size: z
    .number()
    .positive("must be > 0")
    .max(1e9, "must be ≤ 1e9")
    .optional()
    .describe("Units per lot: orders become whole lots. Omitted: fractional units (1e-8 steps)"),
});

export const StatelessRebalanceRequestSchema = z
  .strictObject({
    portfolio_value: z
      .number()
      .positive("must be > 0")
      .max(1e15, "must be ≤ 1e15")
      .describe("Net asset value (holdings + cash) in the portfolio's currency"),
    drift_threshold: z
      .number()
      .min(0, "must be ≥ 0")
      .max(1, "must be ≤ 1")
      .describe(
        "Absolute drift band in weight: an asset trades when |current − optimised| exceeds it",
      ),
    turnover_limit: z
      .number()
      .min(0, "must be ≥ 0")
      .describe("Maximum Σ|trade notional| / portfolio value (buys plus sells, not halved)"),
    transaction_cost_bps: z
      .number()
      .min(0, "must be ≥ 0")
      .max(1000, "must be ≤ 1000")
      .describe("Cost per order in basis points of its notional"),
    assets: z
      .array(StatelessAssetSchema)
      .min(1, "needs at least one asset")
      .max(MAX_ASSETS, `at most ${MAX_ASSETS} assets`)
      .describe("The holdings; cash is 1 − Σ current_weight (target cash 1 − Σ target_weight)"),
    periods_per_year: z
      .number()
      .min(1, "must be ≥ 1")
      .max(100_000, "must be ≤ 100000")
      .default(DEFAULT_PERIODS_PER_YEAR)
      .describe("Periods per year of historical_returns and market_return; default 252 (daily)"),
    risk_aversion: z
      .number()
      .positive("must be > 0")
      .max(1000, "must be ≤ 1000")
      .default(DEFAULT_RISK_AVERSION)
      .describe(
        "Risk aversion δ of the implied prior and of the mean-variance step; default 2.5 (He & Litterman, 1999)",
      ),
  })
  .superRefine((req, ctx) => {
    const seen = new Map<string, number>();
    let targets = 0;
    let current = 0;
    req.assets.forEach((a, i) => {
      const first = seen.get(a.asset);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["assets", i, "asset"],
          message: `duplicate symbol ${a.asset} (also assets[${first}])`,
        });
      } else seen.set(a.asset, i);
      targets += a.target_weight;
      current += a.current_weight;
    });
    if (targets > 1 + WEIGHT_SUM_TOLERANCE) {
      ctx.addIssue({
        code: "custom",
        path: ["assets"],
        message: `target_weight must sum to at most 1, got ${targets}`,
      });
    }
    if (current > 1 + WEIGHT_SUM_TOLERANCE) {
      ctx.addIssue({
        code: "custom",
        path: ["assets"],
        message: `current_weight must sum to at most 1, got ${current}`,
      });
    }
  })
  .describe("The seed-compatible stateless rebalance request (GOVERNANCE.md §5)");

/** The validated request, defaults applied (what {@link StatelessRebalanceRequestSchema} returns). */
export type StatelessRebalanceRequest = z.output<typeof StatelessRebalanceRequestSchema>;
/** What a client may send (optional fields omitted). */
export type StatelessRebalanceRequestInput = z.input<typeof StatelessRebalanceRequestSchema>;

/**
 * The field at fault in a zod error, as `assets[1].price`; an unknown field is named itself
 * (`assets[0].status`); a failure of the whole body is `body`.
 *
 * @example firstIssuePath(StatelessRebalanceRequestSchema.safeParse({ ...seed, extra: 1 }).error)
 * // "extra"
 */
export function firstIssuePath(error: z.ZodError): string {
  return issueField(error.issues[0]);
}

// ---------------------------------------------------------------------------------------------
// Response

const num = (what: string) => z.number().describe(what);

export const StatelessForecastSchema = z
  .object({
    market_return: num("Signal 1: the request's market_return, per period"),
    historical_mean: num("Signal 2: arithmetic mean of historical_returns, per period"),
    ewma_mean: num("Signal 3: exponentially weighted mean (λ = 0.94, RiskMetrics), per period"),
    ensemble_return: num("Equal-weight mean E of the three signals, per period"),
    expected_annual_return: num("E × periods_per_year (simple, not compounded)"),
    dispersion: num("d = RMS dispersion of the signals around E, per period"),
    agreement: num("a = |E| / (|E| + d), 0 when every signal is 0"),
    evidence_z: num("z = |mean| / (s/√n) of historical_returns (t-statistic), capped at 100"),
    skill: num("s = clip((z − 1) / 2, 0, 1)"),
    confidence: num("c = a · s in [0, 1]: the Idzorek confidence of this asset's view"),
    observations: z.number().int().describe("Returns the signals used (the asset's whole history)"),
    implied_prior_return: z
      .number()
      .nullable()
      .describe("Market-implied prior π_i = δ (Σ w_target)_i, annual; null when not computed"),
    posterior_return: z
      .number()
      .nullable()
      .describe("Black–Litterman posterior mean, annual; null when not computed"),
  })
  .describe("The confidence-weighted ensemble forecast behind the optimised target");

export const StatelessAssetResultSchema = z.object({
  asset: z.string().describe("Symbol"),
  asset_class: z.enum(ASSET_CLASSES).describe("Asset class (as given, or the default)"),
  current_weight: num("Current weight (request)"),
  target_weight: num("Stated target weight (request)"),
  optimized_weight: num("Optimised target weight (Black–Litterman + mean-variance)"),
  drift: num("current_weight − target_weight (positive = overweight)"),
  drift_to_optimized: num("current_weight − optimized_weight: what the drift band is tested on"),
  action: z.enum(["BUY", "SELL", "HOLD"]).describe("Order direction; HOLD = no order"),
  units: num("Units traded, ≥ 0 (direction in action); 0 for HOLD"),
  notional: num("units × price, ≥ 0"),
  cost: num("transaction_cost_bps / 10⁴ × notional"),
  reason: z
    .enum(["WITHIN_BAND", "DUST_TRADE", "TURNOVER_LIMIT_SCALED", "CASH_INSUFFICIENT"])
    .optional()
    .describe(
      "Why the order differs from a full trade to the optimised weight (absent when it does not)",
    ),
  post_trade_units: num("Units held after the orders"),
  post_trade_weight: num("Post-trade value / post-trade portfolio value (after costs)"),
  forecast: StatelessForecastSchema,
});

export const StatelessTotalsSchema = z.object({
  portfolio_value: num("Portfolio value before trading (holdings + cash)"),
  portfolio_value_after: num("portfolio_value − total_cost (prices unchanged)"),
  turnover: num("Σ|notional| / portfolio_value (buys plus sells, not halved)"),
  turnover_limit: num("The request's turnover_limit"),
  total_cost: num("Σ cost"),
  buy_notional: num("Σ notional of BUY orders"),
  sell_notional: num("Σ notional of SELL orders"),
  cash_before: num("portfolio_value × (1 − Σ current_weight)"),
  cash_after: num("cash_before + sells − buys − costs"),
  cash_weight_before: num("cash_before / portfolio_value"),
  cash_weight_after: num("cash_after / portfolio_value_after"),
  cash_target_weight: num("1 − Σ target_weight"),
  trade_count: z.number().int().describe("Number of BUY and SELL orders"),
});

export const StatelessPortfolioRiskSchema = z.object({
  invested_weight: num("Σ asset weights (the rest is cash, taken to return 0)"),
  expected_annual_return: num("Σ w_i × expected_annual_return_i"),
  volatility: num("Annualised volatility: sample std (ddof 1) of Σ w_i r_i,t × √periods_per_year"),
  var_95: num("Historical one-period VaR 95%: −Q₀.₀₅ (type 7 quantile); positive = loss"),
  cvar_95: num("Historical one-period CVaR 95%: −mean of returns ≤ Q₀.₀₅; positive = loss"),
});

export const StatelessRiskSchema = z.object({
  observations: z
    .number()
    .int()
    .describe("Aligned observations: the most recent common tail (the shortest history)"),
  periods_per_year: num("Annualisation factor"),
  confidence_level: num("VaR/CVaR confidence (0.95)"),
  current: StatelessPortfolioRiskSchema.describe("The current weights"),
  optimized: StatelessPortfolioRiskSchema.describe("The optimised target weights"),
  post_trade: StatelessPortfolioRiskSchema.describe("The weights after the proposed orders"),
  assets: z
    .array(
      z.object({
        asset: z.string(),
        volatility: num("Annualised volatility on the aligned window"),
      }),
    )
    .describe("Per-asset volatility over the aligned window"),
});

export const StatelessMetadataSchema = z.object({
  timestamp: z.string().describe("When the answer was computed (ISO 8601, UTC)"),
  steward_version: z.string().describe("Steward's version"),
  calculator_version: z.string().describe("Version of the stateless-rebalance calculation"),
  request_hash: z
    .string()
    .describe(
      "Hex SHA-256 of the RFC 8785 canonical JSON of the validated request (defaults applied)",
    ),
  periods_per_year: num("Periods per year used to annualise"),
  risk_aversion: num("δ used"),
  observations_used: z.number().int().describe("Aligned observations for covariance and risk"),
  history_lengths: z
    .object({ min: z.number().int(), max: z.number().int() })
    .describe("Shortest and longest historical_returns"),
  alignment: z.string().describe("How histories of different lengths were aligned"),
  methods: z
    .object({
      forecast: z.string().describe("Forecast ensemble and confidence"),
      covariance: z
        .enum(["ledoit-wolf-constant-variance", "diagonal-sample-variance"])
        .describe("Covariance estimator (diagonal below 10 aligned observations)"),
      covariance_shrinkage: z.number().nullable().describe("Ledoit–Wolf intensity, else null"),
      optimizer: z.string().describe("Optimisation of the targets"),
      rebalance: z.string().describe("Order generation"),
      risk: z.string().describe("Risk figures"),
    })
    .describe("Method of each step"),
  optimization: z
    .object({
      status: z
        .enum(["optimized", "no-active-views", "single-asset", "no-invested-budget", "fallback"])
        .describe(
          "optimized; no-active-views / single-asset / no-invested-budget: the stated targets are exactly optimal; fallback: the optimiser failed and the stated targets are used",
        ),
      tau: z.number().describe("Black–Litterman τ"),
      ridge: z.number().describe("Ridge added to Σ's diagonal (0 when none)"),
      floored_variances: z
        .number()
        .int()
        .describe("Variances raised to the floor 1e-6 · mean variance for the optimiser"),
      active_views: z.number().int().describe("Assets whose view has a confidence ≥ 1e-9"),
      fallback_reason: z.string().nullable().describe("Why the optimiser fell back, else null"),
    })
    .describe("Outcome of the Black–Litterman / mean-variance step"),
  conventions: z.record(z.string(), z.string()).describe("Units and signs of the figures"),
  warnings: z.array(z.string()).describe("CODE: message, e.g. SMALL_SAMPLE"),
});

export const StatelessRebalanceResponseSchema = z
  .object({
    assets: z.array(StatelessAssetResultSchema).describe("One entry per asset, in request order"),
    totals: StatelessTotalsSchema,
    risk: StatelessRiskSchema,
    metadata: StatelessMetadataSchema,
  })
  .describe("Per-asset drift and orders, optimised targets, risk of current/optimised/post-trade");

export type StatelessRebalanceResponse = z.infer<typeof StatelessRebalanceResponseSchema>;
export type StatelessAssetResult = z.infer<typeof StatelessAssetResultSchema>;
export type StatelessPortfolioRisk = z.infer<typeof StatelessPortfolioRiskSchema>;

/** The original MVP's example request (GOVERNANCE.md §5): the preview scenario and the tests' input. */
export const SEED_REBALANCE_EXAMPLE = {
  portfolio_value: 100000,
  drift_threshold: 0.02,
  turnover_limit: 0.2,
  transaction_cost_bps: 10,
  assets: [
    {
      asset: "ETF",
      target_weight: 0.2,
      current_weight: 0.24,
      market_return: 0.022,
      price: 95,
      historical_returns: [0.01, 0.012, 0.008, 0.011, 0.022],
    },
  ],
} satisfies StatelessRebalanceRequestInput;
