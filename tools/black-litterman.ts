import { choleskyFlat } from "./cholesky.js";
import { ToolError, invalidInput } from "./errors.js";
import { maxSharpe, type OptimalPortfolio, type OptimiserOptions } from "./mean-variance.js";
import type { PortfolioConstraints } from "./portfolio-constraints.js";
import { simpleReturns } from "./returns.js";
import { mean, sampleVariance } from "./stats.js";
import { assertFiniteArray, assertFiniteNumber, assertSquareMatrix } from "./validate.js";

/**
 * Black–Litterman (1992) expected returns in He & Litterman (1999)'s formulation.
 *
 * - Prior: the market-implied (reverse-optimised) returns `π = δ Σ w_mkt` (+ rf, if given), with
 *   `w_mkt` the market-capitalisation weights and δ the market's risk aversion, or any prior
 *   the caller supplies.
 * - Views: `P μ = Q + ε`, `ε ~ N(0, Ω)`, one row of P per view (absolute: 1 on the asset;
 *   relative: +1/k on each of k long assets, −1/m on each of m short assets, or cap-weighted legs).
 * - View uncertainty Ω (diagonal): by default He–Litterman's `ω_k = τ p_k Σ p_kᵀ`; a view with a
 *   percentage confidence c uses Idzorek's method in Walters' closed form
 *   `ω_k = τ p_k Σ p_kᵀ · (1 − c) / c` (c = 1 → ω = 0, the view holds exactly; c = 0.5 equals the
 *   default; c = 0 → the view is ignored, the limit ω → ∞).
 * - Posterior mean `μ_BL = [(τΣ)⁻¹ + PᵀΩ⁻¹P]⁻¹ [(τΣ)⁻¹π + PᵀΩ⁻¹Q]`, computed in the equivalent
 *   form `μ_BL = π + τΣPᵀ (PτΣPᵀ + Ω)⁻¹ (Q − Pπ)` that needs neither Σ⁻¹ nor Ω⁻¹ (so 100%
 *   confidence, Ω = 0, is exact), and posterior covariance `Σ_BL = Σ + M` with
 *   `M = τΣ − τΣPᵀ (PτΣPᵀ + Ω)⁻¹ PτΣ`, the variance of the posterior mean.
 *
 * Units: returns and covariance annualised fractions (the same convention as the rest of the
 * optimisers); τ is dimensionless, default 0.05.
 */

export const DEFAULT_TAU = 0.05;

/** An expected return for one asset, e.g. "AAPL returns 10% a year". */
export interface AbsoluteView {
  readonly type: "absolute";
  readonly asset: string;
  /** Annual return, as a fraction. */
  readonly return: number;
  /** Idzorek confidence in [0, 1]; omit for He–Litterman's default uncertainty. */
  readonly confidence?: number;
}

/** An outperformance: the long leg beats the short leg by `return` a year. */
export interface RelativeView {
  readonly type: "relative";
  readonly long: string | readonly string[];
  readonly short: string | readonly string[];
  readonly return: number;
  readonly confidence?: number;
}

export type BlackLittermanView = AbsoluteView | RelativeView;

export interface BlackLittermanInput {
  readonly symbols: readonly string[];
  /** Annualised covariance Σ of the prior, in `symbols` order. */
  readonly covariance: readonly (readonly number[])[];
  readonly views: readonly BlackLittermanView[];
  /** A prior π given directly (annual). Otherwise the market-implied prior is used. */
  readonly priorReturns?: readonly number[];
  /** Market capitalisations (≥ 0), an array in `symbols` order or a record by symbol. */
  readonly marketCaps?: readonly number[] | Readonly<Record<string, number>>;
  /** δ > 0, required with `marketCaps`; see {@link marketImpliedRiskAversion}. */
  readonly riskAversion?: number;
  /** Added to the market-implied prior (π is an excess return when 0). Default 0. */
  readonly riskFreeRate?: number;
  /** τ in (0, 1]. Default {@link DEFAULT_TAU}. */
  readonly tau?: number;
  /** How a relative view weights the assets of a leg: equally (default) or by market cap. */
  readonly relativeWeighting?: "equal" | "market-cap";
}

