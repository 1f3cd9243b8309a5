import { classLimitValue } from "./policy.js";
import { frac, money, result, type PreTradeCheck } from "./checks-context.js";

/**
 * Order-size checks, one result per order, on the notional at the reference price
 * (`quantity × reference price × fx`, base currency): the per-order cap, participation in
 * average daily volume, and dust.
 */

/**
 * NOTIONAL_EXCEEDS_MAX_PER_ORDER: notional ≤ the cap for the instrument's asset class. Unlike
 * NautilusTrader, a missing price does not skip the check: it fails, as does a class without a cap.
 */
export const notionalCheck: PreTradeCheck = {
  code: "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
  run: (view) => {
    const limit = view.policy.limits.MAX_NOTIONAL_PER_ORDER;
    return view.orders.map(({ order, assetClass, notional }) => {
      const max = classLimitValue(limit, assetClass);
      let detail = `notional=${money(notional)}, max=${money(max)}`;
      if (notional === null) detail += " (no reference price)";
      else if (max === null) detail += ` (no cap for asset class ${assetClass})`;
      return result(view, {
        code: "NOTIONAL_EXCEEDS_MAX_PER_ORDER",
        severity: limit.severity,
        passed: notional !== null && max !== null && notional <= max,
        symbol: order.symbol,
        limit: "MAX_NOTIONAL_PER_ORDER",
        detail,
        context: { notional, max, assetClass },
      });
    });
  },
};

/**
 * ADV_PARTICIPATION: `quantity / ADV ≤ MAX_ADV_PARTICIPATION` where average daily volume (units)
 * is known; without volume data the order passes with `applicable: false`. A known ADV of 0 fails.
 */
export const advParticipationCheck: PreTradeCheck = {
  code: "ADV_PARTICIPATION",
  run: (view) => {
    const limit = view.policy.limits.MAX_ADV_PARTICIPATION;
    const volumes = view.ctx.volumes;
    return view.orders.map(({ order }) => {
      const base = {
        code: "ADV_PARTICIPATION",
        severity: limit.severity,
        symbol: order.symbol,
        limit: "MAX_ADV_PARTICIPATION" as const,
      };
      const adv =
        volumes !== undefined && Object.hasOwn(volumes, order.symbol)
          ? volumes[order.symbol]
          : undefined;
      if (adv === undefined) {
        return result(view, {
          ...base,
          passed: true,
          detail: `not applicable (volume unknown), max=${frac(limit.value)}`,
          context: { applicable: false, quantity: order.quantity, adv: null, max: limit.value },
        });
      }
      const participation = Number.isFinite(adv) && adv > 0 ? order.quantity / adv : null;
      return result(view, {
        ...base,
        passed: participation !== null && participation <= limit.value,
        detail: `quantity=${order.quantity}, adv=${adv}, participation=${frac(participation)}, max=${frac(limit.value)}`,
        context: {
          applicable: true,
          quantity: order.quantity,
          adv,
          participation,
          max: limit.value,
        },
      });
    });
  },
};

/**
 * DUST_TRADE (soft): the order's notional is below `max(MIN_TRADE_NOTIONAL, mandate
 * minTradeNotional)`, or the symbol's current drift is inside the mandate's band
 * (`|current − target| ≤ threshold`, or `/ target` in relative mode), where targets are known
 * (`ctx.targetWeights`, else the mandate's for `target-weights`; a symbol absent from them has
 * target 0). Current weight = held quantity × reference price × fx / NAV.
 */
export const dustTradeCheck: PreTradeCheck = {
  code: "DUST_TRADE",
  run: (view) => {
    const limit = view.policy.limits.MIN_TRADE_NOTIONAL;
    const mandate = view.ctx.portfolio.mandate;
    const min = Math.max(limit.value, mandate.minTradeNotional);
    const targets =
      view.ctx.targetWeights ??
      (mandate.objective === "target-weights" ? mandate.targetWeights : undefined);
    return view.orders.map(({ order, refPrice, fx, notional }) => {
      const base = {
        code: "DUST_TRADE",
        severity: limit.severity,
        symbol: order.symbol,
        limit: "MIN_TRADE_NOTIONAL" as const,
      };
      let drift: number | null = null;
      let inBand = false;
      if (targets !== undefined && refPrice !== null) {
        const target = Object.hasOwn(targets, order.symbol) ? (targets[order.symbol] ?? 0) : 0;
        const current = ((view.holdings.get(order.symbol) ?? 0) * refPrice * fx) / view.nav;
        drift = current - target;
        const measure =
          mandate.driftMode === "relative"
            ? target > 0
              ? Math.abs(drift) / target
              : Infinity
            : Math.abs(drift);
        inBand = measure <= mandate.driftThreshold;
      }
      const context = {
        notional,
        min,
        drift,
        band: mandate.driftThreshold,
        driftMode: mandate.driftMode,
      };
      if (notional === null) {
        return result(view, {
          ...base,
          passed: false,
          detail: `notional=null, min=${money(min)} (no reference price)`,
          context,
        });
      }
      if (notional < min) {
        return result(view, {
          ...base,
          passed: false,
          detail: `notional=${money(notional)}, min=${money(min)}`,
          context,
        });
      }
      if (inBand) {
        return result(view, {
          ...base,
          passed: false,
          detail: `drift=${frac(drift)}, band=${frac(mandate.driftThreshold)} (inside the drift band)`,
          context,
        });
      }
      return result(view, {
        ...base,
        passed: true,
        detail: `notional=${money(notional)}, min=${money(min)}${drift === null ? "" : `, drift=${frac(drift)}`}`,
        context,
      });
    });
  },
};
