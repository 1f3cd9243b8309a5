import { isIsoDate } from "../tools/price-table.js";
import { createRandom, fillStandardNormal } from "../tools/random.js";
import { REGIME_MODES, REGIME_MULTIPLIERS, REGIMES, simulateRegimes } from "./simulated-regimes.js";
import type { RegimeMode } from "./simulated-regimes.js";
import {
  DEFAULT_SCENARIO_START_FRACTION,
  resolveScenario,
  scenarioEffects,
} from "./simulated-scenarios.js";
import type { SimulatedScenario } from "./simulated-scenarios.js";
import {
  CASH_SYMBOL,
  FACTOR_VOLATILITY,
  FACTORS,
  normalRegimeVolatility,
  SIMULATED_UNIVERSE,
} from "./simulated-universe.js";
import type { SimulatedInstrumentSpec } from "./simulated-universe.js";
import { MarketDataError } from "./types.js";

/** Trading days per year: the daily scale of every annual parameter. */
export const SIMULATION_DAYS_PER_YEAR = 252;

/**
 * The short rate (annual, simple) accrued by the money-market fund: a mean-reverting process
 * tied to the rates factor, `r_t = clamp(r_{t−1} + κ(θ − r_{t−1})/252 − sensitivity · f_rates,t
 * + scenario change_t, min, max)`. The rates factor is a duration-7 bond's return, so a −1% bond
 * day moves the 7-year yield +14 bp and the short rate half of that (sensitivity 0.5/7).
 */
export const SHORT_RATE = {
  initial: 0.01,
  longRunMean: 0.025,
  reversionPerYear: 0.25,
  sensitivity: 0.5 / 7,
  min: 0,
  max: 0.15,
} as const;

/** Volume noise: `volume = ADV · m_volume(regime) · exp(σ_v z − σ_v²/2)`, so its mean is ADV·m. */
export const VOLUME_LOG_SD = 0.35;

/** At most 100 years of weekdays per history. */
export const MAX_SIMULATED_DAYS = 26_100;

export interface SimulationOptions {
  readonly seed: number;
  readonly scenarioName: string;
  readonly scenario: SimulatedScenario;
  readonly start: string;
  readonly end: string;
  readonly regime: RegimeMode;
  /** First date the scenario applies (the first trading day on or after it). */
  readonly scenarioStart?: string;
  readonly universe: readonly SimulatedInstrumentSpec[];
}

/** One generated history, shared by every request a provider answers. */
export interface SimulatedHistory {
  readonly dates: readonly string[];
  readonly specs: readonly SimulatedInstrumentSpec[];
  /** `closes[i][t]`: close of `specs[i]` on `dates[t]`, rounded (4 decimals, or 6 significant digits below 1). */
  readonly closes: readonly Float64Array[];
  /** Whole-unit volumes for instruments with an average daily volume, else null. */
  readonly volumes: readonly (Float64Array | null)[];
  /** Index into REGIMES per date. */
  readonly regimes: Uint8Array;
  /** Short rate in force at the close of each date (accrues into the next day). */
  readonly shortRate: Float64Array;
  readonly scenarioStartIndex: number;
}

function invalid(field: string, message: string): MarketDataError {
  return new MarketDataError("INVALID_REQUEST", `${field}: ${message}`, field);
}

/**
 * Weekdays (Monday–Friday, no holidays) from `start` to `end` inclusive, ISO dates.
 *
 * @example weekdayCalendar("2024-01-05", "2024-01-09") // ["2024-01-05", "2024-01-08", "2024-01-09"]
 */
export function weekdayCalendar(start: string, end: string): string[] {
  const dates: string[] = [];
  const last = Date.parse(`${end}T00:00:00Z`);
  for (let ms = Date.parse(`${start}T00:00:00Z`); ms <= last; ms += 86_400_000) {
    const day = new Date(ms).getUTCDay();
    if (day !== 0 && day !== 6) dates.push(new Date(ms).toISOString().slice(0, 10));
  }
  return dates;
}

/**
 * Validates raw options and fills the defaults (seed 42, scenario "base", 2015-01-02..2024-12-31,
 * regime "markov", the default universe); throws `MarketDataError` (INVALID_REQUEST) naming the
 * field.
 *
 * @example resolveSimulationOptions({}).seed // 42
 */
