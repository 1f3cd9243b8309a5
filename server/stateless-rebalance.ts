import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import {
  historicalTail,
  rebalance,
  sampleStd,
  sum,
  type RebalanceHolding,
} from "../tools/index.js";
import { statelessForecast, type StatelessForecast } from "./stateless-rebalance-forecast.js";
import {
  LEDOIT_WOLF_MIN_OBSERVATIONS,
  optimizeTargets,
  statelessCovariance,
} from "./stateless-rebalance-optimize.js";
import type {
  StatelessAssetResult,
  StatelessPortfolioRisk,
  StatelessRebalanceRequest,
  StatelessRebalanceResponse,
} from "./stateless-rebalance-schema.js";

export {
  DEFAULT_ASSET_CLASS,
  DEFAULT_PERIODS_PER_YEAR,
  DEFAULT_RISK_AVERSION,
  StatelessRebalanceRequestSchema,
  StatelessRebalanceResponseSchema,
  firstIssuePath,
  SEED_REBALANCE_EXAMPLE,
  type StatelessRebalanceRequest,
  type StatelessRebalanceRequestInput,
  type StatelessRebalanceResponse,
} from "./stateless-rebalance-schema.js";

/** Version of this calculation (bump when a figure's definition changes). */
export const STATELESS_REBALANCE_VERSION = "1.0.0";
/** VaR / CVaR confidence level. */
export const RISK_CONFIDENCE = 0.95;
/** Fewer aligned observations than this are flagged `SMALL_SAMPLE`. */
export const SMALL_SAMPLE = 30;
/** The portfolio's currency label for tools/rebalance (the request has a single currency). */
const CURRENCY = "USD";

export interface StatelessRebalanceContext {
  /** The clock, injected: the answer's timestamp. */
  readonly now: Date;
  readonly stewardVersion: string;
}

