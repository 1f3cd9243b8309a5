import { tool } from "@langchain/core/tools";
import { z } from "zod";
import {
  AssetClassSchema,
  MandateObjectiveSchema,
  MandateSchema,
  SymbolSchema,
} from "../governance/index.js";
import {
  covarianceMatrix,
  efficientReturn,
  efficientRisk,
  expectedReturns,
  hrpFromReturns,
  infeasible,
  invalidInput,
  isToolError,
  maxSharpe,
  minVolatility,
  returnMatrix,
  riskParity,
  type AssetBounds,
  type GroupBound,
  type PortfolioConstraints,
  type TurnoverControl,
} from "../tools/index.js";
import { PriceTableSchema, RecommendedBySchema, WeightsSchema } from "./schemas.js";
import { NO_MEMO, type AnalysisMemo } from "./analysis-memo.js";

/**
 * The Optimizer: target weights from the mandate's objective and constraints.
 *
 * Weights are solved for the risky sleeve (weights summing to 1) and scaled to `1 − cashTarget`,
 * so every reported weight is a fraction of NAV and cash is `cashTarget`. NAV-level bounds,
 * asset-class bounds, turnover and volatility budgets are converted to the sleeve by dividing by
 * `s = 1 − cashTarget` (the cash asset class is offset by the cash target first). Cash is assumed
 * to earn the mandate's risk-free rate and to have no volatility.
 *
 * Expected returns: per asset, the historical geometric annual return over the table as given
 * (the Data agent already windowed it; 252 periods a year, QUANT-CONVENTIONS), blended with the
 * Forecast agent's view by its confidence `c`: `μ = (1 − c)·μ_hist + c·μ_forecast` (`μ_hist` alone
 * where there is no forecast). Covariance: the sample covariance (pairwise-complete, ddof 1, ×252),
 * PSD-repaired when needed.
 */

export const NAME = "optimizer";
export const VERSION = "1.0.0";

const recommendedBy = { agent: NAME, version: VERSION } as const;

/** Volatility comparisons allow this relative slack (solver round-off). */
export const VOLATILITY_SLACK = 1e-9;
/** Bisection steps of the nearest-within-budget search, and its relative stopping gap. */
const BUDGET_SEARCH_STEPS = 60;
const BUDGET_SEARCH_GAP = 1e-7;
/** Penalty multiple used to project a reference portfolio into the constraints (L1-nearest). */
const PROJECTION_KAPPA_MULTIPLE = 1e3;

export const ForecastViewSchema = z.object({
  /** The ensemble's expected annual return (fraction); null when it had none. */
  expectedAnnualReturn: z.number().finite().nullable(),
  confidence: z.number().finite().min(0).max(1),
});

export const OptimizerInputSchema = z.object({
  /** The windowed price table (the Data agent's). */
  table: PriceTableSchema,
  mandate: MandateSchema,
  /** Current weights (fractions of NAV) by symbol; a `CASH` key is ignored. */
  currentWeights: WeightsSchema,
  /** Asset class by symbol; required when the mandate has asset-class bounds. */
  assetClasses: z.record(SymbolSchema, AssetClassSchema).optional(),
  forecast: z.record(SymbolSchema, ForecastViewSchema).optional(),
  /** The Supervisor's volatility budget for this run (annualised, fraction of NAV). */
  riskBudget: z.object({ maxVolatility: z.number().finite().positive().optional() }).optional(),
  /** 0-based index of this Optimizer run within the briefing. */
  loop: z.number().int().min(0).default(0),
});

const PerformanceSchema = z.object({
  /** `Σ w_i μ_i + cash · rf`, annual fraction. */
  expectedReturn: z.number(),
  /** `√(wᵀΣw)` of the NAV weights, annual fraction. */
  volatility: z.number(),
  /** `(expectedReturn − rf) / volatility`; null (with a reason) when the volatility is 0. */
  sharpe: z.number().nullable(),
  sharpeNullReason: z.string().optional(),
});

