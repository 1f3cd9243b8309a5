import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import {
  annualReturnCap,
  dailyVolatility,
  DEFAULT_SIGNAL_PARAMETERS,
  ewmaScore,
  meanReversionScore,
  momentumScore,
  ridgePrediction,
  ridgeRegression,
  scoreToAnnualReturn,
  signalHistoryNeeded,
  signalsAt,
  type SignalParameters,
} from "./forecast-signals.js";
import { parsePriceCsv } from "./price-table.js";
import { sampleStd } from "./stats.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const table = parsePriceCsv(
  readFileSync(path.join(here, "../tests/fixtures/datasets/us-equities-20.csv"), "utf8"),
);
/** Log prices of one fixture symbol on its priced days. */
function fixtureLogPrices(symbol: string): number[] {
  const column = table.columns[table.symbols.indexOf(symbol)] ?? [];
  return column.filter((p): p is number => p !== null).map((p) => Math.log(p));
}

/** Naive Gaussian elimination with partial pivoting: solves A β = b (A copied). */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) {
      if (Math.abs(m[r]?.[c] as number) > Math.abs(m[pivot]?.[c] as number)) pivot = r;
    }
    [m[c], m[pivot]] = [m[pivot] as number[], m[c] as number[]];
    const pr = m[c] as number[];
    for (let r = c + 1; r < n; r++) {
      const row = m[r] as number[];
      const f = (row[c] as number) / (pr[c] as number);
      for (let k = c; k <= n; k++) row[k] = (row[k] as number) - f * (pr[k] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r] as number[];
    let s = row[n] as number;
    for (let k = r + 1; k < n; k++) s -= (row[k] as number) * (x[k] as number);
    x[r] = s / (row[r] as number);
  }
  return x;
}

/** Naive ridge: forms XᵀX + λI and Xᵀy element by element, then Gaussian elimination. */
function naiveRidge(X: number[][], y: number[], lambda: number): number[] {
  const p = (X[0] as number[]).length;
  const a: number[][] = [];
  const b: number[] = [];
  for (let j = 0; j < p; j++) {
    a.push([]);
    let s = 0;
    for (let i = 0; i < X.length; i++) s += (X[i]?.[j] as number) * (y[i] as number);
    b.push(s);
    for (let k = 0; k < p; k++) {
      let g = 0;
      for (let i = 0; i < X.length; i++) g += (X[i]?.[j] as number) * (X[i]?.[k] as number);
      (a[j] as number[]).push(g + (j === k ? lambda : 0));
    }
  }
  return gaussSolve(a, b);
}

function expectToolError(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(isToolError(error)).toBe(true);
    if (isToolError(error)) expect(error.field).toBe(field);
    return;
  }
  throw new Error("expected a ToolError");
}

describe("dailyVolatility", () => {
  it("is the sample standard deviation of the last window log returns", () => {
    // returns 0.01, 0.02, −0.01; mean 0.02/3; squared deviations (1/300)², (4/300)², (5/300)²
    // sum = 42/90000 = 4.6667e-4; / (3 − 1) = 2.3333e-4; √ = 0.0152752523…
    expect(dailyVolatility([0, 0.01, 0.03, 0.02], 3, 3)).toBeCloseTo(Math.sqrt(42 / 180000), 15);
  });

  it("reads only the window ending at t", () => {
    // t = 2, window 2: returns 0.01, 0.02 → std = 0.005·√2
    expect(dailyVolatility([0, 0.01, 0.03, 99], 2, 2)).toBeCloseTo(0.005 * Math.SQRT2, 15);
  });

  it("throws INSUFFICIENT_DATA naming logPrices when the window reaches before the first price", () => {
    expectToolError(() => dailyVolatility([0, 0.01, 0.03], 2, 3), "logPrices");
  });
});

