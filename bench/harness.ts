import { performance } from "node:perf_hooks";

/** One measured case of a benchmark, as written to bench/RESULTS.md. */
export interface BenchResult {
  /** Section, e.g. "risk analytics". */
  readonly group: string;
  /** What was measured, e.g. "covariance (sample) 500 assets × 10 years". */
  readonly name: string;
  readonly iterations: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly p95Ms: number;
  /** A target from the issue, e.g. { maxMs: 150 }. */
  readonly targetMs?: number;
  /** Free-form context (peer comparison, ratio, objective values). */
  readonly note?: string;
}

export interface MeasureOptions {
  readonly iterations?: number;
  readonly warmup?: number;
  readonly targetMs?: number;
  readonly note?: string;
}

/**
 * Times `fn` after `warmup` untimed calls: median, min and 95th percentile of `iterations` timed
 * calls. `fn`'s result is kept in a sink so the work cannot be optimised away.
 */
export async function measure(
  group: string,
  name: string,
  fn: () => unknown,
  options: MeasureOptions = {},
): Promise<BenchResult> {
  const [result] = await measureAlternating([{ group, name, fn, options }], options);
  return result as BenchResult;
}

/** One case of {@link measureAlternating}. */
export interface AlternatingCase {
  readonly group: string;
  readonly name: string;
  readonly fn: () => unknown;
  readonly options?: Pick<MeasureOptions, "targetMs" | "note">;
}

/**
 * Times several cases call by call in turn (a, b, a, b, …) after `warmup` untimed rounds, so a
 * ratio between them is taken over the same stretch of the machine's time rather than over two
 * stretches that may run at different speeds. One result per case, as {@link measure} gives.
 */
export async function measureAlternating(
  cases: readonly AlternatingCase[],
  rounds: Pick<MeasureOptions, "iterations" | "warmup"> = {},
): Promise<BenchResult[]> {
  const iterations = rounds.iterations ?? 10;
  const warmup = rounds.warmup ?? 2;
  let sink: unknown;
  for (let i = 0; i < warmup; i++) for (const c of cases) sink = await c.fn();
  const times = cases.map((): number[] => []);
  for (let i = 0; i < iterations; i++) {
    for (const [k, c] of cases.entries()) {
      const t0 = performance.now();
      sink = await c.fn();
      times[k]?.push(performance.now() - t0);
    }
  }
  if (sink === Symbol.for("never")) throw new Error("unreachable");
  return cases.map((c, k) => {
    const sorted = (times[k] ?? []).sort((a, b) => a - b);
    const at = (p: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const { targetMs, note } = c.options ?? {};
    return {
      group: c.group,
      name: c.name,
      iterations,
      medianMs: at(0.5),
      minMs: sorted[0] ?? 0,
      p95Ms: at(0.95),
      ...(targetMs === undefined ? {} : { targetMs }),
      ...(note === undefined ? {} : { note }),
    };
  });
}

/** A benchmark suite: bench/run.ts imports every `*.bench.ts` module's `run`. */
export type BenchSuite = () => Promise<BenchResult[]>;
