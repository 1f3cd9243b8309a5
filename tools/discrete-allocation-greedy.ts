import type { AllocationProblem } from "./discrete-allocation-input.js";

/**
 * PyPortfolioOpt's `DiscreteAllocation.greedy_portfolio` (long-only branch), extended with lot
 * sizes and a cash target. Returns lots per asset, in the problem's (sorted-symbol) order.
 *
 * Assets are visited by weight descending, ties by symbol ascending; `c_i` is the value of one lot,
 * `V` the total value, `s = 1 − cash target` the invested share (1 when fully invested).
 * 1. First round: `n_i = trunc(w_i·V / c_i)` lots; the budget `s·V` is reduced by `n_i·c_i`.
 * 2. Second round: with `X = Σ n_j·c_j`, the deficit of asset i is `w_i/s − n_i·c_i/X`
 *    (`w_i/s` when X = 0). Buy one lot of the asset with the largest positive deficit among those
 *    whose lot still fits in the remaining budget (ties: first in visiting order); stop when none.
 *
 * Differences from PyPortfolioOpt: it gives up after skipping 10 unaffordable assets in one step
 * (here every affordable asset is considered), and divides 0 by 0 when the first round bought
 * nothing (here the deficits are then the weights). Each asset is bought at most about once in
 * the second round (its first round leaves it within one lot of its target `w_i·V ≥ w_i·X/s`),
 * so the second round costs O(N²).
 * @example
 * greedyLots(validateAllocationInput({ weights: { A: 0.5, B: 0.3, C: 0.2 }, latestPrices: { A: 10, B: 40, C: 6 }, totalValue: 100 })) // Float64Array [5, 0, 3]
 */
export function greedyLots(problem: AllocationProblem): Float64Array {
  const { weights, lotCosts, totalValue, cashTarget, symbols } = problem;
  const n = symbols.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const wa = weights[a] as number;
    const wb = weights[b] as number;
    return wa !== wb ? wb - wa : a - b; // indices already follow symbol order
  });
  const share = 1 - cashTarget;
  const lots = new Float64Array(n);
  let available = cashTarget === 0 ? totalValue : share * totalValue;

  for (const i of order) {
    const w = weights[i] as number;
    if (w === 0) continue;
    const cost = lotCosts[i] as number;
    let k = Math.trunc((w * totalValue) / cost);
    // Rounding can put trunc(w·V/c)·c a hair above w·V; never let it exceed the budget.
    while (k > 0 && k * cost > available) k = Math.min(k - 1, Math.floor(available / cost));
    lots[i] = k;
    available -= k * cost;
  }

  const ideal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ideal[i] = cashTarget === 0 ? (weights[i] as number) : (weights[i] as number) / share;
  }
  for (;;) {
    let invested = 0;
    for (const i of order) invested += (lots[i] as number) * (lotCosts[i] as number);
    let best = -1;
    let bestDeficit = 0;
    for (const i of order) {
      const cost = lotCosts[i] as number;
      if (!(cost > 0) || cost > available) continue;
      const current = invested > 0 ? ((lots[i] as number) * cost) / invested : 0;
      const deficit = (ideal[i] as number) - current;
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = i;
      }
    }
    if (best < 0) break;
    lots[best] = (lots[best] as number) + 1;
    available -= lotCosts[best] as number;
  }
  return lots;
}