/**
 * The stateless rebalance behind `POST /api/rebalance` (the seed MVP's request): pure and
 * deterministic — the same validated request and context give byte-identical JSON; no clock,
 * randomness or I/O. `request` must be the output of `StatelessRebalanceRequestSchema` (defaults
 * applied, sums checked). Conventions follow QUANT-CONVENTIONS: weights are fractions of
 * `portfolio_value`, returns simple fractions, `drift = current − target` (positive = overweight),
 * VaR/CVaR positive loss fractions.
 *
 * 1. **Forecast** per asset (stateless-rebalance-forecast.ts `statelessForecast`): three per-period
 *    signals — `market_return` (read as the expected return of the next period, the periodicity
 *    of `historical_returns`), the sample mean and the EWMA mean (λ = 0.94) of the asset's whole
 *    history; ensemble `E` = their equal-weight mean, annualised `E·P` (simple); agreement
 *    `a = |E|/(|E| + d)` (d the RMS dispersion of the signals, as tools `combineSignals`);
 *    evidence `z = |mean|/(s/√n)` (capped at 100), skill `s = clip((z − 1)/2, 0, 1)`;
 *    confidence `c = a·s`.
 * 2. **Alignment**: histories may differ in length; the covariance and the risk figures use the
 *    most recent common tail, `T = min length` (≥ 2) returns of every asset (reported as
 *    `observations_used`; a `HISTORY_ALIGNED` warning when lengths differ).
 * 3. **Covariance** (stateless-rebalance-optimize.ts `statelessCovariance`): Ledoit–Wolf toward
 *    the scaled identity × P when T ≥ 10; below that the diagonal of sample variances × P
 *    (warning `DIAGONAL_COVARIANCE`).
 * 4. **Optimised targets** (`optimizeTargets`): Black–Litterman with prior `π = δ Σ w_target`, one
 *    absolute view per asset (`Q = E·P`, Idzorek confidence c, τ = 0.05), then
 *    `maximise μ_BLᵀw − (δ/2) wᵀΣw` s.t. `Σw = Σ w_target`, `0 ≤ w ≤ 1`, solved exactly by the
 *    tools' active-set QP. Every confidence 0 → the stated targets exactly; a failure → the stated
 *    targets, `optimization.status = "fallback"` with the reason (warning `OPTIMIZATION_FALLBACK`).
 * 5. **Orders** (tools `rebalance`): holdings `units_i = current_weight_i · V / price_i`
 *    (fractional), cash `V · (1 − Σ current_weight)`, computed as `max(0, V − Σ units_i · price_i)`
 *    so that the valued NAV is V to rounding; targets = the optimised weights; the
 *    drift band `drift_threshold` (absolute) is tested on `current − optimised`; the turnover
 *    budget `turnover_limit · V` is spent greedily by |drift| (larger first); costs
 *    `transaction_cost_bps / 10⁴ · notional` per order; sells before buys, buys cut to the cash.
 *    Units are multiples of 1e-8, or whole lots of `lot_size` where given. `drift` is reported
 *    against the stated target, `drift_to_optimized` against the optimised one.
 * 6. **Risk** of the current, optimised and post-trade weights on the aligned window, cash
 *    returning 0: portfolio returns `r_p,t = Σ_i w_i r_i,t`; volatility `std(r_p) · √P` (ddof 1);
 *    expected return `Σ w_i E_i · P`; historical VaR95 `−Q₀.₀₅(r_p)` (type-7 quantile) and CVaR95
 *    `−mean{r_p,t ≤ Q₀.₀₅}`, one period (tools `historicalTail`); per-asset volatility likewise.
 *    T < 30 → warning `SMALL_SAMPLE`.
 * 7. **Metadata**: `context.now` as ISO timestamp, versions, methods, `request_hash` = hex SHA-256
 *    of the RFC 8785 canonical JSON of the validated request, warnings (`CODE: message`).
 *
 * @example
 * computeStatelessRebalance(StatelessRebalanceRequestSchema.parse({ portfolio_value: 100000,
 *   drift_threshold: 0.02, turnover_limit: 0.2, transaction_cost_bps: 10, assets: [{ asset: "ETF",
 *   target_weight: 0.2, current_weight: 0.24, market_return: 0.022, price: 95,
 *   historical_returns: [0.01, 0.012, 0.008, 0.011, 0.022] }] }),
 *   { now: new Date("2025-01-02T00:00:00Z"), stewardVersion: "0.1.0" }).assets[0]
 * // { action: "SELL", units: 42.10526315 (4000 / 95, to 1e-8), notional ≈ 4000, cost ≈ 4, … }
 */
