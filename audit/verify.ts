import type { KeyObject } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { isCanonicalParsed, jsonEqual } from "./canonical.js";
import {
  checkpointBody,
  checkpointHash,
  checkpointProblem,
  checkpointText,
  compareCheckpoints,
} from "./checkpoint.js";
import { chainHashHex, isHashHex, leafHashHex } from "./hash.js";
import { TrailAccumulator } from "./merkle.js";
import { columnsProblemOf, recordEventEnd } from "./record.js";
import { parsePublicKeys, verifySignature } from "./signing.js";
import type { AuditRecord, Checkpoint, VerifyReport } from "./types.js";

/**
 * Verification of an audit trail: no I/O, no clock, over records streamed in seq order, the
 * checkpoints held by the store, the copies held outside it, and the trusted public keys.
 *
 * Per record (standard): seq equals its position (1, 2, 3, … — a gap, repeat or reordering is
 * caught), the canonical bytes are framed as `{"event":…,"recordedAt":"<column>","seq":<column>}`
 * (so the canonical text carries the record's own seq and recordedAt — a byte comparison, no
 * parsing), leaf = SHA-256(0x00 ‖ canonical) equals the stored leaf hash, the store's copied
 * query columns agree with the canonical bytes (a SQL store compares event id, type, time, actor,
 * run, portfolio and `event_canonical` as it reads — record.ts storedColumnsProblem — and notes a
 * disagreement on the record: an edited `run_id` would otherwise hide an event from per-run
 * queries), and chain = SHA-256(0x01 ‖ previous chain ‖ leaf) equals the stored chain hash.
 * Deep mode adds, per record, a parse of the canonical text: it must re-canonicalise to the same
 * bytes (RFC 8785) and its event must equal the record's event column. Deep costs a JSON parse per
 * record, so it is opt-in; standard verification is what the ≥ 200,000 records/s target measures.
 * Large inputs are hashed in a worker thread (audit/verify-worker.mjs) while this one reads and
 * checks the next records; the report is the same as hashing here (VerifyInput.parallel).
 *
 * Per checkpoint: well-formed, signed by a trusted key with a valid Ed25519 signature over its
 * body, its chain head and Merkle root equal to the ones recomputed from the records' canonical
 * bytes at its size, its size within the store (a checkpoint beyond the store's size means the
 * tail was truncated), its `previous` link resolving to another valid checkpoint no larger than
 * itself, and — when file copies are given — the store copy and the file copy identical, with no
 * checkpoint present in only one of the two places.
 *
 * firstBadSeq, when records are at fault:
 * - a record whose seq, framing, leaf or chain does not verify: that record's seq (for a missing
 *   seq, the missing one; for a seq stored twice — an inserted record — that seq);
 * - a chain break at seq j where j's own stored chain hash still links forward to j+1: seq j−1,
 *   whose content was rewritten together with its hashes — unless a verified checkpoint covers
 *   j−1, which proves it intact, in which case seq j. (Rewriting j−1 with both its hashes and
 *   rewriting j with only its leaf hash leave the same stored traces; the first is the attack
 *   "edit a row and recompute its hashes", so it is the one named);
 * - truncation: the store's size + 1 (the first missing record);
 * - records that are internally consistent but disagree with a signed checkpoint (a rewrite with
 *   every hash recomputed): the first seq after the newest checkpoint that still verifies below
 *   it — the altered record lies between there and the failing checkpoint's size, and with a
 *   checkpoint at every size it is exact.
 * A forged or altered checkpoint alone leaves firstBadSeq null and ok false.
 */

