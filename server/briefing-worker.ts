// A briefing worker: a thread with its own runtime over the server's stores (SQLite files opened
// again, or the same PostgreSQL database) that runs briefings sent by the server thread. See
// briefing-pool.ts for the protocol and why.
import { parentPort, workerData } from "node:worker_threads";
import { openRuntime, type StartRequest } from "../graph/index.js";
import { toWire } from "./briefing-wire.js";
import {
  briefingText,
  type PoolRuntimeOptions,
  type ToWorker,
  type FromWorker,
} from "./briefing-pool.js";

const port = parentPort;
if (port === null) throw new Error("briefing-worker.ts runs only as a worker thread");
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

const options = workerData as PoolRuntimeOptions;
const opening = openRuntime({ ...options, clock: () => new Date() });
opening.then(
  () => post({ type: "ready" }),
  (error: unknown) => post({ type: "failed-to-open", error: toWire(error) }),
);

port.on("message", (message: ToWorker) => {
  void (async () => {
    const runtime = await opening;
    if (message.type === "close") {
      await runtime.close();
      post({ type: "closed" });
      return;
    }
    const { id, request, progress } = message;
    const start: StartRequest = progress
      ? { ...request, onProgress: (p) => post({ type: "progress", id, progress: p }) }
      : request;
    try {
      const result = briefingText(await runtime.runService.start(start));
      // The bytes' buffer moves to the server thread (TextEncoder gives each its own buffer).
      post({ type: "done", id, result }, [result.body.buffer]);
    } catch (error) {
      post({ type: "failed", id, error: toWire(error) });
    }
  })();
});
