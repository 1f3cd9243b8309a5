import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { invalidInput, ToolError, type AssetClass } from "../tools/index.js";
import { isUnknownField, issueField } from "./issue-field.js";
import { AssetClassSchema, SymbolSchema } from "./portfolio.js";
import { sha256Canonical } from "./proposal.js";

/**
 * The governance policy: limits as versioned data (GOVERNANCE.md §1). Every limit names an owner
 * (a role), a one-line rationale and a review date; its `severity` says whether a breach blocks
 * (`hard`) or needs the approver's acknowledgement (`soft`). The policy's version is the hash of
 * its canonical JSON, written with every check result. Strict: an unknown or misspelt key is an
 * error, never a silently ignored limit.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** A calendar date `YYYY-MM-DD` that exists (2027-02-30 is refused). */
export const PolicyDateSchema = z
  .string()
  .regex(ISO_DATE, "must be a date YYYY-MM-DD")
  .refine((s) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
  }, "not a real date");

const Fraction = z.number().finite().min(0).max(1);
const Money = z.number().finite().min(0);

const limitMeta = {
  severity: z.enum(["hard", "soft"]),
  /** The role accountable for the number, e.g. "Head of Risk". */
  owner: z.string().trim().min(1).max(100),
  rationale: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .regex(/^[^\r\n]*$/, "must be one line"),
  reviewDate: PolicyDateSchema,
};

function scalarLimit<T extends z.ZodType<number>>(value: T) {
  return z.strictObject({ value, ...limitMeta });
}

/** A limit whose value is one number, or one per asset class. */
function classLimit<T extends z.ZodNumber>(value: T) {
  return z.strictObject({
    value: z.union([value, z.partialRecord(AssetClassSchema, value)]),
    ...limitMeta,
  });
}

function windowLimit() {
  return z.strictObject({
    value: z.number().int().min(1),
    /** Length of the counting window. */
    windowMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    ...limitMeta,
  });
}

export const LimitsSchema = z.strictObject({
  /** PRICE_STALE: max weekdays between the reference price's date and as-of. */
  PRICE_MAX_AGE_WEEKDAYS: scalarLimit(z.number().int().min(0).max(30)),
  /** PRICE_COLLAR: a limit price must be within ±value (fraction) of the reference price. */
  PRICE_COLLAR: scalarLimit(Fraction),
  /** NOTIONAL_EXCEEDS_MAX_PER_ORDER: max |qty × price × fx| per order, base currency. A class
   * missing from a per-class record has no cap and is denied (fail closed). */
  MAX_NOTIONAL_PER_ORDER: classLimit(z.number().finite().min(0)),
  /** ADV_PARTICIPATION: max order quantity / average daily volume. */
  MAX_ADV_PARTICIPATION: scalarLimit(Fraction),
  /** DUPLICATE_ORDER: an identical order (symbol, side, quantity) released this recently. */
  DUPLICATE_WINDOW_MINUTES: scalarLimit(
    z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60),
  ),
  /** CASH_BUFFER: min post-trade cash / post-trade NAV. */
  MIN_CASH_BUFFER: scalarLimit(Fraction),
  /** TURNOVER_EXCEEDS_LIMIT: firm-wide cap on Σ|notional| / NAV (the mandate's limit is soft). */
  MAX_TURNOVER: scalarLimit(z.number().finite().min(0).max(10)),
  /** DUST_TRADE: orders below this notional (base currency) are dust. */
  MIN_TRADE_NOTIONAL: scalarLimit(Money),
  /** ISSUER_CONCENTRATION: max post-trade weight per issuer; classes absent from a per-class
   * record carry no issuer cap (funds, commodities, FX, crypto, cash). */
  MAX_ISSUER_WEIGHT: classLimit(Fraction),
  /** ISSUER_CONCENTRATION: Σ weights of capped issuers above `aboveWeight` ≤ value (UCITS 40). */
  MAX_ISSUER_AGGREGATE: z.strictObject({ value: Fraction, aboveWeight: Fraction, ...limitMeta }),
  /** SECTOR_BOUNDS: max post-trade weight per sector, with optional per-sector caps. */
  MAX_SECTOR_WEIGHT: z.strictObject({
    value: Fraction,
    bySector: z.record(z.string().min(1), Fraction).optional(),
    ...limitMeta,
  }),
  /** ASSET_CLASS_BOUNDS: slack (weight) allowed outside the mandate's asset-class bounds. */
  ASSET_CLASS_BOUND_TOLERANCE: scalarLimit(Fraction),
  /** RISK_LIMITS: relative slack allowed over the mandate's risk limits. */
  RISK_LIMIT_TOLERANCE: scalarLimit(Fraction),
  /** DRAWDOWN_TRIGGER: drawdown (positive fraction) at which the book becomes REDUCING. */
  DRAWDOWN_TRIGGER: scalarLimit(z.number().finite().gt(0).max(1)),
  /** RATE_LIMIT: proposals per portfolio per window. */
  MAX_PROPOSALS_PER_PORTFOLIO: windowLimit(),
  /** RATE_LIMIT: proposals across all portfolios per window. */
  MAX_PROPOSALS_GLOBAL: windowLimit(),
});

