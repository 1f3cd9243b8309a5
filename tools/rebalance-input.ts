import { ASSET_CLASSES, isAssetClass, type AssetClass } from "./asset-class.js";
import { invalidInput } from "./errors.js";

/**
 * Input of {@link rebalance} (tools/rebalance.ts), its defaults, and the validation that turns it
 * into canonical, symbol-sorted working data. Every check throws a ToolError naming the field.
 */

/** One position (possibly zero, to give a price for an asset that should be bought). */
export interface RebalanceHolding {
  readonly symbol: string;
  /** Units held; ≥ 0 unless `allowShort`. */
  readonly quantity: number;
  /** Price of one unit, > 0, in the holding's `currency`. */
  readonly price: number;
  readonly assetClass: AssetClass;
  /** Units per lot for whole-lot instruments, > 0; default 1. Ignored when `fractional`. */
  readonly lotSize?: number;
  /** ISO code of `price`'s currency. */
  readonly currency: string;
  /**
   * Orders may be fractional (multiples of {@link FRACTIONAL_STEP} units). Default: true for
   * `crypto` and `mutual_fund`, false (whole lots of `lotSize`) for every other class.
   */
  readonly fractional?: boolean;
}

/** Cost in basis points of notional: one rate, or per asset class (others take the default). */
export type CostBps = number | Partial<Record<AssetClass, number>>;

/** `absolute`: trade when |drift| > threshold; `relative`: when |drift| / target > threshold. */
export type DriftMode = "absolute" | "relative";

export interface RebalanceInput {
  readonly holdings: readonly RebalanceHolding[];
  /** Cash in the base currency, ≥ 0. */
  readonly cash: number;
  /** Default {@link REBALANCE_DEFAULTS}.baseCurrency ("USD"). */
  readonly baseCurrency?: string;
  /** Units of base currency per one unit of each currency; required for every non-base currency. */
  readonly fxRates?: Readonly<Record<string, number>>;
  /** Target weight per held symbol, each ≥ 0, Σ ≤ 1 (+1e-9); the remainder is the cash target. */
  readonly targetWeights: Readonly<Record<string, number>>;
  /** Drift band, ≥ 0 (an absolute weight, or a fraction of the target in `relative` mode). */
  readonly driftThreshold?: number;
  readonly driftMode?: DriftMode;
  /** Max Σ|trade notional| / NAV (buys + sells, not halved), finite ≥ 0; omitted = no limit. */
  readonly turnoverLimit?: number;
  /** In [0, 10 000); default {@link REBALANCE_DEFAULTS}.costBps. */
  readonly costBps?: CostBps;
  /** Orders below this notional (base currency) are dropped as DUST_TRADE; default 0. */
  readonly minTradeNotional?: number;
  /** Allow negative quantities in `holdings`; default false. */
  readonly allowShort?: boolean;
}

/** Defaults applied to omitted options (the seed MVP's drift threshold and cost). */
export const REBALANCE_DEFAULTS = {
  baseCurrency: "USD",
  driftThreshold: 0.02,
  driftMode: "absolute",
  costBps: 10,
  minTradeNotional: 0,
  allowShort: false,
} as const;

/** Order precision of fractional instruments: 1e-8 units (one satoshi for BTC). */
export const FRACTIONAL_STEP = 1e-8;

/** Target weights may sum to at most 1 + this. */
export const WEIGHT_SUM_TOLERANCE = 1e-9;

/** Canonical working data for one holding (after validation). */
export interface Asset {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  readonly quantity: number;
  /** price · fx: base-currency value of one unit. */
  readonly unitValue: number;
  readonly lotSize: number;
  readonly fractional: boolean;
  /** costBps / 10⁴ for this asset's class. */
  readonly costRate: number;
  readonly target: number;
}

