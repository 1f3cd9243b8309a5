import { readFileSync } from "node:fs";
import { Matrix, inverse } from "ml-matrix";
import { describe, expect, it } from "vitest";
import {
  blackLitterman,
  blackLittermanPosterior,
  blackLittermanUnconstrainedWeights,
  blackLittermanWeights,
  marketImpliedPriorReturns,
  marketImpliedRiskAversion,
  type BlackLittermanView,
} from "./black-litterman.js";
import { sampleCovarianceMatrix } from "./covariance.js";
import { ToolError } from "./errors.js";
import { parsePriceCsv } from "./price-table.js";
import { returnMatrix } from "./return-matrix.js";

const table = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
);
const spy = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/spy.csv", import.meta.url), "utf8"),
);
const symbols = table.symbols;
/** PyPortfolioOpt's `risk_models.sample_cov(df)`: pandas pairwise `cov()` × 252. */
const S = sampleCovarianceMatrix(returnMatrix(table), 252);
const spyPrices = (spy.columns[0] ?? []).filter((p): p is number => p !== null);

/** PyPortfolioOpt tests/utilities_for_tests.py `get_market_caps()`. */
const MCAPS: Record<string, number> = {
  GOOG: 927e9,
  AAPL: 1.19e12,
  FB: 574e9,
  BABA: 533e9,
  AMZN: 867e9,
  GE: 96e9,
  AMD: 43e9,
  WMT: 339e9,
  BAC: 301e9,
  GM: 51e9,
  T: 61e9,
  UAA: 78e9,
  SHLD: 0,
  XOM: 295e9,
  RRC: 1e9,
  BBY: 22e9,
  MA: 288e9,
  PFE: 212e9,
  JPM: 422e9,
  SBUX: 102e9,
};

const abs = (asset: string, ret: number, confidence?: number): BlackLittermanView =>
  confidence === undefined
    ? { type: "absolute", asset, return: ret }
    : { type: "absolute", asset, return: ret, confidence };

const FIVE_VIEWS = [
  abs("AAPL", 0.2),
  abs("BBY", -0.3),
  abs("BAC", 0),
  abs("SBUX", -0.2),
  abs("T", 0.131321),
];
const FOUR_VIEWS = [abs("GOOG", 0.4), abs("AAPL", -0.3), abs("FB", 0.3), abs("BABA", 0)];

/** PyPortfolioOpt `base_optimizer.portfolio_performance`: (wᵀμ, √(wᵀΣw), (wᵀμ − rf)/σ). */
function performance(
  w: readonly number[],
  mu: readonly number[],
  cov: readonly (readonly number[])[],
): number[] {
  let ret = 0;
  let variance = 0;
  w.forEach((wi, i) => {
    ret += wi * (mu[i] as number);
    w.forEach((wj, j) => (variance += wi * wj * ((cov[i] as number[])[j] as number)));
  });
  const vol = Math.sqrt(variance);
  return [ret, vol, (ret - 0.02) / vol];
}

function expectRel(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    expect(Math.abs(a - e)).toBeLessThanOrEqual(tol * Math.abs(e));
  });
}

describe("marketImpliedRiskAversion", () => {
  it("reproduces PyPortfolioOpt's test_market_risk_aversion on SPY: round(δ, 5) = 2.68549", () => {
    const delta = marketImpliedRiskAversion(spyPrices, { riskFreeRate: 0.02 });
    expect(Math.round(delta * 1e5) / 1e5).toBe(2.68549);
  });

  it("works a small case by hand", () => {
    // returns 0.1, −0.05, 0.1: mean 0.05, deviations (0.05, −0.1, 0.05) → var 0.015/2 = 0.0075
    expect(marketImpliedRiskAversion([100, 110, 104.5, 114.95], { periodsPerYear: 1 })).toBeCloseTo(
      0.05 / 0.0075,
      12,
    );
  });

  it("refuses a market with a non-positive excess return or too few prices", () => {
    expect(() => marketImpliedRiskAversion([100, 90, 81])).toThrow(/marketPrices/);
    expect(() => marketImpliedRiskAversion([100, 110])).toThrow(/at least 3/);
    expect(() => marketImpliedRiskAversion([100, 110, 120], { periodsPerYear: 0 })).toThrow(
      /periodsPerYear/,
    );
  });
});