describe("momentumScore", () => {
  it("standardises the skipped-window log return by σ√(window − skip)", () => {
    // x[5 − 1] − x[5 − 4] = 0.05 − 0.01 = 0.04 over 3 returns; 0.04 / (0.02·√3) = 1.1547005…
    expect(momentumScore([0, 0.01, 0.03, 0.02, 0.05, 0.04], 5, 4, 1, 0.02)).toBeCloseTo(
      0.04 / (0.02 * Math.sqrt(3)),
      14,
    );
  });

  it("is negative after a fall and 0 when σ is 0", () => {
    // x[3] − x[0] = −0.06; 0.06 / (0.01·√3) = 3.4641
    expect(momentumScore([0, -0.02, -0.04, -0.06], 3, 3, 0, 0.01)).toBeCloseTo(
      -6 / Math.sqrt(3),
      13,
    );
    expect(momentumScore([0, 0, 0, 0], 3, 3, 0, 0)).toBe(0);
  });

  it("rejects a skip as long as the window", () => {
    expectToolError(() => momentumScore([0, 1, 2, 3], 3, 3, 3, 0.01), "skip");
  });
});

describe("meanReversionScore", () => {
  it("is minus the short-versus-long moving-average gap over the long window's deviation", () => {
    // long window x[1..4] = 0.1 0.2 0.3 0.4: mean 0.25; short x[3..4]: mean 0.35
    // SD: deviations ±0.15, ±0.05 → (0.0225·2 + 0.0025·2)/3 = 0.05/3 → √ = 0.1290994
    // z = −(0.35 − 0.25)/0.1290994 = −0.7745967
    expect(meanReversionScore([0, 0.1, 0.2, 0.3, 0.4], 4, 2, 4)).toBeCloseTo(
      -0.1 / Math.sqrt(0.05 / 3),
      14,
    );
  });

  it("forecasts a rise for a price below its long average and 0 for a flat price", () => {
    // long x[0..2] = 0.3 0.2 0.1: mean 0.2, SD 0.1; short x[2] = 0.1 → z = −(0.1 − 0.2)/0.1 = 1
    expect(meanReversionScore([0.3, 0.2, 0.1], 2, 1, 3)).toBeCloseTo(1, 14);
    expect(meanReversionScore([0.5, 0.5, 0.5], 2, 1, 3)).toBe(0);
  });
});

describe("ewmaScore", () => {
  it("is the exponentially weighted mean return as a t-statistic with Kish's effective size", () => {
    // returns newest first 0.02, −0.01, 0.01 with weights 1, ½, ¼ (half-life 1):
    // m = (0.02 − 0.005 + 0.0025)/1.75 = 0.01; n_eff = 1.75²/(1 + ¼ + 1/16) = 3.0625/1.3125 = 7/3
    // z = 0.01·√(7/3)/0.01 = 1.5275252
    expect(ewmaScore([0, 0.01, 0, 0.02], 3, 1, 3, 0.01)).toBeCloseTo(Math.sqrt(7 / 3), 14);
  });

  it("equals a naive Math.pow-weighted EWMA on the AAPL fixture", () => {
    const x = fixtureLogPrices("AAPL");
    const t = x.length - 1;
    const sigma = 0.02;
    let sw = 0;
    let sw2 = 0;
    let swr = 0;
    for (let i = 0; i < 126; i++) {
      const w = Math.pow(0.5, i / 21);
      swr += w * ((x[t - i] as number) - (x[t - i - 1] as number));
      sw += w;
      sw2 += w * w;
    }
    const expected = ((swr / sw) * Math.sqrt((sw * sw) / sw2)) / sigma;
    expect(ewmaScore(x, t, 21, 126, sigma)).toBeCloseTo(expected, 12);
  });
});

describe("scoreToAnnualReturn", () => {
  it("applies Grinold's rule κ·z·σ·P/√h and caps the score", () => {
    // 0.05 · 2 · 0.01 · 252/√21 = 0.001 · 54.990925 = 0.0549909
    expect(scoreToAnnualReturn(2, 0.01, DEFAULT_SIGNAL_PARAMETERS)).toBeCloseTo(
      (0.001 * 252) / Math.sqrt(21),
      15,
    );
    // a score of −5 is capped at −3: −0.05 · 3 · 0.01 · 252/√21 = −0.0824864
    expect(scoreToAnnualReturn(-5, 0.01, DEFAULT_SIGNAL_PARAMETERS)).toBeCloseTo(
      (-0.0015 * 252) / Math.sqrt(21),
      15,
    );
    expect(annualReturnCap(0.01, DEFAULT_SIGNAL_PARAMETERS)).toBeCloseTo(
      (0.0015 * 252) / Math.sqrt(21),
      15,
    );
  });
});