export interface Normalized {
  /** Sorted by symbol (code-unit order), so nothing downstream depends on input order. */
  readonly assets: readonly Asset[];
  readonly baseCurrency: string;
  readonly cash: number;
  readonly driftThreshold: number;
  readonly driftMode: DriftMode;
  readonly turnoverLimit: number | undefined;
  readonly minTradeNotional: number;
  readonly allowShort: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Code-unit order, independent of the locale. */
const bySymbol = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function finite(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw invalidInput(field, `must be a finite number, got ${String(v)}`);
  }
  return v;
}

function nonNegative(field: string, v: unknown): number {
  const x = finite(field, v);
  if (x < 0) throw invalidInput(field, `must be ≥ 0, got ${x}`);
  return x;
}

function positive(field: string, v: unknown): number {
  const x = finite(field, v);
  if (x <= 0) throw invalidInput(field, `must be > 0, got ${x}`);
  return x;
}

function nonEmptyString(field: string, v: unknown): string {
  if (typeof v !== "string" || v.trim() === "") {
    throw invalidInput(field, "must be a non-empty string");
  }
  return v;
}

function bps(field: string, v: unknown): number {
  const x = nonNegative(field, v);
  if (x >= 1e4) throw invalidInput(field, `must be below 10000 bps (100%), got ${x}`);
  return x;
}

function costRates(costBps: unknown): (c: AssetClass) => number {
  if (costBps === undefined || typeof costBps === "number") {
    const rate = bps("costBps", costBps ?? REBALANCE_DEFAULTS.costBps) / 1e4;
    return () => rate;
  }
  if (!isRecord(costBps)) {
    throw invalidInput("costBps", "must be a number or a record keyed by asset class");
  }
  const rates = new Map<string, number>();
  for (const key of Object.keys(costBps)) {
    if (!isAssetClass(key)) {
      throw invalidInput(
        `costBps.${key}`,
        `unknown asset class (one of ${ASSET_CLASSES.join(", ")})`,
      );
    }
    rates.set(key, bps(`costBps.${key}`, costBps[key]) / 1e4);
  }
  const fallback = REBALANCE_DEFAULTS.costBps / 1e4;
  return (c) => rates.get(c) ?? fallback;
}

/**
 * Validates `input` (every field, before any arithmetic) and returns the canonical working data:
 * assets sorted by symbol (code-unit order), `unitValue = price · fx` in the base currency, the lot
 * rule, `costRate = costBps / 10⁴` of the asset class, and the target weight.
 * @example
 * normalizeRebalanceInput({
 *   holdings: [
 *     { symbol: "VOD", quantity: 20, price: 40, assetClass: "equity", currency: "GBP" },
 *     { symbol: "BTC", quantity: 0, price: 30000, assetClass: "crypto", currency: "USD" },
 *   ],
 *   cash: 0, fxRates: { GBP: 1.25 }, targetWeights: { VOD: 0.5, BTC: 0.5 }, costBps: { crypto: 25 },
 * }).assets.map((a) => [a.symbol, a.unitValue, a.fractional, a.costRate])
 * // [["BTC", 30000, true, 0.0025], ["VOD", 50, false, 0.001]]
 */
