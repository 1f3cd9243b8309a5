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
  const iterations = options.iterations ?? 10;
  const warmup = options.warmup ?? 2;
  let sink: unknown;
  for (let i = 0; i < warmup; i++) sink = await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    sink = await fn();
    times.push(performance.now() - t0);
  }
  if (sink === Symbol.for("never")) throw new Error("unreachable");
  times.sort((a, b) => a - b);
  const at = (p: number): number =>
    times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  return {
    group,
    name,
    iterations,
    medianMs: at(0.5),
    minMs: times[0] ?? 0,
    p95Ms: at(0.95),
    ...(options.targetMs === undefined ? {} : { targetMs: options.targetMs }),
    ...(options.note === undefined ? {} : { note: options.note }),
  };
}

/** A benchmark suite: bench/run.ts imports every `*.bench.ts` module's `run`. */
export type BenchSuite = () => Promise<BenchResult[]>;
