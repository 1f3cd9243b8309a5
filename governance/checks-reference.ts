import { FRACTIONAL_STEP } from "../tools/index.js";
import { result, weekdaysBetween, type CheckResult, type PreTradeCheck } from "./checks-context.js";

/**
 * Reference-data checks, one result per order: the instrument exists and may be traded, the
 * quantity is whole lots, the reference price exists and is fresh, and the symbol is not on the
 * restricted list. Each fails closed: without reference data the order is denied.
 */

/** INSTRUMENT_UNKNOWN: the symbol is in reference data, with the order's asset class and currency. */
export const instrumentUnknownCheck: PreTradeCheck = {
  code: "INSTRUMENT_UNKNOWN",
  run: (view) =>
    view.orders.map(({ order, instrument }): CheckResult => {
      const base = { code: "INSTRUMENT_UNKNOWN", severity: "hard" as const, symbol: order.symbol };
      if (instrument === undefined) {
        return result(view, {
          ...base,
          passed: false,
          detail: `symbol=${order.symbol}`,
          context: { known: false },
        });
      }
      const mismatch =
        instrument.assetClass !== order.assetClass || instrument.currency !== order.currency;
      const context = {
        known: true,
        assetClass: instrument.assetClass,
        orderAssetClass: order.assetClass,
        currency: instrument.currency,
        orderCurrency: order.currency,
      };
      const detail = mismatch
        ? `symbol=${order.symbol}, orderAssetClass=${order.assetClass}, assetClass=${instrument.assetClass}, orderCurrency=${order.currency}, currency=${instrument.currency}`
        : `symbol=${order.symbol}`;
      return result(view, { ...base, passed: !mismatch, detail, context });
    }),
};

/** NOT_TRADABLE: reference data marks the instrument tradable (unknown → denied). */
export const notTradableCheck: PreTradeCheck = {
  code: "NOT_TRADABLE",
  run: (view) =>
    view.orders.map(({ order, instrument }) => {
      const tradable = instrument?.tradable ?? false;
      return result(view, {
        code: "NOT_TRADABLE",
        severity: "hard",
        passed: tradable,
        symbol: order.symbol,
        detail:
          instrument === undefined
            ? `symbol=${order.symbol}, known=false`
            : `symbol=${order.symbol}, tradable=${tradable}`,
        context: { known: instrument !== undefined, tradable },
      });
    }),
};

/**
 * QUANTITY_INVALID: quantity finite and > 0; the order's lot size is the instrument's; whole lots
 * (`quantity / lotSize` an integer within 1e-9 relative), or multiples of FRACTIONAL_STEP (1e-8)
 * for fractional instruments. Instruments carry no min/max order size, so none is checked.
 */
export const quantityInvalidCheck: PreTradeCheck = {
  code: "QUANTITY_INVALID",
  run: (view) =>
    view.orders.map(({ order, instrument }) => {
      const q = order.quantity;
      const base = { code: "QUANTITY_INVALID", severity: "hard" as const, symbol: order.symbol };
      if (!Number.isFinite(q) || q <= 0) {
        return result(view, {
          ...base,
          passed: false,
          detail: `quantity=${q}`,
          context: { quantity: q },
        });
      }
      if (instrument === undefined) {
        return result(view, {
          ...base,
          passed: false,
          detail: `quantity=${q}, lotSize=null (instrument unknown)`,
          context: { quantity: q, lotSize: null },
        });
      }
      if (order.lotSize !== instrument.lotSize) {
        return result(view, {
          ...base,
          passed: false,
          detail: `orderLotSize=${order.lotSize}, lotSize=${instrument.lotSize}`,
          context: { quantity: q, orderLotSize: order.lotSize, lotSize: instrument.lotSize },
        });
      }
      const step = instrument.fractional ? FRACTIONAL_STEP : instrument.lotSize;
      const units = q / step;
      const whole = Math.abs(units - Math.round(units)) <= Math.max(1e-9 * units, 1e-7);
      const context = {
        quantity: q,
        lotSize: instrument.lotSize,
        fractional: instrument.fractional,
      };
      return result(view, {
        ...base,
        passed: whole,
        detail: `quantity=${q}, lotSize=${instrument.lotSize}, fractional=${instrument.fractional}`,
        context,
      });
    }),
};

