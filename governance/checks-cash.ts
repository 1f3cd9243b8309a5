import { frac, money, result, type CheckView, type PreTradeCheck } from "./checks-context.js";

/**
 * Whole-proposal cash and turnover checks, computed cumulatively over every order at the
 * reference price (base currency). Costs per order are `max(order.cost, mandate bps × notional)`
 * — the larger of the proposal's and an independent recomputation. Settlement is same-day (sell
 * proceeds fund buys); a missing reference price fails all three (fail closed).
 */

interface Totals {
  readonly buys: number;
  readonly sells: number;
  readonly costs: number;
  readonly cashAfter: number;
}

function totals(view: CheckView): Totals | { readonly missing: string } {
  let buys = 0;
  let sells = 0;
  let costs = 0;
  for (const o of view.orders) {
    if (o.notional === null || o.cost === null) return { missing: o.order.symbol };
    if (o.order.side === "BUY") buys += o.notional;
    else sells += o.notional;
    costs += o.cost;
  }
  const cash = view.ctx.portfolio.cash;
  return { buys, sells, costs, cashAfter: cash + sells - buys - costs };
}

/** CASH_INSUFFICIENT: Σ buys + Σ costs ≤ cash + Σ sell proceeds (tolerance 1e-9 · NAV). */
export const cashInsufficientCheck: PreTradeCheck = {
  code: "CASH_INSUFFICIENT",
  run: (view) => {
    const t = totals(view);
    const cash = view.ctx.portfolio.cash;
    const base = { code: "CASH_INSUFFICIENT", severity: "hard" as const };
    if ("missing" in t) {
      return [
        result(view, {
          ...base,
          passed: false,
          detail: `required=null, available=null (no reference price for ${t.missing})`,
          context: { cash, required: null, available: null },
        }),
      ];
    }
    const required = t.buys + t.costs;
    const available = cash + t.sells;
    return [
      result(view, {
        ...base,
        passed: required <= available + 1e-9 * view.nav,
        detail: `required=${money(required)}, available=${money(available)}`,
        context: {
          cash,
          buys: t.buys,
          sells: t.sells,
          costs: t.costs,
          required,
          available,
          cashAfter: t.cashAfter,
        },
      }),
    ];
  },
};

/** CASH_BUFFER (soft): post-trade cash / (NAV − costs) ≥ MIN_CASH_BUFFER. */
export const cashBufferCheck: PreTradeCheck = {
  code: "CASH_BUFFER",
  run: (view) => {
    const limit = view.policy.limits.MIN_CASH_BUFFER;
    const t = totals(view);
    const base = {
      code: "CASH_BUFFER",
      severity: limit.severity,
      limit: "MIN_CASH_BUFFER" as const,
    };
    if ("missing" in t) {
      return [
        result(view, {
          ...base,
          passed: false,
          detail: `cashWeight=null, min=${frac(limit.value)} (no reference price for ${t.missing})`,
          context: { cashAfter: null, cashWeight: null, min: limit.value },
        }),
      ];
    }
    const navAfter = view.nav - t.costs;
    const cashWeight = navAfter > 0 ? t.cashAfter / navAfter : null;
    return [
      result(view, {
        ...base,
        passed: cashWeight !== null && cashWeight >= limit.value - 1e-12,
        detail: `cashWeight=${frac(cashWeight)}, min=${frac(limit.value)}`,
        context: { cashAfter: t.cashAfter, navAfter, cashWeight, min: limit.value },
      }),
    ];
  },
};

/**
 * TURNOVER_EXCEEDS_LIMIT: `Σ|notional| / NAV` (buys + sells, not halved). Above the policy's
 * MAX_TURNOVER it fails with that limit's severity; above only the mandate's `turnoverLimit` it is
 * a soft warning (the rebalancer should never exceed it, so the approver must see it).
 */
export const turnoverCheck: PreTradeCheck = {
  code: "TURNOVER_EXCEEDS_LIMIT",
  run: (view) => {
    const limit = view.policy.limits.MAX_TURNOVER;
    const mandateMax = view.ctx.portfolio.mandate.turnoverLimit;
    const t = totals(view);
    const base = { code: "TURNOVER_EXCEEDS_LIMIT", limit: "MAX_TURNOVER" as const };
    if ("missing" in t) {
      return [
        result(view, {
          ...base,
          severity: limit.severity,
          passed: false,
          detail: `turnover=null, max=${frac(Math.min(limit.value, mandateMax))} (no reference price for ${t.missing})`,
          context: { turnover: null, policyMax: limit.value, mandateMax, breached: null },
        }),
      ];
    }
    const turnover = (t.buys + t.sells) / view.nav;
    const overPolicy = turnover > limit.value + 1e-12;
    const overMandate = turnover > mandateMax + 1e-12;
    const breached = overPolicy ? "policy" : overMandate ? "mandate" : null;
    const max = overPolicy
      ? limit.value
      : overMandate
        ? mandateMax
        : Math.min(limit.value, mandateMax);
    return [
      result(view, {
        ...base,
        severity: overPolicy || !overMandate ? limit.severity : "soft",
        passed: breached === null,
        detail: `turnover=${frac(turnover)}, max=${frac(max)}${breached === null ? "" : ` (${breached})`}`,
        context: { turnover, policyMax: limit.value, mandateMax, breached },
      }),
    ];
  },
};
