import { ASSET_CLASSES } from "../tools/asset-class.js";
import { rebalance, type RebalanceHolding, type RebalanceInput } from "../tools/rebalance.js";
import { measure, type BenchSuite } from "./harness.js";

/** A reproducible 500-holding book: every asset class, four currencies, lots 1–100, drifted weights. */
function book(n: number): RebalanceInput {
  let seed = 20240601;
  const next = (): number => {
    // 32-bit LCG (Numerical Recipes constants): deterministic, no Math.random.
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const currencies = ["USD", "EUR", "GBP", "JPY"] as const;
  const holdings: RebalanceHolding[] = [];
  const raw: number[] = [];
  for (let i = 0; i < n; i++) {
    const assetClass = ASSET_CLASSES[i % ASSET_CLASSES.length] ?? "equity";
    holdings.push({
      symbol: `S${String(i).padStart(4, "0")}`,
      assetClass,
      price: Math.round((1 + next() * 999) * 100) / 100,
      quantity: Math.floor(next() * 5000),
      lotSize: [1, 1, 10, 100][i % 4] ?? 1,
      currency: currencies[i % currencies.length] ?? "USD",
    });
    raw.push(0.5 + next());
  }
  const total = raw.reduce((s, x) => s + x, 0);
  const targetWeights: Record<string, number> = {};
  holdings.forEach((h, i) => {
    targetWeights[h.symbol] = ((raw[i] ?? 0) / total) * 0.98;
  });
  return {
    holdings,
    cash: 250_000,
    fxRates: { EUR: 1.0843, GBP: 1.2711, JPY: 0.00667 },
    targetWeights,
    driftThreshold: 0.0005,
    turnoverLimit: 0.3,
    costBps: { equity: 5, etf: 3, crypto: 25 },
    minTradeNotional: 100,
  };
}

export const run: BenchSuite = async () => {
  const input = book(500);
  const trades = rebalance(input).totals.tradeCount;
  return [
    await measure(
      "rebalancing",
      "rebalance 500 holdings (8 asset classes, 4 currencies, turnover-limited)",
      () => rebalance(input),
      {
        iterations: 200,
        warmup: 20,
        targetMs: 5,
        note: `${trades} orders; validation included`,
      },
    ),
  ];
};
