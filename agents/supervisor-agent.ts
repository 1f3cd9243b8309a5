import { tool } from "@langchain/core/tools";
import { z } from "zod";
import {
  MandateObjectiveSchema,
  PortfolioSchema,
  ProposalSchema,
  RiskLimitsSchema,
  SymbolSchema,
} from "../governance/index.js";
import { invalidInput } from "../tools/index.js";
import { FindingSchema, IsoDateSchema, RecommendedBySchema, WindowSchema } from "./schemas.js";

/**
 * The Supervisor: the graph's router. Four pure decisions, no I/O, no clock:
 * - {@link planRun}: which symbols, which data window, which horizon and risk budget;
 * - {@link reviewData}: halt on a blocking data finding or a data error (fail closed);
 * - {@link reviewRisk}: send the Optimizer back under a tighter volatility budget while loops
 *   remain; once they are exhausted, block on a hard breach and proceed on soft ones;
 * - {@link decide}: blocked, no trade needed, or approval.
 */

export const NAME = "supervisor";
export const VERSION = "1.0.0";

const recommendedBy = { agent: NAME, version: VERSION } as const;

/** Trading days in a year, calendar days in a year: the window's day-count conversion. */
export const TRADING_DAYS_PER_YEAR = 252;
export const CALENDAR_DAYS_PER_YEAR = 365;

/** Defaults of the run plan; a policy may override each. */
export const SUPERVISOR_DEFAULTS = Object.freeze({
  horizonDays: 21,
  maxOptimizerLoops: 3,
  budgetTightening: 0.9,
});

/** The part of a governance policy the Supervisor reads (other fields are ignored). */
export const SupervisorPolicySchema = z.object({
  version: z.string().optional(),
  horizonDays: z.number().int().min(1).max(252).optional(),
  maxOptimizerLoops: z.number().int().min(1).max(10).optional(),
  budgetTightening: z.number().finite().gt(0).lt(1).optional(),
});

// ---------------------------------------------------------------- plan

export const PlanInputSchema = z.object({
  portfolio: PortfolioSchema,
  asOf: IsoDateSchema,
  policy: SupervisorPolicySchema.optional(),
});

export const PlanSchema = z.object({
  portfolioId: z.string(),
  asOf: IsoDateSchema,
  /** holdings ∪ mandate.universe ∪ targetWeights ∪ benchmark, sorted (code-unit order). */
  symbols: z.array(SymbolSchema),
  benchmark: SymbolSchema.nullable(),
  objective: MandateObjectiveSchema,
  /** `from` = asOf − ⌈lookbackDays · 365/252⌉ calendar days; `to` = asOf. */
  window: WindowSchema,
  lookbackDays: z.number().int(),
  calendarDays: z.number().int(),
  horizonDays: z.number().int(),
  /** The mandate's risk limits: the budget the proposed portfolio must meet. */
  riskBudget: RiskLimitsSchema,
  maxOptimizerLoops: z.number().int(),
  budgetTightening: z.number(),
  policyVersion: z.string().nullable(),
  notes: z.array(z.string()),
  recommendedBy: RecommendedBySchema,
});