describe("marketImpliedPriorReturns", () => {
  it("reproduces PyPortfolioOpt's test_market_implied_prior to 1e-6 relative", () => {
    const delta = marketImpliedRiskAversion(spyPrices, { riskFreeRate: 0.02 });
    const pi = marketImpliedPriorReturns(
      symbols.map((s) => MCAPS[s] as number),
      delta,
      S,
      0.02,
    );
    expectRel(
      pi,
      [
        0.14933293, 0.2168623, 0.11219185, 0.10362374, 0.28416295, 0.12196098, 0.19036819,
        0.08860159, 0.17724273, 0.08779627, 0.0791797, 0.16460474, 0.12854665, 0.08657863,
        0.11230036, 0.13875465, 0.15017163, 0.09066484, 0.1696369, 0.13270213,
      ],
      1e-6,
    );
  });

  it("works a two-asset case by hand", () => {
    // w = (0.25, 0.75); Σw = (0.01, 0.0675); δ = 2 → (0.02, 0.135)
    const pi = marketImpliedPriorReturns([1, 3], 2, [
      [0.04, 0],
      [0, 0.09],
    ]);
    expect(pi[0]).toBeCloseTo(0.02, 15);
    expect(pi[1]).toBeCloseTo(0.135, 15);
  });

  it("refuses negative caps and a non-positive δ", () => {
    expect(() =>
      marketImpliedPriorReturns([1, -1], 2, [
        [1, 0],
        [0, 1],
      ]),
    ).toThrow(/marketCaps\[1\]/);
    expect(() =>
      marketImpliedPriorReturns([1, 1], 0, [
        [1, 0],
        [0, 1],
      ]),
    ).toThrow(/riskAversion/);
  });
});

