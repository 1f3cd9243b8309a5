import { invalidInput } from "./errors.js";
import { assertFiniteNumber } from "./validate.js";

/**
 * Input of the discrete allocation tools (tools/discrete-allocation.ts), its defaults, and the
 * validation that turns it into a canonical, symbol-sorted {@link AllocationProblem}. Every check
 * throws a ToolError naming the field (`weights.AAPL`, `latestPrices.AAPL`, `lotSizes.BTC`, ...).
 */

export interface DiscreteAllocationInput {
  /**
   * Target weight per symbol: finite and ≥ 0 (long-only: a negative weight is rejected, see
   * {@link validateAllocationInput}), at least one > 0, Σ ≤ 1 + `weightSumTolerance`.
   * `1 − Σ` is the cash target; a sum within the tolerance of 1 means fully invested.
   */
  readonly weights: Readonly<Record<string, number>>;
  /** Price of one unit per symbol, finite and > 0; required for every symbol with weight > 0. */
  readonly latestPrices: Readonly<Record<string, number>>;
  /** Portfolio value to allocate (the cash available), finite and > 0, in the prices' currency. */
  readonly totalValue: number;
  /**
   * Units per lot, finite and > 0; default 1. A fractional instrument states its precision as its
   * lot size: 0.001 means orders in steps of 0.001 units. When the lot size is the reciprocal of an
   * integer k (0.001 → k = 1000) units are computed as `lots / k`, so 7 lots are exactly 0.007.
   */
  readonly lotSizes?: Readonly<Record<string, number>>;
  /** How far Σ weights may exceed 1 (and still count as fully invested below 1); default 1e-6. */
  readonly weightSumTolerance?: number;
}

/** Defaults applied to omitted options. */
export const DISCRETE_ALLOCATION_DEFAULTS = {
  weightSumTolerance: 1e-6,
  lotSize: 1,
} as const;

/** Lot counts above this cannot be represented exactly in a double. */
const MAX_LOTS = 2 ** 53;

/**
 * Canonical problem: symbols in ascending code-unit order, so the input's key order never matters.
 * Symbols with weight 0 and no price carry price 0 and lot cost 0: they are never bought.
 */
