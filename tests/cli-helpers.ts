import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../cli/run.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const fixture = (name: string): string => path.join(root, "tests", "fixtures", name);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a `steward` command line in-process with captured streams. */
export async function cli(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd: root,
  });
  return { code, stdout, stderr };
}

/** Runs the documented form `npm run --silent steward -- …` as a real process (extra env optional). */
export function cliProcess(argv: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync("npm", ["run", "--silent", "steward", "--", ...argv], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
