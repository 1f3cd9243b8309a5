import type { KeyObject } from "node:crypto";
import type { AuditBackend, ChainHead } from "./backend.js";
import {
  checkpointBody,
  checkpointHash,
  CHECKPOINT_REASON,
  compareCheckpoints,
} from "./checkpoint.js";
import { readCheckpointFilesLenient, writeCheckpointFile } from "./checkpoint-files.js";
import { AuditError } from "./errors.js";
import {
  encodeCursor,
  EVENT_ID_MAX,
  normaliseQuery,
  prepareEvent,
  type PreparedEvent,
} from "./event-schema.js";
import { HashChain, leafHashHex } from "./hash.js";
import { MerkleAccumulator } from "./merkle.js";
import { recordCanonical } from "./record.js";
import { parsePublicKeys, type Signer, verifySignature } from "./signing.js";
import type {
  AppendResult,
  AuditEventInput,
  AuditPage,
  AuditQuery,
  AuditRecord,
  Checkpoint,
  VerifyReport,
} from "./types.js";
import { verifyAuditTrail } from "./verify.js";

/**
 * The audit log over any AuditBackend: validation, RFC 8785 canonicalisation, idempotent append,
 * hashing, signed checkpoints (in the store and as files), queries and verification. Backends only
 * store rows append-only and serialise appends.
 */

export interface AuditLogOptions {
  readonly signer: Signer;
  /** Where every checkpoint is also written, outside the database. */
  readonly checkpointDir: string;
  /** The store's clock: recordedAt of records and time of checkpoints. */
  readonly clock: () => Date;
  /** A checkpoint (reason "interval") whenever the size crosses a multiple of this. Default 1000. */
  readonly checkpointEvery?: number;
  /** Further trusted public keys (SPKI PEM), e.g. the keys used before a rotation. */
  readonly trustedPublicKeys?: readonly string[];
}

export const DEFAULT_CHECKPOINT_EVERY = 1000;
/** Records per backend read when streaming (verification, export, checkpoint catch-up). */
export const READ_BATCH = 5000;

export interface AuditStore {
  readonly kind: AuditBackend["kind"];
  /** keyId of the signer. */
  readonly keyId: string;
  /** Every trusted public key (the signer's first), SPKI PEM. */
  readonly publicKeys: readonly string[];
  /**
   * Appends one event or a batch atomically. Per event: created false (and nothing written) when
   * its eventId is already stored with identical canonical content; an AuditError
   * EVENT_ID_CONFLICT (and nothing of the batch written) when stored with different content; an
   * AuditError INVALID_EVENT naming the field for an invalid event. Results are in input order.
   */
  append(event: AuditEventInput): Promise<AppendResult>;
  append(events: readonly AuditEventInput[]): Promise<readonly AppendResult[]>;
  /** Signs and stores a checkpoint over the whole store (reason: on-demand, run-at-rest:<status>, …). */
  writeCheckpoint(reason: string): Promise<Checkpoint>;
  /** A page of matching records, ascending by seq, with an opaque cursor to the next page. */
  query(query?: AuditQuery): Promise<AuditPage>;
  get(eventId: string): Promise<AuditRecord | null>;
  head(): Promise<ChainHead>;
  /** The checkpoints held by the store, ascending by size then time. */
  checkpoints(): Promise<readonly Checkpoint[]>;
  /** The checkpoints held as files in the checkpoint directory. */
  fileCheckpoints(): Promise<readonly Checkpoint[]>;
  /** Verifies every record and checkpoint (see verify.ts); `deep` also re-canonicalises each record. */
  verify(options?: { readonly deep?: boolean }): Promise<VerifyReport>;
  /** Records fromSeq..toSeq (default: all) exactly as stored, streamed in batches. */
  records(fromSeq?: number, toSeq?: number): AsyncIterable<AuditRecord>;
  /** Every record, as stored (for tests and small stores; use records() for large ones). */
  readAll(): Promise<readonly AuditRecord[]>;
  close(): Promise<void>;
}

/** A promise-chain mutex: one checkpoint (and its catch-up scan) at a time per store. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Leaf/chain/Merkle state of the records already checked by this process (for checkpoints). */
interface Tracker {
  size: number;
  readonly chain: HashChain;
  readonly merkle: MerkleAccumulator;
}

function freshTracker(): Tracker {
  return { size: 0, chain: new HashChain(), merkle: new MerkleAccumulator() };
}

