import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "./audit-log.js";
import { checkpointBody } from "./checkpoint.js";
import { chainHashHex, leafHashHex, ZERO_HASH_HEX } from "./hash.js";
import { createMemoryBackend } from "./memory-backend.js";
import { MerkleAccumulator } from "./merkle.js";
import { createSigner } from "./signing.js";
import type { AuditEventInput, AuditRecord, Checkpoint, VerifyReport } from "./types.js";
import { verifyAuditTrail, type VerifyInput } from "./verify.js";

/**
 * Tampering, done the way an attacker with write access to the database would (after removing its
 * triggers), against a trail of 12 records with signed checkpoints at sizes 4, 8 and 12. Each
 * expected firstBadSeq is reasoned from the attack, in the comment beside it.
 */

const pem = (): string =>
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const signer = createSigner(pem());

function event(i: number): AuditEventInput {
  return {
    eventId: `e${i}`,
    type: "check.failed",
    occurredAt: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    actor: { kind: "agent", id: "risk" },
    payload: { i, amount: i * 100 },
  };
}

let dir = "";
let records: AuditRecord[] = [];
let checkpoints: Checkpoint[] = [];
let everyRecords: AuditRecord[] = [];
let everyCheckpoints: Checkpoint[] = [];

async function trail(
  every: number,
): Promise<{ records: AuditRecord[]; checkpoints: Checkpoint[] }> {
  let t = Date.UTC(2024, 5, 1);
  const store = createAuditLog(createMemoryBackend(), {
    signer,
    checkpointDir: path.join(dir, `every-${every}`),
    clock: () => new Date(t++),
    checkpointEvery: every,
  });
  for (let i = 1; i <= 12; i++) await store.append(event(i));
  return { records: [...(await store.readAll())], checkpoints: [...(await store.checkpoints())] };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "steward-verify-"));
  ({ records, checkpoints } = await trail(4));
  ({ records: everyRecords, checkpoints: everyCheckpoints } = await trail(1));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(
  input: Partial<VerifyInput> & { records: VerifyInput["records"] },
): Promise<VerifyReport> {
  return verifyAuditTrail({
    storeCheckpoints: checkpoints,
    fileCheckpoints: checkpoints,
    publicKeys: [signer.publicKeyPem],
    ...input,
  });
}

/** Records with the one at `seq` replaced by `patch(record)`. */
function patched(
  list: readonly AuditRecord[],
  seq: number,
  patch: (r: AuditRecord) => Partial<AuditRecord>,
): AuditRecord[] {
  return list.map((r) => (r.seq === seq ? { ...r, ...patch(r) } : r));
}

/** The attacker's rehash: recompute leaf and chain of every record from index `from` on. */
function rehashFrom(list: readonly AuditRecord[], fromSeq: number): AuditRecord[] {
  let previous = ZERO_HASH_HEX;
  return list.map((r) => {
    if (r.seq < fromSeq) {
      previous = r.chainHash;
      return r;
    }
    const leafHash = leafHashHex(r.canonical);
    const chainHash = chainHashHex(previous, leafHash);
    previous = chainHash;
    return { ...r, leafHash, chainHash };
  });
}

const edit = (r: AuditRecord): Partial<AuditRecord> => ({
  canonical: r.canonical.replace(`"amount":${r.seq * 100}`, '"amount":1'),
});

describe("verifyAuditTrail on an intact trail", () => {
  it("reports ok with every checkpoint verified, from arrays and from async batches", async () => {
    const expected = {
      ok: true,
      size: 12,
      firstBadSeq: null,
      reason: null,
      latestCheckpoint: checkpoints.at(-1),
      checkpointsVerified: 3,
    };
    expect(checkpoints.map((cp) => cp.size)).toEqual([4, 8, 12]);
    expect(await run({ records })).toEqual(expected);
    expect(await run({ records, deep: true })).toEqual(expected);
    async function* batches(): AsyncGenerator<readonly AuditRecord[]> {
      yield records.slice(0, 5);
      yield records.slice(5);
    }
    expect(await run({ records: batches() })).toEqual(expected);
  });
});

