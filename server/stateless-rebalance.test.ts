import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  StatelessRebalanceRequestSchema,
  StatelessRebalanceResponseSchema,
  computeStatelessRebalance,
  firstIssuePath,
  type StatelessRebalanceRequestInput,
  type StatelessRebalanceResponse,
  SEED_REBALANCE_EXAMPLE,
} from "./stateless-rebalance.js";

const CONTEXT = { now: new Date("2025-01-02T03:04:05.678Z"), stewardVersion: "9.8.7" };

/** The example payload of GOVERNANCE.md §5 (the original MVP's request). */
const SEED: StatelessRebalanceRequestInput = SEED_REBALANCE_EXAMPLE;

function run(input: unknown): StatelessRebalanceResponse {
  return computeStatelessRebalance(StatelessRebalanceRequestSchema.parse(input), CONTEXT);
}

function pathOf(input: unknown): string {
  const parsed = StatelessRebalanceRequestSchema.safeParse(input);
  if (parsed.success) throw new Error("expected a validation error");
  return firstIssuePath(parsed.error);
}

/** Every number in `value` is finite (JSON.stringify would silently turn NaN into null). */
function assertAllFinite(value: unknown, path = "$"): void {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertAllFinite(v, `${path}[${i}]`));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) assertAllFinite(v, `${path}.${k}`);
  }
}

function asset(out: StatelessRebalanceResponse, symbol: string) {
  const a = out.assets.find((x) => x.asset === symbol);
  if (a === undefined) throw new Error(`no ${symbol}`);
  return a;
}

describe("computeStatelessRebalance: the GOVERNANCE.md example", () => {
  const out = run(SEED);

  it("answers with a response the response schema accepts and no non-finite number", () => {
    expect(StatelessRebalanceResponseSchema.safeParse(out).success).toBe(true);
    assertAllFinite(out);
  });

  it("sells the overweight ETF back to its target, with the cost at 10 bps", () => {
    const etf = asset(out, "ETF");
    // One asset: the budget Σw = 0.2 fixes the optimised weight at the target.
    expect(etf.optimized_weight).toBe(0.2);
    expect(etf.drift).toBeCloseTo(0.04, 15);
    expect(etf.action).toBe("SELL");
    // Held 0.24 · 100000 / 95 = 252.6315789… units; target 0.2 · 100000 / 95 = 210.5263157…;
    // order 4000 / 95 = 42.105263157… units, rounded toward zero to 1e-8 → 42.10526315.
    expect(etf.units).toBeCloseTo(42.10526315, 9);
    // Notional 42.10526315 · 95 = 3999.99999925; cost 10 / 10⁴ of it = 3.99999999925.
    expect(etf.notional).toBeCloseTo(3999.99999925, 6);
    expect(etf.cost).toBeCloseTo(3.99999999925, 9);
    expect(etf.reason).toBeUndefined();
  });

  it("reports cash before and after: 76000 → 76000 + 3999.99999925 − 3.99999999925", () => {
    expect(out.totals.cash_before).toBeCloseTo(76000, 8);
    expect(out.totals.cash_after).toBeCloseTo(79995.99999925, 6);
    expect(out.totals.trade_count).toBe(1);
    expect(out.totals.turnover).toBeCloseTo(0.0399999999925, 12);
  });

  it("reports the ensemble forecast of the three signals", () => {
    const f = asset(out, "ETF").forecast;
    // mean = 0.063 / 5; EWMA: Σλ^k r (newest first) = 0.022 + 0.94·0.011 + 0.8836·0.008
    // + 0.830584·0.012 + 0.78074896·0.01 = 0.0571832976 over Σλ^k = 4.43493296.
    expect(f.historical_mean).toBeCloseTo(0.0126, 15);
    expect(f.ewma_mean).toBeCloseTo(0.0571832976 / 4.43493296, 14);
    const e = (0.022 + 0.0126 + 0.0571832976 / 4.43493296) / 3;
    expect(f.ensemble_return).toBeCloseTo(e, 14);
    expect(f.expected_annual_return).toBeCloseTo(e * 252, 11);
    // s² = (0.0026² + 0.0006² + 0.0046² + 0.0016² + 0.0094²)/4 = 29.8e-6; z = 0.0126/(s/√5).
    expect(f.evidence_z).toBeCloseTo(0.0126 / (Math.sqrt(29.8e-6) / Math.sqrt(5)), 10);
    expect(f.skill).toBe(1);
    expect(f.confidence).toBeCloseTo(f.agreement, 15);
    expect(f.confidence).toBeGreaterThan(0.78);
    expect(f.confidence).toBeLessThan(0.79);
  });

  it("carries the metadata: timestamp, versions, hash of the canonical request, small-sample flag", () => {
    expect(out.metadata.timestamp).toBe("2025-01-02T03:04:05.678Z");
    expect(out.metadata.steward_version).toBe("9.8.7");
    expect(out.metadata.observations_used).toBe(5);
    expect(out.metadata.optimization.status).toBe("single-asset");
    // RFC 8785 by hand: keys sorted by code unit, defaults applied, shortest number forms.
    const canonical =
      '{"assets":[{"asset":"ETF","asset_class":"equity","current_weight":0.24,' +
      '"historical_returns":[0.01,0.012,0.008,0.011,0.022],"market_return":0.022,"price":95,' +
      '"target_weight":0.2}],"drift_threshold":0.02,"periods_per_year":252,' +
      '"portfolio_value":100000,"risk_aversion":2.5,"transaction_cost_bps":10,"turnover_limit":0.2}';
    expect(out.metadata.request_hash).toBe(createHash("sha256").update(canonical).digest("hex"));
    expect(out.metadata.warnings.some((w) => w.startsWith("SMALL_SAMPLE:"))).toBe(true);
  });
});

