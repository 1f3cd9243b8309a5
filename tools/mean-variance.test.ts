import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { covarianceMatrix } from "./covariance.js";
import { isToolError } from "./errors.js";
import { expectedReturns } from "./expected-returns.js";
import {
  efficientReturn,
  efficientRisk,
  maxSharpe,
  minVolatility,
  portfolioPerformance,
  type MeanVarianceProblem,
  type OptimalPortfolio,
} from "./mean-variance.js";
import type { GroupBound, PortfolioConstraints } from "./portfolio-constraints.js";
import { parsePriceCsv } from "./price-table.js";
import { solveQp, type QpConstraint } from "./qp.js";
import { returnMatrix } from "./return-matrix.js";

function errorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

const sum = (w: readonly number[]): number => w.reduce((s, v) => s + v, 0);
const perf = (r: OptimalPortfolio): [number, number, number] => [
  r.expectedReturn,
  r.volatility,
  r.sharpe as number,
];
/** `np.testing.assert_allclose` with rtol (default 1e-7 in numpy; we use 1e-6 as the issue). */
function expectAllClose(
  actual: readonly number[],
  expected: readonly number[],
  rtol: number,
): void {
  actual.forEach((v, i) => {
    const e = expected[i] as number;
    expect(Math.abs(v - e)).toBeLessThanOrEqual(rtol * Math.abs(e));
  });
}

// Two uncorrelated assets, worked by hand in the doc examples.
const two: MeanVarianceProblem = {
  symbols: ["A", "B"],
  expectedReturns: [0.1, 0.05],
  covariance: [
    [0.04, 0],
    [0, 0.01],
  ],
};

describe("hand-worked two-asset portfolios (doc examples)", () => {
  it("min-volatility weights are proportional to 1/σ²: (0.2, 0.8)", () => {
    const r = minVolatility(two);
    expect(r.weights[0]).toBeCloseTo(0.2, 15);
    expect(r.weights[1]).toBeCloseTo(0.8, 15);
    // σ² = 0.04·0.04 + 0.64·0.01 = 0.008.
    expect(r.volatility).toBeCloseTo(Math.sqrt(0.008), 15);
    expect(r.ridge).toBe(0);
    expect(r.turnover).toBeNull();
  });

  it("max-Sharpe weights are proportional to Σ⁻¹(μ − rf): (1/3, 2/3) at rf = 0", () => {
    const r = maxSharpe(two);
    expect(r.weights[0]).toBeCloseTo(1 / 3, 15);
    expect(r.weights[1]).toBeCloseTo(2 / 3, 15);
  });

  it("efficient-return at 0.08 binds the return row: (0.6, 0.4)", () => {
    const r = efficientReturn(two, 0.08);
    expect(r.weights[0]).toBeCloseTo(0.6, 15);
    expect(r.expectedReturn).toBeCloseTo(0.08, 15);
  });

  it("efficient-risk at σ = √0.016 returns the frontier point (0.6, 0.4)", () => {
    const r = efficientRisk(two, Math.sqrt(0.016));
    expect(r.weights[0]).toBeCloseTo(0.6, 15);
    expect(r.weights[1]).toBeCloseTo(0.4, 15);
    expect(r.volatility).toBeCloseTo(Math.sqrt(0.016), 15);
  });

  it("portfolioPerformance gives wᵀμ, √(wᵀΣw) and the Sharpe ratio", () => {
    const p = portfolioPerformance(
      [0.5, 0.5],
      [0.1, 0.2],
      [
        [0.04, 0],
        [0, 0.09],
      ],
      0.02,
    );
    expect(p.expectedReturn).toBeCloseTo(0.15, 15);
    expect(p.volatility).toBeCloseTo(0.18027756377319945, 15);
    expect(p.sharpe).toBeCloseTo(0.13 / 0.18027756377319945, 14);
    const flat = portfolioPerformance(
      [1, 0],
      [0.03, 0.1],
      [
        [0, 0],
        [0, 0.04],
      ],
    );
    expect(flat.sharpe).toBeNull();
    expect(flat.sharpeNullReason).toMatch(/zero volatility/);
  });
});

