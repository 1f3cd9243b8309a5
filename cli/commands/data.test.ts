import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryPriceCache } from "../../market/price-cache-memory.js";
import type { YahooClient } from "../../market/yahoo-client.js";
import { UsageError, type CliIo } from "../io.js";
import { createDataCommand, type DataReport } from "./data.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const command = createDataCommand({ clock: () => new Date("2024-03-15T12:00:00Z") });

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function data(args: string[], cwd = root): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd,
  };
  const code = await command(args, io);
  return { code, stdout, stderr };
}

async function report(args: string[], cwd = root): Promise<DataReport> {
  const r = await data([...args, "--json"], cwd);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DataReport;
}

const tmp = mkdtempSync(path.join(tmpdir(), "steward-data-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("steward data --provider sample", () => {
  it("prints one JSON document with series, findings, source and window", async () => {
    const r = await report([
      "--provider",
      "sample",
      "--symbols",
      "AAPL,SPY",
      "--from",
      "2018-01-01",
      "--to",
      "2018-01-05",
    ]);
    expect(Object.keys(r)).toEqual(["series", "findings", "source", "window"]);
    // The first four 2018 closes of AAPL as written in market/data/us-equities-20.csv.
    expect(r.series.AAPL).toEqual([
      { date: "2018-01-02", close: 171.560516 },
      { date: "2018-01-03", close: 171.53064 },
      { date: "2018-01-04", close: 172.327393 },
      { date: "2018-01-05", close: 174.289398 },
    ]);
    expect(r.series.SPY).toHaveLength(4);
    expect(r.findings).toEqual([]);
    expect(r.window).toEqual({ from: "2018-01-01", to: "2018-01-05" });
    expect(r.source.map((s) => [s.provider, s.symbols])).toEqual([
      ["sample", ["AAPL"]],
      ["sample", ["SPY"]],
    ]);
  });

  it("defaults --to to the last date the requested symbols have", async () => {
    const r = await report(["--provider", "sample", "--symbols", "AAPL", "--from", "2018-04-01"]);
    expect(r.window.to).toBe("2018-04-11");
    expect(r.series.AAPL?.at(-1)?.date).toBe("2018-04-11");
  });

  it("serves all 21 symbols without --symbols and flags the equities stale as of SPY's last date", async () => {
    const r = await report(["--provider", "sample", "--from", "2018-04-01"]);
    expect(Object.keys(r.series)).toHaveLength(21);
    expect(r.window.to).toBe("2019-12-09");
    const stale = r.findings.filter((f) => f.code === "STALE_PRICE");
    expect(stale).toHaveLength(20);
    expect(stale.every((f) => f.severity === "blocking" && f.symbol !== "SPY")).toBe(true);
    expect(Object.keys(r.findings[0] ?? {})).toEqual(["code", "severity", "symbol", "message"]);
  });

  it("never prints a bar after --to", async () => {
    const r = await report(["--provider", "sample", "--symbols", "GE,SPY", "--to", "2001-09-12"]);
    for (const bars of Object.values(r.series))
      expect(bars.every((b) => b.date <= "2001-09-12")).toBe(true);
    expect(r.series.GE?.at(-1)?.date).toBe("2001-09-10");
  });

  it("prints a readable summary per symbol without --json", async () => {
    const r = await data([
      "--provider",
      "sample",
      "--symbols",
      "AAPL,SHLD",
      "--from",
      "2018-04-09",
      "--to",
      "2018-04-11",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("window 2018-04-09 … 2018-04-11");
    expect(r.stdout).toMatch(/AAPL\s+2018-04-09\s+2018-04-11\s+3\s+172\.440002\s+ok/);
    expect(r.stdout).toMatch(/SHLD\s+2018-04-09\s+2018-04-11\s+3\s+3\.3\s+ok/);
  });

  it("exits 1 naming an unknown symbol, with a JSON error under --json", async () => {
    const plain = await data(["--provider", "sample", "--symbols", "AAPL,NOPE"]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe("");
    expect(plain.stderr).toBe(
      "steward data: unknown symbol NOPE (not served by the sample provider)\n",
    );
    const json = await data(["--provider", "sample", "--symbols", "NOPE", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: "UNKNOWN_SYMBOL",
        message: "unknown symbol NOPE (not served by the sample provider)",
        field: "symbols",
      },
    });
  });
});

describe("steward data usage errors (exit 2 via UsageError)", () => {
  it.each([
    ["an unknown provider", ["--provider", "bloomberg"], /unknown provider "bloomberg"/],
    ["no provider", ["--symbols", "AAPL"], /--provider is required/],
    ["a bad --to", ["--provider", "sample", "--to", "2018-02-30"], /--to must be a date/],
    ["a bad --from", ["--provider", "sample", "--from", "last week"], /--from must be a date/],
    [
      "--from after --to",
      ["--provider", "sample", "--from", "2018-02-02", "--to", "2018-02-01"],
      /after --to/,
    ],
    [
      "--from after the default as-of",
      ["--provider", "sample", "--symbols", "AAPL", "--from", "2019-01-01"],
      /after the as-of date 2018-04-11/,
    ],
    ["--seed with sample", ["--provider", "sample", "--seed", "7"], /only to --provider simulated/],
    [
      "a fractional seed",
      ["--provider", "simulated", "--seed", "1.5"],
      /--seed must be an integer/,
    ],
    [
      "an unknown scenario",
      ["--provider", "simulated", "--scenario", "alien-invasion"],
      /alien-invasion/,
    ],
    ["an invalid symbol", ["--provider", "sample", "--symbols", "AAPL,,SPY"], /invalid symbol ""/],
    ["an unknown flag", ["--provider", "sample", "--currency", "EUR"], /steward data:/],
  ])("refuses %s", async (_name, args, pattern) => {
    await expect(data(args)).rejects.toThrow(UsageError);
    await expect(data(args)).rejects.toThrow(pattern);
  });
});

describe("steward data --provider csv:<dir>", () => {
  writeFileSync(
    path.join(tmp, "prices.csv"),
    "date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,11,21\n2024-01-04,12,\n",
  );

  it("reads a directory relative to the working directory and reports its files", async () => {
    const r = await report(["--provider", `csv:${path.basename(tmp)}`], path.dirname(tmp));
    expect(r.series).toEqual({
      AAA: [
        { date: "2024-01-02", close: 10 },
        { date: "2024-01-03", close: 11 },
        { date: "2024-01-04", close: 12 },
      ],
      BBB: [
        { date: "2024-01-02", close: 20 },
        { date: "2024-01-03", close: 21 },
      ],
    });
    expect(r.window).toEqual({ from: "2024-01-02", to: "2024-01-04" });
    expect(r.source[0]?.detail).toContain(path.join(tmp, "prices.csv"));
    expect(r.source[0]?.detail).toContain("reference data assumed");
    expect(r.findings).toEqual([]);
  });

  it("exits 1 naming file:line for a malformed file", async () => {
    const bad = mkdtempSync(path.join(tmp, "bad-"));
    writeFileSync(path.join(bad, "p.csv"), "date,AAA\n2024-01-02,10\n2024-01-03,n/a\n");
    const r = await data(["--provider", `csv:${bad}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(bad, "p.csv")}:3 AAA: is not a number: "n/a"`);
  });
});

describe("steward data --provider simulated", () => {
  it("serves the whole universe without --symbols, byte-identical per seed", async () => {
    const args = [
      "--provider",
      "simulated",
      "--seed",
      "7",
      "--scenario",
      "crypto-crash",
      "--from",
      "2024-12-02",
      "--json",
    ];
    const a = await data(args);
    const b = await data(args);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const r = JSON.parse(a.stdout) as DataReport;
    expect(Object.keys(r.series).length).toBeGreaterThan(10);
    expect(r.window.to).toBe("2024-12-31");
    expect(r.source[0]?.detail).toContain("seed=7 scenario=crypto-crash");
    for (const bars of Object.values(r.series)) {
      expect(bars.every((x) => x.date >= "2024-12-02" && x.date <= "2024-12-31")).toBe(true);
    }
  });
});

describe("steward data --provider yahoo (recorded responses, no network)", () => {
  /** Dates revived the way yahoo-finance2 coerces them. */
  const recorded = (name: string): unknown =>
    (
      JSON.parse(
        readFileSync(path.join(root, "tests/fixtures/yahoo", `${name}.json`), "utf8"),
        (key, value: unknown) =>
          key === "date" && typeof value === "string" ? new Date(value) : value,
      ) as { response: unknown }
    ).response;
  const client: YahooClient = {
    chart: async () => recorded("chart-aapl"),
    quote: async (symbols) =>
      (recorded("quote-mixed") as { symbol: string }[]).filter((q) => symbols.includes(q.symbol)),
  };
  let opened = 0;
  let closed = 0;
  const yahoo = createDataCommand({
    // Monday 2024-01-08, 22:00 UTC: after that day's close in New York.
    clock: () => new Date("2024-01-08T22:00:00Z"),
    yahooClient: client,
    openCache: async (_io, clock) => {
      opened++;
      const cache = new MemoryPriceCache(clock);
      const close = cache.close.bind(cache);
      return Object.assign(cache, {
        close: async () => {
          closed++;
          await close();
        },
      });
    },
  });
  const io = (out: string[]): CliIo => ({
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    env: {},
    cwd: root,
  });

  it("defaults --to to today by the injected clock and returns nothing after it", async () => {
    const out: string[] = [];
    const code = await yahoo(["--provider", "yahoo", "--symbols", "AAPL", "--json"], io(out));
    expect(code, out.join("")).toBe(0);
    const r = JSON.parse(out.join("")) as DataReport;
    expect(r.window.to).toBe("2024-01-08");
    // The recording has sessions through 2024-01-09; the 9th is after the as-of date.
    expect(r.series.AAPL?.map((b) => b.date)).toEqual([
      "2024-01-02",
      "2024-01-03",
      "2024-01-04",
      "2024-01-05",
      "2024-01-08",
    ]);
    expect(r.source[0]?.provider).toBe("yahoo");
    expect([opened, closed]).toEqual([1, 1]);
  });

  it("requires --symbols (Yahoo has no finite universe)", async () => {
    await expect(yahoo(["--provider", "yahoo"], io([]))).rejects.toThrow(/--symbols is required/);
    expect(opened).toBe(closed);
  });

  it("caches answers in SQLite under STEWARD_DATA_DIR by default", async () => {
    const dataDir = mkdtempSync(path.join(tmp, "var-"));
    const withSqlite = createDataCommand({
      clock: () => new Date("2024-01-08T22:00:00Z"),
      yahooClient: client,
    });
    const out: string[] = [];
    const code = await withSqlite(["--provider", "yahoo", "--symbols", "AAPL", "--json"], {
      ...io(out),
      env: { STEWARD_DATA_DIR: dataDir },
    });
    expect(code, out.join("")).toBe(0);
    expect(existsSync(path.join(dataDir, "price-cache.sqlite"))).toBe(true);
  });
});
