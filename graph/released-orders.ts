import type { Order } from "../governance/index.js";
import type { ReleaseRecord } from "./state.js";

/**
 * Released orders as an order management system takes them: JSON (one document) or CSV (RFC 4180:
 * a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break). There
 * is no broker connection: this export is Steward's output.
 */

export const RELEASED_ORDER_COLUMNS = [
  "runId",
  "portfolioId",
  "idempotencyKey",
  "symbol",
  "side",
  "quantity",
  "lotSize",
  "assetClass",
  "currency",
  "price",
  "priceDate",
  "notional",
  "cost",
  "proposalHash",
  "releasedAt",
  "releasedBy",
] as const;

export interface ReleasedOrdersDocument {
  readonly runId: string;
  readonly portfolioId: string;
  readonly proposalHash: string;
  readonly releasedAt: string;
  readonly releasedBy: readonly string[];
  readonly orders: readonly Order[];
}

/** The JSON document of a release. */
export function releasedOrdersDocument(
  runId: string,
  portfolioId: string,
  release: ReleaseRecord,
): ReleasedOrdersDocument {
  return {
    runId,
    portfolioId,
    proposalHash: release.rehash,
    releasedAt: release.at,
    releasedBy: release.releasedBy,
    orders: release.orders,
  };
}

/**
 * One CSV field: as is, or in double quotes (inner quotes doubled) when it holds `,`, `"`, CR or LF.
 * @example csvField('a,"b"') // '"a,""b"""'
 */
export function csvField(value: string | number): string {
  const text = typeof value === "number" ? String(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The release as CSV, one row per order in the proposal's order (sorted by symbol), numbers as
 * JavaScript writes them (shortest round-trip form), approvers joined by `;`.
 *
 * @example releasedOrdersCsv(doc).split("\r\n")[0] // "runId,portfolioId,idempotencyKey,symbol,…"
 */
export function releasedOrdersCsv(doc: ReleasedOrdersDocument): string {
  const rows = [RELEASED_ORDER_COLUMNS.join(",")];
  for (const o of doc.orders) {
    const values: Record<(typeof RELEASED_ORDER_COLUMNS)[number], string | number> = {
      runId: doc.runId,
      portfolioId: doc.portfolioId,
      idempotencyKey: o.idempotencyKey,
      symbol: o.symbol,
      side: o.side,
      quantity: o.quantity,
      lotSize: o.lotSize,
      assetClass: o.assetClass,
      currency: o.currency,
      price: o.price,
      priceDate: o.priceDate,
      notional: o.notional,
      cost: o.cost,
      proposalHash: doc.proposalHash,
      releasedAt: doc.releasedAt,
      releasedBy: doc.releasedBy.join(";"),
    };
    rows.push(RELEASED_ORDER_COLUMNS.map((c) => csvField(values[c])).join(","));
  }
  return `${rows.join("\r\n")}\r\n`;
}
