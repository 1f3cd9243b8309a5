import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadBundledPolicy, loadPolicyDir, policyVersion } from "../governance/index.js";
import { openRuntime } from "../graph/index.js";
import { loadConfig } from "../server/config.js";

// A firm's own policies (STEWARD_POLICY_DIR): read and validated at start, ids found there win over
// the bundled ones, and a briefing of a book under such a policy is checked against it.

const root = mkdtempSync(path.join(tmpdir(), "steward-policy-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface PolicyJson {
  id: string;
  tradingState: string;
  limits: Record<string, Record<string, unknown>>;
}

/** The bundled default as JSON, renamed and edited. */
function policyJson(id: string, edit: (j: PolicyJson) => void = () => {}): string {
  const json = JSON.parse(JSON.stringify(loadBundledPolicy())) as PolicyJson;
  json.id = id;
  edit(json);
  return JSON.stringify(json);
}

function dirWith(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as { field: string }).field;
  }
  throw new Error("expected a ToolError");
}

describe("loadPolicyDir", () => {
  it("reads every <id>.json, validated, by id (other files ignored)", () => {
    const dir = dirWith("ok", {
      "desk-a.json": policyJson(
        "desk-a",
        (j) => ((j.limits.MAX_TURNOVER as Record<string, unknown>).value = 0.1),
      ),
      "default.json": policyJson("default", (j) => (j.tradingState = "REDUCING")),
      "README.txt": "not a policy",
    });
    const policies = loadPolicyDir(dir);
    expect([...policies.keys()]).toEqual(["default", "desk-a"]);
    expect(policies.get("desk-a")?.limits.MAX_TURNOVER.value).toBe(0.1);
    expect(policies.get("default")?.tradingState).toBe("REDUCING");
  });

  it("names the file and the field at fault", () => {
    const bad = (files: Record<string, string>, name: string) =>
      fieldOf(() => loadPolicyDir(dirWith(name, files)));
    expect(
      bad(
        {
          "desk-b.json": policyJson(
            "desk-b",
            (j) => delete (j.limits.MAX_TURNOVER as Record<string, unknown>).owner,
          ),
        },
        "b1",
      ),
    ).toBe("desk-b.json: policy.limits.MAX_TURNOVER.owner");
    expect(bad({ "desk-c.json": policyJson("desk-x") }, "b2")).toBe("desk-c.json: policy.id");
    expect(bad({ "desk-d.json": "{ not json" }, "b3")).toBe("desk-d.json");
    expect(bad({ "Desk E.json": policyJson("desk-e") }, "b4")).toBe("Desk E.json");
    expect(fieldOf(() => loadPolicyDir(path.join(root, "missing")))).toBe("policyDir");
  });
});

describe("a runtime with a policy directory", () => {
  it("checks a book under the firm's policy, and refuses to start over a bad file", async () => {
    const dir = dirWith("runtime", {
      "desk-a.json": policyJson("desk-a", (j) => (j.tradingState = "HALTED")),
    });
    const config = loadConfig({ STEWARD_POLICY_DIR: "runtime" }, root);
    expect(config.policyDir).toBe(dir);
    const runtime = await openRuntime({
      dataDir: path.join(root, "data"),
      cwd: root,
      clock: () => new Date("2018-04-12T09:00:00Z"),
      stewardVersion: "test",
      policyDir: dir,
    });
    try {
      const deskA = runtime.policyFor("desk-a");
      expect(deskA.tradingState).toBe("HALTED");
      expect(runtime.policyFor("default")).toEqual(loadBundledPolicy());
      const book = JSON.parse(
        readFileSync(new URL("../examples/portfolios/balanced.json", import.meta.url), "utf8"),
      ) as Record<string, unknown>;
      const briefing = await runtime.runService.start({
        portfolio: { ...book, policyId: "desk-a" } as never,
        dataSpec: { kind: "sample" },
        requestedBy: { id: "pm-1", kind: "human" },
      });
      // The desk is halted by its own policy: no new orders, so the run is blocked.
      expect(briefing.metadata.policyVersion).toBe(policyVersion(deskA));
      expect(briefing.status).toBe("blocked");
      expect(briefing.checks.some((c) => c.code === "TRADING_STATE" && !c.passed)).toBe(true);
    } finally {
      await runtime.close();
    }
    const broken = dirWith("broken", { "desk-z.json": policyJson("desk-q") });
    await expect(
      openRuntime({
        dataDir: path.join(root, "data-2"),
        cwd: root,
        clock: () => new Date(),
        stewardVersion: "test",
        policyDir: broken,
      }),
    ).rejects.toThrow(/desk-z\.json: policy\.id/);
  });
});
