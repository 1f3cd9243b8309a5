import { ASSET_CLASSES, isAssetClass, type AssetClass } from "./asset-class.js";
import { invalidInput } from "./errors.js";
import {
  assertFiniteArray,
  assertFiniteNumber,
  assertSameLength,
  assertSquareMatrix,
} from "./validate.js";
import { sum } from "./stats.js";

/**
 * A deterministic stress scenario.
 * - `shocks`: instant simple price returns (−0.2 = −20%, never below −1). A symbol's own shock
 *   (`bySymbol`) wins over its class's (`byAssetClass`); an asset matched by neither is unshocked.
 * - `volatilityMultiplier` k (> 0, default 1): every volatility × k, so Σ × k².
 * - `correlationToOne` c ∈ [0, 1] (default 0): every correlation blended to `(1 − c)ρ + c`.
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly shocks: {
    readonly byAssetClass?: Readonly<Partial<Record<AssetClass, number>>>;
    readonly bySymbol?: Readonly<Record<string, number>>;
  };
  readonly volatilityMultiplier?: number;
  readonly correlationToOne?: number;
}

const equityLike = (shock: number): Partial<Record<AssetClass, number>> => ({
  equity: shock,
  etf: shock,
  mutual_fund: shock,
});

/**
 * The named scenario library. Funds (`etf`, `mutual_fund`) are treated as equity-like, which is
 * conservative for equity funds and too harsh for bond or gold funds: override them with
 * `bySymbol` in a custom scenario when the book holds such funds.
 */
