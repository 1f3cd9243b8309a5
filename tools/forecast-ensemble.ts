import { invalidInput } from "./errors.js";
import {
  DEFAULT_EVALUATION_PARAMETERS,
  ensembleBacktest,
  skillWeights,
  walkForwardEvaluation,
  type EnsembleBacktest,
  type EvaluationParameters,
  type Weighting,
} from "./forecast-evaluation.js";
import {
  DEFAULT_SIGNAL_PARAMETERS,
  SIGNAL_NAMES,
  signalHistoryNeeded,
  signalsAt,
  type SignalName,
  type SignalParameters,
} from "./forecast-signals.js";
import { isIsoDate, type PriceTable } from "./price-table.js";
import { assertFiniteNumber } from "./validate.js";
import {
  classifyVolatilityRegime,
  DEFAULT_REGIME_PARAMETERS,
  regimeReturnsNeeded,
  type RegimeParameters,
  type VolatilityRegime,
} from "./volatility-regime.js";

/**
 * The forecasting ensemble: per asset, four signals (forecast-signals.ts) weighted by their
 * walk-forward skill (forecast-evaluation.ts), a confidence, and the volatility regime
 * (volatility-regime.ts). Strictly point in time: a forecast as of D reads prices dated ≤ D only.
 */

export interface EnsembleParameters {
  /** `|expected annual return|` at or below which the direction is "flat" (0.01 = 1% a year). */
  readonly flatThreshold: number;
  /** Skill evidence `z` at or below which skill is 0 (1: within one standard error of none). */
  readonly skillZeroZ: number;
  /** Skill evidence `z` at or above which skill is 1 (3 standard errors). */
  readonly skillFullZ: number;
}

export type ForecastParameters = SignalParameters &
  RegimeParameters &
  EvaluationParameters &
  EnsembleParameters;

export const DEFAULT_FORECAST_PARAMETERS: ForecastParameters = Object.freeze({
  ...DEFAULT_SIGNAL_PARAMETERS,
  ...DEFAULT_REGIME_PARAMETERS,
  ...DEFAULT_EVALUATION_PARAMETERS,
  flatThreshold: 0.01,
  skillZeroZ: 1,
  skillFullZ: 3,
});

export type Direction = "up" | "down" | "flat";

export interface SignalEstimate {
  readonly name: SignalName;
  readonly expectedAnnualReturn: number;
  /** Walk-forward IC of the signal (`null` when undefined). */
  readonly ic: number | null;
}

export interface EnsembleResult {
  /** `E = Σ w_k f_k`. */
  readonly expectedAnnualReturn: number;
  readonly direction: Direction;
  /** Weights in the order of the input signals; they sum to 1. */
  readonly weights: readonly number[];
  readonly weighting: Weighting;
  /** `|E| / (|E| + d)`, `d` the dispersion of all signal forecasts around `E`. */
  readonly agreement: number;
  /** Evidence `z` of the ensemble's out-of-sample skill; `null` when not measured. */
  readonly evidence: number | null;
  /** `clip((z − z₀)/(z₁ − z₀), 0, 1)` of the evidence `z` (0 when not measured). */
  readonly skill: number;
  /** `agreement × skill`, in [0, 1]. */
  readonly confidence: number;
}

/**
 * Combines the signal forecasts `f_k` (expected annual returns) into one forecast:
 * - weights {@link skillWeights} of the signals' walk-forward ICs, measured on `evaluations`
 *   origins; with fewer than `minEvaluations`, equal weights;
 * - `E = Σ w_k f_k`; direction up if `E > flatThreshold`, down if `E < −flatThreshold`, else flat;
 * - agreement `a = |E| / (|E| + d)`, `d = √(mean_k (f_k − E)²)` over all K signals (equally
 *   weighted: a signal the weights ignore still counts as disagreement); 0 when all are 0;
 * - skill from the ensemble's out-of-sample backtest ({@link ensembleBacktest}) on `n` origins:
 *   `z = ½ (IC √(n − 1) + 2 (H − ½) √n)`, the mean of the IC's and the hit rate's z-statistics
 *   under no skill (standard errors `1/√(n − 1)` and `½/√n`; a `null` IC counts as 0, a `null`
 *   hit rate as ½); `s = clip((z − skillZeroZ) / (skillFullZ − skillZeroZ), 0, 1)`: no skill
 *   within one standard error of none (a no-skill ensemble passes that bar 16% of the time),
 *   full skill at three. `s = 0` as well when the weighting is "equal" (no signal shows skill)
 *   or `n < minEvaluations`;
 * - confidence `c = a · s` ∈ [0, 1].
 * @example combineSignals([{ name: "momentum", expectedAnnualReturn: 0.1, ic: 0.2 },
 *   { name: "ewma", expectedAnnualReturn: 0.04, ic: -0.1 }], 40,
 *   { evaluations: 0, hitRate: null, ic: null }).expectedAnnualReturn // 0.1
 */