export interface BlackLittermanResult {
  readonly symbols: string[];
  /** The prior π (annual). */
  readonly prior: number[];
  /** The prior covariance Σ (annual), as given. */
  readonly priorCovariance: number[][];
  /** Market weights `w_mkt`, when the prior is market-implied, else null. */
  readonly marketWeights: number[] | null;
  /** δ used for the prior, else null. */
  readonly riskAversion: number | null;
  readonly tau: number;
  /** Posterior expected returns μ_BL (annual). */
  readonly posteriorReturns: number[];
  /** Posterior covariance Σ + M (annual). */
  readonly posteriorCovariance: number[][];
  /** The views as used: picking matrix, targets and Ω's diagonal (ignored views removed). */
  readonly views: {
    readonly P: number[][];
    readonly Q: number[];
    readonly omega: number[];
    /** Index in the input `views` of each row of P. */
    readonly index: number[];
    /** Input indices of views with confidence 0 (no effect). */
    readonly ignored: number[];
  };
}

/**
 * The market's risk aversion (price of risk) from its prices:
 * `δ = (mean(r) · P − rf) / (var(r) · P)`, r the simple returns `p_t/p_{t−1} − 1`, mean the
 * arithmetic mean, var the sample variance (ddof 1), P periods per year (default 252), rf the
 * annual risk-free rate (default 0). Throws if the market's excess return is not positive (δ
 * would not be a risk aversion) — pass δ explicitly then.
 *
 * @example
 * // returns 0.1, −0.05, 0.1: mean 0.05, sample var 0.0075; P = 1, rf = 0 → δ = 0.05 / 0.0075
 * marketImpliedRiskAversion([100, 110, 104.5, 114.95], { periodsPerYear: 1 }) // 6.666666666666667
 */
export function marketImpliedRiskAversion(
  marketPrices: readonly number[],
  options: { readonly periodsPerYear?: number; readonly riskFreeRate?: number } = {},
): number {
  const periods = options.periodsPerYear ?? 252;
  const rf = options.riskFreeRate ?? 0;
  assertFiniteNumber("periodsPerYear", periods);
  if (!(periods > 0)) throw invalidInput("periodsPerYear", `must be positive, got ${periods}`);
  assertFiniteNumber("riskFreeRate", rf);
  if (marketPrices.length < 3) {
    throw new ToolError(
      "INSUFFICIENT_DATA",
      "marketPrices",
      `requires at least 3 prices (2 returns), got ${marketPrices.length}`,
    );
  }
  const r = simpleReturns(marketPrices);
  const excess = mean(r) * periods - rf;
  const variance = sampleVariance(r) * periods;
  if (!(variance > 0)) {
    throw new ToolError("INSUFFICIENT_DATA", "marketPrices", "market returns have zero variance");
  }
  if (!(excess > 0)) {
    throw invalidInput(
      "marketPrices",
      `the market's excess return ${excess} is not positive, so δ would be ${excess / variance}; pass riskAversion explicitly`,
    );
  }
  return excess / variance;
}

/**
 * Market-implied prior returns `π = δ Σ w_mkt + rf`, `w_mkt = caps / Σ caps` (reverse
 * optimisation: the returns for which the market portfolio is mean-variance optimal at risk
 * aversion δ). Units follow Σ (annual). rf defaults to 0 (π is then an excess return).
 *
 * @example
 * // caps 1:3 → w = (0.25, 0.75); Σw = (0.04·0.25, 0.09·0.75) = (0.01, 0.0675); δ = 2
 * marketImpliedPriorReturns([1, 3], 2, [[0.04, 0], [0, 0.09]]) // [0.02, 0.135]
 */
export function marketImpliedPriorReturns(
  marketCaps: readonly number[],
  riskAversion: number,
  covariance: readonly (readonly number[])[],
  riskFreeRate = 0,
): number[] {
  assertSquareMatrix("covariance", covariance);
  const n = covariance.length;
  const w = marketWeights(marketCaps, n, "marketCaps");
  assertPositive("riskAversion", riskAversion);
  assertFiniteNumber("riskFreeRate", riskFreeRate);
  return covariance.map((row) => {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += (row[j] as number) * (w[j] as number);
    return riskAversion * acc + riskFreeRate;
  });
}

function assertPositive(field: string, v: number): void {
  assertFiniteNumber(field, v);
  if (!(v > 0)) throw invalidInput(field, `must be positive, got ${v}`);
}

