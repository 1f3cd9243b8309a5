import type { CliIo } from "./io.js";

/** Writes exactly one JSON document (and a newline) on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