describe("computeStatelessRebalance: a hand-worked two-asset example", () => {
  // Histories with mean exactly 0 → evidence z = 0 → skill 0 → confidence 0 → optimised = stated.
  const request = {
    portfolio_value: 100000,
    drift_threshold: 0.02,
    turnover_limit: 0.25,
    transaction_cost_bps: 10,
    assets: [
      {
        asset: "AAA",
        target_weight: 0.5,
        current_weight: 0.6,
        market_return: 0.001,
        price: 100,
        historical_returns: [0.01, -0.01, 0.02, -0.02],
      },
      {
        asset: "BBB",
        target_weight: 0.4,
        current_weight: 0.3,
        market_return: -0.002,
        price: 50,
        historical_returns: [0.03, -0.03, 0.01, -0.01],
      },
    ],
  };
  const out = run(request);

  it("keeps the stated targets (every confidence is 0)", () => {
    expect(out.metadata.optimization.status).toBe("no-active-views");
    expect(out.assets.map((a) => a.forecast.confidence)).toEqual([0, 0]);
    expect(out.assets.map((a) => a.optimized_weight)).toEqual([0.5, 0.4]);
  });

  it("computes drift, units, notional and cost as by hand", () => {
    // Holdings: AAA 0.6·100000/100 = 600 units, BBB 0.3·100000/50 = 600 units, cash 10000.
    // AAA: drift +0.1 > 0.02 → SELL 600 − 0.5·100000/100 = 100 units, notional 10000, cost 10.
    // BBB: drift −0.1 → BUY 0.4·100000/50 − 600 = 200 units, notional 10000, cost 10.
    // Turnover 20000/100000 = 0.2 ≤ 0.25: nothing cut. Cash 10000 + 10000 − 10 − 10000 − 10 = 9980.
    const a = asset(out, "AAA");
    const b = asset(out, "BBB");
    expect(a.drift).toBeCloseTo(0.1, 15);
    expect(b.drift).toBeCloseTo(-0.1, 15);
    expect(a.action).toBe("SELL");
    expect(b.action).toBe("BUY");
    expect(a.units).toBeCloseTo(100, 8);
    expect(b.units).toBeCloseTo(200, 8);
    expect(a.notional).toBeCloseTo(10000, 6);
    expect(b.notional).toBeCloseTo(10000, 6);
    expect(a.cost).toBeCloseTo(10, 8);
    expect(b.cost).toBeCloseTo(10, 8);
    expect(out.totals.total_cost).toBeCloseTo(20, 8);
    expect(out.totals.turnover).toBeCloseTo(0.2, 12);
    expect(out.totals.cash_after).toBeCloseTo(9980, 6);
    // Post-trade NAV 100000 − 20 = 99980: AAA 500·100/99980, BBB 800·50/99980.
    expect(out.totals.portfolio_value_after).toBeCloseTo(99980, 6);
    expect(a.post_trade_weight).toBeCloseTo(50000 / 99980, 12);
    expect(b.post_trade_weight).toBeCloseTo(40000 / 99980, 12);
    expect(a.post_trade_units).toBeCloseTo(500, 8);
    expect(b.post_trade_units).toBeCloseTo(800, 8);
  });

  it("holds inside the drift band and scales to the turnover limit", () => {
    const inBand = run({
      ...request,
      drift_threshold: 0.15,
    });
    expect(inBand.assets.map((x) => [x.action, x.reason])).toEqual([
      ["HOLD", "WITHIN_BAND"],
      ["HOLD", "WITHIN_BAND"],
    ]);
    // Turnover limit 0.15 → budget 15000: the first order by |drift| takes 10000, the second is
    // cut to 5000. |drift| of BBB (0.4 − 0.3 in floats: 0.10000000000000003) beats AAA's
    // (0.6 − 0.5 = 0.09999999999999998), so BBB buys in full and AAA sells 50 units.
    const capped = run({ ...request, turnover_limit: 0.15 });
    expect(asset(capped, "BBB").units).toBeCloseTo(200, 8);
    expect(asset(capped, "AAA").units).toBeCloseTo(50, 8);
    expect(asset(capped, "AAA").reason).toBe("TURNOVER_LIMIT_SCALED");
    expect(capped.totals.turnover).toBeLessThanOrEqual(0.15 + 1e-15);
  });
});