// PyPortfolioOpt's tests/test_efficient_frontier.py (the version with compounding
// mean_historical_return): setup_efficient_frontier() = EfficientFrontier(mean_historical_return(df),
// sample_cov(df)) on tests/resources/stock_prices.csv (our us-equities-20.csv), weight_bounds (0, 1),
// risk_free_rate 0.02. Our geometric expected returns and pairwise sample covariance × 252 are
// those two estimators (tools/expected-returns.ts, tools/covariance.ts).
const table = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
);
const matrix = returnMatrix(table);
const mu = expectedReturns(matrix);
const cov = covarianceMatrix(matrix).matrix;
const equities: MeanVarianceProblem = {
  symbols: table.symbols,
  expectedReturns: mu,
  covariance: cov,
};
const rf = { riskFree: 0.02 };
const withConstraints = (constraints: PortfolioConstraints): MeanVarianceProblem => ({
  ...equities,
  constraints,
});

describe("PyPortfolioOpt's efficient-frontier tests on the 20-equity fixture", () => {
  it("min_volatility: (0.15056821399482578, 0.15915084514118694, 0.8204054077060996)", () => {
    const r = minVolatility(equities, rf);
    expect(Math.abs(sum(r.weights) - 1)).toBeLessThanOrEqual(1e-9);
    expect(r.weights.every((w) => w >= 0)).toBe(true);
    expectAllClose(perf(r), [0.15056821399482578, 0.15915084514118694, 0.8204054077060996], 1e-6);
    // At least as good as cvxpy's (to rounding): no higher volatility.
    expect(r.volatility).toBeLessThanOrEqual(0.15915084514118694 * (1 + 1e-15));
  });

  it("max_sharpe (long only): (0.3047768672819914, 0.22165566922402932, 1.2847714127003216)", () => {
    const r = maxSharpe(equities, rf);
    expect(Math.abs(sum(r.weights) - 1)).toBeLessThanOrEqual(1e-9);
    expectAllClose(perf(r), [0.3047768672819914, 0.22165566922402932, 1.2847714127003216], 1e-6);
    expect(r.sharpe as number).toBeGreaterThanOrEqual(1.2847714127003216 * (1 - 1e-15));
  });

  it("efficient_return(0.25): (0.25, 0.18723269942026335, 1.2284179030274036)", () => {
    const r = efficientReturn(equities, 0.25, rf);
    expectAllClose(perf(r), [0.25, 0.18723269942026335, 1.2284179030274036], 1e-6);
    expect(r.volatility).toBeLessThanOrEqual(0.18723269942026335 * (1 + 1e-15));
  });

  it("efficient_risk(0.19): (0.2552422849133517, 0.1900000002876062, 1.2381172871434818) within 1e-6", () => {
    const r = efficientRisk(equities, 0.19, rf);
    expectAllClose(perf(r), [0.2552422849133517, 0.1900000002876062, 1.2381172871434818], 1e-6);
    // Ours is the exact optimum: σ = 0.19 to rounding, return 3.9e-10 below cvxpy's. cvxpy's
    // answer depends on its tolerance: it exceeds the risk limit by 2.9e-10. Given that same
    // volatility, our exact frontier earns at least cvxpy's return (1.5e-10 more): our objective is
    // at least as good, and the gap is cvxpy's tolerance.
    expect(Math.abs(r.volatility - 0.19)).toBeLessThanOrEqual(1e-15);
    const atTheirs = efficientRisk(equities, 0.1900000002876062, rf);
    expect(atTheirs.expectedReturn).toBeGreaterThanOrEqual(0.2552422849133517);
    expect(atTheirs.expectedReturn - 0.2552422849133517).toBeLessThanOrEqual(1e-9);
  });

  it("efficient_risk is exact: the efficient-return QP at the attained return has the same weights and σ = target", () => {
    for (const target of [0.16, 0.19, 0.21, 0.3]) {
      const r = efficientRisk(equities, target, rf);
      expect(Math.abs(r.volatility - target)).toBeLessThanOrEqual(1e-9 * target);
      const check = efficientReturn(equities, r.expectedReturn, rf);
      check.weights.forEach((w, i) =>
        expect(Math.abs(w - (r.weights[i] as number))).toBeLessThanOrEqual(1e-9),
      );
      expect(Math.abs(check.volatility - target)).toBeLessThanOrEqual(1e-9 * target);
    }
  });

  it("L2 regularisation: min_volatility γ = 1, efficient_return(0.25) γ = 1 and the γ → ∞ limit", () => {
    expectAllClose(
      perf(minVolatility(withConstraints({ l2Gamma: 1 }), rf)),
      [0.17356099329164965, 0.1955254118258614, 0.785376140408869],
      1e-6,
    );
    expectAllClose(
      perf(efficientReturn(withConstraints({ l2Gamma: 1 }), 0.25, rf)),
      [0.25, 0.20961660883459776, 1.0972412981906703],
      1e-6,
    );
    // test_min_volatility_L2_reg_limit_case: γ = 1e10 gives equal weights (6 decimals).
    for (const w of minVolatility(withConstraints({ l2Gamma: 1e10 })).weights)
      expect(w).toBeCloseTo(0.05, 6);
  });

  it("transaction costs + L2 (w_prev = 1/n, k = 0.001, γ = 1): (0.17363446634404042, 0.1959773703677164, 0.7839398296638683)", () => {
    const current = mu.map(() => 1 / mu.length);
    const r = minVolatility(
      withConstraints({ l2Gamma: 1, turnover: { mode: "penalty", current, kappa: 0.001 } }),
      rf,
    );
    expectAllClose(perf(r), [0.17363446634404042, 0.1959773703677164, 0.7839398296638683], 1e-6);
    // test_min_volatility_tx_costs: the cost pulls the weights towards the previous ones.
    const plain = minVolatility(equities);
    const costly = minVolatility(
      withConstraints({ turnover: { mode: "penalty", current, kappa: 0.001 } }),
    );
    const dist = (w: readonly number[]): number =>
      w.reduce((s, v, i) => s + Math.abs(v - (current[i] as number)), 0);
    expect(dist(costly.weights)).toBeLessThan(dist(plain.weights));
    expect(costly.turnover).toBeCloseTo(dist(costly.weights), 15);
  });

  it("shorting: min_volatility, max_sharpe and efficient_return with unbounded weights, efficient_risk with (−1, 1)", () => {
    // PyPortfolioOpt's weight_bounds (None, None); bounds of ±10 never bind here.
    const wide = withConstraints({ bounds: { min: -10, max: 10 } });
    expectAllClose(
      perf(minVolatility(wide, rf)),
      [0.1516319319875544, 0.1555915367269669, 0.8460095886741129],
      1e-6,
    );
    expectAllClose(
      perf(maxSharpe(wide, rf)),
      [0.4937195216716211, 0.29516576454651955, 1.6049270564945908],
      1e-6,
    );
    expectAllClose(
      perf(efficientReturn(wide, 0.25, rf)),
      [0.25, 0.17149595234895817, 1.3411395245760582],
      1e-6,
    );
    expectAllClose(
      perf(efficientRisk(withConstraints({ bounds: { min: -1, max: 1 } }), 0.19, rf)),
      [0.30035471606347336, 0.1900000003049494, 1.4755511348079207],
      1e-6,
    );
  });

  it("max_sharpe respects weight bounds (0.03, 0.13) and per-asset bounds exactly", () => {
    const r = maxSharpe(withConstraints({ bounds: { min: 0.03, max: 0.13 } }), rf);
    expect(Math.abs(sum(r.weights) - 1)).toBeLessThanOrEqual(1e-9);
    expect(Math.min(...r.weights)).toBeGreaterThanOrEqual(0.03);
    expect(Math.max(...r.weights)).toBeLessThanOrEqual(0.13);
    const bounds = mu.map((_, i) =>
      i % 2 === 0 ? { min: 0.01, max: 0.13 } : { min: 0.02, max: 0.11 },
    );
    const s = maxSharpe(withConstraints({ bounds }), rf);
    s.weights.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual((bounds[i] as { min: number }).min);
      expect(w).toBeLessThanOrEqual((bounds[i] as { max: number }).max);
    });
  });

  it("sector constraints hold (test_*_sector_constraints_auto) and match an independent quadprog solution", () => {
    const mapper: Record<string, string> = {
      GOOG: "tech",
      AAPL: "tech",
      FB: "tech",
      AMZN: "tech",
      BABA: "tech",
      GE: "utility",
      AMD: "tech",
      WMT: "retail",
      BAC: "fig",
      GM: "auto",
      T: "auto",
      UAA: "airline",
      SHLD: "retail",
      XOM: "energy",
      RRC: "energy",
      BBY: "retail",
      MA: "fig",
      PFE: "pharma",
      JPM: "fig",
      SBUX: "retail",
    };
    const upper: Record<string, number> = {
      tech: 0.2,
      utility: 0.1,
      retail: 0.2,
      fig: 0.4,
      airline: 0.05,
      energy: 0.2,
    };
    const lower: Record<string, number> = { utility: 0.01, fig: 0.02, airline: 0.01 };
    const groups: GroupBound[] = [...new Set(Object.values(mapper))].map((name) => ({
      name,
      members: table.symbols.filter((s) => mapper[s] === name),
      ...(lower[name] === undefined ? {} : { min: lower[name] }),
      ...(upper[name] === undefined ? {} : { max: upper[name] }),
    }));
    const problem = withConstraints({ groups });
    const check = (w: readonly number[]): void => {
      for (const g of groups) {
        const total = g.members.reduce((s, m) => s + (w[table.symbols.indexOf(m)] as number), 0);
        expect(total).toBeLessThanOrEqual((g.max ?? 1) + 1e-12);
        expect(total).toBeGreaterThanOrEqual((g.min ?? 0) - 1e-12);
      }
    };
    const mv = minVolatility(problem, rf);
    check(mv.weights);
    check(maxSharpe(problem, rf).weights);
    check(efficientRisk(problem, 0.19, rf).weights);
    // Independent solution of the same QP by quadprog (Goldfarb–Idnani).
    const n = mu.length;
    const constraints: QpConstraint[] = [{ coefficients: mu.map(() => 1), type: "eq", rhs: 1 }];
    for (const g of groups) {
      const a = table.symbols.map((s) => (g.members.includes(s) ? 1 : 0));
      if (g.min !== undefined) constraints.push({ coefficients: a, type: "ge", rhs: g.min });
      if (g.max !== undefined) constraints.push({ coefficients: a, type: "le", rhs: g.max });
    }
    const ref = solveQp(
      {
        hessian: cov.map((row) => row.map((v) => 2 * v)),
        linear: new Array<number>(n).fill(0),
        constraints,
        lower: new Array<number>(n).fill(0),
        upper: new Array<number>(n).fill(1),
      },
      { solver: "quadprog" },
    );
    mv.weights.forEach((w, i) =>
      expect(Math.abs(w - (ref.x[i] as number))).toBeLessThanOrEqual(1e-9),
    );
  });

  it("efficient_return at the largest expected return puts everything in that asset", () => {
    const best = mu.indexOf(Math.max(...mu));
    const r = efficientReturn(equities, mu[best] as number, rf);
    r.weights.forEach((w, i) => expect(w).toBeCloseTo(i === best ? 1 : 0, 7));
    expect(r.volatility).toBeCloseTo(Math.sqrt((cov[best] as number[])[best] as number), 7);
  });

  it("errors: volatility below the minimum, return above the maximum (names the target)", () => {
    const minVol = minVolatility(equities).volatility;
    expect(efficientRisk(equities, minVol + 0.01).volatility).toBeCloseTo(minVol + 0.01, 12);
    expect(errorOf(() => efficientRisk(equities, minVol - 0.01))).toEqual({
      code: "INFEASIBLE",
      field: "targetVolatility",
    });
    expect(errorOf(() => efficientReturn(equities, Math.max(...mu) + 0.01))).toEqual({
      code: "INFEASIBLE",
      field: "targetReturn",
    });
  });

  it("min-volatility has lower volatility than max-Sharpe on PyPortfolioOpt's issue #75 data", () => {
    const issue75: MeanVarianceProblem = {
      symbols: ["AGG", "SPY", "GLD", "HYG"],
      expectedReturns: [0.043622, 0.120588, 0.072331, 0.056586],
      covariance: [
        [0.000859, -0.000941, 0.001494, -0.000062],
        [-0.000941, 0.0224, -0.002184, 0.005747],
        [0.001494, -0.002184, 0.011518, -0.000129],
        [-0.000062, 0.005747, -0.000129, 0.002287],
      ],
    };
    expect(minVolatility(issue75).volatility).toBeLessThan(maxSharpe(issue75).volatility);
  });
});

