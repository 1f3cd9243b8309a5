import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, examplePortfolio, ROOT, TEST_JWT_SECRET, tokenFor } from "./http-helpers.js";
import { PG_TEST_URL, pgAvailable } from "./pg.js";

/**
 * Two `steward serve` processes over one PostgreSQL database, as in a scaled-out deployment: the
 * same JWT secret and audit signing key, separate data directories. A run started on one is
 * decided on the other; replays, late and concurrent decisions release the orders exactly once;
 * both verify the same trail. Skips (with the message from tests/pg.ts) when PostgreSQL is
 * unreachable, unless REQUIRE_PG=1.
 *
 * A fresh database per suite rather than a schema: two server processes share it exactly as a
 * deployment shares one, and dropping it afterwards leaves nothing in the shared test database.
 */

const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const balanced = examplePortfolio() as { id: string; cash: number };

interface Instance {
  readonly name: string;
  readonly url: string;
  /** The exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  output(): string;
}

/** Variables of the test process that must not leak into the servers' configuration. */
function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (
      v !== undefined &&
      !k.startsWith("STEWARD_") &&
      !["DATABASE_URL", "PORT", "HOST"].includes(k)
    )
      out[k] = v;
  return out;
}

async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const child = spawn(TSX, ["cli/main.ts", "serve"], {
    cwd: ROOT,
    env: { ...baseEnv(), PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: no listening line: ${output}`)),
      60_000,
    );
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early with ${code}: ${output}`));
    });
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    exited,
    kill: (signal) => child.kill(signal),
    output: () => output,
  };
}

interface Decision {
  readonly runId: string;
  readonly status: string;
  readonly outcome: string;
  readonly required: number;
  readonly approvals: number;
  readonly replayed: boolean;
}