describe("computeStatelessRebalance: risk figures", () => {
  // AAA [0.02, −0.04, 0.06, 0] and BBB all 0, held 0.5 / 0.5 → portfolio [0.01, −0.02, 0.03, 0].
  // mean 0.005; deviations 0.005, −0.025, 0.025, −0.005; Σd² = 0.0013; var = 0.0013/3.
  // Sorted [−0.02, 0, 0.01, 0.03]; type 7: h = 3·0.05 = 0.15 → Q = −0.02 + 0.15·0.02 = −0.017.
  // VaR95 = 0.017; CVaR95 = −mean{r ≤ −0.017} = 0.02.
  const out = run({
    portfolio_value: 1000,
    drift_threshold: 0.05,
    turnover_limit: 1,
    transaction_cost_bps: 0,
    periods_per_year: 12,
    assets: [
      {
        asset: "AAA",
        target_weight: 0.25,
        current_weight: 0.5,
        market_return: 0,
        price: 10,
        historical_returns: [0.02, -0.04, 0.06, 0],
      },
      {
        asset: "BBB",
        target_weight: 0.5,
        current_weight: 0.5,
        market_return: 0,
        price: 10,
        historical_returns: [0, 0, 0, 0],
      },
    ],
  });

  it("matches the hand-worked volatility, VaR and CVaR of the current portfolio", () => {
    expect(out.risk.observations).toBe(4);
    expect(out.risk.current.volatility).toBeCloseTo(Math.sqrt(0.0013 / 3) * Math.sqrt(12), 14);
    expect(out.risk.current.var_95).toBeCloseTo(0.017, 14);
    expect(out.risk.current.cvar_95).toBeCloseTo(0.02, 14);
    expect(out.risk.current.invested_weight).toBe(1);
  });

  it("scales with the weights for the optimised portfolio (targets: AAA at 0.25)", () => {
    // AAA mean 0.01, s = √(0.0052/3) = 0.0416 → z = 0.48 < 1 → confidence 0; BBB s = 0, mean 0.
    expect(out.metadata.optimization.status).toBe("no-active-views");
    // Portfolio 0.25·AAA = [0.005, −0.01, 0.015, 0]: a quarter of AAA's figures.
    expect(out.risk.optimized.volatility).toBeCloseTo(
      0.25 * Math.sqrt(0.0052 / 3) * Math.sqrt(12),
      14,
    );
    expect(out.risk.optimized.var_95).toBeCloseTo(0.25 * 0.034, 14);
    expect(out.risk.optimized.cvar_95).toBeCloseTo(0.25 * 0.04, 14);
    expect(out.risk.assets).toEqual([
      { asset: "AAA", volatility: expect.closeTo(Math.sqrt(0.0052 / 3) * Math.sqrt(12), 14) },
      { asset: "BBB", volatility: 0 },
    ]);
  });

  it("annualises the expected return as Σ w_i E_i · P", () => {
    // AAA: E = (0 + 0.01 + ewma)/3; EWMA newest first: (0 + 0.94·0.06 − 0.8836·0.04
    // + 0.830584·0.02) / (1 + 0.94 + 0.8836 + 0.830584) = 0.03766768 / 3.654184. BBB: E = 0.
    const e = (0.01 + 0.03766768 / 3.654184) / 3;
    expect(out.risk.current.expected_annual_return).toBeCloseTo(0.5 * e * 12, 14);
  });
});

