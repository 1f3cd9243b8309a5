import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "./audit-log.js";
import { EXPORT_FILES, exportAudit, OFFLINE_VERIFIER_PATH, verifyExport } from "./export.js";
import { createMemoryBackend } from "./memory-backend.js";
import { createSigner } from "./signing.js";
import type { AuditEventInput, Checkpoint, VerifyReport } from "./types.js";

const signer = createSigner(
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
);

function event(i: number): AuditEventInput {
  return {
    eventId: `e${i}`,
    type: "order.released",
    occurredAt: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    actor: { kind: "human", id: "trader-1", role: "supervisor" },
    payload: { i, symbol: i % 2 === 0 ? "AAPL" : "MSFT", qty: i * 10 },
  };
}

function offline(args: readonly string[]): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const run = spawnSync(process.execPath, [OFFLINE_VERIFIER_PATH, ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let root = "";
let exported = "";

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "steward-export-"));
  let t = Date.UTC(2024, 5, 1);
  const store = createAuditLog(createMemoryBackend(), {
    signer,
    checkpointDir: path.join(root, "checkpoints"),
    clock: () => new Date(t++),
    checkpointEvery: 4,
  });
  for (let i = 1; i <= 10; i++) await store.append(event(i));
  await store.writeCheckpoint("export");
  exported = path.join(root, "export");
  const summary = await exportAudit(store, exported);
  expect(summary).toMatchObject({ records: 10, checkpoints: 3 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A copy of the export with one file rewritten by `change`. */
async function variant(
  name: string,
  file: string,
  change: (text: string) => string,
): Promise<string> {
  const target = path.join(root, name);
  await cp(exported, target, { recursive: true });
  const at = path.join(target, file);
  await writeFile(at, change(await readFile(at, "utf8")));
  return target;
}

const editLines = (f: (lines: string[]) => string[]) => (text: string) =>
  `${f(text.trimEnd().split("\n")).join("\n")}\n`;

/** Runs both verifiers on `dir`; they must agree exactly. */
async function both(dir: string): Promise<{ report: VerifyReport; status: number | null }> {
  const run = offline([dir]);
  const report = JSON.parse(run.stdout) as VerifyReport;
  expect(report).toEqual(await verifyExport(dir));
  return { report, status: run.status };
}

describe("export and the offline verifier", () => {
  it("ships a verifier that imports nothing but node: built-ins", async () => {
    const source = await readFile(path.join(exported, EXPORT_FILES.verifier), "utf8");
    expect(source).toBe(await readFile(OFFLINE_VERIFIER_PATH, "utf8"));
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((spec) => spec?.startsWith("node:"))).toBe(true);
  });

  it("verifies an intact export with exit code 0, agreeing with verifyExport", async () => {
    const { report, status } = await both(exported);
    expect(status).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      size: 10,
      firstBadSeq: null,
      reason: null,
      checkpointsVerified: 3,
    });
    expect(report.latestCheckpoint?.reason).toBe("export");
  });

  it("names the first bad seq of every tampered export with exit code 1, as verifyExport does", async () => {
    const cases: [string, string, (text: string) => string, number | null][] = [
      [
        "edited",
        EXPORT_FILES.events,
        editLines((l) =>
          l.map((x, k) => (k === 4 ? x.replace('\\"qty\\":50', '\\"qty\\":5000') : x)),
        ),
        5,
      ],
      ["deleted", EXPORT_FILES.events, editLines((l) => l.filter((_, k) => k !== 6)), 7],
      [
        "swapped",
        EXPORT_FILES.events,
        editLines((l) => [...l.slice(0, 2), l[3] as string, l[2] as string, ...l.slice(4)]),
        3,
      ],
      ["truncated", EXPORT_FILES.events, editLines((l) => l.slice(0, 8)), 9],
      [
        "garbled",
        EXPORT_FILES.events,
        editLines((l) => l.map((x, k) => (k === 1 ? "{oops" : x))),
        2,
      ],
      [
        "event-column",
        EXPORT_FILES.events,
        editLines((l) => l.map((x, k) => (k === 7 ? x.replace('"qty":80', '"qty":1') : x))),
        8,
      ],
      [
        "forged-checkpoint",
        EXPORT_FILES.checkpoints,
        (text) =>
          JSON.stringify(
            (JSON.parse(text) as Checkpoint[]).map((c) =>
              c.size === 8 ? { ...c, chainHead: "00".repeat(32) } : c,
            ),
          ),
        null,
      ],
      [
        "wrong-key",
        EXPORT_FILES.publicKey,
        () =>
          generateKeyPairSync("ed25519")
            .publicKey.export({ type: "spki", format: "pem" })
            .toString(),
        null,
      ],
    ];
    for (const [name, file, change, firstBadSeq] of cases) {
      const dir = await variant(name, file, change);
      const { report, status } = await both(dir);
      expect(status, name).toBe(1);
      expect(report.ok, name).toBe(false);
      expect(report.firstBadSeq, name).toBe(firstBadSeq);
    }
  });

  it("reports a missing file as unverifiable, and a usage error with exit code 2", async () => {
    const dir = await variant("no-key", EXPORT_FILES.publicKey, () => "");
    const { report, status } = await both(dir);
    expect(status).toBe(1);
    expect(report.reason).toBe("public-key.pem holds no public key");
    const missing = offline([path.join(root, "nowhere")]);
    expect(missing.status).toBe(1);
    expect((JSON.parse(missing.stdout) as VerifyReport).reason).toMatch(/missing or unreadable/);
    const usage = offline([]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^usage: node offline-verifier.mjs <export-dir>/);
  });

  it("exports an empty store as an empty, valid trail", async () => {
    const store = createAuditLog(createMemoryBackend(), {
      signer,
      checkpointDir: path.join(root, "empty-cp"),
      clock: () => new Date(0),
    });
    const dir = path.join(root, "empty");
    expect(await exportAudit(store, dir)).toMatchObject({ records: 0, checkpoints: 0 });
    expect(await verifyExport(dir, { deep: false })).toMatchObject({ ok: true, size: 0 });
    expect(offline([dir]).status).toBe(0);
  });
});
