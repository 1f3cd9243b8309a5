#!/usr/bin/env node
// The `steward` command: `npm run --silent steward -- <command>`. This entry point is the
// composition root: the only place that touches `process` for arguments, streams and exit code.
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  // `npm run` changes directory to the project root; INIT_CWD is where the user typed the command,
  // so relative paths on the command line resolve as the user expects.
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
process.exitCode = code;