export type PlanInput = z.infer<typeof PlanInputSchema>;
export type Plan = z.infer<typeof PlanSchema>;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Calendar days spanned by `lookbackDays` trading days: `⌈lookbackDays · 365 / 252⌉`. An
 * approximation (weekends and an average year's holidays); the window may hold a few trading days
 * more or fewer than asked, which the estimators do not need exactly.
 *
 * @example lookbackCalendarDays(756) // 1095 (756 · 365/252 = 1095 exactly)
 */
export function lookbackCalendarDays(lookbackDays: number): number {
  if (!Number.isInteger(lookbackDays) || lookbackDays < 1) {
    throw invalidInput("lookbackDays", `must be a positive integer, got ${lookbackDays}`);
  }
  // Exact integer arithmetic: ⌈a·365/252⌉ without a float product.
  return Math.ceil((lookbackDays * CALENDAR_DAYS_PER_YEAR) / TRADING_DAYS_PER_YEAR);
}

/**
 * The ISO date `days` calendar days before `date` (proleptic Gregorian, UTC; no clock is read).
 *
 * @example isoDaysBefore("2018-04-11", 1095) // "2015-04-12"
 */
export function isoDaysBefore(date: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) throw invalidInput("asOf", `must be a date YYYY-MM-DD, got ${date}`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * Plans a run: the symbols to fetch (holdings ∪ mandate.universe ∪ targetWeights ∪ benchmark,
 * sorted), the data window `[asOf − ⌈lookbackDays · 365/252⌉ calendar days, asOf]`, the forecast
 * horizon (21 trading days), the risk budget (the mandate's risk limits), the Optimizer loop bound
 * (3 runs in total) and the budget tightening per loop (× 0.9). A policy may override the last
 * three.
 *
 * @example
 * planRun({ portfolio, asOf: "2018-04-11" }).window // { from: "2015-04-12", to: "2018-04-11" }
 */
export function planRun(input: PlanInput): Plan {
  const { portfolio, asOf, policy } = input;
  const { mandate } = portfolio;
  const set = new Set<string>();
  for (const h of portfolio.holdings) set.add(h.symbol);
  for (const s of mandate.universe ?? []) set.add(s);
  for (const s of Object.keys(mandate.targetWeights ?? {})) set.add(s);
  if (mandate.benchmark !== undefined) set.add(mandate.benchmark);
  if (set.size === 0) {
    throw invalidInput(
      "portfolio.holdings",
      "no holdings, universe, targets or benchmark to plan for",
    );
  }
  const calendarDays = lookbackCalendarDays(mandate.lookbackDays);
  const notes = [
    `window: ${mandate.lookbackDays} trading days ≈ ${calendarDays} calendar days (× 365/252)`,
  ];
  if (portfolio.asOf !== undefined && portfolio.asOf !== asOf) {
    notes.push(`the portfolio file says asOf ${portfolio.asOf}; the run uses ${asOf}`);
  }
  return {
    portfolioId: portfolio.id,
    asOf,
    symbols: [...set].sort(byCodeUnit),
    benchmark: mandate.benchmark ?? null,
    objective: mandate.objective,
    window: { from: isoDaysBefore(asOf, calendarDays), to: asOf },
    lookbackDays: mandate.lookbackDays,
    calendarDays,
    horizonDays: policy?.horizonDays ?? SUPERVISOR_DEFAULTS.horizonDays,
    riskBudget: { ...mandate.riskLimits },
    maxOptimizerLoops: policy?.maxOptimizerLoops ?? SUPERVISOR_DEFAULTS.maxOptimizerLoops,
    budgetTightening: policy?.budgetTightening ?? SUPERVISOR_DEFAULTS.budgetTightening,
    policyVersion: policy?.version ?? null,
    notes,
    recommendedBy,
  };
}

// ---------------------------------------------------------------- data review

export const DataReviewInputSchema = z.object({
  findings: z.array(FindingSchema),
  /** The Data agent's own verdict: true when any finding blocks. */
  blocking: z.boolean(),
  /** A data failure (provider down, unknown symbol, …): always halts. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const DataReviewSchema = z.object({
  halt: z.boolean(),
  /** Why the run halts (empty when it does not). */
  reasons: z.array(z.string()),
  /**
   * Non-blocking findings as lines (`CODE: SYMBOL message`), kept in the run's state and in its
   * `data.reviewed` audit event (the briefing lists the findings themselves under `data`).
   */
  warnings: z.array(z.string()),
  recommendedBy: RecommendedBySchema,
});

export type DataReviewInput = z.infer<typeof DataReviewInputSchema>;
export type DataReview = z.infer<typeof DataReviewSchema>;

/**
 * Fail closed on data: halt on a data error, on any finding of severity `blocking`, and on the
 * Data agent's `blocking` flag even when no blocking finding explains it. Warnings never halt.
 * Reasons read `CODE: SYMBOL message`, in the findings' order.
 *
 * @example reviewData({ findings: [], blocking: false }).halt // false
 */
export function reviewData(input: DataReviewInput): DataReview {
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (input.error !== undefined) {
    reasons.push(`DATA_ERROR: ${input.error.code} ${input.error.message}`);
  }
  for (const f of input.findings) {
    // Quality findings already open with their symbol ("AAPL: …"); it is not written twice.
    const line = f.message.startsWith(`${f.symbol}: `)
      ? `${f.code}: ${f.message}`
      : `${f.code}: ${f.symbol} ${f.message}`;
    if (f.severity === "blocking") reasons.push(line);
    else warnings.push(line);
  }
  if (input.blocking && !input.findings.some((f) => f.severity === "blocking")) {
    reasons.push("DATA_BLOCKING: the Data agent flagged the data as blocking");
  }
  return { halt: reasons.length > 0, reasons, warnings, recommendedBy };
}

// ---------------------------------------------------------------- risk review

/** A breached limit, as the Risk agent reports it (`limit`, `value`, `max`), with its severity. */
export const RiskBreachSchema = z.object({
  /** The limit: `maxVolatility`, `maxVar95`, `maxTrackingError`, `maxDrawdown`, … */
  limit: z.string(),
  value: z.number().finite(),
  max: z.number().finite(),
  /** From the policy; a breach of unknown severity is hard (fail closed). */
  severity: z.enum(["hard", "soft"]).default("hard"),
});

export const RiskReviewInputSchema = z.object({
  /** Limit breaches of the proposed portfolio reported by the Risk agent. */
  breaches: z.array(RiskBreachSchema),
  /** 0-based index of the Optimizer run whose proposal was assessed. */
  loop: z.number().int().min(0),
  /** Optimizer runs allowed in total (the first included). */
  maxLoops: z.number().int().min(1),
  /** The budget the assessed proposal was optimised under. */
  riskBudget: RiskLimitsSchema,
  /** Multiplier applied to the volatility budget per retry, in (0, 1); default 0.9. */
  tightening: z.number().finite().gt(0).lt(1).optional(),
  /** Annualised volatility of the assessed proposal, when known. */
  proposedVolatility: z.number().finite().min(0).optional(),
});

export const RiskReviewSchema = z.object({
  action: z.enum(["proceed", "retry-optimizer", "block"]),
  /** The budget for the next Optimizer run (only with `retry-optimizer`). */
  tighterBudget: z.object({ maxVolatility: z.number() }).optional(),
  reasons: z.array(z.string()),
  recommendedBy: RecommendedBySchema,
});

export type RiskBreach = z.infer<typeof RiskBreachSchema>;
export type RiskReviewInput = z.input<typeof RiskReviewInputSchema>;
export type RiskReview = z.infer<typeof RiskReviewSchema>;

const VOLATILITY_LIMITS: ReadonlySet<string> = new Set(["maxVolatility", "volatility"]);

function breachReason(b: RiskBreach): string {
  return `RISK_LIMIT_BREACH: limit=${b.limit}, value=${b.value.toFixed(6)}, max=${b.max.toFixed(6)}, severity=${b.severity}`;
}

/**
 * What to do after the Risk agent assessed a proposal.
 * - No breach: `proceed`.
 * - A breach (hard or soft) with Optimizer runs left (`loop + 1 < maxLoops`): `retry-optimizer`
 *   with `maxVolatility = tightening · min(budget.maxVolatility, proposedVolatility, breached
 *   volatility)` over those that are known. Every limit is tightened through the volatility, the
 *   one budget the Optimizer can enforce; VaR and tracking error scale with it.
 * - Loops exhausted (or no volatility known to tighten): `block` when a HARD breach remains (fail
 *   closed: the Supervisor does not hand a known hard breach to the approver), otherwise `proceed`
 *   and let the RISK_LIMITS check raise the soft warnings the approver must acknowledge.
 *
 * @example
 * // volatility 0.25 over a 0.20 limit on the first run: retry at 0.9 · min(0.20, 0.25) = 0.18.
 * reviewRisk({ breaches: [{ limit: "maxVolatility", value: 0.25, max: 0.2, severity: "hard" }],
 *   loop: 0, maxLoops: 3, riskBudget: { maxVolatility: 0.2 } }).tighterBudget // { maxVolatility: 0.18 }
 */
export function reviewRisk(input: RiskReviewInput): RiskReview {
  const tightening = input.tightening ?? SUPERVISOR_DEFAULTS.budgetTightening;
  if (!(tightening > 0 && tightening < 1)) {
    throw invalidInput("tightening", `must be in (0, 1), got ${tightening}`);
  }
  const breaches = input.breaches.map((b) => ({ ...b, severity: b.severity ?? "hard" }));
  if (breaches.length === 0) return { action: "proceed", reasons: [], recommendedBy };
  const reasons = breaches.map(breachReason);
  const known: number[] = [];
  if (input.riskBudget.maxVolatility !== undefined) known.push(input.riskBudget.maxVolatility);
  if (input.proposedVolatility !== undefined) known.push(input.proposedVolatility);
  for (const b of breaches) if (VOLATILITY_LIMITS.has(b.limit)) known.push(b.value);
  const runs = input.loop + 1;
  if (runs < input.maxLoops && known.length > 0) {
    const maxVolatility = tightening * Math.min(...known);
    if (maxVolatility > 0) {
      reasons.push(
        `RETRY_OPTIMIZER: run ${runs + 1} of ${input.maxLoops} under maxVolatility=${maxVolatility.toFixed(6)}`,
      );
      return {
        action: "retry-optimizer",
        tighterBudget: { maxVolatility },
        reasons,
        recommendedBy,
      };
    }
  }
  if (known.length === 0) {
    reasons.push("RISK_BUDGET_UNTIGHTENABLE: no volatility known to tighten");
  } else if (runs >= input.maxLoops) {
    reasons.push(`OPTIMIZER_LOOPS_EXHAUSTED: ${runs} of ${input.maxLoops} runs used`);
  }
  const hard = breaches.some((b) => b.severity === "hard");
  return { action: hard ? "block" : "proceed", reasons, recommendedBy };
}

// ---------------------------------------------------------------- decision

const CheckRefSchema = z.union([z.string(), z.looseObject({ code: z.string() })]);

export const DecisionInputSchema = z.object({
  checks: z.object({
    passed: z.boolean(),
    hardFailures: z.array(CheckRefSchema),
    softWarnings: z.array(CheckRefSchema),
  }),
  /** The proposal checked; null when none could be built. */
  proposal: ProposalSchema.nullable(),
});

export const DecisionSchema = z.object({
  decision: z.enum(["blocked", "no_trade", "approval"]),
  reasons: z.array(z.string()),
  /** Soft warnings the approving supervisor must acknowledge (codes, in input order). */
  acknowledgementsRequired: z.array(z.string()),
  recommendedBy: RecommendedBySchema,
});

export type DecisionInput = z.infer<typeof DecisionInputSchema>;
export type Decision = z.infer<typeof DecisionSchema>;

const codeOf = (c: z.infer<typeof CheckRefSchema>): string => (typeof c === "string" ? c : c.code);

/**
 * The run's outcome after the pre-trade checks, fail closed:
 * `blocked` when any hard check failed, when the checks did not pass (even without a listed hard
 * failure), or when there is no proposal; otherwise `no_trade` when the proposal has no orders;
 * otherwise `approval`, listing the soft warnings the approver must acknowledge.
 *
 * @example decide({ checks: { passed: true, hardFailures: [], softWarnings: [] }, proposal }).decision
 * // "approval" (proposal with orders) or "no_trade" (no orders)
 */
export function decide(input: DecisionInput): Decision {
  const { checks, proposal } = input;
  const hard = checks.hardFailures.map(codeOf);
  const soft = checks.softWarnings.map(codeOf);
  if (hard.length > 0 || !checks.passed || proposal === null) {
    const reasons = hard.map((c) => `HARD_CHECK_FAILED: ${c}`);
    if (!checks.passed && hard.length === 0) {
      reasons.push("CHECKS_NOT_PASSED: the checks did not pass");
    }
    if (proposal === null) reasons.push("NO_PROPOSAL: no proposal to check");
    return { decision: "blocked", reasons, acknowledgementsRequired: [], recommendedBy };
  }
  if (proposal.orders.length === 0) {
    return {
      decision: "no_trade",
      reasons: ["NO_ORDERS: every asset is within its drift band or its orders were dropped"],
      acknowledgementsRequired: [],
      recommendedBy,
    };
  }
  return {
    decision: "approval",
    reasons: [
      `APPROVAL_REQUIRED: ${proposal.orders.length} order${proposal.orders.length === 1 ? "" : "s"}`,
      ...soft.map((c) => `SOFT_WARNING: ${c}`),
    ],
    acknowledgementsRequired: soft,
    recommendedBy,
  };
}

// ---------------------------------------------------------------- one entry point

export const SupervisorInputSchema = z.discriminatedUnion("step", [
  PlanInputSchema.extend({ step: z.literal("plan") }),
  DataReviewInputSchema.extend({ step: z.literal("review-data") }),
  RiskReviewInputSchema.extend({ step: z.literal("review-risk") }),
  DecisionInputSchema.extend({ step: z.literal("decide") }),
]);

export const SupervisorOutputSchema = z.union([
  PlanSchema,
  DataReviewSchema,
  RiskReviewSchema,
  DecisionSchema,
]);

export type SupervisorInput = z.infer<typeof SupervisorInputSchema>;
export type SupervisorOutput = z.infer<typeof SupervisorOutputSchema>;

/**
 * The Supervisor's one entry point: dispatches on `step` to {@link planRun}, {@link reviewData},
 * {@link reviewRisk} or {@link decide}.
 *
 * @example runSupervisor({ step: "review-data", findings: [], blocking: false }).halt // false
 */
export function runSupervisor(input: SupervisorInput): SupervisorOutput {
  switch (input.step) {
    case "plan":
      return planRun(input);
    case "review-data":
      return reviewData(input);
    case "review-risk":
      return reviewRisk(input);
    case "decide":
      return decide(input);
  }
}

/** The Supervisor's decisions as LangChain tools (JSON in, JSON text out). */
export const planRunTool = tool((input) => JSON.stringify(planRun(input)), {
  name: "supervisor_plan_run",
  description:
    "Plan a briefing run for a portfolio: symbols to fetch, data window, horizon, risk budget and optimizer loop bound.",
  schema: PlanInputSchema,
});

export const reviewDataTool = tool((input) => JSON.stringify(reviewData(input)), {
  name: "supervisor_review_data",
  description:
    "Decide whether market-data findings halt the run (fail closed on blocking findings or data errors).",
  schema: DataReviewInputSchema,
});

export const reviewRiskTool = tool((input) => JSON.stringify(reviewRisk(input)), {
  name: "supervisor_review_risk",
  description:
    "Decide after a risk assessment: proceed, retry the optimizer under a tighter volatility budget, or block.",
  schema: RiskReviewInputSchema,
});

export const decideTool = tool((input) => JSON.stringify(decide(input)), {
  name: "supervisor_decide",
  description:
    "Decide the run's outcome from the pre-trade check results and the proposal: blocked, no_trade or approval.",
  schema: DecisionInputSchema,
});

export const supervisorTools = [planRunTool, reviewDataTool, reviewRiskTool, decideTool] as const;