/**
 * Independent reference for turnover problems: enumerate every sign pattern s ∈ {−1, 0, +1}ⁿ of
 * w − w₀; on each orthant the L1 terms are linear, so each piece is a smooth QP solved by
 * quadprog; the best piece is the global optimum.
 */
function bruteForceTurnover(
  covariance: number[][],
  lower: number,
  upper: number,
  current: number[],
  unitCost: number[],
  cap: number | null,
): { weights: number[]; objective: number } | null {
  const n = current.length;
  let best: { weights: number[]; objective: number } | null = null;
  for (let code = 0; code < 3 ** n; code++) {
    const s = Array.from({ length: n }, (_, i) => (Math.floor(code / 3 ** i) % 3) - 1);
    const constraints: QpConstraint[] = [
      { coefficients: current.map(() => 1), type: "eq", rhs: 1 },
    ];
    s.forEach((si, i) => {
      const e = current.map((_, j) => (j === i ? 1 : 0));
      const c = current[i] as number;
      constraints.push({ coefficients: e, type: si > 0 ? "ge" : si < 0 ? "le" : "eq", rhs: c });
    });
    if (cap !== null) {
      constraints.push({
        coefficients: s,
        type: "le",
        rhs: cap + s.reduce((t, si, i) => t + si * (current[i] as number), 0),
      });
    }
    let sol;
    try {
      sol = solveQp(
        {
          hessian: covariance.map((row) => row.map((v) => 2 * v)),
          linear: s.map((si, i) => -si * (unitCost[i] as number)),
          constraints,
          lower: current.map(() => lower),
          upper: current.map(() => upper),
        },
        { solver: "quadprog" },
      );
    } catch (error) {
      if (isToolError(error) && error.code === "INFEASIBLE") continue;
      throw error;
    }
    const w = sol.x;
    let objective = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++)
        objective +=
          (w[i] as number) * ((covariance[i] as number[])[j] as number) * (w[j] as number);
      objective += (unitCost[i] as number) * Math.abs((w[i] as number) - (current[i] as number));
    }
    if (best === null || objective < best.objective) best = { weights: w, objective };
  }
  return best;
}