describe("ridgeRegression", () => {
  it("matches the one-feature closed form Σxy / (Σx² + λ)", () => {
    // Σxy = 2 + 8 + 21 = 31; Σx² = 14; λ = 1 → 31/15
    const [beta] = ridgeRegression([[1], [2], [3]], [2, 4, 7], 1);
    expect(beta).toBeCloseTo(31 / 15, 14);
  });

  it("matches (XᵀX + λI)⁻¹Xᵀy by naive Gaussian elimination on fixture lagged returns", () => {
    const x = fixtureLogPrices("JPM");
    const X: number[][] = [];
    const y: number[] = [];
    for (let s = 100; s < 400; s++) {
      X.push([1, 2, 3].map((lag) => (x[s - lag + 1] as number) - (x[s - lag] as number)));
      y.push((x[s + 1] as number) - (x[s] as number));
    }
    for (const lambda of [0, 1e-4, 0.01, 1]) {
      const beta = ridgeRegression(X, y, lambda);
      naiveRidge(X, y, lambda).forEach((b, j) => expect(beta[j]).toBeCloseTo(b, 12));
    }
  });

  it("throws NUMERICAL for least squares on a singular design", () => {
    expectToolError(
      () =>
        ridgeRegression(
          [
            [1, 2],
            [2, 4],
          ],
          [1, 2],
          0,
        ),
      "lambda",
    );
  });

  it("rejects a ragged matrix and a negative lambda, naming the field", () => {
    expectToolError(() => ridgeRegression([[1, 2], [3]], [1, 2], 1), "X[1]");
    expectToolError(() => ridgeRegression([[1], [2]], [1, 2], -1), "lambda");
  });
});

describe("ridgePrediction", () => {
  it("regresses the next return on the last one with λ = ρ·tr(XᵀX)/p (hand-worked, h = 1, p = 1)", () => {
    // returns ℓ1..ℓ5 = 0.01, 0.02, −0.01, 0.03, 0.02; samples (feature → target):
    // (0.01 → 0.02), (0.02 → −0.01), (−0.01 → 0.03), (0.03 → 0.02)
    // Σx² = 0.0015 → λ = 0.0015; Σxy = 0.0002 − 0.0002 − 0.0003 + 0.0006 = 0.0003
    // β = 0.0003 / 0.003 = 0.1; forecast = 0.1 · ℓ5 = 0.002
    const params: SignalParameters = {
      ...DEFAULT_SIGNAL_PARAMETERS,
      horizonDays: 1,
      ridgeLags: 1,
      ridgeMinSamples: 2,
    };
    const r = ridgePrediction([0, 0.01, 0.03, 0.02, 0.05, 0.07], 5, params);
    expect(r.samples).toBe(4);
    expect(r.lambda).toBeCloseTo(0.0015, 17);
    expect(r.coefficients[0]).toBeCloseTo(0.1, 14);
    expect(r.prediction).toBeCloseTo(0.002, 16);
  });

  it("equals the naive closed form on the fixture with the default 3 lags of 21-day returns", () => {
    const x = fixtureLogPrices("XOM");
    const p = DEFAULT_SIGNAL_PARAMETERS;
    const t = 3000;
    const X: number[][] = [];
    const y: number[] = [];
    for (let s = t - 21 - 504 + 1; s <= t - 21; s++) {
      X.push([0, 1, 2].map((j) => (x[s - 21 * j] as number) - (x[s - 21 * (j + 1)] as number)));
      y.push((x[s + 21] as number) - (x[s] as number));
    }
    let trace = 0;
    for (const row of X) for (const v of row) trace += v * v;
    const lambda = (1 * trace) / 3;
    const beta = naiveRidge(X, y, lambda);
    const features = [0, 1, 2].map(
      (j) => (x[t - 21 * j] as number) - (x[t - 21 * (j + 1)] as number),
    );
    const expected = features.reduce((s, f, j) => s + f * (beta[j] as number), 0);
    const r = ridgePrediction(x, t, p);
    expect(r.samples).toBe(504);
    expect(r.lambda).toBeCloseTo(lambda, 13);
    expect(r.prediction).toBeCloseTo(expected, 14);
  });

  it("forecasts 0 on a flat price", () => {
    const params = {
      ...DEFAULT_SIGNAL_PARAMETERS,
      horizonDays: 1,
      ridgeLags: 1,
      ridgeMinSamples: 2,
    };
    expect(ridgePrediction([1, 1, 1, 1, 1], 4, params).prediction).toBe(0);
  });
});

