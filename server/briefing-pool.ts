import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Briefing, RunProgress, RunService, StartRequest } from "../graph/index.js";
import { fromWire, type WireError } from "./briefing-wire.js";
import type { Logger } from "./logger.js";

/**
 * Briefings on every core. A briefing is CPU work (the agents' numerics, audit hashing, checkpoint
 * serialisation) in one event loop; a pool of worker threads, each with its own runtime over the
 * same stores, runs several at once while the server's thread keeps answering everything else.
 * The stores were built for several writers (SQLite in WAL with `BEGIN IMMEDIATE` appends and
 * compare-and-set transitions, or PostgreSQL), exactly as for several server instances; a run
 * started in a worker is read, approved and released through the server thread's runtime.
 *
 * Workers use the system clock and random run ids: a server started with an injected clock runs
 * briefings in its own thread instead (see `startServer`).
 */

/** What a worker opens its runtime with (serialisable: no clock, no id factory). */
export interface PoolRuntimeOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly checkpointDir?: string;
  readonly auditSigningKeyPem?: string;
  readonly cwd: string;
  readonly stewardVersion: string;
  readonly monteCarloPaths?: number;
  readonly policyDir?: string;
}

/** Server thread → worker. */
export type ToWorker =
  | {
      readonly type: "start";
      readonly id: number;
      readonly request: Omit<StartRequest, "onProgress">;
      readonly progress: boolean;
    }
  | { readonly type: "close" };

/** Worker → server thread. */
export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "failed-to-open"; readonly error: WireError }
  | { readonly type: "progress"; readonly id: number; readonly progress: RunProgress }
  | { readonly type: "done"; readonly id: number; readonly result: BriefingText }
  | { readonly type: "failed"; readonly id: number; readonly error: WireError }
  | { readonly type: "closed" };

/**
 * A finished briefing as the API answers it: its JSON as UTF-8 bytes, encoded once where the
 * briefing was built, with what the metrics count. A worker hands the bytes' buffer over to the
 * server thread (transferred, not copied): the server writes them as they are, with no second
 * copy of a ~130 kB text across threads and no encoding pass on the thread that serves every
 * other request.
 */
export interface BriefingText {
  readonly status: Briefing["status"];
  /** Code and severity of every check that did not pass. */
  readonly failedChecks: readonly { readonly code: string; readonly severity: string }[];
  /** `JSON.stringify(briefing)` in UTF-8, alone in its buffer (so it can be transferred). */
  readonly body: Uint8Array<ArrayBuffer>;
}

const utf8 = new TextEncoder();

/** The text of a briefing (see {@link BriefingText}). */
export function briefingText(briefing: Briefing): BriefingText {
  return {
    status: briefing.status,
    failedChecks: briefing.checks
      .filter((c) => !c.passed)
      .map((c) => ({ code: c.code, severity: c.severity })),
    body: utf8.encode(JSON.stringify(briefing)),
  };
}

/** What starts briefings: the run service in this thread, or a pool of workers running it. */
export interface BriefingStarter {
  start(request: StartRequest): Promise<BriefingText>;
}

/** Briefings run in the calling thread by the run service. */
export function inThreadBriefings(runService: Pick<RunService, "start">): BriefingStarter {
  return { start: async (request) => briefingText(await runService.start(request)) };
}

export interface BriefingPool extends BriefingStarter {
  readonly size: number;
  /** Briefings running in the workers now. */
  readonly inFlight: number;
  /** Lets running briefings finish, closes every worker's runtime, then resolves. */
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (result: BriefingText) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: ((progress: RunProgress) => void) | undefined;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
  /** One promise per running briefing, settled when it ends either way (what `close` waits for). */
  readonly running: Set<Promise<void>>;
  closing: boolean;
}