const ConstraintsAppliedSchema = z.object({
  cashTarget: z.number(),
  /** NAV-level per-asset bounds (the objective's; target-weights widen them to the targets). */
  bounds: z.object({ min: z.number(), max: z.number() }),
  assetClassBounds: z.array(
    z.object({
      assetClass: AssetClassSchema,
      members: z.array(SymbolSchema),
      min: z.number().nullable(),
      max: z.number().nullable(),
    }),
  ),
  turnover: z
    .object({ mode: z.literal("cap"), limit: z.number(), applied: z.boolean() })
    .nullable(),
  riskBudget: z.object({ maxVolatility: z.number(), binding: z.boolean() }).nullable(),
});

export const OptimizerOutputSchema = z.object({
  objective: MandateObjectiveSchema,
  /** What was actually solved (e.g. `efficient-risk at the risk budget`). */
  solvedAs: z.string(),
  loop: z.number().int(),
  /** Fractions of NAV by symbol, sorted; Σ = 1 − cashTarget. Held symbols outside the universe get 0. */
  targetWeights: WeightsSchema,
  cashWeight: z.number(),
  /** The blended expected annual returns used, by symbol. */
  expectedReturns: z.record(SymbolSchema, z.number()),
  expectedReturnInputs: z.record(
    SymbolSchema,
    z.object({ historical: z.number(), forecast: z.number().nullable(), confidence: z.number() }),
  ),
  performance: PerformanceSchema,
  constraints: ConstraintsAppliedSchema,
  notes: z.array(z.string()),
  recommendedBy: RecommendedBySchema,
});

export type ForecastView = z.infer<typeof ForecastViewSchema>;
export type OptimizerInput = z.input<typeof OptimizerInputSchema>;
export type OptimizerOutput = z.infer<typeof OptimizerOutputSchema>;
type Mandate = z.infer<typeof MandateSchema>;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Everything a solve needs, in sleeve units. */
interface Context {
  readonly symbols: readonly string[];
  readonly mu: readonly number[];
  readonly cov: readonly (readonly number[])[];
  readonly rf: number;
  readonly sleeve: number;
  readonly bounds: AssetBounds;
  readonly groups: readonly GroupBound[];
  readonly cap: TurnoverControl | undefined;
  readonly notes: string[];
}

function quadratic(cov: readonly (readonly number[])[], w: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    const row = cov[i] as readonly number[];
    let r = 0;
    for (let j = 0; j < w.length; j++) r += (row[j] as number) * (w[j] as number);
    s += (w[i] as number) * r;
  }
  return s;
}

const volOf = (ctx: Context, w: readonly number[]): number =>
  Math.sqrt(Math.max(0, quadratic(ctx.cov, w)));

function problem(ctx: Context, constraints: PortfolioConstraints) {
  return { symbols: ctx.symbols, expectedReturns: ctx.mu, covariance: ctx.cov, constraints };
}

const isInfeasible = (e: unknown): boolean => isToolError(e) && e.code === "INFEASIBLE";

/** Runs `solve` with the turnover cap; if that is infeasible, again without it (noted). */
function withCap<T>(
  ctx: Context,
  base: PortfolioConstraints,
  solve: (c: PortfolioConstraints) => T,
): T {
  if (ctx.cap === undefined) return solve(base);
  try {
    return solve({ ...base, turnover: ctx.cap });
  } catch (error) {
    if (!isInfeasible(error)) throw error;
    const why = error instanceof Error ? error.message : String(error);
    ctx.notes.push(
      `turnover cap infeasible with the other constraints (${why}); solved without it — the Execution agent's turnover limit still caps the trades`,
    );
    return solve(base);
  }
}

/** Minimum-variance weights with an L1 pull `κ Σ|w − ref|` toward `ref` (κ = 0: min-volatility). */
function pulled(
  ctx: Context,
  base: PortfolioConstraints,
  ref: readonly number[],
  kappa: number,
): number[] {
  return minVolatility(
    problem(ctx, { ...base, turnover: { mode: "penalty", current: ref, kappa } }),
  ).weights;
}

