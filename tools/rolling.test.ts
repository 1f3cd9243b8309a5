import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePriceCsv } from "./price-table.js";
import { tableReturns } from "./returns.js";
import { rollingVolatility } from "./rolling.js";

describe("rollingVolatility", () => {
  it("hand-worked: windows [0.01, 0.03] and [0.03, 0.01] both have std √0.0002, ×√4", () => {
    const out = rollingVolatility([0.01, 0.03, 0.01], 2, { periodsPerYear: 4 });
    expect(out).toHaveLength(2);
    for (const v of out) expect(v).toBeCloseTo(Math.sqrt(0.0002) * 2, 15);
  });

  it("hand-worked: window 3 over [1, 2, 3, 5]% → sample std 1% then √(7/3)%, annualised ×√252", () => {
    // [0.01, 0.02, 0.03]: mean 0.02, squares 1e-4 + 0 + 1e-4, /2 → std 0.01
    // [0.02, 0.03, 0.05]: mean 1/30, squares (4/3)²+(1/3)²+(5/3)² ·1e-4 = 42/9·1e-4, /2 → 7/3·1e-4
    const out = rollingVolatility([0.01, 0.02, 0.03, 0.05], 3);
    expect(out[0]).toBeCloseTo(0.01 * Math.sqrt(252), 15);
    expect(out[1]).toBeCloseTo(Math.sqrt((7 / 3) * 1e-4 * 252), 15);
  });

  it("is 0 over a flat stretch", () => {
    expect(rollingVolatility([0.01, 0.01, 0.01, 0.02], 3)[0]).toBe(0);
  });

  it("checks the window against the data, naming the field", () => {
    expect(() => rollingVolatility([0.01, 0.02], 1)).toThrowError(/^window:/);
    expect(() => rollingVolatility([0.01, 0.02], 2.5)).toThrowError(/^window:/);
    expect(() => rollingVolatility([0.01, 0.02], 3)).toThrowError(/^returns: has 2 returns/);
  });

  it("matches a naive per-window sample std to 1e-12 on AAPL and SHLD (21, 63 and 252 days)", () => {
    const table = parsePriceCsv(
      readFileSync(
        new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url),
        "utf8",
      ),
    );
    const all = tableReturns(table);
    for (const symbol of ["AAPL", "SHLD"]) {
      const r = all.get(symbol)?.returns ?? [];
      for (const window of [21, 63, 252]) {
        const out = rollingVolatility(r, window);
        expect(out).toHaveLength(r.length - window + 1);
        for (let k = 0; k < out.length; k += 1) {
          const w = r.slice(k, k + window);
          const m = w.reduce((s, x) => s + x, 0) / window;
          const sd = Math.sqrt(w.reduce((s, x) => s + (x - m) ** 2, 0) / (window - 1));
          const expected = sd * Math.sqrt(252);
          expect(Math.abs((out[k] as number) - expected)).toBeLessThanOrEqual(1e-12 * expected);
        }
      }
    }
  });
});
