import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "../audit/audit-log.js";
import { createMemoryBackend } from "../audit/memory-backend.js";
import { createSigner } from "../audit/signing.js";
import { openSqliteAuditBackend } from "../audit/sqlite-backend.js";
import type { AuditEventInput, AuditRecord, Checkpoint } from "../audit/types.js";
import { verifyAuditTrail } from "../audit/verify.js";
import {
  appendSamples,
  type AuditFixture,
  newKeyPem,
  openFixture,
  steppingClock,
} from "./audit-db-helpers.js";

/**
 * Random single mutations of a random stored row are always detected, and located. A pristine
 * trail (30 events, a checkpoint every 7) is built once; each run copies the SQLite file, drops
 * the triggers, changes one byte of one column of one row (or moves the row's seq outside the
 * trail), and verifies a store over the copy.
 *
 * Columns the record hashes cover — canonical, leaf_hash, chain_hash, seq, recorded_at — are
 * caught by the standard verification at exactly that row; the copied columns used for queries
 * and idempotency — event_canonical, event_id, type, occurred_at, actor_id, run_id,
 * portfolio_id — by the deep verification (which compares them with the hashed bytes), also at
 * exactly that row.
 */

const N = 30;
const RUNS = { numRuns: 200 };
const HASHED = ["canonical", "leaf_hash", "chain_hash", "recorded_at"] as const;
const COPIES = [
  "event_canonical",
  "event_id",
  "type",
  "occurred_at",
  "actor_id",
  "run_id",
  "portfolio_id",
] as const;
type TextColumn = (typeof HASHED)[number] | (typeof COPIES)[number];

/** One character of `text` at `position` replaced by a different one from a mixed alphabet. */
function changeChar(text: string, position: number, pick: number): string {
  const alphabet = 'abcXYZ019"{}:,.\\ é-_';
  const at = position % text.length;
  const original = text[at] as string;
  let replacement = alphabet[pick % alphabet.length] as string;
  if (replacement === original) replacement = alphabet[(pick + 1) % alphabet.length] as string;
  return text.slice(0, at) + replacement + text.slice(at + 1);
}

type Mutation =
  | {
      readonly kind: "text";
      readonly seq: number;
      readonly column: TextColumn;
      readonly position: number;
      readonly pick: number;
    }
  | { readonly kind: "seq"; readonly seq: number; readonly to: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("text" as const),
    seq: fc.integer({ min: 1, max: N }),
    column: fc.constantFrom<TextColumn>(...HASHED, ...COPIES),
    position: fc.nat({ max: 10_000 }),
    pick: fc.nat({ max: 1000 }),
  }),
  fc.record({
    kind: fc.constant("seq" as const),
    seq: fc.integer({ min: 1, max: N }),
    to: fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: N + 1, max: N + 20 })),
  }),
);

const isHashed = (m: Mutation): boolean =>
  m.kind === "seq" || (HASHED as readonly string[]).includes(m.column);

describe("random single mutations of a stored row (SQLite)", () => {
  let fixture: AuditFixture;
  let pristine: string;
  let scratch: string;

  beforeAll(async () => {
    fixture = await openFixture("sqlite", { checkpointEvery: 7 });
    await appendSamples(fixture.store, N, 3);
    await fixture.store.writeCheckpoint("on-demand");
    expect((await fixture.store.verify({ deep: true })).ok).toBe(true);
    await fixture.store.close(); // folds the WAL into the file, so one file is the whole database
    pristine = path.join(fixture.dir, "audit.db");
    scratch = mkdtempSync(path.join(tmpdir(), "steward-audit-prop-"));
  });
  afterAll(async () => {
    await fixture.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  let copies = 0;
  async function mutatedStoreReports(
    m: Mutation,
  ): Promise<{ standard: number | null; deep: number | null; ok: boolean } | null> {
    const file = path.join(scratch, `copy-${++copies}.db`);
    copyFileSync(pristine, file);
    const db = new Database(file);
    try {
      for (const t of ["audit_events_no_update", "audit_events_no_delete"])
        db.exec(`drop trigger ${t}`);
      if (m.kind === "seq")
        db.prepare("update audit_events set seq = ? where seq = ?").run(m.to, m.seq);
      else {
        const before = db
          .prepare(`select ${m.column} from audit_events where seq = ?`)
          .pluck()
          .get(m.seq) as string;
        const after = changeChar(before, m.position, m.pick);
        expect(after).not.toBe(before);
        try {
          db.prepare(`update audit_events set ${m.column} = ? where seq = ?`).run(after, m.seq);
        } catch (error) {
          // A change that makes a unique column (event_id) collide with another row cannot be
          // written at all: the attacker's edit is impossible, so there is nothing to detect.
          if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") return null;
          throw error;
        }
      }
    } finally {
      db.close();
    }
    const backend = openSqliteAuditBackend({ path: file });
    await backend.init();
    const store = createAuditLog(backend, {
      signer: fixture.signer,
      checkpointDir: fixture.checkpointDir,
      clock: steppingClock(),
    });
    try {
      const standard = await store.verify();
      const deep = await store.verify({ deep: true });
      return { standard: standard.firstBadSeq, deep: deep.firstBadSeq, ok: standard.ok && deep.ok };
    } finally {
      await store.close();
      rmSync(file, { force: true });
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
    }
  }

  it("detects every single-byte change or seq move at the row that was changed", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const report = await mutatedStoreReports(m);
        fc.pre(report !== null);
        expect(report.ok).toBe(false);
        expect(report.deep).toBe(m.seq);
        if (isHashed(m)) expect(report.standard).toBe(m.seq);
      }),
      RUNS,
    );
  });

  it("finds nothing when the copy is left alone (the harness itself does not break the trail)", async () => {
    const file = path.join(scratch, "untouched.db");
    copyFileSync(pristine, file);
    const backend = openSqliteAuditBackend({ path: file });
    await backend.init();
    const store = createAuditLog(backend, {
      signer: fixture.signer,
      checkpointDir: fixture.checkpointDir,
      clock: steppingClock(),
    });
    expect(await store.verify({ deep: true })).toMatchObject({
      ok: true,
      size: N,
      firstBadSeq: null,
    });
    await store.close();
  });
});

