import { describe, expect, it } from "vitest";
import { releasePriceCheck } from "./checks-release.js";
import { AS_OF, makeOrder, makeProposal, testPolicy } from "./checks.fixtures.js";

const proposal = makeProposal([makeOrder("AAA", "BUY", 30), makeOrder("ETF", "SELL", 10)]);
const prices = (aaa: number, etf = 300) => ({
  AAA: { price: aaa, date: AS_OF },
  ETF: { price: etf, date: AS_OF },
});

describe("releasePriceCheck", () => {
  it("passes orders whose price moved less than the tolerance", () => {
    // 101.5 / 100 − 1 = 1.5% ≤ 2%.
    expect(releasePriceCheck(proposal, prices(101.5), testPolicy()).map((r) => r.message)).toEqual([
      "REAPPROVAL_REQUIRED: ok, symbol=AAA, approvedPrice=100.00, price=101.50, movePct=1.50, max=2.00",
      "REAPPROVAL_REQUIRED: ok, symbol=ETF, approvedPrice=300.00, price=300.00, movePct=0.00, max=2.00",
    ]);
  });

  it("requires re-approval when a price moved beyond the tolerance, either way", () => {
    // 103 / 100 − 1 = 3% > 2%; 291 / 300 − 1 = −3%.
    const rs = releasePriceCheck(proposal, prices(103, 291), testPolicy());
    expect(rs.filter((r) => !r.passed).map((r) => r.message)).toEqual([
      "REAPPROVAL_REQUIRED: symbol=AAA, approvedPrice=100.00, price=103.00, movePct=3.00, max=2.00",
      "REAPPROVAL_REQUIRED: symbol=ETF, approvedPrice=300.00, price=291.00, movePct=3.00, max=2.00",
    ]);
    expect(rs[0]?.severity).toBe("hard");
  });

  it("accepts a move of exactly the tolerance", () => {
    expect(releasePriceCheck(proposal, prices(102), testPolicy())[0]?.passed).toBe(true);
  });

  it("requires re-approval when the current price is missing", () => {
    const rs = releasePriceCheck(proposal, { ETF: { price: 300, date: AS_OF } }, testPolicy());
    expect(rs[0]?.message).toBe(
      "REAPPROVAL_REQUIRED: symbol=AAA, approvedPrice=100.00, price=null, movePct=null, max=2.00 (no current price)",
    );
    expect(rs[0]?.passed).toBe(false);
  });
});