describe("signalsAt", () => {
  it("returns null until every signal has its history (210 prices by default)", () => {
    const x = fixtureLogPrices("AAPL");
    expect(signalHistoryNeeded(DEFAULT_SIGNAL_PARAMETERS)).toBe(209); // 3·21 + 21 + 126 − 1
    expect(signalsAt(x, 208, DEFAULT_SIGNAL_PARAMETERS)).toBeNull();
    expect(signalsAt(x, 209, DEFAULT_SIGNAL_PARAMETERS)).not.toBeNull();
  });

  it("composes the signals as a naive recomputation from fixture prices does", () => {
    const x = fixtureLogPrices("WMT");
    const t = 5000;
    const returns = Array.from(
      { length: 63 },
      (_, i) => (x[t - 62 + i] as number) - (x[t - 63 + i] as number),
    );
    const sigma = sampleStd(returns);
    const k = 0.05 * sigma * (252 / Math.sqrt(21));
    const clip = (z: number): number => Math.max(-3, Math.min(3, z));
    // momentum: log return from t−63 to t−5, over σ√58
    const mom = ((x[t - 5] as number) - (x[t - 63] as number)) / (sigma * Math.sqrt(58));
    // mean reversion: 5- vs 63-day averages of log prices
    const long = x.slice(t - 62, t + 1);
    const mLong = long.reduce((a, b) => a + b, 0) / 63;
    const mShort = x.slice(t - 4, t + 1).reduce((a, b) => a + b, 0) / 5;
    const mr = -(mShort - mLong) / sampleStd(long);
    const snapshot = signalsAt(x, t, DEFAULT_SIGNAL_PARAMETERS);
    expect(snapshot?.sigma).toBeCloseTo(sigma, 15);
    expect(snapshot?.expectedAnnualReturns[0]).toBeCloseTo(k * clip(mom), 13);
    expect(snapshot?.expectedAnnualReturns[1]).toBeCloseTo(k * clip(mr), 13);
    const ridge = ridgePrediction(x, t, DEFAULT_SIGNAL_PARAMETERS).prediction * 12;
    expect(snapshot?.expectedAnnualReturns[3]).toBeCloseTo(
      Math.max(-3 * k, Math.min(3 * k, ridge)),
      13,
    );
  });

  it("ignores every price after t", () => {
    const x = fixtureLogPrices("GE");
    const t = 1500;
    const changed = [...x.slice(0, t + 1), ...x.slice(t + 1).map((v) => v + 1)];
    expect(signalsAt(changed, t, DEFAULT_SIGNAL_PARAMETERS)).toEqual(
      signalsAt(x.slice(0, t + 1), t, DEFAULT_SIGNAL_PARAMETERS),
    );
  });

  it("gives every signal 0 on a flat price", () => {
    const flat = new Array<number>(300).fill(Math.log(50));
    expect(signalsAt(flat, 299, DEFAULT_SIGNAL_PARAMETERS)).toEqual({
      sigma: 0,
      expectedAnnualReturns: [0, 0, 0, 0],
    });
  });
});