describe("random single mutations of a record (memory backend, verifyAuditTrail)", () => {
  let records: readonly AuditRecord[];
  let checkpoints: readonly Checkpoint[];
  let publicKey: string;
  let cleanup: () => void;

  beforeAll(async () => {
    const key = newKeyPem();
    const dir = mkdtempSync(path.join(tmpdir(), "steward-audit-prop-mem-"));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    const store = createAuditLog(createMemoryBackend(), {
      signer: createSigner(key.privateKeyPem),
      checkpointDir: dir,
      clock: steppingClock(),
      checkpointEvery: 7,
    });
    await appendSamples(store, N, 2);
    await store.writeCheckpoint("on-demand");
    records = await store.readAll();
    checkpoints = await store.checkpoints();
    publicKey = key.publicKeyPem;
  });
  afterAll(() => cleanup());

  const EVENT_PATHS = [
    "eventId",
    "type",
    "occurredAt",
    "actor.id",
    "subject.runId",
    "subject.portfolioId",
    "payload.note",
  ] as const;
  const recordMutation = fc.record({
    seq: fc.integer({ min: 1, max: N }),
    field: fc.constantFrom(
      "canonical",
      "leafHash",
      "chainHash",
      "recordedAt",
      "seq",
      ...EVENT_PATHS.map((p) => `event.${p}`),
    ),
    position: fc.nat({ max: 10_000 }),
    pick: fc.nat({ max: 1000 }),
    to: fc.integer({ min: N + 1, max: N + 50 }),
  });

  function mutate(
    record: AuditRecord,
    field: string,
    position: number,
    pick: number,
    to: number,
  ): AuditRecord {
    if (field === "seq") return { ...record, seq: to };
    if (field.startsWith("event.")) {
      const event = JSON.parse(JSON.stringify(record.event)) as Record<
        string,
        Record<string, string> | string
      >;
      const [outer, inner] = field.slice("event.".length).split(".") as [
        string,
        string | undefined,
      ];
      if (inner === undefined) event[outer] = changeChar(event[outer] as string, position, pick);
      else {
        const obj = event[outer] as Record<string, string>;
        obj[inner] = changeChar(obj[inner] as string, position, pick);
      }
      return { ...record, event: event as unknown as AuditEventInput };
    }
    const key = field as "canonical" | "leafHash" | "chainHash" | "recordedAt";
    return { ...record, [key]: changeChar(record[key], position, pick) };
  }

  it("detects every mutation at the record that was changed (event fields by the deep check)", async () => {
    await fc.assert(
      fc.asyncProperty(recordMutation, async ({ seq, field, position, pick, to }) => {
        const mutated = records.map((r) =>
          r.seq === seq ? mutate(r, field, position, pick, to) : r,
        );
        const deep = await verifyAuditTrail({
          records: mutated,
          storeCheckpoints: checkpoints,
          publicKeys: [publicKey],
          deep: true,
        });
        expect(deep.ok).toBe(false);
        expect(deep.firstBadSeq).toBe(seq);
        if (!field.startsWith("event.")) {
          const standard = await verifyAuditTrail({
            records: mutated,
            storeCheckpoints: checkpoints,
            publicKeys: [publicKey],
          });
          expect(standard.firstBadSeq).toBe(seq);
        }
      }),
      { numRuns: 500 },
    );
  });
});