function marketWeights(caps: readonly number[], n: number, field: string): number[] {
  assertFiniteArray(field, caps);
  if (caps.length !== n) throw invalidInput(field, `has ${caps.length} values for ${n} assets`);
  let total = 0;
  caps.forEach((c, i) => {
    if (c < 0) throw invalidInput(`${field}[${i}]`, `must be ≥ 0, got ${c}`);
    total += c;
  });
  if (!(total > 0)) throw invalidInput(field, "must have a positive total");
  return caps.map((c) => c / total);
}

function capsInOrder(
  caps: readonly number[] | Readonly<Record<string, number>>,
  symbols: readonly string[],
): number[] {
  if (Array.isArray(caps)) return caps as number[];
  const record = caps as Readonly<Record<string, number>>;
  const known = new Set(symbols);
  for (const key of Object.keys(record)) {
    if (!known.has(key)) throw invalidInput(`marketCaps.${key}`, "is not one of the symbols");
  }
  return symbols.map((s) => {
    const v = record[s];
    if (v === undefined) throw invalidInput(`marketCaps.${s}`, "is missing");
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw invalidInput(`marketCaps.${s}`, `must be a finite number ≥ 0, got ${String(v)}`);
    }
    return v;
  });
}

/**
 * Black–Litterman posterior from a prior and views (see the module comment for the formulas).
 *
 * Errors (ToolError INVALID_INPUT, naming the field): covariance not square/finite/symmetric
 * PSD (`covariance`); symbols not unique (`symbols`); no prior (`priorReturns` /
 * `marketCaps`), δ missing or ≤ 0 (`riskAversion`); τ outside (0, 1] (`tau`); a malformed view
 * (`views[k].type`, `views[k].asset`, `views[k].long`, `views[k].short`, `views[k].return`,
 * `views[k].confidence`, e.g. an unknown asset or an asset on both legs); a view that is
 * redundant with earlier ones at full certainty, making `PτΣPᵀ + Ω` singular (`views[k]`).
 *
 * @example
 * // One asset, Σ = 0.04, π = 0.05, view μ = 0.10 (default Ω = τΣ = 0.002):
 * // μ_BL = 0.05 + 0.002/(0.002 + 0.002) · (0.10 − 0.05) = 0.075; M = 0.002 − 0.002²/0.004 = 0.001
 * blackLitterman({ symbols: ["A"], covariance: [[0.04]], priorReturns: [0.05],
 *   views: [{ type: "absolute", asset: "A", return: 0.1 }] }).posteriorReturns // [0.075]
 */
export function blackLitterman(input: BlackLittermanInput): BlackLittermanResult {
  const { symbols, covariance, views } = input;
  if (!Array.isArray(symbols) || symbols.length === 0) {
    throw invalidInput("symbols", "must name at least one asset");
  }
  const n = symbols.length;
  if (new Set(symbols).size !== n) throw invalidInput("symbols", "must be unique");
  assertSquareMatrix("covariance", covariance, n);
  // Validates symmetry and positive semi-definiteness (throws naming `covariance`).
  choleskyFlat(covariance, "covariance");
  const tau = input.tau ?? DEFAULT_TAU;
  assertFiniteNumber("tau", tau);
  if (!(tau > 0 && tau <= 1)) throw invalidInput("tau", `must be in (0, 1], got ${tau}`);

  let prior: number[];
  let mktWeights: number[] | null = null;
  let delta: number | null = null;
  const caps = input.marketCaps === undefined ? null : capsInOrder(input.marketCaps, symbols);
  if (input.priorReturns !== undefined) {
    assertFiniteArray("priorReturns", input.priorReturns);
    if (input.priorReturns.length !== n) {
      throw invalidInput("priorReturns", `has ${input.priorReturns.length} values for ${n} assets`);
    }
    prior = [...input.priorReturns];
  } else if (caps !== null) {
    if (input.riskAversion === undefined) {
      throw invalidInput("riskAversion", "is required for a market-implied prior");
    }
    assertPositive("riskAversion", input.riskAversion);
    delta = input.riskAversion;
    mktWeights = marketWeights(caps, n, "marketCaps");
    prior = marketImpliedPriorReturns(caps, delta, covariance, input.riskFreeRate ?? 0);
  } else {
    throw invalidInput(
      "priorReturns",
      "no prior: pass priorReturns, or marketCaps with riskAversion for the market-implied prior",
    );
  }

  const weighting = input.relativeWeighting ?? "equal";
  if (weighting !== "equal" && weighting !== "market-cap") {
    throw invalidInput(
      "relativeWeighting",
      `must be "equal" or "market-cap", got ${String(weighting)}`,
    );
  }
  if (weighting === "market-cap" && caps === null) {
    throw invalidInput("relativeWeighting", '"market-cap" requires marketCaps');
  }
  const parsed = parseViews(views, symbols, weighting, caps);

  const sigma = toFlat(covariance, n);
  const P: number[][] = [];
  const Q: number[] = [];
  const omega: number[] = [];
  const index: number[] = [];
  const ignored: number[] = [];
  parsed.forEach((v, k) => {
    if (v.confidence === 0) {
      ignored.push(k);
      return;
    }
    const base = tau * quadratic(sigma, n, v.p);
    const scale = v.confidence === undefined ? 1 : (1 - v.confidence) / v.confidence;
    P.push(v.p);
    Q.push(v.q);
    omega.push(base * scale);
    index.push(k);
  });

  const posterior = blackLittermanPosterior(covariance, prior, P, Q, omega, tau, index);
  return {
    symbols: [...symbols],
    prior,
    priorCovariance: covariance.map((row) => [...row]),
    marketWeights: mktWeights,
    riskAversion: delta,
    tau,
    posteriorReturns: posterior.returns,
    posteriorCovariance: posterior.covariance,
    views: { P, Q, omega, index, ignored },
  };
}

