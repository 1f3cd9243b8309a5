import { describe, expect, it } from "vitest";
import { loadBundledPolicy } from "../governance/index.js";
import { isToolError } from "../tools/index.js";
import { MarketDataError } from "../market/index.js";
import { currentWeights, narrativeStatus, qualityPolicyOf, runErrorOf } from "./node-support.js";

describe("node support", () => {
  it("weights the book by market value in the base currency over NAV including cash", () => {
    // A: 10 × 50 × 1 = 500; B: 4 × 100 × 1.25 = 500 (EUR → USD); cash 1,000 → NAV 2,000.
    const w = currentWeights(
      {
        cash: 1000,
        holdings: [
          { symbol: "B", quantity: 4 },
          { symbol: "A", quantity: 10 },
        ],
      },
      { A: 50, B: 100 },
      { A: 1, B: 1.25 },
    );
    expect(w).toEqual({ A: 0.25, B: 0.25 });
    expect(Object.keys(w)).toEqual(["A", "B"]);
  });

  it("adds up a symbol held on two lines", () => {
    // 2 × 10 + 3 × 10 = 50 of a NAV of 100.
    const w = currentWeights(
      {
        cash: 50,
        holdings: [
          { symbol: "A", quantity: 2 },
          { symbol: "A", quantity: 3 },
        ],
      },
      { A: 10 },
      { A: 1 },
    );
    expect(w).toEqual({ A: 0.5 });
  });

  it("refuses a holding without a price, naming it, and a book without value", () => {
    let field = "";
    try {
      currentWeights({ cash: 1, holdings: [{ symbol: "A", quantity: 1 }] }, {}, { A: 1 });
    } catch (error) {
      if (isToolError(error)) field = error.field;
    }
    expect(field).toBe("portfolio.holdings[0]");
    expect(() => currentWeights({ cash: 0, holdings: [] }, {}, {})).toThrow("NAV must be > 0");
  });

  it("passes the policy's data-quality severities and thresholds to the Data agent", () => {
    const policy = loadBundledPolicy();
    const q = qualityPolicyOf(policy);
    expect(q.severity?.STALE_PRICE).toBe("blocking");
    expect(q.thresholds?.staleAfterWeekdays).toBe(policy.dataQuality.staleAfterWeekdays);
  });

  it("keeps the code and field of tool and market-data errors", () => {
    expect(runErrorOf("data", new MarketDataError("UNKNOWN_SYMBOL", "no ZZZ", "symbols"))).toEqual({
      node: "data",
      code: "UNKNOWN_SYMBOL",
      message: "no ZZZ",
      field: "symbols",
    });
    expect(runErrorOf("optimizer", new TypeError("boom"))).toEqual({
      node: "optimizer",
      code: "AGENT_ERROR",
      message: "TypeError: boom",
    });
  });

  it("reads release_denied as blocked and approved as still pending in the narrative", () => {
    expect(narrativeStatus("release_denied")).toBe("blocked");
    expect(narrativeStatus("approved")).toBe("awaiting_approval");
    expect(narrativeStatus("released")).toBe("released");
  });
});
