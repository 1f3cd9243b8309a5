import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleCovarianceMatrix } from "./covariance.js";
import { arithmeticExpectedReturns } from "./expected-returns.js";
import { clusterVariance, hrp, hrpFromReturns, quasiDiagonalOrder, singleLinkage } from "./hrp.js";
import { parsePriceCsv } from "./price-table.js";
import { returnMatrix, returnMatrixFromColumns } from "./return-matrix.js";

const equities = returnMatrix(
  parsePriceCsv(
    readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
  ),
);

/** PyPortfolioOpt tests/resources/weights_hrp.csv (asserted by tests/test_hrp.py). */
const PYPFOPT_HRP_WEIGHTS: Record<string, number> = {
  AAPL: 0.022258941278778387,
  AMD: 0.022294021796692116,
  AMZN: 0.016086842079874982,
  BABA: 0.07963382071794088,
  BAC: 0.014409222455552267,
  BBY: 0.03406419438245041,
  FB: 0.06272994714663536,
  GE: 0.05519063444162851,
  GM: 0.055576660241857236,
  GOOG: 0.04956008428992926,
  JPM: 0.017675709092515715,
  MA: 0.038127373497320226,
  PFE: 0.07786528342813452,
  RRC: 0.03161528695094598,
  SBUX: 0.039844436656239136,
  SHLD: 0.027113184241298872,
  T: 0.11138956508836473,
  UAA: 0.027115909570750083,
  WMT: 0.10569551148587902,
  XOM: 0.11175337115721229,
};

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

