import { insufficientData, invalidInput } from "./errors.js";
import {
  SIGNAL_NAMES,
  signalHistoryNeeded,
  signalsAt,
  type LogPrices,
  type SignalParameters,
  type SignalSnapshot,
} from "./forecast-signals.js";
import { assertFiniteArray } from "./validate.js";

/**
 * Walk-forward skill of each signal on one asset: at monthly origins before today, the signal's
 * forecast (computed from data up to the origin only) against the log return realised over the
 * following `h` days (realised by today).
 */

export interface EvaluationParameters {
  /** Days between walk-forward origins (21 = monthly; with h = 21 the outcomes do not overlap). */
  readonly evaluationStep: number;
  /** Most origins evaluated, newest first (60 = five years of months). */
  readonly maxEvaluations: number;
  /** Fewest origins for a skill estimate; fewer → equal weights and confidence 0. */
  readonly minEvaluations: number;
}

export const DEFAULT_EVALUATION_PARAMETERS: EvaluationParameters = Object.freeze({
  evaluationStep: 21,
  maxEvaluations: 60,
  minEvaluations: 12,
});

/**
 * Midranks of `values` (1-based; ties share the average of the ranks they span):
 * with `lo = #{v < value}` and `hi = #{v ≤ value}`, the midrank is `(lo + hi + 1) / 2`, found by
 * binary search in a sorted copy (a native numeric sort, no comparator).
 */
function midranks(values: readonly number[]): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    let upper = lo;
    let top = n;
    while (upper < top) {
      const mid = (upper + top) >> 1;
      if ((sorted[mid] as number) <= v) upper = mid + 1;
      else top = mid;
    }
    ranks[i] = (lo + upper + 1) / 2;
  }
  return ranks;
}

