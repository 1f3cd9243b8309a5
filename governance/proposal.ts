import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../audit/index.js";
import { AssetClassSchema, SymbolSchema } from "./portfolio.js";

/**
 * A proposal: the orders the Execution agent wants released, with what they were computed from.
 * Approval binds to `proposalHash = SHA-256(RFC 8785 canonical JSON of the proposal)`; any change
 * to the orders makes a new hash and supersedes earlier approvals (GOVERNANCE.md §2).
 */

export const OrderSchema = z.strictObject({
  /** Deterministic: SHA-256 over (portfolioId, runId-free proposal content, symbol, side) — see idempotencyKey(). */
  idempotencyKey: z.string().regex(/^[0-9a-f]{64}$/),
  symbol: SymbolSchema,
  side: z.enum(["BUY", "SELL"]),
  /** Units (whole lots unless the instrument is fractional). */
  quantity: z.number().finite().positive(),
  lotSize: z.number().finite().positive(),
  assetClass: AssetClassSchema,
  currency: z.string().min(3).max(5),
  /** Reference price in the instrument's currency and its date. */
  price: z.number().finite().positive(),
  priceDate: z.string(),
  /** quantity × price × fx, in the base currency. */
  notional: z.number().finite().min(0),
  cost: z.number().finite().min(0),
});

export const ProposalSchema = z.strictObject({
  portfolioId: z.string(),
  policyVersion: z.string(),
  asOf: z.string(),
  baseCurrency: z.string(),
  nav: z.number().finite(),
  cashBefore: z.number().finite(),
  cashAfter: z.number().finite(),
  turnover: z.number().finite().min(0),
  totalCost: z.number().finite().min(0),
  orders: z.array(OrderSchema),
  /** Post-trade weights by symbol (and CASH). */
  postTradeWeights: z.record(z.string(), z.number().finite()),
});

export type Order = z.infer<typeof OrderSchema>;
export type Proposal = z.infer<typeof ProposalSchema>;

/** Hex SHA-256 of the RFC 8785 canonical JSON of a value. */
export function sha256Canonical(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
}

/**
 * The proposal's hash, the thing an approval binds to.
 * @example proposalHash(p) === proposalHash(structuredClone(p)) // true
 */
export function proposalHash(proposal: Proposal): string {
  return sha256Canonical(proposal);
}

/**
 * An order's idempotency key: SHA-256 of (portfolioId, asOf, symbol, side, quantity, price) —
 * the same order for the same book and date always has the same key, so a retried release or a
 * re-run node cannot submit it twice.
 */
export function idempotencyKey(parts: {
  readonly portfolioId: string;
  readonly asOf: string;
  readonly symbol: string;
  readonly side: "BUY" | "SELL";
  readonly quantity: number;
  readonly price: number;
}): string {
  return sha256Canonical(parts);
}
