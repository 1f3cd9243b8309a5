import { frac, result, type CheckResult, type PreTradeCheck } from "./checks-context.js";

/**
 * RISK_LIMITS: the proposed portfolio's risk against the mandate's limits. The figures come from
 * the Risk agent (tools' risk report); this check only compares them.
 */

const EPS = 1e-12;
const NOT_WORSENED = " (existing breach not increased by this proposal)";

const RISK_METRICS = [
  ["volatility", "maxVolatility"],
  ["var95", "maxVar95"],
  ["trackingError", "maxTrackingError"],
  ["maxDrawdown", "maxDrawdown"],
] as const;

/**
 * RISK_LIMITS: each risk limit in the mandate (annualised volatility, one-day VaR95, annualised
 * tracking error, max drawdown; positive fractions) vs the proposed portfolio's figure, allowing
 * RISK_LIMIT_TOLERANCE relative slack. A figure that was not computed fails (it cannot be
 * verified); a breach with proposed ≤ current risk is soft.
 */
export const riskLimitsCheck: PreTradeCheck = {
  code: "RISK_LIMITS",
  run: (view) => {
    const limit = view.policy.limits.RISK_LIMIT_TOLERANCE;
    const limits = view.ctx.portfolio.mandate.riskLimits;
    const proposed = view.ctx.proposedRisk;
    const current = view.ctx.currentRisk ?? null;
    const base = { code: "RISK_LIMITS", limit: "RISK_LIMIT_TOLERANCE" as const };
    const out: CheckResult[] = [];
    for (const [metric, key] of RISK_METRICS) {
      const max = limits[key];
      if (max === undefined) continue;
      const value = proposed?.[metric] ?? null;
      const now = current?.[metric] ?? null;
      const allowed = max * (1 + limit.value);
      const passed = value !== null && value <= allowed + EPS;
      const improving = value !== null && now !== null && value <= now;
      let detail = `metric=${metric}, value=${frac(value)}, max=${frac(max)}`;
      if (value === null) detail += " (not computed)";
      else if (!passed && improving) detail += `, current=${frac(now)}${NOT_WORSENED}`;
      out.push(
        result(view, {
          ...base,
          severity: passed || !improving ? limit.severity : "soft",
          passed,
          detail,
          context: { metric, value, max, allowed, current: now },
        }),
      );
    }
    if (out.length > 0) return out;
    return [
      result(view, {
        ...base,
        severity: limit.severity,
        passed: true,
        detail: "no risk limits in mandate",
        context: { limits: 0 },
      }),
    ];
  },
};