function conflict(eventId: string, field: string, detail: string): AuditError {
  return new AuditError("EVENT_ID_CONFLICT", `eventId ${JSON.stringify(eventId)} ${detail}`, field);
}

function broken(message: string): AuditError {
  return new AuditError("CHAIN_BROKEN", `refusing to sign a checkpoint: ${message}`);
}

/** A record whose event is re-read from its canonical bytes (the hashed truth, not a column). */
function fromCanonical(record: AuditRecord): AuditRecord {
  let parsed: { seq?: unknown; event?: unknown };
  try {
    parsed = JSON.parse(record.canonical) as typeof parsed;
  } catch (error) {
    throw new AuditError("CORRUPT_RECORD", "canonical bytes are not JSON", `seq ${record.seq}`, {
      cause: error,
    });
  }
  if (parsed.seq !== record.seq || typeof parsed.event !== "object" || parsed.event === null) {
    throw new AuditError(
      "CORRUPT_RECORD",
      "canonical bytes do not hold this record",
      `seq ${record.seq}`,
    );
  }
  return { ...record, event: parsed.event as AuditEventInput };
}

class AuditLog implements AuditStore {
  readonly kind: AuditBackend["kind"];
  readonly keyId: string;
  readonly publicKeys: readonly string[];
  private readonly every: number;
  private readonly lock = new Lock();
  private tracker: Tracker = freshTracker();
  /** Trusted public keys by keyId, parsed (a checkpoint's signature is checked without re-reading PEM). */
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    private readonly backend: AuditBackend,
    private readonly options: AuditLogOptions,
  ) {
    const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new AuditError("INVALID_QUERY", "must be a positive integer", "checkpointEvery");
    }
    this.every = every;
    this.kind = backend.kind;
    this.keyId = options.signer.keyId;
    this.publicKeys = [options.signer.publicKeyPem, ...(options.trustedPublicKeys ?? [])];
    // Parsed here, once: a bad key fails construction, and the map serves every checkpoint.
    for (const pem of this.publicKeys)
      for (const info of parsePublicKeys(pem)) this.keys.set(info.keyId, info.key);
  }

  append(event: AuditEventInput): Promise<AppendResult>;
  append(events: readonly AuditEventInput[]): Promise<readonly AppendResult[]>;
  async append(
    input: AuditEventInput | readonly AuditEventInput[],
  ): Promise<AppendResult | readonly AppendResult[]> {
    const single = !Array.isArray(input);
    const list: readonly unknown[] = single ? [input] : (input as readonly unknown[]);
    const prepared = list.map((event, i) => prepareEvent(event, single ? "event" : `events[${i}]`));
    // The first occurrence of each eventId in the batch decides; a repeat must be identical.
    const first = new Map<string, number>();
    prepared.forEach((p, i) => {
      const j = first.get(p.event.eventId);
      if (j === undefined) first.set(p.event.eventId, i);
      else if ((prepared[j] as PreparedEvent).eventCanonical !== p.eventCanonical) {
        throw conflict(
          p.event.eventId,
          `events[${i}]`,
          `appears earlier in the batch (events[${j}]) with different content`,
        );
      }
    });
    if (prepared.length === 0) return [];

    const ids = [...first.keys()];
    let results: AppendResult[] = [];
    let before = 0;
    let after = 0;
    await this.backend.appendBatch(ids, (head, existing) => {
      const recordedAt = this.options.clock().toISOString();
      const chain = new HashChain(head.chainHash);
      const records: AuditRecord[] = [];
      const assigned = new Map<string, { seq: number; created: boolean }>();
      for (const id of ids) {
        const index = first.get(id) as number;
        const p = prepared[index] as PreparedEvent;
        const stored = existing.get(id);
        if (stored !== undefined) {
          if (stored.eventCanonical !== p.eventCanonical) {
            throw conflict(
              id,
              single ? "event" : `events[${index}]`,
              `is already stored as seq ${stored.seq} with different content`,
            );
          }
          assigned.set(id, { seq: stored.seq, created: false });
          continue;
        }
        const seq = head.size + records.length + 1;
        const canonical = recordCanonical(seq, recordedAt, p.eventCanonical);
        const leaf = leafHashHex(canonical);
        records.push({
          seq,
          recordedAt,
          event: p.event,
          canonical,
          leafHash: leaf,
          chainHash: chain.pushHex(leaf),
        });
        assigned.set(id, { seq, created: true });
      }
      results = prepared.map((p, i) => {
        const a = assigned.get(p.event.eventId) as { seq: number; created: boolean };
        return {
          seq: a.seq,
          eventId: p.event.eventId,
          created: a.created && first.get(p.event.eventId) === i,
        };
      });
      before = head.size;
      after = head.size + records.length;
      return { records };
    });
    if (after > before && Math.floor(after / this.every) > Math.floor(before / this.every)) {
      await this.writeCheckpoint("interval");
    }
    return single ? (results[0] as AppendResult) : results;
  }

  /**
   * Brings the tracker up to `size`, re-checking every new record's seq, leaf and chain, and the
   * chain head and Merkle root of every validly signed stored checkpoint it passes. A checkpoint is
   * never signed over records that do not verify.
   */
  private async advance(size: number, stored: readonly Checkpoint[]): Promise<void> {
    const bySize = new Map<number, Checkpoint[]>();
    const t = this.tracker;
    // Only checkpoints ahead of what this process has checked can still be compared.
    for (const cp of stored) {
      if (cp.size <= t.size) continue;
      const key = this.keys.get(cp.keyId);
      if (key !== undefined && verifySignature(key, checkpointBody(cp), cp.signature)) {
        bySize.set(cp.size, [...(bySize.get(cp.size) ?? []), cp]);
      }
    }
    if (size < t.size) throw broken(`the store shrank from ${t.size} to ${size} records`);
    for (let from = t.size + 1; from <= size; from += READ_BATCH) {
      const to = Math.min(size, from + READ_BATCH - 1);
      const batch = await this.backend.readRange(from, to);
      if (batch.length !== to - from + 1)
        throw broken(`seq ${from}–${to} should be ${to - from + 1} records, read ${batch.length}`);
      for (const record of batch) {
        const seq = t.size + 1;
        if (
          record.seq !== seq ||
          typeof record.canonical !== "string" ||
          !record.canonical.endsWith(`,"seq":${seq}}`)
        ) {
          throw broken(`seq ${seq} is missing or out of order`);
        }
        const leaf = leafHashHex(record.canonical);
        if (leaf !== record.leafHash)
          throw broken(`seq ${seq}: leaf hash does not match its canonical bytes`);
        if (t.chain.pushHex(leaf) !== record.chainHash)
          throw broken(`seq ${seq}: chain hash does not follow from seq ${seq - 1}`);
        t.merkle.pushHex(leaf);
        t.size = seq;
        for (const cp of bySize.get(seq) ?? []) {
          if (cp.chainHead !== t.chain.head || cp.merkleRoot !== t.merkle.rootHex()) {
            throw broken(
              `the records up to seq ${seq} do not match the signed checkpoint of ${cp.time}`,
            );
          }
        }
      }
    }
  }

  writeCheckpoint(reason: string): Promise<Checkpoint> {
    if (typeof reason !== "string" || reason.length > 200 || !CHECKPOINT_REASON.test(reason)) {
      return Promise.reject(
        new AuditError(
          "INVALID_QUERY",
          "must look like on-demand or run-at-rest:awaiting_approval",
          "reason",
        ),
      );
    }
    return this.lock.run(async () => {
      // The latest checkpoints and those ahead of what this process has checked: all it compares.
      const stored = [...(await this.backend.recentCheckpoints(this.tracker.size))].sort(
        compareCheckpoints,
      );
      const head = await this.backend.head();
      const latest = stored.at(-1);
      if (latest !== undefined && latest.size > head.size) {
        throw broken(
          `a checkpoint covers ${latest.size} records but the store holds ${head.size} (truncated)`,
        );
      }
      if (reason === "interval" && latest?.size === head.size && latest.reason === "interval")
        return latest;
      try {
        await this.advance(head.size, stored);
      } catch (error) {
        this.tracker = freshTracker();
        throw error;
      }
      if (this.tracker.chain.head !== head.chainHash)
        throw broken("the chain head moved while checking");
      const body = {
        size: head.size,
        chainHead: head.chainHash,
        merkleRoot: this.tracker.merkle.rootHex(),
        time: this.options.clock().toISOString(),
        previous: latest === undefined ? null : checkpointHash(latest),
        reason,
        keyId: this.keyId,
      };
      const checkpoint: Checkpoint = {
        ...body,
        signature: this.options.signer.sign(checkpointBody(body)),
      };
      // The copy outside the database first: if the insert then fails, verify reports the gap.
      writeCheckpointFile(this.options.checkpointDir, checkpoint);
      await this.backend.insertCheckpoint(checkpoint);
      return checkpoint;
    });
  }

  async query(query: AuditQuery = {}): Promise<AuditPage> {
    const { filter, afterSeq, limit } = normaliseQuery(query);
    const items = (await this.backend.query(filter, afterSeq, limit)).map(fromCanonical);
    const last = items.at(-1);
    let nextCursor: string | null = null;
    if (items.length >= limit && last !== undefined) {
      // Probe for one more so the last page says so, without asking a backend for more than the cap.
      const more = await this.backend.query(filter, last.seq, 1);
      if (more.length > 0) nextCursor = encodeCursor(last.seq);
    }
    return { items, nextCursor };
  }

  async get(eventId: string): Promise<AuditRecord | null> {
    if (typeof eventId !== "string" || eventId.length === 0 || eventId.length > EVENT_ID_MAX) {
      throw new AuditError("INVALID_QUERY", `must be 1 to ${EVENT_ID_MAX} characters`, "eventId");
    }
    const record = await this.backend.findByEventId(eventId);
    return record === null ? null : fromCanonical(record);
  }

  head(): Promise<ChainHead> {
    return this.backend.head();
  }

  async checkpoints(): Promise<readonly Checkpoint[]> {
    return this.backend.checkpoints();
  }

  async fileCheckpoints(): Promise<readonly Checkpoint[]> {
    return (await readCheckpointFilesLenient(this.options.checkpointDir)).checkpoints;
  }

  private async *batches(fromSeq: number, toSeq: number): AsyncGenerator<readonly AuditRecord[]> {
    for (let from = fromSeq; from <= toSeq; from += READ_BATCH) {
      yield await this.backend.readRange(from, Math.min(toSeq, from + READ_BATCH - 1));
    }
  }

  async *records(fromSeq = 1, toSeq?: number): AsyncIterable<AuditRecord> {
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1)
      throw new AuditError("INVALID_QUERY", "must be an integer ≥ 1", "fromSeq");
    if (toSeq !== undefined && !Number.isSafeInteger(toSeq))
      throw new AuditError("INVALID_QUERY", "must be an integer", "toSeq");
    const end = toSeq ?? (await this.backend.head()).size;
    for await (const batch of this.batches(fromSeq, end)) yield* batch;
  }

  async readAll(): Promise<readonly AuditRecord[]> {
    const out: AuditRecord[] = [];
    for await (const batch of this.batches(1, (await this.backend.head()).size)) out.push(...batch);
    return out;
  }

  async verify(options: { readonly deep?: boolean } = {}): Promise<VerifyReport> {
    // Checkpoints first, then the head: every checkpoint read is then within the records read.
    const { storeCheckpoints, files, problems } = await this.lock.run(async () => {
      let fromFiles: { checkpoints: Checkpoint[] | null; problems: string[] };
      try {
        fromFiles = await readCheckpointFilesLenient(this.options.checkpointDir);
      } catch (error) {
        if (!(error instanceof AuditError)) throw error;
        fromFiles = {
          checkpoints: null,
          problems: [`the checkpoint files are unreadable (${error.message})`],
        };
      }
      return {
        storeCheckpoints: await this.backend.checkpoints(),
        files: fromFiles.checkpoints,
        problems: fromFiles.problems,
      };
    });
    const head = await this.backend.head();
    return verifyAuditTrail({
      records: this.batches(1, head.size),
      storeCheckpoints,
      fileCheckpoints: files,
      publicKeys: this.publicKeys,
      problems,
      deep: options.deep ?? false,
    });
  }

  async close(): Promise<void> {
    await this.lock.run(async () => undefined);
    await this.backend.close();
  }
}

/**
 * The audit log over `backend` (call backend.init() first). Checkpoints are signed by `signer`,
 * stored in the backend and written to `checkpointDir`; one is written whenever an append makes
 * the size cross a multiple of `checkpointEvery` (default 1000), and on demand.
 *
 * Merkle roots are computed incrementally: the log keeps a compact range (≈ log2 n hashes) of the
 * records it has checked, so a checkpoint reads only the records appended since the previous one
 * (the first checkpoint after start reads, and re-verifies, the whole store once).
 *
 * @example
 * const store = createAuditLog(backend, { signer, checkpointDir: "var/checkpoints", clock: () => new Date() });
 * await store.append({ eventId: "run-1:started", type: "run.started", occurredAt, actor });
 */
export function createAuditLog(backend: AuditBackend, options: AuditLogOptions): AuditStore {
  return new AuditLog(backend, options);
}
