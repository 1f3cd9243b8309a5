import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import { parsePriceCsv } from "./price-table.js";
import {
  assertReturnMatrix,
  assetReturns,
  completeCases,
  ewmaAlpha,
  observationSpans,
  returnMatrix,
  returnMatrixFromColumns,
  returnMatrixFromRows,
  type ReturnMatrix,
} from "./return-matrix.js";
import { tableReturns } from "./returns.js";

const equities = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
);

function toolErrorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

describe("returnMatrix", () => {
  it("records a return where a price follows an earlier price, across a gap on the reappearance date", () => {
    const m = returnMatrix({
      dates: ["d1", "d2", "d3", "d4"],
      symbols: ["A", "B"],
      columns: [
        [8, 10, null, 15],
        [null, 20, 30, 15],
      ],
    });
    // d1 has no return for anyone and is dropped; A: 10/8 − 1, (gap), 15/10 − 1; B: 30/20 − 1, 15/30 − 1.
    expect(m.dates).toEqual(["d2", "d3", "d4"]);
    expect(Array.from(m.values[0] as Float64Array)).toEqual([0.25, 0, 0.5]);
    expect(Array.from(m.present[0] as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(m.values[1] as Float64Array)).toEqual([0, 0.5, -0.5]);
    expect(Array.from(m.present[1] as Uint8Array)).toEqual([0, 1, 1]);
    expect(m.kind).toBe("simple");
  });

  it("holds log returns ln(p_t / p_s) when asked", () => {
    const m = returnMatrix(
      { dates: ["a", "b", "c"], symbols: ["X"], columns: [[100, 110, 99]] },
      "log",
    );
    expect(assetReturns(m, 0)).toEqual([Math.log(110 / 100), Math.log(99 / 110)]);
  });

  it("agrees with tableReturns on every symbol of the 20-equity fixture, with PyPortfolioOpt's 7,125 return dates", () => {
    const m = returnMatrix(equities);
    // PyPortfolioOpt's test_returns_dataframe: returns_from_prices(df) has 7125 rows.
    expect(m.dates.length).toBe(7125);
    const reference = tableReturns(equities);
    m.symbols.forEach((symbol, j) => {
      const r = reference.get(symbol);
      if (!r) throw new Error(symbol);
      const p = m.present[j] as Uint8Array;
      const dates = m.dates.filter((_, t) => p[t] === 1);
      expect(dates).toEqual(r.dates);
      expect(assetReturns(m, j)).toEqual(r.returns);
    });
  });

  it("rejects a non-positive price naming the symbol and row", () => {
    const e = toolErrorOf(() =>
      returnMatrix({ dates: ["a", "b"], symbols: ["X"], columns: [[1, -2]] }),
    );
    expect(e).toEqual({ code: "INVALID_INPUT", field: "table.X[1]" });
  });

  it("refuses a table in which no symbol has two prices", () => {
    const e = toolErrorOf(() =>
      returnMatrix({
        dates: ["a", "b"],
        symbols: ["X", "Y"],
        columns: [
          [1, null],
          [null, 2],
        ],
      }),
    );
    expect(e.code).toBe("INSUFFICIENT_DATA");
  });
});

describe("returnMatrixFromColumns and returnMatrixFromRows", () => {
  it("build the same complete matrix from per-asset columns or per-date rows", () => {
    const a = returnMatrixFromColumns(
      [
        [0.01, 0.02],
        [0.03, -0.01],
      ],
      { symbols: ["A", "B"] },
    );
    const b = returnMatrixFromRows(
      [
        [0.01, 0.03],
        [0.02, -0.01],
      ],
      { symbols: ["A", "B"] },
    );
    expect(Array.from(a.values[1] as Float64Array)).toEqual([0.03, -0.01]);
    expect(b.values.map((v) => Array.from(v))).toEqual(a.values.map((v) => Array.from(v)));
    expect(b.present.map((p) => Array.from(p))).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(b.symbols).toEqual(["A", "B"]);
    expect(returnMatrixFromRows([[0.01, 0.03]]).symbols).toEqual(["A0", "A1"]);
    expect(assetReturns(returnMatrixFromColumns([[0.01, 0.02]]), 0)).toEqual([0.01, 0.02]);
  });

  it("rejects ragged input, non-finite values, simple returns below −1 and duplicate symbols", () => {
    expect(toolErrorOf(() => returnMatrixFromRows([[0.1, 0.2], [0.1]])).field).toBe("rows[1]");
    expect(toolErrorOf(() => returnMatrixFromColumns([[0.1, Number.NaN]])).field).toBe(
      "columns[0][1]",
    );
    expect(toolErrorOf(() => returnMatrixFromColumns([[0.1, -1.5]])).field).toBe("columns[0][1]");
    expect(returnMatrixFromColumns([[0.1, -1.5]], { kind: "log" }).values[0]?.[1]).toBe(-1.5);
    expect(
      toolErrorOf(() => returnMatrixFromColumns([[0.1], [0.2]], { symbols: ["A", "A"] })).field,
    ).toBe("symbols");
  });
});

describe("assertReturnMatrix", () => {
  it("accepts a well-formed matrix and rejects a missing return that is not 0", () => {
    const m = returnMatrixFromColumns([[0.1, 0.2]], { symbols: ["X"] });
    expect(() => assertReturnMatrix(m)).not.toThrow();
    const bad: ReturnMatrix = {
      ...m,
      present: [Uint8Array.from([1, 0])],
    };
    expect(toolErrorOf(() => assertReturnMatrix(bad)).field).toBe("matrix.X[1]");
  });
});

describe("observationSpans and completeCases", () => {
  it("locate each symbol's returns and flag internal gaps", () => {
    const m = returnMatrix({
      dates: ["a", "b", "c", "d"],
      symbols: ["X", "Y"],
      columns: [
        [1, 2, null, 4],
        [1, 2, 3, 4],
      ],
    });
    // Axis b, c, d. X: returns on b (2/1) and d (4/2, across the gap); Y: b, c, d.
    const s = observationSpans(m);
    expect(Array.from(s.start)).toEqual([0, 0]);
    expect(Array.from(s.end)).toEqual([3, 3]);
    expect(Array.from(s.count)).toEqual([2, 3]);
    expect(Array.from(s.gapped)).toEqual([1, 0]);
    expect(Array.from(completeCases(m))).toEqual([0, 2]);
  });

  it("keep only the dates every symbol has", () => {
    const m = returnMatrix({
      dates: ["a", "b", "c"],
      symbols: ["X", "Y"],
      columns: [
        [1, 2, 3],
        [null, 5, 6],
      ],
    });
    expect(Array.from(completeCases(m))).toEqual([1]);
  });
});

describe("ewmaAlpha", () => {
  it("is 2 / (span + 1) and requires span ≥ 1", () => {
    expect(ewmaAlpha(3)).toBe(0.5);
    expect(ewmaAlpha(1)).toBe(1);
    expect(toolErrorOf(() => ewmaAlpha(0.5)).field).toBe("span");
  });
});