export const TradingStateSchema = z.enum(["ACTIVE", "REDUCING", "HALTED"]);

export const RestrictionSchema = z.strictObject({
  symbol: SymbolSchema,
  /** `buy`: no buys; `both`: no buys and no sells. */
  scope: z.enum(["buy", "both"]),
  reason: z.string().trim().min(1).max(300),
});

export const ApprovalPolicySchema = z.strictObject({
  expiryMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  /** Gross notional (base currency) above which two distinct approvers are required. */
  twoApproversAboveNotional: Money,
  /** Turnover (fraction of NAV) above which two distinct approvers are required. */
  twoApproversAboveTurnover: z.number().finite().min(0).optional(),
  /** Rejections always need a reason: the policy cannot switch that off. */
  requireReasonOnReject: z.literal(true),
  /** Roles that may approve or reject. */
  approverRoles: z.array(z.string().min(1)).min(1).default(["supervisor"]),
});

export const ReleasePolicySchema = z.strictObject({
  /** Max |price at release / approved price − 1|, in percent (2 = 2%) → REAPPROVAL_REQUIRED. */
  maxPriceMovePct: z.number().finite().gt(0).max(100),
});

export const DataQualityPolicySchema = z.strictObject({
  /** Severity per market-data quality code (e.g. "GAP": "blocking"); others keep the default. */
  severity: z
    .record(
      z.string().regex(/^[A-Z][A-Z_]*$/, "must be a quality code"),
      z.enum(["warning", "blocking"]),
    )
    .default({}),
  staleAfterWeekdays: z.number().int().min(0).max(30),
  gapToleranceWeekdays: z.number().int().min(0).max(30).optional(),
  outlierSigmas: z.number().finite().gt(0).optional(),
});

/** A policy id: a lowercase slug, also the name of its file (`<id>.json`). */
const POLICY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const PolicySchema = z.strictObject({
  id: z.string().regex(POLICY_ID, "must be a lowercase slug (a-z, 0-9, -)"),
  version: z
    .string()
    .refine(
      (s) => SEMVER.test(s) || PolicyDateSchema.safeParse(s).success,
      "must be a date YYYY-MM-DD or a semver x.y.z",
    ),
  owner: z.string().trim().min(1).max(100),
  description: z.string().trim().min(1).max(2000),
  tradingState: TradingStateSchema,
  limits: LimitsSchema,
  restrictedList: z.array(RestrictionSchema),
  approval: ApprovalPolicySchema,
  release: ReleasePolicySchema,
  dataQuality: DataQualityPolicySchema,
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyLimits = Policy["limits"];
export type LimitName = keyof PolicyLimits;
export type TradingState = z.infer<typeof TradingStateSchema>;
export type Restriction = z.infer<typeof RestrictionSchema>;

/** The governance metadata of one limit, as attached to check results and the blueprint. */
export interface LimitRef {
  readonly name: string;
  readonly owner: string;
  readonly rationale: string;
  readonly reviewDate: string;
}

/**
 * Validates a policy document (parsed JSON) and returns it with defaults applied. Throws a
 * ToolError (INVALID_INPUT) whose `field` is the offending path, e.g. `policy.limits.MAX_TURNOVER.owner`.
 *
 * @example loadPolicy({ ...json, tradingState: "PAUSED" }) // throws, field "policy.tradingState"
 */
export function loadPolicy(json: unknown): Policy {
  const parsed = PolicySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw invalidInput("policy", "invalid policy");
  throw invalidInput(
    issueField(issue, "policy"),
    isUnknownField(issue) ? "unknown field" : issue.message,
  );
}

/**
 * The policy's version: hex SHA-256 of its RFC 8785 canonical JSON, so it does not depend on key
 * order or whitespace and changes with any limit, owner, list entry or state.
 *
 * @example policyVersion(p) === policyVersion(JSON.parse(JSON.stringify(p))) // true
 */
export function policyVersion(policy: Policy): string {
  return sha256Canonical(policy);
}

/**
 * Reads and validates a policy shipped in `governance/policies/<id>.json`. The only I/O in
 * governance/: nothing is read at import time. `id` must be a slug (no path traversal).
 *
 * @example loadBundledPolicy().id // "default"
 */
export function loadBundledPolicy(id = "default"): Policy {
  if (!POLICY_ID.test(id)) throw invalidInput("policyId", "must be a slug");
  let text: string;
  try {
    text = readFileSync(new URL(`./policies/${id}.json`, import.meta.url), "utf8");
  } catch {
    throw invalidInput("policyId", `no bundled policy "${id}"`);
  }
  return namedAfterFile(loadPolicy(JSON.parse(text) as unknown), id, "policy.id");
}

/** The policy, when its id is the name of the file it came from (`field` names the id otherwise). */
function namedAfterFile(policy: Policy, id: string, field: string): Policy {
  if (policy.id !== id) throw invalidInput(field, `must be "${id}" (the file name)`);
  return policy;
}

/**
 * A firm's own policies: every `<id>.json` in `dir`, each validated as {@link loadPolicy} does and
 * named by its id (a slug). Read once, at start, so a bad file stops the start with the file and
 * field at fault rather than failing briefings later. Throws a ToolError naming the file.
 *
 * @example loadPolicyDir("/etc/steward/policies").get("desk-a")?.limits.MAX_TURNOVER.value
 */
export function loadPolicyDir(dir: string): Map<string, Policy> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    throw invalidInput("policyDir", `cannot read the policy directory ${dir}`);
  }
  const policies = new Map<string, Policy>();
  for (const file of files.sort()) {
    const id = file.slice(0, -".json".length);
    if (!POLICY_ID.test(id)) {
      throw invalidInput(file, "a policy file is named <id>.json with a slug id");
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as unknown;
    } catch {
      throw invalidInput(file, "is not readable JSON");
    }
    let policy: Policy;
    try {
      policy = loadPolicy(json);
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      throw invalidInput(`${file}: ${error.field}`, error.detail);
    }
    policies.set(id, namedAfterFile(policy, id, `${file}: policy.id`));
  }
  return policies;
}