/** A κ above which the pull leaves `ref` (feasible) unchanged: 4·max|(Σ ref)_i| (gradient 2Σw). */
function kappaScale(ctx: Context, ref: readonly number[]): number {
  let m = 0;
  for (const row of ctx.cov) {
    let r = 0;
    for (let j = 0; j < ref.length; j++) r += (row[j] as number) * (ref[j] as number);
    m = Math.max(m, Math.abs(r));
  }
  return 4 * m + 1e-12;
}

function violates(
  ref: readonly number[],
  symbols: readonly string[],
  c: PortfolioConstraints,
): boolean {
  const b = c.bounds as AssetBounds | readonly AssetBounds[] | undefined;
  const tol = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    const bi =
      b === undefined
        ? { min: 0, max: 1 }
        : Array.isArray(b)
          ? (b[i] as AssetBounds)
          : (b as AssetBounds);
    const w = ref[i] as number;
    if (w < bi.min - tol || w > bi.max + tol) return true;
  }
  const index = new Map(symbols.map((s, i) => [s, i] as const));
  for (const g of c.groups ?? []) {
    let s = 0;
    for (const m of g.members) s += ref[index.get(m) as number] as number;
    if ((g.min !== undefined && s < g.min - tol) || (g.max !== undefined && s > g.max + tol))
      return true;
  }
  return false;
}

/**
 * The portfolio nearest `ref` within the constraints and, when given, a sleeve volatility budget:
 * minimise `wᵀΣw + κ Σ|w − ref|` and pick the largest κ whose solution's volatility is within the
 * budget (volatility falls monotonically as κ falls, reaching the min-volatility portfolio at
 * κ = 0), by bisection on κ. This is the efficient-risk idea with closeness to the reference
 * (L1 turnover, variance as tie-break) in place of expected return as the objective.
 */
function nearestWithin(
  ctx: Context,
  base: PortfolioConstraints,
  ref: readonly number[],
  sleeveBudget: number | null,
): { weights: number[]; binding: boolean } {
  let anchor = [...ref];
  if (violates(ref, ctx.symbols, base)) {
    anchor = pulled(ctx, base, ref, PROJECTION_KAPPA_MULTIPLE * kappaScale(ctx, ref));
    ctx.notes.push(
      "the reference weights break the bounds or asset-class bounds: projected to the nearest feasible portfolio (L1)",
    );
  }
  if (sleeveBudget === null || volOf(ctx, anchor) <= sleeveBudget * (1 + VOLATILITY_SLACK)) {
    return { weights: anchor, binding: false };
  }
  const mv = pulled(ctx, base, anchor, 0);
  const mvVol = volOf(ctx, mv);
  if (mvVol > sleeveBudget * (1 + VOLATILITY_SLACK)) {
    ctx.notes.push(
      `risk budget ${(sleeveBudget * ctx.sleeve).toFixed(6)} is below the minimum volatility attainable (${(mvVol * ctx.sleeve).toFixed(6)}): the minimum-volatility portfolio is proposed`,
    );
    return { weights: mv, binding: true };
  }
  let lo = 0;
  let hi = kappaScale(ctx, anchor);
  let best = mv;
  const top = pulled(ctx, base, anchor, hi);
  if (volOf(ctx, top) <= sleeveBudget) return { weights: top, binding: true };
  for (let step = 0; step < BUDGET_SEARCH_STEPS; step++) {
    const mid = 0.5 * (lo + hi);
    const w = pulled(ctx, base, anchor, mid);
    const v = volOf(ctx, w);
    if (v <= sleeveBudget) {
      lo = mid;
      best = w;
      if (sleeveBudget - v <= BUDGET_SEARCH_GAP * sleeveBudget) break;
    } else {
      hi = mid;
    }
  }
  return { weights: best, binding: true };
}

