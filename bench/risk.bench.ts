import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { normalInv } from "../tools/normal.js";
import type { PriceTable } from "../tools/price-table.js";
import { riskReport } from "../tools/risk-report.js";
import { measure, type BenchSuite } from "./harness.js";

const GROUP = "risk analytics";

/** A standard normal draw: Φ⁻¹ of a uniform on the open interval (0, 1), 30-bit grid. */
function gaussian(rng: RandomGenerator): number {
  return normalInv((uniformInt(rng, 0, 2 ** 30 - 1) + 0.5) / 2 ** 30);
}

/** `count` weekdays from 1990-01-01 as ISO dates. */
function weekdays(count: number): string[] {
  const out: string[] = [];
  for (let day = Date.UTC(1990, 0, 1); out.length < count; day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.push(new Date(day).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * A reproducible market: a benchmark earning N(0.03%, 1%) a day and `assets` stocks with betas
 * 0.6–1.4 on it plus N(0, 1.5%) idiosyncratic noise; prices start at 100 and compound.
 */
function syntheticMarket(assets: number, days: number, seed: number): [PriceTable, PriceTable] {
  const rng = xoroshiro128plus(seed);
  const dates = weekdays(days);
  const market = new Array<number>(days);
  const benchmark: number[] = [];
  let level = 100;
  for (let t = 0; t < days; t++) {
    market[t] = t === 0 ? 0 : 0.0003 + 0.01 * gaussian(rng);
    level *= 1 + (market[t] as number);
    benchmark.push(level);
  }
  const symbols: string[] = [];
  const columns: number[][] = [];
  for (let i = 0; i < assets; i++) {
    const beta = 0.6 + (0.8 * i) / Math.max(assets - 1, 1);
    const column: number[] = [];
    let price = 100;
    for (let t = 0; t < days; t++) {
      if (t > 0) price *= 1 + beta * (market[t] as number) + 0.015 * gaussian(rng);
      column.push(price);
    }
    symbols.push(`S${String(i).padStart(2, "0")}`);
    columns.push(column);
  }
  return [
    { dates, symbols, columns },
    { dates, symbols: ["BENCH"], columns: [benchmark] },
  ];
}

export const run: BenchSuite = async () => {
  const [table, benchmark] = syntheticMarket(20, 7560, 20240607);
  const report = riskReport({ table, benchmark, equalWeight: true });
  const note = `20 assets + portfolio, ${report.portfolio.observations} returns each, 16 figures per series`;
  return [
    await measure(
      GROUP,
      "risk report: 20 assets × 30 years daily (7,560 days), equal weight, with benchmark",
      () => riskReport({ table, benchmark, equalWeight: true }),
      { iterations: 20, warmup: 3, note },
    ),
  ];
};
