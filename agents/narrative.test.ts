import { describe, expect, it } from "vitest";
import {
  NarrativeSchema,
  factsOf,
  fixed2,
  formatMoney,
  formatPercent,
  formatSignedPercent,
  formatUnits,
  narrativeNumbers,
  narrativeText,
  renderNarrative,
  unsupportedNumbers,
  type NarrativeFactsInput,
} from "./narrative.js";

const order = (symbol: string, side: "BUY" | "SELL", quantity: number, notional: number) => ({
  symbol,
  side,
  quantity,
  notional,
  cost: notional * 0.001,
});

/** A briefing awaiting approval with everything a narrative can mention. */
const rich: NarrativeFactsInput = {
  portfolioId: "multi-asset",
  asOf: "2024-12-31",
  baseCurrency: "USD",
  status: "awaiting_approval",
  nav: 2_000_190.06,
  driftThreshold: 0.02,
  turnoverLimit: 0.4,
  drift: [
    { symbol: "SIMCR-BTC", currentWeight: 0.04, targetWeight: 0, drift: 0.04 },
    { symbol: "SIMEQ-FIN1", currentWeight: 0.0600146, targetWeight: 0, drift: 0.0600146 },
    { symbol: "SIMEQ-TECH1", currentWeight: 0.1, targetWeight: 0.0878749, drift: 0.0121251 },
    { symbol: "SIMETF-GOVT", currentWeight: 0.15, targetWeight: 0.2, drift: -0.05 },
    { symbol: "SIMMF-CORP", currentWeight: 0.1, targetWeight: 0.25, drift: -0.15 },
    { symbol: "SIMFX-EURUSD", currentWeight: 0.0297, targetWeight: 0, drift: 0.0297 },
    { symbol: "SIMMM-USD", currentWeight: 0.05, targetWeight: 0.12, drift: -0.07 },
  ],
  orders: [
    order("SIMCR-BTC", "SELL", 359.732, 80_000.12),
    order("SIMEQ-FIN1", "SELL", 2907, 120_017.82),
    order("SIMETF-GOVT", "BUY", 589, 99_911.83),
    order("SIMFX-EURUSD", "SELL", 46000, 59_413.6),
    order("SIMMF-CORP", "BUY", 16458.31234567, 300_016.5),
    order("SIMMM-USD", "BUY", 1204.1, 140_000),
  ],
  turnover: 0.39969,
  totalCost: 799.36,
  cashAfter: 12_345.67,
  risk: {
    current: { volatility: 0.0912, var95: 0.0087, maxDrawdown: 0.21, trackingError: 0.05 },
    proposed: { volatility: 0.0685, var95: 0.0066, maxDrawdown: 0.15, trackingError: 0.06 },
  },
  stress: {
    monteCarlo: {
      horizonDays: 21,
      initialValue: 2_000_190.06,
      probabilityOfLoss: 0.3712,
      terminalValue: { p5: 1_901_234.5 },
    },
    scenarios: [
      { name: "gfc-2008", current: { return: -0.2513 }, proposed: { return: -0.1877 } },
      { name: "crypto-crash", current: { return: -0.031 }, proposed: null },
    ],
  },
  breaches: [{ limit: "maxVar95", value: 0.0066, max: 0.006, severity: "soft" }],
  findings: [{ code: "GAP", severity: "warning", symbol: "SIMCM-GOLD" }],
  checks: [
    { code: "CASH_BUFFER", severity: "soft", passed: false },
    { code: "RESTRICTED_LIST", severity: "hard", passed: true },
  ],
};

const blocked: NarrativeFactsInput = {
  ...rich,
  status: "blocked",
  checks: [
    { code: "RESTRICTED_LIST", severity: "hard", passed: false },
    { code: "PRICE_STALE", severity: "hard", passed: false },
  ],
};

const noTrade: NarrativeFactsInput = {
  portfolioId: "balanced",
  asOf: "2018-04-11",
  baseCurrency: "USD",
  status: "no_trade",
  nav: 1_000_000,
  driftThreshold: 0.02,
  drift: [{ symbol: "AAPL", currentWeight: 0.125, targetWeight: 0.12, drift: 0.005 }],
  orders: [],
  turnover: 0,
  totalCost: 0,
};

