import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Strict flag parsing: unknown flags, missing values and stray positionals are usage errors with
 * one clear line.
 */
export function parseFlags<T extends Options>(
  command: string,
  args: readonly string[],
  options: T,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`steward ${command}: ${message ?? "invalid arguments"}`);
  }
}

/** A required string flag. */
export function requireFlag(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "")
    throw new UsageError(`steward ${command}: --${name} is required`);
  return value;
}

/** A numeric flag within [min, max]; undefined when absent. */
export function numberFlag(
  command: string,
  name: string,
  value: string | undefined,
  range: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(n)) {
    throw new UsageError(`steward ${command}: --${name} must be a finite number, got "${value}"`);
  }
  const { min, max, exclusiveMin = false, exclusiveMax = false } = range;
  if (min !== undefined && (exclusiveMin ? n <= min : n < min)) {
    throw new UsageError(
      `steward ${command}: --${name} must be ${exclusiveMin ? ">" : "≥"} ${min}, got ${n}`,
    );
  }
  if (max !== undefined && (exclusiveMax ? n >= max : n > max)) {
    throw new UsageError(
      `steward ${command}: --${name} must be ${exclusiveMax ? "<" : "≤"} ${max}, got ${n}`,
    );
  }
  return n;
}

/** Reads a file named on the command line; a missing file is a usage error naming the flag. */
export async function readInputFile(
  command: string,
  flag: string,
  file: string,
  cwd: string,
): Promise<string> {
  try {
    return await readFile(path.resolve(cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : "cannot be read";
    throw new UsageError(`steward ${command}: --${flag} ${file}: ${why}`);
  }
}