/** Mean–variance solve for the mandate's objective (sleeve units). */
function solveMeanVariance(
  ctx: Context,
  mandate: Mandate,
  base: PortfolioConstraints,
): { weights: number[]; solvedAs: string } {
  const rf = ctx.rf;
  switch (mandate.objective) {
    case "max-sharpe": {
      if (ctx.cap !== undefined) {
        ctx.notes.push(
          "max-sharpe admits no turnover control (the y = κw change of variables): the Execution agent's turnover limit caps the trades",
        );
      }
      try {
        return {
          weights: maxSharpe(problem(ctx, base), { riskFree: rf }).weights,
          solvedAs: "max-sharpe",
        };
      } catch (error) {
        if (!isInfeasible(error)) throw error;
        ctx.notes.push(
          `max-sharpe infeasible (${error instanceof Error ? error.message : String(error)}): min-volatility used instead`,
        );
        return {
          weights: withCap(ctx, base, (c) => minVolatility(problem(ctx, c), { riskFree: rf }))
            .weights,
          solvedAs: "min-volatility (max-sharpe infeasible)",
        };
      }
    }
    case "min-volatility":
      return {
        weights: withCap(ctx, base, (c) => minVolatility(problem(ctx, c), { riskFree: rf }))
          .weights,
        solvedAs: "min-volatility",
      };
    case "efficient-risk": {
      if (mandate.targetVolatility === undefined) {
        throw invalidInput("mandate.targetVolatility", "required by the efficient-risk objective");
      }
      const target = mandate.targetVolatility / ctx.sleeve;
      return {
        weights: withCap(ctx, base, (c) => efficientRisk(problem(ctx, c), target, { riskFree: rf }))
          .weights,
        solvedAs: "efficient-risk",
      };
    }
    case "efficient-return": {
      if (mandate.targetReturn === undefined) {
        throw invalidInput("mandate.targetReturn", "required by the efficient-return objective");
      }
      const target = (mandate.targetReturn - (1 - ctx.sleeve) * rf) / ctx.sleeve;
      return {
        weights: withCap(ctx, base, (c) =>
          efficientReturn(problem(ctx, c), target, { riskFree: rf }),
        ).weights,
        solvedAs: "efficient-return",
      };
    }
    default:
      throw invalidInput(
        "mandate.objective",
        `${mandate.objective} is not a mean-variance objective`,
      );
  }
}

/** Efficient-risk at the budget (same constraints), or min-volatility if the budget is unattainable. */
function meanVarianceWithinBudget(
  ctx: Context,
  base: PortfolioConstraints,
  sleeveBudget: number,
): number[] {
  try {
    return withCap(ctx, base, (c) =>
      efficientRisk(problem(ctx, c), sleeveBudget, { riskFree: ctx.rf }),
    ).weights;
  } catch (error) {
    if (!isInfeasible(error)) throw error;
    const mv = withCap(ctx, base, (c) =>
      minVolatility(problem(ctx, c), { riskFree: ctx.rf }),
    ).weights;
    ctx.notes.push(
      `risk budget ${(sleeveBudget * ctx.sleeve).toFixed(6)} is below the minimum volatility attainable (${(volOf(ctx, mv) * ctx.sleeve).toFixed(6)}): the minimum-volatility portfolio is proposed`,
    );
    return mv;
  }
}

