import { describe, expect, it } from "vitest";
import { choleskyFlat } from "./cholesky.js";
import {
  applyScenario,
  getScenario,
  SCENARIOS,
  stressedParameters,
  type Scenario,
  type ScenarioPortfolio,
} from "./scenarios.js";

const book: ScenarioPortfolio = {
  symbols: ["AAPL", "TLT", "BTC", "USD", "SPY", "GLD"],
  weights: [0.4, 0.2, 0.1, 0.1, 0.15, 0.05],
  assetClasses: ["equity", "bond", "crypto", "cash", "etf", "commodity"],
  value: 200_000,
};

const field = (f: string): unknown => expect.objectContaining({ field: f });

describe("applyScenario", () => {
  it("computes the doc example: rate-shock on a 100,000 book loses 7,400", () => {
    // AAPL 50,000 × −10% = −5,000; TLT 30,000 × −8% = −2,400; BTC and cash untouched.
    const r = applyScenario(
      {
        symbols: ["AAPL", "TLT", "BTC", "USD"],
        weights: [0.5, 0.3, 0.1, 0.1],
        assetClasses: ["equity", "bond", "crypto", "cash"],
        value: 100_000,
      },
      getScenario("rate-shock"),
    );
    expect(r.positions.map((p) => p.pnl)).toEqual([
      expect.closeTo(-5000, 9),
      expect.closeTo(-2400, 9),
      0,
      0,
    ]);
    expect(r.totalPnl).toBeCloseTo(-7400, 9);
    expect(r.totalReturn).toBeCloseTo(-0.074, 15);
    expect(r.stressedValue).toBeCloseTo(92_600, 9);
  });

  it("shocks each class of a mixed book under stagflation (hand-worked)", () => {
    // 200,000: AAPL 80,000 × −15% = −12,000; SPY (etf, equity-like) 30,000 × −15% = −4,500;
    // GLD (commodity) 10,000 × +20% = +2,000; TLT, BTC, cash 0. Total −14,500 = −7.25%.
    const r = applyScenario(book, getScenario("stagflation"));
    const bySymbol = Object.fromEntries(r.positions.map((p) => [p.symbol, p]));
    expect(bySymbol.AAPL?.pnl).toBeCloseTo(-12_000, 9);
    expect(bySymbol.SPY?.pnl).toBeCloseTo(-4_500, 9);
    expect(bySymbol.GLD?.pnl).toBeCloseTo(2_000, 9);
    expect(bySymbol.TLT?.shockSource).toBe("none");
    expect(bySymbol.GLD?.shockSource).toBe("assetClass");
    expect(r.totalPnl).toBeCloseTo(-14_500, 9);
    expect(r.totalReturn).toBeCloseTo(-0.0725, 15);
  });

  it("lets a symbol's own shock override its class's", () => {
    // crypto-crash with BTC overridden to −80%: 20,000 × −0.8 = −16,000.
    const custom: Scenario = {
      ...getScenario("crypto-crash"),
      shocks: { byAssetClass: { crypto: -0.6 }, bySymbol: { BTC: -0.8 } },
    };
    const r = applyScenario(book, custom);
    const btc = r.positions.find((p) => p.symbol === "BTC");
    expect(btc?.shock).toBe(-0.8);
    expect(btc?.shockSource).toBe("symbol");
    expect(r.totalPnl).toBeCloseTo(-16_000, 9);
  });

  it("moves no price for volatility-only scenarios", () => {
    expect(applyScenario(book, getScenario("volatility-x2")).totalPnl).toBe(0);
    expect(applyScenario(book, getScenario("correlation-crisis")).stressedValue).toBe(200_000);
  });

  it("rejects a malformed portfolio, naming the field", () => {
    const s = getScenario("equity-crash-20");
    expect(() => applyScenario({ ...book, weights: [0.5, 0.5] }, s)).toThrow(
      field("portfolio.weights"),
    );
    expect(() => applyScenario({ ...book, weights: [0.4, 0.2, 0.1, 0.1, 0.15, 0.1] }, s)).toThrow(
      field("portfolio.weights"),
    );
    expect(() =>
      applyScenario({ ...book, symbols: ["AAPL", "TLT", "BTC", "USD", "SPY", "AAPL"] }, s),
    ).toThrow(field("portfolio.symbols[5]"));
    expect(() =>
      applyScenario(
        {
          ...book,
          assetClasses: [
            "equity",
            "bond",
            "crypto",
            "cash",
            "etf",
            "gold",
          ] as unknown as ScenarioPortfolio["assetClasses"],
        },
        s,
      ),
    ).toThrow(field("portfolio.assetClasses[5]"));
    expect(() => applyScenario({ ...book, value: 0 }, s)).toThrow(field("portfolio.value"));
  });

  it("rejects shocks below −100%, unknown classes and symbols outside the portfolio", () => {
    const base = getScenario("equity-crash-20");
    expect(() =>
      applyScenario(book, { ...base, shocks: { byAssetClass: { equity: -1.2 } } }),
    ).toThrow(field("scenario.shocks.byAssetClass.equity"));
    expect(() =>
      applyScenario(book, {
        ...base,
        shocks: { byAssetClass: { stocks: -0.1 } as unknown as Scenario["shocks"]["byAssetClass"] },
      }),
    ).toThrow(field("scenario.shocks.byAssetClass.stocks"));
    expect(() => applyScenario(book, { ...base, shocks: { bySymbol: { MSFT: -0.1 } } })).toThrow(
      field("scenario.shocks.bySymbol.MSFT"),
    );
  });
});