export interface AllocationProblem {
  readonly symbols: readonly string[];
  readonly weights: Float64Array;
  readonly prices: Float64Array;
  /** Units per lot. */
  readonly lotSizes: Float64Array;
  /** k when the lot size is 1/k for an integer k ≥ 2 (units = lots / k), else 0 (units = lots · lot). */
  readonly lotDivisors: Float64Array;
  /** Value of one lot: units per lot × price. */
  readonly lotCosts: Float64Array;
  readonly totalValue: number;
  /** Σ weights. */
  readonly weightSum: number;
  /** Cash target weight `1 − Σw`, or exactly 0 when |1 − Σw| ≤ the tolerance. */
  readonly cashTarget: number;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ownNumber(
  record: Readonly<Record<string, unknown>>,
  key: string,
): number | undefined | "invalid" {
  if (!Object.prototype.hasOwnProperty.call(record, key)) return undefined;
  const v = record[key];
  return typeof v === "number" && Number.isFinite(v) ? v : "invalid";
}

/** The integer k with 1/k = `lot` (k ≥ 2, to 1e-9 relative), or 0. */
function lotDivisor(lot: number): number {
  if (lot >= 1) return 0;
  const inverse = 1 / lot;
  const k = Math.round(inverse);
  return k >= 2 && Math.abs(inverse - k) <= 1e-9 * k ? k : 0;
}

/**
 * Units held in `lots` lots of asset `i`: `lots / k` when the lot size is 1/k, else lots × lot size.
 * @example
 * const p = validateAllocationInput({ weights: { X: 1 }, latestPrices: { X: 60000 },
 *   lotSizes: { X: 0.0001 }, totalValue: 1000 });
 * unitsOf(p, 0, 116) // 0.0116 (116 × 0.0001 would be 0.011600000000000001)
 */
export function unitsOf(problem: AllocationProblem, i: number, lots: number): number {
  const k = problem.lotDivisors[i] as number;
  return k > 0 ? lots / k : lots * (problem.lotSizes[i] as number);
}

/**
 * Checks the input and builds the canonical problem.
 *
 * Shorts are rejected rather than given PyPortfolioOpt's `short_ratio` treatment (a separate
 * long book and short book): Steward's orders must never spend more than the cash, and a short
 * book's proceeds and margin are outside this tool.
 * @example
 * const p = validateAllocationInput({ weights: { B: 0.4, A: 0.4 },
 *   latestPrices: { A: 30, B: 25 }, totalValue: 100 });
 * p.symbols // ["A", "B"]; p.lotCosts // [30, 25]; p.cashTarget // 0.19999999999999996 (1 − 0.8)
 */
export function validateAllocationInput(input: DiscreteAllocationInput): AllocationProblem {
  if (!isRecord(input)) throw invalidInput("input", "must be an object");
  const { weights, latestPrices, totalValue } = input;
  assertFiniteNumber("totalValue", totalValue);
  if (!(totalValue > 0)) throw invalidInput("totalValue", `must be > 0, got ${totalValue}`);
  const tolerance = input.weightSumTolerance ?? DISCRETE_ALLOCATION_DEFAULTS.weightSumTolerance;
  assertFiniteNumber("weightSumTolerance", tolerance);
  if (!(tolerance >= 0 && tolerance < 1)) {
    throw invalidInput("weightSumTolerance", `must be in [0, 1), got ${tolerance}`);
  }
  if (!isRecord(weights)) throw invalidInput("weights", "must be an object {symbol: weight}");
  if (!isRecord(latestPrices)) {
    throw invalidInput("latestPrices", "must be an object {symbol: price}");
  }
  const lotInput = input.lotSizes ?? {};
  if (!isRecord(lotInput)) throw invalidInput("lotSizes", "must be an object {symbol: lot size}");

  const symbols = Object.keys(weights).sort();
  const n = symbols.length;
  if (n === 0) throw invalidInput("weights", "must name at least one symbol");
  const w = new Float64Array(n);
  const prices = new Float64Array(n);
  const lotSizes = new Float64Array(n);
  const lotDivisors = new Float64Array(n);
  const lotCosts = new Float64Array(n);
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    const symbol = symbols[i] as string;
    const weight = ownNumber(weights, symbol);
    if (weight === undefined || weight === "invalid") {
      throw invalidInput(
        `weights.${symbol}`,
        `must be a finite number, got ${String(weights[symbol])}`,
      );
    }
    if (weight < 0) {
      throw invalidInput(
        `weights.${symbol}`,
        `must be ≥ 0, got ${weight}: short positions are not supported (long-only allocation)`,
      );
    }
    w[i] = weight;
    weightSum += weight;

    const price = ownNumber(latestPrices, symbol);
    if (price === "invalid" || (price !== undefined && !(price > 0))) {
      throw invalidInput(
        `latestPrices.${symbol}`,
        `must be a finite number > 0, got ${String(latestPrices[symbol])}`,
      );
    }
    if (price === undefined && weight > 0) {
      throw invalidInput(`latestPrices.${symbol}`, `is missing: ${symbol} has weight ${weight}`);
    }
    const lot = ownNumber(lotInput, symbol) ?? DISCRETE_ALLOCATION_DEFAULTS.lotSize;
    if (lot === "invalid" || !(lot > 0)) {
      throw invalidInput(
        `lotSizes.${symbol}`,
        `must be a finite number > 0, got ${String(lotInput[symbol])}`,
      );
    }
    lotSizes[i] = lot;
    const k = lotDivisor(lot);
    lotDivisors[i] = k;
    const p = price ?? 0;
    prices[i] = p;
    const cost = k > 0 ? p / k : p * lot;
    lotCosts[i] = cost;
    if (weight > 0 && !(totalValue / cost <= MAX_LOTS)) {
      throw invalidInput(
        `lotSizes.${symbol}`,
        `one lot costs ${cost}: totalValue buys more than 2^53 lots; use a larger lot size`,
      );
    }
  }
  if (!(weightSum > 0)) throw invalidInput("weights", "must have at least one weight > 0");
  if (weightSum > 1 + tolerance) {
    throw invalidInput(
      "weights",
      `must sum to at most 1 (+${tolerance}), got ${weightSum}; the remainder 1 − Σw is cash`,
    );
  }
  const cashTarget = Math.abs(1 - weightSum) <= tolerance ? 0 : 1 - weightSum;
  return {
    symbols,
    weights: w,
    prices,
    lotSizes,
    lotDivisors,
    lotCosts,
    totalValue,
    weightSum,
    cashTarget,
  };
}
