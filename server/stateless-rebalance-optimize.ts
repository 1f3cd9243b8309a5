import {
  DEFAULT_TAU,
  blackLitterman,
  blackLittermanUnconstrainedWeights,
  ledoitWolf,
  minVolatility,
  returnMatrixFromColumns,
  sampleVariance,
  type AbsoluteView,
  type AssetBounds,
} from "../tools/index.js";

/**
 * The covariance and the optimised targets of the stateless rebalance (`POST /api/rebalance`).
 * Pure; every failure of the optimiser becomes a fallback to the stated targets, never a throw.
 */

/** Below this many aligned observations the covariance is the diagonal of sample variances. */
export const LEDOIT_WOLF_MIN_OBSERVATIONS = 10;
/** Relative ridge `ρ = RIDGE · tr(Σ)/n` added to Σ's diagonal when Σ is singular for the optimiser. */
export const OPTIMIZER_RIDGE = 1e-8;
/**
 * Each variance the optimiser sees is at least this × the mean variance `tr(Σ)/n` (a cash-like
 * asset's near-zero variance would otherwise make Σ so ill-conditioned, ~1e10, that the QP loses
 * the budget to rounding). 1e-6 of an equity-like 0.04 is a volatility floor of 0.02% a year.
 */
export const VARIANCE_FLOOR = 1e-6;
/** Optimised weights must sum to the stated targets' sum within this, else the fallback is used. */
export const BUDGET_TOLERANCE = 1e-9;
/**
 * Views with a confidence below this are ignored (as with 0): Idzorek's `ω = τσ²(1 − c)/c`
 * overflows for denormal c, and such a view moves no weight by more than ~c anyway.
 */
export const MIN_VIEW_CONFIDENCE = 1e-9;

export type CovarianceMethod = "ledoit-wolf-constant-variance" | "diagonal-sample-variance";

export interface StatelessCovariance {
  /** Annualised covariance (× periods per year), in asset order. */
  readonly matrix: number[][];
  readonly method: CovarianceMethod;
  /** Ledoit–Wolf shrinkage intensity, or null for the diagonal estimate. */
  readonly shrinkage: number | null;
}

/**
 * The annualised covariance of the aligned returns (`columns[j]` = asset j's returns on the
 * common window, all the same length T ≥ 2):
 * - T ≥ {@link LEDOIT_WOLF_MIN_OBSERVATIONS}: Ledoit–Wolf (2004) shrinkage toward the scaled
 *   identity (tools/ledoit-wolf.ts, constant-variance target, population moments as in sklearn),
 *   × P;
 * - fewer observations (a sample too small for the shrinkage intensity's fourth-moment estimate to
 *   mean anything): the diagonal of the sample variances (ddof 1) × P — correlations taken as 0.
 *
 * @example
 * // T = 3 < 10: diagonal; var([0.01, 0.02, 0.03]) = 1e-4, var([0, 0, 0.03]) = 3e-4, P = 1
 * statelessCovariance([[0.01, 0.02, 0.03], [0, 0, 0.03]], 1).matrix // [[1e-4, 0], [0, 3e-4]]
 */
export function statelessCovariance(
  columns: readonly (readonly number[])[],
  periodsPerYear: number,
): StatelessCovariance {
  const n = columns.length;
  const T = (columns[0] as readonly number[]).length;
  if (T >= LEDOIT_WOLF_MIN_OBSERVATIONS) {
    const lw = ledoitWolf(returnMatrixFromColumns(columns), {
      target: "constant-variance",
      periodsPerYear,
    });
    return { matrix: lw.matrix, method: "ledoit-wolf-constant-variance", shrinkage: lw.shrinkage };
  }
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  columns.forEach((col, i) => {
    (matrix[i] as number[])[i] = sampleVariance(col) * periodsPerYear;
  });
  return { matrix, method: "diagonal-sample-variance", shrinkage: null };
}

/** One asset's view: the ensemble's annual expected return and its confidence in [0, 1]. */
export interface StatelessView {
  readonly expectedAnnualReturn: number;
  readonly confidence: number;
}