function groupsFor(
  mandate: Mandate,
  universe: readonly string[],
  classes: Readonly<Record<string, string>> | undefined,
  sleeve: number,
): { groups: GroupBound[]; applied: z.infer<typeof ConstraintsAppliedSchema>["assetClassBounds"] } {
  const acb = mandate.assetClassBounds;
  if (acb === undefined) return { groups: [], applied: [] };
  if (classes === undefined)
    throw invalidInput("assetClasses", "required when mandate.assetClassBounds is set");
  for (const s of universe) {
    if (classes[s] === undefined)
      throw invalidInput(`assetClasses.${s}`, "missing (the mandate has asset-class bounds)");
  }
  const groups: GroupBound[] = [];
  const applied: z.infer<typeof ConstraintsAppliedSchema>["assetClassBounds"] = [];
  for (const cls of AssetClassSchema.options) {
    const b = acb[cls];
    if (b === undefined) continue;
    const offset = cls === "cash" ? mandate.cashTarget : 0;
    const members = universe.filter((s) => classes[s] === cls);
    const min = b.min === undefined ? undefined : Math.max(0, (b.min - offset) / sleeve);
    const max = b.max === undefined ? undefined : (b.max - offset) / sleeve;
    if (max !== undefined && max < 0) {
      throw infeasible(
        `mandate.assetClassBounds.${cls}.max`,
        `${b.max} is below the cash target ${mandate.cashTarget}`,
      );
    }
    if (members.length === 0) {
      if (min !== undefined && min > 0) {
        throw infeasible(
          `mandate.assetClassBounds.${cls}.min`,
          `${b.min} needs ${cls} assets and the universe has none`,
        );
      }
      continue;
    }
    groups.push({
      name: cls,
      members,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max: Math.min(1, max) }),
    });
    applied.push({ assetClass: cls, members, min: b.min ?? null, max: b.max ?? null });
  }
  return { groups, applied };
}

/**
 * Target weights for the mandate (see the module comment for units and the return model).
 * - `target-weights`: the mandate's targets (scaled to `1 − cashTarget` if they sum to something
 *   else). If the risk budget is below their volatility: the portfolio nearest the targets whose
 *   volatility is at the budget (min `wᵀΣw + κ Σ|w − t|`, largest κ within budget — a
 *   turnover-aware efficient-risk toward the targets), bounds widened to admit the targets.
 * - `max-sharpe`, `min-volatility`, `efficient-risk` (mandate.targetVolatility),
 *   `efficient-return` (mandate.targetReturn): tools' exact optimisers with the mandate's bounds,
 *   asset-class groups and the turnover limit as a cap on `Σ|w − w_current|` (dropped, with a
 *   note, when infeasible; max-sharpe cannot take it). With a risk budget below the result's
 *   volatility: efficient-risk at the budget (min-volatility if even that is unattainable).
 * - `risk-parity`, `hrp`: tools' riskParity / hrp on the sample covariance; projected into the
 *   bounds and groups if they break them; over the budget, the nearest portfolio within it.
 *
 * @example
 * runOptimizer({ table, mandate: { ...m, objective: "min-volatility", cashTarget: 0.02 },
 *   currentWeights: {}, loop: 0 }).cashWeight // 0.02; Σ targetWeights = 0.98
 */
