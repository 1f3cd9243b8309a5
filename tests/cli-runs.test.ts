import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PRE_TRADE_CHECKS } from "../governance/index.js";
import { NODE_NAMES } from "../graph/index.js";
import { loadConfig } from "../server/config.js";
import { cli, cliProcess, root } from "./cli-helpers.js";

/**
 * `steward brief / approve / reject / runs / blueprint` in-process (runCli with captured streams)
 * over a temporary STEWARD_DATA_DIR (SQLite run store, checkpointer and audit trail) and a
 * generated signing key; one suite runs the two halves of a run in two real processes.
 */

const BALANCED = "examples/portfolios/balanced.json";
const MULTI_ASSET = "examples/portfolios/multi-asset.json";
const BRIEFING_KEYS = [
  "runId",
  "status",
  "asOf",
  "data",
  "forecast",
  "risk",
  "optimizer",
  "proposal",
  "checks",
  "approval",
  "narrative",
  "metadata",
];

const signingKey = generateKeyPairSync("ed25519")
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh data directory (its own stores) and the environment that points at it. */
function freshEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-cli-runs-"));
  dirs.push(dir);
  return {
    STEWARD_DATA_DIR: path.join(dir, "data"),
    STEWARD_AUDIT_SIGNING_KEY: signingKey,
    ...extra,
  };
}

function tmpFile(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-cli-file-"));
  dirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

interface BriefJson {
  runId: string;
  status: string;
  asOf: string;
  proposal: { orders: { symbol: string }[]; hash: string } | null;
  checks: { code: string; severity: string; passed: boolean; context: unknown }[];
  metadata: { requestedBy: { id: string }; seed: number };
}

async function brief(env: Record<string, string>, as = "pat"): Promise<BriefJson> {
  const r = await cli(["brief", "--portfolio", BALANCED, "--as", as, "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as BriefJson;
}

async function verifies(env: Record<string, string>): Promise<void> {
  const r = await cli(["audit", "verify", "--json"], env);
  expect(r.code, r.stdout).toBe(0);
  expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
}

describe("steward brief", () => {
  it("briefs the balanced example to a proposal awaiting approval, with orders and checks", async () => {
    const env = freshEnv();
    const r = await cli(["brief", "--portfolio", BALANCED, "--as", "pat", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(BRIEFING_KEYS);
    const b = doc as unknown as BriefJson;
    expect(b.status).toBe("awaiting_approval");
    expect(b.asOf).toBe("2018-04-11"); // the sample data's last equity date
    expect(b.proposal?.orders.length).toBeGreaterThan(0);
    expect(b.proposal?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.checks.length).toBeGreaterThan(0);
    for (const c of b.checks) {
      expect(c.code).toMatch(/^[A-Z_]+$/);
      expect(["hard", "soft"]).toContain(c.severity);
      expect(typeof c.passed).toBe("boolean");
    }
    expect(b.metadata.requestedBy.id).toBe("pat");
    expect(b.metadata.seed).toBe(42);
    await verifies(env);
  });

  it("gives the same content for the same inputs and seed, apart from runId and timestamps", async () => {
    // Two stores: in one store the second run would see the first (the RATE_LIMIT count).
    const strip = (text: string): string =>
      text
        .replace(/"runId": "[^"]+"/g, '"runId": "-"')
        .replace(/"\d{4}-\d{2}-\d{2}T[^"]+Z"/g, '"-"');
    const args = ["brief", "--portfolio", BALANCED, "--as", "pat", "--seed", "7", "--json"];
    const a = await cli(args, freshEnv());
    const b = await cli(args, freshEnv());
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ metadata: { seed: 7 } });
    expect(strip(b.stdout)).toBe(strip(a.stdout));
  });

  it("prints a readable briefing with the orders, the checks, risk and the approve command line", async () => {
    const env = freshEnv();
    const r = await cli(["brief", "--portfolio", BALANCED, "--as", "pat"], env);
    expect(r.code, r.stderr).toBe(0);
    const runId = /Briefing (\S+):/.exec(r.stdout)?.[1] ?? "";
    expect(runId).not.toBe("");
    expect(r.stdout).toMatch(/^Orders \(\d+\): turnover/m);
    expect(r.stdout).toMatch(/^Checks: \d+ results, 0 hard failures/m);
    expect(r.stdout).toMatch(/^ {2}volatility +\d+\.\d\d% +\d+\.\d\d%$/m);
    expect(r.stdout).toContain("Status: AWAITING APPROVAL by a supervisor other than pat");
    expect(r.stdout).toContain(`steward approve --run ${runId} --as USER`);
  });

  it("names the field at fault in an invalid portfolio file (exit 1, JSON error document)", async () => {
    const env = freshEnv();
    const book = JSON.parse(readFileSync(path.join(root, BALANCED), "utf8")) as {
      holdings: { quantity: number }[];
      mandate: Record<string, unknown>;
    };
    const negative = structuredClone(book);
    (negative.holdings[1] as { quantity: number }).quantity = -5;
    const r = await cli(
      ["brief", "--portfolio", tmpFile("neg.json", JSON.stringify(negative)), "--json"],
      env,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: "INVALID_INPUT", field: "portfolio.holdings[1].quantity" },
    });
    const typo = structuredClone(book);
    typo.mandate.objectiv = "max-sharpe";
    const t = await cli(["brief", "--portfolio", tmpFile("typo.json", JSON.stringify(typo))], env);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/unknown field/);
    const notJson = await cli(["brief", "--portfolio", tmpFile("bad.json", "{ holdings: ")], env);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/not valid JSON/);
  });

  it("treats a bad command line as a usage error (exit 2)", async () => {
    const env = freshEnv();
    expect((await cli(["brief"], env)).code).toBe(2);
    expect((await cli(["brief", "--portfolio", "nope.json"], env)).stderr).toMatch(/no such file/);
    const data = await cli(["brief", "--portfolio", BALANCED, "--data", "bloomberg"], env);
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/--data must be/);
    const asOf = await cli(["brief", "--portfolio", BALANCED, "--as-of", "11/04/2018"], env);
    expect(asOf.code).toBe(2);
  });

  it("runs the multi-asset example on the simulated market to a final status", async () => {
    const env = freshEnv();
    const r = await cli(
      ["brief", "--portfolio", MULTI_ASSET, "--data", "simulated", "--as-of", "2024-12-31"],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Status: (AWAITING APPROVAL|BLOCKED|NO TRADE)/m);
    const j = await cli(
      [
        "brief",
        "--portfolio",
        MULTI_ASSET,
        "--data",
        "simulated",
        "--as-of",
        "2024-12-31",
        "--json",
      ],
      env,
    );
    const b = JSON.parse(j.stdout) as BriefJson & { metadata: { dataSpec: unknown } };
    expect(["awaiting_approval", "blocked", "no_trade"]).toContain(b.status);
    expect(b.metadata.dataSpec).toEqual({ kind: "simulated" });
    await verifies(env);
  });
});

