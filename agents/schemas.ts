import { z } from "zod";
import { QUALITY_CODES } from "../market/index.js";
import { AssetClassSchema, SymbolSchema } from "../governance/index.js";

/**
 * Schemas shared by several agents' inputs and outputs. Everything in graph state is plain JSON
 * (it is checkpointed), so prices travel as a column table with `null` for a missing day.
 */

export const IsoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");

/** tools' PriceTable as JSON: one date axis, one column per symbol. */
export const PriceTableSchema = z.object({
  dates: z.array(IsoDateSchema),
  symbols: z.array(SymbolSchema),
  columns: z.array(z.array(z.number().finite().positive().nullable())),
});

export const InstrumentSchema = z.object({
  symbol: SymbolSchema,
  name: z.string(),
  assetClass: AssetClassSchema,
  sector: z.string().optional(),
  issuer: z.string().optional(),
  currency: z.string(),
  lotSize: z.number().positive(),
  fractional: z.boolean(),
  tradable: z.boolean(),
});

/** The reference price the checks and the execution use: last close on or before as-of. */
export const LatestPriceSchema = z.object({
  price: z.number().finite().positive(),
  date: IsoDateSchema,
});

export const FindingSchema = z.object({
  code: z.enum(QUALITY_CODES),
  severity: z.enum(["warning", "blocking"]),
  symbol: z.string(),
  message: z.string(),
  context: z.record(z.string(), z.union([z.number(), z.string()])),
});

export const SourceSchema = z.object({
  provider: z.enum(["sample", "simulated", "csv", "yahoo"]),
  detail: z.string(),
  symbols: z.array(z.string()),
  cached: z.boolean().optional(),
});

export const WindowSchema = z.object({ from: IsoDateSchema, to: IsoDateSchema });

/** Weights by symbol (fractions of NAV); cash is the remainder unless a CASH key is given. */
export const WeightsSchema = z.record(SymbolSchema, z.number().finite());

/** Who recommended a result: the agent and the tool/model version behind it (audit `recommendedBy`). */
export const RecommendedBySchema = z.object({
  agent: z.string(),
  model: z.string().optional(),
  version: z.string(),
});

export type PriceTableJson = z.infer<typeof PriceTableSchema>;
export type InstrumentJson = z.infer<typeof InstrumentSchema>;
export type LatestPrice = z.infer<typeof LatestPriceSchema>;
export type Finding = z.infer<typeof FindingSchema>;
export type Weights = z.infer<typeof WeightsSchema>;
