import { tool } from "@langchain/core/tools";
import { z } from "zod";
import {
  AssetClassSchema,
  MandateSchema,
  PortfolioSchema,
  ProposalSchema,
  SymbolSchema,
  idempotencyKey,
  proposalHash,
  type Order,
  type Proposal,
} from "../governance/index.js";
import {
  ASSET_CLASSES,
  invalidInput,
  rebalance,
  type AssetClass,
  type RebalanceHolding,
} from "../tools/index.js";
import {
  InstrumentSchema,
  IsoDateSchema,
  LatestPriceSchema,
  RecommendedBySchema,
  WeightsSchema,
} from "./schemas.js";

/**
 * The Execution agent: turns target weights into a proposal of orders through tools' rebalance()
 * (drift band, turnover limit, whole lots, per-class costs, cash). Instruments give the asset
 * class, lot size, currency and fractional rule; the mandate gives the drift threshold and mode,
 * the turnover limit, the cost model and the minimum trade notional. Orders are sorted by symbol
 * and carry idempotency keys; the proposal is hashed (the hash an approval binds to), and a
 * proposal without orders is still a proposal, with a hash.
 */

export const NAME = "execution";
export const VERSION = "1.0.0";

const recommendedBy = { agent: NAME, version: VERSION } as const;

export const ExecutionInputSchema = z.object({
  portfolio: PortfolioSchema,
  /** Target weights (fractions of NAV) by symbol; cash is the remainder; a `CASH` key is ignored. */
  targetWeights: WeightsSchema,
  /** Reference price (instrument currency) and its date, by symbol. */
  latestPrices: z.record(SymbolSchema, LatestPriceSchema),
  instruments: z.record(SymbolSchema, InstrumentSchema),
  /** Units of the base currency per one unit of each currency. */
  fx: z.record(z.string(), z.number().finite().positive()),
  asOf: IsoDateSchema,
  policyVersion: z.string(),
  /** Defaults to the portfolio's mandate. */
  mandate: MandateSchema.optional(),
});

/** Why a row trades or does not: drift beyond the band, or tools' rebalance reason. */
export const RowReasonSchema = z.enum([
  "DRIFT_BEYOND_BAND",
  "WITHIN_BAND",
  "DUST_TRADE",
  "TURNOVER_LIMIT_SCALED",
  "CASH_INSUFFICIENT",
]);

export const ExecutionRowSchema = z.object({
  symbol: SymbolSchema,
  assetClass: AssetClassSchema,
  currentWeight: z.number(),
  targetWeight: z.number(),
  /** currentWeight − targetWeight (positive = overweight). */
  drift: z.number(),
  action: z.enum(["BUY", "SELL", "HOLD"]),
  units: z.number(),
  /** Base currency. */
  notional: z.number(),
  cost: z.number(),
  postTradeWeight: z.number(),
  reason: RowReasonSchema,
});

export const ExecutionTotalsSchema = z.object({
  baseCurrency: z.string(),
  nav: z.number(),
  navAfter: z.number(),
  cashBefore: z.number(),
  cashAfter: z.number(),
  cashWeightBefore: z.number(),
  cashTargetWeight: z.number(),
  cashWeightAfter: z.number(),
  /** Σ|trade notional| / NAV, buys plus sells, not halved. */
  turnover: z.number(),
  totalCost: z.number(),
  buyNotional: z.number(),
  sellNotional: z.number(),
  tradeCount: z.number().int(),
});

export const ExecutionOutputSchema = z.object({
  proposal: ProposalSchema,
  proposalHash: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.array(ExecutionRowSchema),
  totals: ExecutionTotalsSchema,
  notes: z.array(z.string()),
  recommendedBy: RecommendedBySchema,
});

export type ExecutionInput = z.input<typeof ExecutionInputSchema>;
export type ExecutionOutput = z.infer<typeof ExecutionOutputSchema>;
export type ExecutionRow = z.infer<typeof ExecutionRowSchema>;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** mandate.costModel as tools' per-class cost: every class gets its override or the default. */
function costBps(model: z.infer<typeof MandateSchema>["costModel"]): Record<AssetClass, number> {
  const out = {} as Record<AssetClass, number>;
  for (const c of ASSET_CLASSES) out[c] = model.byAssetClass?.[c] ?? model.defaultBps;
  return out;
}

/**
 * Orders for a portfolio and its target weights (see the module comment). Every symbol held or
 * targeted needs a latest price and an instrument (else INVALID_INPUT naming
 * `latestPrices.SYM` / `instruments.SYM`: fail closed); a holding without a target gets target 0
 * (sold). Figures are tools' rebalance() figures unchanged; `postTradeWeights` holds every symbol
 * and `CASH`.
 *
 * @example
 * runExecution({ portfolio, targetWeights, latestPrices, instruments, fx: { USD: 1 },
 *   asOf: "2018-04-11", policyVersion: "v1" }).proposal.orders.map((o) => o.symbol) // sorted
 */