const WORKER_URL = new URL(
  `./briefing-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/**
 * A briefing worker's young generation: 64 MB semi-spaces instead of V8's 16 MB. A briefing
 * allocates ~7.6 MB, most of it dead by the end of the run, but what is still in flight (the run's
 * state, its check results) is copied by every scavenge it lives through. In a warm 20-asset
 * briefing loop under `--trace-gc` (400 briefings) a scavenge came every ~1.7 briefings with
 * 16 MB and every ~4.5 with 64 MB, and their total pause fell from 754 to 560 ms; over HTTP the
 * gain is within the machine's noise. The cost is up to 128 MB of new space per worker.
 */
const BRIEFING_HEAP = { maxYoungGenerationSizeMb: 192 } as const;

/**
 * Steward runs from its TypeScript sources, and tsx's `--import` hook registers itself in the main
 * thread only: a worker registers tsx's loader itself (its ESM API) before importing the worker
 * module. Compiled JavaScript would be started directly.
 */
function newWorker(runtime: PoolRuntimeOptions): Worker {
  const options = { workerData: runtime, resourceLimits: BRIEFING_HEAP };
  if (!WORKER_URL.pathname.endsWith(".ts")) return new Worker(WORKER_URL, options);
  // The package's ESM build of the API (resolved through its CommonJS entry, which sits beside it).
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function spawn(runtime: PoolRuntimeOptions): { worker: Worker; ready: Promise<void> } {
  const worker = newWorker(runtime);
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      if (message.type === "ready") {
        worker.off("message", onMessage);
        resolve();
      } else if (message.type === "failed-to-open") {
        worker.off("message", onMessage);
        reject(fromWire(message.error));
      }
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`briefing worker exited with ${code}`)));
  });
  return { worker, ready };
}

/**
 * Starts `size` briefing workers (each opens its runtime) and resolves once all are ready; a
 * worker that fails to open fails the pool (the others are stopped). A briefing goes to the worker
 * with the fewest running; a worker that dies fails its running briefings (their runs stay as far
 * as they got, as when a server process dies) and is replaced.
 *
 * @example
 * const pool = await openBriefingPool({ size: 2, runtime: { dataDir, cwd, stewardVersion }, logger });
 * const briefing = await pool.start({ portfolio, dataSpec: { kind: "sample" }, requestedBy });
 */
export async function openBriefingPool(options: {
  readonly size: number;
  readonly runtime: PoolRuntimeOptions;
  readonly logger: Logger;
}): Promise<BriefingPool> {
  const { runtime, logger } = options;
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  const attach = (slot: Slot) => {
    slot.worker.on("message", (message: FromWorker) => {
      if (message.type === "progress") {
        const pending = slot.pending.get(message.id);
        try {
          pending?.onProgress?.(message.progress);
        } catch {
          // A failing listener (e.g. a closed stream) must not fail the run.
        }
      } else if (message.type === "done" || message.type === "failed") {
        const pending = slot.pending.get(message.id);
        slot.pending.delete(message.id);
        if (message.type === "done") pending?.resolve(message.result);
        else pending?.reject(fromWire(message.error));
      }
    });
    slot.worker.on("error", (error) => {
      logger.error("briefing worker failed", { error: error.message });
    });
    slot.worker.once("exit", (code) => {
      for (const pending of slot.pending.values())
        pending.reject(new Error(`the briefing worker stopped (exit ${code})`));
      slot.pending.clear();
      if (closed || slot.closing) return;
      logger.error("briefing worker exited; starting a replacement", { code });
      const next = spawn(runtime);
      slot.worker = next.worker;
      attach(slot);
      next.ready.catch((error: unknown) =>
        logger.error("replacement briefing worker failed to open", { error: String(error) }),
      );
    });
  };

  const started = Array.from({ length: Math.max(1, Math.floor(options.size)) }, () =>
    spawn(runtime),
  );
  try {
    await Promise.all(started.map((s) => s.ready));
  } catch (error) {
    await Promise.all(started.map((s) => s.worker.terminate()));
    throw error;
  }
  for (const s of started) {
    const slot: Slot = {
      worker: s.worker,
      pending: new Map(),
      running: new Set(),
      closing: false,
    };
    attach(slot);
    slots.push(slot);
  }

  return {
    size: slots.length,
    get inFlight() {
      return slots.reduce((n, s) => n + s.pending.size, 0);
    },
    start(request) {
      if (closed) return Promise.reject(new Error("the briefing pool is closed"));
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      const { onProgress, ...rest } = request;
      const briefing = new Promise<BriefingText>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject, onProgress });
      });
      const settled = briefing.then(
        () => undefined,
        () => undefined,
      );
      slot.running.add(settled);
      void settled.then(() => slot.running.delete(settled));
      const message: ToWorker = {
        type: "start",
        id,
        request: rest,
        progress: onProgress !== undefined,
      };
      slot.worker.postMessage(message);
      return briefing;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(
        slots.map(async (slot) => {
          slot.closing = true;
          // Running briefings finish first (the server stopped accepting requests already).
          await Promise.all(slot.running);
          const done = new Promise<void>((resolve) => {
            const onMessage = (message: FromWorker) => {
              if (message.type === "closed") resolve();
            };
            slot.worker.on("message", onMessage);
            slot.worker.once("exit", () => resolve());
          });
          slot.worker.postMessage({ type: "close" } satisfies ToWorker);
          const timer = setTimeout(() => void slot.worker.terminate(), 10_000);
          await done;
          clearTimeout(timer);
          await slot.worker.terminate();
        }),
      );
    },
  };
}