describe("number formats", () => {
  it("writes fractions as percents with 2 decimals, signed for drift", () => {
    expect(formatPercent(0.1234)).toBe("12.34%");
    expect(formatPercent(0.12345)).toBe("12.35%");
    expect(formatSignedPercent(0.012)).toBe("+1.20%");
    expect(formatSignedPercent(-0.035)).toBe("-3.50%");
    expect(formatSignedPercent(0.00001)).toBe("0.00%");
    expect(fixed2(-0.001)).toBe("0.00");
  });

  it("writes money with the currency code, thousands separators and 2 decimals", () => {
    expect(formatMoney(1234.567, "USD")).toBe("USD 1,234.57");
    expect(formatMoney(1_234_567.891, "EUR")).toBe("EUR 1,234,567.89");
    expect(formatMoney(-1_234_567.891, "EUR")).toBe("EUR -1,234,567.89");
    expect(formatMoney(999.999, "USD")).toBe("USD 1,000.00");
    expect(formatMoney(12, "GBP")).toBe("GBP 12.00");
  });

  it("writes units as integers or with up to 8 decimals", () => {
    expect(formatUnits(120)).toBe("120");
    expect(formatUnits(0.125)).toBe("0.125");
    expect(formatUnits(16458.31234567)).toBe("16458.31234567");
    expect(formatUnits(1e-8)).toBe("0.00000001");
  });
});

describe("narrativeNumbers", () => {
  it("finds dates, grouped numbers, decimals and percents as magnitudes", () => {
    expect(
      narrativeNumbers("SELL 120 AAPL for USD 20,692.80 on 2018-04-11 (VaR95 -1.25%)"),
    ).toEqual([20180411, 120, 20692.8, 1.25]);
  });

  it("ignores digits inside words such as symbols and labels", () => {
    expect(narrativeNumbers("SIMEQ-TECH1 and VaR95 and p5 and 3rd")).toEqual([]);
  });

  it("reads a number at the end of a sentence", () => {
    expect(narrativeNumbers("Cash after trading: USD 12,345.67.")).toEqual([12345.67]);
  });
});