export function runOptimizer(
  input: OptimizerInput,
  tools: { readonly memo?: AnalysisMemo } = {},
): OptimizerOutput {
  const mandate = MandateSchema.parse(input.mandate);
  const loop = input.loop ?? 0;
  const { table, currentWeights } = input;
  const cashTarget = mandate.cashTarget;
  const sleeve = 1 - cashTarget;
  if (!(sleeve > 0))
    throw invalidInput("mandate.cashTarget", "must be below 1 (no risky sleeve left)");
  const rf = mandate.riskFree;
  const notes: string[] = [];

  const held = Object.keys(currentWeights).filter((s) => s !== "CASH");
  const targets = mandate.targetWeights ?? {};
  const universeSet = new Set<string>(mandate.universe ?? [...held, ...Object.keys(targets)]);
  if (mandate.objective === "target-weights") {
    if (mandate.targetWeights === undefined) {
      throw invalidInput("mandate.targetWeights", "required by the target-weights objective");
    }
    for (const s of Object.keys(targets)) universeSet.add(s);
  }
  universeSet.delete("CASH");
  const universe = [...universeSet].sort(byCodeUnit);
  if (universe.length === 0) throw invalidInput("mandate.universe", "no symbols to optimise");
  const outside = held.filter((s) => !universeSet.has(s)).sort(byCodeUnit);
  if (outside.length > 0) notes.push(`held outside the universe, target 0: ${outside.join(", ")}`);

  const { matrix, historical, covResult } = (tools.memo ?? NO_MEMO).get(
    ["optimizer", ...universe].join("\u0000"),
    () => {
      const column = new Map(table.symbols.map((s, j) => [s, j] as const));
      const columns = universe.map((s) => {
        const j = column.get(s);
        if (j === undefined) throw invalidInput(`table.symbols`, `has no prices for ${s}`);
        return table.columns[j] as (number | null)[];
      });
      const matrix = returnMatrix({ dates: table.dates, symbols: universe, columns });
      return {
        matrix,
        historical: expectedReturns(matrix, { method: "geometric" }),
        covResult: covarianceMatrix(matrix, { method: "sample" }),
      };
    },
  );
  if (covResult.repaired)
    notes.push("the sample covariance was not PSD and was repaired by spectral clipping");
  const cov = covResult.matrix;

  const expected: Record<string, number> = {};
  const expectedInputs: OptimizerOutput["expectedReturnInputs"] = {};
  const mu = universe.map((s, i) => {
    const h = historical[i] as number;
    const f = input.forecast?.[s];
    if (f === undefined || f.expectedAnnualReturn === null) {
      expectedInputs[s] = { historical: h, forecast: null, confidence: 0 };
      expected[s] = h;
      return h;
    }
    const c = f.confidence;
    const m = (1 - c) * h + c * f.expectedAnnualReturn;
    expectedInputs[s] = { historical: h, forecast: f.expectedAnnualReturn, confidence: c };
    expected[s] = m;
    return m;
  });
  notes.push(
    "expected returns: historical geometric (252/yr) over the table, blended μ = (1 − c)·μ_hist + c·μ_forecast by forecast confidence c",
  );

  const bmin = mandate.bounds.min / sleeve;
  const bmax = Math.min(1, mandate.bounds.max / sleeve);
  if (bmin > 1)
    throw infeasible(
      "mandate.bounds.min",
      `${mandate.bounds.min} exceeds the risky sleeve ${sleeve}`,
    );
  const { groups, applied } = groupsFor(mandate, universe, input.assetClasses, sleeve);
  const current = universe.map((s) => (currentWeights[s] ?? 0) / sleeve);
  const meanVariance =
    mandate.objective !== "target-weights" &&
    mandate.objective !== "risk-parity" &&
    mandate.objective !== "hrp";
  const cap: TurnoverControl | undefined = meanVariance
    ? { mode: "cap", current, maxTurnover: mandate.turnoverLimit / sleeve }
    : undefined;
  const ctx: Context = {
    symbols: universe,
    mu,
    cov,
    rf,
    sleeve,
    bounds: { min: bmin, max: bmax },
    groups,
    cap,
    notes,
  };
  const base: PortfolioConstraints = { bounds: { min: bmin, max: bmax }, groups };
  const budget = input.riskBudget?.maxVolatility;
  const sleeveBudget = budget === undefined ? null : budget / sleeve;

  let weights: number[];
  let solvedAs: string;
  let binding = false;
  let capApplied = false;
  let navTargets: Record<string, number> | null = null;
  if (meanVariance) {
    const notesBefore = notes.length;
    const r = solveMeanVariance(ctx, mandate, base);
    weights = r.weights;
    solvedAs = r.solvedAs;
    if (sleeveBudget !== null && volOf(ctx, weights) > sleeveBudget * (1 + VOLATILITY_SLACK)) {
      weights = meanVarianceWithinBudget(ctx, base, sleeveBudget);
      solvedAs = `${solvedAs}, then efficient-risk at the risk budget`;
      binding = true;
    }
    capApplied =
      mandate.objective !== "max-sharpe" &&
      !notes.slice(notesBefore).some((n) => n.startsWith("turnover cap infeasible"));
  } else if (mandate.objective === "target-weights") {
    const sum = universe.reduce((a, s) => a + (targets[s] ?? 0), 0);
    if (!(sum > 0)) throw invalidInput("mandate.targetWeights", "must have a positive weight");
    const ref = universe.map((s) => (targets[s] ?? 0) / sum);
    const widened = ref.map((t) => ({ min: Math.min(bmin, t), max: Math.max(bmax, t) }));
    const keptGroups = groups.filter(
      (g) => !violates(ref, universe, { bounds: widened, groups: [g] }),
    );
    if (keptGroups.length < groups.length) {
      notes.push(
        "the targets break some asset-class bounds; those are not enforced on the targets (the pre-trade checks report them)",
      );
    }
    const r = nearestWithin(ctx, { bounds: widened, groups: keptGroups }, ref, sleeveBudget);
    weights = r.weights;
    binding = r.binding;
    solvedAs = binding
      ? "target-weights, nearest portfolio within the risk budget"
      : "target-weights";
    if (!binding && Math.abs(sum - sleeve) <= 1e-9) {
      // The mandate's own numbers, verbatim: no rescaling noise.
      navTargets = Object.fromEntries(universe.map((s) => [s, targets[s] ?? 0]));
    } else if (!binding) {
      notes.push(`targets sum to ${sum}, scaled to the risky sleeve ${sleeve}`);
    }
  } else {
    const ref =
      mandate.objective === "risk-parity"
        ? riskParity(cov, { symbols: universe }).weights
        : hrpFromReturns(matrix).weights;
    const r = nearestWithin(ctx, base, ref, sleeveBudget);
    weights = r.weights;
    binding = r.binding;
    solvedAs = binding
      ? `${mandate.objective}, nearest portfolio within the risk budget`
      : mandate.objective;
  }

  const navWeights =
    navTargets === null
      ? weights.map((w) => (w === 0 ? 0 : w * sleeve))
      : universe.map((s) => (navTargets as Record<string, number>)[s] as number);
  const targetWeights: Record<string, number> = {};
  const all = [...universe, ...outside].sort(byCodeUnit);
  const index = new Map(universe.map((s, i) => [s, i] as const));
  for (const s of all) {
    const i = index.get(s);
    targetWeights[s] = i === undefined ? 0 : (navWeights[i] as number);
  }

  let er = (1 - navWeights.reduce((a, w) => a + w, 0)) * rf;
  navWeights.forEach((w, i) => (er += w * (mu[i] as number)));
  const volatility = Math.sqrt(Math.max(0, quadratic(cov, navWeights)));
  const performance: OptimizerOutput["performance"] =
    volatility > 0
      ? { expectedReturn: er, volatility, sharpe: (er - rf) / volatility }
      : {
          expectedReturn: er,
          volatility,
          sharpe: null,
          sharpeNullReason: "the portfolio has zero volatility",
        };

  return {
    objective: mandate.objective,
    solvedAs,
    loop,
    targetWeights,
    cashWeight: cashTarget,
    expectedReturns: expected,
    expectedReturnInputs: expectedInputs,
    performance,
    constraints: {
      cashTarget,
      bounds: { min: mandate.bounds.min, max: mandate.bounds.max },
      assetClassBounds: applied,
      turnover: meanVariance
        ? { mode: "cap", limit: mandate.turnoverLimit, applied: capApplied }
        : null,
      riskBudget: budget === undefined ? null : { maxVolatility: budget, binding },
    },
    notes,
    recommendedBy,
  };
}

/** The Optimizer as a LangChain tool (JSON in, JSON text out). */
export const optimizeTool = tool((input) => JSON.stringify(runOptimizer(input)), {
  name: "optimize_portfolio",
  description:
    "Target weights (fractions of NAV, cash = the mandate's cash target) for a mandate's objective over a price table: mean-variance (max-sharpe, min-volatility, efficient-risk, efficient-return), risk parity, HRP or strategic target weights, with bounds, asset-class bounds, a turnover cap and a volatility budget.",
  schema: OptimizerInputSchema,
});

export const optimizerTools = [optimizeTool] as const;
