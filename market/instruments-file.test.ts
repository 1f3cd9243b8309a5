import { describe, expect, it } from "vitest";
import { defaultInstrument, parseInstrumentsFile } from "./instruments-file.js";
import { MarketDataError } from "./types.js";

const entry = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  symbol: "X",
  name: "X Corp",
  assetClass: "equity",
  currency: "USD",
  ...extra,
});
const file = (...entries: Record<string, unknown>[]): string =>
  JSON.stringify({ instruments: entries });

function fieldOf(text: string): string | undefined {
  try {
    parseInstrumentsFile(text, "i.json");
  } catch (error) {
    if (error instanceof MarketDataError && error.code === "PROVIDER_MALFORMED") return error.field;
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

describe("parseInstrumentsFile", () => {
  it("defaults lot size 1, whole units and tradable (the doc example)", () => {
    const x = parseInstrumentsFile(file(entry()), "i.json").get("X");
    expect(x).toEqual({
      symbol: "X",
      name: "X Corp",
      assetClass: "equity",
      currency: "USD",
      lotSize: 1,
      fractional: false,
      tradable: true,
    });
  });

  it("keeps sector and issuer and drops the human note", () => {
    const x = parseInstrumentsFile(
      file(entry({ sector: "Energy", issuer: "X plc", note: "renamed", tradable: false })),
      "i.json",
    ).get("X");
    expect(x).toMatchObject({ sector: "Energy", issuer: "X plc", tradable: false });
    expect(x).not.toHaveProperty("note");
  });

  it.each([
    ["invalid JSON", "{", "i.json"],
    [
      "an unknown asset class",
      file(entry({ assetClass: "stock" })),
      "i.json instruments[0].assetClass",
    ],
    ["a misspelt key", file(entry({ lotsize: 10 })), "i.json instruments[0]"],
    ["a lower-case currency", file(entry({ currency: "usd" })), "i.json instruments[0].currency"],
    ["a zero lot size", file(entry({ lotSize: 0 })), "i.json instruments[0].lotSize"],
    ["a symbol listed twice", file(entry(), entry()), "i.json instruments[1].symbol"],
    ["no instruments key", JSON.stringify([entry()]), "i.json"],
  ])("refuses %s, naming the entry", (_name, text, field) => {
    expect(fieldOf(text)).toBe(field);
  });
});

describe("defaultInstrument", () => {
  it("assumes an equity in USD, lot 1, whole units, tradable, named by its symbol", () => {
    expect(defaultInstrument("XYZ")).toEqual({
      symbol: "XYZ",
      name: "XYZ",
      assetClass: "equity",
      currency: "USD",
      lotSize: 1,
      fractional: false,
      tradable: true,
    });
  });
});
