import type { CheckResult } from "./checks-context.js";
import type { Policy } from "./policy.js";
import type { Proposal } from "./proposal.js";

/**
 * The release-time price guard (GOVERNANCE.md §2): an approved order whose reference price has
 * moved by more than `policy.release.maxPriceMovePct` percent since approval needs a new
 * approval. Run it together with the full pre-trade checks at release.
 */

/**
 * One result per order, code REAPPROVAL_REQUIRED (hard): `movePct = |price / order.price − 1| ·
 * 100 ≤ maxPriceMovePct`. A missing or non-positive current price fails (fail closed).
 *
 * @example releasePriceCheck(p, { AAPL: { price: 103, date } }, policy)[0]?.message
 * // "REAPPROVAL_REQUIRED: symbol=AAPL, approvedPrice=100.00, price=103.00, movePct=3.00, max=2.00"
 */
export function releasePriceCheck(
  proposal: Proposal,
  latestPrices: Readonly<Record<string, { readonly price: number; readonly date: string }>>,
  policy: Policy,
): CheckResult[] {
  const max = policy.release.maxPriceMovePct;
  const orders = [...proposal.orders].sort((a, b) =>
    a.symbol < b.symbol
      ? -1
      : a.symbol > b.symbol
        ? 1
        : a.side < b.side
          ? -1
          : a.side > b.side
            ? 1
            : 0,
  );
  return orders.map((o) => {
    const p = Object.hasOwn(latestPrices, o.symbol) ? latestPrices[o.symbol] : undefined;
    const price = p !== undefined && Number.isFinite(p.price) && p.price > 0 ? p.price : null;
    const movePct = price === null ? null : Math.abs(price / o.price - 1) * 100;
    const passed = movePct !== null && movePct <= max + 1e-9;
    const detail =
      `symbol=${o.symbol}, approvedPrice=${o.price.toFixed(2)}, price=${price === null ? "null" : price.toFixed(2)}, ` +
      `movePct=${movePct === null ? "null" : movePct.toFixed(2)}, max=${max.toFixed(2)}` +
      (price === null ? " (no current price)" : "");
    return {
      code: "REAPPROVAL_REQUIRED",
      severity: "hard",
      passed,
      message: `REAPPROVAL_REQUIRED: ${passed ? "ok, " : ""}${detail}`,
      context: { approvedPrice: o.price, price, movePct, maxMovePct: max, date: p?.date ?? null },
      symbol: o.symbol,
    };
  });
}
