import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { AGENTS } from "../agents/index.js";
import {
  createAuditLog,
  createMemoryBackend,
  createSigner,
  type AuditEventInput,
  type AuditStore,
  type JsonValue,
} from "../audit/index.js";
import {
  loadBundledPolicy,
  loadModelInventory,
  PRE_TRADE_CHECKS,
  type ModelInventory,
} from "../governance/index.js";
import { buildBlueprint } from "./blueprint.js";
import { NODE_NAMES } from "./build-graph.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-blueprint-"));
  dirs.push(dir);
  return dir;
}

function store(): AuditStore {
  const pem = generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  return createAuditLog(createMemoryBackend(), {
    signer: createSigner(pem),
    checkpointDir: tempDir(),
    clock: () => new Date("2024-01-02T10:00:00.000Z"),
  });
}

const at = (day: string) => () => new Date(`${day}T12:00:00.000Z`);

async function blueprintAt(day: string, extra: { inventory?: ModelInventory; root?: URL } = {}) {
  return buildBlueprint({
    audit: store(),
    policy: loadBundledPolicy(),
    clock: at(day),
    stewardVersion: "0.0.0-test",
    ...extra,
  });
}

let n = 0;
function event(type: string, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  n += 1;
  return {
    eventId: `e-${n}`,
    type,
    occurredAt: "2024-01-02T10:00:00.000Z",
    actor: { kind: "agent", id: "test" },
    ...extra,
  };
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

describe("buildBlueprint: the graph and the agents", () => {
  it("describes every compiled node with its agent, with approval the only interrupt", async () => {
    const bp = await blueprintAt("2026-01-05");
    expect(bp.graph.nodes.map((x) => x.id)).toEqual(["__start__", ...NODE_NAMES, "__end__"]);
    expect(bp.graph.nodes.filter((x) => x.interrupt).map((x) => x.id)).toEqual(["approval"]);
    expect(bp.graph.nodes.find((x) => x.id === "risk_proposed")?.agent).toBe("risk");
    expect(bp.graph.nodes.find((x) => x.id === "approval")?.agent).toBe("human");
    expect(bp.graph.optimizerLoop.maxOptimizerLoops).toBe(3);
  });

  it("labels every conditional edge with its router and what the route means", async () => {
    const bp = await blueprintAt("2026-01-05");
    const conditional = bp.graph.edges.filter((e) => e.conditional);
    // supervisor_data_review → 3, supervisor_risk_review → 3, supervisor_decide → 2, approval → 2
    expect(conditional).toHaveLength(10);
    for (const e of conditional) {
      expect(e.condition?.router, `${e.source}→${e.target}`).toMatch(/^routeAfter/);
      expect(e.condition?.when, `${e.source}→${e.target}`).toEqual(expect.any(String));
    }
    expect(bp.graph.edges.filter((e) => !e.conditional).every((e) => e.condition === null)).toBe(
      true,
    );
    const loop = conditional.find(
      (e) => e.source === "supervisor_risk_review" && e.target === "optimizer",
    );
    expect(loop?.condition?.router).toBe("routeAfterRiskReview");
  });

  it("gives every tool a JSON schema whose properties are its zod schema's keys", async () => {
    const bp = await blueprintAt("2026-01-05");
    expect(bp.agents.map((a) => a.name)).toEqual(AGENTS.map((a) => a.name));
    for (const agent of AGENTS) {
      const described = bp.agents.find((a) => a.name === agent.name);
      expect(described?.role).toEqual(expect.any(String));
      for (const tool of agent.tools) {
        const schema = described?.tools.find((t) => t.name === tool.name)?.schema as {
          type: string;
          properties: Record<string, unknown>;
        };
        expect(schema.type).toBe("object");
        const shape = (tool.schema as z.ZodObject).shape;
        expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(shape).sort());
      }
    }
  });
});