describe("hrp on PyPortfolioOpt's fixture (tests/test_hrp.py)", () => {
  const result = hrpFromReturns(equities);

  it("reproduces weights_hrp.csv to 1e-9 relative", () => {
    expect(result.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    equities.symbols.forEach((s, i) => {
      expect(relErr(result.weights[i] as number, PYPFOPT_HRP_WEIGHTS[s] as number)).toBeLessThan(
        1e-9,
      );
    });
  });

  it("orders the leaves as test_quasi_dag asserts: [12, 6, 15, 14, 2, …]", () => {
    expect(result.order.slice(0, 5)).toEqual([12, 6, 15, 14, 2]);
    expect([...result.order].sort((a, b) => a - b)).toEqual(equities.symbols.map((_, i) => i));
  });

  it("reproduces test_portfolio_performance: (0.21353402380950973, 0.17844159743748936, 1.084579081272277)", () => {
    // HRPOpt.portfolio_performance: μ = returns.mean()·252, Σ = returns.cov()·252, rf = 0.02.
    const mu = arithmeticExpectedReturns(equities, 252);
    const cov = sampleCovarianceMatrix(equities, 252);
    const w = result.weights;
    let ret = 0;
    let variance = 0;
    w.forEach((wi, i) => {
      ret += wi * (mu[i] as number);
      w.forEach((wj, j) => (variance += wi * wj * ((cov[i] as number[])[j] as number)));
    });
    const vol = Math.sqrt(variance);
    expect(relErr(ret, 0.21353402380950973)).toBeLessThan(1e-9);
    expect(relErr(vol, 0.17844159743748936)).toBeLessThan(1e-9);
    expect(relErr((ret - 0.02) / vol, 1.084579081272277)).toBeLessThan(1e-9);
  });

  it("reproduces test_cluster_var on the daily pairwise covariance: 0.00012842967106653283", () => {
    const daily = sampleCovarianceMatrix(equities, 1);
    const tickers = ["SHLD", "AMD", "BBY", "RRC", "FB", "WMT", "T", "BABA", "PFE", "UAA"];
    const v = clusterVariance(
      daily,
      tickers.map((t) => equities.symbols.indexOf(t)),
    );
    expect(relErr(v, 0.00012842967106653283)).toBeLessThan(1e-9);
  });
});

describe("hrp", () => {
  it("works a three-asset example by hand", () => {
    // ρ(A,B) = 0.054/(0.2·0.3) = 0.9, C uncorrelated. d(A,B) = √0.05 merges first (cluster 3);
    // then C (leaf 2) joins at d = √0.5; pre-order puts the lower label first → [2, 0, 1].
    // Split [C | A, B]: V_C = 0.01, V_AB = 8.568/169; α_C = 1 − 0.01/(0.01 + V_AB).
    // Split [A | B]: α_A = 1 − 0.04/(0.04 + 0.09) = 9/13.
    const r = hrp({
      covariance: [
        [0.04, 0.054, 0],
        [0.054, 0.09, 0],
        [0, 0, 0.01],
      ],
    });
    expect(r.order).toEqual([2, 0, 1]);
    const vab = 8.568 / 169;
    const alphaC = 1 - 0.01 / (0.01 + vab);
    const wC = alphaC;
    const wA = (1 - alphaC) * (9 / 13);
    const wB = (1 - alphaC) * (4 / 13);
    [wA, wB, wC].forEach((w, i) => expect(r.weights[i]).toBeCloseTo(w, 15));
    expect(r.linkage[0]).toMatchObject({ left: 0, right: 1, size: 2 });
    expect(r.linkage[0]?.distance).toBeCloseTo(Math.sqrt(0.05), 15);
    expect(r.linkage[1]?.left).toBe(2);
    expect(r.linkage[1]?.right).toBe(3);
    expect(r.linkage[1]?.distance).toBeCloseTo(Math.sqrt(0.5), 15);
  });

  it("gives all the weight to a single asset", () => {
    expect(hrp({ covariance: [[0.09]] }).weights).toEqual([1]);
  });

  it("uses a given correlation for the clustering and the covariance for the weights", () => {
    // Same variances, but the correlation says B and C belong together → order [0, 1, 2] and
    // the first split is [A | B, C].
    const cov = [
      [0.04, 0, 0],
      [0, 0.04, 0],
      [0, 0, 0.04],
    ];
    const r = hrp({
      covariance: cov,
      correlation: [
        [1, 0, 0],
        [0, 1, 0.8],
        [0, 0.8, 1],
      ],
    });
    expect(r.order).toEqual([0, 1, 2]);
    // [A | B, C]: V_A = 0.04, V_BC = 0.02 (uncorrelated per Σ) → α_A = 1 − 0.04/0.06 = 1/3.
    expect(r.weights[0]).toBeCloseTo(1 / 3, 15);
    expect(r.weights[1]).toBeCloseTo(1 / 3, 15);
  });

  it("refuses bad input, naming the field", () => {
    expect(() =>
      hrp({
        covariance: [
          [0.04, 0],
          [0, 0],
        ],
        symbols: ["A", "CASH"],
      }),
    ).toThrow(/covariance\.CASH/);
    expect(() =>
      hrp({
        covariance: [
          [0.04, 0.01],
          [0.02, 0.09],
        ],
      }),
    ).toThrow(/covariance\[1\]\[0\]/);
    expect(() =>
      hrp({
        covariance: [
          [0.04, 0],
          [0, 0.09],
        ],
        correlation: [
          [1, 1.5],
          [1.5, 1],
        ],
      }),
    ).toThrow(/correlation\[0\]\[1\]/);
    expect(() =>
      hrp({
        covariance: [
          [0.04, 0],
          [0, 0.09],
        ],
        correlation: [
          [0.9, 0],
          [0, 1],
        ],
      }),
    ).toThrow(/correlation\[0\]\[0\]/);
    expect(() =>
      hrp({
        covariance: [
          [0.04, 0],
          [0, 0.09],
        ],
        symbols: ["A"],
      }),
    ).toThrow(/symbols/);
  });
});

describe("hrpFromReturns", () => {
  it("weights two perfectly correlated assets by inverse variance", () => {
    // The second series is twice the first: σ₂² = 4σ₁² → α = 1 − 1/5 = 0.8.
    const r = hrpFromReturns(
      returnMatrixFromColumns([
        [0.01, -0.01, 0.02],
        [0.02, -0.02, 0.04],
      ]),
    );
    expect(r.weights[0]).toBeCloseTo(0.8, 15);
    expect(r.weights[1]).toBeCloseTo(0.2, 15);
  });
});

describe("singleLinkage and quasiDiagonalOrder", () => {
  it("merges points on a line at 0, 1, 3 as SciPy does", () => {
    const z = singleLinkage(Float64Array.of(0, 1, 3, 1, 0, 2, 3, 2, 0), 3);
    expect(z).toEqual([
      { left: 0, right: 1, distance: 1, size: 2 },
      { left: 2, right: 3, distance: 2, size: 3 },
    ]);
    expect(quasiDiagonalOrder(z, 3)).toEqual([2, 0, 1]);
  });

  it("agrees with a naive closest-pair agglomeration on random distinct distances (property)", () => {
    // Naive single linkage: repeatedly merge the two clusters at the smallest member distance.
    const naive = (d: Float64Array, n: number): { distance: number; members: number[] }[] => {
      let clusters = Array.from({ length: n }, (_, i) => [i]);
      const out: { distance: number; members: number[] }[] = [];
      while (clusters.length > 1) {
        let best = Number.POSITIVE_INFINITY;
        let pair: [number, number] = [0, 1];
        for (let a = 0; a < clusters.length; a++) {
          for (let b = a + 1; b < clusters.length; b++) {
            for (const i of clusters[a] as number[]) {
              for (const j of clusters[b] as number[]) {
                const v = d[i * n + j] as number;
                if (v < best) {
                  best = v;
                  pair = [a, b];
                }
              }
            }
          }
        }
        const merged = [
          ...(clusters[pair[0]] as number[]),
          ...(clusters[pair[1]] as number[]),
        ].sort((x, y) => x - y);
        out.push({ distance: best, members: merged });
        clusters = clusters.filter((_, k) => k !== pair[0] && k !== pair[1]).concat([merged]);
      }
      return out;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        // Distinct distances: with ties the merge order is a convention, not a fact to test.
        fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 36, maxLength: 36 }),
        (n, ranks) => {
          const raw = ranks.map((r) => r / 1_000_000);
          const d = new Float64Array(n * n);
          let k = 0;
          for (let i = 0; i < n; i++) {
            for (let j = i + 1; j < n; j++) {
              d[i * n + j] = d[j * n + i] = raw[k++] as number;
            }
          }
          const z = singleLinkage(d, n);
          const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
          z.forEach((step) => {
            members.push(
              [...(members[step.left] as number[]), ...(members[step.right] as number[])].sort(
                (x, y) => x - y,
              ),
            );
          });
          const expected = naive(d, n);
          expect(z.map((s) => s.distance)).toEqual(expected.map((s) => s.distance));
          expect(members.slice(n)).toEqual(expected.map((s) => s.members));
          expect(z.every((s) => s.left < s.right)).toBe(true);
          const order = quasiDiagonalOrder(z, n);
          expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("clusterVariance", () => {
  it("is the inverse-variance portfolio's variance", () => {
    // u = (1/0.04, 1/0.09)/(325/9) = (9/13, 4/13); V = (81·0.04 + 72·0.054 + 16·0.09)/169.
    expect(
      clusterVariance(
        [
          [0.04, 0.054],
          [0.054, 0.09],
        ],
        [0, 1],
      ),
    ).toBeCloseTo(8.568 / 169, 16);
    expect(() => clusterVariance([[0.04]], [1])).toThrow(/items\[0\]/);
  });
});