export function resolveSimulationOptions(raw: {
  seed?: number;
  scenario?: string;
  start?: string;
  end?: string;
  regime?: RegimeMode;
  scenarioStart?: string;
  universe?: readonly SimulatedInstrumentSpec[];
}): SimulationOptions {
  const seed = raw.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw invalid("seed", `must be a safe integer, got ${seed}`);
  const scenarioName = raw.scenario ?? "base";
  const scenario = resolveScenario(scenarioName);
  const start = raw.start ?? "2015-01-02";
  const end = raw.end ?? "2024-12-31";
  if (!isIsoDate(start)) throw invalid("start", `must be a YYYY-MM-DD date, got "${start}"`);
  if (!isIsoDate(end)) throw invalid("end", `must be a YYYY-MM-DD date, got "${end}"`);
  const days = weekdayCount(start, end);
  if (days < 2) throw invalid("end", `the window ${start}..${end} holds fewer than 2 weekdays`);
  if (days > MAX_SIMULATED_DAYS)
    throw invalid("end", `the window holds ${days} weekdays; at most ${MAX_SIMULATED_DAYS}`);
  const regime = raw.regime ?? "markov";
  if (!REGIME_MODES.includes(regime))
    throw invalid("regime", `must be one of ${REGIME_MODES.join(", ")}, got "${String(regime)}"`);
  if (raw.scenarioStart !== undefined) {
    if (!isIsoDate(raw.scenarioStart) || raw.scenarioStart <= start || raw.scenarioStart > end)
      throw invalid("scenarioStart", `must be a date after ${start} and not after ${end}`);
  }
  const universe = raw.universe ?? SIMULATED_UNIVERSE;
  if (universe.length === 0) throw invalid("universe", "must hold at least one instrument");
  return {
    seed,
    scenarioName,
    scenario,
    start,
    end,
    regime,
    ...(raw.scenarioStart === undefined ? {} : { scenarioStart: raw.scenarioStart }),
    universe,
  };
}

function weekdayCount(start: string, end: string): number {
  const days = Math.floor((Date.parse(end) - Date.parse(start)) / 86_400_000) + 1;
  if (days <= 0) return 0;
  const full = Math.floor(days / 7);
  let count = full * 5;
  const first = new Date(Date.parse(start)).getUTCDay();
  for (let k = 0; k < days - full * 7; k++) {
    const day = (first + k) % 7;
    if (day !== 0 && day !== 6) count++;
  }
  return count;
}

/**
 * Rounds a price for serving: 4 decimals at or above 1, 6 significant digits below (a relative
 * error ≤ 5·10⁻⁵, far below any daily move).
 *
 * @example roundPrice(1.234567) // 1.2346; roundPrice(0.00912345678) // 0.00912346
 */
export function roundPrice(price: number): number {
  return price >= 1 ? Math.round(price * 1e4) / 1e4 : Number(price.toPrecision(6));
}

/**
 * Generates the whole history in one pass. Draw order, all from one `createRandom(seed)`: first
 * one uniform per date for the regime chain, then per date the factor normals (FACTORS order),
 * one idiosyncratic normal per instrument and one volume normal per instrument with a volume.
 * The order never depends on the scenario or regime mode, so every scenario shares the base
 * history before its start and a fixed regime reuses the same shocks.
 *
 * Day t ≥ 1: `ln P_i,t = ln P_i,t−1 + d_i + drift^scen_i,t + v_i,t (Σ_k β_ik f_k,t + ε_i,t)`, with
 * `d_i = (μ_i − σ_i²/2)/252` (σ_i the normal-regime vol) or `r_{t−1}/252` for the cash fund, and
 * `v_i,t` the scenario vol multiplier (simulated-scenarios.ts).
 *
 * @example
 * generateSimulatedHistory(resolveSimulationOptions({ start: "2024-01-05", end: "2024-01-09" })).dates
 * // ["2024-01-05", "2024-01-08", "2024-01-09"]; every closes[i][0] is the start price
 */