/** Inputs of verifyAuditTrail. */
export interface VerifyInput {
  /** Every record in ascending seq order: an iterable, or an async iterable of records or batches. */
  readonly records: Iterable<AuditRecord> | AsyncIterable<AuditRecord | readonly AuditRecord[]>;
  /** The checkpoints the store holds. */
  readonly storeCheckpoints: readonly Checkpoint[];
  /** The copies kept outside the store; null or absent when there is no second copy (an export). */
  readonly fileCheckpoints?: readonly Checkpoint[] | null;
  /** Trusted Ed25519 public keys, SPKI PEM (a string may hold several PEM blocks). */
  readonly publicKeys: readonly string[];
  /** Also re-canonicalise every record and compare its event column (slower). Default false. */
  readonly deep?: boolean;
  /** Problems found while gathering the inputs (an unreadable checkpoint file): reported as failures. */
  readonly problems?: readonly string[];
  /**
   * Hash in a worker thread while this one reads and checks (see WorkerHasher): true, false, or
   * "auto" (the default) — when the first batch holds at least PARALLEL_MIN_BATCH records and the
   * machine has more than one CPU. The report is the same either way.
   */
  readonly parallel?: boolean | "auto";
}

/** How many problems `reason` lists before summarising the rest. */
const MAX_REASONS = 8;

interface Finding {
  readonly seq: number;
  readonly reason: string;
  /** A chain break blamed on seq−1: replaced by `fallback` when a verified checkpoint covers `intactSize`. */
  readonly unlessIntact?: {
    readonly intactSize: number;
    readonly fallback: { seq: number; reason: string };
  };
}

interface PendingBreak {
  readonly seq: number;
  readonly storedChain: string;
}

/**
 * The per-record half of verification, fed one record at a time (synchronous, so a caller can
 * drive it from any source). Recomputes leaf, chain and Merkle tree over the canonical bytes and
 * keeps the chain head and Merkle root at the requested sizes for checkpoint comparison.
 *
 * The hot path allocates only the two digest strings it compares: the framing is checked in
 * place (recordEventEnd), the leaf is decoded from hex once into the chain's buffer and the tree
 * works on bytes (TrailAccumulator), and the snapshot sizes are walked as a sorted list.
 */
export class RecordVerifier {
  private count = 0;
  private readonly trail = new TrailAccumulator();
  /** Requested snapshot sizes, ascending, and the index of the next one not yet reached. */
  private readonly sizes: readonly number[];
  private nextSize = 0;
  private readonly deep: boolean;
  private finding: Finding | null = null;
  private pending: PendingBreak | null = null;
  /** Recomputed chain head and Merkle root at each requested size reached. */
  readonly snapshots = new Map<
    number,
    { readonly chainHead: string; readonly merkleRoot: string }
  >();

  constructor(snapshotSizes: Iterable<number>, options: { deep?: boolean } = {}) {
    this.sizes = [...new Set(snapshotSizes)]
      .filter((n) => Number.isSafeInteger(n) && n >= 0)
      .sort((a, b) => a - b);
    this.deep = options.deep ?? false;
    this.advanceSnapshots();
  }

  /** Number of records pushed. */
  get size(): number {
    return this.count;
  }

  /** The requested snapshot sizes, ascending. */
  get snapshotSizes(): readonly number[] {
    return this.sizes;
  }

  /** Snapshots every requested size equal to the current count (and skips those below it). */
  private advanceSnapshots(): void {
    while (this.nextSize < this.sizes.length) {
      const size = this.sizes[this.nextSize] as number;
      if (size > this.count) return;
      if (size === this.count) {
        this.snapshots.set(size, {
          chainHead: this.trail.chainHead,
          merkleRoot: this.trail.merkleRootHex(),
        });
      }
      this.nextSize += 1;
    }
  }

  /** Hashes one record here and checks it (in seq order; not mixed with pushHashed). */
  push(record: AuditRecord): void {
    const position = ++this.count;
    const canonical = typeof record.canonical === "string" ? record.canonical : "";
    const leafHex = leafHashHex(canonical);
    const chain = this.trail.push(leafHex);
    if (this.sizes[this.nextSize] === position) this.advanceSnapshots();
    if (this.finding !== null) return;
    const pending = this.pending;
    const linksForward =
      pending !== null &&
      isHashHex(pending.storedChain) &&
      chainHashHex(pending.storedChain, leafHex) === record.chainHash;
    this.judge(
      record,
      position,
      canonical,
      leafHex === record.leafHash,
      chain === record.chainHash,
      linksForward,
    );
  }