export function runExecution(input: ExecutionInput): ExecutionOutput {
  const portfolio = PortfolioSchema.parse(input.portfolio);
  const mandate =
    input.mandate === undefined ? portfolio.mandate : MandateSchema.parse(input.mandate);
  const base = portfolio.baseCurrency;
  const notes: string[] = [];

  const quantities = new Map<string, number>();
  portfolio.holdings.forEach((h, i) => {
    if (quantities.has(h.symbol))
      throw invalidInput(`portfolio.holdings[${i}].symbol`, `duplicate symbol ${h.symbol}`);
    quantities.set(h.symbol, h.quantity);
  });
  const targets: Record<string, number> = {};
  for (const [s, w] of Object.entries(input.targetWeights)) if (s !== "CASH") targets[s] = w;
  const symbols = [...new Set([...quantities.keys(), ...Object.keys(targets)])].sort(byCodeUnit);
  const untargeted = symbols.filter((s) => targets[s] === undefined);
  for (const s of untargeted) targets[s] = 0;
  if (untargeted.length > 0)
    notes.push(`held without a target, target 0 (sell): ${untargeted.join(", ")}`);

  const currencies = new Set<string>();
  const holdings: RebalanceHolding[] = symbols.map((symbol) => {
    const price = input.latestPrices[symbol];
    if (price === undefined)
      throw invalidInput(`latestPrices.${symbol}`, "missing reference price");
    const inst = input.instruments[symbol];
    if (inst === undefined) throw invalidInput(`instruments.${symbol}`, "unknown instrument");
    if (inst.currency !== base) currencies.add(inst.currency);
    return {
      symbol,
      quantity: quantities.get(symbol) ?? 0,
      price: price.price,
      assetClass: inst.assetClass,
      lotSize: inst.lotSize,
      currency: inst.currency,
      fractional: inst.fractional,
    };
  });
  const fxRates: Record<string, number> = {};
  for (const c of [...currencies].sort(byCodeUnit)) {
    const rate = input.fx[c];
    if (rate === undefined) throw invalidInput(`fx.${c}`, `missing rate to ${base}`);
    fxRates[c] = rate;
  }

  const result = rebalance({
    holdings,
    cash: portfolio.cash,
    baseCurrency: base,
    fxRates,
    targetWeights: targets,
    driftThreshold: mandate.driftThreshold,
    driftMode: mandate.driftMode,
    turnoverLimit: mandate.turnoverLimit,
    costBps: costBps(mandate.costModel),
    minTradeNotional: mandate.minTradeNotional,
  });

  const orders: Order[] = [];
  const rows: ExecutionRow[] = [];
  const postTradeWeights: Record<string, number> = {};
  for (const a of result.assets) {
    const inst = input.instruments[a.symbol] as z.infer<typeof InstrumentSchema>;
    const ref = input.latestPrices[a.symbol] as z.infer<typeof LatestPriceSchema>;
    if (a.action !== "HOLD") {
      orders.push({
        idempotencyKey: idempotencyKey({
          portfolioId: portfolio.id,
          asOf: input.asOf,
          symbol: a.symbol,
          side: a.action,
          quantity: a.units,
          price: ref.price,
        }),
        symbol: a.symbol,
        side: a.action,
        quantity: a.units,
        lotSize: inst.lotSize,
        assetClass: a.assetClass,
        currency: inst.currency,
        price: ref.price,
        priceDate: ref.date,
        notional: a.notional,
        cost: a.cost,
      });
    }
    rows.push({
      symbol: a.symbol,
      assetClass: a.assetClass,
      currentWeight: a.currentWeight,
      targetWeight: a.targetWeight,
      drift: a.drift,
      action: a.action,
      units: a.units,
      notional: a.notional,
      cost: a.cost,
      postTradeWeight: a.postTradeWeight,
      reason: a.reason ?? "DRIFT_BEYOND_BAND",
    });
  }
  const postTrade = new Map(result.assets.map((a) => [a.symbol, a.postTradeWeight] as const));
  postTrade.set("CASH", result.totals.cashWeightAfter);
  for (const k of [...postTrade.keys()].sort(byCodeUnit)) {
    postTradeWeights[k] = postTrade.get(k) as number;
  }
  const t = result.totals;
  const proposal: Proposal = {
    portfolioId: portfolio.id,
    policyVersion: input.policyVersion,
    asOf: input.asOf,
    baseCurrency: base,
    nav: t.nav,
    cashBefore: t.cashBefore,
    cashAfter: t.cashAfter,
    turnover: t.turnover,
    totalCost: t.totalCost,
    orders,
    postTradeWeights,
  };
  return {
    proposal,
    proposalHash: proposalHash(proposal),
    rows,
    totals: { ...t },
    notes,
    recommendedBy,
  };
}

/** The Execution agent as a LangChain tool (JSON in, JSON text out). */
export const proposeOrdersTool = tool((input) => JSON.stringify(runExecution(input)), {
  name: "propose_orders",
  description:
    "Orders that move a portfolio to target weights: drift band, turnover limit, whole lots, per-class costs and cash, with idempotency keys and the proposal hash an approval binds to.",
  schema: ExecutionInputSchema,
});

export const executionTools = [proposeOrdersTool] as const;
