import {
  drawdownTriggerCheck,
  duplicateOrderCheck,
  rateLimitCheck,
  selfCrossCheck,
  shortNotAllowedCheck,
  tradingStateCheck,
} from "./checks-book.js";
import { cashBufferCheck, cashInsufficientCheck, turnoverCheck } from "./checks-cash.js";
import type { PreTradeCheck } from "./checks-context.js";
import {
  assetClassBoundsCheck,
  issuerConcentrationCheck,
  sectorBoundsCheck,
} from "./checks-portfolio.js";
import {
  instrumentUnknownCheck,
  notTradableCheck,
  priceCollarCheck,
  priceMissingCheck,
  priceStaleCheck,
  quantityInvalidCheck,
  restrictedListCheck,
} from "./checks-reference.js";
import { riskLimitsCheck } from "./checks-risk.js";
import { advParticipationCheck, dustTradeCheck, notionalCheck } from "./checks-size.js";
import { limitRef, type LimitName, type LimitRef, type Policy } from "./policy.js";

/**
 * The catalogue of pre-trade checks: the list the runner always executes (a caller can add checks
 * but never remove one) and the policy limits behind each, for the blueprint's controls in force.
 */

/** Every check, in GOVERNANCE.md §1 table order. */
export const PRE_TRADE_CHECKS: readonly PreTradeCheck[] = Object.freeze([
  tradingStateCheck,
  instrumentUnknownCheck,
  notTradableCheck,
  quantityInvalidCheck,
  priceMissingCheck,
  priceStaleCheck,
  priceCollarCheck,
  notionalCheck,
  advParticipationCheck,
  duplicateOrderCheck,
  cashInsufficientCheck,
  cashBufferCheck,
  shortNotAllowedCheck,
  turnoverCheck,
  dustTradeCheck,
  selfCrossCheck,
  issuerConcentrationCheck,
  sectorBoundsCheck,
  assetClassBoundsCheck,
  restrictedListCheck,
  riskLimitsCheck,
  drawdownTriggerCheck,
  rateLimitCheck,
]);

/** The policy limit(s) behind each check (none: a fixed hard rule). */
export const CHECK_LIMITS: Readonly<Record<string, readonly LimitName[]>> = Object.freeze({
  TRADING_STATE: [],
  INSTRUMENT_UNKNOWN: [],
  NOT_TRADABLE: [],
  QUANTITY_INVALID: [],
  PRICE_MISSING: [],
  PRICE_STALE: ["PRICE_MAX_AGE_WEEKDAYS"],
  PRICE_COLLAR: ["PRICE_COLLAR"],
  NOTIONAL_EXCEEDS_MAX_PER_ORDER: ["MAX_NOTIONAL_PER_ORDER"],
  ADV_PARTICIPATION: ["MAX_ADV_PARTICIPATION"],
  DUPLICATE_ORDER: ["DUPLICATE_WINDOW_MINUTES"],
  CASH_INSUFFICIENT: [],
  CASH_BUFFER: ["MIN_CASH_BUFFER"],
  SHORT_NOT_ALLOWED: [],
  TURNOVER_EXCEEDS_LIMIT: ["MAX_TURNOVER"],
  DUST_TRADE: ["MIN_TRADE_NOTIONAL"],
  SELF_CROSS: [],
  ISSUER_CONCENTRATION: ["MAX_ISSUER_WEIGHT", "MAX_ISSUER_AGGREGATE"],
  SECTOR_BOUNDS: ["MAX_SECTOR_WEIGHT"],
  ASSET_CLASS_BOUNDS: ["ASSET_CLASS_BOUND_TOLERANCE"],
  RESTRICTED_LIST: [],
  RISK_LIMITS: ["RISK_LIMIT_TOLERANCE"],
  DRAWDOWN_TRIGGER: ["DRAWDOWN_TRIGGER"],
  RATE_LIMIT: ["MAX_PROPOSALS_PER_PORTFOLIO", "MAX_PROPOSALS_GLOBAL"],
});

export interface ControlDescription {
  readonly code: string;
  readonly limits: readonly (LimitRef & {
    readonly severity: "hard" | "soft";
    readonly value: unknown;
  })[];
}

/**
 * The controls in force under a policy: each check code with its limits' values, severities,
 * owners, rationales and review dates (checks without a limit are fixed hard rules).
 *
 * @example describeControls(policy).find((c) => c.code === "PRICE_STALE")?.limits[0]?.value // 3
 */
export function describeControls(policy: Policy): ControlDescription[] {
  return PRE_TRADE_CHECKS.map((c) => ({
    code: c.code,
    limits: (CHECK_LIMITS[c.code] ?? []).map((name) => ({
      ...limitRef(policy, name),
      severity: policy.limits[name].severity,
      value: policy.limits[name].value,
    })),
  }));
}