export interface OptimizeInput {
  readonly symbols: readonly string[];
  /** Stated target weights (fractions of NAV), Σ ≤ 1. */
  readonly targets: readonly number[];
  /** Annualised covariance Σ, in `symbols` order. */
  readonly covariance: readonly (readonly number[])[];
  readonly views: readonly StatelessView[];
  /** δ > 0. */
  readonly riskAversion: number;
  /** τ in (0, 1]; default {@link DEFAULT_TAU}. */
  readonly tau?: number;
}

/**
 * - `optimized`: the Black–Litterman + quadratic-programme solution.
 * - `no-active-views`: every confidence is 0, so the posterior is the prior and the stated targets
 *   are the exact optimum (no solve needed).
 * - `single-asset` / `no-invested-budget`: the budget alone fixes the weights (w = Σ target).
 * - `fallback`: the optimiser failed; the stated targets are used (see `fallbackReason`).
 */
export type OptimizeStatus =
  "optimized" | "no-active-views" | "single-asset" | "no-invested-budget" | "fallback";

export interface OptimizeResult {
  /** Optimised weights (fractions of NAV), Σ = Σ targets, each in [0, 1]. */
  readonly weights: number[];
  readonly status: OptimizeStatus;
  /** Market-implied prior `π = δ Σ w_target` (annual), or null when not computed. */
  readonly prior: number[] | null;
  /** Black–Litterman posterior mean (annual), or null when not computed. */
  readonly posterior: number[] | null;
  /** Ridge added to Σ's diagonal (0 when none). */
  readonly ridge: number;
  /** Number of variances raised to the floor {@link VARIANCE_FLOOR} · tr(Σ)/n. */
  readonly flooredVariances: number;
  /** Views with confidence ≥ {@link MIN_VIEW_CONFIDENCE}. */
  readonly activeViews: number;
  readonly tau: number;
  readonly fallbackReason: string | null;
}

const ANCHOR = "__anchor__";
const BALANCE = "__balance__";

/**
 * Optimised targets: Black–Litterman with the stated targets as the prior, then the long-only
 * mean-variance (quadratic utility) portfolio with the targets' invested budget.
 *
 * 1. Prior: `π = δ Σ w_t` (reverse optimisation with the stated targets `w_t` as the "market",
 *    unnormalised, so π is exactly the return vector for which `w_t` maximises the utility below).
 * 2. Views: one absolute view per asset, `Q_i` = the ensemble's annual expected return, with
 *    Idzorek's confidence `c_i` (`ω_i = τ Σ_ii (1 − c_i)/c_i`; c < 1e-9 ignores the view) —
 *    tools/black-litterman.ts `blackLitterman`, τ = 0.05 by default. Posterior mean μ_BL.
 * 3. Weights: `maximise μ_BLᵀw − (δ/2) wᵀΣw` s.t. `Σw = B = Σ w_t`, `0 ≤ w_i ≤ 1`, with the
 *    prior Σ (Idzorek 2005; with no views this recovers `w_t` exactly: the gradient
 *    `π − δΣw_t` is 0). Since `μ_BL = δ Σ ŵ` with `ŵ = (δΣ)⁻¹ μ_BL` the unconstrained optimum
 *    (tools `blackLittermanUnconstrainedWeights`, unnormalised, prior Σ), the problem is
 *    `minimise (w − ŵ)ᵀ Σ (w − ŵ)` over the same set: the Σ-nearest feasible portfolio to ŵ.
 *    It is solved exactly by the tools' active-set QP (`minVolatility`) on an augmented problem
 *    with two fixed variables: an anchor held at `a = max(1, √(ŵᵀΣŵ/m))` (m = mean of Σ's
 *    diagonal) whose covariance with w is `−Σŵ/a` and variance `ŵᵀΣŵ/a² + m` (which keeps the
 *    matrix PSD), giving the linear term `−2 ŵᵀΣ w`, and a balance held at `b = 1 − a − B`
 *    (variance m, uncorrelated), so that `Σw + a + b = 1 ⇔ Σw = B`. The objective is then
 *    `(w − ŵ)ᵀΣ(w − ŵ) + const`.
 * 4. Conditioning: every variance is raised to at least `1e-6 · tr(Σ)/n` ({@link VARIANCE_FLOOR};
 *    adding to the diagonal keeps Σ PSD; counted in `flooredVariances`). If Σ is still singular
 *    for Black–Litterman or the QP, the whole step is retried once on `Σ + ρI`,
 *    `ρ = 1e-8 · tr(Σ)/n`, reported as `ridge`. π always uses the Σ the weights are solved with.
 * 5. Any failure (no variance at all, a solver error, a result off the budget by more than 1e-9
 *    or outside [0, 1]) → the stated targets, status `fallback` with the reason. Within 1e-9 the
 *    weights are rescaled by `B / Σw` so they carry the stated budget to rounding.
 *
 * Short cuts, all exact: one asset or B = 0 (the budget fixes w = w_t); no view with confidence
 * ≥ 1e-9 (the posterior is the prior, whose optimum is w_t).
 *
 * A confident view above the prior (`Q_k > π_k`) tilts the unconstrained optimum toward asset k
 * only (`ŵ − w_t = (τ/δ) x e_k`, x > 0). Under the budget the tilt is paid for along the
 * minimum-variance direction, so asset k's weight rises whenever its minimum-variance weight
 * `(Σ⁻¹1)_k / 1ᵀΣ⁻¹1` is below 1 — always with a diagonal Σ (the covariance used below 10
 * observations) and, for instance, with equal variances and correlations. It can fall when k is
 * the low-volatility leg of a highly correlated pair: the view then raises the correlated, more
 * volatile asset's posterior return more than k's own (Black–Litterman's spill-over), and the
 * budget moves weight there. The tests pin both cases.
 *
 * @example
 * // Two uncorrelated assets, no confident view: the stated targets come back unchanged.
 * optimizeTargets({ symbols: ["A", "B"], targets: [0.3, 0.5], covariance: [[0.04, 0], [0, 0.09]],
 *   views: [{ expectedAnnualReturn: 0.1, confidence: 0 }, { expectedAnnualReturn: 0, confidence: 0 }],
 *   riskAversion: 2.5 }).weights // [0.3, 0.5]
 */
