import { z } from "zod";
import { SymbolSchema } from "./portfolio.js";

/**
 * Overrides of hard check failures (GOVERNANCE.md §1): never global — one check code, one
 * proposal (bound to its hash), optionally one symbol, time-boxed, with a reason and two distinct
 * approvers. The fail-closed codes (a broken check, the kill switch, unknown instruments, missing
 * or stale prices) cannot be overridden at all.
 */

export const CheckOverrideSchema = z.strictObject({
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be a check code"),
  proposalHash: z.string().regex(/^[0-9a-f]{64}$/, "must be a hex SHA-256"),
  /** Narrow the override to one symbol's results; default: every result of the code. */
  symbol: SymbolSchema.optional(),
  reason: z.string(),
  approvedBy: z.array(z.string()),
  /** ISO timestamp; the override is void from this instant on. */
  expiresAt: z.string(),
});

export type CheckOverride = z.infer<typeof CheckOverrideSchema>;

/** Codes no override can pass: the fail-closed rules and the kill switch. */
export const NON_OVERRIDABLE_CODES: readonly string[] = Object.freeze([
  "CHECK_ERROR",
  "TRADING_STATE",
  "INSTRUMENT_UNKNOWN",
  "PRICE_MISSING",
  "PRICE_STALE",
]);

export type OverrideErrorCode =
  | "OVERRIDE_MALFORMED"
  | "OVERRIDE_NOT_ALLOWED"
  | "OVERRIDE_PROPOSAL_MISMATCH"
  | "OVERRIDE_REASON_REQUIRED"
  | "OVERRIDE_TWO_APPROVERS_REQUIRED"
  | "OVERRIDE_SELF_APPROVAL"
  | "OVERRIDE_NO_CLOCK"
  | "OVERRIDE_EXPIRED";

export type OverrideValidation =
  | { readonly ok: true; readonly override: CheckOverride }
  | { readonly ok: false; readonly code: OverrideErrorCode; readonly message: string };

export interface OverrideScope {
  readonly proposalHash: string;
  /** ISO timestamp (wall clock); without it no override is valid. */
  readonly now: string | undefined;
  /** The proposal's requester, who may not be one of the approvers. */
  readonly requestedBy?: string;
}

const fail = (code: OverrideErrorCode, message: string): OverrideValidation => ({
  ok: false,
  code,
  message,
});

/**
 * Validates one override against the proposal it claims to cover and the current time. Rules, in
 * order: well-formed; code overridable; proposal hash matches; non-blank reason; ≥ 2 distinct
 * non-blank approvers, none the requester; `now < expiresAt`.
 *
 * @example validateOverride({ ...o, approvedBy: ["ann", "ann"] }, scope).ok // false (OVERRIDE_TWO_APPROVERS_REQUIRED)
 */
export function validateOverride(input: unknown, scope: OverrideScope): OverrideValidation {
  const parsed = CheckOverrideSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : issue.path.map(String).join(".");
    return fail(
      "OVERRIDE_MALFORMED",
      `override${where === "" ? "" : `.${where}`}: ${issue?.message ?? "invalid"}`,
    );
  }
  const o = parsed.data;
  if (NON_OVERRIDABLE_CODES.includes(o.code)) {
    return fail("OVERRIDE_NOT_ALLOWED", `${o.code} fails closed and cannot be overridden`);
  }
  if (o.proposalHash !== scope.proposalHash) {
    return fail(
      "OVERRIDE_PROPOSAL_MISMATCH",
      "the override was given for another version of the proposal",
    );
  }
  if (o.reason.trim() === "") return fail("OVERRIDE_REASON_REQUIRED", "an override needs a reason");
  const approvers = new Set(o.approvedBy.map((a) => a.trim()).filter((a) => a !== ""));
  if (approvers.size < 2) {
    return fail(
      "OVERRIDE_TWO_APPROVERS_REQUIRED",
      `an override needs two distinct approvers, got ${approvers.size}`,
    );
  }
  if (scope.requestedBy !== undefined && approvers.has(scope.requestedBy)) {
    return fail(
      "OVERRIDE_SELF_APPROVAL",
      "the requester cannot approve an override of their own proposal",
    );
  }
  const now = scope.now === undefined ? Number.NaN : Date.parse(scope.now);
  if (!Number.isFinite(now))
    return fail("OVERRIDE_NO_CLOCK", "no current time given: overrides cannot be validated");
  const expires = Date.parse(o.expiresAt);
  if (!Number.isFinite(expires))
    return fail("OVERRIDE_MALFORMED", "override.expiresAt: not a timestamp");
  if (now >= expires) return fail("OVERRIDE_EXPIRED", `the override expired at ${o.expiresAt}`);
  return { ok: true, override: o };
}
