import {
  greedyAllocation,
  loadHighs,
  lpAllocation,
  type DiscreteAllocationInput,
} from "../tools/discrete-allocation.js";
import { createRandom } from "../tools/random.js";
import { measure, type BenchSuite } from "./harness.js";

const GROUP = "discrete allocation";

/**
 * A reproducible N-asset book: long-only weights (uniform draws normalised to 1), prices 5–2 000
 * (log-uniform, cents), lot sizes 1, 1, 10 and 0.001 (fractional) in turn, $1m to allocate.
 */
function book(n: number, seed: number): DiscreteAllocationInput {
  const random = createRandom(seed);
  const raw: number[] = [];
  const weights: Record<string, number> = {};
  const latestPrices: Record<string, number> = {};
  const lotSizes: Record<string, number> = {};
  for (let i = 0; i < n; i++) raw.push(0.2 + random.nextDouble());
  const total = raw.reduce((s, x) => s + x, 0);
  for (let i = 0; i < n; i++) {
    const symbol = `S${String(i).padStart(3, "0")}`;
    weights[symbol] = (raw[i] ?? 0) / total;
    latestPrices[symbol] = Math.round(5 * 400 ** random.nextDouble() * 100) / 100;
    lotSizes[symbol] = [1, 1, 10, 0.001][i % 4] ?? 1;
  }
  return { weights, latestPrices, totalValue: 1_000_000, lotSizes };
}

export const run: BenchSuite = async () => {
  const solver = await loadHighs();
  const results = [];
  for (const n of [20, 100]) {
    const input = book(n, 20240601 + n);
    const greedy = greedyAllocation(input);
    const lp = lpAllocation(input, solver);
    const note =
      `objective greedy ${greedy.objective.toFixed(2)} vs lp ${lp.objective.toFixed(2)} ` +
      `(${lp.solverStatus}, gap ${(lp.optimalityGap ?? 0).toFixed(4)}); ` +
      `leftover greedy ${greedy.leftover.toFixed(2)}, lp ${lp.leftover.toFixed(2)}`;
    results.push(
      await measure(GROUP, `greedy, ${n} assets`, () => greedyAllocation(input), {
        iterations: 50,
        warmup: 5,
        note,
      }),
      await measure(GROUP, `lp (HiGHS MILP), ${n} assets`, () => lpAllocation(input, solver), {
        iterations: 10,
        warmup: 2,
        note,
      }),
    );
  }
  return results;
};
