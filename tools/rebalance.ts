import type { AssetClass } from "./asset-class.js";
import { infeasible, invalidInput } from "./errors.js";
import { normalizeRebalanceInput, type RebalanceInput } from "./rebalance-input.js";
import { fitLots, lotsIn, unitsOf } from "./rebalance-lots.js";

export type { CostBps, DriftMode, RebalanceHolding, RebalanceInput } from "./rebalance-input.js";
export { FRACTIONAL_STEP, REBALANCE_DEFAULTS, WEIGHT_SUM_TOLERANCE } from "./rebalance-input.js";

export type TradeAction = "BUY" | "SELL" | "HOLD";

/**
 * Why an asset's order differs from the trade to its target:
 * - `WITHIN_BAND`: |drift| is inside the band, no order (HOLD).
 * - `DUST_TRADE`: even unconstrained, the order rounds to zero lots or to a notional below
 *   `minTradeNotional`; dropped (HOLD).
 * - `TURNOVER_LIMIT_SCALED`: the turnover budget cut the order (smaller order, or HOLD if what was
 *   left of the budget made it zero lots or dust).
 * - `CASH_INSUFFICIENT`: a buy cut by whole lots to fit the cash (smaller order, or HOLD).
 * A cut executed order names the last constraint that cut it; an uncut order has no reason.
 */
export type RebalanceReason =
  "WITHIN_BAND" | "DUST_TRADE" | "TURNOVER_LIMIT_SCALED" | "CASH_INSUFFICIENT";

export interface AssetTrade {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  /** quantity · price · fx / NAV. */
  readonly currentWeight: number;
  readonly targetWeight: number;
  /** currentWeight − targetWeight (positive = overweight). */
  readonly drift: number;
  readonly action: TradeAction;
  /** Units traded, ≥ 0 (the direction is `action`); 0 for HOLD. */
  readonly units: number;
  /** units · price · fx, base currency, ≥ 0. */
  readonly notional: number;
  /** costBps / 10⁴ · notional, base currency. */
  readonly cost: number;
  /** |target − current| · NAV for a candidate outside the band, else 0 (base currency). */
  readonly desiredNotional: number;
  readonly postTradeQuantity: number;
  /** Post-trade value / post-trade NAV (NAV − total cost, prices unchanged). */
  readonly postTradeWeight: number;
  readonly reason?: RebalanceReason;
}

export interface RebalanceTotals {
  readonly baseCurrency: string;
  /** Σ quantity · price · fx + cash, before trading. */
  readonly nav: number;
  /** Σ postTradeQuantity · price · fx + cashAfter = nav − totalCost (prices unchanged). */
  readonly navAfter: number;
  readonly cashBefore: number;
  readonly cashAfter: number;
  readonly cashWeightBefore: number;
  /** 1 − Σ target weights (0 when Σ exceeds 1 by less than the 1e-9 tolerance). */
  readonly cashTargetWeight: number;
  /** cashAfter / navAfter. */
  readonly cashWeightAfter: number;
  /** (buyNotional + sellNotional) / nav — not halved. */
  readonly turnover: number;
  readonly totalCost: number;
  readonly buyNotional: number;
  readonly sellNotional: number;
  /** Number of BUY and SELL orders. */
  readonly tradeCount: number;
}

export interface RebalanceResult {
  /** One entry per holding, sorted by symbol. */
  readonly assets: AssetTrade[];
  readonly totals: RebalanceTotals;
}