/** The limit's governance metadata (for check results). */
export function limitRef(policy: Policy, name: LimitName): LimitRef {
  const l = policy.limits[name];
  return { name, owner: l.owner, rationale: l.rationale, reviewDate: l.reviewDate };
}

/**
 * A limit's value for an asset class: the number itself, or the class's entry in a per-class
 * record (`null` when the record has no entry for the class).
 *
 * @example classLimitValue({ value: { equity: 1e6 } } as never, "crypto") // null
 */
export function classLimitValue(
  limit: { readonly value: number | Partial<Record<AssetClass, number>> },
  assetClass: AssetClass,
): number | null {
  if (typeof limit.value === "number") return limit.value;
  return limit.value[assetClass] ?? null;
}

export interface OverdueLimit {
  readonly name: LimitName;
  readonly owner: string;
  readonly reviewDate: string;
}

/**
 * Limits whose review date is strictly before `asOf` (a date or ISO timestamp; its date part is
 * used), sorted by name. A limit reviewed on the as-of date itself is not overdue.
 *
 * @example overdueLimits(policy, "2030-01-01").length // every limit reviewed before 2030
 */
export function overdueLimits(policy: Policy, asOf: string): OverdueLimit[] {
  const day = asOf.slice(0, 10);
  if (!PolicyDateSchema.safeParse(day).success)
    throw invalidInput("asOf", "must start with a date YYYY-MM-DD");
  const names = Object.keys(policy.limits).sort() as LimitName[];
  const out: OverdueLimit[] = [];
  for (const name of names) {
    const l = policy.limits[name];
    if (l.reviewDate < day) out.push({ name, owner: l.owner, reviewDate: l.reviewDate });
  }
  return out;
}

/**
 * The trading state in force: the policy's state, tightened to REDUCING when the portfolio's
 * drawdown (positive fraction) reaches the DRAWDOWN_TRIGGER limit. HALTED is never loosened.
 *
 * @example effectiveTradingState(activePolicyWithTrigger20Pct, 0.25) // "REDUCING"
 */
export function effectiveTradingState(
  policy: Policy,
  currentDrawdown: number | null,
): TradingState {
  if (policy.tradingState !== "ACTIVE") return policy.tradingState;
  if (currentDrawdown !== null && currentDrawdown >= policy.limits.DRAWDOWN_TRIGGER.value) {
    return "REDUCING";
  }
  return "ACTIVE";
}