export function optimizeTargets(input: OptimizeInput): OptimizeResult {
  const { symbols, targets, covariance, views, riskAversion } = input;
  const tau = input.tau ?? DEFAULT_TAU;
  const n = symbols.length;
  let budget = 0;
  for (const t of targets) budget += t;
  const activeViews = views.filter((v) => v.confidence >= MIN_VIEW_CONFIDENCE).length;
  const base = { ridge: 0, flooredVariances: 0, activeViews, tau, fallbackReason: null };
  const stated = [...targets];
  if (n === 1)
    return { ...base, weights: stated, status: "single-asset", prior: null, posterior: null };
  if (!(budget > 0)) {
    return { ...base, weights: stated, status: "no-invested-budget", prior: null, posterior: null };
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += (covariance[i] as readonly number[])[i] as number;
  if (activeViews === 0) {
    const prior = impliedPrior(covariance, targets, riskAversion);
    return { ...base, weights: stated, status: "no-active-views", prior, posterior: [...prior] };
  }
  if (!(trace > 0) || !Number.isFinite(trace)) {
    return fallback(input, tau, activeViews, "the aligned history has no variance");
  }
  const floor = (VARIANCE_FLOOR * trace) / n;
  let floored = 0;
  const sigma = covariance.map((row, i) =>
    row.map((v, j) => {
      if (i !== j || v >= floor) return v;
      floored++;
      return floor;
    }),
  );
  let firstError: unknown;
  try {
    return solve(input, sigma, 0, floored, tau, budget, activeViews);
  } catch (error) {
    firstError = error;
  }
  const ridge = (OPTIMIZER_RIDGE * trace) / n;
  const ridged = sigma.map((row, i) => row.map((v, j) => (i === j ? v + ridge : v)));
  try {
    return solve(input, ridged, ridge, floored, tau, budget, activeViews);
  } catch (error) {
    return fallback(
      input,
      tau,
      activeViews,
      `${messageOf(firstError)}; with a ridge of ${ridge}: ${messageOf(error)}`,
    );
  }
}

function messageOf(error: unknown): string {
  // A ToolError's message already starts with its field.
  return error instanceof Error ? error.message : String(error);
}

function fallback(
  input: OptimizeInput,
  tau: number,
  activeViews: number,
  reason: string,
): OptimizeResult {
  return {
    weights: [...input.targets],
    status: "fallback",
    prior: null,
    posterior: null,
    ridge: 0,
    flooredVariances: 0,
    activeViews,
    tau,
    fallbackReason: reason,
  };
}

function matVec(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  return m.map((row) => {
    let acc = 0;
    for (let j = 0; j < v.length; j++) acc += (row[j] as number) * (v[j] as number);
    return acc;
  });
}

function impliedPrior(
  covariance: readonly (readonly number[])[],
  targets: readonly number[],
  riskAversion: number,
): number[] {
  return matVec(covariance, targets).map((x) => riskAversion * x);
}

function solve(
  input: OptimizeInput,
  sigma: readonly (readonly number[])[],
  ridge: number,
  flooredVariances: number,
  tau: number,
  budget: number,
  activeViews: number,
): OptimizeResult {
  const { symbols, targets, views, riskAversion } = input;
  const n = symbols.length;
  const prior = impliedPrior(sigma, targets, riskAversion);
  const blViews: AbsoluteView[] = views.map((v, i) => ({
    type: "absolute",
    asset: symbols[i] as string,
    return: v.expectedAnnualReturn,
    confidence: v.confidence >= MIN_VIEW_CONFIDENCE ? v.confidence : 0,
  }));
  const bl = blackLitterman({
    symbols,
    covariance: sigma,
    views: blViews,
    priorReturns: prior,
    tau,
  });
  const wStar = blackLittermanUnconstrainedWeights(bl, {
    covariance: "prior",
    normalise: false,
    riskAversion,
  });

  // Augmented covariance with the anchor fixed at a ≥ 1:
  // [[Σ, −Σŵ/a, 0], [−(Σŵ)ᵀ/a, ŵᵀΣŵ/a² + m, 0], [0, 0, m]]; a = max(1, √(ŵᵀΣŵ/m)) keeps
  // every entry of the order of Σ's, so the solver's relative tolerances stay meaningful when a
  // confident view on a low-variance asset makes ŵ large.
  const sw = matVec(sigma, wStar);
  let quad = 0;
  let diag = 0;
  for (let i = 0; i < n; i++) {
    quad += (wStar[i] as number) * (sw[i] as number);
    diag += (sigma[i] as readonly number[])[i] as number;
  }
  quad = Math.max(quad, 0);
  const m = diag / n;
  const anchor = Math.max(1, Math.sqrt(quad / m));
  const aug: number[][] = sigma.map((row, i) => [...row, -(sw[i] as number) / anchor, 0]);
  aug.push([...sw.map((v) => -v / anchor), quad / (anchor * anchor) + m, 0]);
  aug.push([...new Array<number>(n).fill(0), 0, m]);
  const balance = 1 - anchor - budget;
  const bounds: AssetBounds[] = [
    ...new Array<AssetBounds>(n).fill({ min: 0, max: 1 }),
    { min: anchor, max: anchor },
    { min: balance, max: balance },
  ];
  const solution = minVolatility({
    symbols: [...symbols, ANCHOR, BALANCE],
    expectedReturns: new Array<number>(n + 2).fill(0),
    covariance: aug,
    constraints: { bounds },
  });
  const raw = solution.weights.slice(0, n);
  let total = 0;
  for (const w of raw) {
    if (!(w >= 0 && w <= 1)) throw new Error(`an optimised weight ${w} is outside [0, 1]`);
    total += w;
  }
  if (!(Math.abs(total - budget) <= BUDGET_TOLERANCE)) {
    throw new Error(`the optimised weights sum to ${total}, not the targets' ${budget}`);
  }
  // Solver round-off (< 1e-9) is rescaled away so the weights carry exactly the stated budget.
  const weights = total > 0 ? raw.map((w) => Math.min(1, (w * budget) / total)) : raw;
  return {
    weights,
    status: "optimized",
    prior,
    posterior: bl.posteriorReturns,
    ridge,
    flooredVariances,
    activeViews,
    tau,
    fallbackReason: null,
  };
}