  /**
   * Checks one record hashed elsewhere (the worker thread): whether its stored leaf and chain
   * hashes equal the recomputed ones, and — meaningful after a record whose chain did not — whether
   * its stored chain hash follows from that record's stored one and its own leaf. The snapshots
   * come with the hashes (recordSnapshot).
   */
  pushHashed(record: AuditRecord, leafOk: boolean, chainOk: boolean, linksForward: boolean): void {
    const position = ++this.count;
    if (this.finding !== null) return;
    const canonical = typeof record.canonical === "string" ? record.canonical : "";
    this.judge(record, position, canonical, leafOk, chainOk, linksForward);
  }

  /** Records the chain head and Merkle root recomputed elsewhere at a requested size. */
  recordSnapshot(size: number, chainHead: string, merkleRoot: string): void {
    if (this.sizes.includes(size)) this.snapshots.set(size, { chainHead, merkleRoot });
  }

  /** The checks of one record, given the hash comparisons; sets the first finding. */
  private judge(
    record: AuditRecord,
    position: number,
    canonical: string,
    leafOk: boolean,
    chainOk: boolean,
    linksForward: boolean,
  ): void {
    if (this.pending !== null) {
      const { seq } = this.pending;
      this.pending = null;
      const plain = { seq, reason: `seq ${seq}: chain hash does not follow from seq ${seq - 1}` };
      this.finding =
        linksForward && seq > 1
          ? {
              seq: seq - 1,
              reason: `seq ${seq - 1} was rewritten together with its hashes: the chain hash of seq ${seq} no longer follows from it`,
              unlessIntact: { intactSize: seq - 1, fallback: plain },
            }
          : plain;
      return;
    }

    const seq = record.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq)) {
      this.finding = {
        seq: position,
        reason: `the record at position ${position} has no valid seq`,
      };
      return;
    }
    if (seq !== position) {
      this.finding =
        seq > position
          ? {
              seq: position,
              reason: `seq ${position} is missing (the next stored record is seq ${seq})`,
            }
          : seq === position - 1
            ? { seq, reason: `seq ${seq} is stored twice (a record was inserted)` }
            : {
                seq: position,
                reason: `seq ${seq} appears where seq ${position} belongs (a reordered record)`,
              };
      return;
    }
    const recordedAt = record.recordedAt;
    if (typeof recordedAt !== "string" || recordEventEnd(canonical, recordedAt, seq) < 0) {
      this.finding = {
        seq,
        reason: `seq ${seq}: the canonical bytes do not carry the record's seq and recordedAt`,
      };
      return;
    }
    if (!leafOk) {
      this.finding = {
        seq,
        reason: `seq ${seq}: the leaf hash does not match the canonical bytes`,
      };
      return;
    }
    const columns = columnsProblemOf(record);
    if (columns !== undefined) {
      this.finding = { seq, reason: `seq ${seq}: ${columns}` };
      return;
    }
    if (this.deep) {
      const problem = deepProblem(canonical, record);
      if (problem !== null) {
        this.finding = { seq, reason: `seq ${seq}: ${problem}` };
        return;
      }
    }
    if (!chainOk) this.pending = { seq, storedChain: String(record.chainHash) };
  }

  /** The first record-level finding, once every record has been pushed. */
  finish(): Finding | null {
    if (this.finding === null && this.pending !== null) {
      const { seq } = this.pending;
      this.finding = { seq, reason: `seq ${seq}: chain hash does not follow from seq ${seq - 1}` };
      this.pending = null;
    }
    return this.finding;
  }
}

