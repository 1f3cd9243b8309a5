import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { forecast, parsePriceCsv, type PriceTable } from "../tools/index.js";
import {
  ForecastOutputSchema,
  forecastTools,
  NAME,
  runForecast,
  VERSION,
  type ForecastOutput,
} from "./forecast-agent.js";

const full = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
);

/** Rows [from, to) of the fixture table. */
function rows(table: PriceTable, from: number, to: number): PriceTable {
  return {
    dates: table.dates.slice(from, to),
    symbols: table.symbols,
    columns: table.columns.map((c) => c.slice(from, to)),
  };
}

const T = full.dates.length;
const table = rows(full, T - 1500, T); // about six years to 2018-04-11
const asOf = table.dates[table.dates.length - 1] as string;
const out = runForecast({ table, asOf });

/** Every number reachable in a JSON value. */
function numbers(value: unknown, acc: number[] = []): number[] {
  if (typeof value === "number") acc.push(value);
  else if (Array.isArray(value)) for (const v of value) numbers(v, acc);
  else if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) numbers(v, acc);
  return acc;
}

describe("the Forecast agent", () => {
  it("passes the tools' ensemble through unchanged, trimmed of the walk-forward internals", () => {
    const direct = forecast(table, { asOf });
    expect(out.asOf).toBe(asOf);
    expect(out.lastDataDate).toBe(direct.lastDataDate);
    expect(out.horizonDays).toBe(direct.horizonDays);
    expect(Object.keys(out.assets)).toEqual([...table.symbols].sort());
    for (const symbol of table.symbols) {
      const a = out.assets[symbol];
      const d = direct.assets[symbol];
      expect(a?.expectedAnnualReturn).toBe(d?.expectedAnnualReturn);
      expect(a?.direction).toBe(d?.direction);
      expect(a?.confidence).toBe(d?.confidence);
      expect(a?.regime).toBe(d?.regime);
      expect(a?.signals).toEqual(
        d?.signals.map((s) => ({
          name: s.name,
          expectedAnnualReturn: s.expectedAnnualReturn,
          weight: s.weight,
        })),
      );
      expect(a).not.toHaveProperty("backtest");
    }
    expect(out.method.parameters.horizonDays).toBe(direct.horizonDays);
    expect(Object.keys(out.method.description)).toContain("confidence");
    expect(out.recommendedBy).toEqual({ agent: NAME, version: VERSION });
  });

  it("weights each asset's signals so they sum to 1 and combine to its expected return", () => {
    for (const a of Object.values(out.assets)) {
      if (a.expectedAnnualReturn === null) continue;
      let weights = 0;
      let combined = 0;
      for (const s of a.signals) {
        weights += s.weight;
        combined += s.weight * s.expectedAnnualReturn;
      }
      expect(weights).toBeCloseTo(1, 12);
      expect(combined).toBeCloseTo(a.expectedAnnualReturn, 12);
    }
  });

  it("is deterministic: the same table and as-of give byte-identical output", () => {
    expect(JSON.stringify(runForecast({ table, asOf }))).toBe(JSON.stringify(out));
  });

  it("is point in time: prices after as-of do not change the forecast", () => {
    const cut = table.dates.length - 250;
    const earlier = table.dates[cut - 1] as string;
    const truncated = runForecast({ table: rows(table, 0, cut), asOf: earlier });
    const withFuture = runForecast({ table, asOf: earlier });
    expect(JSON.stringify(withFuture)).toBe(JSON.stringify(truncated));
    expect(withFuture.lastDataDate).toBe(earlier);
  });

  it("emits no NaN or Infinity and matches its output schema", () => {
    const values = numbers(out);
    expect(values.length).toBeGreaterThan(100);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(() => ForecastOutputSchema.parse(out)).not.toThrow();
    for (const a of Object.values(out.assets)) {
      expect(a.confidence).toBeGreaterThanOrEqual(0);
      expect(a.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("gives an asset without history a null forecast, confidence 0 and a reason (its example)", () => {
    const start = full.dates.indexOf("1999-06-01");
    const early: ForecastOutput = runForecast({
      table: rows(full, start, start + 200),
      asOf: "2000-01-03",
    });
    expect(early.assets.GOOG).toMatchObject({
      expectedAnnualReturn: null,
      direction: null,
      confidence: 0,
      signals: [],
      reason: "no price on or before 2000-01-03",
    });
  });

  it("throws on an invalid as-of date", () => {
    expect(() => runForecast({ table, asOf: "2018/04/11" })).toThrow();
  });

  it("is exposed as the LangChain tool forecast_assets", async () => {
    const [t] = forecastTools;
    expect(t.name).toBe("forecast_assets");
    const small = rows(table, table.dates.length - 400, table.dates.length);
    // The tool takes plain JSON (mutable arrays), as an LLM's tool call would carry it.
    const json = {
      dates: [...small.dates],
      symbols: [...small.symbols],
      columns: small.columns.map((c) => [...c]),
    };
    const viaTool = (await t.invoke({ table: json, asOf })) as ForecastOutput;
    expect(viaTool).toEqual(runForecast({ table: small, asOf }));
  });
});