describe("steward approve / reject / runs", () => {
  it("refuses self-approval with exit 1 and SELF_APPROVAL, then releases on another user's approval", async () => {
    const env = freshEnv();
    const { runId, proposal } = await brief(env, "pat");

    const self = await cli(["approve", "--run", runId, "--as", "pat", "--json"], env);
    expect(self.code).toBe(1);
    expect(JSON.parse(self.stdout)).toMatchObject({
      error: { code: "SELF_APPROVAL", runId, status: "awaiting_approval" },
    });
    expect(self.stderr).toMatch(/SELF_APPROVAL/);

    const inbox = await cli(["runs", "--json"], env);
    const listed = JSON.parse(inbox.stdout) as { runs: { runId: string; orders: number }[] };
    expect(listed.runs.map((r) => r.runId)).toEqual([runId]);
    expect(listed.runs[0]?.orders).toBe(proposal?.orders.length);

    const ok = await cli(["approve", "--run", runId, "--as", "sam", "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      runId,
      status: "released",
      outcome: "approved",
      approvals: 1,
      required: 1,
      actor: "sam",
      release: { status: "released", releasedBy: ["sam"], orders: proposal?.orders.length },
    });
    expect(JSON.parse((await cli(["runs", "--json"], env)).stdout)).toMatchObject({ runs: [] });
    const all = JSON.parse((await cli(["runs", "--status", "all", "--json"], env)).stdout) as {
      runs: { status: string }[];
    };
    expect(all.runs.map((r) => r.status)).toEqual(["released"]);
    await verifies(env);
  });

  it("refuses an approval of a proposal other than the current one (PROPOSAL_CHANGED)", async () => {
    const env = freshEnv();
    const { runId } = await brief(env);
    const other = "0".repeat(64);
    const r = await cli(
      ["approve", "--run", runId, "--as", "sam", "--proposal-hash", other, "--json"],
      env,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "PROPOSAL_CHANGED" } });
  });

  it("requires a reason to reject: a missing flag is a usage error, a blank one is refused", async () => {
    const env = freshEnv();
    const { runId } = await brief(env);
    const missing = await cli(["reject", "--run", runId, "--as", "sam"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--reason is required/);
    const blank = await cli(
      ["reject", "--run", runId, "--as", "sam", "--reason", "  ", "--json"],
      env,
    );
    expect(blank.code).toBe(1);
    expect(JSON.parse(blank.stdout)).toMatchObject({ error: { code: "REASON_REQUIRED" } });
    const done = await cli(
      ["reject", "--run", runId, "--as", "sam", "--reason", "turnover too high", "--json"],
      env,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: "rejected", outcome: "rejected" });
    const again = await cli(["approve", "--run", runId, "--as", "kim", "--json"], env);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: "NOT_AWAITING_APPROVAL" } });
    await verifies(env);
  });

  it("answers exit 1 RUN_NOT_FOUND for an unknown run and exit 2 without --as", async () => {
    const env = freshEnv();
    const r = await cli(["approve", "--run", "no-such-run", "--as", "sam", "--json"], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "RUN_NOT_FOUND" } });
    expect((await cli(["approve", "--run", "no-such-run"], env)).code).toBe(2);
    expect((await cli(["runs", "--status", "pending"], env)).code).toBe(2);
  });

  it("applies the users file's roles and scopes: pm-only, out-of-scope and unknown users cannot approve", async () => {
    const users = tmpFile(
      "users.json",
      JSON.stringify({
        users: [
          { id: "pat", roles: ["pm"], portfolios: ["balanced"] },
          { id: "paula", roles: ["pm"], portfolios: "*" },
          { id: "otto", roles: ["supervisor"], portfolios: ["multi-asset"] },
          { id: "sam", roles: ["supervisor"], portfolios: ["balanced"] },
        ],
      }),
    );
    const env = freshEnv({ STEWARD_USERS_FILE: users });
    const stranger = await cli(["brief", "--portfolio", BALANCED, "--as", "eve", "--json"], env);
    expect(stranger.code).toBe(1);
    expect(JSON.parse(stranger.stdout)).toMatchObject({ error: { field: "as" } });

    const { runId } = await brief(env, "pat");
    const codeOf = async (as: string): Promise<string> => {
      const r = await cli(["approve", "--run", runId, "--as", as, "--json"], env);
      expect(r.code).toBe(1);
      return (JSON.parse(r.stdout) as { error: { code: string } }).error.code;
    };
    expect(await codeOf("paula")).toBe("NOT_SUPERVISOR");
    expect(await codeOf("otto")).toBe("OUT_OF_SCOPE");
    expect(await codeOf("eve")).toBe("INVALID_INPUT");
    const ok = await cli(["approve", "--run", runId, "--as", "sam", "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: "released" });
    await verifies(env);
  });

  it("refuses an invalid users file, naming the field", async () => {
    const users = tmpFile(
      "users.json",
      JSON.stringify({ users: [{ id: "sam", roles: "supervisor", portfolios: "*" }] }),
    );
    const env = freshEnv({ STEWARD_USERS_FILE: users });
    const r = await cli(["approve", "--run", "x", "--as", "sam", "--json"], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { field: "usersFile.users[0].roles" } });
  });

  it("reads STEWARD_USERS_FILE into the configuration as an absolute path", () => {
    expect(loadConfig({ STEWARD_USERS_FILE: "users.json" }, "/srv").usersFile).toBe(
      "/srv/users.json",
    );
    expect(loadConfig({}, "/srv").usersFile).toBeUndefined();
  });
});