describe("verifyAuditTrail against tampering", () => {
  it("catches an edited row at that row (leaf hash no longer matches)", async () => {
    const report = await run({ records: patched(records, 6, edit) });
    expect(report).toMatchObject({ ok: false, firstBadSeq: 6, size: 12 });
    expect(report.reason).toMatch(/^seq 6: the leaf hash does not match/);
    expect(report.latestCheckpoint?.size).toBe(4); // 8 and 12 cover the altered bytes
  });

  it("catches an edited row whose leaf and chain hashes were recomputed, at that row", async () => {
    // Row 6 is self-consistent; row 7's stored chain hash was computed from the original row 6 and
    // still links forward to row 8, so row 6 is the one rewritten.
    const forged = rehashFrom(patched(records, 6, edit), 6).map((r) =>
      r.seq > 6 ? (records[r.seq - 1] as AuditRecord) : r,
    );
    const report = await run({ records: forged });
    expect(report.firstBadSeq).toBe(6);
    expect(report.reason).toMatch(/seq 6 was rewritten together with its hashes/);
  });

  it("names the row after a chain break when a verified checkpoint proves the row before intact", async () => {
    // Row 5 rewritten with its leaf hash only: its stored chain hash (original) no longer follows.
    // The same traces as "row 4 rewritten with both hashes"; the checkpoint at 4 settles it: row 5.
    const leafOnly = patched(records, 5, (r) => {
      const canonical = r.canonical.replace('"amount":500', '"amount":1');
      return { canonical, leafHash: leafHashHex(canonical) };
    });
    const report = await run({ records: leafOnly });
    expect(report.firstBadSeq).toBe(5);
    expect(report.reason).toMatch(/^seq 5: chain hash does not follow from seq 4/);
  });

  it("catches an altered chain hash alone at that row", async () => {
    const report = await run({
      records: patched(records, 7, () => ({ chainHash: "ab".repeat(32) })),
    });
    expect(report.firstBadSeq).toBe(7);
    expect(report.latestCheckpoint?.size).toBe(12); // the content is intact: every checkpoint verifies
    const last = await run({
      records: patched(records, 12, () => ({ chainHash: "cd".repeat(32) })),
    });
    expect(last.firstBadSeq).toBe(12);
  });

  it("catches a deleted middle row at the missing seq", async () => {
    const report = await run({ records: records.filter((r) => r.seq !== 6) });
    expect(report).toMatchObject({ ok: false, firstBadSeq: 6, size: 11 });
    expect(report.reason).toMatch(/^seq 6 is missing \(the next stored record is seq 7\)/);
  });

  it("catches swapped rows at the first of them, whether the seqs moved with them or not", async () => {
    const reordered = [...records];
    [reordered[5], reordered[6]] = [reordered[6] as AuditRecord, reordered[5] as AuditRecord];
    expect((await run({ records: reordered })).firstBadSeq).toBe(6);
    // Contents swapped under fixed seq columns: row 6's canonical bytes now say seq 7.
    const swapped = records.map((r) =>
      r.seq === 6
        ? { ...(records[6] as AuditRecord), seq: 6 }
        : r.seq === 7
          ? { ...(records[5] as AuditRecord), seq: 7 }
          : r,
    );
    const report = await run({ records: swapped });
    expect(report.firstBadSeq).toBe(6);
    expect(report.reason).toMatch(/do not carry the record's seq/);
  });

  it("catches an inserted forged row at its seq", async () => {
    // A forged seq 6 chained correctly from row 5 and placed before the original 6: seq 6 twice.
    const base = records[5] as AuditRecord;
    const canonical = base.canonical.replace('"amount":600', '"amount":999999');
    const leafHash = leafHashHex(canonical);
    const forged = {
      ...base,
      canonical,
      leafHash,
      chainHash: chainHashHex((records[4] as AuditRecord).chainHash, leafHash),
    };
    const report = await run({ records: [...records.slice(0, 5), forged, ...records.slice(5)] });
    expect(report.firstBadSeq).toBe(6);
    expect(report.reason).toMatch(/seq 6 is stored twice/);
  });

  it("catches a truncated tail with the signed checkpoint kept outside the store", async () => {
    const report = await run({ records: records.slice(0, 10) });
    expect(report).toMatchObject({ ok: false, size: 10, firstBadSeq: 11 });
    expect(report.reason).toMatch(
      /covers 12 records but the store holds 10: seq 11–12 are missing \(truncated\)/,
    );
    // Even when the attacker also deleted the store's own checkpoints.
    const both = await run({
      records: records.slice(0, 10),
      storeCheckpoints: checkpoints.slice(0, 2),
    });
    expect(both.firstBadSeq).toBe(11);
    expect(both.reason).toMatch(/missing from the store/);
  });

  it("bounds a full rewrite with every hash recomputed by the checkpoints, exactly with one per size", async () => {
    // Row 6 edited, rows 6–12 rehashed: the chain is consistent; the checkpoint at 4 still verifies,
    // the one at 8 does not, so the altered record is within 5–8.
    const rewritten = rehashFrom(patched(records, 6, edit), 6);
    const report = await run({ records: rewritten });
    expect(report).toMatchObject({ ok: false, firstBadSeq: 5 });
    expect(report.reason).toMatch(/^seq 5–8 do not match the checkpoint of size 8/);
    const exact = rehashFrom(patched(everyRecords, 6, edit), 6);
    const precise = await run({
      records: exact,
      storeCheckpoints: everyCheckpoints,
      fileCheckpoints: everyCheckpoints,
    });
    expect(precise.firstBadSeq).toBe(6);
  });

  it("catches a forged checkpoint without blaming any record", async () => {
    const cp8 = checkpoints[1] as Checkpoint;
    const forged = { ...cp8, merkleRoot: "00".repeat(32) };
    const report = await run({
      records,
      storeCheckpoints: [checkpoints[0] as Checkpoint, forged, checkpoints[2] as Checkpoint],
    });
    expect(report).toMatchObject({ ok: false, firstBadSeq: null });
    expect(report.reason).toMatch(
      /the store copy and the file copy of the checkpoint of size 8 .* differ/,
    );
    expect(report.reason).toMatch(/has an invalid signature/);
    const rogue = createSigner(pem());
    const body = { ...cp8, keyId: rogue.keyId, previous: null, reason: "on-demand" };
    const foreign = { ...body, signature: rogue.sign(checkpointBody(body)) };
    const unknown = await run({
      records,
      storeCheckpoints: [...checkpoints, foreign],
      fileCheckpoints: [...checkpoints, foreign],
    });
    expect(unknown.reason).toMatch(/signed by an unknown key/);
    expect(unknown.checkpointsVerified).toBe(3);
  });

  it("flags a checkpoint present in only one of the two places", async () => {
    const dbOnly = await run({ records, fileCheckpoints: checkpoints.slice(1) });
    expect(dbOnly.reason).toMatch(
      /the checkpoint of size 4 .* is in the store but has no file copy/,
    );
    const filesOnly = await run({ records, storeCheckpoints: checkpoints.slice(0, 2) });
    expect(filesOnly).toMatchObject({ ok: false, firstBadSeq: null });
    expect(filesOnly.reason).toMatch(
      /size 12 .* is in the checkpoint files but missing from the store/,
    );
    const noFiles = await run({ records, fileCheckpoints: null });
    expect(noFiles.ok).toBe(true);
  });

  it("flags a checkpoint whose previous checkpoint was deleted everywhere", async () => {
    const without4 = checkpoints.slice(1);
    const report = await run({ records, storeCheckpoints: without4, fileCheckpoints: without4 });
    expect(report.ok).toBe(false);
    expect(report.reason).toMatch(/size 8 .* links to a previous checkpoint that is missing/);
    expect(report.checkpointsVerified).toBe(1); // 12 still verifies; 8 has lost its link
  });

  it("reports malformed checkpoints and extra problems instead of throwing", async () => {
    const broken = { ...(checkpoints[0] as Checkpoint), size: -1 } as Checkpoint;
    const report = await run({
      records,
      storeCheckpoints: [broken, ...checkpoints.slice(1)],
      problems: ["checkpoint file x is unreadable"],
    });
    expect(report.reason).toMatch(/checkpoint #1 in the store is malformed \(size\)/);
    expect(report.reason).toMatch(/checkpoint file x is unreadable/);
  });

  it("catches an edited recordedAt column (standard) and an edited event column (deep only)", async () => {
    const movedTime = await run({
      records: patched(records, 3, () => ({ recordedAt: "2030-01-01T00:00:00.000Z" })),
    });
    expect(movedTime.firstBadSeq).toBe(3);
    const column = patched(records, 9, (r) => ({ event: { ...r.event, reason: "hidden" } }));
    expect((await run({ records: column })).ok).toBe(true);
    const deep = await run({ records: column, deep: true });
    expect(deep.firstBadSeq).toBe(9);
    expect(deep.reason).toMatch(/the stored event differs/);
    const reordered = patched(records, 2, (r) => {
      const canonical = r.canonical.replace(
        '{"actor":{"id":"risk","kind":"agent"}',
        '{"actor":{"kind":"agent","id":"risk"}',
      );
      const leafHash = leafHashHex(canonical);
      return { canonical, leafHash };
    });
    expect((await run({ records: rehashFrom(reordered, 2), deep: true })).reason).toMatch(
      /^seq 2: the canonical bytes are not RFC 8785/,
    );
  });

  it("names the position of a record without a usable seq", async () => {
    const report = await run({
      records: patched(records, 4, () => ({ seq: "4" as unknown as number })),
    });
    expect(report.firstBadSeq).toBe(4);
    expect(report.reason).toMatch(/position 4 has no valid seq/);
  });
});

describe("verifyAuditTrail hashing in a worker thread", () => {
  /** Every trail of this file's tampering tests, plus stored hashes of unusual types. */
  function variants(): AuditRecord[][] {
    const swapped = [...records];
    [swapped[5], swapped[6]] = [swapped[6] as AuditRecord, swapped[5] as AuditRecord];
    const leafOnly = patched(records, 5, (r) => {
      const canonical = r.canonical.replace('"amount":500', '"amount":1');
      return { canonical, leafHash: leafHashHex(canonical) };
    });
    const rewrittenWithHashes = rehashFrom(patched(records, 6, edit), 6).map((r) =>
      r.seq > 6 ? (records[r.seq - 1] as AuditRecord) : r,
    );
    const odd = (seq: number, patch: Partial<Record<keyof AuditRecord, unknown>>): AuditRecord[] =>
      patched(records, seq, () => patch as Partial<AuditRecord>);
    const chain7 = (records[6] as AuditRecord).chainHash;
    return [
      records,
      patched(records, 6, edit),
      rewrittenWithHashes,
      leafOnly,
      patched(records, 7, () => ({ chainHash: "ab".repeat(32) })),
      patched(records, 12, () => ({ chainHash: "cd".repeat(32) })),
      records.filter((r) => r.seq !== 6),
      swapped,
      rehashFrom(patched(records, 6, edit), 6),
      records.slice(0, 10),
      patched(records, 3, () => ({ recordedAt: "2030-01-01T00:00:00.000Z" })),
      odd(4, { seq: "4" }),
      odd(5, { leafHash: (records[4] as AuditRecord).leafHash.toUpperCase() }),
      odd(5, { leafHash: "İ".repeat(64) }), // a character whose low byte is "0"
      odd(5, { leafHash: Buffer.from((records[4] as AuditRecord).leafHash) }),
      odd(7, { chainHash: Buffer.from(chain7) }), // a blob whose text is the right hash
      odd(7, { chainHash: null, canonical: 42 }),
      odd(12, { chainHash: `${chain7}0` }),
    ];
  }

  it("reports exactly what hashing in this thread reports, for every tampering", async () => {
    for (const [i, list] of variants().entries()) {
      const here = await run({ records: list, parallel: false });
      const there = await run({ records: list, parallel: true });
      expect(there, `variant ${i}`).toEqual(here);
      async function* batches(): AsyncGenerator<AuditRecord | readonly AuditRecord[]> {
        yield list.slice(0, 3);
        for (const record of list.slice(3, 7)) yield record;
        yield [];
        yield list.slice(7);
      }
      expect(await run({ records: batches(), parallel: true }), `variant ${i}, batches`).toEqual(
        here,
      );
    }
  });

  it("verifies a large trail there, comparing every checkpoint, and locates tampering in it", async () => {
    let t = Date.UTC(2024, 6, 1);
    const store = createAuditLog(createMemoryBackend(), {
      signer,
      checkpointDir: path.join(dir, "large"),
      clock: () => new Date(t++),
      checkpointEvery: 250,
    });
    const batch: AuditEventInput[] = [];
    for (let i = 1; i <= 5000; i++) batch.push(event(i));
    await store.append(batch);
    const all = [...(await store.readAll())];
    const cps = [...(await store.checkpoints())];
    expect(cps.map((cp) => cp.size)).toEqual([5000]); // one batch: one interval checkpoint
    for (let size = 250; size < 5000; size += 250) {
      // Checkpoints at every 250 records, signed over prefixes of the trail.
      const prefix = all.slice(0, size);
      const head = prefix.at(-1) as AuditRecord;
      const tree = new MerkleAccumulator();
      for (const r of prefix) tree.pushHex(r.leafHash);
      const body = {
        size,
        chainHead: head.chainHash,
        merkleRoot: tree.rootHex(),
        time: new Date(Date.UTC(2024, 7, 1) + size).toISOString(),
        previous: null,
        reason: "on-demand",
        keyId: signer.keyId,
      };
      cps.push({ ...body, signature: signer.sign(checkpointBody(body)) });
    }
    const verifyWith = (list: readonly AuditRecord[], parallel: boolean | "auto") => {
      async function* batches(): AsyncGenerator<readonly AuditRecord[]> {
        for (let i = 0; i < list.length; i += 2500) yield list.slice(i, i + 2500);
      }
      return verifyAuditTrail({
        records: batches(),
        storeCheckpoints: cps,
        fileCheckpoints: cps,
        publicKeys: [signer.publicKeyPem],
        parallel,
      });
    };
    const intact = await verifyWith(all, "auto");
    expect(intact).toMatchObject({ ok: true, size: 5000, checkpointsVerified: 20 });
    const tampered = patched(all, 3777, edit);
    const there = await verifyWith(tampered, true);
    expect(there).toMatchObject({ ok: false, firstBadSeq: 3777, checkpointsVerified: 15 });
    expect(there).toEqual(await verifyWith(tampered, false));
  });
});

describe("verifyAuditTrail when reading fails part-way", () => {
  it("passes the reading error on and stops its worker, with no stray rejection", async () => {
    async function* failing(): AsyncGenerator<readonly AuditRecord[]> {
      yield records.slice(0, 6);
      throw new Error("the disk went away");
    }
    await expect(run({ records: failing(), parallel: true })).rejects.toThrow("the disk went away");
    await expect(run({ records: failing(), parallel: false })).rejects.toThrow(
      "the disk went away",
    );
  });
});
