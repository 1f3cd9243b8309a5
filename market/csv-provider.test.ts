import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createCsvProvider } from "./csv-provider.js";
import { MarketDataError, type Bar } from "./types.js";

const root = mkdtempSync(path.join(tmpdir(), "steward-csv-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory holding `files` (name → contents). */
function dirWith(files: Record<string, string>): string {
  const dir = path.join(root, `d${counter++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<MarketDataError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarketDataError) return error;
    throw error;
  }
  throw new Error("expected a MarketDataError");
}

const A_CSV = "date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,11,\n2024-01-04,12,22\n";
const B_CSV = "date,CCC\n2024-01-03,5.5\n2024-01-05,5.25\n";
const INSTRUMENTS = JSON.stringify({
  instruments: [
    { symbol: "AAA", name: "Triple A SE", assetClass: "equity", currency: "EUR", lotSize: 10 },
  ],
});
// USD per unit: one euro buys 1.10 USD on 2024-01-02, etc. GBP missing on 2024-01-04.
const FX_CSV = "date,EUR,GBP\n2024-01-02,1.10,1.25\n2024-01-03,1.08,1.27\n2024-01-04,1.09,\n";

describe("the csv provider on a good directory", () => {
  const dir = dirWith({
    "a.csv": A_CSV,
    "b.csv": B_CSV,
    "instruments.json": INSTRUMENTS,
    "fx.csv": FX_CSV,
    "notes.txt": "ignored",
  });
  const provider = createCsvProvider(dir);

  it("serves every symbol of every *.csv except fx.csv, in file order", async () => {
    expect(await provider.universe()).toEqual(["AAA", "BBB", "CCC"]);
  });

  it("returns the file's values exactly, skipping empty cells", async () => {
    const r = await provider.bars({ symbols: ["BBB", "CCC"], asOf: "2024-12-31" });
    expect(r.series.BBB).toEqual([
      { date: "2024-01-02", close: 20 },
      { date: "2024-01-04", close: 22 },
    ]);
    expect(r.series.CCC).toEqual([
      { date: "2024-01-03", close: 5.5 },
      { date: "2024-01-05", close: 5.25 },
    ]);
    expect(r.window).toEqual({ from: "2024-01-02", to: "2024-12-31" });
  });

  it("records each file with its hash and the reference data it assumed", async () => {
    const r = await provider.bars({ symbols: ["AAA", "BBB", "CCC"], asOf: "2024-01-05" });
    expect(r.sources).toHaveLength(2);
    const [a, b] = r.sources;
    expect(a?.provider).toBe("csv");
    expect(a?.symbols).toEqual(["AAA", "BBB"]);
    expect(a?.detail).toMatch(
      new RegExp(`a\\.csv sha256:[0-9a-f]{64}; reference data assumed .* for BBB$`),
    );
    expect(b?.detail).toMatch(/b\.csv sha256:[0-9a-f]{64}; reference data assumed .* for CCC$/);
  });

  it("reads instruments.json and defaults the rest (equity, USD, lot 1, tradable, name = symbol)", async () => {
    const inst = await provider.instruments(["AAA", "BBB"]);
    expect(inst.AAA).toEqual({
      symbol: "AAA",
      name: "Triple A SE",
      assetClass: "equity",
      currency: "EUR",
      lotSize: 10,
      fractional: false,
      tradable: true,
    });
    expect(inst.BBB).toEqual({
      symbol: "BBB",
      name: "BBB",
      assetClass: "equity",
      currency: "USD",
      lotSize: 1,
      fractional: false,
      tradable: true,
    });
  });

  it("serves fx.csv as USD per unit and crosses it for another base (hand-worked)", async () => {
    const usd = await provider.fx({ base: "USD", currencies: ["EUR", "USD"], asOf: "2024-01-03" });
    expect(usd.rates.EUR).toEqual([
      { date: "2024-01-02", close: 1.1 },
      { date: "2024-01-03", close: 1.08 },
    ]);
    expect(usd.rates.USD).toEqual([{ date: "2024-01-03", close: 1 }]);

    // Base GBP: EUR in GBP = (USD per EUR) / (USD per GBP): 1.10 / 1.25 = 0.88, 1.08 / 1.27 =
    // 0.850393…; 2024-01-04 has no GBP quote, so no cross that day. USD in GBP = 1 / 1.25 = 0.8.
    const gbp = await provider.fx({ base: "GBP", currencies: ["EUR", "USD"], asOf: "2024-01-04" });
    const eur = gbp.rates.EUR as readonly Bar[];
    expect(eur.map((b) => b.date)).toEqual(["2024-01-02", "2024-01-03"]);
    expect(eur[0]?.close).toBeCloseTo(0.88, 12);
    expect(eur[1]?.close).toBeCloseTo(0.8503937007874016, 12);
    expect(gbp.rates.USD?.[0]?.close).toBeCloseTo(0.8, 12);
    expect(gbp.sources[0]?.detail).toMatch(/fx\.csv sha256:[0-9a-f]{64} \(units of USD per unit/);
  });

  it("names a currency fx.csv does not have", async () => {
    const e = await rejection(
      provider.fx({ base: "USD", currencies: ["JPY"], asOf: "2024-01-03" }),
    );
    expect(e.code).toBe("UNKNOWN_SYMBOL");
    expect(e.message).toContain("JPY");
    expect(e.field).toBe("currencies[0]");
  });

  it("names an unknown symbol", async () => {
    const e = await rejection(provider.bars({ symbols: ["ZZZ"], asOf: "2024-01-03" }));
    expect([e.code, e.message]).toEqual([
      "UNKNOWN_SYMBOL",
      "unknown symbol ZZZ (not served by the csv provider)",
    ]);
  });
});

describe("the csv provider on bad files", () => {
  it.each([
    [
      "a non-numeric cell",
      "date,AAA\n2024-01-02,10\n2024-01-03,ten\n",
      /bad\.csv:3 AAA: is not a number: "ten"/,
    ],
    [
      "a duplicate date",
      "date,AAA\n2024-01-02,10\n2024-01-02,11\n",
      /bad\.csv:3: duplicate date 2024-01-02/,
    ],
    [
      "unsorted dates",
      "date,AAA\n2024-01-03,10\n2024-01-02,11\n",
      /bad\.csv:3: date 2024-01-02 is before/,
    ],
    ["a ragged row", "date,AAA,BBB\n2024-01-02,10\n", /bad\.csv:2: has 2 cells, expected 3/],
    ["a negative price", "date,AAA\n2024-01-02,-1\n", /bad\.csv:2 AAA: price must be positive/],
  ])("refuses %s, naming file:line", async (_name, csv, pattern) => {
    const dir = dirWith({ "bad.csv": csv });
    const e = await rejection(
      createCsvProvider(dir).bars({ symbols: ["AAA"], asOf: "2024-01-05" }),
    );
    expect(e.code).toBe("PROVIDER_MALFORMED");
    expect(e.message).toMatch(pattern);
    expect(e.message).toContain(path.join(dir, "bad.csv"));
  });

  it("refuses a symbol found in two files, naming both", async () => {
    const dir = dirWith({ "a.csv": A_CSV, "b.csv": "date,AAA\n2024-01-02,1\n" });
    const e = await rejection(createCsvProvider(dir).universe());
    expect(e.code).toBe("PROVIDER_MALFORMED");
    expect(e.message).toBe(
      `${path.join(dir, "b.csv")}:1: symbol AAA is also in ${path.join(dir, "a.csv")}; each symbol must come from one file`,
    );
  });

  it("refuses a bad instruments.json entry, naming the file and the entry", async () => {
    const bad = JSON.stringify({
      instruments: [{ symbol: "AAA", name: "A", assetClass: "stock", currency: "USD" }],
    });
    const dir = dirWith({ "a.csv": A_CSV, "instruments.json": bad });
    const e = await rejection(createCsvProvider(dir).instruments(["AAA"]));
    expect(e.code).toBe("PROVIDER_MALFORMED");
    expect(e.message).toContain(`${path.join(dir, "instruments.json")} instruments[0].assetClass`);
  });

  it("refuses an fx.csv column that is not a currency other than USD", async () => {
    const dir = dirWith({ "a.csv": A_CSV, "fx.csv": "date,USD\n2024-01-02,1\n" });
    const e = await rejection(createCsvProvider(dir).universe());
    expect(e.message).toMatch(/fx\.csv:1: column "USD" must be a currency code other than USD/);
  });

  it("refuses a missing directory and a directory without price files", async () => {
    const missing = await rejection(createCsvProvider(path.join(root, "nope")).universe());
    expect([missing.code, missing.message]).toEqual([
      "INVALID_REQUEST",
      `csv:${path.join(root, "nope")}: no such directory`,
    ]);
    const empty = await rejection(createCsvProvider(dirWith({ "fx.csv": FX_CSV })).universe());
    expect(empty.message).toMatch(/no \*\.csv price files/);
  });

  it("does not cache a failed load: a fixed file is read on the next call", async () => {
    const dir = dirWith({ "a.csv": "date,AAA\n2024-01-02,x\n" });
    const provider = createCsvProvider(dir);
    await rejection(provider.universe());
    writeFileSync(path.join(dir, "a.csv"), "date,AAA\n2024-01-02,1\n");
    expect(await provider.universe()).toEqual(["AAA"]);
  });
});

describe("point-in-time on csv data", () => {
  // Two years of weekday prices; one symbol with holes (every 7th row empty).
  const rows: string[] = ["date,P,Q"];
  const full: Record<"P" | "Q", Bar[]> = { P: [], Q: [] };
  for (let ms = Date.UTC(2020, 0, 1), i = 0; ms < Date.UTC(2022, 0, 1); ms += 86_400_000) {
    const d = new Date(ms);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const date = d.toISOString().slice(0, 10);
    const p = 100 + (i % 13);
    const q = i % 7 === 3 ? "" : String(50 + (i % 5) / 4);
    rows.push(`${date},${p},${q}`);
    full.P.push({ date, close: p });
    if (q !== "") full.Q.push({ date, close: Number(q) });
    i++;
  }
  const provider = createCsvProvider(dirWith({ "prices.csv": `${rows.join("\n")}\n` }));
  const iso = (d: number): string => new Date(d * 86_400_000).toISOString().slice(0, 10);
  const lo = Date.UTC(2019, 11, 1) / 86_400_000;
  const hi = Date.UTC(2022, 1, 1) / 86_400_000;

  it("never returns data after asOf or before from, and omits nothing inside (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: lo, max: hi }),
        fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
        async (asOfDay, back) => {
          const asOf = iso(asOfDay);
          const from = back === undefined ? undefined : iso(asOfDay - back);
          const r = await provider.bars({
            symbols: ["P", "Q"],
            asOf,
            ...(from === undefined ? {} : { from }),
          });
          for (const s of ["P", "Q"] as const) {
            const expected = full[s].filter(
              (b) => b.date <= asOf && (from === undefined || b.date >= from),
            );
            expect(r.series[s]).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