/** PRICE_MISSING: a reference price exists, is finite and > 0, and is dated on or before as-of. */
export const priceMissingCheck: PreTradeCheck = {
  code: "PRICE_MISSING",
  run: (view) =>
    view.orders.map(({ order, refPrice }) => {
      const p = Object.hasOwn(view.ctx.latestPrices, order.symbol)
        ? view.ctx.latestPrices[order.symbol]
        : undefined;
      const base = { code: "PRICE_MISSING", severity: "hard" as const, symbol: order.symbol };
      const asOf = view.ctx.asOf;
      if (p === undefined) {
        return result(view, {
          ...base,
          passed: false,
          detail: `symbol=${order.symbol}, price=null`,
          context: { price: null, date: null },
        });
      }
      const context = { price: Number.isFinite(p.price) ? p.price : null, date: p.date, asOf };
      let detail = `symbol=${order.symbol}, price=${p.price}, date=${p.date}`;
      if (refPrice === null) {
        if (!(Number.isFinite(p.price) && p.price > 0)) detail += " (not a positive price)";
        else if (!/^\d{4}-\d{2}-\d{2}$/.test(p.date)) detail += " (not a date YYYY-MM-DD)";
        else detail += ` (dated after asOf=${asOf})`;
      }
      return result(view, { ...base, passed: refPrice !== null, detail, context });
    }),
};

/** PRICE_STALE: weekdays between the reference price's date and as-of ≤ PRICE_MAX_AGE_WEEKDAYS. */
export const priceStaleCheck: PreTradeCheck = {
  code: "PRICE_STALE",
  run: (view) => {
    const limit = view.policy.limits.PRICE_MAX_AGE_WEEKDAYS;
    const asOf = view.ctx.asOf;
    return view.orders.map(({ order, refPrice }) => {
      const base = {
        code: "PRICE_STALE",
        severity: limit.severity,
        symbol: order.symbol,
        limit: "PRICE_MAX_AGE_WEEKDAYS" as const,
      };
      const date = view.ctx.latestPrices[order.symbol]?.date ?? null;
      if (refPrice === null || date === null) {
        return result(view, {
          ...base,
          passed: false,
          detail: `date=${date}, asOf=${asOf}, max=${limit.value} (no usable reference price)`,
          context: { date, asOf, ageWeekdays: null, max: limit.value },
        });
      }
      const age = weekdaysBetween(date, asOf);
      return result(view, {
        ...base,
        passed: age <= limit.value,
        detail: `date=${date}, asOf=${asOf}, ageWeekdays=${age}, max=${limit.value}`,
        context: { date, asOf, ageWeekdays: age, max: limit.value },
      });
    });
  },
};

/**
 * PRICE_COLLAR: applies to limit orders only. Steward's orders carry no limit price — they are
 * sized and released at the reference price, whose existence and freshness PRICE_MISSING and
 * PRICE_STALE enforce, and whose move by release time triggers REAPPROVAL_REQUIRED — so each
 * order passes with `applicable: false` and the collar in force recorded.
 */
export const priceCollarCheck: PreTradeCheck = {
  code: "PRICE_COLLAR",
  run: (view) => {
    const limit = view.policy.limits.PRICE_COLLAR;
    return view.orders.map(({ order }) =>
      result(view, {
        code: "PRICE_COLLAR",
        severity: limit.severity,
        passed: true,
        symbol: order.symbol,
        limit: "PRICE_COLLAR",
        detail: `not applicable (no limit price: the order is at the reference price), collar=${limit.value}`,
        context: {
          applicable: false,
          orderType: "reference",
          limitPrice: null,
          collar: limit.value,
        },
      }),
    );
  },
};

/** RESTRICTED_LIST: no buy of a restricted symbol; no sell either when its scope is `both`. */
export const restrictedListCheck: PreTradeCheck = {
  code: "RESTRICTED_LIST",
  run: (view) =>
    view.orders.map(({ order }) => {
      const r = view.policy.restrictedList.find((x) => x.symbol === order.symbol);
      const blocked = r !== undefined && (order.side === "BUY" || r.scope === "both");
      return result(view, {
        code: "RESTRICTED_LIST",
        severity: "hard",
        passed: !blocked,
        symbol: order.symbol,
        detail:
          r === undefined
            ? `symbol=${order.symbol}, side=${order.side}, restricted=false`
            : `symbol=${order.symbol}, side=${order.side}, scope=${r.scope}, reason=${r.reason}`,
        context: {
          side: order.side,
          restricted: r !== undefined,
          scope: r?.scope ?? null,
          reason: r?.reason ?? null,
        },
      });
    }),
};