describe("computeStatelessRebalance: histories of different lengths", () => {
  it("aligns the covariance and risk on the most recent common tail and says so", () => {
    const out = run({
      portfolio_value: 1000,
      drift_threshold: 0,
      turnover_limit: 1,
      transaction_cost_bps: 0,
      assets: [
        {
          asset: "AAA",
          target_weight: 0.5,
          current_weight: 0.5,
          market_return: 0,
          price: 1,
          historical_returns: [0.5, 0.4, 0.02, -0.04, 0.06, 0],
        },
        {
          asset: "BBB",
          target_weight: 0.5,
          current_weight: 0.5,
          market_return: 0,
          price: 1,
          historical_returns: [0, 0, 0, 0],
        },
      ],
    });
    expect(out.metadata.observations_used).toBe(4);
    expect(out.metadata.history_lengths).toEqual({ min: 4, max: 6 });
    expect(out.metadata.warnings.some((w) => w.startsWith("HISTORY_ALIGNED:"))).toBe(true);
    // Only the last 4 returns of AAA enter: the risk equals the example above.
    expect(out.risk.current.var_95).toBeCloseTo(0.017, 14);
    // The forecast uses AAA's whole history (6 returns).
    expect(asset(out, "AAA").forecast.observations).toBe(6);
  });
});

describe("computeStatelessRebalance: optimised targets", () => {
  it("raises the weight of an asset with a confident positive view", () => {
    const n = 40;
    // Strong, steady positive returns for AAA (z ≫ 3, all signals agree); BBB and CCC with mean 0.
    const wave = (k: number) => Array.from({ length: n }, (_, t) => 0.01 * Math.sin(1.3 * t + k));
    const centred = (xs: number[]) => {
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      return xs.map((x) => x - m);
    };
    const out = run({
      portfolio_value: 100000,
      drift_threshold: 0,
      turnover_limit: 2,
      transaction_cost_bps: 0,
      assets: [
        {
          asset: "AAA",
          target_weight: 0.3,
          current_weight: 0.3,
          market_return: 0.004,
          price: 10,
          historical_returns: centred(wave(0)).map((x) => x + 0.004),
        },
        {
          asset: "BBB",
          target_weight: 0.3,
          current_weight: 0.3,
          market_return: 0,
          price: 10,
          historical_returns: [0.01, -0.01, ...centred(wave(2)).slice(2)],
        },
        {
          asset: "CCC",
          target_weight: 0.3,
          current_weight: 0.3,
          market_return: 0,
          price: 10,
          historical_returns: [-0.01, 0.01, ...centred(wave(4)).slice(2)],
        },
      ],
    });
    const a = asset(out, "AAA");
    expect(a.forecast.confidence).toBeGreaterThan(0.5);
    expect(out.metadata.optimization.status).toBe("optimized");
    expect(a.optimized_weight).toBeGreaterThan(0.3 + 0.01);
    expect(a.action).toBe("BUY");
    const total = out.assets.reduce((s, x) => s + x.optimized_weight, 0);
    expect(total).toBeCloseTo(0.9, 12);
    for (const x of out.assets) {
      expect(x.optimized_weight).toBeGreaterThanOrEqual(0);
      expect(x.optimized_weight).toBeLessThanOrEqual(1);
    }
  });

  it("falls back to the stated targets, with a warning, when the history has no variance", () => {
    // Constant histories: s = 0, mean ≠ 0 → z capped, skill 1; all signals equal → confidence 1,
    // but Σ = 0, so there is nothing to optimise against.
    const out = run({
      portfolio_value: 1000,
      drift_threshold: 0.01,
      turnover_limit: 1,
      transaction_cost_bps: 5,
      assets: [
        {
          asset: "AAA",
          target_weight: 0.4,
          current_weight: 0.5,
          market_return: 0.01,
          price: 10,
          historical_returns: [0.01, 0.01, 0.01],
        },
        {
          asset: "BBB",
          target_weight: 0.6,
          current_weight: 0.5,
          market_return: 0.02,
          price: 10,
          historical_returns: [0.02, 0.02, 0.02],
        },
      ],
    });
    expect(out.metadata.optimization.status).toBe("fallback");
    expect(out.metadata.optimization.fallback_reason).toMatch(/no variance/);
    expect(out.metadata.warnings.some((w) => w.startsWith("OPTIMIZATION_FALLBACK:"))).toBe(true);
    expect(out.assets.map((a) => a.optimized_weight)).toEqual([0.4, 0.6]);
    expect(out.risk.current.volatility).toBe(0);
    assertAllFinite(out);
  });
});

