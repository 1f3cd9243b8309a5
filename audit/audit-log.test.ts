import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog, type AuditStore } from "./audit-log.js";
import type { AuditBackend } from "./backend.js";
import { readCheckpointFiles } from "./checkpoint-files.js";
import { AuditError } from "./errors.js";
import { createMemoryBackend } from "./memory-backend.js";
import { createSigner } from "./signing.js";
import type { AuditEventInput, AuditRecord } from "./types.js";

const signer = createSigner(
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
);

function event(i: number): AuditEventInput {
  return {
    eventId: `e${i}`,
    type: "run.started",
    occurredAt: new Date(Date.UTC(2024, 0, 1) + i).toISOString(),
    actor: { kind: "system", id: "s" },
    subject: { runId: "r" },
  };
}

/**
 * A memory backend whose reads can be tampered with (what an attacker with database access
 * could make the backend return), and whose checkpoint insert can be made to fail.
 */
function tamperable(): {
  backend: AuditBackend;
  patch: (seq: number, change: Partial<AuditRecord>) => void;
  failInsert: (on: boolean) => void;
} {
  const inner = createMemoryBackend();
  const patches = new Map<number, Partial<AuditRecord>>();
  let failing = false;
  const apply = (records: readonly AuditRecord[]): AuditRecord[] =>
    records.map((r) => ({ ...r, ...(patches.get(r.seq) ?? {}) }));
  const backend: AuditBackend = {
    kind: "memory",
    init: () => inner.init(),
    appendBatch: (ids, build) => inner.appendBatch(ids, build),
    head: () => inner.head(),
    readRange: async (from, to) => apply(await inner.readRange(from, to)),
    query: async (q, after, limit) => apply(await inner.query(q, after, limit)),
    findByEventId: async (id) => {
      const r = await inner.findByEventId(id);
      return r === null ? null : (apply([r])[0] ?? null);
    },
    insertCheckpoint: async (cp) => {
      if (failing) throw new Error("database unavailable");
      await inner.insertCheckpoint(cp);
    },
    checkpoints: () => inner.checkpoints(),
    recentCheckpoints: (afterSize) => inner.recentCheckpoints(afterSize),
    close: () => inner.close(),
  };
  return {
    backend,
    patch: (seq, change) => patches.set(seq, change),
    failInsert: (on) => (failing = on),
  };
}

describe("createAuditLog", () => {
  let dir = "";
  let t = 0;
  const clock = (): Date => new Date(Date.UTC(2024, 5, 1) + t++);
  const open = (backend: AuditBackend, checkpointEvery = 1000): AuditStore =>
    createAuditLog(backend, { signer, checkpointDir: dir, clock, checkpointEvery });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "steward-auditlog-"));
    t = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a checkpoint interval that is not a positive integer", () => {
    for (const every of [0, -1, 1.5]) {
      expect(() => open(createMemoryBackend(), every)).toThrow(AuditError);
    }
  });

  it("refuses to sign a checkpoint over records that do not verify, then recovers once they do", async () => {
    const { backend, patch } = tamperable();
    const store = open(backend);
    await store.append([event(1), event(2), event(3)]);
    patch(2, {
      canonical: '{"event":{"forged":true},"recordedAt":"2024-06-01T00:00:00.000Z","seq":2}',
    });
    await expect(store.writeCheckpoint("on-demand")).rejects.toMatchObject({
      code: "CHAIN_BROKEN",
      message: expect.stringMatching(/seq 2: leaf hash/),
    });
    patch(2, {});
    const cp = await store.writeCheckpoint("on-demand");
    expect(cp.size).toBe(3);
  });

  it("re-verifies the whole store for its first checkpoint after a restart, against signed checkpoints", async () => {
    const { backend, patch } = tamperable();
    const first = open(backend);
    await first.append([event(1), event(2), event(3), event(4)]);
    await first.writeCheckpoint("on-demand");
    // A full rewrite of seq 3 with recomputed hashes for 3 and 4 is consistent on its own …
    const records = await first.readAll();
    const sameTime = (): Date => new Date(Date.UTC(2024, 5, 1)); // the original batch's recordedAt
    const forged = createAuditLog(createMemoryBackend(), {
      signer,
      checkpointDir: path.join(dir, "scratch"),
      clock: sameTime,
    });
    await forged.append([event(1), event(2), { ...event(3), reason: "rewritten" }, event(4)]);
    const rewritten = await forged.readAll();
    for (const r of rewritten) patch(r.seq, { ...r, event: r.event });
    expect(rewritten[1]?.canonical).toBe(records[1]?.canonical);
    expect(records[2]?.canonical).not.toBe(rewritten[2]?.canonical);
    // … but a restarted log will not sign over it: the stored checkpoint disagrees.
    const restarted = open(backend);
    await expect(restarted.writeCheckpoint("on-demand")).rejects.toMatchObject({
      code: "CHAIN_BROKEN",
    });
  });

  it("refuses to sign when a stored checkpoint covers more records than the store holds", async () => {
    const memory = createMemoryBackend();
    const store = open(memory);
    await store.append([event(1), event(2)]);
    const cp = await store.writeCheckpoint("on-demand");
    const shrunk = createMemoryBackend();
    await shrunk.insertCheckpoint(cp);
    await expect(open(shrunk).writeCheckpoint("on-demand")).rejects.toThrow(/truncated/);
  });

  it("writes the file copy first, so a failed database insert shows up in verification", async () => {
    const { backend, failInsert } = tamperable();
    const store = open(backend);
    await store.append(event(1));
    failInsert(true);
    await expect(store.writeCheckpoint("on-demand")).rejects.toThrow(/database unavailable/);
    expect((await readCheckpointFiles(dir)).length).toBe(1);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.reason).toMatch(/in the checkpoint files but missing from the store/);
  });

  it("serves query and get from the canonical bytes, not from a tampered event column", async () => {
    const { backend, patch } = tamperable();
    const store = open(backend);
    await store.append([event(1), event(2)]);
    patch(1, { event: { ...event(1), reason: "doctored" } });
    expect((await store.get("e1"))?.event).toEqual(event(1));
    expect((await store.query({ runId: "r" })).items[0]?.event).toEqual(event(1));
    expect((await store.verify({ deep: true })).firstBadSeq).toBe(1);
    patch(2, { canonical: "{not json" });
    await expect(store.get("e2")).rejects.toMatchObject({ code: "CORRUPT_RECORD", field: "seq 2" });
  });

  it("does not write a second interval checkpoint at the same size", async () => {
    const store = open(createMemoryBackend(), 2);
    await store.append([event(1), event(2)]);
    await store.writeCheckpoint("interval");
    expect((await store.checkpoints()).map((cp) => cp.size)).toEqual([2]);
    await store.writeCheckpoint("on-demand");
    expect((await store.checkpoints()).map((cp) => cp.reason)).toEqual(["interval", "on-demand"]);
  });

  it("verifies a checkpoint chain written across a restart", async () => {
    const memory = createMemoryBackend();
    const first = open(memory, 3);
    await first.append([event(1), event(2), event(3)]);
    const second = open(memory, 3);
    await second.append([event(4), event(5), event(6)]);
    const report = await second.verify();
    expect(report).toMatchObject({ ok: true, size: 6, checkpointsVerified: 2 });
  });
});