function deepProblem(canonical: string, record: AuditRecord): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(canonical);
  } catch {
    return "the canonical bytes are not JSON";
  }
  if (!isCanonicalParsed(parsed, canonical))
    return "the canonical bytes are not RFC 8785 canonical JSON";
  const keys = Object.keys(parsed as object);
  if (keys.length !== 3)
    return "the canonical bytes hold fields other than event, recordedAt and seq";
  if (!jsonEqual((parsed as { event: unknown }).event, record.event)) {
    return "the stored event differs from the event in the canonical bytes";
  }
  return null;
}

/** The smallest first batch for which "auto" hashes in a worker thread (a worker costs ~30 ms to start). */
export const PARALLEL_MIN_BATCH = 2000;
/** Records per job sent to the worker when the input comes one record at a time. */
const JOB_RECORDS = 4096;
/** Jobs in flight: one being hashed while the next is prepared. */
const JOBS_IN_FLIGHT = 2;
/** Bytes per stored hash in a job: 64 UTF-16 code units. */
const HASH_FIELD = 128;
const NOT_A_HASH = "!".repeat(64);

interface JobResult {
  readonly flags: Uint8Array;
  readonly snapshots: readonly (readonly [number, string, string])[];
}

interface Job {
  readonly records: readonly AuditRecord[];
  readonly done: Promise<JobResult>;
}

/** Node's UTF-8 and UTF-16 Buffer writers, called directly (see merkle.ts BufferCodecs). */
interface JobCodecs {
  utf8Write(text: string, offset: number): number;
  ucs2Write(text: string, offset: number, length: number): number;
}

/**
 * The hashing half of verification on a second CPU (audit/verify-worker.mjs): leaf, chain and
 * Merkle tree are recomputed there while this thread reads the next records and checks seq,
 * framing and stored columns. Records go over in jobs — the canonical text's UTF-8 bytes after
 * 0x00 and the stored leaf and chain hashes as UTF-16 (so the worker compares exactly the strings
 * the in-thread check compares) — in transferred buffers that come back for reuse; each job is
 * answered with the per-record comparisons and the snapshots it reached, and judged by
 * RecordVerifier.pushHashed in seq order, so the report is identical to hashing here.
 */