/**
 * Drift-band rebalancing to target weights under a turnover limit, whole lots, costs and cash.
 *
 * 1. Valuation (base currency): `value_i = quantity_i · price_i · fx_i`, `NAV = Σ value_i + cash`
 *    (must be > 0); `current_i = value_i / NAV`; `drift_i = current_i − target_i` (positive =
 *    overweight, QUANT-CONVENTIONS §Rebalancing). Cash is the residual asset, target `1 − Σ target`.
 * 2. Candidates: `absolute` mode trades when `|drift| > threshold`; `relative` mode when
 *    `|drift| / target > threshold`, falling back to `|drift| > threshold` for a target of 0 (the
 *    ratio is undefined). Others HOLD (`WITHIN_BAND`). A candidate's desired order is
 *    `target_i · NAV / (price_i · fx_i) − quantity_i` units, i.e. `(target − current) · NAV` notional.
 * 3. Priority: `|drift|` descending, ties by symbol (code-unit order); assets are sorted by symbol
 *    before any arithmetic, so the result never depends on input order.
 * 4. Sizing, in priority order: the desired order is rounded toward zero to whole lots (fractional
 *    instruments: multiples of 1e-8 units) and capped at the held quantity for sells (targets are
 *    ≥ 0, so a sell never needs more). If that is zero lots or below `minTradeNotional` it is dropped
 *    (`DUST_TRADE`). Otherwise the turnover budget `turnoverLimit · NAV` is applied greedily: an
 *    order larger than the budget left is scaled down to it (then rounded toward zero again;
 *    dropped if zero lots or dust), and later orders continue with whatever budget is left
 *    (`TURNOVER_LIMIT_SCALED`). Budget is spent by the rounded order only.
 * 5. Cash: sells execute first, `available = cash + Σ (sell notional − sell cost)`; then buys in
 *    priority order, each cut by whole lots until `notional + cost ≤ available`
 *    (`CASH_INSUFFICIENT`, dropped if zero lots or dust), and `available` falls by notional + cost.
 *    Turnover budget left unused by a cash cut is not re-offered. `cashAfter = available ≥ 0`.
 * 6. Costs: `cost = costBps / 10⁴ · notional` per order, with the asset class's rate.
 * Post-trade weights are over `navAfter = NAV − Σ cost` at unchanged prices. Units are unsigned;
 * `action` gives the direction. Rounding never rounds up: an order never exceeds its desired size
 * (beyond float noise, at most 1e-6 lots), the turnover budget, the held quantity or the cash.
 *
 * @throws ToolError INVALID_INPUT naming the field (e.g. `holdings[2].lotSize`, `targetWeights.XYZ`,
 *   `fxRates.EUR`) for any bad input, INFEASIBLE if costs would leave a non-positive NAV.
 * @example
 * rebalance({
 *   holdings: [
 *     { symbol: "A", quantity: 60, price: 100, assetClass: "equity", currency: "USD" },
 *     { symbol: "B", quantity: 80, price: 50, assetClass: "etf", currency: "USD" },
 *   ],
 *   cash: 0, targetWeights: { A: 0.5, B: 0.5 }, costBps: 0,
 * }).assets.map((a) => `${a.action} ${a.units}`) // ["SELL 10", "BUY 20"]
 */
