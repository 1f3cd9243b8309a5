import { sum } from "./stats.js";
import { unitsOf, type AllocationProblem } from "./discrete-allocation-input.js";

/**
 * Evaluation of an allocation (lots → notional, leftover, objective) and the two local fixes the
 * lp method applies to HiGHS's answer: restoring leftover ≥ 0 and a single-lot polish.
 */

export interface Evaluation {
  readonly lots: Float64Array;
  readonly notional: Float64Array;
  readonly invested: number;
  readonly leftover: number;
  readonly objective: number;
}

/**
 * Notional `units × price` per asset, `invested = Σ notional` (compensated sum), `leftover = V −
 * invested`, and the objective `Σ_i |w_i·V − notional_i| + |leftover − cashTarget·V|` (the last term
 * is just `leftover` when fully invested), all in currency.
 * @example
 * // A 4 (40), B 1 (40), C 3 (18): |50−40| + |30−40| + |20−18| + 2
 * evaluate(validateAllocationInput({ weights: { A: 0.5, B: 0.3, C: 0.2 }, latestPrices: { A: 10, B: 40, C: 6 }, totalValue: 100 }), Float64Array.of(4, 1, 3))
 * // leftover 2, objective 24
 */
export function evaluate(problem: AllocationProblem, lots: Float64Array): Evaluation {
  const { weights, prices, totalValue, cashTarget } = problem;
  const n = lots.length;
  const notional = new Float64Array(n);
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) {
    notional[i] = unitsOf(problem, i, lots[i] as number) * (prices[i] as number);
    gaps.push(Math.abs((weights[i] as number) * totalValue - (notional[i] as number)));
  }
  const invested = sum(Array.from(notional));
  const leftover = totalValue - invested;
  gaps.push(cashTarget === 0 ? leftover : Math.abs(leftover - cashTarget * totalValue));
  return { lots, notional, invested, leftover, objective: sum(gaps) };
}

/**
 * Guarantees leftover ≥ 0 in the reported arithmetic (notional = units × price, which can differ in
 * the last bits from lots × lot value, and HiGHS's 1e-9 feasibility tolerance): while over budget,
 * sell the fewest lots of one holding that cover the excess, choosing the holding whose sale raises
 * the objective least (ties: first symbol). Rarely does anything, and then usually one small lot.
 * @example
 * // 7 A + 1 B = 110 > 100: one A fewer costs 0 (|50−60| replaces |50−70|, cash −10 → 0), one B 60
 * withinBudget(validateAllocationInput({ABC}), Float64Array.of(7, 1, 0))
 * // lots [6, 1, 0], leftover 0, objective 10 + 10 + 20 + 0 = 40
 */
export function withinBudget(problem: AllocationProblem, lots: Float64Array): Evaluation {
  const { weights, lotCosts, totalValue, cashTarget } = problem;
  const cashTerm = (leftover: number): number =>
    cashTarget === 0 ? leftover : Math.abs(leftover - cashTarget * totalValue);
  let current = evaluate(problem, lots);
  while (current.leftover < 0) {
    let best = -1;
    let bestLots = 0;
    let bestChange = Infinity;
    for (let i = 0; i < lots.length; i++) {
      const held = current.lots[i] as number;
      const cost = lotCosts[i] as number;
      if (!(held > 0)) continue;
      const sell = Math.min(held, Math.max(1, Math.ceil(-current.leftover / cost)));
      const value = current.notional[i] as number;
      const target = (weights[i] as number) * totalValue;
      const change =
        Math.abs(target - (value - sell * cost)) -
        Math.abs(target - value) +
        cashTerm(current.leftover + sell * cost) -
        cashTerm(current.leftover);
      if (change < bestChange) {
        bestChange = change;
        best = i;
        bestLots = sell;
      }
    }
    if (best < 0) break; // nothing held: leftover = totalValue > 0
    const next = Float64Array.from(current.lots);
    next[best] = (next[best] as number) - bestLots;
    current = evaluate(problem, next);
  }
  return current;
}

/**
 * Single-lot polish of the MILP answer: HiGHS's tolerances (1e-7 dual, 1e-9 primal, relative to the
 * largest lot value) can leave moves worth a fraction of a cent on the table, e.g. one more lot of
 * a fractional instrument. Repeatedly apply the best one-lot buy or sale (of an asset with weight
 * > 0) that lowers the objective by more than 1e-12·V and keeps leftover ≥ 0, at most 4N times.
 * @example
 * // From greedy's 5 A, 0 B, 3 C (64): one more C is |20−24| − |20−18| − 6 = −4; then nothing
 * // single helps (the lp optimum, 4 A 1 B 3 C = 24, needs two lots moved at once).
 * polish(problem, evaluate(problem, Float64Array.of(5, 0, 3))) // lots [5, 0, 4], objective 60
 */
export function polish(problem: AllocationProblem, start: Evaluation): Evaluation {
  const { weights, lotCosts, totalValue, cashTarget } = problem;
  const n = start.lots.length;
  const cashTerm = (leftover: number): number =>
    cashTarget === 0 ? leftover : Math.abs(leftover - cashTarget * totalValue);
  let current = start;
  for (let step = 0; step < 4 * n; step++) {
    let best = -1;
    let bestSign = 0;
    let bestChange = -1e-12 * totalValue;
    for (let i = 0; i < n; i++) {
      if (!((weights[i] as number) > 0)) continue;
      const cost = lotCosts[i] as number;
      const value = current.notional[i] as number;
      const gap = (weights[i] as number) * totalValue - value;
      for (const sign of [1, -1]) {
        if (sign > 0 ? cost > current.leftover : !((current.lots[i] as number) > 0)) continue;
        const change =
          Math.abs(gap - sign * cost) -
          Math.abs(gap) +
          cashTerm(current.leftover - sign * cost) -
          cashTerm(current.leftover);
        if (change < bestChange) {
          bestChange = change;
          best = i;
          bestSign = sign;
        }
      }
    }
    if (best < 0) break;
    const lots = Float64Array.from(current.lots);
    lots[best] = (lots[best] as number) + bestSign;
    const next = evaluate(problem, lots);
    if (!(next.leftover >= 0 && next.objective < current.objective)) break;
    current = next;
  }
  return current;
}