// ------------------------------------------------------------------------------------------------
// Properties

const SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"];
const unit = fc.double({ min: 0, max: 1, noNaN: true });

/** Weights in [0, 1] with Σ ≤ 1: raw draws divided by (Σ raw + slack). */
function weightsArb(n: number) {
  return fc.tuple(fc.array(unit, { minLength: n, maxLength: n }), unit).map(([raw, slack]) => {
    const total = raw.reduce((s, x) => s + x, 0) + slack;
    return total > 0 ? raw.map((x) => x / total) : raw;
  });
}

const returnArb = fc.double({ min: -0.2, max: 0.2, noNaN: true });

/** Histories of mean exactly 0: pairs x, −x (their running sum returns to 0 after each pair). */
const zeroMeanHistory = fc
  .array(fc.double({ min: 0.0001, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 30 })
  .map((xs) => xs.flatMap((x) => [x, -x]));

interface PayloadOptions {
  readonly zeroMean: boolean;
}

function payloadArb({ zeroMean }: PayloadOptions): fc.Arbitrary<StatelessRebalanceRequestInput> {
  return fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc
      .record({
        portfolio_value: fc.double({ min: 1000, max: 1e9, noNaN: true }),
        drift_threshold: fc.double({ min: 0, max: 0.1, noNaN: true }),
        turnover_limit: fc.double({ min: 0, max: 2, noNaN: true }),
        transaction_cost_bps: fc.double({ min: 0, max: 100, noNaN: true }),
        periods_per_year: fc.constantFrom(252, 365, 52, 12),
        targets: weightsArb(n),
        currents: weightsArb(n),
        assets: fc.array(
          fc.record({
            market_return: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
            price: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
            historical_returns: zeroMean
              ? zeroMeanHistory
              : fc.array(returnArb, { minLength: 2, maxLength: 60 }),
            lot_size: fc.option(fc.constantFrom(1, 10, 100), { nil: undefined }),
          }),
          { minLength: n, maxLength: n },
        ),
      })
      .map((r) => ({
        portfolio_value: r.portfolio_value,
        drift_threshold: r.drift_threshold,
        turnover_limit: r.turnover_limit,
        transaction_cost_bps: r.transaction_cost_bps,
        periods_per_year: r.periods_per_year,
        assets: r.assets.map((a, i) => ({
          asset: SYMBOLS[i] as string,
          target_weight: r.targets[i] as number,
          current_weight: r.currents[i] as number,
          market_return: a.market_return,
          price: a.price,
          historical_returns: a.historical_returns,
          ...(a.lot_size === undefined ? {} : { lot_size: a.lot_size }),
        })),
      })),
  );
}

