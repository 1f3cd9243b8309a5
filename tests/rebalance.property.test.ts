import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ASSET_CLASSES, type AssetClass } from "../tools/asset-class.js";
import {
  rebalance,
  type CostBps,
  type RebalanceHolding,
  type RebalanceInput,
  type RebalanceResult,
} from "../tools/rebalance.js";

// Invariants of the rebalancing engine over bounded, realistic random books: every asset class,
// four currencies, lot sizes 1–100, prices 0.01–50 000, optional turnover limits and dust floors.

const RUNS = { numRuns: 500 };
const FX: Readonly<Record<string, number>> = { EUR: 1.0843, GBP: 1.2711, JPY: 0.00667 };
const CURRENCIES = ["USD", "EUR", "GBP", "JPY"] as const;

interface Raw {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  readonly priceCents: number;
  readonly qtyTicks: number;
  readonly lotSize: number;
  readonly currency: string;
  readonly fractional: boolean | undefined;
  readonly weight: number;
}

const rawHolding = (minQty: number): fc.Arbitrary<Raw> =>
  fc.record({
    symbol: fc.stringMatching(/^[A-Z]{1,4}(\.[A-Z]{1,2})?$/),
    assetClass: fc.constantFrom(...ASSET_CLASSES),
    priceCents: fc.integer({ min: 1, max: 5_000_000 }),
    qtyTicks: fc.oneof(fc.constant(0), fc.integer({ min: minQty, max: 200_000 })),
    lotSize: fc.constantFrom(1, 1, 1, 10, 100),
    currency: fc.constantFrom(...CURRENCIES),
    fractional: fc.option(fc.boolean(), { nil: undefined }),
    weight: fc.integer({ min: 0, max: 100 }),
  });

const costArb: fc.Arbitrary<CostBps | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: 100 }),
  fc.dictionary(fc.constantFrom(...ASSET_CLASSES), fc.integer({ min: 0, max: 150 }), {
    maxKeys: 4,
  }) as fc.Arbitrary<CostBps>,
);

function build(
  raws: readonly Raw[],
  cashCents: number,
  targetSum: number,
  options: Partial<RebalanceInput>,
): RebalanceInput {
  const holdings: RebalanceHolding[] = raws.map((r) => {
    const fractional =
      r.fractional ?? (r.assetClass === "crypto" || r.assetClass === "mutual_fund");
    return {
      symbol: r.symbol,
      assetClass: r.assetClass,
      price: r.priceCents / 100,
      // Whole-lot instruments hold whole units; fractional ones hold units with 4 decimals.
      quantity: fractional ? r.qtyTicks / 1e4 : r.qtyTicks,
      lotSize: r.lotSize,
      currency: r.currency,
      ...(r.fractional === undefined ? {} : { fractional: r.fractional }),
    };
  });
  const total = raws.reduce((s, r) => s + r.weight, 0);
  const targetWeights: Record<string, number> = {};
  for (const r of raws) targetWeights[r.symbol] = total === 0 ? 0 : (r.weight / total) * targetSum;
  return { holdings, cash: cashCents / 100, fxRates: FX, targetWeights, ...options };
}

const optionsArb = fc.record({
  driftThreshold: fc.constantFrom(0, 0.001, 0.01, 0.02, 0.05),
  driftMode: fc.constantFrom("absolute" as const, "relative" as const),
  turnoverLimit: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
  costBps: costArb,
  minTradeNotional: fc.constantFrom(0, 0, 10, 100, 1000),
});

const inputArb = (allowShort: boolean): fc.Arbitrary<RebalanceInput> =>
  fc
    .record({
      raws: fc.uniqueArray(rawHolding(1), {
        minLength: 1,
        maxLength: 25,
        selector: (r) => r.symbol,
      }),
      signs: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
      cashCents: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000_000 })),
      targetSum: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      options: optionsArb,
    })
    .map(({ raws, signs, cashCents, targetSum, options }) => {
      const signed = allowShort
        ? raws.map((r, i) => (signs[i] === true ? { ...r, qtyTicks: -r.qtyTicks } : r))
        : raws;
      const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
      return build(signed, cashCents, targetSum, { ...clean, allowShort });
    })
    .filter((input) => {
      // NAV > 0, and for short books not dwarfed by gross exposure (conservation is relative to NAV).
      let nav = input.cash;
      let gross = input.cash;
      for (const h of input.holdings) {
        const v = h.quantity * h.price * (FX[h.currency] ?? 1);
        nav += v;
        gross += Math.abs(v);
      }
      return nav > 0 && nav >= 0.1 * gross;
    });

const fxOf = (h: RebalanceHolding): number => FX[h.currency] ?? 1;