describe.runIf(pgAvailable)("two server processes sharing one PostgreSQL database", () => {
  const database = `steward_http_${randomBytes(5).toString("hex")}`;
  const dirs: string[] = [];
  let a: Instance | undefined;
  let b: Instance | undefined;
  let pm: string;
  let sam: string;
  let sue: string;
  let auditor: string;

  async function admin<T>(f: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: PG_TEST_URL });
    await client.connect();
    try {
      return await f(client);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await admin((c) => c.query(`create database ${database}`));
    const url = new URL(PG_TEST_URL);
    url.pathname = `/${database}`;
    const signingKey = generateKeyPairSync("ed25519")
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    for (let i = 0; i < 3; i++) dirs.push(mkdtempSync(path.join(os.tmpdir(), "steward-instance-")));
    // The documented deployment (README): one database, one signing key, one checkpoint directory
    // (a shared volume) — verify compares the database's checkpoints with their file copies.
    const shared = {
      DATABASE_URL: url.toString(),
      STEWARD_CHECKPOINT_DIR: dirs[2] as string,
      STEWARD_JWT_SECRET: TEST_JWT_SECRET,
      STEWARD_AUDIT_SIGNING_KEY: signingKey,
    };
    // One after the other: both create the same tables on first start (that is serialised by
    // the stores, but a parallel start would only test it by chance).
    a = await startInstance("A", { ...shared, STEWARD_DATA_DIR: dirs[0] as string });
    b = await startInstance("B", { ...shared, STEWARD_DATA_DIR: dirs[1] as string });
    pm = await tokenFor("pat", "pm");
    sam = await tokenFor("sam", "supervisor");
    sue = await tokenFor("sue", "supervisor");
    auditor = await tokenFor("ann", "auditor");
  }, 150_000);

  afterAll(async () => {
    for (const inst of [a, b]) {
      if (inst === undefined) continue;
      inst.kill("SIGTERM");
      await Promise.race([inst.exited, new Promise((r) => setTimeout(r, 15_000))]);
      inst.kill("SIGKILL");
    }
    await admin((c) => c.query(`drop database if exists ${database} with (force)`));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  function instances(): { a: Instance; b: Instance } {
    if (a === undefined || b === undefined) throw new Error("instances not started");
    return { a, b };
  }

  async function brief(
    on: Instance,
    portfolio: object,
  ): Promise<{ runId: string; proposalHash: string; orders: number }> {
    const res = await call(on.url, "POST", "/api/ai-copilot/insights", {
      token: pm,
      body: { portfolio },
    });
    expect(res.status, res.text.slice(0, 500)).toBe(201);
    const body = res.body as {
      runId: string;
      status: string;
      approval: { request: { proposalHash: string } };
      proposal: { orders: unknown[] };
    };
    const failed = (res.body as { checks: { passed: boolean }[] }).checks.filter((c) => !c.passed);
    expect(body.status, JSON.stringify(failed).slice(0, 1500)).toBe("awaiting_approval");
    return {
      runId: body.runId,
      proposalHash: body.approval.request.proposalHash,
      orders: body.proposal.orders.length,
    };
  }

  async function events(on: Instance, runId: string, type: string): Promise<unknown[]> {
    const res = await call(on.url, "GET", `/api/audit?runId=${runId}&type=${type}&limit=500`, {
      token: auditor,
    });
    expect(res.status).toBe(200);
    return (res.body as { items: unknown[] }).items;
  }

  async function verify(on: Instance): Promise<{ ok: boolean; size: number }> {
    const res = await call(on.url, "GET", "/api/audit/verify", { token: auditor });
    expect(res.status).toBe(200);
    return res.body as { ok: boolean; size: number };
  }

  it("starts on A, decides on B, replays on A, refuses a late second approval, releases once", async () => {
    const { a, b } = instances();
    const run = await brief(a, balanced);

    const inbox = await call(b.url, "GET", "/api/approvals", { token: sam });
    expect(inbox.status).toBe(200);
    expect((inbox.body as { items: { runId: string }[] }).items.map((i) => i.runId)).toContain(
      run.runId,
    );
    const onB = await call(b.url, "GET", `/api/runs/${run.runId}`, { token: sam });
    expect(onB.status).toBe(200);
    expect(onB.body).toMatchObject({ runId: run.runId, status: "awaiting_approval" });

    const decision = { reason: "reviewed on B", proposalHash: run.proposalHash };
    const approved = await call(b.url, "POST", `/api/runs/${run.runId}/approve`, {
      token: sam,
      body: decision,
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toEqual({
      runId: run.runId,
      status: "released",
      outcome: "approved",
      required: 1,
      approvals: 1,
      replayed: false,
    } satisfies Decision);

    const replay = await call(a.url, "POST", `/api/runs/${run.runId}/approve`, {
      token: sam,
      body: decision,
    });
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body).toMatchObject({ runId: run.runId, status: "released", replayed: true });

    const late = await call(a.url, "POST", `/api/runs/${run.runId}/approve`, {
      token: sue,
      body: { reason: "late", proposalHash: run.proposalHash },
    });
    expect(late.status, late.text).toBe(409);
    expect((late.body as { error: { code: string } }).error.code).toBe("NOT_AWAITING_APPROVAL");

    // Both read one trail (whether it verifies is the test below).
    const [sizeA, sizeB] = await Promise.all([verify(a), verify(b)]);
    expect(sizeA.size).toBeGreaterThan(0);
    expect(sizeA.size).toBe(sizeB.size);

    for (const inst of [a, b]) {
      expect(await events(inst, run.runId, "run.released")).toHaveLength(1);
      expect(await events(inst, run.runId, "order.released")).toHaveLength(run.orders);
      expect(await events(inst, run.runId, "approval.granted")).toHaveLength(1);
    }
    const status = await call(a.url, "GET", `/api/runs/${run.runId}`, { token: auditor });
    expect((status.body as { status: string }).status).toBe("released");
  }, 120_000);

  it("two supervisors approving at once on A and B: one approval wins, one release", async () => {
    const { a, b } = instances();
    // More cash, so other order sizes: identical orders to the ones just released would be
    // refused as DUPLICATE_ORDER.
    const run = await brief(b, { ...balanced, id: "balanced-race", cash: balanced.cash + 25_000 });
    const body = (who: string) => ({
      reason: `approved by ${who}`,
      proposalHash: run.proposalHash,
    });
    const [onA, onB] = await Promise.all([
      call(a.url, "POST", `/api/runs/${run.runId}/approve`, { token: sam, body: body("sam") }),
      call(b.url, "POST", `/api/runs/${run.runId}/approve`, { token: sue, body: body("sue") }),
    ]);
    const answers = [onA, onB];
    const winners = answers.filter(
      (r) => r.status === 200 && (r.body as Decision).outcome === "approved",
    );
    expect(winners, answers.map((r) => `${r.status} ${r.text}`).join("\n")).toHaveLength(1);
    expect((winners[0]?.body as Decision).status).toBe("released");
    const loser = answers.find((r) => !winners.includes(r));
    // The other decision came either after the release (409) or in the same instant, when the
    // run's compare-and-set let the first one through (200, outcome unchanged).
    if (loser?.status === 200) expect((loser.body as Decision).outcome).toBe("unchanged");
    else {
      expect(loser?.status, loser?.text).toBe(409);
      expect((loser?.body as { error: { code: string } }).error.code).toBe("NOT_AWAITING_APPROVAL");
    }

    for (const inst of [a, b]) {
      expect(await events(inst, run.runId, "run.released")).toHaveLength(1);
      expect(await events(inst, run.runId, "order.released")).toHaveLength(run.orders);
    }
    const [va, vb] = await Promise.all([verify(a), verify(b)]);
    expect(va.size).toBe(vb.size);
    const status = await call(b.url, "GET", `/api/runs/${run.runId}`, { token: auditor });
    expect((status.body as { status: string }).status).toBe("released");
  }, 120_000);

  // Both write signed checkpoints (to the database and to the shared directory); each verifies
  // the other's.
  it("both instances verify the trail both wrote (ok, same size)", async () => {
    const { a, b } = instances();
    const [onA, onB] = await Promise.all([verify(a), verify(b)]);
    expect(onA, JSON.stringify(onA)).toMatchObject({ ok: true });
    expect(onB, JSON.stringify(onB)).toMatchObject({ ok: true, size: onA.size });
  });

  it("both processes exit with code 0 on SIGTERM", async () => {
    const { a, b } = instances();
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    const codes = await Promise.all([a.exited, b.exited]);
    expect(codes, `${a.output()}\n${b.output()}`).toEqual([0, 0]);
  }, 60_000);
});