describe("computeStatelessRebalance: properties", () => {
  it("with every confidence 0, the optimised targets equal the stated ones (to 1e-9)", () => {
    fc.assert(
      fc.property(payloadArb({ zeroMean: true }), (payload) => {
        const out = run(payload);
        for (const a of out.assets) {
          expect(a.forecast.confidence).toBe(0);
          expect(Math.abs(a.optimized_weight - a.target_weight)).toBeLessThanOrEqual(1e-9);
        }
        expect(out.metadata.optimization.status).not.toBe("fallback");
      }),
      { numRuns: 250, seed: 7 },
    );
  });

  it("conserves value: NAV after = NAV − costs = cash after + Σ post-trade holdings", () => {
    fc.assert(
      fc.property(payloadArb({ zeroMean: false }), (payload) => {
        const out = run(payload);
        const V = payload.portfolio_value;
        const t = out.totals;
        const tol = 1e-9 * V;
        expect(Math.abs(t.portfolio_value - V)).toBeLessThanOrEqual(tol);
        expect(
          Math.abs(t.portfolio_value_after - (t.portfolio_value - t.total_cost)),
        ).toBeLessThanOrEqual(tol);
        let holdings = 0;
        let costs = 0;
        let buys = 0;
        let sells = 0;
        out.assets.forEach((a, i) => {
          const price = payload.assets[i]?.price as number;
          holdings += a.post_trade_units * price;
          costs += a.cost;
          if (a.action === "BUY") buys += a.notional;
          if (a.action === "SELL") sells += a.notional;
          expect(a.cost).toBeCloseTo((payload.transaction_cost_bps / 1e4) * a.notional, 6);
          expect(Math.abs(a.notional - a.units * price)).toBeLessThanOrEqual(
            1e-9 * Math.max(1, a.notional),
          );
        });
        expect(Math.abs(t.cash_after + holdings - t.portfolio_value_after)).toBeLessThanOrEqual(
          tol,
        );
        expect(Math.abs(costs - t.total_cost)).toBeLessThanOrEqual(tol);
        expect(Math.abs(t.cash_after - (t.cash_before + sells - buys - costs))).toBeLessThanOrEqual(
          tol,
        );
        expect(t.cash_after).toBeGreaterThanOrEqual(0);
        expect(t.turnover).toBeLessThanOrEqual(payload.turnover_limit + 1e-12);
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it("never outputs NaN or Infinity, and always matches the response schema", () => {
    fc.assert(
      fc.property(
        fc.oneof(payloadArb({ zeroMean: false }), payloadArb({ zeroMean: true })),
        (payload) => {
          const out = run(payload);
          assertAllFinite(out);
          expect(StatelessRebalanceResponseSchema.safeParse(out).success).toBe(true);
          const invested = out.assets.reduce((s, a) => s + a.optimized_weight, 0);
          const stated = out.assets.reduce((s, a) => s + a.target_weight, 0);
          expect(Math.abs(invested - stated)).toBeLessThanOrEqual(1e-9);
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });

  it("is deterministic: the same request and context give byte-identical JSON", () => {
    fc.assert(
      fc.property(payloadArb({ zeroMean: false }), (payload) => {
        const a = JSON.stringify(run(payload));
        const b = JSON.stringify(run(structuredClone(payload)));
        expect(a).toBe(b);
      }),
      { numRuns: 50, seed: 5 },
    );
  });

  it("hashes the request independently of key order and of explicit defaults", () => {
    const reordered = {
      assets: SEED.assets,
      transaction_cost_bps: 10,
      turnover_limit: 0.2,
      drift_threshold: 0.02,
      portfolio_value: 100000,
      periods_per_year: 252,
    };
    expect(run(reordered).metadata.request_hash).toBe(run(SEED).metadata.request_hash);
    expect(run({ ...SEED, drift_threshold: 0.03 }).metadata.request_hash).not.toBe(
      run(SEED).metadata.request_hash,
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Validation

describe("StatelessRebalanceRequestSchema", () => {
  const seedAsset = SEED.assets[0] as (typeof SEED.assets)[number];
  const two = {
    ...SEED,
    assets: [seedAsset, { ...seedAsset, asset: "BND", target_weight: 0.3, current_weight: 0.3 }],
  };

  it("accepts the seed payload and applies the documented defaults", () => {
    const parsed = StatelessRebalanceRequestSchema.parse(SEED);
    expect(parsed.periods_per_year).toBe(252);
    expect(parsed.risk_aversion).toBe(2.5);
    expect(parsed.assets[0]?.asset_class).toBe("equity");
    expect(parsed.assets[0]?.lot_size).toBeUndefined();
  });

  it.each([
    [
      "a bad price",
      { ...two, assets: [seedAsset, { ...two.assets[1], price: -1 }] },
      "assets[1].price",
    ],
    [
      "a zero price",
      { ...two, assets: [seedAsset, { ...two.assets[1], price: 0 }] },
      "assets[1].price",
    ],
    [
      "an unknown asset field",
      { ...SEED, assets: [{ ...seedAsset, status: "approved" }] },
      "assets[0].status",
    ],
    ["an unknown top-level field", { ...SEED, approvedBy: "sam" }, "approvedBy"],
    ["a missing field", { ...SEED, portfolio_value: undefined }, "portfolio_value"],
    ["a non-positive portfolio value", { ...SEED, portfolio_value: 0 }, "portfolio_value"],
    ["a drift threshold above 1", { ...SEED, drift_threshold: 1.5 }, "drift_threshold"],
    ["a negative turnover limit", { ...SEED, turnover_limit: -0.1 }, "turnover_limit"],
    ["a cost above 1000 bps", { ...SEED, transaction_cost_bps: 1001 }, "transaction_cost_bps"],
    ["an infinite number", { ...SEED, turnover_limit: Infinity }, "turnover_limit"],
    ["a string for a number", { ...SEED, portfolio_value: "100000" }, "portfolio_value"],
    ["no assets", { ...SEED, assets: [] }, "assets"],
    [
      "a duplicate symbol",
      { ...two, assets: [seedAsset, { ...two.assets[1], asset: "ETF" }] },
      "assets[1].asset",
    ],
    [
      "an invalid symbol",
      { ...SEED, assets: [{ ...seedAsset, asset: "E T F" }] },
      "assets[0].asset",
    ],
    [
      "a weight above 1",
      { ...SEED, assets: [{ ...seedAsset, current_weight: 1.2 }] },
      "assets[0].current_weight",
    ],
    [
      "a negative target",
      { ...SEED, assets: [{ ...seedAsset, target_weight: -0.1 }] },
      "assets[0].target_weight",
    ],
    [
      "targets summing above 1",
      {
        ...two,
        assets: [
          { ...seedAsset, target_weight: 0.8 },
          { ...two.assets[1], target_weight: 0.3 },
        ],
      },
      "assets",
    ],
    [
      "current weights summing above 1",
      {
        ...two,
        assets: [
          { ...seedAsset, current_weight: 0.8 },
          { ...two.assets[1], current_weight: 0.3 },
        ],
      },
      "assets",
    ],
    [
      "a one-return history",
      { ...SEED, assets: [{ ...seedAsset, historical_returns: [0.01] }] },
      "assets[0].historical_returns",
    ],
    [
      "a return of −100%",
      { ...SEED, assets: [{ ...seedAsset, historical_returns: [0.01, 0.02, -1] }] },
      "assets[0].historical_returns[2]",
    ],
    [
      "an unknown asset class",
      { ...SEED, assets: [{ ...seedAsset, asset_class: "stock" }] },
      "assets[0].asset_class",
    ],
    ["a zero lot size", { ...SEED, assets: [{ ...seedAsset, lot_size: 0 }] }, "assets[0].lot_size"],
    ["zero periods per year", { ...SEED, periods_per_year: 0 }, "periods_per_year"],
    ["a non-positive risk aversion", { ...SEED, risk_aversion: 0 }, "risk_aversion"],
    ["a body that is not an object", [SEED], "body"],
  ])("names the field at fault for %s", (_, input, path) => {
    expect(pathOf(input)).toBe(path);
  });

  it("accepts weights summing to 1 + 1e-10 (float noise) and histories of different lengths", () => {
    const ok = StatelessRebalanceRequestSchema.safeParse({
      ...two,
      assets: [
        { ...seedAsset, target_weight: 0.7 + 1e-10, historical_returns: [0.01, 0.02, 0.03] },
        { ...two.assets[1], target_weight: 0.3 },
      ],
    });
    expect(ok.success).toBe(true);
  });
});