interface ParsedView {
  readonly p: number[];
  readonly q: number;
  readonly confidence: number | undefined;
}

function parseViews(
  views: readonly BlackLittermanView[],
  symbols: readonly string[],
  weighting: "equal" | "market-cap",
  caps: readonly number[] | null,
): ParsedView[] {
  if (!Array.isArray(views)) throw invalidInput("views", "must be an array of views");
  const position = new Map(symbols.map((s, i) => [s, i]));
  const lookup = (field: string, asset: unknown): number => {
    if (typeof asset !== "string")
      throw invalidInput(field, `must be a symbol, got ${String(asset)}`);
    const i = position.get(asset);
    if (i === undefined) throw invalidInput(field, `unknown asset "${asset}"`);
    return i;
  };
  return views.map((view, k) => {
    const f = `views[${k}]`;
    if (typeof view !== "object" || view === null) throw invalidInput(f, "must be an object");
    const q = view.return;
    if (typeof q !== "number" || !Number.isFinite(q)) {
      throw invalidInput(
        `${f}.return`,
        `must be a finite number (annual fraction), got ${String(q)}`,
      );
    }
    const confidence = view.confidence;
    if (confidence !== undefined) {
      if (
        typeof confidence !== "number" ||
        !Number.isFinite(confidence) ||
        confidence < 0 ||
        confidence > 1
      ) {
        throw invalidInput(
          `${f}.confidence`,
          `must be a number in [0, 1], got ${String(confidence)}`,
        );
      }
    }
    const p = new Array<number>(symbols.length).fill(0);
    if (view.type === "absolute") {
      p[lookup(`${f}.asset`, view.asset)] = 1;
    } else if (view.type === "relative") {
      const long = legIndices(`${f}.long`, view.long, lookup);
      const short = legIndices(`${f}.short`, view.short, lookup);
      const longSet = new Set(long);
      for (const i of short) {
        if (longSet.has(i)) {
          throw invalidInput(`${f}.short`, `"${symbols[i] as string}" is also on the long side`);
        }
      }
      const lw = legWeights(`${f}.long`, long, weighting, caps);
      const sw = legWeights(`${f}.short`, short, weighting, caps);
      long.forEach((i, a) => (p[i] = lw[a] as number));
      short.forEach((i, a) => (p[i] = -(sw[a] as number)));
    } else {
      throw invalidInput(
        `${f}.type`,
        `must be "absolute" or "relative", got ${String((view as { type?: unknown }).type)}`,
      );
    }
    return { p, q, confidence };
  });
}