describe("steward blueprint", () => {
  it("is generated from the compiled graph, the agents, the policy and the audit trail", async () => {
    const env = freshEnv();
    const r = await cli(["blueprint", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const bp = JSON.parse(r.stdout) as {
      graph: {
        nodes: { id: string; interrupt: boolean }[];
        interrupts: string[];
        mermaid: string;
      };
      agents: { name: string; tools: { name: string; schema: { type?: string } }[] }[];
      controls: { checks: { code: string; limits: { owner: string; overdue: boolean }[] }[] };
      approval: { expiryMinutes: number; approverRoles: string[] };
      modelInventory: {
        models: { artifactHash: string | null; validator: string; developer: string }[];
      };
      monitoring: { runsStarted: number };
      audit: { size: number; verify: { ok: boolean } };
    };
    for (const name of NODE_NAMES) expect(bp.graph.nodes.map((n) => n.id)).toContain(name);
    expect(bp.graph.nodes.filter((n) => n.interrupt).map((n) => n.id)).toEqual(["approval"]);
    expect(bp.graph.interrupts).toEqual(["approval"]);
    expect(bp.graph.mermaid).toMatch(/^graph TD;$/m);
    expect(bp.graph.mermaid).toContain("supervisor_decide -.-> approval;");
    expect(bp.agents.map((a) => a.name)).toEqual([
      "supervisor",
      "data",
      "forecast",
      "risk",
      "optimizer",
      "execution",
    ]);
    for (const a of bp.agents) {
      expect(a.tools.length).toBeGreaterThan(0);
      for (const t of a.tools) expect(t.schema.type, `${a.name}.${t.name}`).toBe("object");
    }
    expect(bp.controls.checks.map((c) => c.code)).toEqual(PRE_TRADE_CHECKS.map((c) => c.code));
    expect(bp.controls.checks.find((c) => c.code === "PRICE_STALE")?.limits[0]?.owner).toBe(
      "Head of Market Data",
    );
    expect(bp.approval).toMatchObject({ expiryMinutes: 30, approverRoles: ["supervisor"] });
    for (const m of bp.modelInventory.models) {
      expect(m.artifactHash).toMatch(/^[0-9a-f]{64}$/);
      expect(m.validator).not.toBe(m.developer);
    }
    expect(bp.monitoring.runsStarted).toBe(0);
    expect(bp.audit).toMatchObject({ size: 0, verify: { ok: true } });

    const text = await cli(["blueprint"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("```mermaid\n%%{init");
    expect(text.stdout).toMatch(/approval +human {2}\(interrupt\)/);
  });

  it("counts approvals and rejections from the audit trail", async () => {
    const env = freshEnv();
    const a = await brief(env);
    const b = await brief(env);
    expect((await cli(["approve", "--run", a.runId, "--as", "sam"], env)).code).toBe(0);
    expect(
      (await cli(["reject", "--run", b.runId, "--as", "sam", "--reason", "no"], env)).code,
    ).toBe(0);
    const bp = JSON.parse((await cli(["blueprint", "--json"], env)).stdout) as {
      monitoring: { runsStarted: number; rejectionRate: { value: number }; released: number };
      audit: { size: number; latestCheckpoint: { size: number } | null; verify: { ok: boolean } };
    };
    expect(bp.monitoring).toMatchObject({ runsStarted: 2, released: 1 });
    expect(bp.monitoring.rejectionRate.value).toBe(0.5); // 1 rejection of 2 decisions
    expect(bp.audit.verify.ok).toBe(true);
    expect(bp.audit.latestCheckpoint?.size).toBe(bp.audit.size);
  });
});

describe("steward brief and approve in two processes", () => {
  it("resumes a run awaiting approval from another process and releases it", () => {
    const env = freshEnv();
    const first = cliProcess(["brief", "--portfolio", BALANCED, "--as", "pat", "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    const { runId, status } = JSON.parse(first.stdout) as BriefJson;
    expect(status).toBe("awaiting_approval");
    const second = cliProcess(["approve", "--run", runId, "--as", "sam", "--json"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ runId, status: "released" });
    const check = cliProcess(["audit", "verify", "--json"], env);
    expect(check.code, check.stdout).toBe(0);
  });
});