export function combineSignals(
  signals: readonly SignalEstimate[],
  evaluations: number,
  backtest: EnsembleBacktest,
  params: Pick<
    ForecastParameters,
    "minEvaluations" | "flatThreshold" | "skillZeroZ" | "skillFullZ"
  > = DEFAULT_FORECAST_PARAMETERS,
): EnsembleResult {
  if (!Array.isArray(signals) || signals.length === 0) {
    throw invalidInput("signals", "requires at least one signal");
  }
  if (!Number.isInteger(evaluations) || evaluations < 0) {
    throw invalidInput("evaluations", `must be a non-negative integer, got ${evaluations}`);
  }
  signals.forEach((s, k) => {
    assertFiniteNumber(`signals[${k}].expectedAnnualReturn`, s.expectedAnnualReturn);
  });
  const { weights, weighting } =
    evaluations >= params.minEvaluations
      ? skillWeights(signals.map((s) => s.ic))
      : skillWeights(signals.map(() => null));

  let e = 0;
  signals.forEach((s, k) => (e += (weights[k] as number) * s.expectedAnnualReturn));
  let squares = 0;
  for (const s of signals) squares += (s.expectedAnnualReturn - e) ** 2;
  const dispersion = Math.sqrt(squares / signals.length);
  const agreement = Math.abs(e) + dispersion > 0 ? Math.abs(e) / (Math.abs(e) + dispersion) : 0;

  let skill = 0;
  let evidence: number | null = null;
  const n = backtest.evaluations;
  if (weighting === "skill" && n >= params.minEvaluations) {
    const ic = backtest.ic ?? 0;
    const hit = backtest.hitRate ?? 0.5;
    evidence = (ic * Math.sqrt(n - 1) + 2 * (hit - 0.5) * Math.sqrt(n)) / 2;
    const ramp = (evidence - params.skillZeroZ) / (params.skillFullZ - params.skillZeroZ);
    skill = Math.min(1, Math.max(0, ramp));
  }
  const direction: Direction =
    e > params.flatThreshold ? "up" : e < -params.flatThreshold ? "down" : "flat";
  return {
    expectedAnnualReturn: e,
    direction,
    weights,
    weighting,
    agreement,
    evidence,
    skill,
    confidence: Math.min(1, Math.max(0, agreement * skill)),
  };
}

export interface SignalReport {
  readonly name: SignalName;
  readonly expectedAnnualReturn: number;
  readonly weight: number;
  readonly hitRate: number | null;
  readonly ic: number | null;
}

export interface AssetForecast {
  /** Ensemble expected annual return (fraction); `null` with a reason when not computable. */
  readonly expectedAnnualReturn: number | null;
  readonly direction: Direction | null;
  /** In [0, 1]; 0 exactly when there is a reason. */
  readonly confidence: number;
  readonly agreement: number | null;
  /** Evidence `z` of the ensemble's out-of-sample skill (see {@link combineSignals}). */
  readonly skillEvidence: number | null;
  readonly skill: number | null;
  readonly weighting: Weighting | null;
  readonly regime: VolatilityRegime | null;
  /** Annualised realised volatility of the last `regimeWindow` simple returns. */
  readonly regimeVolatility: number | null;
  /** Its percentile rank within the trailing history. */
  readonly regimePercentile: number | null;
  readonly signals: readonly SignalReport[];
  /** Daily returns of the asset dated ≤ the last data date. */
  readonly observations: number;
  /** Walk-forward origins behind the signals' hit rates and ICs. */
  readonly evaluations: number;
  /** Out-of-sample test of the skill-weighted ensemble behind `skill`. */
  readonly backtest: EnsembleBacktest | null;
  /** The asset's last price date used (≤ asOf). */
  readonly lastPriceDate: string | null;
  readonly reason?: string;
}