function legIndices(
  field: string,
  leg: string | readonly string[] | undefined,
  lookup: (field: string, asset: unknown) => number,
): number[] {
  const names = typeof leg === "string" ? [leg] : leg;
  if (!Array.isArray(names) || names.length === 0) {
    throw invalidInput(field, "must name at least one asset (a symbol or an array of symbols)");
  }
  const seen = new Set<number>();
  return (names as readonly unknown[]).map((name, a) => {
    const i = lookup(typeof leg === "string" ? field : `${field}[${a}]`, name);
    if (seen.has(i)) throw invalidInput(`${field}[${a}]`, `"${String(name)}" is listed twice`);
    seen.add(i);
    return i;
  });
}

function legWeights(
  field: string,
  leg: readonly number[],
  weighting: "equal" | "market-cap",
  caps: readonly number[] | null,
): number[] {
  if (weighting === "equal" || caps === null) return leg.map(() => 1 / leg.length);
  const total = leg.reduce((acc, i) => acc + (caps[i] as number), 0);
  if (!(total > 0))
    throw invalidInput(field, "the leg's market caps sum to 0; cannot cap-weight it");
  return leg.map((i) => (caps[i] as number) / total);
}

function toFlat(m: readonly (readonly number[])[], n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = m[i] as readonly number[];
    for (let j = 0; j < n; j++) out[i * n + j] = row[j] as number;
  }
  return out;
}

function quadratic(sigma: Float64Array, n: number, p: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const pi = p[i] as number;
    if (pi === 0) continue;
    let acc = 0;
    for (let j = 0; j < n; j++) acc += (sigma[i * n + j] as number) * (p[j] as number);
    v += pi * acc;
  }
  return v;
}

/**
 * The posterior mean and covariance from explicit matrices: `μ_BL = π + τΣPᵀA⁻¹(Q − Pπ)`,
 * `Σ_BL = Σ + τΣ − τΣPᵀA⁻¹PτΣ`, `A = PτΣPᵀ + diag(ω)` (see the module comment). With no views
 * the posterior is `(π, (1 + τ)Σ)`.
 *
 * Errors: shapes (`P`, `Q`, `omega`, `prior`), ω < 0 (`omega[k]`), and a singular A — a view
 * that is a combination of earlier views held with Ω = 0 — naming `views[index[k]]`.
 *
 * @example
 * // Σ = I₂, π = 0, τ = 0.5, view "asset 0 returns 0.3" with ω = 0.5: A = 0.5 + 0.5 = 1,
 * // μ = 0.5·(0.3 − 0)/1 = 0.15 on asset 0; M₀₀ = 0.5 − 0.25 = 0.25 → Σ_BL₀₀ = 1.25
 * blackLittermanPosterior([[1, 0], [0, 1]], [0, 0], [[1, 0]], [0.3], [0.5], 0.5).returns // [0.15, 0]
 */
