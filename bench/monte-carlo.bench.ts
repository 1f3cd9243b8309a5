// Seeded Monte Carlo of a 20-asset buy-and-hold book over one year (252 days).
// Target (issue): 10,000 paths × 252 days × 20 assets under 1 s, single thread, 2-core machine.
import {
  oneAssetNormals,
  oneAssetPathProfile,
  simulatePortfolio,
  type MonteCarloInput,
} from "../tools/monte-carlo.js";
import { createRandom } from "../tools/random.js";
import { measure, measureAlternating, type BenchResult, type BenchSuite } from "./harness.js";

const ASSETS = 20;
const PATHS = 10_000;
const DAYS = 252;

/**
 * Deterministic one-factor book (no randomness): β_i ∈ [0.6, 1.5], market volatility 18%,
 * idiosyncratic volatility 10%–29%, so Σ = σ_m² ββᵀ + diag(s_i²); μ_i from 4% to 13.5%; equal weights.
 */
function book(): Omit<MonteCarloInput, "random"> {
  const beta = Array.from({ length: ASSETS }, (_, i) => 0.6 + (0.9 * i) / (ASSETS - 1));
  const idio = Array.from({ length: ASSETS }, (_, i) => 0.1 + 0.01 * i);
  const covariance = beta.map((bi, i) =>
    beta.map((bj, j) => 0.18 * 0.18 * bi * bj + (i === j ? (idio[i] as number) ** 2 : 0)),
  );
  return {
    expectedReturns: Array.from({ length: ASSETS }, (_, i) => 0.04 + 0.005 * i),
    covariance,
    weights: Array.from({ length: ASSETS }, () => 1 / ASSETS),
    horizonDays: DAYS,
    paths: PATHS,
  };
}

export const run: BenchSuite = async () => {
  const input = book();
  const group = "Monte Carlo";
  const results: BenchResult[] = [];
  results.push(
    await measure(
      group,
      `${PATHS.toLocaleString("en")} paths × ${DAYS} days × ${ASSETS} assets (buy-and-hold, GBM)`,
      () => simulatePortfolio({ ...input, random: createRandom(1) }),
      {
        iterations: 5,
        warmup: 1,
        targetMs: 1000,
        note: "default options: plain independent paths; 50.4M ziggurat normals (one xoshiro128** word each, inlined) + 529M Cholesky multiply-adds (2 rows × 4 days per sweep) + 50.4M exp",
      },
    ),
  );
  results.push(
    await measure(
      group,
      `${PATHS.toLocaleString("en")} paths × ${DAYS} days × ${ASSETS} assets, antithetic pairs`,
      () => simulatePortfolio({ ...input, antithetic: true, random: createRandom(1) }),
      {
        iterations: 5,
        warmup: 1,
        targetMs: 1000,
        note: "option: half the normals and Cholesky products, exp for both paths of a pair",
      },
    ),
  );
  results.push(
    await measure(
      group,
      `${PATHS.toLocaleString("en")} paths × ${DAYS} days, portfolio mode (one GBM with wᵀμ, √(wᵀΣw))`,
      () => simulatePortfolio({ ...input, mode: "portfolio", random: createRandom(1) }),
      { iterations: 10, warmup: 2 },
    ),
  );
  // What a briefing runs: a 21-day portfolio-mode simulation over normals shared by every
  // simulation of the seed (drawn once), summarised by walking every path or from the paths'
  // profile (built once per seed, like the normals). Each call is a different book (its weights
  // move), so no call repeats another's summary.
  const BRIEF_DAYS = 21;
  const normals = oneAssetNormals(createRandom(42), BRIEF_DAYS, PATHS);
  const built = performance.now();
  const profile = oneAssetPathProfile(normals, BRIEF_DAYS, PATHS, false);
  const buildMs = performance.now() - built;
  let call = 0;
  const briefingBook = (withProfile: boolean) => {
    call += 1;
    const tilt = (call % 17) / 170;
    const weights = input.weights.map((w, i) => w * (1 + (i % 2 === 0 ? tilt : -tilt)));
    return simulatePortfolio({
      ...input,
      weights,
      horizonDays: BRIEF_DAYS,
      mode: "portfolio",
      random: createRandom(42),
      normalsFor: () => normals,
      ...(withProfile ? { profileFor: () => profile } : {}),
    });
  };
  const [walk, profiled] = (await measureAlternating(
    [
      {
        group,
        name: `${PATHS.toLocaleString("en")} paths × ${BRIEF_DAYS} days, portfolio mode over shared normals (a briefing's simulation): walking every path`,
        fn: () => briefingBook(false),
      },
      {
        group,
        name: `${PATHS.toLocaleString("en")} paths × ${BRIEF_DAYS} days, portfolio mode over shared normals: from the paths' profile (what briefings use)`,
        fn: () => briefingBook(true),
      },
    ],
    { iterations: 50, warmup: 20 },
  )) as [BenchResult, BenchResult];
  results.push(
    { ...walk, note: "timed in turn with the next row; the same summary up to rounding" },
    {
      ...profiled,
      note: `${(walk.medianMs / profiled.medianMs).toFixed(1)}× faster than walking; the profile (sums of shocks, upper hull of each path's largest drop by lag: ${(profile.hullLag.length / PATHS).toFixed(1)} vertices a path) took ${buildMs.toFixed(0)} ms to build, once per seed`,
    },
  );
  return results;
};