describe("buildBlueprint: controls and the model inventory", () => {
  it("lists every pre-trade check with its limits' owners, flagging reviews past due", async () => {
    const before = await blueprintAt("2027-05-31"); // the default policy's reviews are due 2027-05-31
    expect(before.controls.checks.map((c) => c.code)).toEqual(PRE_TRADE_CHECKS.map((c) => c.code));
    expect(before.controls.overdueLimits).toEqual([]);
    const stale = before.controls.checks.find((c) => c.code === "PRICE_STALE");
    expect(stale).toMatchObject({
      kind: "policy-limit",
      severity: "hard",
      limits: [{ name: "PRICE_MAX_AGE_WEEKDAYS", value: 3, overdue: false }],
    });
    expect(before.controls.checks.find((c) => c.code === "SELF_CROSS")).toMatchObject({
      kind: "fixed-rule",
      severity: "hard",
      limits: [],
    });
    const after = await blueprintAt("2027-06-01");
    expect(after.controls.overdueLimits.length).toBe(
      Object.keys(loadBundledPolicy().limits).length,
    );
    expect(after.controls.checks.flatMap((c) => c.limits).every((l) => l.overdue)).toBe(true);
  });

  it("hashes each model's source files, and the hash changes with their content", async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "tools"));
    const file = path.join(dir, "tools", "model.ts");
    writeFileSync(file, "export const x = 1;\n");
    const first = loadModelInventory().models[0];
    if (first === undefined) throw new Error("empty inventory");
    const inventory: ModelInventory = {
      ...loadModelInventory(),
      models: [{ ...first, artifacts: ["tools/model.ts"], nextValidation: "2026-01-01" }],
    };
    const root = pathToFileURL(`${dir}/`);
    const a = (await blueprintAt("2026-01-05", { inventory, root })).modelInventory.models[0];
    // Hand-built: one line "path sha256(content)\n", then SHA-256 of that text.
    const expected = sha256(`tools/model.ts ${sha256("export const x = 1;\n")}\n`);
    expect(a?.artifactHash).toBe(expected);
    expect(a?.overdue).toBe(true); // next validation 2026-01-01 < 2026-01-05
    expect(a?.validationStatus).toBe("never-validated");
    writeFileSync(file, "export const x = 2;\n");
    const b = (await blueprintAt("2026-01-05", { inventory, root })).modelInventory.models[0];
    expect(b?.artifactHash).not.toBe(expected);
    rmSync(file);
    const c = (await blueprintAt("2026-01-05", { inventory, root })).modelInventory.models[0];
    expect(c?.artifactHash).toBeNull();
    expect(c?.artifacts).toEqual([
      { path: "tools/model.ts", sha256: null, problem: "file not found" },
    ]);
  });

  it("names, for every inventory model, agents that exist (or governance)", async () => {
    const names = new Set([...AGENTS.map((a) => a.name), "governance"]);
    for (const m of (await blueprintAt("2026-01-05")).modelInventory.models)
      for (const u of m.usedBy) expect(names.has(u), `${m.id}: ${u}`).toBe(true);
  });
});

describe("buildBlueprint: monitoring and audit status", () => {
  it("counts check-failure, override and rejection rates from the audit events", async () => {
    const audit = store();
    const summary = (passed: boolean): JsonValue => ({ passed, checks: 20, hardFailures: [] });
    await audit.append([
      event("run.started"),
      event("run.started"),
      event("run.started"),
      event("check.passed", { payload: summary(true) }),
      event("check.failed", { payload: summary(true) }), // soft warnings only
      event("check.failed", { outcome: { status: "failure", code: "CASH_BUFFER" } }),
      event("check.failed", { payload: summary(false) }), // a hard failure
      event("check.failed", { outcome: { status: "failure", code: "RESTRICTED_LIST" } }),
      event("check.failed", { outcome: { status: "failure", code: "CASH_BUFFER" } }),
      event("approval.requested", { payload: { softWarnings: [] } }),
      event("approval.requested", { payload: { overrides: ["PRICE_COLLAR"] } }),
      event("approval.granted"),
      event("approval.granted"),
      event("approval.granted"),
      event("approval.rejected"),
      event("approval.denied", { outcome: { status: "denied", code: "SELF_APPROVAL" } }),
    ]);
    await audit.writeCheckpoint("on-demand");
    const bp = await buildBlueprint({
      audit,
      policy: loadBundledPolicy(),
      clock: at("2026-01-05"),
      stewardVersion: "0.0.0-test",
    });
    // 3 check runs (1 check.passed + 2 check.failed summaries); 2 had failures, 1 a hard one.
    expect(bp.monitoring.checkRuns).toBe(3);
    expect(bp.monitoring.checkFailureRate).toEqual({ numerator: 2, denominator: 3, value: 2 / 3 });
    expect(bp.monitoring.hardFailureRate).toEqual({ numerator: 1, denominator: 3, value: 1 / 3 });
    expect(bp.monitoring.failuresByCode).toEqual([
      { code: "CASH_BUFFER", count: 2 },
      { code: "RESTRICTED_LIST", count: 1 },
    ]);
    expect(bp.monitoring.overrideRate).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    // 1 rejection among 4 decisions
    expect(bp.monitoring.rejectionRate).toEqual({ numerator: 1, denominator: 4, value: 0.25 });
    expect(bp.monitoring.approvalsDenied).toEqual({ SELF_APPROVAL: 1 });
    expect(bp.monitoring.runsStarted).toBe(3);
    expect(bp.audit).toMatchObject({
      backend: "memory",
      size: 16,
      latestCheckpoint: { size: 16, reason: "on-demand" },
      verify: { ok: true, size: 16 },
    });
  });

  it("reports rates as null with a reason when nothing was counted", async () => {
    const bp = await blueprintAt("2026-01-05");
    expect(bp.monitoring.rejectionRate).toEqual({
      numerator: 0,
      denominator: 0,
      value: null,
      reason: "no approval decisions recorded yet",
    });
    expect(bp.audit).toMatchObject({ size: 0, latestCheckpoint: null, verify: { ok: true } });
  });
});
