// `npm run bench`: runs every bench/*.bench.ts suite and writes bench/RESULTS.md with the
// machine described. Usage: npm run bench [-- <filter>]   (filter matches suite file names)
import { readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchResult, BenchSuite } from "./harness.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filter === undefined || f.includes(filter))
  .sort();

const results: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { run?: BenchSuite };
  if (typeof mod.run !== "function") throw new Error(`${file} does not export run()`);
  console.error(`bench: ${file}`);
  const suite = await mod.run();
  for (const r of suite) {
    const verdict =
      r.targetMs === undefined ? "" : r.medianMs <= r.targetMs ? " ✓" : " ✗ over target";
    console.error(`  ${r.name}: median ${r.medianMs.toFixed(2)} ms${verdict}`);
  }
  results.push(...suite);
}

const cpus = os.cpus();
const machine = [
  `- CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} logical cores`,
  `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
  `- Node.js: ${process.version}`,
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
];

const fmt = (ms: number): string =>
  ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
const lines = [
  "# Benchmark results",
  "",
  "Written by `npm run bench` (bench/run.ts). Times are wall-clock milliseconds per call after warm-up,",
  "single-threaded unless a case says otherwise, on the machine below, with nothing else running.",
  "",
  "## Machine",
  "",
  ...machine,
  "",
];
const groups = [...new Set(results.map((r) => r.group))];
for (const group of groups) {
  lines.push(
    `## ${group}`,
    "",
    "| case | calls | median ms | min ms | p95 ms | target ms | met | note |",
    "| --- | ---: | ---: | ---: | ---: | ---: | :---: | --- |",
  );
  for (const r of results.filter((x) => x.group === group)) {
    const met = r.targetMs === undefined ? "" : r.medianMs <= r.targetMs ? "yes" : "**no**";
    lines.push(
      `| ${r.name} | ${r.iterations} | ${fmt(r.medianMs)} | ${fmt(r.minMs)} | ${fmt(r.p95Ms)} | ${r.targetMs ?? ""} | ${met} | ${r.note ?? ""} |`,
    );
  }
  lines.push("");
}
if (filter === undefined) {
  writeFileSync(path.join(here, "RESULTS.md"), `${lines.join("\n")}`);
  console.error("bench: wrote bench/RESULTS.md");
} else {
  console.log(lines.join("\n"));
}
