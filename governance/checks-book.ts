import {
  frac,
  isRiskReducing,
  result,
  sellTotals,
  type CheckResult,
  type CheckView,
  type PreTradeCheck,
} from "./checks-context.js";

/**
 * Book-level state and order-flow checks: trading state and the drawdown trigger (per order),
 * duplicates and shorting (per order), self-crossing (per symbol) and the proposal rate limit.
 */

const REDUCING_ONLY = "risk-reducing orders only";

/**
 * TRADING_STATE: ACTIVE allows every order; REDUCING only risk-reducing ones (a sell that does not
 * take the position below zero); HALTED none (the kill switch).
 */
export const tradingStateCheck: PreTradeCheck = {
  code: "TRADING_STATE",
  run: (view) => {
    const state = view.policy.tradingState;
    const sells = sellTotals(view);
    return view.orders.map((o) => {
      const reducing = isRiskReducing(view, o, sells);
      const passed = state === "ACTIVE" || (state === "REDUCING" && reducing);
      let detail = `state=${state}, side=${o.order.side}`;
      if (state === "REDUCING") detail += `, riskReducing=${reducing}`;
      if (!passed) detail += state === "HALTED" ? " (trading halted)" : ` (${REDUCING_ONLY})`;
      return result(view, {
        code: "TRADING_STATE",
        severity: "hard",
        passed,
        symbol: o.order.symbol,
        detail,
        context: { state, side: o.order.side, riskReducing: reducing },
      });
    });
  },
};

/**
 * DRAWDOWN_TRIGGER: when the portfolio's current drawdown (positive fraction) reaches the limit,
 * the book is effectively REDUCING: only risk-reducing orders pass. An unknown drawdown passes
 * with `known: false` (the Risk agent reports why it could not compute it).
 */
export const drawdownTriggerCheck: PreTradeCheck = {
  code: "DRAWDOWN_TRIGGER",
  run: (view) => {
    const limit = view.policy.limits.DRAWDOWN_TRIGGER;
    const dd = view.ctx.currentDrawdown;
    const triggered = dd !== null && dd >= limit.value;
    const sells = sellTotals(view);
    return view.orders.map((o) => {
      const reducing = isRiskReducing(view, o, sells);
      const passed = !triggered || reducing;
      let detail = `drawdown=${frac(dd)}, trigger=${frac(limit.value)}, side=${o.order.side}`;
      if (dd === null) detail += " (drawdown not computed)";
      else if (!passed) detail += ` (book is REDUCING: ${REDUCING_ONLY})`;
      return result(view, {
        code: "DRAWDOWN_TRIGGER",
        severity: limit.severity,
        passed,
        symbol: o.order.symbol,
        limit: "DRAWDOWN_TRIGGER",
        detail,
        context: {
          drawdown: dd,
          trigger: limit.value,
          known: dd !== null,
          effectiveState: triggered ? "REDUCING" : "ACTIVE",
          riskReducing: reducing,
        },
      });
    });
  },
};

function releasedWithin(view: CheckView, symbol: string, side: string, quantity: number): boolean {
  const recent = view.ctx.recentOrders ?? [];
  if (recent.length === 0) return false;
  const now = view.ctx.now === undefined ? Number.NaN : Date.parse(view.ctx.now);
  if (!Number.isFinite(now))
    throw new RangeError("DUPLICATE_ORDER needs ctx.now (ISO timestamp) to compare recentOrders");
  const windowMs = view.policy.limits.DUPLICATE_WINDOW_MINUTES.value * 60_000;
  return recent.some((r) => {
    const at = Date.parse(r.releasedAt);
    if (!Number.isFinite(at))
      throw new RangeError(`recentOrders releasedAt is not a timestamp: ${r.releasedAt}`);
    return (
      r.symbol === symbol &&
      r.side === side &&
      Math.abs(r.quantity - quantity) <= 1e-12 * quantity &&
      now - at <= windowMs
    );
  });
}

/**
 * DUPLICATE_ORDER: an order whose idempotency key appears twice in the proposal or among
 * `recentOrderKeys`, or an identical order (symbol, side, quantity) released within
 * DUPLICATE_WINDOW_MINUTES before `ctx.now`.
 */
