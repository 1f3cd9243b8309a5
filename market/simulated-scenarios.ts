import type { ShockGroup } from "./simulated-universe.js";
import { MarketDataError } from "./types.js";

/**
 * Named scenarios for the simulated market, served by the API as preview scenarios. A scenario
 * changes nothing before its start date (by default the first trading day of the last 20% of the
 * window: index ⌊0.8·n⌋ of the n dates), so every scenario shares the base history up to there.
 *
 * A `return` shock adds a deterministic log drift `e_i · ln(1 + totalReturn) / days` to every
 * instrument i with exposure e_i to the group, on each of the `days` trading days from the start;
 * the stated move is therefore the expected move of a fully exposed instrument over that span
 * (the random part still moves around it). Its `volMultiplier` scales the random part of those
 * instruments' returns (factor and idiosyncratic together, raised to the power e_i) from the
 * start to the end of the window. A `short-rate` shock adds `change` (annual, e.g. 0.015 =
 * +150 bp) to the short rate spread evenly over `days`, which the money-market fund then accrues.
 * A shock still running at the window's end is cut off there.
 */
export type ScenarioShock =
  | {
      readonly kind: "return";
      readonly group: ShockGroup;
      readonly totalReturn: number;
      readonly days: number;
      readonly volMultiplier: number;
    }
  | { readonly kind: "short-rate"; readonly change: number; readonly days: number };

export interface SimulatedScenario {
  readonly title: string;
  readonly description: string;
  readonly shocks: readonly ScenarioShock[];
}

/** Fraction of the window before a scenario starts by default. */
export const DEFAULT_SCENARIO_START_FRACTION = 0.8;

export const SIMULATED_SCENARIOS = {
  base: {
    title: "Base case",
    description: "No shock: the seeded market runs on with its regime switching.",
    shocks: [],
  },
  "crypto-crash": {
    title: "Crypto crash",
    description:
      "Crypto assets fall 60% over three weeks (15 trading days) and their volatility rises by half for the rest of the window.",
    shocks: [{ kind: "return", group: "crypto", totalReturn: -0.6, days: 15, volMultiplier: 1.5 }],
  },
  "rate-shock": {
    title: "Rate shock",
    description:
      "Yields jump: bonds fall 8% and equities 10% over four weeks (20 trading days) while the short rate rises 150 bp; bond volatility ×1.3, equity volatility ×1.2.",
    shocks: [
      { kind: "return", group: "bond", totalReturn: -0.08, days: 20, volMultiplier: 1.3 },
      { kind: "return", group: "equity", totalReturn: -0.1, days: 20, volMultiplier: 1.2 },
      { kind: "short-rate", change: 0.015, days: 20 },
    ],
  },
  "equity-melt-up": {
    title: "Equity melt-up",
    description:
      "Equities rise 25% over a year (250 trading days) while their volatility falls by 30%.",
    shocks: [{ kind: "return", group: "equity", totalReturn: 0.25, days: 250, volMultiplier: 0.7 }],
  },
  stagflation: {
    title: "Stagflation",
    description:
      "Over three months (60 trading days) equities fall 15%, commodities rise 20% and bonds fall 5% while the short rate rises 100 bp; equity volatility ×1.3, commodity volatility ×1.2.",
    shocks: [
      { kind: "return", group: "equity", totalReturn: -0.15, days: 60, volMultiplier: 1.3 },
      { kind: "return", group: "commodity", totalReturn: 0.2, days: 60, volMultiplier: 1.2 },
      { kind: "return", group: "bond", totalReturn: -0.05, days: 60, volMultiplier: 1 },
      { kind: "short-rate", change: 0.01, days: 60 },
    ],
  },
} as const satisfies Readonly<Record<string, SimulatedScenario>>;

export type SimulatedScenarioName = keyof typeof SIMULATED_SCENARIOS;

/** One scenario for a listing: its name, title and description. */
export interface ScenarioSummary {
  readonly name: SimulatedScenarioName;
  readonly title: string;
  readonly description: string;
}

/**
 * The named scenarios in a stable order (base first), for the API's preview-scenarios route.
 *
 * @example listScenarios().map((s) => s.name) // ["base", "crypto-crash", "rate-shock", "equity-melt-up", "stagflation"]
 */
export function listScenarios(): ScenarioSummary[] {
  return (Object.keys(SIMULATED_SCENARIOS) as SimulatedScenarioName[]).map((name) => ({
    name,
    title: SIMULATED_SCENARIOS[name].title,
    description: SIMULATED_SCENARIOS[name].description,
  }));
}

/**
 * True when `name` is one of {@link SIMULATED_SCENARIOS} (own keys only).
 *
 * @example isScenarioName("base") // true; isScenarioName("toString") // false
 */
export function isScenarioName(name: string): name is SimulatedScenarioName {
  return Object.prototype.hasOwnProperty.call(SIMULATED_SCENARIOS, name);
}

/**
 * The scenario called `name`, or a `MarketDataError` (`INVALID_REQUEST`, field `scenario`) that
 * names it and lists the known ones.
 *
 * @example resolveScenario("crypto-crash").shocks.length // 1
 */
export function resolveScenario(name: string): SimulatedScenario {
  if (!isScenarioName(name)) {
    throw new MarketDataError(
      "INVALID_REQUEST",
      `unknown simulated scenario "${name}"; known: ${Object.keys(SIMULATED_SCENARIOS).join(", ")}`,
      "scenario",
    );
  }
  return SIMULATED_SCENARIOS[name];
}

/**
 * Per-instrument, per-day scenario effects: `drift[t·n + i]` is the extra daily log return of
 * instrument i on day t, `volScale[t·n + i]` the multiplier of its random part, and
 * `rateChange[t]` the change added to the short rate on day t. Days before `startIndex` carry 0,
 * 1 and 0.
 *
 * @example
 * // one fully exposed crypto instrument, a 3-day window, crypto-crash from day 1: ln(0.4)/15 per day
 * scenarioEffects(SIMULATED_SCENARIOS["crypto-crash"], [{ crypto: 1 }], 3, 1).drift
 * // Float64Array [0, -0.06108604879161033, -0.06108604879161033]
 */
export function scenarioEffects(
  scenario: SimulatedScenario,
  exposures: readonly Readonly<Partial<Record<ShockGroup, number>>>[],
  days: number,
  startIndex: number,
): { drift: Float64Array; volScale: Float64Array; rateChange: Float64Array } {
  const n = exposures.length;
  const drift = new Float64Array(days * n);
  const volScale = new Float64Array(days * n).fill(1);
  const rateChange = new Float64Array(days);
  for (const shock of scenario.shocks) {
    const end = Math.min(days, startIndex + shock.days);
    if (shock.kind === "short-rate") {
      for (let t = startIndex; t < end; t++)
        rateChange[t] = (rateChange[t] as number) + shock.change / shock.days;
      continue;
    }
    const perDay = Math.log(1 + shock.totalReturn) / shock.days;
    for (let i = 0; i < n; i++) {
      const e = (exposures[i] as Partial<Record<ShockGroup, number>>)[shock.group] ?? 0;
      if (e === 0) continue;
      const scale = Math.pow(shock.volMultiplier, e);
      for (let t = startIndex; t < days; t++) {
        const k = t * n + i;
        if (t < end) drift[k] = (drift[k] as number) + e * perDay;
        volScale[k] = (volScale[k] as number) * scale;
      }
    }
  }
  return { drift, volScale, rateChange };
}
