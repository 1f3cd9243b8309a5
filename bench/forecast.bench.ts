import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { forecast } from "../tools/forecast-ensemble.js";
import { parsePriceCsv, type PriceTable } from "../tools/price-table.js";
import { createRandom, standardNormal } from "../tools/random.js";
import { measure, type BenchSuite } from "./harness.js";

const GROUP = "forecasting";
const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * `n` assets × `days` trading days of geometric Brownian motion (daily σ 1–3%, drift ±10%/yr),
 * reproducible from the seed; every asset starts on the first day.
 */
function syntheticTable(n: number, days: number, seed: number): PriceTable {
  const random = createRandom(seed);
  const dates = Array.from({ length: days }, (_, t) =>
    new Date(Date.UTC(2008, 0, 1 + t)).toISOString().slice(0, 10),
  );
  const symbols = Array.from({ length: n }, (_, j) => `S${String(j).padStart(3, "0")}`);
  const columns = symbols.map(() => {
    const sigma = 0.01 + 0.02 * random.nextDouble();
    const mu = (0.2 * random.nextDouble() - 0.1) / 252;
    let price = 100;
    return dates.map(() => {
      price *= Math.exp(mu - (sigma * sigma) / 2 + sigma * standardNormal(random));
      return Math.round(price * 1e4) / 1e4;
    });
  });
  return { dates, symbols, columns };
}

export const run: BenchSuite = async () => {
  const equities = parsePriceCsv(
    readFileSync(path.join(here, "../tests/fixtures/datasets/us-equities-20.csv"), "utf8"),
  );
  const synthetic = syntheticTable(100, 2520, 20240611);
  const note = (table: PriceTable): string => {
    const r = forecast(table);
    const assets = Object.values(r.assets);
    const confident = assets.filter((a) => a.confidence > 0).length;
    return `${assets.length} assets, ${confident} with confidence > 0; 4 signals × ≤ 61 walk-forward fits each`;
  };
  return [
    await measure(GROUP, "forecast, 20-asset fixture (7,126 days)", () => forecast(equities), {
      iterations: 10,
      note: note(equities),
    }),
    await measure(GROUP, "forecast, 100 synthetic assets × 10 years", () => forecast(synthetic), {
      iterations: 5,
      note: note(synthetic),
    }),
  ];
};