export interface ForecastReport {
  readonly asOf: string;
  /** The last table date ≤ asOf: the newest data the forecast read (`null`: none). */
  readonly lastDataDate: string | null;
  readonly horizonDays: number;
  readonly assets: Readonly<Record<string, AssetForecast>>;
  readonly method: ForecastParameters & { readonly description: Readonly<Record<string, string>> };
}

export type ForecastOptions = { readonly asOf?: string } & Partial<ForecastParameters>;

const DESCRIPTION = Object.freeze({
  expectedAnnualReturn:
    "forecast of the next horizonDays log return, annualised × periodsPerYear / horizonDays",
  momentum:
    "z = (x[t−momentumSkip] − x[t−momentumWindow]) / (σ √(momentumWindow − momentumSkip)), x = log price",
  meanReversion:
    "z = −(MA_short − MA_long) / SD_long of log prices (meanReversionShort, meanReversionLong)",
  ewma: "z = EWMA(daily log returns, half-life ewmaHalfLife, ewmaWindow days) · √n_eff / σ",
  ridge:
    "β = (XᵀX + λI)⁻¹Xᵀy on ridgeLags lagged horizonDays log returns, λ = ridgeShrinkage · tr(XᵀX)/p, no intercept, last ridgeWindow daily samples",
  scoreToReturn:
    "f = priorIc · clip(z, ±scoreCap) · σ · periodsPerYear / √horizonDays (Grinold); ridge clipped to the same bound",
  sigma: "σ = sample std (ddof 1) of the last volatilityWindow daily log returns",
  walkForward:
    "origins every evaluationStep days back from asOf − horizonDays (at most maxEvaluations); IC = Spearman per asset over time; hit rate over called directions",
  weights:
    "w ∝ max(IC, 0); equal weights and confidence 0 when no IC > 0 or fewer than minEvaluations",
  confidence:
    "agreement |E|/(|E|+d) (d = RMS of all signals around E) × skill clip((z − skillZeroZ)/(skillFullZ − skillZeroZ), 0, 1), z = ½(IC√(n−1) + 2(H−½)√n) of the ensemble tested out of sample with weights from earlier origins only",
  regime:
    "percentile rank (scipy kind=mean) of the regimeWindow-day realised vol within the last regimeLookback: < calmBelow calm, > stressedAbove stressed",
});

const INTEGER_AT_LEAST: Readonly<Partial<Record<keyof ForecastParameters, number>>> = {
  horizonDays: 1,
  volatilityWindow: 2,
  momentumWindow: 1,
  momentumSkip: 0,
  meanReversionShort: 1,
  meanReversionLong: 2,
  ewmaWindow: 1,
  ridgeLags: 1,
  ridgeWindow: 1,
  ridgeMinSamples: 1,
  regimeWindow: 2,
  regimeLookback: 1,
  regimeMinHistory: 1,
  evaluationStep: 1,
  maxEvaluations: 1,
  minEvaluations: 2,
};

/** Fills in defaults and checks every parameter; throws naming the option at fault. */
export function resolveForecastParameters(
  options: Partial<ForecastParameters>,
): ForecastParameters {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_FORECAST_PARAMETERS)) throw invalidInput(key, "is not a forecast option");
  }
  const p: ForecastParameters = { ...DEFAULT_FORECAST_PARAMETERS, ...options };
  for (const key of Object.keys(DEFAULT_FORECAST_PARAMETERS) as (keyof ForecastParameters)[]) {
    assertFiniteNumber(key, p[key]);
    const min = INTEGER_AT_LEAST[key];
    if (min !== undefined && (!Number.isInteger(p[key]) || p[key] < min)) {
      throw invalidInput(key, `must be an integer of at least ${min}, got ${p[key]}`);
    }
  }
  const positive = ["periodsPerYear", "ewmaHalfLife", "ridgeShrinkage", "scoreCap"] as const;
  for (const key of positive) {
    if (!(p[key] > 0)) throw invalidInput(key, `must be positive, got ${p[key]}`);
  }
  if (!(p.priorIc > 0 && p.priorIc <= 1)) {
    throw invalidInput("priorIc", `must be in (0, 1], got ${p.priorIc}`);
  }
  if (p.momentumSkip >= p.momentumWindow) {
    throw invalidInput("momentumSkip", `must be below momentumWindow (${p.momentumWindow})`);
  }
  if (p.meanReversionShort >= p.meanReversionLong) {
    throw invalidInput(
      "meanReversionShort",
      `must be below meanReversionLong (${p.meanReversionLong})`,
    );
  }
  if (!(p.calmBelow > 0 && p.calmBelow <= p.stressedAbove && p.stressedAbove < 1)) {
    throw invalidInput("calmBelow", "must satisfy 0 < calmBelow ≤ stressedAbove < 1");
  }
  if (p.maxEvaluations < p.minEvaluations) {
    throw invalidInput("maxEvaluations", `must be at least minEvaluations (${p.minEvaluations})`);
  }
  if (!(p.skillZeroZ >= 0 && p.skillFullZ > p.skillZeroZ)) {
    throw invalidInput("skillFullZ", "must satisfy 0 ≤ skillZeroZ < skillFullZ");
  }
  if (!(p.flatThreshold >= 0)) {
    throw invalidInput("flatThreshold", `must be ≥ 0, got ${p.flatThreshold}`);
  }
  return Object.freeze(p);
}

