import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { SymbolSchema } from "../governance/index.js";
import { forecast, type AssetForecast, type PriceTable } from "../tools/index.js";
import { IsoDateSchema, PriceTableSchema, RecommendedBySchema } from "./schemas.js";
import { NO_MEMO, type AnalysisMemo } from "./analysis-memo.js";

/**
 * The Forecast agent: the tools' forecasting ensemble (`forecast`, tools/forecast-ensemble.ts)
 * per asset, trimmed to what the other agents and the briefing read — the walk-forward
 * internals (per-signal hit rates and ICs, the ensemble backtest) stay in the tool. Strictly
 * point in time: prices dated after `asOf` are never read.
 */

export const NAME = "forecast";
export const VERSION = "1.0.0";

export const ForecastInputSchema = z.object({
  table: PriceTableSchema,
  asOf: IsoDateSchema,
});

export const SignalForecastSchema = z.object({
  name: z.string(),
  /** The signal's expected annual return (fraction). */
  expectedAnnualReturn: z.number().finite(),
  /** Its weight in the ensemble (the weights of an asset sum to 1). */
  weight: z.number().finite().min(0).max(1),
});

export const AssetForecastSchema = z.object({
  /** Ensemble expected annual return (fraction); null (with `reason`) when not computable. */
  expectedAnnualReturn: z.number().finite().nullable(),
  direction: z.enum(["up", "down", "flat"]).nullable(),
  /** In [0, 1]; 0 whenever there is a `reason`. */
  confidence: z.number().finite().min(0).max(1),
  regime: z.enum(["calm", "normal", "stressed"]).nullable(),
  /** Annualised realised volatility behind the regime. */
  regimeVolatility: z.number().finite().nullable(),
  signals: z.array(SignalForecastSchema),
  /** Daily returns of the asset dated ≤ the last data date. */
  observations: z.number().int().min(0),
  lastPriceDate: IsoDateSchema.nullable(),
  reason: z.string().optional(),
});

export const ForecastOutputSchema = z.object({
  recommendedBy: RecommendedBySchema,
  asOf: IsoDateSchema,
  /** The last table date ≤ asOf: the newest data read (null: none). */
  lastDataDate: IsoDateSchema.nullable(),
  /** The forecast horizon in trading days (returns are annualised). */
  horizonDays: z.number().int().positive(),
  assets: z.record(SymbolSchema, AssetForecastSchema),
  method: z.object({
    /** One line per part of the method (signals, weights, confidence, regime). */
    description: z.record(z.string(), z.string()),
    /** Every window and threshold used. */
    parameters: z.record(z.string(), z.number().finite()),
  }),
});

/** The schema's input, with the table as tools' (read-only) PriceTable. */
export type ForecastInput = Omit<z.input<typeof ForecastInputSchema>, "table"> & {
  readonly table: PriceTable;
};
export type ForecastOutput = z.infer<typeof ForecastOutputSchema>;
export type AssetForecastJson = z.infer<typeof AssetForecastSchema>;

function trim(a: AssetForecast): AssetForecastJson {
  return {
    expectedAnnualReturn: a.expectedAnnualReturn,
    direction: a.direction,
    confidence: a.confidence,
    regime: a.regime,
    regimeVolatility: a.regimeVolatility,
    signals: a.signals.map((s) => ({
      name: s.name,
      expectedAnnualReturn: s.expectedAnnualReturn,
      weight: s.weight,
    })),
    observations: a.observations,
    lastPriceDate: a.lastPriceDate,
    ...(a.reason === undefined ? {} : { reason: a.reason }),
  };
}

/**
 * Runs the Forecast agent: `forecast(table, { asOf })` with the tools' default parameters, per
 * asset (symbols sorted) the ensemble expected annual return, direction, confidence in [0, 1],
 * volatility regime and each signal's expected annual return and weight; an asset with too
 * little history has `expectedAnnualReturn: null`, confidence 0 and a reason. Deterministic, no
 * NaN or Infinity. With a `memo` (scoped by the caller to this table) the output is computed once per
 * as-of and shared, frozen. The table is trusted to be a PriceTable (the tool re-checks its shape and
 * prices); it is not re-parsed with zod, which would cost more than the forecast's own checks.
 *
 * @example runForecast({ table, asOf: "2000-01-03" }).assets.GOOG?.reason
 *   // "no price on or before 2000-01-03" (GOOG's first price is in 2004)
 */
export function runForecast(
  input: ForecastInput,
  tools: { readonly memo?: AnalysisMemo } = {},
): ForecastOutput {
  const asOf = IsoDateSchema.parse(input.asOf);
  return (tools.memo ?? NO_MEMO).get(`forecast:${asOf}`, () => forecastOf(input.table, asOf));
}

function forecastOf(table: PriceTable, asOf: string): ForecastOutput {
  const report = forecast(table, { asOf });
  const assets: Record<string, AssetForecastJson> = {};
  for (const symbol of Object.keys(report.assets).sort()) {
    assets[symbol] = trim(report.assets[symbol] as AssetForecast);
  }
  const { description, ...parameters } = report.method;
  return {
    recommendedBy: { agent: NAME, version: VERSION },
    asOf: report.asOf,
    lastDataDate: report.lastDataDate,
    horizonDays: report.horizonDays,
    assets,
    method: { description: { ...description }, parameters: { ...parameters } },
  };
}

/** The Forecast agent's tool: `forecast_assets` ({@link runForecast}). */
export const forecastTools = [
  tool((input) => runForecast(input), {
    name: "forecast_assets",
    description:
      "Forecast each asset's expected annual return from prices dated on or before asOf: an ensemble of momentum, mean-reversion, EWMA and ridge signals weighted by walk-forward skill, with direction, confidence in [0, 1] and the volatility regime.",
    schema: ForecastInputSchema,
  }),
] as const;