class WorkerHasher {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (result: JobResult) => void; reject: (error: Error) => void }
  >();
  private readonly jobs: Job[] = [];
  private readonly spare: { data: ArrayBuffer; offsets: ArrayBuffer }[] = [];
  private failure: Error | null = null;

  constructor(snapshotSizes: readonly number[]) {
    this.worker = new Worker(new URL("./verify-worker.mjs", import.meta.url), {
      workerData: { sizes: snapshotSizes.filter((n) => n > 0) },
    });
    this.worker.on("message", (message: WorkerReply) => {
      this.spare.push({ data: message.data, offsets: message.offsets });
      const entry = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      entry?.resolve({ flags: new Uint8Array(message.flags), snapshots: message.snapshots });
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      for (const entry of this.waiting.values()) entry.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => {
      if (this.waiting.size > 0) fail(new Error(`the verification worker exited (${code})`));
    });
  }

  /** Encodes `records` into a job and sends it. */
  submit(records: readonly AuditRecord[]): void {
    if (this.failure !== null) throw this.failure;
    let need = 0;
    for (const record of records) {
      const canonical = record.canonical;
      need += 2 + 2 * HASH_FIELD + (typeof canonical === "string" ? 3 * canonical.length : 0);
    }
    let buffers = this.spare.pop();
    if (
      buffers === undefined ||
      buffers.data.byteLength < need ||
      buffers.offsets.byteLength < 4 * (records.length + 1)
    ) {
      buffers = {
        data: new ArrayBuffer(Math.max(need, 1 << 20)),
        offsets: new ArrayBuffer(4 * Math.max(records.length + 1, JOB_RECORDS + 1)),
      };
    }
    const bytes = Buffer.from(buffers.data) as Buffer & JobCodecs;
    const offsets = new Uint32Array(buffers.offsets);
    let at = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as AuditRecord;
      offsets[i] = at;
      bytes[at] = 0;
      const canonical = record.canonical;
      at += 1 + (typeof canonical === "string" ? bytes.utf8Write(canonical, at + 1) : 0);
      const leaf: unknown = record.leafHash;
      const chain: unknown = record.chainHash;
      bytes.ucs2Write(hashField(leaf), at, HASH_FIELD);
      bytes.ucs2Write(
        hashField(typeof chain === "string" ? chain : String(chain)),
        at + HASH_FIELD,
        HASH_FIELD,
      );
      at += 2 * HASH_FIELD;
      bytes[at] = (typeof leaf === "string" ? 1 : 0) | (typeof chain === "string" ? 2 : 0);
      at += 1;
    }
    offsets[records.length] = at;
    const id = this.nextId++;
    const done = new Promise<JobResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
    });
    this.worker.postMessage(
      { id, count: records.length, data: buffers.data, offsets: buffers.offsets },
      [buffers.data, buffers.offsets],
    );
    this.jobs.push({ records, done });
  }

  /** Waits for the oldest jobs until at most `keep` are in flight, judging each in order. */
  async settle(keep: number, verifier: RecordVerifier): Promise<void> {
    while (this.jobs.length > keep) {
      const job = this.jobs.shift() as Job;
      const { flags, snapshots } = await job.done;
      const { records } = job;
      for (let i = 0; i < records.length; i++) {
        const f = flags[i] as number;
        verifier.pushHashed(records[i] as AuditRecord, (f & 1) !== 0, (f & 2) !== 0, (f & 4) !== 0);
      }
      for (const [size, chainHead, merkleRoot] of snapshots)
        verifier.recordSnapshot(size, chainHead, merkleRoot);
    }
  }

  /** Stops the worker; jobs still in flight (only when reading failed) are dropped unanswered. */
  async close(): Promise<void> {
    this.waiting.clear();
    await this.worker.terminate();
  }
}

interface WorkerReply {
  readonly id: number;
  readonly flags: ArrayBuffer;
  readonly snapshots: readonly (readonly [number, string, string])[];
  readonly data: ArrayBuffer;
  readonly offsets: ArrayBuffer;
}

/** A stored hash as sent to the worker: itself when 64 characters long, else one no digest equals. */
function hashField(value: unknown): string {
  return typeof value === "string" && value.length === 64 ? value : NOT_A_HASH;
}

/** Feeds every record to the verifier, hashing here or in a worker (VerifyInput.parallel). */
async function checkRecords(
  source: VerifyInput["records"],
  verifier: RecordVerifier,
  parallel: boolean | "auto",
): Promise<void> {
  // undefined until the first batch decides; null when hashing here.
  const state: { hasher: WorkerHasher | null | undefined } = {
    hasher: parallel === false ? null : undefined,
  };
  const start = (firstBatch: number): WorkerHasher | null => {
    if (parallel === "auto" && (firstBatch < PARALLEL_MIN_BATCH || availableParallelism() < 2))
      return null;
    try {
      return new WorkerHasher(verifier.snapshotSizes);
    } catch {
      return null; // no worker threads here: hash in this one
    }
  };
  const feed = async (batch: readonly AuditRecord[]): Promise<void> => {
    if (batch.length === 0) return;
    state.hasher ??= start(batch.length);
    const hasher = state.hasher;
    if (hasher === null) {
      for (const record of batch) verifier.push(record);
      return;
    }
    hasher.submit(batch);
    await hasher.settle(JOBS_IN_FLIGHT - 1, verifier);
  };
  try {
    let pending: AuditRecord[] = [];
    const items: Iterable<unknown> | AsyncIterable<unknown> = source;
    for await (const item of items) {
      if (Array.isArray(item)) {
        if (pending.length > 0) await feed(pending.splice(0));
        await feed(item as readonly AuditRecord[]);
      } else {
        pending.push(item as AuditRecord);
        if (pending.length >= JOB_RECORDS) {
          await feed(pending);
          pending = [];
        }
      }
    }
    await feed(pending);
    await state.hasher?.settle(0, verifier);
  } finally {
    await state.hasher?.close();
  }
}