describe("blackLitterman on PyPortfolioOpt's fixture (tests/test_black_litterman.py)", () => {
  const delta = marketImpliedRiskAversion(spyPrices, { riskFreeRate: 0.02 });

  it("reproduces test_bl_market_prior's posterior performance", () => {
    const prior = marketImpliedPriorReturns(
      symbols.map((s) => MCAPS[s] as number),
      delta,
      S,
      0.02,
    );
    const bl = blackLitterman({ symbols, covariance: S, priorReturns: prior, views: FOUR_VIEWS });
    // The posterior lies between prior and view for each viewed asset.
    for (const v of FOUR_VIEWS) {
      const i = symbols.indexOf(v.type === "absolute" ? v.asset : "");
      const [lo, hi] = [prior[i] as number, v.return].sort((a, b) => a - b) as [number, number];
      expect(bl.posteriorReturns[i]).toBeGreaterThanOrEqual(lo);
      expect(bl.posteriorReturns[i]).toBeLessThanOrEqual(hi);
    }
    // bl.bl_weights(delta): w = (δΣ)⁻¹μ_BL / sum, with the prior Σ.
    const w = blackLittermanUnconstrainedWeights(bl, { riskAversion: delta, covariance: "prior" });
    expectRel(
      performance(w, bl.posteriorReturns, bl.posteriorCovariance),
      [0.2580693114409672, 0.265445955488424, 0.8968654692926723],
      1e-9,
    );
  });

  it("reproduces test_bl_weights (no prior) to the published 5 decimals", () => {
    const bl = blackLitterman({
      symbols,
      covariance: S,
      priorReturns: new Array<number>(symbols.length).fill(0),
      views: FIVE_VIEWS,
    });
    const w = blackLittermanUnconstrainedWeights(bl, { riskAversion: delta, covariance: "prior" });
    const published: Record<string, number> = {
      AAPL: 1.40675,
      BAC: 0.02651,
      T: 2.81117,
      BBY: -1.44667,
      SBUX: -1.79776,
    };
    symbols.forEach((s, i) => {
      expect(Math.abs((w[i] as number) - (published[s] ?? 0))).toBeLessThanOrEqual(0.000005);
    });
  });

  it("reproduces test_bl_equal_prior's performance", () => {
    const bl = blackLitterman({
      symbols,
      covariance: S,
      priorReturns: new Array<number>(symbols.length).fill(0.05),
      views: FIVE_VIEWS,
    });
    const w = blackLittermanUnconstrainedWeights(bl, { covariance: "prior" });
    expectRel(
      performance(w, bl.posteriorReturns, bl.posteriorCovariance),
      [0.1877432247395778, 0.3246889329226965, 0.5166274785827545],
      1e-9,
    );
  });

  it("reproduces test_idzorek_with_priors: 100% confidence holds exactly, performance matches", () => {
    const bl = blackLitterman({
      symbols,
      covariance: S,
      marketCaps: MCAPS,
      riskAversion: 1,
      views: [
        abs("GOOG", 0.4, 1),
        abs("AAPL", -0.3, 1),
        abs("FB", 0.3, 0.25),
        abs("BABA", 0, 0.25),
      ],
    });
    expect(bl.views.omega[0]).toBe(0);
    expect(bl.posteriorReturns[symbols.indexOf("AAPL")]).toBeCloseTo(-0.3, 12);
    expect(bl.posteriorReturns[symbols.indexOf("GOOG")]).toBeCloseTo(0.4, 12);
    const w = blackLittermanUnconstrainedWeights(bl, { covariance: "prior" });
    expectRel(
      performance(w, bl.posteriorReturns, bl.posteriorCovariance),
      [0.943431295405105, 0.5361412623208567, 1.722365653051476],
      1e-9,
    );
  });

  it("builds test_bl_relative_views' picking matrix from relative views", () => {
    const bl = blackLitterman({
      symbols,
      covariance: S,
      priorReturns: new Array<number>(symbols.length).fill(0),
      views: [
        abs("SBUX", -0.2),
        { type: "relative", long: "GOOG", short: "FB", return: 0.1 },
        { type: "relative", long: ["BAC", "JPM"], short: ["T", "GE"], return: 0.15 },
      ],
    });
    const z = new Array<number>(20).fill(0);
    const row = (entries: Record<number, number>): number[] => z.map((_, i) => entries[i] ?? 0);
    expect(bl.views.P).toEqual([
      row({ 19: 1 }),
      row({ 0: 1, 2: -1 }),
      row({ 5: -0.5, 8: 0.5, 10: -0.5, 18: 0.5 }),
    ]);
    const r = (s: string): number => bl.posteriorReturns[symbols.indexOf(s)] as number;
    expect(r("SBUX")).toBeLessThan(0);
    expect(r("GOOG")).toBeGreaterThan(r("FB"));
    expect(r("BAC")).toBeGreaterThan(r("T"));
    expect(r("JPM")).toBeGreaterThan(r("GE"));
  });

  it("equals the textbook formula with explicit inverses (a naive second implementation)", () => {
    // μ = [(τΣ)⁻¹ + PᵀΩ⁻¹P]⁻¹[(τΣ)⁻¹π + PᵀΩ⁻¹Q]; Σ_BL = Σ + [(τΣ)⁻¹ + PᵀΩ⁻¹P]⁻¹.
    const bl = blackLitterman({
      symbols,
      covariance: S,
      marketCaps: MCAPS,
      riskAversion: delta,
      views: [
        abs("GOOG", 0.4, 0.7),
        { type: "relative", long: ["BAC", "JPM"], short: "T", return: 0.05 },
        abs("XOM", 0.02),
      ],
    });
    const tauSigma = new Matrix(S).mul(0.05);
    const P = new Matrix(bl.views.P);
    const omegaInv = Matrix.diag(bl.views.omega.map((w) => 1 / w));
    const precision = inverse(tauSigma).add(P.transpose().mmul(omegaInv).mmul(P));
    const M = inverse(precision);
    const rhs = inverse(tauSigma)
      .mmul(Matrix.columnVector(bl.prior))
      .add(P.transpose().mmul(omegaInv).mmul(Matrix.columnVector(bl.views.Q)));
    const mu = M.mmul(rhs).to1DArray();
    expectRel(bl.posteriorReturns, mu, 1e-8);
    const post = new Matrix(S).add(M).to2DArray();
    bl.posteriorCovariance.forEach((row, i) => expectRel(row, post[i] as number[], 1e-8));
  });
});

