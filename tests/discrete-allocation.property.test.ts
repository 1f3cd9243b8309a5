import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  greedyAllocation,
  loadHighs,
  lpAllocation,
  type DiscreteAllocationInput,
  type DiscreteAllocationResult,
  type HighsSolver,
} from "../tools/discrete-allocation.js";

let solver: HighsSolver;
beforeAll(async () => {
  solver = await loadHighs();
});

const RUNS = 300;
/** HiGHS solves hundreds of small MILPs per property; allow for a busy machine. */
const TIMEOUT_MS = 180_000;

interface Book {
  readonly input: DiscreteAllocationInput;
  /** The same book with every record's keys in another order. */
  readonly shuffled: DiscreteAllocationInput;
}

function reorder<T>(
  record: Readonly<Record<string, T>>,
  order: readonly string[],
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of order) if (key in record) out[key] = record[key] as T;
  return out;
}

/**
 * 1–maxSymbols assets with distinct 1–4 letter symbols, weights summing to 1 (or 0.9 / 0.5, the
 * rest cash), prices from minCents/100 to 5 000.00, the given lot sizes, the last asset's weight
 * optionally 0, and 50–maxValue to allocate.
 */
function books(
  maxSymbols: number,
  lotChoices: readonly number[],
  maxValue: number,
  minCents: number,
): fc.Arbitrary<Book> {
  return fc
    .uniqueArray(fc.stringMatching(/^[A-Z]{1,4}$/), { minLength: 1, maxLength: maxSymbols })
    .chain((symbols) => {
      const n = symbols.length;
      return fc.record({
        symbols: fc.constant(symbols),
        raw: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), {
          minLength: n,
          maxLength: n,
        }),
        cents: fc.array(fc.integer({ min: minCents, max: 500_000 }), {
          minLength: n,
          maxLength: n,
        }),
        lots: fc.array(fc.constantFrom(...lotChoices), { minLength: n, maxLength: n }),
        invested: fc.constantFrom(1, 1, 0.9, 0.5),
        zeroLast: fc.boolean(),
        value: fc.integer({ min: 50, max: maxValue }),
        order: fc.shuffledSubarray(symbols, { minLength: n, maxLength: n }),
      });
    })
    .map(({ symbols, raw, cents, lots, invested, zeroLast, value, order }) => {
      const used = raw.map((r, i) => (zeroLast && i === raw.length - 1 && i > 0 ? 0 : r));
      const total = used.reduce((a, b) => a + b, 0);
      const weights: Record<string, number> = {};
      const latestPrices: Record<string, number> = {};
      const lotSizes: Record<string, number> = {};
      symbols.forEach((s, i) => {
        weights[s] = ((used[i] as number) / total) * invested;
        latestPrices[s] = (cents[i] as number) / 100;
        lotSizes[s] = lots[i] as number;
      });
      const input = { weights, latestPrices, lotSizes, totalValue: value };
      const shuffled = {
        weights: reorder(weights, order),
        latestPrices: reorder(latestPrices, [...order].reverse()),
        lotSizes: reorder(lotSizes, order),
        totalValue: value,
      };
      return { input, shuffled };
    });
}

// Up to 7 assets; lot sizes include fractional ones (0.01, 0.001).
const everyBook = books(7, [1, 5, 100, 0.01, 0.001], 1_000_000, 50);

function checkInvariants(input: DiscreteAllocationInput, result: DiscreteAllocationResult): void {
  const value = input.totalValue;
  let spent = 0;
  for (const [symbol, lots] of Object.entries(result.allocation)) {
    expect(Number.isInteger(lots) && lots >= 0).toBe(true);
    const lot = input.lotSizes?.[symbol] ?? 1;
    const units = result.units[symbol] as number;
    expect(Math.abs(units - lots * lot)).toBeLessThanOrEqual(1e-12 * Math.max(1, lots * lot));
    if ((input.weights[symbol] ?? 0) === 0) expect(lots).toBe(0);
    spent += result.notional[symbol] as number;
  }
  // Never spends more than the cash (naive sum; the tool's own sum is compensated).
  expect(spent).toBeLessThanOrEqual(value * (1 + 1e-12));
  expect(result.leftover).toBeGreaterThanOrEqual(0);
  expect(Math.abs(result.invested + result.leftover - value)).toBeLessThanOrEqual(1e-9 * value);
  // No NaN or infinity anywhere.
  const numbers = [
    result.invested,
    result.leftover,
    result.cashWeight,
    result.cashTargetWeight,
    result.trackingError,
    result.objective,
    ...(result.optimalityGap === null ? [] : [result.optimalityGap]),
    ...Object.values(result.allocation),
    ...Object.values(result.units),
    ...Object.values(result.notional),
    ...Object.values(result.achievedWeights),
  ];
  for (const x of numbers) expect(Number.isFinite(x)).toBe(true);
}

/** Exhaustive search over all lot vectors within the cash (a naive second implementation). */
function bruteForce(input: DiscreteAllocationInput): number {
  const symbols = Object.keys(input.weights);
  const cost = symbols.map((s) => (input.lotSizes?.[s] ?? 1) * (input.latestPrices[s] ?? 0));
  const target = symbols.map((s) => (input.weights[s] ?? 0) * input.totalValue);
  const cash = input.totalValue - target.reduce((a, b) => a + b, 0);
  let best = Infinity;
  const walk = (i: number, spent: number, deviation: number): void => {
    if (i === symbols.length) {
      best = Math.min(best, deviation + Math.abs(input.totalValue - spent - cash));
      return;
    }
    const c = cost[i] as number;
    for (let n = 0; spent + n * c <= input.totalValue; n++) {
      walk(i + 1, spent + n * c, deviation + Math.abs((target[i] as number) - n * c));
    }
  };
  walk(0, 0, 0);
  return best;
}

describe("discrete allocation properties", () => {
  it(
    "never spends more than the cash, buys whole lots ≥ 0, and returns no NaN",
    () => {
      fc.assert(
        fc.property(everyBook, ({ input }) => {
          checkInvariants(input, greedyAllocation(input));
          checkInvariants(input, lpAllocation(input, solver));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "finds an lp objective no worse than the greedy one",
    () => {
      fc.assert(
        fc.property(everyBook, ({ input }) => {
          const greedy = greedyAllocation(input);
          const lp = lpAllocation(input, solver);
          expect(lp.objective).toBeLessThanOrEqual(greedy.objective + 1e-9);
          expect(lp.optimalityGap).not.toBeNull();
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "is deterministic and ignores the order of the input's keys",
    () => {
      fc.assert(
        fc.property(everyBook, ({ input, shuffled }) => {
          const greedy = greedyAllocation(input);
          expect(greedyAllocation(shuffled)).toEqual(greedy);
          expect(Object.keys(greedy.allocation)).toEqual(Object.keys(input.weights).sort());
          const lp = lpAllocation(input, solver);
          expect(lpAllocation(input, solver)).toEqual(lp);
          expect(lpAllocation(shuffled, solver)).toEqual(lp);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "reaches the exhaustive-search optimum on small books",
    () => {
      // ≤ 3 assets, lots worth ≥ 0.5 and ≤ 200 to allocate: ≤ 400 lots each to enumerate.
      const small = books(3, [1, 2, 0.5], 200, 100);
      fc.assert(
        fc.property(small, ({ input }) => {
          const lp = lpAllocation(input, solver);
          expect(lp.solverStatus).toBe("optimal");
          expect(Math.abs(lp.objective - bruteForce(input))).toBeLessThanOrEqual(
            1e-9 * input.totalValue,
          );
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
