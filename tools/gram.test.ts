import { describe, expect, it } from "vitest";
import { defaultGramKernel, gramMatrix } from "./gram.js";

/** A deterministic pseudo-random sequence (Park–Miller), for test data only. */
function sequence(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
}

describe("gramMatrix", () => {
  it("works the hand example: [1,2,3]·[1,2,3] = 14, [1,2,3]·[4,5,6] = 32, [4,5,6]·[4,5,6] = 77", () => {
    for (const kernel of ["wasm-simd", "js"] as const) {
      const g = gramMatrix(
        { n: 2, T: 3, writeRow: (k, out, o) => out.set(k === 0 ? [1, 2, 3] : [4, 5, 6], o) },
        kernel,
      );
      expect(Array.from(g)).toEqual([14, 32, 32, 77]);
    }
  });

  it("uses the WebAssembly SIMD kernel by default on Node 20", () => {
    expect(defaultGramKernel()).toBe("wasm-simd");
  });

  it("equals naive dot products with rows that are zero outside their ranges (odd T, n not a multiple of 3)", () => {
    const next = sequence(7);
    const n = 8;
    const T = 37;
    const start = Int32Array.from([0, 5, 0, 30, 12, 0, 36, 2]);
    const end = Int32Array.from([37, 20, 37, 37, 13, 10, 37, 37]);
    const rows = Array.from({ length: n }, (_, k) =>
      Float64Array.from({ length: T }, (_, t) =>
        t >= (start[k] as number) && t < (end[k] as number) ? next() : 0,
      ),
    );
    const naive = (i: number, j: number): number => {
      let s = 0;
      for (let t = 0; t < T; t++) s += (rows[i]?.[t] as number) * (rows[j]?.[t] as number);
      return s;
    };
    for (const kernel of ["wasm-simd", "js"] as const) {
      const g = gramMatrix(
        { n, T, start, end, writeRow: (k, out, o) => out.set(rows[k] as Float64Array, o) },
        kernel,
      );
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(Math.abs((g[i * n + j] as number) - naive(i, j))).toBeLessThan(1e-14);
        }
      }
    }
  });

  it("gives the two kernels the same answer to rounding on 40 × 500 data", () => {
    const next = sequence(11);
    const n = 40;
    const T = 500;
    const rows = Array.from({ length: n }, () => Float64Array.from({ length: T }, next));
    const input = {
      n,
      T,
      writeRow: (k: number, out: Float64Array, o: number) => out.set(rows[k] as Float64Array, o),
    };
    const a = gramMatrix(input, "wasm-simd");
    const b = gramMatrix(input, "js");
    for (let k = 0; k < n * n; k++) {
      expect(Math.abs((a[k] as number) - (b[k] as number))).toBeLessThan(1e-12);
    }
  });
});