describe("blackLitterman on He & Litterman (1999)", () => {
  // "The Intuition Behind Black-Litterman Model Portfolios", Goldman Sachs: 7 equity markets,
  // δ = 2.5, τ = 0.05, Ω = diag(τ PΣPᵀ). Published to 0.1%.
  const syms = ["AUS", "CAN", "FRA", "GER", "JPN", "UK", "USA"];
  const weq = [0.016, 0.022, 0.052, 0.055, 0.116, 0.124, 0.615];
  const sd = [0.16, 0.203, 0.248, 0.271, 0.21, 0.2, 0.187];
  const C = [
    [1.0, 0.488, 0.478, 0.515, 0.439, 0.512, 0.491],
    [0.488, 1.0, 0.664, 0.655, 0.31, 0.608, 0.779],
    [0.478, 0.664, 1.0, 0.861, 0.355, 0.783, 0.668],
    [0.515, 0.655, 0.861, 1.0, 0.354, 0.777, 0.653],
    [0.439, 0.31, 0.355, 0.354, 1.0, 0.405, 0.306],
    [0.512, 0.608, 0.783, 0.777, 0.405, 1.0, 0.652],
    [0.491, 0.779, 0.668, 0.653, 0.306, 0.652, 1.0],
  ];
  const V = C.map((row, i) => row.map((c, j) => c * (sd[i] as number) * (sd[j] as number)));
  const germany: BlackLittermanView = {
    type: "relative",
    long: "GER",
    short: ["FRA", "UK"],
    return: 0.05,
  };
  const canada: BlackLittermanView = { type: "relative", long: "CAN", short: "USA", return: 0.03 };
  const within = (actual: readonly number[], published: readonly number[]): void =>
    actual.forEach((a, i) =>
      expect(Math.abs(a - (published[i] as number))).toBeLessThanOrEqual(0.0005 + 1e-9),
    );

  it("reproduces the equilibrium returns of Table 2", () => {
    const bl = blackLitterman({
      symbols: syms,
      covariance: V,
      marketCaps: weq,
      riskAversion: 2.5,
      views: [],
    });
    within(bl.prior, [0.039, 0.069, 0.084, 0.09, 0.043, 0.068, 0.076]);
  });

  it("reproduces Table 4 (Germany beats cap-weighted France + UK by 5%)", () => {
    const bl = blackLitterman({
      symbols: syms,
      covariance: V,
      marketCaps: weq,
      riskAversion: 2.5,
      views: [germany],
      relativeWeighting: "market-cap",
    });
    within(bl.views.P[0] as number[], [0, 0, -0.295, 1, 0, -0.705, 0]);
    within(bl.posteriorReturns, [0.043, 0.076, 0.093, 0.11, 0.045, 0.07, 0.081]);
    // w* = (δ Σ_BL)⁻¹ μ_BL, not normalised.
    within(
      blackLittermanUnconstrainedWeights(bl, { normalise: false }),
      [0.015, 0.021, -0.04, 0.354, 0.11, -0.095, 0.586],
    );
  });

  it("reproduces Table 5 (adding Canada beats the USA by 3%)", () => {
    const bl = blackLitterman({
      symbols: syms,
      covariance: V,
      marketCaps: weq,
      riskAversion: 2.5,
      views: [germany, canada],
      relativeWeighting: "market-cap",
    });
    within(bl.posteriorReturns, [0.044, 0.087, 0.095, 0.112, 0.046, 0.07, 0.075]);
    within(
      blackLittermanUnconstrainedWeights(bl, { normalise: false }),
      [0.015, 0.419, -0.034, 0.336, 0.11, -0.082, 0.188],
    );
  });
});

describe("blackLitterman view confidences (PyPortfolioOpt test_idzorek_basic)", () => {
  const identity = Array.from({ length: 5 }, (_, i) =>
    Array.from({ length: 5 }, (__, j) => (i === j ? 1 : 0)),
  );
  const run = (confidence: number): number[] =>
    blackLitterman({
      symbols: ["A", "B", "C", "D", "E"],
      covariance: identity,
      priorReturns: [0.1, 0.1, 0.1, 0.1, 0.1],
      views: ["A", "B", "C", "D", "E"].map((a) => abs(a, 0.3, confidence)),
    }).posteriorReturns;

  it("moves the posterior linearly from prior to view as confidence goes 0 → 1", () => {
    // ω = τ(1 − c)/c → μ = π + τ/(τ + ω)(Q − π) = 0.1 + 0.2c.
    for (const c of [0, 0.2, 0.4, 0.5, 0.6, 0.8, 1]) {
      run(c).forEach((m) => expect(m).toBeCloseTo(0.1 + 0.2 * c, 14));
    }
  });

  it("ignores a view held with 0 confidence and lists it", () => {
    const bl = blackLitterman({
      symbols: ["A", "B"],
      covariance: identity.slice(0, 2).map((r) => r.slice(0, 2)),
      priorReturns: [0.1, 0.1],
      views: [abs("A", 0.3, 0), abs("B", 0.3)],
    });
    expect(bl.views.ignored).toEqual([0]);
    expect(bl.views.index).toEqual([1]);
    expect(bl.posteriorReturns[0]).toBe(0.1);
  });
});

