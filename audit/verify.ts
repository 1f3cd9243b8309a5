import type { KeyObject } from "node:crypto";
import { isCanonicalParsed, jsonEqual } from "./canonical.js";
import {
  checkpointBody,
  checkpointHash,
  checkpointProblem,
  checkpointText,
  compareCheckpoints,
} from "./checkpoint.js";
import { chainHashHex, HashChain, isHashHex, leafHashHex } from "./hash.js";
import { MerkleAccumulator } from "./merkle.js";
import { parsePublicKeys, verifySignature } from "./signing.js";
import type { AuditRecord, Checkpoint, VerifyReport } from "./types.js";

/**
 * Verification of an audit trail: pure (no I/O, no clock), over records streamed in seq order, the
 * checkpoints held by the store, the copies held outside it, and the trusted public keys.
 *
 * Per record (standard): seq equals its position (1, 2, 3, … — a gap, repeat or reordering is
 * caught), the canonical bytes are framed as `{"event":…,"recordedAt":"<column>","seq":<column>}`
 * (so the canonical text carries the record's own seq and recordedAt — a byte comparison, no
 * parsing), leaf = SHA-256(0x00 ‖ canonical) equals the stored leaf hash, and
 * chain = SHA-256(0x01 ‖ previous chain ‖ leaf) equals the stored chain hash.
 * Deep mode adds, per record, a parse of the canonical text: it must re-canonicalise to the same
 * bytes (RFC 8785) and its event must equal the record's event column. Deep costs a JSON parse per
 * record, so it is opt-in; standard verification is what the ≥ 200,000 records/s target measures.
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

const PREFIX = '{"event":';

/**
 * The per-record half of verification, fed one record at a time (synchronous, so a caller can
 * drive it from any source). Recomputes leaf, chain and Merkle tree over the canonical bytes and
 * keeps the chain head and Merkle root at the requested sizes for checkpoint comparison.
 */
export class RecordVerifier {
  private count = 0;
  private readonly chain = new HashChain();
  private readonly merkle = new MerkleAccumulator();
  private readonly sizes: ReadonlySet<number>;
  private readonly deep: boolean;
  private finding: Finding | null = null;
  private pending: PendingBreak | null = null;
  /** Recomputed chain head and Merkle root at each requested size reached. */
  readonly snapshots = new Map<
    number,
    { readonly chainHead: string; readonly merkleRoot: string }
  >();

  constructor(snapshotSizes: Iterable<number>, options: { deep?: boolean } = {}) {
    this.sizes = new Set(snapshotSizes);
    this.deep = options.deep ?? false;
    if (this.sizes.has(0)) this.snapshot(0);
  }

  /** Number of records pushed. */
  get size(): number {
    return this.count;
  }

  private snapshot(size: number): void {
    this.snapshots.set(size, { chainHead: this.chain.head, merkleRoot: this.merkle.rootHex() });
  }

  push(record: AuditRecord): void {
    const position = ++this.count;
    const canonical = typeof record.canonical === "string" ? record.canonical : "";
    const leafHex = leafHashHex(canonical);
    const chain = this.chain.pushHex(leafHex);
    this.merkle.pushHex(leafHex);
    if (this.sizes.has(position)) this.snapshot(position);
    if (this.finding !== null) return;

    if (this.pending !== null) {
      const { seq, storedChain } = this.pending;
      this.pending = null;
      const linksForward =
        isHashHex(storedChain) && chainHashHex(storedChain, leafHex) === record.chainHash;
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
    const suffix = `,"recordedAt":"${String(record.recordedAt)}","seq":${seq}}`;
    if (
      !canonical.startsWith(PREFIX) ||
      !canonical.endsWith(suffix) ||
      canonical.length <= PREFIX.length + suffix.length
    ) {
      this.finding = {
        seq,
        reason: `seq ${seq}: the canonical bytes do not carry the record's seq and recordedAt`,
      };
      return;
    }
    if (leafHex !== record.leafHash) {
      this.finding = {
        seq,
        reason: `seq ${seq}: the leaf hash does not match the canonical bytes`,
      };
      return;
    }
    if (this.deep) {
      const problem = deepProblem(canonical, record);
      if (problem !== null) {
        this.finding = { seq, reason: `seq ${seq}: ${problem}` };
        return;
      }
    }
    if (chain !== record.chainHash) this.pending = { seq, storedChain: String(record.chainHash) };
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

function describe(cp: Checkpoint): string {
  return `the checkpoint of size ${cp.size} at ${cp.time} (${cp.reason})`;
}

interface Version {
  readonly checkpoint: Checkpoint;
  inStore: boolean;
  inFiles: boolean;
}

function isAsync<T>(value: Iterable<T> | AsyncIterable<unknown>): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
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
  if (isAsync(input.records)) {
    for await (const item of input.records) {
      if (Array.isArray(item))
        for (const record of item as readonly AuditRecord[]) verifier.push(record);
      else verifier.push(item as AuditRecord);
    }
  } else {
    for (const record of input.records) verifier.push(record);
  }
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