export function blackLittermanPosterior(
  covariance: readonly (readonly number[])[],
  prior: readonly number[],
  P: readonly (readonly number[])[],
  Q: readonly number[],
  omega: readonly number[],
  tau: number,
  index?: readonly number[],
): { returns: number[]; covariance: number[][] } {
  assertSquareMatrix("covariance", covariance);
  const n = covariance.length;
  assertFiniteArray("prior", prior);
  if (prior.length !== n) throw invalidInput("prior", `has ${prior.length} values for ${n} assets`);
  assertFiniteArray("Q", Q);
  assertFiniteArray("omega", omega);
  const K = Q.length;
  if (P.length !== K) throw invalidInput("P", `has ${P.length} rows for ${K} views`);
  if (omega.length !== K) throw invalidInput("omega", `has ${omega.length} values for ${K} views`);
  P.forEach((row, k) => {
    assertFiniteArray(`P[${k}]`, row);
    if (row.length !== n)
      throw invalidInput(`P[${k}]`, `has ${row.length} entries for ${n} assets`);
  });
  omega.forEach((w, k) => {
    if (w < 0) throw invalidInput(`omega[${k}]`, `must be ≥ 0, got ${w}`);
  });
  assertPositive("tau", tau);
  const sigma = toFlat(covariance, n);

  // B = τ Σ Pᵀ (n × K), row-major.
  const B = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const p = P[k] as readonly number[];
      let acc = 0;
      for (let j = 0; j < n; j++) acc += (sigma[i * n + j] as number) * (p[j] as number);
      B[i * K + k] = tau * acc;
    }
  }
  // A = P B + Ω (K × K), symmetrised.
  const A: number[][] = [];
  for (let k = 0; k < K; k++) {
    const p = P[k] as readonly number[];
    const row = new Array<number>(K);
    for (let l = 0; l < K; l++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += (p[i] as number) * (B[i * K + l] as number);
      row[l] = acc;
    }
    A.push(row);
  }
  for (let k = 0; k < K; k++) {
    const Ak = A[k] as number[];
    for (let l = 0; l < k; l++) {
      const avg = ((Ak[l] as number) + ((A[l] as number[])[k] as number)) / 2;
      Ak[l] = avg;
      (A[l] as number[])[k] = avg;
    }
    Ak[k] = (Ak[k] as number) + (omega[k] as number);
  }

  const returns = [...prior];
  const post = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (1 + tau) * (sigma[i * n + j] as number)),
  );
  if (K === 0) return { returns, covariance: post };

  const L = choleskyFlat(A, "views");
  for (let k = 0; k < K; k++) {
    if (!((L[k * K + k] as number) > 0)) {
      const k0 = index?.[k] ?? k;
      throw invalidInput(
        `views[${k0}]`,
        "makes PτΣPᵀ + Ω singular: it is held with certainty (Ω = 0) and is a combination of earlier certain views or a zero-variance portfolio; lower its confidence or remove it",
      );
    }
  }
  // r = Q − Pπ; x = A⁻¹ r; μ = π + B x.
  const r = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const p = P[k] as readonly number[];
    let acc = 0;
    for (let i = 0; i < n; i++) acc += (p[i] as number) * (prior[i] as number);
    r[k] = (Q[k] as number) - acc;
  }
  choleskySolve(L, K, r);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += (B[i * K + k] as number) * (r[k] as number);
    returns[i] = (returns[i] as number) + acc;
  }
  // M = τΣ − B A⁻¹ Bᵀ; with A = LLᵀ, B A⁻¹ Bᵀ = (B L⁻ᵀ)(B L⁻ᵀ)ᵀ. C = B L⁻ᵀ row by row.
  const C = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let acc = B[i * K + k] as number;
      for (let l = 0; l < k; l++) acc -= (C[i * K + l] as number) * (L[k * K + l] as number);
      C[i * K + k] = acc / (L[k * K + k] as number);
    }
  }
  for (let i = 0; i < n; i++) {
    const row = post[i] as number[];
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += (C[i * K + k] as number) * (C[j * K + k] as number);
      const v = (row[j] as number) - acc;
      row[j] = v;
      (post[j] as number[])[i] = v;
    }
  }
  return { returns, covariance: post };
}

/** Solves `L Lᵀ x = b` in place (L lower-triangular, row-major K×K, positive diagonal). */
function choleskySolve(L: Float64Array, K: number, b: Float64Array): void {
  for (let i = 0; i < K; i++) {
    let acc = b[i] as number;
    for (let k = 0; k < i; k++) acc -= (L[i * K + k] as number) * (b[k] as number);
    b[i] = acc / (L[i * K + i] as number);
  }
  for (let i = K - 1; i >= 0; i--) {
    let acc = b[i] as number;
    for (let k = i + 1; k < K; k++) acc -= (L[k * K + i] as number) * (b[k] as number);
    b[i] = acc / (L[i * K + i] as number);
  }
}

export interface UnconstrainedWeightsOptions {
  /** δ > 0; scales the raw weights only (irrelevant when normalised). Default: the result's δ, else 1. */
  readonly riskAversion?: number;
  /** Which Σ to invert: the posterior Σ + M (He–Litterman, default) or the prior Σ (PyPortfolioOpt). */
  readonly covariance?: "posterior" | "prior";
  /** Rescale so the weights sum to 1 (default true). He–Litterman's w* is not normalised. */
  readonly normalise?: boolean;
}

