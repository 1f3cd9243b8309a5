// The public face of governance/: portfolio and proposal schemas, policy, pre-trade checks,
// approval rules. Other layers import governance only through this file.
export * from "./portfolio.js";
export * from "./proposal.js";
export * from "./policy.js";
export * from "./issue-field.js";
export {
  CheckResultSchema,
  CheckValueSchema,
  isCheckResult,
  weekdaysBetween,
  type CheckResult,
  type CheckSeverity,
  type CheckValue,
  type CheckView,
  type InstrumentRef,
  type OrderView,
  type PreTradeCheck,
  type PreTradeContext,
  type RecentOrder,
  type RiskFigures,
} from "./checks-context.js";
export * from "./checks-override.js";
export * from "./checks-catalog.js";
export * from "./checks.js";
export * from "./checks-release.js";
export * from "./approval-rules.js";
export * from "./model-inventory.js";