function assertTable(table: PriceTable): void {
  if (table === null || typeof table !== "object" || !Array.isArray(table.dates)) {
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
  table.columns.forEach((c, j) => {
    if (!Array.isArray(c) || c.length !== table.dates.length) {
      throw invalidInput(`table.columns[${j}]`, `must have ${table.dates.length} entries`);
    }
  });
  for (let t = 1; t < table.dates.length; t++) {
    if (!((table.dates[t] as string) > (table.dates[t - 1] as string))) {
      throw invalidInput(`table.dates[${t}]`, "dates must be strictly increasing");
    }
  }
}

/** Index of the last date ≤ asOf (binary search; −1 when every date is later). */
function lastIndexOnOrBefore(dates: readonly string[], asOf: string): number {
  let lo = 0;
  let hi = dates.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((dates[mid] as string) <= asOf) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function emptyForecast(
  observations: number,
  lastPriceDate: string | null,
  reason: string,
  regime: ReturnType<typeof classifyVolatilityRegime> | null,
): AssetForecast {
  return {
    expectedAnnualReturn: null,
    direction: null,
    confidence: 0,
    agreement: null,
    skillEvidence: null,
    skill: null,
    weighting: null,
    regime: regime?.regime ?? null,
    regimeVolatility: regime?.volatility ?? null,
    regimePercentile: regime?.percentile ?? null,
    signals: [],
    observations,
    evaluations: 0,
    backtest: null,
    lastPriceDate,
    reason,
  };
}

/** Why an ensemble has confidence 0, or `undefined` when it has some. */
function zeroConfidenceReason(
  ensemble: EnsembleResult,
  evaluations: number,
  backtest: EnsembleBacktest,
  p: ForecastParameters,
): string | undefined {
  const min = p.minEvaluations;
  if (evaluations < min) {
    return `only ${evaluations} walk-forward evaluations (${min} needed to weight the signals); equal weights, confidence 0`;
  }
  if (ensemble.weighting === "equal") {
    return "no signal had a positive walk-forward IC; equal weights, confidence 0";
  }
  if (backtest.evaluations < min) {
    return `only ${backtest.evaluations} out-of-sample tests of the ensemble (${min} needed to measure skill); confidence 0`;
  }
  if (ensemble.skill === 0) {
    const z = (ensemble.evidence ?? 0).toFixed(2);
    return `the ensemble's out-of-sample skill evidence z = ${z} is not above ${p.skillZeroZ}; confidence 0`;
  }
  if (ensemble.confidence === 0) {
    return "the weighted signals net to an expected return of 0 (agreement 0); confidence 0";
  }
  return undefined;
}

function forecastAsset(
  table: PriceTable,
  j: number,
  end: number,
  asOf: string,
  p: ForecastParameters,
): AssetForecast {
  const symbol = table.symbols[j] as string;
  const column = table.columns[j] as readonly (number | null)[];
  const x = new Float64Array(end + 1);
  const returns: number[] = [];
  let n = 0;
  let previous = 0;
  let lastPriceDate: string | null = null;
  for (let t = 0; t <= end; t++) {
    const price = column[t];
    if (price === null || price === undefined) continue;
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      throw invalidInput(`${symbol}[${table.dates[t]}]`, `price must be positive and finite`);
    }
    if (n > 0) returns.push(price / previous - 1);
    x[n++] = Math.log(price);
    previous = price;
    lastPriceDate = table.dates[t] as string;
  }
  const observations = Math.max(n - 1, 0);
  if (n === 0) {
    return emptyForecast(0, null, `no price on or before ${asOf}`, null);
  }
  const regime =
    returns.length >= regimeReturnsNeeded(p) ? classifyVolatilityRegime(returns, p) : null;
  const needed = signalHistoryNeeded(p) + 1;
  const logPrices = x.subarray(0, n);
  const snapshot = signalsAt(logPrices, n - 1, p);
  if (snapshot === null) {
    return emptyForecast(
      observations,
      lastPriceDate,
      `only ${n} prices up to the last data date; the signals need ${needed}`,
      regime,
    );
  }
  if (snapshot.sigma === 0) {
    return emptyForecast(
      observations,
      lastPriceDate,
      `zero volatility over the last ${p.volatilityWindow} returns; the signals are undefined`,
      regime,
    );
  }
  const wf = walkForwardEvaluation(logPrices, n - 1, p);
  const backtest = ensembleBacktest(wf, p);
  const evaluations = wf.origins.length;
  const estimates = SIGNAL_NAMES.map((name, k) => ({
    name,
    expectedAnnualReturn: snapshot.expectedAnnualReturns[k] as number,
    ic: wf.skills[k]?.ic ?? null,
  }));
  const ensemble = combineSignals(estimates, evaluations, backtest, p);
  const reason = zeroConfidenceReason(ensemble, evaluations, backtest, p);
  return {
    expectedAnnualReturn: ensemble.expectedAnnualReturn,
    direction: ensemble.direction,
    confidence: ensemble.confidence,
    agreement: ensemble.agreement,
    skillEvidence: ensemble.evidence,
    skill: ensemble.skill,
    weighting: ensemble.weighting,
    regime: regime?.regime ?? null,
    regimeVolatility: regime?.volatility ?? null,
    regimePercentile: regime?.percentile ?? null,
    signals: estimates.map((s, k) => ({
      name: s.name,
      expectedAnnualReturn: s.expectedAnnualReturn,
      weight: ensemble.weights[k] as number,
      hitRate: wf.skills[k]?.hitRate ?? null,
      ic: s.ic,
    })),
    observations,
    evaluations,
    backtest,
    lastPriceDate,
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * Forecasts every asset of `table` as of `asOf` (ISO date; default the table's last date),
 * reading only prices dated ≤ asOf. An asOf after the last date is allowed (the forecast is
 * then as of the last data date, reported as `lastDataDate`); an asOf before the first date
 * reports every asset with confidence 0 and a reason. Per asset: the ensemble expected annual
 * return, direction, confidence in [0, 1], regime, and each signal's expected annual return,
 * weight, hit rate and IC ({@link combineSignals}). An asset with too little history gets
 * `expectedAnnualReturn: null`, confidence 0 and a reason. Deterministic; the result is plain
 * JSON with no NaN or Infinity. All windows and defaults are in `method`.
 * @example forecast(table, { asOf: "2000-01-03" }).assets.GOOG.reason
 *   // "no price on or before 2000-01-03" (GOOG's first price is in 2004)
 */
export function forecast(table: PriceTable, options: ForecastOptions = {}): ForecastReport {
  assertTable(table);
  const { asOf: asOfOption, ...rest } = options;
  const p = resolveForecastParameters(rest);
  if (table.dates.length === 0) throw invalidInput("table.dates", "must not be empty");
  const asOf = asOfOption ?? (table.dates[table.dates.length - 1] as string);
  if (typeof asOf !== "string" || !isIsoDate(asOf)) {
    throw invalidInput("asOf", `must be an ISO date YYYY-MM-DD, got ${String(asOf)}`);
  }
  const end = lastIndexOnOrBefore(table.dates, asOf);
  const assets: Record<string, AssetForecast> = {};
  table.symbols.forEach((symbol, j) => {
    assets[symbol] =
      end < 0
        ? emptyForecast(0, null, `no price on or before ${asOf}`, null)
        : forecastAsset(table, j, end, asOf, p);
  });
  return {
    asOf,
    lastDataDate: end < 0 ? null : (table.dates[end] as string),
    horizonDays: p.horizonDays,
    assets,
    method: { ...p, description: DESCRIPTION },
  };
}
