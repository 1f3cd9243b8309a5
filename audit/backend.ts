import type { AuditQuery, AuditRecord, Checkpoint } from "./types.js";

/**
 * What a storage backend (memory, SQLite, PostgreSQL) provides to the audit log. The log itself
 * (audit-log.ts) owns canonicalisation, hashing, idempotency, checkpoints and verification; a
 * backend only stores rows append-only and serialises appends.
 */

/** The chain head a batch is appended after. */
export interface ChainHead {
  /** Number of records stored (= seq of the last one; 0 when empty). */
  readonly size: number;
  /** Hex chainHash of the last record; 64 zeros when empty. */
  readonly chainHash: string;
}

/** An existing record found by eventId, for the idempotency check. */
export interface StoredEventRef {
  readonly seq: number;
  readonly eventId: string;
  /** RFC 8785 canonical JSON of the event alone (what "same content" compares). */
  readonly eventCanonical: string;
}

/**
 * Builds the rows of one batch from the current head and the ids already stored. Called by the
 * backend while it holds its append lock (inside the transaction), so the head cannot move.
 * Throws to abort the whole batch (nothing is written).
 */
export type BuildBatch = (
  head: ChainHead,
  existing: ReadonlyMap<string, StoredEventRef>,
) => { readonly records: readonly AuditRecord[] };

export interface AuditBackend {
  readonly kind: "memory" | "sqlite" | "postgres";
  /** Creates tables, triggers and grants if absent. Idempotent. */
  init(): Promise<void>;
  /**
   * Appends atomically: lock, read head, look up `eventIds`, call `build`, insert its records,
   * commit. On PostgreSQL: READ COMMITTED + pg_advisory_xact_lock, seq assigned under the lock.
   */
  appendBatch(eventIds: readonly string[], build: BuildBatch): Promise<readonly AuditRecord[]>;
  head(): Promise<ChainHead>;
  /** Records with fromSeq ≤ seq ≤ toSeq, ascending, exactly as stored (canonical bytes verbatim). */
  readRange(fromSeq: number, toSeq: number): Promise<readonly AuditRecord[]>;
  /** Filtered page, ascending by seq; `afterSeq` from the decoded cursor; `limit` already capped. */
  query(
    query: Omit<AuditQuery, "cursor" | "limit">,
    afterSeq: number,
    limit: number,
  ): Promise<readonly AuditRecord[]>;
  findByEventId(eventId: string): Promise<AuditRecord | null>;
  insertCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Every stored checkpoint, ascending by size then time. */
  checkpoints(): Promise<readonly Checkpoint[]>;
  /**
   * The checkpoints covering more than `afterSize` records, and those of the largest size (the
   * latest), ascending by size then time: what a new checkpoint needs to see, read without
   * reading every checkpoint ever written (one per run at rest).
   */
  recentCheckpoints(afterSize: number): Promise<readonly Checkpoint[]>;
  close(): Promise<void>;
}