/**
 * Black–Litterman's unconstrained mean-variance weights `w* = (δ Σ_x)⁻¹ μ_BL`, Σ_x the
 * posterior (default) or prior covariance, optionally normalised to `w* / Σ w*` (default).
 * Unconstrained: weights may be negative (short) and, unnormalised, need not sum to 1. For
 * long-only or bounded weights use the mean-variance optimiser on `posteriorReturns` and
 * `posteriorCovariance`. Weights with `|w| < 1e-12` are reported as 0.
 *
 * Errors: Σ_x not positive definite (`covariance`, INVALID_INPUT); normalising weights whose
 * sum is (numerically) 0 (`weights`, INFEASIBLE).
 *
 * @example
 * // Σ_post = diag(0.05, 0.1) (Σ = diag(0.04, 0.08), no views, τ = 0.25), μ = (0.05, 0.05) →
 * // Σ⁻¹μ = (1, 0.5) → normalised (2/3, 1/3)
 * blackLittermanUnconstrainedWeights(blackLitterman({ symbols: ["A", "B"],
 *   covariance: [[0.04, 0], [0, 0.08]], priorReturns: [0.05, 0.05], views: [], tau: 0.25 }))
 * // [0.6666666666666666, 0.3333333333333333]
 */
export function blackLittermanUnconstrainedWeights(
  result: BlackLittermanResult,
  options: UnconstrainedWeightsOptions = {},
): number[] {
  const delta = options.riskAversion ?? result.riskAversion ?? 1;
  assertPositive("riskAversion", delta);
  const which = options.covariance ?? "posterior";
  const n = result.symbols.length;
  let sigma: readonly (readonly number[])[];
  if (which === "posterior") sigma = result.posteriorCovariance;
  else if (which === "prior") sigma = result.priorCovariance;
  else throw invalidInput("covariance", `must be "posterior" or "prior", got ${String(which)}`);
  const L = choleskyFlat(sigma, "covariance");
  for (let i = 0; i < n; i++) {
    if (!((L[i * n + i] as number) > 0)) {
      throw invalidInput(
        `covariance.${result.symbols[i] as string}`,
        "covariance is singular (not positive definite); unconstrained weights need Σ⁻¹",
      );
    }
  }
  const w = Float64Array.from(result.posteriorReturns, (m) => m / delta);
  choleskySolve(L, n, w);
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i] as number;
  const normalise = options.normalise ?? true;
  if (normalise) {
    let gross = 0;
    for (let i = 0; i < n; i++) gross += Math.abs(w[i] as number);
    if (!(Math.abs(total) > 1e-12 * gross)) {
      throw new ToolError(
        "INFEASIBLE",
        "weights",
        `the unconstrained weights sum to ${total}; they cannot be normalised to 1`,
      );
    }
  }
  return Array.from(w, (v) => {
    const x = normalise ? v / total : v;
    return Math.abs(x) < 1e-12 ? 0 : x;
  });
}

/**
 * Weights from the Black–Litterman posterior: the maximum-Sharpe portfolio
 * `maximise (wᵀμ_BL − rf) / √(wᵀ Σ_BL w)` s.t. `Σw = 1` and the constraints (default long-only,
 * `0 ≤ w_i ≤ 1`), solved exactly by tools/mean-variance.ts `maxSharpe` on the posterior returns
 * and posterior covariance `Σ + M`. rf is annual (default 0). With bounds wide enough not to
 * bind, this is the tangency portfolio `Σ_BL⁻¹(μ_BL − rf) / 1ᵀΣ_BL⁻¹(μ_BL − rf)` — for rf = 0 the
 * normalised {@link blackLittermanUnconstrainedWeights}.
 *
 * Errors: those of `maxSharpe` (INFEASIBLE naming `riskFree` when no portfolio beats rf).
 *
 * @example
 * // No views: μ_BL = π = (0.1, 0.05), Σ_BL = 1.05·diag(0.04, 0.01); y ∝ Σ⁻¹μ = (2.5, 5)/1.05
 * // → w = (1/3, 2/3).
 * blackLittermanWeights(blackLitterman({ symbols: ["A", "B"], covariance: [[0.04, 0], [0, 0.01]],
 *   priorReturns: [0.1, 0.05], views: [] })).weights // [0.3333333333333333, 0.6666666666666666]
 */
export function blackLittermanWeights(
  result: BlackLittermanResult,
  options: OptimiserOptions & { readonly constraints?: PortfolioConstraints } = {},
): OptimalPortfolio {
  const { constraints, ...rest } = options;
  return maxSharpe(
    {
      symbols: result.symbols,
      expectedReturns: result.posteriorReturns,
      covariance: result.posteriorCovariance,
      ...(constraints === undefined ? {} : { constraints }),
    },
    rest,
  );
}
