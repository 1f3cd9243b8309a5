import { z } from "zod";
import { ASSET_CLASSES, isValidSymbol } from "../tools/index.js";

/**
 * The portfolio file: who holds what, under which mandate and policy. Strict: unknown fields are
 * errors (no mass assignment), every number finite. Shared by the CLI, the HTTP API, the agents
 * and the checks — the one definition.
 */

export const SymbolSchema = z
  .string()
  .refine(isValidSymbol, { message: "invalid symbol (1–32 letters, digits, . - _ = ^ /)" });
const Fraction = z.number().finite().min(0).max(1);
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");

export const AssetClassSchema = z.enum(ASSET_CLASSES);

export const HoldingSchema = z.strictObject({
  symbol: SymbolSchema,
  quantity: z.number().finite().min(0),
  /** Average cost per unit in the instrument's currency (optional; for reporting). */
  costBasis: z.number().finite().positive().optional(),
});

export const MandateObjectiveSchema = z.enum([
  "target-weights",
  "max-sharpe",
  "min-volatility",
  "efficient-risk",
  "efficient-return",
  "risk-parity",
  "hrp",
]);

export const RiskLimitsSchema = z.strictObject({
  /** Annualised volatility of the proposed portfolio. */
  maxVolatility: z.number().finite().positive().optional(),
  /** One-day historical VaR at 95% (positive loss fraction). */
  maxVar95: z.number().finite().positive().optional(),
  /** Annualised tracking error to the benchmark. */
  maxTrackingError: z.number().finite().positive().optional(),
  /** Historical max drawdown of the proposed weights over the lookback (positive fraction). */
  maxDrawdown: z.number().finite().positive().optional(),
});

export const MandateSchema = z.strictObject({
  objective: MandateObjectiveSchema,
  /** Strategic targets for `target-weights`; a prior/universe for the others. Σ ≤ 1, rest cash. */
  targetWeights: z.record(SymbolSchema, Fraction).optional(),
  /** Symbols the optimiser may hold (default: holdings ∪ targetWeights). */
  universe: z.array(SymbolSchema).optional(),
  /** Per-asset weight bounds (long-only by default). */
  bounds: z.strictObject({ min: Fraction, max: Fraction }).default({ min: 0, max: 1 }),
  assetClassBounds: z
    .partialRecord(
      AssetClassSchema,
      z.strictObject({ min: Fraction.optional(), max: Fraction.optional() }),
    )
    .optional(),
  /** Target cash weight kept out of the optimised sleeve. */
  cashTarget: Fraction.default(0.01),
  targetVolatility: z.number().finite().positive().optional(),
  targetReturn: z.number().finite().optional(),
  riskFree: z.number().finite().min(-0.5).max(0.5).default(0),
  riskLimits: RiskLimitsSchema.default({}),
  driftThreshold: Fraction.default(0.02),
  driftMode: z.enum(["absolute", "relative"]).default("absolute"),
  turnoverLimit: z.number().finite().min(0).max(10).default(0.25),
  costModel: z
    .strictObject({
      defaultBps: z.number().finite().min(0).max(1000).default(10),
      byAssetClass: z
        .partialRecord(AssetClassSchema, z.number().finite().min(0).max(1000))
        .optional(),
    })
    .default({ defaultBps: 10 }),
  minTradeNotional: z.number().finite().min(0).default(0),
  benchmark: SymbolSchema.optional(),
  /** Trading days of history the agents look at. */
  lookbackDays: z
    .number()
    .int()
    .min(63)
    .max(252 * 30)
    .default(756),
});

export const PortfolioSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a lowercase slug (a-z, 0-9, -)"),
  name: z.string().min(1).max(200),
  baseCurrency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
  cash: z.number().finite().min(0),
  holdings: z.array(HoldingSchema).max(2000),
  mandate: MandateSchema,
  policyId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
    .default("default"),
  /** Optional: the desk that owns it (scopes in the API). */
  desk: z.string().min(1).max(64).optional(),
  asOf: IsoDate.optional(),
});

export type Holding = z.infer<typeof HoldingSchema>;
export type Mandate = z.infer<typeof MandateSchema>;
export type MandateObjective = z.infer<typeof MandateObjectiveSchema>;
export type Portfolio = z.infer<typeof PortfolioSchema>;
/** The file as written (defaults not yet applied). */
export type PortfolioInput = z.input<typeof PortfolioSchema>;
