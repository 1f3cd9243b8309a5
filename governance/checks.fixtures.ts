import type { PreTradeContext, InstrumentRef } from "./checks-context.js";
import { loadBundledPolicy, type Policy } from "./policy.js";
import { PortfolioSchema, type Portfolio } from "./portfolio.js";
import { idempotencyKey, ProposalSchema, type Order, type Proposal } from "./proposal.js";

/**
 * A small hand-built book for the check tests (test support only; not part of the public API).
 *
 * Pre-trade, USD, as-of 2018-04-11 (a Wednesday), NAV 100,000:
 *   AAA  50 × 100 =  5,000 (5%)   equity, issuer Alpha Corp, Technology
 *   BBB 100 ×  50 =  5,000 (5%)   equity, issuer Beta Inc,  Health Care
 *   ETF 200 × 300 = 60,000 (60%)  etf,    issuer Fund Co
 *   cash           30,000 (30%)
 * Orders (10 bps): BUY AAA 30 (3,000; cost 3), BUY BBB 40 (2,000; cost 2), SELL ETF 10 (3,000; cost 3).
 * Post-trade: cash = 30,000 + 3,000 − 5,000 − 8 = 27,992; NAV = 100,000 − 8 = 99,992;
 *   AAA 8,000, BBB 7,000, ETF 57,000. Turnover = 8,000 / 100,000 = 0.08.
 * Every check passes on this context.
 */

export const AS_OF = "2018-04-11";
export const NOW = "2026-11-20T10:00:00.000Z";

export const INSTRUMENTS = {
  AAA: {
    symbol: "AAA",
    assetClass: "equity",
    sector: "Technology",
    issuer: "Alpha Corp",
    currency: "USD",
    lotSize: 1,
    fractional: false,
    tradable: true,
  },
  BBB: {
    symbol: "BBB",
    assetClass: "equity",
    sector: "Health Care",
    issuer: "Beta Inc",
    currency: "USD",
    lotSize: 1,
    fractional: false,
    tradable: true,
  },
  ETF: {
    symbol: "ETF",
    assetClass: "etf",
    issuer: "Fund Co",
    currency: "USD",
    lotSize: 1,
    fractional: false,
    tradable: true,
  },
} as const satisfies Record<string, InstrumentRef>;

export const PRICES: Record<string, number> = { AAA: 100, BBB: 50, ETF: 300 };

export function testPortfolio(): Portfolio {
  return PortfolioSchema.parse({
    id: "test-book",
    name: "Test book",
    baseCurrency: "USD",
    cash: 30_000,
    holdings: [
      { symbol: "AAA", quantity: 50 },
      { symbol: "BBB", quantity: 100 },
      { symbol: "ETF", quantity: 200 },
    ],
    mandate: {
      objective: "target-weights",
      targetWeights: { AAA: 0.1, BBB: 0.1, ETF: 0.55 },
      assetClassBounds: { equity: { max: 0.3 }, etf: { min: 0.4, max: 0.7 }, cash: { min: 0.01 } },
      riskLimits: { maxVolatility: 0.15, maxVar95: 0.02, maxTrackingError: 0.05 },
      turnoverLimit: 0.25,
    },
  });
}

/** An order at `price` (default: the fixture price), 10 bps cost, key from its content. */
export function makeOrder(
  symbol: string,
  side: "BUY" | "SELL",
  quantity: number,
  price = PRICES[symbol] ?? 100,
): Order {
  const ins = (INSTRUMENTS as Record<string, InstrumentRef>)[symbol];
  const notional = quantity * price;
  return {
    idempotencyKey: idempotencyKey({
      portfolioId: "test-book",
      asOf: AS_OF,
      symbol,
      side,
      quantity,
      price,
    }),
    symbol,
    side,
    quantity,
    lotSize: ins?.lotSize ?? 1,
    assetClass: ins?.assetClass ?? "equity",
    currency: ins?.currency ?? "USD",
    price,
    priceDate: AS_OF,
    notional,
    cost: notional * 0.001,
  };
}

export function makeProposal(
  orders: readonly Order[],
  postTradeWeights?: Record<string, number>,
): Proposal {
  return ProposalSchema.parse({
    portfolioId: "test-book",
    policyVersion: "test",
    asOf: AS_OF,
    baseCurrency: "USD",
    nav: 100_000,
    cashBefore: 30_000,
    cashAfter: 27_992,
    turnover: 0.08,
    totalCost: 8,
    orders,
    postTradeWeights: postTradeWeights ?? {
      AAA: 8_000 / 99_992,
      BBB: 7_000 / 99_992,
      ETF: 57_000 / 99_992,
      CASH: 27_992 / 99_992,
    },
  });
}

export const BASE_ORDERS: readonly Order[] = [
  makeOrder("AAA", "BUY", 30),
  makeOrder("BBB", "BUY", 40),
  makeOrder("ETF", "SELL", 10),
];

/** The bundled default policy, deep-copied so a test may change it. */
export function testPolicy(edit?: (p: Policy) => void): Policy {
  const p = structuredClone(loadBundledPolicy());
  edit?.(p);
  return p;
}

/** The passing base context; `patch` replaces top-level fields. */
export function baseContext(patch: Partial<PreTradeContext> = {}): PreTradeContext {
  const latestPrices: Record<string, { price: number; date: string }> = {};
  for (const [s, price] of Object.entries(PRICES)) latestPrices[s] = { price, date: AS_OF };
  return {
    portfolio: testPortfolio(),
    proposal: makeProposal(BASE_ORDERS),
    instruments: INSTRUMENTS,
    latestPrices,
    asOf: AS_OF,
    now: NOW,
    volumes: { AAA: 1_000, BBB: 10_000 },
    proposedRisk: { volatility: 0.12, var95: 0.015, trackingError: 0.03 },
    currentDrawdown: 0.05,
    recentOrderKeys: [],
    proposalCountInWindow: 0,
    policy: testPolicy(),
    ...patch,
  };
}