function describe(cp: Checkpoint): string {
  return `the checkpoint of size ${cp.size} at ${cp.time} (${cp.reason})`;
}

interface Version {
  readonly checkpoint: Checkpoint;
  inStore: boolean;
  inFiles: boolean;
}

/**
 * Verifies records and checkpoints (see the module comment for every rule) and reports
 * `{ok, size, firstBadSeq, reason, latestCheckpoint, checkpointsVerified}`: size is the number of
 * records read, reason lists the problems found (the one behind firstBadSeq first), and
 * latestCheckpoint is the newest checkpoint that fully verified. Throws an AuditError
 * (SIGNING_KEY) when a trusted public key is not an Ed25519 public key.
 *
 * @example
 * const report = await verifyAuditTrail({ records, storeCheckpoints, fileCheckpoints, publicKeys: [pem] });
 * report.ok; // true for an intact trail
 */
export async function verifyAuditTrail(input: VerifyInput): Promise<VerifyReport> {
  const keys = new Map<string, KeyObject>();
  for (const text of input.publicKeys)
    for (const info of parsePublicKeys(text)) keys.set(info.keyId, info.key);
  const issues: string[] = [...(input.problems ?? [])];

  // 1. Collect distinct checkpoint versions from both places.
  const versions = new Map<string, Version>();
  const collect = (list: readonly Checkpoint[], where: "store" | "files"): void => {
    list.forEach((raw, index) => {
      const field = checkpointProblem(raw);
      if (field !== null) {
        issues.push(`checkpoint #${index + 1} in the ${where} is malformed (${field})`);
        return;
      }
      const text = checkpointText(raw);
      const version = versions.get(text) ?? { checkpoint: raw, inStore: false, inFiles: false };
      if (where === "store") version.inStore = true;
      else version.inFiles = true;
      versions.set(text, version);
    });
  };
  collect(input.storeCheckpoints, "store");
  const files = input.fileCheckpoints ?? null;
  if (files !== null) collect(files, "files");
  const all = [...versions.values()].sort((a, b) => compareCheckpoints(a.checkpoint, b.checkpoint));

  // 2. Copies: the store's and the files' must hold the same checkpoints, byte for byte.
  if (files !== null) {
    const bySignature = new Map<string, Version[]>();
    for (const v of all)
      bySignature.set(v.checkpoint.signature, [
        ...(bySignature.get(v.checkpoint.signature) ?? []),
        v,
      ]);
    for (const group of bySignature.values()) {
      const first = group[0] as Version;
      if (group.length > 1)
        issues.push(`the store copy and the file copy of ${describe(first.checkpoint)} differ`);
      else if (!first.inStore)
        issues.push(
          `${describe(first.checkpoint)} is in the checkpoint files but missing from the store`,
        );
      else if (!first.inFiles)
        issues.push(`${describe(first.checkpoint)} is in the store but has no file copy`);
    }
  }

  // 3. Signatures: only validly signed checkpoints count as evidence about the records.
  const valid: Checkpoint[] = [];
  for (const { checkpoint } of all) {
    const key = keys.get(checkpoint.keyId);
    if (key === undefined)
      issues.push(`${describe(checkpoint)} is signed by an unknown key ${checkpoint.keyId}`);
    else if (!verifySignature(key, checkpointBody(checkpoint), checkpoint.signature)) {
      issues.push(`${describe(checkpoint)} has an invalid signature (forged or altered)`);
    } else valid.push(checkpoint);
  }

  // 4. The checkpoint chain: every `previous` resolves to a valid checkpoint no larger than itself.
  const byHash = new Map<string, Checkpoint>(valid.map((cp) => [checkpointHash(cp), cp]));
  const badLinks = new Set<Checkpoint>();
  for (const cp of valid) {
    if (cp.previous === null) continue;
    const prior = byHash.get(cp.previous);
    if (prior === undefined || prior === cp || prior.size > cp.size) {
      issues.push(`${describe(cp)} links to a previous checkpoint that is missing`);
      badLinks.add(cp);
    }
  }

  // 5. Records.
  const verifier = new RecordVerifier(
    valid.map((cp) => cp.size),
    { deep: input.deep ?? false },
  );
  await checkRecords(input.records, verifier, input.parallel ?? "auto");
  let recordFinding = verifier.finish();
  const size = verifier.size;

  // 6. Checkpoints against the recomputed records.
  let beyond: Checkpoint | null = null;
  const passed: Checkpoint[] = [];
  const failed: { checkpoint: Checkpoint; what: string }[] = [];
  for (const cp of valid) {
    if (cp.size > size) {
      if (beyond === null || cp.size > beyond.size) beyond = cp;
      continue;
    }
    const snap = verifier.snapshots.get(cp.size);
    const chainOk = snap?.chainHead === cp.chainHead;
    const rootOk = snap?.merkleRoot === cp.merkleRoot;
    if (chainOk && rootOk) passed.push(cp);
    else {
      const what = [chainOk ? "" : "chain head", rootOk ? "" : "Merkle root"]
        .filter((s) => s !== "")
        .join(" and ");
      failed.push({ checkpoint: cp, what });
    }
  }
  const truncation: Finding | null =
    beyond === null
      ? null
      : {
          seq: size + 1,
          reason: `${describe(beyond)} covers ${beyond.size} records but the store holds ${size}: seq ${size + 1}–${beyond.size} are missing (truncated)`,
        };
  const passedSizes = passed.map((cp) => cp.size);
  if (recordFinding?.unlessIntact !== undefined) {
    const { intactSize, fallback } = recordFinding.unlessIntact;
    if (passedSizes.some((s) => s >= intactSize)) recordFinding = fallback;
  }

  // 7. firstBadSeq: the most specific record-level evidence, or else the checkpoint bound.
  const candidates = [recordFinding, truncation]
    .filter((f): f is Finding => f !== null)
    .sort((a, b) => a.seq - b.seq);
  let primary: Finding | null = candidates[0] ?? null;
  const firstFail = failed[0];
  if (firstFail !== undefined && (primary === null || primary.seq > firstFail.checkpoint.size)) {
    const c = firstFail.checkpoint.size;
    const from = Math.max(0, ...passedSizes.filter((s) => s < c)) + 1;
    primary = {
      seq: from,
      reason: `seq ${from}–${c} do not match ${describe(firstFail.checkpoint)} (${firstFail.what} differs): a record among them was altered`,
    };
  }
  const reasons: string[] = [];
  if (primary !== null) reasons.push(primary.reason);
  for (const f of candidates) if (f !== primary) reasons.push(f.reason);
  for (const f of failed)
    reasons.push(`${describe(f.checkpoint)} does not match the records (${f.what} differs)`);
  reasons.push(...issues);
  const unique = [...new Set(reasons)];
  const reason =
    unique.length === 0
      ? null
      : unique.length <= MAX_REASONS
        ? unique.join("; ")
        : `${unique.slice(0, MAX_REASONS).join("; ")}; and ${unique.length - MAX_REASONS} more problems`;

  const verified = passed.filter((cp) => !badLinks.has(cp));
  return {
    ok: reason === null,
    size,
    firstBadSeq: primary?.seq ?? null,
    reason,
    latestCheckpoint: verified.at(-1) ?? null,
    checkpointsVerified: verified.length,
  };
}
