import { z } from "zod";
import { PRE_TRADE_CHECKS } from "./checks-catalog.js";
import {
  buildView,
  CheckResultSchema,
  isCheckResult,
  type CheckResult,
  type CheckView,
  type PreTradeCheck,
  type PreTradeContext,
} from "./checks-context.js";
import { validateOverride, type CheckOverride, type OverrideErrorCode } from "./checks-override.js";
import { policyVersion } from "./policy.js";
import { proposalHash } from "./proposal.js";

/**
 * The pre-trade check runner (GOVERNANCE.md §1). Runs every check over the whole proposal and
 * fails closed: an exception inside a check, or a malformed result, becomes a hard CHECK_ERROR
 * naming the check — never a crash, never a pass. There is no bypass; the only way past a hard
 * failure is a valid per-check, per-proposal, time-boxed override with two approvers.
 */

export const OverrideOutcomeSchema = z.strictObject({
  /** Position of the override in the list passed in. */
  index: z.number().int().min(0),
  checkCode: z.string().nullable(),
  ok: z.boolean(),
  error: z.string().optional(),
  message: z.string(),
  /** How many hard failures it turned into passes. */
  applied: z.number().int().min(0),
});

export const PreTradeReportSchema = z.strictObject({
  results: z.array(CheckResultSchema),
  /** No hard failure (overridden failures count as passed). */
  passed: z.boolean(),
  hardFailures: z.array(CheckResultSchema),
  softWarnings: z.array(CheckResultSchema),
  policyVersion: z.string(),
  proposalHash: z.string(),
  overrides: z.array(OverrideOutcomeSchema),
});

export type OverrideOutcome = z.infer<typeof OverrideOutcomeSchema>;
export type PreTradeReport = z.infer<typeof PreTradeReportSchema>;

export interface PreTradeOptions {
  /** Candidate overrides (validated here; invalid ones are reported and ignored). */
  readonly overrides?: readonly unknown[];
  /** The proposal's requester: may not approve an override. */
  readonly requestedBy?: string;
  /** Checks run after the standard ones (never instead of them). */
  readonly extraChecks?: readonly PreTradeCheck[];
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/** A hard failure standing for a check that could not run. */
export function checkError(check: string, error: unknown): CheckResult {
  const text = errorText(error);
  return {
    code: "CHECK_ERROR",
    severity: "hard",
    passed: false,
    message: `CHECK_ERROR: check=${check}, error=${text}`,
    context: { check, error: text },
  };
}

function runOne(check: PreTradeCheck, view: CheckView): CheckResult[] {
  let out: unknown;
  try {
    out = check.run(view);
  } catch (error) {
    return [checkError(check.code, error)];
  }
  if (!Array.isArray(out))
    return [checkError(check.code, new TypeError("returned no result list"))];
  const results: CheckResult[] = [];
  for (const [i, r] of out.entries()) {
    if (!isCheckResult(r))
      return [checkError(check.code, new TypeError(`result ${i} is malformed`))];
    results.push(r);
  }
  return results;
}

function applyOverride(r: CheckResult, o: CheckOverride): CheckResult {
  return {
    ...r,
    passed: true,
    overridden: true,
    message: `${r.message} [overridden]`,
    context: {
      ...r.context,
      overrideReason: o.reason,
      overrideApprovedBy: [...new Set(o.approvedBy.map((a) => a.trim()))].sort().join(","),
      overrideExpiresAt: o.expiresAt,
    },
  };
}

/**
 * Runs every pre-trade check on the proposal, then applies valid overrides to matching hard
 * failures. `passed` is true iff no hard failure remains; soft failures are `softWarnings` that
 * the approver must acknowledge. Results come in check order, orders sorted by (symbol, side).
 *
 * @example runPreTradeChecks(ctx).hardFailures.map((r) => r.message)
 * // ["NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional=125000.00, max=100000.00"]
 */
export function runPreTradeChecks(
  ctx: PreTradeContext,
  options: PreTradeOptions = {},
): PreTradeReport {
  const results: CheckResult[] = [];
  let version = "";
  let hash = "";
  try {
    version = policyVersion(ctx.policy);
  } catch (error) {
    results.push(checkError("POLICY_VERSION", error));
  }
  try {
    hash = proposalHash(ctx.proposal);
  } catch (error) {
    results.push(checkError("PROPOSAL_HASH", error));
  }
  let view: CheckView | null = null;
  try {
    view = buildView(ctx);
  } catch (error) {
    results.push(checkError("CONTEXT", error));
  }
  if (view !== null) {
    for (const check of [...PRE_TRADE_CHECKS, ...(options.extraChecks ?? [])])
      results.push(...runOne(check, view));
  }

  const overrides: OverrideOutcome[] = [];
  const valid: { index: number; override: CheckOverride }[] = [];
  (options.overrides ?? []).forEach((input, index) => {
    const v =
      hash === ""
        ? null
        : validateOverride(input, {
            proposalHash: hash,
            now: ctx.now,
            requestedBy: options.requestedBy,
          });
    const checkCode =
      typeof input === "object" &&
      input !== null &&
      "code" in input &&
      typeof input.code === "string"
        ? input.code
        : null;
    if (v === null || !v.ok) {
      const error: OverrideErrorCode = v === null ? "OVERRIDE_PROPOSAL_MISMATCH" : v.code;
      overrides.push({
        index,
        checkCode,
        ok: false,
        error,
        message: v === null ? "the proposal could not be hashed" : v.message,
        applied: 0,
      });
    } else {
      valid.push({ index, override: v.override });
      overrides.push({ index, checkCode, ok: true, message: "valid", applied: 0 });
    }
  });
  const final = results.map((r) => {
    if (r.passed || r.severity !== "hard") return r;
    const match = valid.find(
      (v) =>
        v.override.code === r.code &&
        (v.override.symbol === undefined || v.override.symbol === r.symbol),
    );
    if (match === undefined) return r;
    const outcome = overrides[match.index];
    if (outcome !== undefined)
      overrides[match.index] = { ...outcome, applied: outcome.applied + 1 };
    return applyOverride(r, match.override);
  });

  const hardFailures = final.filter((r) => !r.passed && r.severity === "hard");
  const softWarnings = final.filter((r) => !r.passed && r.severity === "soft");
  return {
    results: final,
    passed: hardFailures.length === 0,
    hardFailures,
    softWarnings,
    policyVersion: version,
    proposalHash: hash,
    overrides,
  };
}

/**
 * The distinct soft-warning codes of a report, sorted: what the approver must acknowledge.
 * @example softWarningCodes(report) // ["ADV_PARTICIPATION"] (two ADV warnings, one code)
 */
export function softWarningCodes(report: Pick<PreTradeReport, "softWarnings">): string[] {
  return [...new Set(report.softWarnings.map((r) => r.code))].sort();
}