export const duplicateOrderCheck: PreTradeCheck = {
  code: "DUPLICATE_ORDER",
  run: (view) => {
    const limit = view.policy.limits.DUPLICATE_WINDOW_MINUTES;
    const counts = new Map<string, number>();
    for (const { order } of view.orders)
      counts.set(order.idempotencyKey, (counts.get(order.idempotencyKey) ?? 0) + 1);
    const recentKeys = new Set(view.ctx.recentOrderKeys ?? []);
    return view.orders.map(({ order }) => {
      const key = order.idempotencyKey;
      const inProposal = (counts.get(key) ?? 0) > 1;
      const inRecent = recentKeys.has(key);
      const inWindow = releasedWithin(view, order.symbol, order.side, order.quantity);
      const source = inProposal ? "proposal" : inRecent ? "recent" : inWindow ? "window" : null;
      let detail = `key=${key.slice(0, 12)}`;
      if (source !== null) detail += `, source=${source}`;
      if (source === "window") detail += `, windowMinutes=${limit.value}`;
      return result(view, {
        code: "DUPLICATE_ORDER",
        severity: limit.severity,
        passed: source === null,
        symbol: order.symbol,
        limit: "DUPLICATE_WINDOW_MINUTES",
        detail,
        context: { idempotencyKey: key, source, windowMinutes: limit.value },
      });
    });
  },
};

/** SHORT_NOT_ALLOWED: the proposal's total sells of a symbol ≤ the quantity held (no shorting). */
export const shortNotAllowedCheck: PreTradeCheck = {
  code: "SHORT_NOT_ALLOWED",
  run: (view) => {
    const sells = sellTotals(view);
    return view.orders.map((o) => {
      const held = view.holdings.get(o.order.symbol) ?? 0;
      const base = { code: "SHORT_NOT_ALLOWED", severity: "hard" as const, symbol: o.order.symbol };
      if (o.order.side === "BUY") {
        return result(view, {
          ...base,
          passed: true,
          detail: `side=BUY, held=${held}`,
          context: { side: "BUY", held },
        });
      }
      const sold = sells.get(o.order.symbol) ?? 0;
      return result(view, {
        ...base,
        passed: isRiskReducing(view, o, sells),
        detail: `sell=${sold}, held=${held}`,
        context: { side: "SELL", sell: sold, held },
      });
    });
  },
};

/** SELF_CROSS: one result per symbol bought and sold in the same proposal, else one pass. */
export const selfCrossCheck: PreTradeCheck = {
  code: "SELF_CROSS",
  run: (view) => {
    const sides = new Map<string, Set<string>>();
    for (const { order } of view.orders) {
      const s = sides.get(order.symbol) ?? new Set<string>();
      s.add(order.side);
      sides.set(order.symbol, s);
    }
    const out: CheckResult[] = [];
    for (const [symbol, s] of sides) {
      if (s.size < 2) continue;
      out.push(
        result(view, {
          code: "SELF_CROSS",
          severity: "hard",
          passed: false,
          symbol,
          detail: `symbol=${symbol}, sides=BUY+SELL`,
          context: { buy: true, sell: true },
        }),
      );
    }
    if (out.length > 0) return out;
    return [
      result(view, {
        code: "SELF_CROSS",
        severity: "hard",
        passed: true,
        detail: `symbols=${sides.size}`,
        context: { symbols: sides.size },
      }),
    ];
  },
};

function countOf(field: string, value: number | undefined): number {
  if (value === undefined || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${field} must be an integer ≥ 0, got ${String(value)}`);
  }
  return value;
}

/**
 * RATE_LIMIT: proposals in the window, this one included (`count + 1`), ≤ the per-portfolio
 * limit, and ≤ the global limit when a global count is passed.
 */
export const rateLimitCheck: PreTradeCheck = {
  code: "RATE_LIMIT",
  run: (view) => {
    const specs = [
      {
        scope: "portfolio",
        name: "MAX_PROPOSALS_PER_PORTFOLIO" as const,
        count: view.ctx.proposalCountInWindow,
        field: "proposalCountInWindow",
      },
      ...(view.ctx.globalProposalCountInWindow === undefined
        ? []
        : [
            {
              scope: "global",
              name: "MAX_PROPOSALS_GLOBAL" as const,
              count: view.ctx.globalProposalCountInWindow,
              field: "globalProposalCountInWindow",
            },
          ]),
    ];
    return specs.map((s) => {
      const limit = view.policy.limits[s.name];
      const proposals = countOf(s.field, s.count) + 1;
      return result(view, {
        code: "RATE_LIMIT",
        severity: limit.severity,
        passed: proposals <= limit.value,
        limit: s.name,
        detail: `scope=${s.scope}, proposals=${proposals}, max=${limit.value}, windowMinutes=${limit.windowMinutes}`,
        context: {
          scope: s.scope,
          proposals,
          max: limit.value,
          windowMinutes: limit.windowMinutes,
        },
      });
    });
  },
};