export function normalizeRebalanceInput(input: RebalanceInput): Normalized {
  if (!isRecord(input)) throw invalidInput("input", "must be an object");
  const allowShort = input.allowShort ?? REBALANCE_DEFAULTS.allowShort;
  if (typeof allowShort !== "boolean") throw invalidInput("allowShort", "must be a boolean");
  const baseCurrency = nonEmptyString(
    "baseCurrency",
    input.baseCurrency ?? REBALANCE_DEFAULTS.baseCurrency,
  );
  const cash = nonNegative("cash", input.cash);

  const fxRates: Readonly<Record<string, unknown>> = input.fxRates ?? {};
  if (!isRecord(fxRates)) throw invalidInput("fxRates", "must be a record currency → rate");
  for (const ccy of Object.keys(fxRates)) {
    const rate = positive(`fxRates.${ccy}`, fxRates[ccy]);
    if (ccy === baseCurrency && rate !== 1) {
      throw invalidInput(`fxRates.${ccy}`, `the base currency's rate must be 1, got ${rate}`);
    }
  }

  const driftThreshold = nonNegative(
    "driftThreshold",
    input.driftThreshold ?? REBALANCE_DEFAULTS.driftThreshold,
  );
  const driftMode = input.driftMode ?? REBALANCE_DEFAULTS.driftMode;
  if (driftMode !== "absolute" && driftMode !== "relative") {
    throw invalidInput("driftMode", `must be "absolute" or "relative", got ${String(driftMode)}`);
  }
  const turnoverLimit =
    input.turnoverLimit === undefined
      ? undefined
      : nonNegative("turnoverLimit", input.turnoverLimit);
  const minTradeNotional = nonNegative(
    "minTradeNotional",
    input.minTradeNotional ?? REBALANCE_DEFAULTS.minTradeNotional,
  );
  const rateOf = costRates(input.costBps);

  const targets: unknown = input.targetWeights;
  if (!isRecord(targets)) throw invalidInput("targetWeights", "must be a record symbol → weight");

  if (!Array.isArray(input.holdings)) throw invalidInput("holdings", "must be an array");
  const seen = new Set<string>();
  const assets: Asset[] = [];
  input.holdings.forEach((h: unknown, i) => {
    const at = `holdings[${i}]`;
    if (!isRecord(h)) throw invalidInput(at, "must be an object");
    const symbol = nonEmptyString(`${at}.symbol`, h.symbol);
    if (seen.has(symbol)) throw invalidInput(`${at}.symbol`, `duplicate symbol ${symbol}`);
    seen.add(symbol);
    const quantity = finite(`${at}.quantity`, h.quantity);
    if (quantity < 0 && !allowShort) {
      throw invalidInput(`${at}.quantity`, `must be ≥ 0 unless allowShort, got ${quantity}`);
    }
    const price = positive(`${at}.price`, h.price);
    if (!isAssetClass(h.assetClass)) {
      throw invalidInput(`${at}.assetClass`, `must be one of ${ASSET_CLASSES.join(", ")}`);
    }
    const assetClass = h.assetClass;
    const lotSize = positive(`${at}.lotSize`, h.lotSize ?? 1);
    const currency = nonEmptyString(`${at}.currency`, h.currency);
    const fractional = h.fractional ?? (assetClass === "crypto" || assetClass === "mutual_fund");
    if (typeof fractional !== "boolean")
      throw invalidInput(`${at}.fractional`, "must be a boolean");
    let fx = 1;
    if (currency !== baseCurrency) {
      if (!Object.hasOwn(fxRates, currency)) {
        throw invalidInput(
          `fxRates.${currency}`,
          `missing rate to ${baseCurrency} (used by ${at})`,
        );
      }
      fx = fxRates[currency] as number;
    }
    const unitValue = price * fx;
    if (!Number.isFinite(unitValue) || unitValue <= 0 || !Number.isFinite(quantity * unitValue)) {
      throw invalidInput(`${at}.price`, "price × fx × quantity is not a finite positive value");
    }
    if (!Object.hasOwn(targets, symbol)) {
      throw invalidInput(
        `targetWeights.${symbol}`,
        "missing (every holding needs a target; 0 sells out)",
      );
    }
    const target = nonNegative(`targetWeights.${symbol}`, targets[symbol]);
    assets.push({
      symbol,
      assetClass,
      quantity,
      unitValue,
      lotSize,
      fractional,
      costRate: rateOf(assetClass),
      target,
    });
  });

  let targetSum = 0;
  for (const key of Object.keys(targets).sort(bySymbol)) {
    if (!seen.has(key))
      throw invalidInput(`targetWeights.${key}`, "unknown symbol (not in holdings)");
    targetSum += targets[key] as number;
  }
  if (targetSum > 1 + WEIGHT_SUM_TOLERANCE) {
    throw invalidInput("targetWeights", `must sum to at most 1, got ${targetSum}`);
  }

  assets.sort((a, b) => bySymbol(a.symbol, b.symbol));
  return {
    assets,
    baseCurrency,
    cash,
    driftThreshold,
    driftMode,
    turnoverLimit,
    minTradeNotional,
    allowShort,
  };
}