export function rebalance(input: RebalanceInput): RebalanceResult {
  const p = normalizeRebalanceInput(input);
  const { assets, minTradeNotional } = p;
  const n = assets.length;

  // 1. Valuation, in symbol order (so the float sums are canonical).
  let holdingsValue = 0;
  for (const a of assets) holdingsValue += a.quantity * a.unitValue;
  const nav = holdingsValue + p.cash;
  if (!(nav > 0) || !Number.isFinite(nav)) {
    throw invalidInput("holdings", `portfolio value (holdings + cash) must be > 0, got ${nav}`);
  }
  const current = new Float64Array(n);
  const drift = new Float64Array(n);
  const desired = new Float64Array(n);
  const lots = new Float64Array(n); // lots ordered, after turnover and cash
  const isBuy = new Uint8Array(n);
  const reason: (RebalanceReason | undefined)[] = new Array<RebalanceReason | undefined>(n);

  // 2. Candidates outside the band.
  const candidates: number[] = [];
  let targetSum = 0;
  for (let i = 0; i < n; i++) {
    const a = assets[i] as (typeof assets)[number];
    targetSum += a.target;
    current[i] = (a.quantity * a.unitValue) / nav;
    const d = (current[i] as number) - a.target;
    drift[i] = d;
    const outside =
      p.driftMode === "relative" && a.target > 0
        ? Math.abs(d) / a.target > p.driftThreshold
        : Math.abs(d) > p.driftThreshold;
    if (outside) candidates.push(i);
    else reason[i] = "WITHIN_BAND";
  }

  // 3. Priority: |drift| descending, then symbol (assets are symbol-sorted, so index order).
  candidates.sort((i, j) => Math.abs(drift[j] as number) - Math.abs(drift[i] as number) || i - j);

  // 4. Lots, dust and the turnover budget.
  let budget = p.turnoverLimit === undefined ? Infinity : p.turnoverLimit * nav;
  const sells: number[] = [];
  const buys: number[] = [];
  for (const i of candidates) {
    const a = assets[i] as (typeof assets)[number];
    const uv = a.unitValue;
    const delta = (a.target * nav) / uv - a.quantity;
    desired[i] = Math.abs(delta) * uv;
    const buy = delta > 0;
    let full = lotsIn(a, Math.abs(delta));
    if (!buy) full = fitLots(a, full, (u) => u <= Math.abs(a.quantity));
    if (full === 0 || unitsOf(a, full) * uv < minTradeNotional) {
      reason[i] = "DUST_TRADE";
      continue;
    }
    let k = full;
    const left = budget;
    if (unitsOf(a, k) * uv > left) {
      k = fitLots(a, Math.min(k, lotsIn(a, left / uv)), (u) => u * uv <= left);
      reason[i] = "TURNOVER_LIMIT_SCALED";
      if (k === 0 || unitsOf(a, k) * uv < minTradeNotional) continue;
    }
    budget -= unitsOf(a, k) * uv;
    lots[i] = k;
    isBuy[i] = buy ? 1 : 0;
    (buy ? buys : sells).push(i);
  }

  // 5. Cash: sells first, then buys in priority order; 6. costs per order.
  const units = new Float64Array(n);
  const notional = new Float64Array(n);
  const cost = new Float64Array(n);
  let available = p.cash;
  let sellNotional = 0;
  let buyNotional = 0;
  let totalCost = 0;
  let tradeCount = 0;
  for (const i of sells) {
    const a = assets[i] as (typeof assets)[number];
    const u = unitsOf(a, lots[i] as number);
    const x = u * a.unitValue;
    const c = x * a.costRate;
    units[i] = u;
    notional[i] = x;
    cost[i] = c;
    available += x - c;
    sellNotional += x;
    totalCost += c;
    tradeCount++;
  }
  for (const i of buys) {
    const a = assets[i] as (typeof assets)[number];
    const uv = a.unitValue;
    const fits = (u: number): boolean => u * uv + u * uv * a.costRate <= available;
    let k = lots[i] as number;
    if (!fits(unitsOf(a, k))) {
      const cap = available / (uv * (1 + a.costRate));
      k = fitLots(a, Math.min(k, lotsIn(a, cap)), fits);
      reason[i] = "CASH_INSUFFICIENT";
      if (k === 0 || unitsOf(a, k) * uv < minTradeNotional) {
        lots[i] = 0;
        continue;
      }
      lots[i] = k;
    }
    const u = unitsOf(a, k);
    const x = u * uv;
    const c = x * a.costRate;
    units[i] = u;
    notional[i] = x;
    cost[i] = c;
    available -= x + c;
    buyNotional += x;
    totalCost += c;
    tradeCount++;
  }
  const cashAfter = available;

  // Post-trade positions and weights, in symbol order.
  const postQty = new Float64Array(n);
  let navAfter = cashAfter;
  for (let i = 0; i < n; i++) {
    const a = assets[i] as (typeof assets)[number];
    const u = units[i] as number;
    postQty[i] = u === 0 ? a.quantity : isBuy[i] === 1 ? a.quantity + u : a.quantity - u;
    navAfter += (postQty[i] as number) * a.unitValue;
  }
  if (!(navAfter > 0)) {
    throw infeasible("costBps", `costs would leave a non-positive portfolio value (${navAfter})`);
  }

  const out: AssetTrade[] = [];
  for (let i = 0; i < n; i++) {
    const a = assets[i] as (typeof assets)[number];
    const u = units[i] as number;
    const r = reason[i];
    out.push({
      symbol: a.symbol,
      assetClass: a.assetClass,
      currentWeight: current[i] as number,
      targetWeight: a.target,
      drift: drift[i] as number,
      action: u === 0 ? "HOLD" : isBuy[i] === 1 ? "BUY" : "SELL",
      units: u,
      notional: notional[i] as number,
      cost: cost[i] as number,
      desiredNotional: desired[i] as number,
      postTradeQuantity: postQty[i] as number,
      postTradeWeight: ((postQty[i] as number) * a.unitValue) / navAfter,
      ...(r === undefined ? {} : { reason: r }),
    });
  }
  return {
    assets: out,
    totals: {
      baseCurrency: p.baseCurrency,
      nav,
      navAfter,
      cashBefore: p.cash,
      cashAfter,
      cashWeightBefore: p.cash / nav,
      cashTargetWeight: Math.max(0, 1 - targetSum),
      cashWeightAfter: cashAfter / navAfter,
      turnover: (buyNotional + sellNotional) / nav,
      totalCost,
      buyNotional,
      sellNotional,
      tradeCount,
    },
  };
}