export const SCENARIOS = {
  "equity-crash-20": {
    name: "equity-crash-20",
    description: "Equities and equity-like funds fall 20% at once.",
    shocks: { byAssetClass: equityLike(-0.2) },
  },
  "volatility-x2": {
    name: "volatility-x2",
    description: "Every volatility doubles (covariance × 4); no instant price move.",
    shocks: {},
    volatilityMultiplier: 2,
  },
  "crypto-crash": {
    name: "crypto-crash",
    description: "Crypto assets fall 60% at once.",
    shocks: { byAssetClass: { crypto: -0.6 } },
  },
  "rate-shock": {
    name: "rate-shock",
    description: "Rates jump: bonds fall 8%, equities and equity-like funds 10%.",
    shocks: { byAssetClass: { bond: -0.08, ...equityLike(-0.1) } },
  },
  stagflation: {
    name: "stagflation",
    description: "Equities and equity-like funds fall 15%, commodities rise 20%.",
    shocks: { byAssetClass: { ...equityLike(-0.15), commodity: 0.2 } },
  },
  "correlation-crisis": {
    name: "correlation-crisis",
    description:
      "Diversification fails: volatilities × 1.5 and every correlation moves halfway to 1; no instant price move.",
    shocks: {},
    volatilityMultiplier: 1.5,
    correlationToOne: 0.5,
  },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

/**
 * Looks a scenario up by name in {@link SCENARIOS}; throws INVALID_INPUT naming `scenario`
 * (with the known names) otherwise.
 * @example getScenario("crypto-crash").shocks.byAssetClass?.crypto // -0.6
 */
export function getScenario(name: string): Scenario {
  if (!Object.hasOwn(SCENARIOS, name)) {
    throw invalidInput(
      "scenario",
      `unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(", ")}`,
    );
  }
  return SCENARIOS[name as ScenarioName];
}

export interface ScenarioPortfolio {
  readonly symbols: readonly string[];
  /** Weights of `value`, summing to 1 within 1e-6 (cash included; shorts allowed). */
  readonly weights: readonly number[];
  readonly assetClasses: readonly AssetClass[];
  /** Portfolio market value in currency, > 0. */
  readonly value: number;
}

export interface ScenarioPosition {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  readonly weight: number;
  /** `value · weight`, currency. */
  readonly marketValue: number;
  /** Simple return applied, e.g. −0.2. */
  readonly shock: number;
  /** Which rule set the shock: the symbol's own, its class's, or none (0). */
  readonly shockSource: "symbol" | "assetClass" | "none";
  /** `marketValue · shock`, currency; negative = loss. */
  readonly pnl: number;
}

export interface ScenarioImpact {
  readonly scenario: string;
  readonly positions: readonly ScenarioPosition[];
  /** `Σ pnl`, currency; negative = loss. */
  readonly totalPnl: number;
  /** `totalPnl / value`, fraction; negative = loss. */
  readonly totalReturn: number;
  /** `value + totalPnl`. */
  readonly stressedValue: number;
}

/**
 * Instant profit and loss of a scenario's price shocks: for each position
 * `pnl_i = value · w_i · shock_i`, `shock_i` = `bySymbol[symbol]`, else `byAssetClass[class]`,
 * else 0; total `Σ pnl_i` (compensated sum), as a return `Σ pnl_i / value` and as the stressed value.
 * Volatility and correlation settings do not move prices: see {@link stressedParameters}.
 * Errors (INVALID_INPUT) name the field: `portfolio.symbols[i]` (empty or duplicate),
 * `portfolio.weights` (length, finite, sum 1 ± 1e-6), `portfolio.assetClasses[i]`,
 * `portfolio.value`, `scenario.shocks.bySymbol.X` (unknown symbol or shock < −1), etc.
 *
 * @example
 * // 100,000 in AAPL (equity) 50%, TLT (bond) 30%, BTC (crypto) 10%, cash 10%, rate-shock:
 * // AAPL 50,000 × −10% = −5,000; TLT 30,000 × −8% = −2,400; total −7,400 (−7.4%).
 * applyScenario({ symbols: ["AAPL", "TLT", "BTC", "USD"], weights: [0.5, 0.3, 0.1, 0.1],
 *   assetClasses: ["equity", "bond", "crypto", "cash"], value: 100_000 },
 *   getScenario("rate-shock")).totalPnl // -7400
 */
export function applyScenario(portfolio: ScenarioPortfolio, scenario: Scenario): ScenarioImpact {
  const { symbols, weights, assetClasses, value } = portfolio;
  validateScenario(scenario);
  if (!Array.isArray(symbols) || symbols.length === 0) {
    throw invalidInput("portfolio.symbols", "must list at least one symbol");
  }
  const seen = new Set<string>();
  symbols.forEach((s, i) => {
    if (typeof s !== "string" || s.length === 0) {
      throw invalidInput(`portfolio.symbols[${i}]`, "must be a non-empty string");
    }
    if (seen.has(s)) throw invalidInput(`portfolio.symbols[${i}]`, `duplicate symbol ${s}`);
    seen.add(s);
  });
  assertFiniteArray("portfolio.weights", weights);
  assertSameLength("portfolio.symbols", symbols, "portfolio.weights", weights);
  const total = sum(weights);
  if (Math.abs(total - 1) > 1e-6) {
    throw invalidInput("portfolio.weights", `must sum to 1 (±1e-6), got ${total}`);
  }
  if (!Array.isArray(assetClasses)) {
    throw invalidInput("portfolio.assetClasses", "must be an array of asset classes");
  }
  assertSameLength("portfolio.symbols", symbols, "portfolio.assetClasses", assetClasses);
  assetClasses.forEach((c, i) => {
    if (!isAssetClass(c)) {
      throw invalidInput(
        `portfolio.assetClasses[${i}]`,
        `must be one of ${ASSET_CLASSES.join(", ")}, got ${String(c)}`,
      );
    }
  });
  assertFiniteNumber("portfolio.value", value);
  if (value <= 0) throw invalidInput("portfolio.value", `must be > 0, got ${value}`);
  const bySymbol = scenario.shocks.bySymbol ?? {};
  for (const s of Object.keys(bySymbol)) {
    if (!seen.has(s)) {
      throw invalidInput(`scenario.shocks.bySymbol.${s}`, `symbol ${s} is not in the portfolio`);
    }
  }
  const byClass = scenario.shocks.byAssetClass ?? {};
  const positions: ScenarioPosition[] = symbols.map((symbol, i) => {
    const assetClass = assetClasses[i] as AssetClass;
    const weight = weights[i] as number;
    const own = Object.hasOwn(bySymbol, symbol) ? bySymbol[symbol] : undefined;
    const classShock = byClass[assetClass];
    const shock = own ?? classShock ?? 0;
    const shockSource =
      own !== undefined ? "symbol" : classShock !== undefined ? "assetClass" : "none";
    const marketValue = value * weight;
    return {
      symbol,
      assetClass,
      weight,
      marketValue,
      shock,
      shockSource,
      pnl: marketValue * shock,
    };
  });
  const totalPnl = sum(positions.map((p) => p.pnl));
  return {
    scenario: scenario.name,
    positions,
    totalPnl,
    totalReturn: totalPnl / value,
    stressedValue: value + totalPnl,
  };
}

/**
 * The covariance to simulate under a scenario (annual or daily — units are kept):
 * `Σ'_ij = k² · ((1 − c) Σ_ij + c σ_i σ_j)` for i ≠ j and `Σ'_ii = k² Σ_ii`, with `σ_i = √Σ_ii`,
 * k = `volatilityMultiplier` (default 1), c = `correlationToOne` (default 0). So volatilities scale
 * by k and correlations become `(1 − c)ρ_ij + c`; a zero-variance asset stays uncorrelated.
 * The result is PSD whenever Σ is (a sum of PSD matrices). Price shocks are ignored here.
 * Throws INVALID_INPUT naming `covariance[i][j]` (non-square, non-finite, negative variance) or
 * the scenario field.
 *
 * @example
 * // σ = (0.2, 0.3), ρ = 0.1 → Σ₁₂ = 0.006; k = 2, c = 0.5:
 * // Σ'₁₂ = 4 · (0.5 · 0.006 + 0.5 · 0.2 · 0.3) = 0.132; Σ'₁₁ = 0.16; Σ'₂₂ = 0.36.
 * stressedParameters([[0.04, 0.006], [0.006, 0.09]], { name: "x", description: "",
 *   shocks: {}, volatilityMultiplier: 2, correlationToOne: 0.5 }) // [[0.16, 0.132], [0.132, 0.36]]
 */
export function stressedParameters(
  covariance: readonly (readonly number[])[],
  scenario: Scenario,
): number[][] {
  validateScenario(scenario);
  assertSquareMatrix("covariance", covariance);
  const n = covariance.length;
  const sd = covariance.map((row, i) => {
    const v = row[i] as number;
    if (v < 0) throw invalidInput(`covariance[${i}][${i}]`, `variance must be ≥ 0, got ${v}`);
    return Math.sqrt(v);
  });
  const k2 = (scenario.volatilityMultiplier ?? 1) ** 2;
  const c = scenario.correlationToOne ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = covariance[i] as readonly number[];
    const next: number[] = [];
    for (let j = 0; j < n; j++) {
      const v = row[j] as number;
      next.push(i === j ? k2 * v : k2 * ((1 - c) * v + c * (sd[i] as number) * (sd[j] as number)));
    }
    out.push(next);
  }
  return out;
}