describe("blackLitterman small cases", () => {
  it("works one asset by hand", () => {
    // Ω = τΣ = 0.002; μ = 0.05 + 0.002/0.004 · 0.05 = 0.075; M = 0.002 − 0.002²/0.004 = 0.001
    const bl = blackLitterman({
      symbols: ["A"],
      covariance: [[0.04]],
      priorReturns: [0.05],
      views: [abs("A", 0.1)],
    });
    expect(bl.posteriorReturns[0]).toBeCloseTo(0.075, 15);
    expect(bl.posteriorCovariance[0]?.[0]).toBeCloseTo(0.041, 15);
    expect(bl.tau).toBe(0.05);
  });

  it("computes the posterior from explicit matrices", () => {
    // A = 0.5 + 0.5 = 1; μ₀ = 0.5 · 0.3 = 0.15; Σ_BL₀₀ = 1 + 0.5 − 0.25 = 1.25
    const post = blackLittermanPosterior(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 0],
      [[1, 0]],
      [0.3],
      [0.5],
      0.5,
    );
    expect(post.returns[0]).toBeCloseTo(0.15, 15);
    expect(post.returns[1]).toBe(0);
    expect(post.covariance[0]?.[0]).toBeCloseTo(1.25, 15);
    expect(post.covariance[1]?.[1]).toBeCloseTo(1.5, 15);
  });

  it("normalises the unconstrained weights: Σ_BL = diag(0.05, 0.1), μ = 0.05 → (2/3, 1/3)", () => {
    const bl = blackLitterman({
      symbols: ["A", "B"],
      covariance: [
        [0.04, 0],
        [0, 0.08],
      ],
      priorReturns: [0.05, 0.05],
      views: [],
      tau: 0.25,
    });
    const w = blackLittermanUnconstrainedWeights(bl);
    expect(w[0]).toBeCloseTo(2 / 3, 15);
    expect(w[1]).toBeCloseTo(1 / 3, 15);
  });
});

describe("blackLittermanWeights", () => {
  it("takes the long-only max-Sharpe portfolio of the posterior", () => {
    // No views: μ = (0.1, 0.05), Σ_BL = 1.05·diag(0.04, 0.01) → y ∝ (2.5, 5) → (1/3, 2/3).
    const bl = blackLitterman({
      symbols: ["A", "B"],
      covariance: [
        [0.04, 0],
        [0, 0.01],
      ],
      priorReturns: [0.1, 0.05],
      views: [],
    });
    const p = blackLittermanWeights(bl);
    expect(p.weights[0]).toBeCloseTo(1 / 3, 12);
    expect(p.weights[1]).toBeCloseTo(2 / 3, 12);
    expect(p.objective).toBe("max-sharpe");
  });

  it("equals the normalised closed form (He & Litterman Table 4) when bounds do not bind", () => {
    // Tangency portfolio at rf = 0: Σ_BL⁻¹μ_BL / 1ᵀΣ_BL⁻¹μ_BL (computed by Cholesky, not a QP).
    const sd = [0.16, 0.203, 0.248, 0.271, 0.21, 0.2, 0.187];
    const C = [
      [1.0, 0.488, 0.478, 0.515, 0.439, 0.512, 0.491],
      [0.488, 1.0, 0.664, 0.655, 0.31, 0.608, 0.779],
      [0.478, 0.664, 1.0, 0.861, 0.355, 0.783, 0.668],
      [0.515, 0.655, 0.861, 1.0, 0.354, 0.777, 0.653],
      [0.439, 0.31, 0.355, 0.354, 1.0, 0.405, 0.306],
      [0.512, 0.608, 0.783, 0.777, 0.405, 1.0, 0.652],
      [0.491, 0.779, 0.668, 0.653, 0.306, 0.652, 1.0],
    ];
    const bl = blackLitterman({
      symbols: ["AUS", "CAN", "FRA", "GER", "JPN", "UK", "USA"],
      covariance: C.map((row, i) => row.map((c, j) => c * (sd[i] as number) * (sd[j] as number))),
      marketCaps: [0.016, 0.022, 0.052, 0.055, 0.116, 0.124, 0.615],
      riskAversion: 2.5,
      views: [{ type: "relative", long: "GER", short: ["FRA", "UK"], return: 0.05 }],
      relativeWeighting: "market-cap",
    });
    const closed = blackLittermanUnconstrainedWeights(bl);
    const p = blackLittermanWeights(bl, { constraints: { bounds: { min: -2, max: 2 } } });
    p.weights.forEach((w, i) => expect(Math.abs(w - (closed[i] as number))).toBeLessThan(1e-8));
  });
});

