import type { AssetClass } from "../tools/index.js";
import { classLimitValue } from "./policy.js";
import {
  frac,
  result,
  type CheckResult,
  type CheckView,
  type PreTradeCheck,
  type CheckSeverity,
} from "./checks-context.js";

/**
 * Post-trade portfolio checks on the post-trade weights (fractions of NAV; key CASH = cash, else
 * cash = 1 − Σ others): issuer concentration (UCITS 5/10/40), sector caps, the mandate's
 * asset-class bounds.
 *
 * A breach the proposal does not worsen — no buy into the capped issuer/sector/class (no sell out
 * of a class below its floor) — is a soft warning rather than a block, so a trade that reduces an existing breach is never refused for that breach.
 */

const EPS = 1e-12;
const CASH = "CASH";

const byKey = <T>(a: [string, T], b: [string, T]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

interface Position {
  readonly symbol: string;
  readonly weight: number;
  readonly assetClass: AssetClass | null;
  readonly issuer: string | null;
  readonly sector: string | null;
}

/** Non-cash post-trade positions with weight > 0, sorted by symbol, classified by reference data. */
function positions(view: CheckView): Position[] {
  const orderClass = new Map<string, AssetClass>();
  for (const o of view.orders) orderClass.set(o.order.symbol, o.assetClass);
  const out: Position[] = [];
  for (const [symbol, weight] of Object.entries(view.postTradeWeights).sort(byKey)) {
    if (symbol === CASH || !(weight > 0)) continue;
    const ins = Object.hasOwn(view.ctx.instruments, symbol)
      ? view.ctx.instruments[symbol]
      : undefined;
    out.push({
      symbol,
      weight,
      assetClass: ins?.assetClass ?? orderClass.get(symbol) ?? null,
      issuer: ins === undefined ? null : (ins.issuer ?? symbol),
      sector: ins?.sector ?? null,
    });
  }
  return out;
}

function sidesBySymbol(view: CheckView, side: "BUY" | "SELL"): Set<string> {
  return new Set(view.orders.filter((o) => o.order.side === side).map((o) => o.order.symbol));
}

function severityFor(
  passed: boolean,
  worsening: boolean,
  limitSeverity: CheckSeverity,
): CheckSeverity {
  return passed || worsening ? limitSeverity : "soft";
}

const NOT_WORSENED = " (existing breach not increased by this proposal)";

/**
 * ISSUER_CONCENTRATION: per issuer (instrument `issuer`, else its symbol) in a class with a
 * MAX_ISSUER_WEIGHT cap, Σ post-trade weight ≤ cap (the smallest cap of its classes); and Σ weights
 * of capped issuers above `aboveWeight` ≤ MAX_ISSUER_AGGREGATE (UCITS 5/10/40). A weight on an
 * unknown instrument cannot be attributed to an issuer and fails.
 */
export const issuerConcentrationCheck: PreTradeCheck = {
  code: "ISSUER_CONCENTRATION",
  run: (view) => {
    const capLimit = view.policy.limits.MAX_ISSUER_WEIGHT;
    const agg = view.policy.limits.MAX_ISSUER_AGGREGATE;
    const bought = sidesBySymbol(view, "BUY");
    const issuers = new Map<
      string,
      { weight: number; cap: number; symbols: string[]; bought: boolean }
    >();
    const out: CheckResult[] = [];
    for (const p of positions(view)) {
      if (p.issuer === null || p.assetClass === null) {
        out.push(
          result(view, {
            code: "ISSUER_CONCENTRATION",
            severity: capLimit.severity,
            passed: false,
            symbol: p.symbol,
            limit: "MAX_ISSUER_WEIGHT",
            detail: `symbol=${p.symbol}, weight=${frac(p.weight)} (instrument unknown: issuer cannot be verified)`,
            context: { weight: p.weight, issuer: null },
          }),
        );
        continue;
      }
      const cap = classLimitValue(capLimit, p.assetClass);
      if (cap === null) continue;
      const e = issuers.get(p.issuer) ?? { weight: 0, cap, symbols: [], bought: false };
      e.weight += p.weight;
      e.cap = Math.min(e.cap, cap);
      e.symbols.push(p.symbol);
      e.bought ||= bought.has(p.symbol);
      issuers.set(p.issuer, e);
    }
    let aggregate = 0;
    let counted = 0;
    let aggregateBought = false;
    for (const [issuer, e] of [...issuers].sort(byKey)) {
      const passed = e.weight <= e.cap + EPS;
      if (e.weight > agg.aboveWeight + EPS) {
        aggregate += e.weight;
        counted += 1;
        aggregateBought ||= e.bought;
      }
      out.push(
        result(view, {
          code: "ISSUER_CONCENTRATION",
          severity: severityFor(passed, e.bought, capLimit.severity),
          passed,
          limit: "MAX_ISSUER_WEIGHT",
          detail: `issuer=${issuer}, weight=${frac(e.weight)}, max=${frac(e.cap)}${passed || e.bought ? "" : NOT_WORSENED}`,
          context: {
            issuer,
            symbols: e.symbols.join(","),
            weight: e.weight,
            max: e.cap,
            bought: e.bought,
          },
        }),
      );
    }
    const passed = aggregate <= agg.value + EPS;
    out.push(
      result(view, {
        code: "ISSUER_CONCENTRATION",
        severity: severityFor(passed, aggregateBought, agg.severity),
        passed,
        limit: "MAX_ISSUER_AGGREGATE",
        detail: `aggregate=${frac(aggregate)}, above=${frac(agg.aboveWeight)}, max=${frac(agg.value)}, issuers=${counted}${passed || aggregateBought ? "" : NOT_WORSENED}`,
        context: { aggregate, above: agg.aboveWeight, max: agg.value, issuers: counted },
      }),
    );
    return out;
  },
};

/** SECTOR_BOUNDS: post-trade weight per sector (instruments with a sector) ≤ MAX_SECTOR_WEIGHT. */
export const sectorBoundsCheck: PreTradeCheck = {
  code: "SECTOR_BOUNDS",
  run: (view) => {
    const limit = view.policy.limits.MAX_SECTOR_WEIGHT;
    const bought = sidesBySymbol(view, "BUY");
    const sectors = new Map<string, { weight: number; bought: boolean }>();
    for (const p of positions(view)) {
      if (p.sector === null) continue;
      const e = sectors.get(p.sector) ?? { weight: 0, bought: false };
      e.weight += p.weight;
      e.bought ||= bought.has(p.symbol);
      sectors.set(p.sector, e);
    }
    if (sectors.size === 0) {
      return [
        result(view, {
          code: "SECTOR_BOUNDS",
          severity: limit.severity,
          passed: true,
          limit: "MAX_SECTOR_WEIGHT",
          detail: "sectors=0",
          context: { sectors: 0 },
        }),
      ];
    }
    return [...sectors].sort(byKey).map(([sector, e]) => {
      const max = limit.bySector?.[sector] ?? limit.value;
      const passed = e.weight <= max + EPS;
      return result(view, {
        code: "SECTOR_BOUNDS",
        severity: severityFor(passed, e.bought, limit.severity),
        passed,
        limit: "MAX_SECTOR_WEIGHT",
        detail: `sector=${sector}, weight=${frac(e.weight)}, max=${frac(max)}${passed || e.bought ? "" : NOT_WORSENED}`,
        context: { sector, weight: e.weight, max, bought: e.bought },
      });
    });
  },
};

/**
 * ASSET_CLASS_BOUNDS: post-trade weight per asset class within the mandate's `assetClassBounds`
 * (± ASSET_CLASS_BOUND_TOLERANCE). Cash is the `cash` class. Unclassifiable weight fails.
 */
export const assetClassBoundsCheck: PreTradeCheck = {
  code: "ASSET_CLASS_BOUNDS",
  run: (view) => {
    const limit = view.policy.limits.ASSET_CLASS_BOUND_TOLERANCE;
    const bounds = Object.entries(view.ctx.portfolio.mandate.assetClassBounds ?? {}).sort(byKey);
    const base = { code: "ASSET_CLASS_BOUNDS", limit: "ASSET_CLASS_BOUND_TOLERANCE" as const };
    if (bounds.length === 0) {
      return [
        result(view, {
          ...base,
          severity: limit.severity,
          passed: true,
          detail: "no asset-class bounds in mandate",
          context: { bounds: 0 },
        }),
      ];
    }
    const weights = new Map<string, number>();
    const classes = new Map<string, AssetClass>();
    let unclassified = 0;
    let invested = 0;
    for (const p of positions(view)) {
      invested += p.weight;
      if (p.assetClass === null) unclassified += p.weight;
      else {
        weights.set(p.assetClass, (weights.get(p.assetClass) ?? 0) + p.weight);
        classes.set(p.symbol, p.assetClass);
      }
    }
    const cashWeight = view.postTradeWeights[CASH] ?? 1 - invested;
    weights.set("cash", (weights.get("cash") ?? 0) + cashWeight);
    const out: CheckResult[] = [];
    if (unclassified > EPS) {
      out.push(
        result(view, {
          ...base,
          severity: limit.severity,
          passed: false,
          detail: `unclassified=${frac(unclassified)} (instrument unknown: asset class cannot be verified)`,
          context: { unclassified },
        }),
      );
    }
    const flows = (side: "BUY" | "SELL"): Set<string> =>
      new Set(view.orders.filter((o) => o.order.side === side).map((o) => o.assetClass as string));
    const buys = flows("BUY");
    const sells = flows("SELL");
    for (const [cls, b] of bounds) {
      const w = weights.get(cls) ?? 0;
      const min = b?.min ?? 0;
      const max = b?.max ?? 1;
      const below = w < min - limit.value - EPS;
      const above = w > max + limit.value + EPS;
      // Buying anything draws cash down; selling raises it.
      const adds = cls === "cash" ? sells.size > 0 : buys.has(cls);
      const removes = cls === "cash" ? buys.size > 0 : sells.has(cls);
      const worsening = (above && adds) || (below && removes);
      const passed = !below && !above;
      out.push(
        result(view, {
          ...base,
          severity: severityFor(passed, worsening, limit.severity),
          passed,
          detail: `assetClass=${cls}, weight=${frac(w)}, min=${frac(min)}, max=${frac(max)}${passed || worsening ? "" : NOT_WORSENED}`,
          context: { assetClass: cls, weight: w, min, max, tolerance: limit.value },
        }),
      );
    }
    return out;
  },
};
