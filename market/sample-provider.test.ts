import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSampleProvider } from "./sample-provider.js";
import { MarketDataError, type Bar } from "./types.js";

/** A deliberately naive reading of a bundled CSV: split lines and commas, Number() each cell. */
function naiveSeries(file: string): Map<string, Bar[]> {
  const text = readFileSync(new URL(`./data/${file}`, import.meta.url), "utf8");
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = (lines[0] as string).split(",");
  const out = new Map<string, Bar[]>();
  header.slice(1).forEach((s) => out.set(s, []));
  for (const line of lines.slice(1)) {
    const cells = line.split(",");
    header.slice(1).forEach((s, j) => {
      const cell = cells[j + 1] as string;
      if (cell !== "") out.get(s)?.push({ date: cells[0] as string, close: Number(cell) });
    });
  }
  return out;
}

const naive = new Map([...naiveSeries("us-equities-20.csv"), ...naiveSeries("spy.csv")]);
const ALL = [...naive.keys()];
const provider = createSampleProvider();

async function rejection(promise: Promise<unknown>): Promise<MarketDataError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarketDataError) return error;
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

describe("the sample provider", () => {
  it("serves the 21 bundled symbols: the 20 equities in file order, then SPY", async () => {
    expect(await provider.universe()).toEqual([
      ..."GOOG AAPL FB BABA AMZN GE AMD WMT BAC GM T UAA SHLD XOM RRC BBY MA PFE JPM SBUX".split(
        " ",
      ),
      "SPY",
    ]);
  });

  it("returns the source prices exactly: every value of every column equals a naive parse", async () => {
    const result = await provider.bars({ symbols: ALL, asOf: "2019-12-31" });
    let compared = 0;
    const mismatches: string[] = [];
    for (const symbol of ALL) {
      const expected = naive.get(symbol) as Bar[];
      const got = result.series[symbol] as readonly Bar[];
      expect(got.length, symbol).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        const [g, e] = [got[i] as Bar, expected[i] as Bar];
        // Bit-identical numbers and identical dates: no rounding tolerance at all.
        if (g.date !== e.date || !Object.is(g.close, e.close)) {
          mismatches.push(`${symbol}[${i}] ${g.date} ${g.close} ≠ ${e.date} ${e.close}`);
        }
        compared++;
      }
    }
    expect(mismatches).toEqual([]);
    // Row counts from the provenance table: AAPL has all 7,126 rows, SPY 6,765.
    expect(result.series.AAPL).toHaveLength(7126);
    expect(result.series.SPY).toHaveLength(6765);
    expect(compared).toBeGreaterThan(100_000);
  });

  it("matches the doc example", async () => {
    const r = await provider.bars({ symbols: ["AAPL"], asOf: "1990-01-02" });
    expect(r.series.AAPL).toEqual([
      { date: "1989-12-29", close: 0.117203 },
      { date: "1990-01-02", close: 0.123853 },
    ]);
  });

  it("never returns a bar after asOf or before from, and omits none inside (fast-check)", async () => {
    const lo = Date.parse("1989-01-01T00:00:00Z") / 86_400_000;
    const hi = Date.parse("2020-06-30T00:00:00Z") / 86_400_000;
    const iso = (d: number): string => new Date(d * 86_400_000).toISOString().slice(0, 10);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: lo, max: hi }),
        fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
        fc.subarray(ALL, { minLength: 1, maxLength: 5 }),
        async (asOfDay, back, symbols) => {
          const asOf = iso(asOfDay);
          const from = back === undefined ? undefined : iso(asOfDay - back);
          const r = await provider.bars({ symbols, asOf, ...(from === undefined ? {} : { from }) });
          expect(r.window.to).toBe(asOf);
          for (const s of symbols) {
            const expected = (naive.get(s) as Bar[]).filter(
              (b) => b.date <= asOf && (from === undefined || b.date >= from),
            );
            expect(r.series[s]).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("records the bundled files with their published SHA-256 in the sources", async () => {
    const r = await provider.bars({ symbols: ["AAPL", "SPY"], asOf: "2018-01-05" });
    // Published in market/data/README.md (and the shared datasets' provenance line).
    expect(r.sources).toHaveLength(2);
    expect(r.sources[0]?.detail).toContain(
      "us-equities-20.csv sha256:1f3bc5da6d4b589a34704be69a1a8cd382f643dbedbefbc73319c3b21d9d9c71",
    );
    expect(r.sources[0]?.symbols).toEqual(["AAPL"]);
    expect(r.sources[1]?.detail).toContain(
      "spy.csv sha256:a07e207044bbd247dcf47b1dab1b7b65830a5e8bdfe817e4174e7e14ac414746",
    );
    // The bundled bytes still hash to the published value.
    const bytes = readFileSync(new URL("./data/spy.csv", import.meta.url));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(
      "a07e207044bbd247dcf47b1dab1b7b65830a5e8bdfe817e4174e7e14ac414746",
    );
  });

  it("does not let a caller corrupt the cache by mutating a result", async () => {
    const first = await provider.bars({ symbols: ["GE"], asOf: "1990-01-02" });
    (first.series.GE as Bar[]).pop();
    const bar = (first.series.GE as unknown as { close: number }[])[0] as { close: number };
    expect(() => {
      bar.close = -1;
    }).toThrow(TypeError);
    const again = await provider.bars({ symbols: ["GE"], asOf: "1990-01-02" });
    expect(again.series.GE).toHaveLength(2);
    expect(again.series.GE?.[0]?.close).toBe(0.352438);
  });

  it("names every unknown symbol", async () => {
    const error = await rejection(
      provider.bars({ symbols: ["AAPL", "NOPE", "ZZZ"], asOf: "2018-01-05" }),
    );
    expect(error.code).toBe("UNKNOWN_SYMBOL");
    expect(error.message).toContain("NOPE, ZZZ");
  });

  it("serves reference data for all 21 symbols, SPY as an ETF, SHLD and FB flagged not tradable", async () => {
    const inst = await provider.instruments(ALL);
    expect(Object.keys(inst)).toHaveLength(21);
    for (const i of Object.values(inst)) {
      expect(i.currency).toBe("USD");
      expect(i.lotSize).toBe(1);
    }
    expect(inst.SPY?.assetClass).toBe("etf");
    expect(inst.AAPL).toMatchObject({
      assetClass: "equity",
      sector: "Information Technology",
      tradable: true,
    });
    expect(inst.SHLD?.tradable).toBe(false);
    expect(inst.FB?.tradable).toBe(false);
    expect((await rejection(provider.instruments(["XXX"]))).code).toBe("UNKNOWN_SYMBOL");
  });

  it("converts USD to USD at 1 and names any other currency it cannot serve", async () => {
    const fx = await provider.fx({ base: "USD", currencies: ["USD"], asOf: "2018-01-05" });
    expect(fx.rates.USD).toEqual([{ date: "2018-01-05", close: 1 }]);
    const eur = await rejection(
      provider.fx({ base: "USD", currencies: ["EUR"], asOf: "2018-01-05" }),
    );
    expect(eur.code).toBe("UNKNOWN_SYMBOL");
    expect(eur.message).toContain("EUR");
    const gbpBase = await rejection(
      provider.fx({ base: "GBP", currencies: ["USD"], asOf: "2018-01-05" }),
    );
    expect(gbpBase.message).toContain("GBP");
  });

  it("says its last date: the latest bar among the symbols asked about", async () => {
    expect(await provider.lastDate(["AAPL"])).toBe("2018-04-11");
    expect(await provider.lastDate()).toBe("2019-12-09");
  });
});
