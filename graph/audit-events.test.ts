import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAuditLog,
  createMemoryBackend,
  createSigner,
  type AuditStore,
} from "../audit/index.js";
import { appendOnce, eventIdOf, runEvent } from "./audit-events.js";

const dirs: string[] = [];

function store(): AuditStore {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-events-"));
  dirs.push(dir);
  const pem = generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  return createAuditLog(createMemoryBackend(), {
    signer: createSigner(pem),
    checkpointDir: dir,
    clock: () => new Date("2024-01-02T10:00:00.000Z"),
  });
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ctx = { runId: "run-1", portfolioId: "balanced", policyVersion: "v1" };

function event(stepKey: string, occurredAt = "2024-01-02T10:00:00.000Z") {
  return runEvent(ctx, {
    writer: "data",
    stepKey,
    type: "data.fetched",
    occurredAt,
    actor: { kind: "agent", id: "data" },
    recommendedBy: { agent: "data", version: "1.0.0" },
  });
}

describe("run audit events", () => {
  it("derives the event id as SHA-256 of runId, writer and step key separated by NUL", () => {
    const expected = createHash("sha256").update("run-1\0data\0fetched").digest("hex");
    expect(eventIdOf("run-1", "data", "fetched")).toBe(expected);
    // the separator keeps ("ab", "c") and ("a", "bc") apart
    expect(eventIdOf("r", "ab", "c")).not.toBe(eventIdOf("r", "a", "bc"));
  });

  it("stamps subject, correlation id and policy version on every run event", () => {
    expect(event("fetched")).toMatchObject({
      subject: { runId: "run-1", portfolioId: "balanced" },
      correlationId: "run-1",
      policyVersion: "v1",
      recommendedBy: { agent: "data", version: "1.0.0" },
    });
  });

  it("writes a replayed batch once, even when the replay read the clock again", async () => {
    const audit = store();
    expect(await appendOnce(audit, [event("a"), event("b")])).toBe(2);
    expect(await appendOnce(audit, [event("a"), event("b")])).toBe(0);
    // a re-run node: same ids, later time, plus one new event
    expect(await appendOnce(audit, [event("a", "2024-01-02T11:00:00.000Z"), event("c")])).toBe(1);
    const all = await audit.readAll();
    expect(all.map((r) => r.event.eventId)).toEqual([
      eventIdOf("run-1", "data", "a"),
      eventIdOf("run-1", "data", "b"),
      eventIdOf("run-1", "data", "c"),
    ]);
    expect(all[0]?.event.occurredAt).toBe("2024-01-02T10:00:00.000Z");
    expect((await audit.verify()).ok).toBe(true);
  });
});