describe("renderNarrative", () => {
  it("renders the summary of a simple briefing exactly", () => {
    const n = renderNarrative({
      portfolioId: "balanced",
      asOf: "2018-04-11",
      baseCurrency: "USD",
      status: "awaiting_approval",
      nav: 1_000_000,
      driftThreshold: 0.02,
      turnoverLimit: 0.3,
      drift: [
        { symbol: "AAPL", currentWeight: 0.17, targetWeight: 0.12, drift: 0.05 },
        { symbol: "JPM", currentWeight: 0.115, targetWeight: 0.11, drift: 0.005 },
      ],
      orders: [order("AAPL", "SELL", 290, 50_000)],
      turnover: 0.05,
      totalCost: 50,
      risk: {
        current: { volatility: 0.15, var95: 0.014 },
        proposed: { volatility: 0.14, var95: 0.013 },
      },
    });
    expect(n.summary).toBe(
      "balanced as of 2018-04-11: the proposal awaits a supervisor's approval. NAV USD 1,000,000.00. " +
        "1 of 2 assets drift beyond the 2.00% band (largest: AAPL +5.00%). " +
        "Proposed 1 order (1 sell, 0 buys): turnover 5.00% (limit 30.00%), estimated cost USD 50.00. " +
        "Volatility 15.00% now, 14.00% proposed; one-day VaR95 1.40% now, 1.30% proposed.",
    );
    expect(n.topActions).toEqual([
      "SELL 290 AAPL for USD 50,000.00, cost USD 50.00: weight 17.00% vs target 12.00% (drift +5.00%).",
    ]);
  });

  it("lists the five largest orders by notional, then how many more", () => {
    const n = renderNarrative(rich);
    expect(n.topActions.slice(0, 5).map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual([
      "BUY 16458.31234567 SIMMF-CORP",
      "BUY 1204.1 SIMMM-USD",
      "SELL 2907 SIMEQ-FIN1",
      "BUY 589 SIMETF-GOVT",
      "SELL 359.732 SIMCR-BTC",
    ]);
    expect(n.topActions[5]).toBe("…and 1 smaller order.");
  });

  it("flags breaches, failed checks, findings, the worst scenario and the Monte Carlo", () => {
    const flags = renderNarrative(rich).riskFlags;
    expect(flags).toContain("maxVar95: 0.66% exceeds the 0.60% limit (soft).");
    expect(flags).toContain("CASH_BUFFER failed (soft).");
    expect(flags).toContain("GAP on SIMCM-GOLD (warning data finding).");
    expect(flags).toContain("Worst stress scenario gfc-2008: -18.77% instant return.");
    // 1,901,234.5 / 2,000,190.06 = 0.950527… → 95.05%
    expect(flags).toContain(
      "Monte Carlo over 21 days: probability of loss 37.12%; the worst-5% terminal value is 95.05% of today's.",
    );
  });

  it("asks for the soft warnings to be acknowledged and sells before buying", () => {
    const playbook = renderNarrative(rich).executionPlaybook;
    expect(playbook[1]).toBe("Acknowledge 1 soft warning before approving: CASH_BUFFER.");
    // Sells: 80,000.12 + 120,017.82 + 59,413.60 = 259,431.54; buys: 99,911.83 + 300,016.50 + 140,000 = 539,928.33.
    expect(playbook[2]).toBe("Sell first: 3 orders for USD 259,431.54, funding the buys.");
    expect(playbook[3]).toBe("Then buy: 3 orders for USD 539,928.33.");
  });

  it("explains a blocked run by its hard failures", () => {
    const n = renderNarrative(blocked);
    expect(n.summary).toMatch(/Blocked by 2 hard failures: RESTRICTED_LIST, PRICE_STALE\.$/);
    expect(n.executionPlaybook[0]).toBe(
      "Do not trade: 2 hard failures (RESTRICTED_LIST, PRICE_STALE).",
    );
  });

  it("renders the documented example", () => {
    const n = renderNarrative({
      portfolioId: "p",
      asOf: "2018-04-11",
      baseCurrency: "USD",
      status: "no_trade",
      driftThreshold: 0.02,
      drift: [],
      orders: [],
      turnover: 0,
      totalCost: 0,
    });
    expect(n.summary).toBe(
      "p as of 2018-04-11: no trade needed. 0 of 0 assets drift beyond the 2.00% band. No orders proposed.",
    );
    expect(
      narrativeText({ summary: "a", topActions: ["b"], riskFlags: [], executionPlaybook: ["c"] }),
    ).toBe("a\nb\nc");
  });

  it("says no trade is needed when there are no orders", () => {
    const n = renderNarrative(noTrade);
    expect(n.topActions).toEqual([
      "No trades: every asset is within the 2.00% drift band or its order was below the minimum trade.",
    ]);
    expect(n.riskFlags).toEqual(["No risk limit breaches, failed checks or data findings."]);
    expect(n.executionPlaybook[0]).toBe("No orders to release.");
  });

  it("states each finding code once, with its symbols, however often it occurs", () => {
    const f: NarrativeFactsInput = {
      ...noTrade,
      findings: [
        { code: "OUTLIER_JUMP", severity: "warning", symbol: "WMT" },
        { code: "OUTLIER_JUMP", severity: "warning", symbol: "AMZN" },
        { code: "OUTLIER_JUMP", severity: "warning", symbol: "WMT" },
      ],
    };
    expect(renderNarrative(f).riskFlags).toEqual([
      "OUTLIER_JUMP on AMZN, WMT (warning data findings).",
    ]);
  });

  it("is deterministic and matches its schema", () => {
    for (const f of [rich, blocked, noTrade]) {
      const n = renderNarrative(f);
      expect(NarrativeSchema.parse(n)).toEqual(n);
      expect(JSON.stringify(renderNarrative(f))).toBe(JSON.stringify(n));
    }
  });
});

describe("checking a text against the facts", () => {
  it.each([
    ["awaiting approval", rich],
    ["blocked", blocked],
    ["no trade", noTrade],
  ])("every number the %s narrative states is in the facts", (_name, facts) => {
    const text = narrativeText(renderNarrative(facts));
    const stated = narrativeNumbers(text);
    expect(stated.length).toBeGreaterThan(3);
    const allowed = new Set(factsOf(facts));
    for (const n of stated) expect(allowed.has(n), `${n} is not in the facts`).toBe(true);
    expect(unsupportedNumbers(text, facts)).toEqual([]);
  });

  it("rejects a rewrite that states a number the facts do not hold", () => {
    const text = narrativeText(renderNarrative(rich)).replaceAll("39.97%", "41.97%");
    expect(text).toContain("41.97%");
    expect(unsupportedNumbers(text, rich)).toEqual([41.97, 41.97]);
  });

  it("rejects an invented money amount and accepts a faithful paraphrase", () => {
    expect(unsupportedNumbers("Estimated cost is USD 812.00.", rich)).toEqual([812]);
    expect(
      unsupportedNumbers(
        "Selling 2907 SIMEQ-FIN1 (USD 120,017.82) and buying SIMMF-CORP keeps turnover at 39.97%, under the 40% cap.",
        rich,
      ),
    ).toEqual([]);
  });

  it("lists each figure as a percent, with 2 decimals and as units", () => {
    const facts = factsOf(noTrade);
    expect(facts).toContain(12.5); // currentWeight 0.125 as a percent
    expect(facts).toContain(1_000_000); // NAV
    expect(facts).toContain(20180411); // the as-of date
    expect(facts).not.toContain(13);
    expect(factsOf({ ...noTrade, turnover: 0.1234 })).toContain(12.34);
  });
});
