import { describe, expect, it } from "vitest";
import type { Order } from "../governance/index.js";
import { csvField, releasedOrdersCsv, type ReleasedOrdersDocument } from "./released-orders.js";

const order: Order = {
  idempotencyKey: "a".repeat(64),
  symbol: "AAPL",
  side: "SELL",
  quantity: 202,
  lotSize: 1,
  assetClass: "equity",
  currency: "USD",
  price: 172.44,
  priceDate: "2018-04-11",
  notional: 34832.88,
  cost: 34.83,
};

describe("released orders export", () => {
  it("quotes CSV fields only when RFC 4180 requires it", () => {
    expect(csvField("AAPL")).toBe("AAPL");
    expect(csvField(1.5)).toBe("1.5");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
  });

  it("writes a header and one CRLF-terminated row per order", () => {
    const doc: ReleasedOrdersDocument = {
      runId: "run-1",
      portfolioId: "balanced",
      proposalHash: "f".repeat(64),
      releasedAt: "2024-01-02T10:05:00.000Z",
      releasedBy: ["sam", "kim"],
      orders: [order],
    };
    expect(releasedOrdersCsv(doc)).toBe(
      "runId,portfolioId,idempotencyKey,symbol,side,quantity,lotSize,assetClass,currency,price,priceDate,notional,cost,proposalHash,releasedAt,releasedBy\r\n" +
        `run-1,balanced,${"a".repeat(64)},AAPL,SELL,202,1,equity,USD,172.44,2018-04-11,34832.88,34.83,${"f".repeat(64)},2024-01-02T10:05:00.000Z,sam;kim\r\n`,
    );
  });
});