export function computeStatelessRebalance(
  request: StatelessRebalanceRequest,
  context: StatelessRebalanceContext,
): StatelessRebalanceResponse {
  const P = request.periods_per_year;
  const delta = request.risk_aversion;
  const V = request.portfolio_value;
  const assets = request.assets;
  const n = assets.length;
  const symbols = assets.map((a) => a.asset);
  const warnings: string[] = [];

  // 1. Forecasts.
  const forecasts: StatelessForecast[] = assets.map((a) =>
    statelessForecast(a.market_return, a.historical_returns, P),
  );

  // 2. Alignment on the most recent common tail.
  const lengths = assets.map((a) => a.historical_returns.length);
  const T = Math.min(...lengths);
  const maxLength = Math.max(...lengths);
  const window = assets.map((a) => a.historical_returns.slice(a.historical_returns.length - T));
  if (maxLength !== T) {
    warnings.push(
      `HISTORY_ALIGNED: histories have ${T} to ${maxLength} returns; covariance and risk use the most recent ${T} common observations (forecasts use each asset's whole history)`,
    );
  }
  if (T < SMALL_SAMPLE) {
    warnings.push(
      `SMALL_SAMPLE: ${T} aligned observations (< ${SMALL_SAMPLE}); volatility, VaR and CVaR are imprecise`,
    );
  }

  // 3. Covariance.
  const cov = statelessCovariance(window, P);
  if (T < LEDOIT_WOLF_MIN_OBSERVATIONS && n > 1) {
    warnings.push(
      `DIAGONAL_COVARIANCE: ${T} aligned observations (< ${LEDOIT_WOLF_MIN_OBSERVATIONS}); correlations are taken as 0 in the optimisation`,
    );
  }

  // 4. Optimised targets.
  const targets = assets.map((a) => a.target_weight);
  const opt = optimizeTargets({
    symbols,
    targets,
    covariance: cov.matrix,
    views: forecasts.map((f) => ({
      expectedAnnualReturn: f.expectedAnnualReturn,
      confidence: f.confidence,
    })),
    riskAversion: delta,
  });
  if (opt.status === "fallback") {
    warnings.push(
      `OPTIMIZATION_FALLBACK: the stated targets are used (${opt.fallbackReason ?? "unknown"})`,
    );
  }
  const optimized = opt.weights;

  // 5. Orders.
  const holdings: RebalanceHolding[] = assets.map((a) => ({
    symbol: a.asset,
    quantity: (a.current_weight * V) / a.price,
    price: a.price,
    assetClass: a.asset_class,
    currency: CURRENCY,
    ...(a.lot_size === undefined
      ? { fractional: true }
      : { fractional: false, lotSize: a.lot_size }),
  }));
  // Cash is what the holdings leave of V, summed as tools/rebalance values them (symbol order),
  // so that its NAV is V to rounding and float noise does not shave a lot off an order.
  let holdingsValue = 0;
  for (const h of [...holdings].sort((x, y) => (x.symbol < y.symbol ? -1 : 1))) {
    holdingsValue += h.quantity * h.price;
  }
  const cashBefore = Math.max(0, V - holdingsValue);
  const targetWeights: Record<string, number> = {};
  symbols.forEach((s, i) => (targetWeights[s] = optimized[i] as number));
  const trades = rebalance({
    holdings,
    cash: cashBefore,
    baseCurrency: CURRENCY,
    targetWeights,
    driftThreshold: request.drift_threshold,
    driftMode: "absolute",
    turnoverLimit: request.turnover_limit,
    costBps: request.transaction_cost_bps,
  });
  const bySymbol = new Map(trades.assets.map((t) => [t.symbol, t]));
  const postTrade = symbols.map((s) => bySymbol.get(s)?.postTradeWeight ?? 0);

  const assetResults: StatelessAssetResult[] = assets.map((a, i) => {
    const t = bySymbol.get(a.asset);
    if (t === undefined) throw new Error(`rebalance returned no entry for ${a.asset}`);
    const f = forecasts[i] as StatelessForecast;
    return {
      asset: a.asset,
      asset_class: a.asset_class,
      current_weight: a.current_weight,
      target_weight: a.target_weight,
      optimized_weight: optimized[i] as number,
      drift: a.current_weight - a.target_weight,
      drift_to_optimized: a.current_weight - (optimized[i] as number),
      action: t.action,
      units: t.units,
      notional: t.notional,
      cost: t.cost,
      ...(t.reason === undefined ? {} : { reason: t.reason }),
      post_trade_units: t.postTradeQuantity,
      post_trade_weight: t.postTradeWeight,
      forecast: {
        market_return: f.marketReturn,
        historical_mean: f.historicalMean,
        ewma_mean: f.ewmaMean,
        ensemble_return: f.ensemble,
        expected_annual_return: f.expectedAnnualReturn,
        dispersion: f.dispersion,
        agreement: f.agreement,
        evidence_z: f.evidence,
        skill: f.skill,
        confidence: f.confidence,
        observations: f.observations,
        implied_prior_return: opt.prior?.[i] ?? null,
        posterior_return: opt.posterior?.[i] ?? null,
      },
    };
  });

  const tt = trades.totals;
  const totals: StatelessRebalanceResponse["totals"] = {
    portfolio_value: tt.nav,
    portfolio_value_after: tt.navAfter,
    turnover: tt.turnover,
    turnover_limit: request.turnover_limit,
    total_cost: tt.totalCost,
    buy_notional: tt.buyNotional,
    sell_notional: tt.sellNotional,
    cash_before: tt.cashBefore,
    cash_after: tt.cashAfter,
    cash_weight_before: tt.cashWeightBefore,
    cash_weight_after: tt.cashWeightAfter,
    cash_target_weight: tt.cashTargetWeight,
    trade_count: tt.tradeCount,
  };

  // 6. Risk.
  const annual = forecasts.map((f) => f.expectedAnnualReturn);
  const riskOf = (w: readonly number[]): StatelessPortfolioRisk =>
    portfolioRisk(window, w, annual, P);
  const risk: StatelessRebalanceResponse["risk"] = {
    observations: T,
    periods_per_year: P,
    confidence_level: RISK_CONFIDENCE,
    current: riskOf(assets.map((a) => a.current_weight)),
    optimized: riskOf(optimized),
    post_trade: riskOf(postTrade),
    assets: symbols.map((s, i) => ({
      asset: s,
      volatility: sampleStd(window[i] as number[]) * Math.sqrt(P),
    })),
  };

  // 7. Metadata.
  return {
    assets: assetResults,
    totals,
    risk,
    metadata: {
      timestamp: context.now.toISOString(),
      steward_version: context.stewardVersion,
      calculator_version: STATELESS_REBALANCE_VERSION,
      request_hash: requestHash(request),
      periods_per_year: P,
      risk_aversion: delta,
      observations_used: T,
      history_lengths: { min: T, max: maxLength },
      alignment: `most recent common tail: the last ${T} returns of every asset`,
      methods: {
        forecast:
          "equal-weight ensemble of market_return, sample mean and EWMA mean (λ = 0.94); confidence = agreement × skill (t-statistic ramp 1 → 3)",
        covariance: cov.method,
        covariance_shrinkage: cov.shrinkage,
        optimizer: `Black–Litterman (He–Litterman, prior π = δΣw_target, absolute views with Idzorek confidences, τ = ${opt.tau}) + long-only mean-variance max μᵀw − δ/2·wᵀΣw s.t. Σw = Σ target_weight (exact active-set QP)`,
        rebalance:
          "absolute drift band on current − optimised; turnover budget by |drift|; sells before buys; cost per order",
        risk: "historical on the aligned window: volatility std·√P (ddof 1); VaR/CVaR 95% one period, type-7 quantile, positive = loss",
      },
      optimization: {
        status: opt.status,
        tau: opt.tau,
        ridge: opt.ridge,
        floored_variances: opt.flooredVariances,
        active_views: opt.activeViews,
        fallback_reason: opt.fallbackReason,
      },
      conventions: {
        weights: "fractions of portfolio_value; cash = 1 − Σ weights, returning 0",
        returns: "simple; forecast signals per period; annual = per period × periods_per_year",
        drift: "current − target (positive = overweight)",
        turnover: "Σ|notional| / portfolio_value, buys plus sells, not halved",
        volatility: "annualised: sample std (ddof 1) × √periods_per_year",
        var_cvar: "historical, one period, 95%, type-7 quantile; positive = loss",
        cost: "transaction_cost_bps / 10⁴ × notional, currency of portfolio_value",
      },
      warnings,
    },
  };
}

/** Risk figures of weights `w` on the aligned window (see step 6 of computeStatelessRebalance). */
function portfolioRisk(
  window: readonly (readonly number[])[],
  w: readonly number[],
  annual: readonly number[],
  P: number,
): StatelessPortfolioRisk {
  const T = (window[0] as readonly number[]).length;
  const series = new Array<number>(T).fill(0);
  window.forEach((col, i) => {
    const wi = w[i] as number;
    if (wi === 0) return;
    for (let t = 0; t < T; t++) series[t] = (series[t] as number) + wi * (col[t] as number);
  });
  const tail = historicalTail(series, { confidence: RISK_CONFIDENCE });
  return {
    invested_weight: sum(w),
    expected_annual_return: sum(w.map((wi, i) => wi * (annual[i] as number))),
    volatility: sampleStd(series) * Math.sqrt(P),
    var_95: tail.var,
    cvar_95: tail.cvar,
  };
}

/** Hex SHA-256 of the RFC 8785 canonical JSON of the validated request. */
export function requestHash(request: StatelessRebalanceRequest): string {
  const text = canonicalize(request);
  if (text === undefined) throw new Error("the request cannot be canonicalised");
  return createHash("sha256").update(text, "utf8").digest("hex");
}