/** Pearson correlation of two rank vectors of equal length (mean `(n + 1)/2`), or `null`. */
function rankCorrelation(ra: Float64Array, rb: Float64Array): number | null {
  const n = ra.length;
  if (n < 2) return null;
  const m = (n + 1) / 2; // the mean of midranks is always (n + 1) / 2
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (ra[i] as number) - m;
    const db = (rb[i] as number) - m;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/**
 * Midranks of a growing set of values: each insertion updates every count in O(n), so a set
 * grown to n values costs O(n²) in all instead of a sort per step.
 */
class RunningRanks {
  private readonly values: number[] = [];
  private readonly less: number[] = [];
  private readonly equal: number[] = [];

  add(v: number): void {
    let below = 0;
    let same = 1;
    for (let i = 0; i < this.values.length; i++) {
      const w = this.values[i] as number;
      if (w < v) below++;
      else if (w > v) this.less[i] = (this.less[i] as number) + 1;
      else {
        same++;
        this.equal[i] = (this.equal[i] as number) + 1;
      }
    }
    this.values.push(v);
    this.less.push(below);
    this.equal.push(same);
  }

  /** Midrank `#less + (#equal incl. itself + 1)/2` of each value, in insertion order. */
  ranks(): Float64Array {
    const out = new Float64Array(this.values.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = (this.less[i] as number) + ((this.equal[i] as number) + 1) / 2;
    }
    return out;
  }
}

/** Spearman's ρ, or `null` when fewer than 2 pairs or either side has no rank variance. */
function spearmanOrNull(a: readonly number[], b: readonly number[]): number | null {
  return a.length < 2 ? null : rankCorrelation(midranks(a), midranks(b));
}

/** Share of called directions that were right, or `null` when no pair has both signs non-zero. */
function hitRateOrNull(forecasts: readonly number[], outcomes: readonly number[]): number | null {
  let called = 0;
  let hits = 0;
  for (let i = 0; i < forecasts.length; i++) {
    const product = (forecasts[i] as number) * (outcomes[i] as number);
    if (product === 0) continue;
    called++;
    if (product > 0) hits++;
  }
  return called === 0 ? null : hits / called;
}

function assertPairs(a: readonly number[], b: readonly number[]): void {
  assertFiniteArray("forecasts", a);
  assertFiniteArray("outcomes", b);
  if (a.length !== b.length) {
    throw invalidInput("outcomes", `must have the same length as forecasts (${a.length})`);
  }
}

/**
 * Spearman rank correlation: the Pearson correlation of the midranks (ties share the average
 * rank), as scipy's `spearmanr`. Throws when there are fewer than 2 pairs or either series is
 * constant (the correlation is undefined).
 * @example spearmanCorrelation([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) // 0.8207826816681233
 */
export function spearmanCorrelation(
  forecasts: readonly number[],
  outcomes: readonly number[],
): number {
  assertPairs(forecasts, outcomes);
  const rho = spearmanOrNull(forecasts, outcomes);
  if (rho === null) {
    throw insufficientData(
      "forecasts",
      "rank correlation needs at least 2 pairs and variation in both series",
    );
  }
  return rho;
}

/**
 * Hit rate: the share of pairs with `forecast · outcome > 0` among the pairs where both are
 * non-zero (a zero forecast calls no direction; a zero outcome has none). Throws when no pair
 * qualifies.
 * @example hitRate([0.1, -0.2, 0.3, 0, 0.1], [0.05, 0.01, 0.2, 0.3, -0.1]) // 0.5
 */
export function hitRate(forecasts: readonly number[], outcomes: readonly number[]): number {
  assertPairs(forecasts, outcomes);
  const rate = hitRateOrNull(forecasts, outcomes);
  if (rate === null) {
    throw insufficientData("forecasts", "no pair has both a forecast and an outcome direction");
  }
  return rate;
}

export interface SignalSkill {
  /** {@link hitRate} over the origins, or `null` when no direction was called. */
  readonly hitRate: number | null;
  /** Time-series information coefficient: {@link spearmanCorrelation} of forecasts and outcomes. */
  readonly ic: number | null;
}

export interface WalkForwardResult {
  /** Origins evaluated (indices into the log prices), newest first. */
  readonly origins: readonly number[];
  /** Realised `h`-day log return after each origin. */
  readonly outcomes: readonly number[];
  /** `forecasts[k][i]`: signal `k`'s expected annual return at `origins[i]`. */
  readonly forecasts: readonly (readonly number[])[];
  /** Skill of each signal over all the origins, in {@link SIGNAL_NAMES} order. */
  readonly skills: readonly SignalSkill[];
}

export type SignalFunction = (
  x: LogPrices,
  t: number,
  params: SignalParameters,
) => SignalSnapshot | null;

/**
 * Walk-forward evaluation as of `t`: origins `o_k = t − h − k · evaluationStep`, `k = 0, 1, …`,
 * for at most `maxEvaluations` origins and while every signal is computable at `o_k`. At each
 * origin, each signal's expected annual return is computed from `x[0 … o_k]` (so the ridge is
 * refitted on samples realised by `o_k`) and compared with the realised log return
 * `x_{o_k+h} − x_{o_k}`, known by `t`. Per signal: hit rate and IC — the Spearman correlation
 * per asset over time (not cross-sectional: each asset has its own history). IC and hit rate
 * are `null` where undefined (fewer than 2 origins, a constant series, no called direction).
 */
export function walkForwardEvaluation(
  x: LogPrices,
  t: number,
  params: SignalParameters & EvaluationParameters,
  signals: SignalFunction = signalsAt,
): WalkForwardResult {
  if (!Number.isInteger(t) || t < 0 || t >= x.length) {
    throw invalidInput("t", `must be an index into logPrices (0 … ${x.length - 1}), got ${t}`);
  }
  const h = params.horizonDays;
  const earliest = signalHistoryNeeded(params);
  const origins: number[] = [];
  const forecasts: number[][] = SIGNAL_NAMES.map(() => []);
  const outcomes: number[] = [];
  for (let k = 0; k < params.maxEvaluations; k++) {
    const o = t - h - k * params.evaluationStep;
    if (o < earliest) break;
    const snapshot = signals(x, o, params);
    if (snapshot === null) break;
    origins.push(o);
    outcomes.push((x[o + h] as number) - (x[o] as number));
    snapshot.expectedAnnualReturns.forEach((f, j) => forecasts[j]?.push(f));
  }
  return {
    origins,
    outcomes,
    forecasts,
    skills: forecasts.map((f) => ({
      hitRate: hitRateOrNull(f, outcomes),
      ic: spearmanOrNull(f, outcomes),
    })),
  };
}

export type Weighting = "skill" | "equal";

export interface SkillWeights {
  readonly weights: readonly number[];
  readonly weighting: Weighting;
}

/**
 * Signal weights from information coefficients: `w_k = max(IC_k, 0) / Σ_j max(IC_j, 0)`
 * ("skill"); when no IC is positive (a `null` IC counts as 0), equal weights `1/K` ("equal").
 * @example skillWeights([0.2, 0.1, -0.05, null]).weights // [0.6666666666666666, 0.3333333333333333, 0, 0]
 */
export function skillWeights(ics: readonly (number | null)[]): SkillWeights {
  if (!Array.isArray(ics) || ics.length === 0)
    throw invalidInput("ics", "requires at least one IC");
  const positive = ics.map((ic, k) => {
    if (ic === null) return 0;
    if (!(ic >= -1 && ic <= 1))
      throw invalidInput(`ics[${k}]`, `must be in [-1, 1] or null, got ${ic}`);
    return Math.max(ic, 0);
  });
  let total = 0;
  for (const v of positive) total += v;
  return total > 0
    ? { weights: positive.map((v) => v / total), weighting: "skill" }
    : { weights: positive.map(() => 1 / positive.length), weighting: "equal" };
}

export interface EnsembleBacktest {
  /** Origins at which the ensemble was tested out of sample. */
  readonly evaluations: number;
  readonly hitRate: number | null;
  readonly ic: number | null;
}

/**
 * Out-of-sample skill of the skill-weighted ensemble itself, so that choosing the weights on the
 * same origins does not flatter it: at each origin `o_i` (oldest first), the weights come from
 * {@link skillWeights} of each signal's IC over the earlier origins whose outcome was realised by
 * `o_i` (`o + h ≤ o_i`), once there are at least `minEvaluations` of them; the ensemble forecast
 * `Σ w_k f_k(o_i)` is then scored against the outcome at `o_i`. Returns the hit rate and the
 * Spearman IC over the tested origins (`null` where undefined).
 */
export function ensembleBacktest(
  wf: WalkForwardResult,
  params: Pick<SignalParameters & EvaluationParameters, "horizonDays" | "minEvaluations">,
): EnsembleBacktest {
  const k = wf.forecasts.length;
  const count = wf.origins.length;
  const ensembleForecasts: number[] = [];
  const ensembleOutcomes: number[] = [];
  // Ranks of the known origins, grown one origin at a time (oldest first) as outcomes realise.
  const outcomeRanks = new RunningRanks();
  const forecastRanks = wf.forecasts.map(() => new RunningRanks());
  let known = count; // origins[known …] are known; newest first, so known only decreases
  for (let i = count - 1; i >= 0; i--) {
    const origin = wf.origins[i] as number;
    while (known > i + 1 && (wf.origins[known - 1] as number) + params.horizonDays <= origin) {
      known--;
      outcomeRanks.add(wf.outcomes[known] as number);
      forecastRanks.forEach((r, j) => r.add(wf.forecasts[j]?.[known] as number));
    }
    if (count - known < params.minEvaluations) continue;
    const yRanks = outcomeRanks.ranks();
    const { weights } = skillWeights(forecastRanks.map((r) => rankCorrelation(r.ranks(), yRanks)));
    let f = 0;
    for (let j = 0; j < k; j++) f += (weights[j] as number) * (wf.forecasts[j]?.[i] as number);
    ensembleForecasts.push(f);
    ensembleOutcomes.push(wf.outcomes[i] as number);
  }
  return {
    evaluations: ensembleForecasts.length,
    hitRate: hitRateOrNull(ensembleForecasts, ensembleOutcomes),
    ic: spearmanOrNull(ensembleForecasts, ensembleOutcomes),
  };
}