describe("turnover control (split w = w₀ + u − v)", () => {
  it("hand-worked: a penalty k = 0.005 moves (0.5, 0.5) to (0.3, 0.7); k ≥ 0.015 does not trade", () => {
    // Along w = (0.5 − t, 0.5 + t): f'(t) = −0.03 + 0.1t + 2k → t = 0.3 − 20k.
    const current = [0.5, 0.5];
    const r = minVolatility({
      ...two,
      constraints: { turnover: { mode: "penalty", current, kappa: 0.005 } },
    });
    expect(r.weights[0]).toBeCloseTo(0.3, 15);
    expect(r.turnover).toBeCloseTo(0.4, 15);
    const still = minVolatility({
      ...two,
      constraints: { turnover: { mode: "penalty", current, kappa: 0.02 } },
    });
    expect(still.weights).toEqual([0.5, 0.5]);
    // Per-asset cost: κ = 1, 50 bps on both → k = 0.005, same answer.
    const bps = minVolatility({
      ...two,
      constraints: { turnover: { mode: "penalty", current, kappa: 1, costBps: [50, 50] } },
    });
    expect(bps.weights[0]).toBeCloseTo(0.3, 15);
  });

  it("hand-worked: a cap of 0.2 stops the move at t = 0.1, turnover exactly 0.2", () => {
    const r = minVolatility({
      ...two,
      constraints: { turnover: { mode: "cap", current: [0.5, 0.5], maxTurnover: 0.2 } },
    });
    expect(r.weights[0]).toBeCloseTo(0.4, 15);
    expect(r.turnover).toBeCloseTo(0.2, 15);
  });

  it("matches a sign-pattern brute force on random 3- and 4-asset problems (penalty and cap)", () => {
    const milli = (a: number, b: number): fc.Arbitrary<number> =>
      fc.integer({ min: a, max: b }).map((v) => v / 1000);
    const arb = fc.integer({ min: 3, max: 4 }).chain((n) =>
      fc.record({
        factor: fc.array(fc.array(milli(-300, 300), { minLength: n, maxLength: n }), {
          minLength: 1,
          maxLength: 2,
        }),
        idio: fc.array(milli(5, 60), { minLength: n, maxLength: n }),
        current: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: n, maxLength: n }),
        costBps: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: n, maxLength: n }),
        kappa: milli(0, 2000),
        cap: fc.option(milli(0, 800), { nil: null }),
        upper: milli(400, 1000),
      }),
    );
    fc.assert(
      fc.property(arb, ({ factor, idio, current, costBps, kappa, cap, upper }) => {
        const n = idio.length;
        const covariance = Array.from({ length: n }, (_, i) =>
          Array.from({ length: n }, (_, j) =>
            factor.reduce(
              (s, f) => s + (f[i] as number) * (f[j] as number),
              i === j ? (idio[i] as number) : 0,
            ),
          ),
        );
        const total = current.reduce((s, v) => s + v, 0) || 1;
        const w0 = current.map((v) => v / total);
        const symbols = w0.map((_, i) => `S${i}`);
        const problem = (constraints: PortfolioConstraints): MeanVarianceProblem => ({
          symbols,
          expectedReturns: w0.map(() => 0.05),
          covariance,
          constraints: { bounds: { min: 0, max: upper }, ...constraints },
        });
        const unit = costBps.map((b) => (kappa * b) / 1e4);
        const penalty = bruteForceTurnover(covariance, 0, upper, w0, unit, null);
        const ours = minVolatility(
          problem({ turnover: { mode: "penalty", current: w0, kappa, costBps } }),
        );
        expect(penalty).not.toBeNull();
        ours.weights.forEach((w, i) =>
          expect(
            Math.abs(w - ((penalty as { weights: number[] }).weights[i] as number)),
          ).toBeLessThanOrEqual(1e-8),
        );
        if (cap === null) return;
        const capped = bruteForceTurnover(
          covariance,
          0,
          upper,
          w0,
          w0.map(() => 0),
          cap,
        );
        let oursCapped;
        try {
          oursCapped = minVolatility(
            problem({ turnover: { mode: "cap", current: w0, maxTurnover: cap } }),
          );
        } catch (error) {
          if (!isToolError(error) || error.code !== "INFEASIBLE") throw error;
          expect(capped).toBeNull();
          return;
        }
        expect(capped).not.toBeNull();
        expect(oursCapped.turnover as number).toBeLessThanOrEqual(cap + 1e-12);
        expect(
          Math.abs(oursCapped.volatility ** 2 - (capped as { objective: number }).objective),
        ).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it("efficient-risk and the frontier honour a turnover cap, exactly (split variables in the parametric search)", () => {
    const current = mu.map(() => 1 / mu.length);
    const capped = withConstraints({ turnover: { mode: "cap", current, maxTurnover: 0.6 } });
    const r = efficientRisk(capped, 0.19, rf);
    expect(Math.abs(r.volatility - 0.19)).toBeLessThanOrEqual(1e-12);
    expect(r.turnover as number).toBeLessThanOrEqual(0.6 + 1e-12);
    const check = efficientReturn(capped, r.expectedReturn, rf);
    check.weights.forEach((w, i) =>
      expect(Math.abs(w - (r.weights[i] as number))).toBeLessThanOrEqual(1e-9),
    );
    // The cap costs return at the same risk.
    expect(r.expectedReturn).toBeLessThan(efficientRisk(equities, 0.19, rf).expectedReturn);
  });

  it("names the turnover cap when no portfolio within it satisfies the bounds", () => {
    expect(
      errorOf(() =>
        minVolatility({
          ...two,
          constraints: {
            bounds: { min: 0, max: 0.6 },
            turnover: { mode: "cap", current: [1, 0], maxTurnover: 0.2 },
          },
        }),
      ),
    ).toEqual({ code: "INFEASIBLE", field: "turnover.maxTurnover" });
  });
});

describe("input checks and degenerate covariances", () => {
  it("throws INFEASIBLE naming riskFree when no portfolio beats it", () => {
    expect(errorOf(() => maxSharpe(two, { riskFree: 0.2 }))).toEqual({
      code: "INFEASIBLE",
      field: "riskFree",
    });
  });

  it("rejects L2 and turnover for max-Sharpe, and a penalty for efficient-risk", () => {
    expect(errorOf(() => maxSharpe({ ...two, constraints: { l2Gamma: 1 } }))).toEqual({
      code: "INVALID_INPUT",
      field: "constraints.l2Gamma",
    });
    const turnover = { mode: "penalty" as const, current: [0.5, 0.5], kappa: 1 };
    expect(errorOf(() => maxSharpe({ ...two, constraints: { turnover } }))).toEqual({
      code: "INVALID_INPUT",
      field: "constraints.turnover",
    });
    expect(errorOf(() => efficientRisk({ ...two, constraints: { turnover } }, 0.1))).toEqual({
      code: "INVALID_INPUT",
      field: "constraints.turnover",
    });
  });

  it("rejects a covariance that is not positive semi-definite, or mis-shaped inputs", () => {
    const indefinite = {
      ...two,
      covariance: [
        [0.01, 0.02],
        [0.02, 0.01],
      ],
    };
    expect(errorOf(() => minVolatility(indefinite))).toEqual({
      code: "INVALID_INPUT",
      field: "covariance",
    });
    expect(errorOf(() => minVolatility({ ...two, expectedReturns: [0.1] }))).toEqual({
      code: "INVALID_INPUT",
      field: "expectedReturns",
    });
    expect(
      errorOf(() =>
        minVolatility({
          ...two,
          covariance: [
            [0.04, 0.01],
            [0, 0.01],
          ],
        }),
      ),
    ).toEqual({
      code: "INVALID_INPUT",
      field: "covariance[1][0]",
    });
    expect(
      errorOf(() => minVolatility({ ...two, constraints: { bounds: { min: 0, max: 0.4 } } })),
    ).toEqual({
      code: "INFEASIBLE",
      field: "bounds",
    });
  });

  it("adds a reported ridge when the covariance is singular on the optimal face, never NaN", () => {
    // C = 0.5·A exactly (rank 2 of 3): with shorting the minimum variance is 0, reached on a line.
    const singular: MeanVarianceProblem = {
      symbols: ["A", "B", "C"],
      expectedReturns: [0.1, 0.12, 0.05],
      covariance: [
        [0.04, 0.02, 0.01],
        [0.02, 0.01, 0.005],
        [0.01, 0.005, 0.0025],
      ],
      constraints: { bounds: { min: -2, max: 2 } },
    };
    const r = minVolatility(singular);
    // ε·tr(Σ)/n = 1e-10 · 0.0525 / 3.
    expect(r.ridge).toBeCloseTo((1e-10 * 0.0525) / 3, 25);
    expect(r.weights.every(Number.isFinite)).toBe(true);
    expect(Math.abs(sum(r.weights) - 1)).toBeLessThanOrEqual(1e-9);
    expect(r.volatility).toBeLessThan(1e-9);
  });
});
