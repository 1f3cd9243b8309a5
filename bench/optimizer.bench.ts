// Mean–variance optimisers (tools/mean-variance.ts) against the `portfolio-allocation` npm package
// on the same problems. Target (issue): max-Sharpe with N = 500 under 100 ms; equal or better
// objective and faster than the peer at every N.
import { createRequire } from "node:module";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { maxSharpe, minVolatility, type MeanVarianceProblem } from "../tools/mean-variance.js";
import { measure, type BenchResult, type BenchSuite } from "./harness.js";

const GROUP = "optimisers";
const RISK_FREE = 0.02;

/** The two functions of the untyped peer package we call (see its README). */
interface PortfolioAllocation {
  globalMinimumVarianceWeights(sigma: number[][], opt?: { optimizationMethod?: string }): number[];
  maximumSharpeRatioWeights(
    mu: number[],
    sigma: number[][],
    rf: number,
    opt?: { optimizationMethod?: string },
  ): number[];
}
const peer = createRequire(import.meta.url)("portfolio-allocation") as PortfolioAllocation;

interface Problem {
  readonly n: number;
  readonly mu: number[];
  readonly cov: number[][];
  readonly input: MeanVarianceProblem;
}

/**
 * A deterministic, well-conditioned N-asset problem from a 5-factor model (pure-rand
 * xoroshiro128+, seed 42 + N): loadings β_i1 ∈ [0.5, 1.5] on a market factor (vol 16%) and
 * β_ik ∈ [−0.5, 0.5] on four others (vols 8, 6, 5, 4%), idiosyncratic vol 10–40%:
 * Σ = BFBᵀ + D. Expected returns μ_i = 2% + 5%·β_i1 + 6%·(u_i − 0.4), u_i uniform.
 */
function problem(n: number): Problem {
  const rng = xoroshiro128plus(42 + n);
  const u = (): number => uniformFloat64(rng);
  const factorVol = [0.16, 0.08, 0.06, 0.05, 0.04];
  const loadings = Array.from({ length: n }, () =>
    factorVol.map((_, k) => (k === 0 ? 0.5 + u() : u() - 0.5)),
  );
  const idio = Array.from({ length: n }, () => (0.1 + 0.3 * u()) ** 2);
  const cov = loadings.map((bi, i) =>
    loadings.map((bj, j) => {
      let s = i === j ? (idio[i] as number) : 0;
      factorVol.forEach((f, k) => (s += (bi[k] as number) * (bj[k] as number) * f * f));
      return s;
    }),
  );
  const mu = loadings.map((b) => 0.02 + 0.05 * (b[0] as number) + 0.06 * (u() - 0.4));
  const symbols = mu.map((_, i) => `S${String(i).padStart(3, "0")}`);
  return { n, mu, cov, input: { symbols, expectedReturns: mu, covariance: cov } };
}

function variance(cov: number[][], w: readonly number[]): number {
  let s = 0;
  cov.forEach((row, i) => row.forEach((c, j) => (s += (w[i] as number) * c * (w[j] as number))));
  return s;
}

function sharpe(p: Problem, w: readonly number[]): number {
  const ret = w.reduce((s, x, i) => s + x * (p.mu[i] as number), 0);
  return (ret - RISK_FREE) / Math.sqrt(variance(p.cov, w));
}

const fmt = (v: number, digits = 2): string => v.toFixed(digits);

export const run: BenchSuite = async () => {
  const results: BenchResult[] = [];
  for (const n of [20, 100, 500]) {
    const p = problem(n);
    const ours = { iterations: n === 500 ? 10 : 30, warmup: 3 };
    const peerRuns = { iterations: n === 500 ? 2 : 5, warmup: n === 500 ? 0 : 1 };

    // Minimum variance, long-only, fully invested.
    const mv = minVolatility(p.input);
    const peerMvWeights = peer.globalMinimumVarianceWeights(p.cov);
    const peerMv = await measure(
      GROUP,
      `min-variance N=${n} (peer: portfolio-allocation globalMinimumVarianceWeights, default method)`,
      () => peer.globalMinimumVarianceWeights(p.cov),
      peerRuns,
    );
    const oursMv = await measure(
      GROUP,
      `min-variance N=${n} (ours)`,
      () => minVolatility(p.input),
      ours,
    );
    results.push(
      {
        ...oursMv,
        note:
          `peer median ${fmt(peerMv.medianMs)} ms, time ratio peer/ours ${fmt(peerMv.medianMs / oursMv.medianMs, 1)}×; ` +
          `objective ratio our variance / peer variance ${(variance(p.cov, mv.weights) / variance(p.cov, peerMvWeights)).toPrecision(16)}; ` +
          `${mv.weights.filter((w) => w > 0).length} assets held; ours includes the O(n³) PSD screen of Σ`,
      },
      peerMv,
    );

    // Maximum Sharpe ratio, long-only, rf = 2%. The peer's default (critical line) takes ~90 s at
    // N = 500, so there its GSMO method is timed instead.
    const method = n === 500 ? "gsmo" : "automatic";
    const ms = maxSharpe(p.input, { riskFree: RISK_FREE });
    const peerMsWeights = peer.maximumSharpeRatioWeights(p.mu, p.cov, RISK_FREE, {
      optimizationMethod: method,
    });
    const peerMs = await measure(
      GROUP,
      `max-Sharpe N=${n} (peer: portfolio-allocation maximumSharpeRatioWeights, ${method === "gsmo" ? "GSMO" : "default method"})`,
      () => peer.maximumSharpeRatioWeights(p.mu, p.cov, RISK_FREE, { optimizationMethod: method }),
      peerRuns,
    );
    const oursMs = await measure(
      GROUP,
      `max-Sharpe N=${n} (ours)`,
      () => maxSharpe(p.input, { riskFree: RISK_FREE }),
      n === 500 ? { ...ours, targetMs: 100 } : ours,
    );
    results.push(
      {
        ...oursMs,
        note:
          `peer median ${fmt(peerMs.medianMs)} ms, time ratio peer/ours ${fmt(peerMs.medianMs / oursMs.medianMs, 1)}×; ` +
          `objective ratio peer Sharpe / our Sharpe ${(sharpe(p, peerMsWeights) / (ms.sharpe as number)).toPrecision(16)}; ` +
          `${ms.weights.filter((w) => w > 0).length} assets held; ours includes the O(n³) PSD screen of Σ`,
      },
      peerMs,
    );
  }
  return results;
};