describe("blackLitterman errors", () => {
  const base = {
    symbols: ["A", "B", "C"],
    covariance: [
      [0.04, 0.01, 0],
      [0.01, 0.09, 0],
      [0, 0, 0.01],
    ],
    priorReturns: [0.05, 0.06, 0.02],
  };
  const fieldOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ToolError);
      return (e as ToolError).field;
    }
    throw new Error("expected a ToolError");
  };

  it("names the view index and field of a malformed view", () => {
    expect(fieldOf(() => blackLitterman({ ...base, views: [abs("A", 0.1), abs("Z", 0.1)] }))).toBe(
      "views[1].asset",
    );
    expect(
      fieldOf(() =>
        blackLitterman({
          ...base,
          views: [{ type: "relative", long: ["A", "B"], short: "B", return: 0.1 }],
        }),
      ),
    ).toBe("views[0].short");
    expect(
      fieldOf(() =>
        blackLitterman({
          ...base,
          views: [{ type: "relative", long: [], short: "B", return: 0.1 }],
        }),
      ),
    ).toBe("views[0].long");
    expect(fieldOf(() => blackLitterman({ ...base, views: [abs("A", Number.NaN)] }))).toBe(
      "views[0].return",
    );
    expect(fieldOf(() => blackLitterman({ ...base, views: [abs("A", 0.1, 1.5)] }))).toBe(
      "views[0].confidence",
    );
    const bogus = JSON.parse(
      '[{"type": "sideways", "asset": "A", "return": 0.1}]',
    ) as BlackLittermanView[];
    expect(fieldOf(() => blackLitterman({ ...base, views: bogus }))).toBe("views[0].type");
  });

  it("refuses views that are redundant at 100% confidence instead of returning NaN", () => {
    // View 2 = view 0 − view 1 with Ω = 0: PτΣPᵀ + Ω is singular.
    const views: BlackLittermanView[] = [
      abs("A", 0.1, 1),
      abs("B", 0.05, 1),
      { type: "relative", long: "A", short: "B", return: 0.05, confidence: 1 },
    ];
    expect(fieldOf(() => blackLitterman({ ...base, views }))).toBe("views[2]");
  });

  it("refuses a missing prior, a bad τ and a non-PSD covariance", () => {
    expect(fieldOf(() => blackLitterman({ ...base, priorReturns: undefined, views: [] }))).toBe(
      "priorReturns",
    );
    expect(fieldOf(() => blackLitterman({ ...base, views: [], tau: 0 }))).toBe("tau");
    expect(
      fieldOf(() =>
        blackLitterman({ ...base, priorReturns: undefined, marketCaps: [1, 1, 1], views: [] }),
      ),
    ).toBe("riskAversion");
    expect(fieldOf(() => blackLitterman({ ...base, marketCaps: { A: 1, B: 2 }, views: [] }))).toBe(
      "marketCaps.C",
    );
    expect(
      fieldOf(() =>
        blackLitterman({
          ...base,
          covariance: [
            [0.04, 0.1, 0],
            [0.1, 0.09, 0],
            [0, 0, 0.01],
          ],
          views: [],
        }),
      ),
    ).toBe("covariance");
  });

  it("refuses unconstrained weights for a singular covariance", () => {
    const bl = blackLitterman({
      symbols: ["A", "B"],
      covariance: [
        [0.04, 0.04],
        [0.04, 0.04],
      ],
      priorReturns: [0.05, 0.05],
      views: [],
    });
    expect(fieldOf(() => blackLittermanUnconstrainedWeights(bl))).toBe("covariance.B");
  });
});
