import type { RandomSource } from "../tools/random.js";

/**
 * The simulated market's regime switch: a three-state Markov chain on trading days. The chain
 * moves calm ↔ normal ↔ stressed (never calm ↔ stressed in one day); expected stays are
 * 1/(1 − p_ii) trading days: calm 66.7, normal 50, stressed 25.
 */
export const REGIMES = ["calm", "normal", "stressed"] as const;

export type Regime = (typeof REGIMES)[number];

/** `markov` runs the chain; a regime name holds that regime on every day (used by the tests). */
export type RegimeMode = "markov" | Regime;

export const REGIME_MODES: readonly RegimeMode[] = ["markov", ...REGIMES];

/**
 * Daily transition probabilities `P[i][j] = Pr(regime_{t+1} = j | regime_t = i)`, rows in
 * {@link REGIMES} order:
 *
 *            calm    normal  stressed
 * calm      0.985    0.015    0
 * normal    0.010    0.980    0.010
 * stressed  0        0.040    0.960
 *
 * Stationary distribution (detailed balance 0.015 π_c = 0.01 π_n, 0.01 π_n = 0.04 π_s):
 * π = (8/23, 12/23, 3/23) ≈ (0.348, 0.522, 0.130).
 */
export const REGIME_TRANSITIONS: readonly (readonly [number, number, number])[] = [
  [0.985, 0.015, 0],
  [0.01, 0.98, 0.01],
  [0, 0.04, 0.96],
];

/** Volatility multipliers per regime: for the market factor, for every other factor, for idiosyncratic noise. */
export interface RegimeMultipliers {
  readonly market: number;
  readonly factors: number;
  readonly idiosyncratic: number;
  /** Multiplier of the average daily volume. */
  readonly volume: number;
}

/**
 * Stressed days scale the market factor (×2) more than the idiosyncratic noise (×1.3), which is
 * what raises equity correlations in a sell-off; calm days shrink everything a little.
 */
export const REGIME_MULTIPLIERS: Readonly<Record<Regime, RegimeMultipliers>> = {
  calm: { market: 0.8, factors: 0.85, idiosyncratic: 0.9, volume: 0.85 },
  normal: { market: 1, factors: 1, idiosyncratic: 1, volume: 1 },
  stressed: { market: 2, factors: 1.5, idiosyncratic: 1.3, volume: 1.6 },
};

/**
 * The stationary distribution π of {@link REGIME_TRANSITIONS} (πP = π, Σπ = 1), solved exactly
 * for a three-state chain by Gaussian elimination on `(Pᵀ − I)π = 0` with the last equation
 * replaced by `Σπ = 1`.
 *
 * @example stationaryRegimeDistribution() // ≈ [8/23, 12/23, 3/23]
 */
export function stationaryRegimeDistribution(
  transitions: readonly (readonly number[])[] = REGIME_TRANSITIONS,
): number[] {
  const n = transitions.length;
  const a: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) {
      const pji = (transitions[j] as readonly number[])[i] as number;
      row.push(i === n - 1 ? 1 : pji - (i === j ? 1 : 0));
    }
    row.push(i === n - 1 ? 1 : 0);
    a.push(row);
  }
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) {
      if (Math.abs((a[r] as number[])[c] as number) > Math.abs((a[pivot] as number[])[c] as number))
        pivot = r;
    }
    const tmp = a[c] as number[];
    a[c] = a[pivot] as number[];
    a[pivot] = tmp;
    const pr = a[c] as number[];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = a[r] as number[];
      const f = (row[c] as number) / (pr[c] as number);
      for (let k = c; k <= n; k++) row[k] = (row[k] as number) - f * (pr[k] as number);
    }
  }
  return a.map((row, i) => (row[n] as number) / (row[i] as number));
}

/**
 * The regime after one day: the first `j` with `u < Σ_{k≤j} P[from][k]` (inverse CDF of the
 * row), `u` uniform in [0, 1).
 *
 * @example nextRegime(1, 0.995) // 2 (normal → stressed: 0.995 ≥ 0.01 + 0.98)
 */
export function nextRegime(from: number, u: number): number {
  const row = REGIME_TRANSITIONS[from];
  if (row === undefined) throw new RangeError(`nextRegime: no regime ${from}`);
  let cumulative = 0;
  for (let j = 0; j < row.length - 1; j++) {
    cumulative += row[j] as number;
    if (u < cumulative) return j;
  }
  return row.length - 1;
}

/**
 * The first day's regime, drawn from the stationary distribution by inverse CDF so the chain
 * starts in equilibrium.
 *
 * @example initialRegime(0.5) // 1 (8/23 ≤ 0.5 < 20/23)
 */
export function initialRegime(u: number): number {
  const pi = STATIONARY;
  let cumulative = 0;
  for (let j = 0; j < pi.length - 1; j++) {
    cumulative += pi[j] as number;
    if (u < cumulative) return j;
  }
  return pi.length - 1;
}

const STATIONARY = stationaryRegimeDistribution();

/**
 * A regime path of `days` days (indices into {@link REGIMES}), one uniform per day drawn from
 * `random` whatever the mode, so that fixing the regime does not shift the other draws.
 *
 * @example simulateRegimes(createRandom(1), 3, "stressed") // Uint8Array [2, 2, 2]
 */
export function simulateRegimes(random: RandomSource, days: number, mode: RegimeMode): Uint8Array {
  const path = new Uint8Array(days);
  const fixed = mode === "markov" ? -1 : REGIMES.indexOf(mode);
  let current = 0;
  for (let t = 0; t < days; t++) {
    const u = random.nextDouble();
    current = t === 0 ? initialRegime(u) : nextRegime(current, u);
    path[t] = fixed >= 0 ? fixed : current;
  }
  return path;
}
