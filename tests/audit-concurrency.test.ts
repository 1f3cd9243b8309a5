import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog, type AuditStore } from "../audit/audit-log.js";
import { openPostgresAuditBackend } from "../audit/postgres-backend.js";
import { createSigner } from "../audit/signing.js";
import type { AuditEventInput } from "../audit/types.js";
import { chainHex, leafHex, newKeyPem, sampleEvent, ZERO64 } from "./audit-db-helpers.js";
import { createTestSchema, pgAvailable } from "./pg.js";

/**
 * 20 writers, each with its own connection pool (as 20 processes would have), append 100 events
 * each concurrently in batches of 1–10 to one PostgreSQL schema. The advisory lock must serialise
 * them into one linear chain: 2,000 records, seq 1..2000 without gaps, every event exactly once,
 * each writer's events in its own order, every chain hash following from the one before (checked
 * here with node:crypto, independently of the store) and the store's verification intact.
 */

const WRITERS = 20;
const PER_WRITER = 100;

/** Deterministic batch sizes 1–10 per writer (a small LCG; no Math.random in tests). */
function batchSizes(writer: number): number[] {
  let state = 0x9e3779b9 ^ (writer * 7919);
  const sizes: number[] = [];
  let left = PER_WRITER;
  while (left > 0) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const size = Math.min(left, 1 + (state % 10));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

describe.runIf(pgAvailable)("concurrent appenders on PostgreSQL", () => {
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let dir: string;
  const stores: AuditStore[] = [];
  const signer = createSigner(newKeyPem().privateKeyPem);
  const clock = () => new Date("2024-01-02T10:00:00.000Z");

  beforeAll(async () => {
    schema = await createTestSchema("audit_conc");
    dir = mkdtempSync(path.join(tmpdir(), "steward-audit-conc-"));
    for (let w = 0; w < WRITERS; w++) {
      const backend = openPostgresAuditBackend({ connectionString: schema.url, maxConnections: 2 });
      await backend.init();
      stores.push(
        createAuditLog(backend, {
          signer,
          checkpointDir: path.join(dir, "checkpoints"),
          clock,
          checkpointEvery: 500,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves one linear, gapless chain of 2,000 records with every event once", async () => {
    const started = Date.now();
    await Promise.all(
      stores.map(async (store, w) => {
        let i = 0;
        for (const size of batchSizes(w)) {
          const batch: AuditEventInput[] = [];
          for (let k = 0; k < size; k++, i++) batch.push(sampleEvent(i, `w${w}`));
          const results = await store.append(batch);
          expect(results.every((r) => r.created)).toBe(true);
        }
      }),
    );
    const elapsed = Date.now() - started;

    const reader = stores[0] as AuditStore;
    const records = await reader.readAll();
    expect(records.length).toBe(WRITERS * PER_WRITER);
    expect(records.map((r) => r.seq)).toEqual(
      Array.from({ length: WRITERS * PER_WRITER }, (_, i) => i + 1),
    );

    // One chain: every record's hashes follow from the one before, recomputed here.
    let previous = ZERO64;
    for (const r of records) {
      expect(r.leafHash).toBe(leafHex(r.canonical));
      expect(r.chainHash).toBe(chainHex(previous, r.leafHash));
      previous = r.chainHash;
    }

    // Every event exactly once, and each writer's events in the order it appended them.
    const ids = records.map((r) => r.event.eventId);
    expect(new Set(ids).size).toBe(WRITERS * PER_WRITER);
    for (let w = 0; w < WRITERS; w++) {
      const mine = ids.filter((id) => id.startsWith(`w${w}-`));
      expect(mine).toEqual(Array.from({ length: PER_WRITER }, (_, i) => `w${w}-${i}`));
    }
    // The writers really interleaved (not one after another).
    const firstHundredWriters = new Set(ids.slice(0, 100).map((id) => id.split("-")[0]));
    expect(firstHundredWriters.size).toBeGreaterThan(1);

    await reader.writeCheckpoint("on-demand");
    const report = await reader.verify({ deep: true });
    expect(report).toMatchObject({
      ok: true,
      size: WRITERS * PER_WRITER,
      firstBadSeq: null,
      reason: null,
    });
    expect(report.latestCheckpoint?.size).toBe(WRITERS * PER_WRITER);
    expect(elapsed).toBeLessThan(60_000);
  });

  it("replays idempotently under concurrency: the same batch from every writer is stored once", async () => {
    const before = (await (stores[0] as AuditStore).head()).size;
    const batch = Array.from({ length: 5 }, (_, i) => sampleEvent(i, "shared"));
    const results = await Promise.all(stores.map((s) => s.append(batch)));
    const created = results.flat().filter((r) => r.created);
    expect(created.length).toBe(5);
    // Every writer was told the same seqs.
    for (const r of results)
      expect(r.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5].map((k) => before + k));
    expect((await (stores[0] as AuditStore).head()).size).toBe(before + 5);
  });
});
