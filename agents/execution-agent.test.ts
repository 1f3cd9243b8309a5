import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PortfolioSchema,
  ProposalSchema,
  idempotencyKey,
  proposalHash,
  type Portfolio,
} from "../governance/index.js";
import { createProvider, type Instrument } from "../market/index.js";
import {
  ExecutionOutputSchema,
  proposeOrdersTool,
  runExecution,
  type ExecutionInput,
} from "./execution-agent.js";

const AS_OF = "2018-04-11";
const readExample = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../examples/portfolios/${name}`, import.meta.url), "utf8"));
const balanced: Portfolio = PortfolioSchema.parse(readExample("balanced.json"));

let latestPrices: Record<string, { price: number; date: string }>;
let instruments: Record<string, Instrument>;

beforeAll(async () => {
  const provider = await createProvider({ kind: "sample" }, { cwd: "." });
  const symbols = balanced.holdings.map((h) => h.symbol);
  const bars = await provider.bars({ symbols, asOf: AS_OF, from: "2018-03-01" });
  latestPrices = {};
  for (const s of symbols) {
    const series = bars.series[s] ?? [];
    const last = series[series.length - 1];
    if (last === undefined) throw new Error(`no price for ${s}`);
    latestPrices[s] = { price: last.close, date: last.date };
  }
  instruments = { ...(await provider.instruments(symbols)) };
});

function input(extra: Partial<ExecutionInput> = {}): ExecutionInput {
  return {
    portfolio: balanced,
    targetWeights: balanced.mandate.targetWeights ?? {},
    latestPrices,
    instruments,
    fx: { USD: 1 },
    asOf: AS_OF,
    policyVersion: "policy-v1",
    ...extra,
  };
}

describe("the example portfolios", () => {
  it("both validate with PortfolioSchema", () => {
    expect(PortfolioSchema.safeParse(readExample("balanced.json")).success).toBe(true);
    expect(PortfolioSchema.safeParse(readExample("multi-asset.json")).success).toBe(true);
  });

  it("balanced.json holds sample-data equities with targets summing to 0.98 and 2% cash", () => {
    const t = balanced.mandate.targetWeights ?? {};
    expect(Object.values(t).reduce((a, b) => a + b, 0)).toBeCloseTo(0.98, 12);
    expect(balanced.mandate.cashTarget).toBe(0.02);
    expect(balanced.mandate.benchmark).toBe("SPY");
    expect(balanced.id).toBe("balanced");
  });

  it("multi-asset.json spans every asset class the simulated market offers", async () => {
    const p = PortfolioSchema.parse(readExample("multi-asset.json"));
    const provider = await createProvider({ kind: "simulated" }, { cwd: "." });
    const inst = await provider.instruments(p.holdings.map((h) => h.symbol));
    const classes = new Set(Object.values(inst).map((i) => i.assetClass));
    for (const c of ["equity", "etf", "mutual_fund", "commodity", "fx", "crypto", "cash", "bond"]) {
      expect(classes.has(c as Instrument["assetClass"])).toBe(true);
    }
    expect(p.id).toBe("multi-asset");
    expect(p.mandate.assetClassBounds).toBeDefined();
  });
});

describe("runExecution on balanced.json at the sample prices", () => {
  // Naive reference, by hand: value = quantity · price, NAV = Σ value + cash.
  const naive = () => {
    const value = Object.fromEntries(
      balanced.holdings.map((h) => [h.symbol, h.quantity * (latestPrices[h.symbol]?.price ?? NaN)]),
    );
    const nav = Object.values(value).reduce((a, b) => a + b, 0) + balanced.cash;
    return { value, nav };
  };

  it("orders exactly the assets whose drift exceeds the 2% threshold", () => {
    const out = runExecution(input());
    const { value, nav } = naive();
    const t = balanced.mandate.targetWeights ?? {};
    const expected = Object.keys(value)
      .filter((s) => Math.abs((value[s] as number) / nav - (t[s] as number)) > 0.02)
      .sort();
    expect(out.proposal.orders.map((o) => o.symbol)).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(4);
  });

  it("sizes each order as whole shares toward the target, rounded toward zero", () => {
    const out = runExecution(input());
    const { nav } = naive();
    const t = balanced.mandate.targetWeights ?? {};
    for (const o of out.proposal.orders) {
      const price = latestPrices[o.symbol]?.price as number;
      const held = balanced.holdings.find((h) => h.symbol === o.symbol)?.quantity as number;
      const desired = ((t[o.symbol] as number) * nav) / price - held;
      expect(o.side).toBe(desired > 0 ? "BUY" : "SELL");
      expect(o.quantity).toBe(Math.trunc(Math.abs(desired)));
      expect(o.notional).toBeCloseTo(o.quantity * price, 9);
      expect(o.cost).toBeCloseTo(o.notional * 0.001, 9); // 10 bps
      expect(o.priceDate).toBe(AS_OF);
    }
  });

  it("keeps turnover within the mandate's limit and reports it as Σ|notional| / NAV", () => {
    const out = runExecution(input());
    const { nav } = naive();
    const gross = out.proposal.orders.reduce((a, o) => a + o.notional, 0);
    expect(out.proposal.turnover).toBeCloseTo(gross / nav, 12);
    expect(out.proposal.turnover).toBeLessThanOrEqual(balanced.mandate.turnoverLimit);
    expect(out.proposal.totalCost).toBeCloseTo(gross * 0.001, 9);
  });

  it("builds a valid proposal: orders sorted by symbol, each with its idempotency key", () => {
    const out = runExecution(input());
    expect(ExecutionOutputSchema.parse(out)).toEqual(out);
    expect(ProposalSchema.parse(out.proposal)).toEqual(out.proposal);
    const symbols = out.proposal.orders.map((o) => o.symbol);
    expect(symbols).toEqual([...symbols].sort());
    for (const o of out.proposal.orders) {
      expect(o.idempotencyKey).toBe(
        idempotencyKey({
          portfolioId: "balanced",
          asOf: AS_OF,
          symbol: o.symbol,
          side: o.side,
          quantity: o.quantity,
          price: o.price,
        }),
      );
    }
    expect(out.proposal.policyVersion).toBe("policy-v1");
    expect(Object.keys(out.proposal.postTradeWeights)).toEqual(
      [...balanced.holdings.map((h) => h.symbol), "CASH"].sort(),
    );
  });

  it("hashes the proposal stably, and any change to an order changes the hash", () => {
    const a = runExecution(input());
    const b = runExecution(input());
    expect(a.proposalHash).toBe(b.proposalHash);
    expect(a.proposalHash).toBe(proposalHash(structuredClone(a.proposal)));
    const first = a.proposal.orders[0];
    if (first === undefined) throw new Error("expected orders");
    const changed = {
      ...a.proposal,
      orders: [{ ...first, quantity: first.quantity + 1 }, ...a.proposal.orders.slice(1)],
    };
    expect(proposalHash(changed)).not.toBe(a.proposalHash);
  });

  it("gives byte-identical JSON for the same input, whatever the holdings' order", () => {
    const reversed = { ...balanced, holdings: [...balanced.holdings].reverse() };
    expect(JSON.stringify(runExecution(input({ portfolio: reversed })))).toBe(
      JSON.stringify(runExecution(input())),
    );
  });

  it("proposes no orders, and still hashes the empty proposal, when every asset is on target", () => {
    const { value, nav } = naive();
    const current = Object.fromEntries(Object.entries(value).map(([s, v]) => [s, v / nav]));
    const out = runExecution(input({ targetWeights: current }));
    expect(out.proposal.orders).toEqual([]);
    expect(out.proposal.turnover).toBe(0);
    expect(out.proposalHash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.rows.every((r) => r.action === "HOLD" && r.reason === "WITHIN_BAND")).toBe(true);
  });

  it("sells a holding that has no target", () => {
    const t = { ...(balanced.mandate.targetWeights ?? {}) };
    delete t.PFE; // PFE is 6% of NAV: with no target it drifts out of the 2% band and is sold.
    const out = runExecution(input({ targetWeights: t }));
    const pfe = out.proposal.orders.find((o) => o.symbol === "PFE");
    expect(pfe?.side).toBe("SELL");
    expect(pfe?.quantity).toBe(balanced.holdings.find((h) => h.symbol === "PFE")?.quantity);
    expect(out.notes[0]).toMatch(/PFE/);
  });

  it("fails closed on a missing reference price or instrument", () => {
    const prices = { ...latestPrices };
    delete prices.AAPL;
    expect(() => runExecution(input({ latestPrices: prices }))).toThrow(/latestPrices\.AAPL/);
    const inst = { ...instruments };
    delete inst.XOM;
    expect(() => runExecution(input({ instruments: inst }))).toThrow(/instruments\.XOM/);
  });

  it("applies the cost model's per-class override", () => {
    const portfolio = PortfolioSchema.parse({
      ...balanced,
      mandate: { ...balanced.mandate, costModel: { defaultBps: 10, byAssetClass: { equity: 25 } } },
    });
    const out = runExecution(input({ portfolio }));
    // Equities pay the 25 bps override; SPY (an ETF) keeps the 10 bps default.
    for (const o of out.proposal.orders) {
      expect(o.cost).toBeCloseTo(o.notional * (o.assetClass === "equity" ? 0.0025 : 0.001), 9);
    }
    expect(out.proposal.orders.some((o) => o.assetClass === "etf")).toBe(true);
  });
});

describe("runExecution on the multi-asset example (simulated market, FX)", () => {
  it("converts foreign-currency notionals at the FX rate and uses whole FX lots", async () => {
    const p = PortfolioSchema.parse(readExample("multi-asset.json"));
    const asOf = "2024-12-31";
    const provider = await createProvider({ kind: "simulated" }, { cwd: "." });
    const symbols = p.holdings.map((h) => h.symbol);
    const bars = await provider.bars({ symbols, asOf, from: "2024-12-01" });
    const prices: Record<string, { price: number; date: string }> = {};
    for (const s of symbols) {
      const last = (bars.series[s] ?? []).at(-1);
      if (last === undefined) throw new Error(`no price for ${s}`);
      prices[s] = { price: last.close, date: last.date };
    }
    const inst = { ...(await provider.instruments(symbols)) };
    const fxBars = await provider.fx({ base: "USD", currencies: ["EUR"], asOf });
    const eur = fxBars.rates.EUR?.at(-1)?.close as number;
    // Sell all of the EUR stock and 2.5% of NAV of the EURUSD position (whole lots of 1000).
    const targets: Record<string, number> = {};
    let nav = p.cash;
    for (const h of p.holdings)
      nav +=
        h.quantity *
        (prices[h.symbol]?.price as number) *
        (inst[h.symbol]?.currency === "EUR" ? eur : 1);
    for (const h of p.holdings) {
      const v =
        h.quantity *
        (prices[h.symbol]?.price as number) *
        (inst[h.symbol]?.currency === "EUR" ? eur : 1);
      targets[h.symbol] =
        h.symbol === "SIMEQ-EUAUTO" ? 0 : h.symbol === "SIMFX-EURUSD" ? v / nav - 0.025 : v / nav;
    }
    const out = runExecution({
      portfolio: p,
      targetWeights: targets,
      latestPrices: prices,
      instruments: inst,
      fx: { EUR: eur },
      asOf,
      policyVersion: "v1",
    });
    const auto = out.proposal.orders.find((o) => o.symbol === "SIMEQ-EUAUTO");
    expect(auto).toMatchObject({ side: "SELL", quantity: 1042, currency: "EUR" });
    expect(auto?.notional).toBeCloseTo(1042 * (prices["SIMEQ-EUAUTO"]?.price as number) * eur, 6);
    const fx = out.proposal.orders.find((o) => o.symbol === "SIMFX-EURUSD");
    const fxPrice = prices["SIMFX-EURUSD"]?.price as number;
    const lots = Math.trunc((0.025 * nav) / fxPrice / 1000);
    expect(lots).toBeGreaterThan(0);
    expect(fx).toMatchObject({ side: "SELL", quantity: lots * 1000, lotSize: 1000 });
    expect(out.proposal.orders).toHaveLength(2);
  });
});

describe("proposeOrdersTool", () => {
  it("returns the same JSON as runExecution", async () => {
    const i = input();
    expect(JSON.parse(String(await proposeOrdersTool.invoke(i)))).toEqual(
      JSON.parse(JSON.stringify(runExecution(i))),
    );
  });
});