describe("stressedParameters", () => {
  const cov = [
    [0.04, 0.006],
    [0.006, 0.09],
  ];

  it("multiplies Σ by k² for a volatility multiplier k (volatility-x2 → × 4)", () => {
    expect(stressedParameters(cov, getScenario("volatility-x2"))).toEqual([
      [expect.closeTo(0.16, 15), expect.closeTo(0.024, 15)],
      [expect.closeTo(0.024, 15), expect.closeTo(0.36, 15)],
    ]);
  });

  it("computes the doc example: k = 2, c = 0.5 gives 0.132 off the diagonal (ρ 0.1 → 0.55)", () => {
    // Σ'₁₂ = 4 · (0.5 · 0.006 + 0.5 · 0.2 · 0.3) = 4 · 0.033 = 0.132; ρ' = 0.132 / (0.4 · 0.6) = 0.55.
    const s = stressedParameters(cov, {
      name: "x",
      description: "",
      shocks: {},
      volatilityMultiplier: 2,
      correlationToOne: 0.5,
    });
    expect(s[0]?.[0]).toBeCloseTo(0.16, 15);
    expect(s[1]?.[1]).toBeCloseTo(0.36, 15);
    expect(s[0]?.[1]).toBeCloseTo(0.132, 15);
    expect(s[1]?.[0]).toBeCloseTo(0.132, 15);
    expect((s[0]?.[1] as number) / Math.sqrt(0.16 * 0.36)).toBeCloseTo(0.55, 14);
  });

  it("leaves Σ unchanged for a price-only scenario and keeps a zero-variance asset uncorrelated", () => {
    const withCash = [
      [0.04, 0.006, 0],
      [0.006, 0.09, 0],
      [0, 0, 0],
    ];
    expect(stressedParameters(withCash, getScenario("equity-crash-20"))).toEqual(withCash);
    const crisis = stressedParameters(withCash, getScenario("correlation-crisis"));
    expect(crisis[2]).toEqual([0, 0, 0]);
    // k = 1.5, c = 0.5: Σ'₁₂ = 2.25 · (0.003 + 0.03) = 0.07425.
    expect(crisis[0]?.[1]).toBeCloseTo(0.07425, 15);
  });

  it("keeps a PSD matrix PSD when correlations are pushed all the way to 1", () => {
    const s = stressedParameters(
      [
        [0.04, -0.012, 0.002],
        [-0.012, 0.09, 0.01],
        [0.002, 0.01, 0.0225],
      ],
      { name: "ones", description: "", shocks: {}, correlationToOne: 1 },
    );
    // With c = 1 the matrix is σσᵀ (rank 1): the factorisation succeeds with zero pivots.
    expect(() => choleskyFlat(s, "covariance")).not.toThrow();
    expect(s[0]?.[1]).toBeCloseTo(0.2 * 0.3, 15);
  });

  it("rejects bad multipliers, blends and variances, naming the field", () => {
    const base = getScenario("volatility-x2");
    expect(() => stressedParameters(cov, { ...base, volatilityMultiplier: 0 })).toThrow(
      field("scenario.volatilityMultiplier"),
    );
    expect(() => stressedParameters(cov, { ...base, correlationToOne: 1.5 })).toThrow(
      field("scenario.correlationToOne"),
    );
    expect(() =>
      stressedParameters(
        [
          [-0.01, 0],
          [0, 0.04],
        ],
        base,
      ),
    ).toThrow(field("covariance[0][0]"));
    expect(() => stressedParameters([[0.04, 0]], base)).toThrow(field("covariance[0]"));
  });
});

describe("scenario library", () => {
  it("has the named scenarios with the documented shocks", () => {
    expect(getScenario("equity-crash-20").shocks.byAssetClass?.equity).toBe(-0.2);
    expect(getScenario("volatility-x2").volatilityMultiplier).toBe(2);
    expect(getScenario("crypto-crash").shocks.byAssetClass?.crypto).toBe(-0.6);
    expect(getScenario("rate-shock").shocks.byAssetClass).toMatchObject({
      bond: -0.08,
      equity: -0.1,
    });
    expect(getScenario("stagflation").shocks.byAssetClass).toMatchObject({
      equity: -0.15,
      commodity: 0.2,
    });
    for (const [name, s] of Object.entries(SCENARIOS)) expect(s.name).toBe(name);
  });

  it("throws for an unknown name, listing the known ones", () => {
    expect(() => getScenario("meteor")).toThrow(field("scenario"));
    expect(() => getScenario("toString")).toThrow(/equity-crash-20/);
  });
});