function validateScenario(scenario: Scenario): void {
  if (typeof scenario !== "object" || scenario === null) {
    throw invalidInput("scenario", "must be a scenario object");
  }
  if (typeof scenario.name !== "string" || scenario.name.length === 0) {
    throw invalidInput("scenario.name", "must be a non-empty string");
  }
  if (typeof scenario.shocks !== "object" || scenario.shocks === null) {
    throw invalidInput("scenario.shocks", "must be an object");
  }
  const checkShock = (field: string, shock: unknown): void => {
    if (typeof shock !== "number" || !Number.isFinite(shock) || shock < -1) {
      throw invalidInput(field, `must be a finite return ≥ −1, got ${String(shock)}`);
    }
  };
  for (const [cls, shock] of Object.entries(scenario.shocks.byAssetClass ?? {})) {
    if (!isAssetClass(cls)) {
      throw invalidInput(
        `scenario.shocks.byAssetClass.${cls}`,
        `unknown asset class; known: ${ASSET_CLASSES.join(", ")}`,
      );
    }
    checkShock(`scenario.shocks.byAssetClass.${cls}`, shock);
  }
  for (const [symbol, shock] of Object.entries(scenario.shocks.bySymbol ?? {})) {
    checkShock(`scenario.shocks.bySymbol.${symbol}`, shock);
  }
  const k = scenario.volatilityMultiplier;
  if (k !== undefined && (typeof k !== "number" || !Number.isFinite(k) || k <= 0)) {
    throw invalidInput(
      "scenario.volatilityMultiplier",
      `must be a finite number > 0, got ${String(k)}`,
    );
  }
  const c = scenario.correlationToOne;
  if (c !== undefined && (typeof c !== "number" || !Number.isFinite(c) || c < 0 || c > 1)) {
    throw invalidInput("scenario.correlationToOne", `must be within [0, 1], got ${String(c)}`);
  }
}