export function generateSimulatedHistory(options: SimulationOptions): SimulatedHistory {
  const dates = weekdayCalendar(options.start, options.end);
  const days = dates.length;
  const specs = options.universe;
  const n = specs.length;
  const k = FACTORS.length;
  const random = createRandom(options.seed);
  const regimes = simulateRegimes(random, days, options.regime);

  let startIndex = Math.max(1, Math.floor(DEFAULT_SCENARIO_START_FRACTION * days));
  if (options.scenarioStart !== undefined) {
    const from = options.scenarioStart;
    const found = dates.findIndex((d) => d >= from);
    startIndex = found < 0 ? days : Math.max(1, found);
  }
  const effects = scenarioEffects(
    options.scenario,
    specs.map((s) => s.exposures),
    days,
    startIndex,
  );

  const sqrtDt = 1 / Math.sqrt(SIMULATION_DAYS_PER_YEAR);
  const betas = new Float64Array(n * k);
  const idio = new Float64Array(n);
  const drift = new Float64Array(n);
  const logPrice = new Float64Array(n);
  const closes: Float64Array[] = [];
  const volumes: (Float64Array | null)[] = [];
  const volumeSlot = new Int32Array(n).fill(-1);
  let volumeCount = 0;
  let cash = -1;
  for (let i = 0; i < n; i++) {
    const s = specs[i] as SimulatedInstrumentSpec;
    for (let f = 0; f < k; f++)
      betas[i * k + f] = s.loadings[FACTORS[f] as (typeof FACTORS)[number]] ?? 0;
    idio[i] = s.idiosyncraticVolatility * sqrtDt;
    const sigma = normalRegimeVolatility(s);
    drift[i] = (s.expectedReturn - (sigma * sigma) / 2) / SIMULATION_DAYS_PER_YEAR;
    if (s.instrument.symbol === CASH_SYMBOL) cash = i;
    const c = new Float64Array(days);
    c[0] = roundPrice(s.startPrice);
    closes.push(c);
    if (s.averageDailyVolume !== undefined) {
      volumeSlot[i] = volumeCount++;
      volumes.push(new Float64Array(days));
    } else volumes.push(null);
  }
  const factorScale = new Float64Array(k);
  for (let f = 0; f < k; f++)
    factorScale[f] = FACTOR_VOLATILITY[FACTORS[f] as (typeof FACTORS)[number]] * sqrtDt;
  const rates = FACTORS.indexOf("rates");
  const market = FACTORS.indexOf("market");

  const shortRate = new Float64Array(days);
  shortRate[0] = SHORT_RATE.initial;
  const z = new Float64Array(k + n + volumeCount);
  const factor = new Float64Array(k);
  const multipliers = REGIMES.map((r) => REGIME_MULTIPLIERS[r]);
  const volumeDrift = -(VOLUME_LOG_SD * VOLUME_LOG_SD) / 2;

  for (let t = 0; t < days; t++) {
    fillStandardNormal(random, z);
    const m = multipliers[regimes[t] as number] as (typeof multipliers)[number];
    if (t > 0) {
      for (let f = 0; f < k; f++) {
        const mult = f === market ? m.market : m.factors;
        factor[f] = (z[f] as number) * (factorScale[f] as number) * mult;
      }
      const rPrev = shortRate[t - 1] as number;
      for (let i = 0; i < n; i++) {
        let shock = (z[k + i] as number) * (idio[i] as number) * m.idiosyncratic;
        const row = i * k;
        for (let f = 0; f < k; f++) shock += (betas[row + f] as number) * (factor[f] as number);
        const cell = t * n + i;
        const base = i === cash ? rPrev / SIMULATION_DAYS_PER_YEAR : (drift[i] as number);
        logPrice[i] =
          (logPrice[i] as number) +
          base +
          (effects.drift[cell] as number) +
          (effects.volScale[cell] as number) * shock;
        const s = specs[i] as SimulatedInstrumentSpec;
        (closes[i] as Float64Array)[t] = roundPrice(s.startPrice * Math.exp(logPrice[i] as number));
      }
      const next =
        rPrev +
        (SHORT_RATE.reversionPerYear * (SHORT_RATE.longRunMean - rPrev)) /
          SIMULATION_DAYS_PER_YEAR -
        SHORT_RATE.sensitivity * (factor[rates] as number) +
        (effects.rateChange[t] as number);
      shortRate[t] = Math.min(SHORT_RATE.max, Math.max(SHORT_RATE.min, next));
    }
    for (let i = 0; i < n; i++) {
      const slot = volumeSlot[i] as number;
      if (slot < 0) continue;
      const adv = (specs[i] as SimulatedInstrumentSpec).averageDailyVolume as number;
      const zv = z[k + n + slot] as number;
      (volumes[i] as Float64Array)[t] = Math.round(
        adv * m.volume * Math.exp(VOLUME_LOG_SD * zv + volumeDrift),
      );
    }
  }
  return { dates, specs, closes, volumes, regimes, shortRate, scenarioStartIndex: startIndex };
}