function checkInvariants(input: RebalanceInput, r: RebalanceResult): void {
  const { totals } = r;
  const nav = totals.nav;
  const bySymbol = new Map(input.holdings.map((h) => [h.symbol, h]));

  // No NaN / Infinity anywhere in the output.
  const walk = (v: unknown, path: string): void => {
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Error(`${path} = ${v}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    }
  };
  walk(r, "result");

  // NAV conservation at unchanged prices: Σ post qty · price · fx + cash after + costs = NAV.
  let post = totals.cashAfter;
  let buys = 0;
  let sells = 0;
  let buyCost = 0;
  let sellCost = 0;
  for (const a of r.assets) {
    const h = bySymbol.get(a.symbol);
    if (h === undefined) throw new Error(`unknown ${a.symbol}`);
    const uv = h.price * fxOf(h);
    post += a.postTradeQuantity * uv;
    if (a.action === "BUY") {
      buys += a.notional;
      buyCost += a.cost;
      expect(a.drift).toBeLessThan(0);
    } else if (a.action === "SELL") {
      sells += a.notional;
      sellCost += a.cost;
      expect(a.drift).toBeGreaterThan(0);
      // Sells never exceed the held quantity.
      expect(a.units).toBeLessThanOrEqual(h.quantity);
    } else {
      expect(a.units).toBe(0);
      expect(a.reason).toBeDefined();
    }
    // Never rounds up: no order beyond its desired size (float noise aside).
    expect(a.notional).toBeLessThanOrEqual(a.desiredNotional * (1 + 1e-9) + 1e-9);
    // Executed orders clear the dust floor and are whole lots (or 1e-8 steps).
    if (a.action !== "HOLD") {
      expect(a.notional).toBeGreaterThanOrEqual(input.minTradeNotional ?? 0);
      const fractional =
        h.fractional ?? (h.assetClass === "crypto" || h.assetClass === "mutual_fund");
      const lot = h.lotSize ?? 1;
      const whole = fractional ? Math.round(a.units * 1e8) / 1e8 : Math.round(a.units / lot) * lot;
      // Exact below ~1e7 units; beyond, 1e-8 is finer than a double resolves, so allow 4 ulps.
      expect(Math.abs(whole - a.units)).toBeLessThanOrEqual(4 * Number.EPSILON * a.units);
    }
    if (input.allowShort !== true) expect(a.postTradeQuantity).toBeGreaterThanOrEqual(0);
  }
  expect(Math.abs(post + totals.totalCost - nav)).toBeLessThanOrEqual(1e-9 * nav);

  // Turnover within the limit (not halved), recomputed from the orders.
  expect((buys + sells) / nav).toBeCloseTo(totals.turnover, 12);
  if (input.turnoverLimit !== undefined) {
    expect(totals.turnover).toBeLessThanOrEqual(input.turnoverLimit + 1e-12);
    expect((buys + sells) / nav).toBeLessThanOrEqual(input.turnoverLimit + 1e-12);
  }

  // Cash: never negative, and buys + their costs never exceed cash + sell proceeds − sell costs.
  expect(totals.cashAfter).toBeGreaterThanOrEqual(0);
  expect(buys + buyCost).toBeLessThanOrEqual(input.cash + sells - sellCost + 1e-12 * nav);
  expect(totals.tradeCount).toBe(r.assets.filter((a) => a.action !== "HOLD").length);
}

describe("rebalance properties", () => {
  it("conserves NAV, respects turnover and cash, and emits only finite numbers (long-only)", () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        checkInvariants(input, rebalance(input));
      }),
      RUNS,
    );
  });

  it("keeps the same invariants for books with short positions when shorting is allowed", () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        checkInvariants(input, rebalance(input));
      }),
      RUNS,
    );
  });

  it("gives a deep-equal result whatever the order of holdings and target-weight keys", () => {
    const shuffled = inputArb(false).chain((input) =>
      fc.tuple(
        fc.constant(input),
        fc.shuffledSubarray([...input.holdings], {
          minLength: input.holdings.length,
          maxLength: input.holdings.length,
        }),
        fc.shuffledSubarray(Object.keys(input.targetWeights), {
          minLength: input.holdings.length,
          maxLength: input.holdings.length,
        }),
      ),
    );
    fc.assert(
      fc.property(shuffled, ([input, holdings, keys]) => {
        const targetWeights: Record<string, number> = {};
        for (const k of keys) targetWeights[k] = input.targetWeights[k] as number;
        expect(rebalance({ ...input, holdings, targetWeights })).toStrictEqual(rebalance(input));
      }),
      RUNS,
    );
  });
});
