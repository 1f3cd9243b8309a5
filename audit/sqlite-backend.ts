import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { AuditBackend, BuildBatch, ChainHead, StoredEventRef } from "./backend.js";
import {
  CHECKPOINT_COLUMNS,
  eventOf,
  type CheckpointRow,
  checkpointsOf,
  checkpointValues,
  EVENT_COLUMNS,
  type EventRow,
  type EventValues,
  type QueryFilter,
  recordOf,
  refOf,
  valuesOf,
  whereOf,
} from "./sql-rows.js";
import type { AuditEventInput, AuditRecord, Checkpoint } from "./types.js";

/** The audit database's file name inside the data directory (`STEWARD_DATA_DIR`). */
export const SQLITE_AUDIT_FILE = "audit.db";

/** `<dataDir>/audit.db`. @example sqliteAuditPath("var") // "var/audit.db" */
export function sqliteAuditPath(dataDir: string): string {
  return path.join(dataDir, SQLITE_AUDIT_FILE);
}

export interface SqliteAuditBackendOptions {
  /** The database file (created with its directory when missing); ":memory:" for a private one. */
  readonly path: string;
  /**
   * SQLite's `synchronous` pragma. FULL (the default) syncs the WAL on every commit, so an
   * acknowledged append survives a power cut; NORMAL is faster and may lose the last commits (never
   * corrupts the file).
   */
  readonly synchronous?: "FULL" | "NORMAL";
  /** Milliseconds to wait for another process's write lock before failing (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * Bytes of the file SQLite may memory-map for reads (default 2 GiB, SQLite's own ceiling):
   * verification scans the whole table, and reading mapped pages skips a copy per page.
   */
  readonly mmapBytes?: number;
}

const ZERO_HASH = "0".repeat(64);

/**
 * Tables, indexes and the append-only triggers. `seq` is INTEGER PRIMARY KEY without
 * AUTOINCREMENT: the backend assigns it (head + 1, …) inside a BEGIN IMMEDIATE transaction, so it
 * is gapless. The triggers make UPDATE and DELETE fail on both tables for every connection.
 */
const SCHEMA = `
create table if not exists audit_events (
  seq             integer primary key,
  event_id        text not null unique,
  type            text not null,
  occurred_at     text not null,
  recorded_at     text not null,
  actor_id        text not null,
  run_id          text,
  portfolio_id    text,
  canonical       text not null,
  event_canonical text not null,
  leaf_hash       text not null,
  chain_hash      text not null
);
create index if not exists audit_events_run on audit_events (run_id, seq) where run_id is not null;
create index if not exists audit_events_portfolio on audit_events (portfolio_id, seq) where portfolio_id is not null;
create index if not exists audit_events_actor on audit_events (actor_id, seq);
create index if not exists audit_events_type on audit_events (type, seq);
create index if not exists audit_events_occurred on audit_events (occurred_at, seq);
create table if not exists audit_checkpoints (
  size        integer not null,
  chain_head  text not null,
  merkle_root text not null,
  time        text not null,
  previous    text,
  reason      text not null,
  key_id      text not null,
  signature   text not null,
  body        text not null
);
create index if not exists audit_checkpoints_size on audit_checkpoints (size, time);
create trigger if not exists audit_events_no_update before update on audit_events
begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end;
create trigger if not exists audit_events_no_delete before delete on audit_events
begin select raise(abort, 'audit_events is append-only: DELETE refused'); end;
create trigger if not exists audit_checkpoints_no_update before update on audit_checkpoints
begin select raise(abort, 'audit_checkpoints is append-only: UPDATE refused'); end;
create trigger if not exists audit_checkpoints_no_delete before delete on audit_checkpoints
begin select raise(abort, 'audit_checkpoints is append-only: DELETE refused'); end;
`;

/**
 * Opens the SQLite audit backend (better-sqlite3): WAL journal, prepared statements, each batch in
 * one `BEGIN IMMEDIATE` transaction — the write lock is taken before the head is read, so two
 * processes appending to the same file serialise instead of forking the chain. `init()` creates
 * the tables, indexes and triggers.
 *
 * @example const backend = openSqliteAuditBackend({ path: sqliteAuditPath(dataDir) });
 */
export function openSqliteAuditBackend(options: SqliteAuditBackendOptions): AuditBackend {
  if (options.path !== ":memory:") mkdirSync(path.dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
    db.pragma(`mmap_size = ${Math.max(0, Math.floor(options.mmapBytes ?? 2 ** 31))}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteAuditBackend(db);
}

interface Statements {
  readonly head: Database.Statement<[], [number, string]>;
  readonly ref: Database.Statement<[string], [number, string, string]>;
  readonly insert: Database.Statement<EventValues>;
  readonly range: Database.Statement<[number, number], EventRow>;
  readonly rangeHashed: Database.Statement<[number, number], HashedRow>;
  readonly byId: Database.Statement<[string], EventRow>;
  readonly insertCheckpoint: Database.Statement<CheckpointValues>;
  readonly checkpoints: Database.Statement<[], CheckpointRow>;
}

interface Prepared extends Statements {
  readonly append: Database.Transaction<
    (ids: readonly string[], build: BuildBatch) => AuditRecord[]
  >;
}

type CheckpointValues = ReturnType<typeof checkpointValues>;
/** The columns a record's hashes cover: seq, recorded_at, canonical, leaf_hash, chain_hash. */
type HashedRow = [number, string, string, string, string];

class SqliteAuditBackend implements AuditBackend {
  readonly kind = "sqlite" as const;
  readonly #db: Database.Database;
  #statements: Prepared | undefined;
  readonly #queries = new Map<string, Database.Statement<(string | number)[], EventRow>>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async init(): Promise<void> {
    this.#open();
    if (this.#statements !== undefined) return;
    const db = this.#db;
    db.exec(SCHEMA);
    const s: Statements = {
      head: db
        .prepare<[], [number, string]>(
          "select seq, chain_hash from audit_events order by seq desc limit 1",
        )
        .raw(true),
      ref: db
        .prepare<[string], [number, string, string]>(
          "select seq, event_id, event_canonical from audit_events where event_id = ?",
        )
        .raw(true),
      insert: db.prepare<EventValues>(
        `insert into audit_events (${EVENT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      range: db
        .prepare<[number, number], EventRow>(
          `select ${EVENT_COLUMNS} from audit_events where seq between ? and ? order by seq`,
        )
        .raw(true),
      rangeHashed: db
        .prepare<[number, number], HashedRow>(
          "select seq, recorded_at, canonical, leaf_hash, chain_hash from audit_events where seq between ? and ? order by seq",
        )
        .raw(true),
      byId: db
        .prepare<[string], EventRow>(`select ${EVENT_COLUMNS} from audit_events where event_id = ?`)
        .raw(true),
      insertCheckpoint: db.prepare<CheckpointValues>(
        `insert into audit_checkpoints (${CHECKPOINT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      checkpoints: db
        .prepare<[], CheckpointRow>(
          `select ${CHECKPOINT_COLUMNS} from audit_checkpoints order by size, time, rowid`,
        )
        .raw(true),
    };
    const append = db.transaction((ids: readonly string[], build: BuildBatch) => {
      const existing = new Map<string, StoredEventRef>();
      for (const id of ids) {
        const row = s.ref.get(id);
        if (row !== undefined) existing.set(id, refOf(row[0], row[1], row[2]));
      }
      const { records } = build(this.#headIn(s), existing);
      for (const record of records) s.insert.run(...valuesOf(record));
      return [...records];
    });
    this.#statements = { ...s, append };
  }

  async appendBatch(
    eventIds: readonly string[],
    build: BuildBatch,
  ): Promise<readonly AuditRecord[]> {
    // IMMEDIATE: take the write lock before reading the head, so no other writer can move it.
    return this.#stmts().append.immediate(eventIds, build);
  }

  async head(): Promise<ChainHead> {
    return this.#headIn(this.#stmts());
  }

  /**
   * Reads only the columns the hashes cover (what verification reads, a million at a time); each
   * record's `event` is loaded on first access — for the whole range in one statement — from the
   * event columns as stored (see sql-rows.ts), so deep verification and export see every column.
   */
  async readRange(fromSeq: number, toSeq: number): Promise<readonly AuditRecord[]> {
    const s = this.#stmts();
    const rows = s.rangeHashed.all(fromSeq, toSeq);
    let stored: Map<number, EventRow> | undefined;
    const events = new Map<number, AuditEventInput>();
    const eventAt = (seq: number): AuditEventInput => {
      let event = events.get(seq);
      if (event === undefined) {
        stored ??= new Map(s.range.all(fromSeq, toSeq).map((row) => [Number(row[0]), row]));
        const row = stored.get(seq);
        if (row === undefined)
          throw new Error(`audit backend: the record at seq ${seq} can no longer be read`);
        event = eventOf(row);
        events.set(seq, event);
      }
      return event;
    };
    const out = new Array<AuditRecord>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [seq, recordedAt, canonical, leafHash, chainHash] = rows[i] as HashedRow;
      // A getter on `this` (no per-record closure): a million of these cost well under a second.
      out[i] = {
        seq,
        recordedAt,
        get event(): AuditEventInput {
          return eventAt(this.seq);
        },
        canonical,
        leafHash,
        chainHash,
      };
    }
    return out;
  }

  async query(
    query: QueryFilter,
    afterSeq: number,
    limit: number,
  ): Promise<readonly AuditRecord[]> {
    this.#stmts();
    const where = whereOf(query, afterSeq, () => "?");
    const sql = `select ${EVENT_COLUMNS} from audit_events where ${where.sql} order by seq limit ?`;
    let statement = this.#queries.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<(string | number)[], EventRow>(sql).raw(true);
      this.#queries.set(sql, statement);
    }
    return statement.all(...where.params, limit).map(recordOf);
  }

  async findByEventId(eventId: string): Promise<AuditRecord | null> {
    const row = this.#stmts().byId.get(eventId);
    return row === undefined ? null : recordOf(row);
  }

  async insertCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.#stmts().insertCheckpoint.run(...checkpointValues(checkpoint));
  }

  async checkpoints(): Promise<readonly Checkpoint[]> {
    return this.#stmts().checkpoints.all().flatMap(checkpointsOf);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #headIn(s: Statements): ChainHead {
    const row = s.head.get();
    return row === undefined
      ? { size: 0, chainHash: ZERO_HASH }
      : { size: row[0], chainHash: row[1] };
  }

  #stmts(): Prepared {
    this.#open();
    if (this.#statements === undefined) throw new Error("audit backend: init() has not run");
    return this.#statements;
  }

  #open(): void {
    if (!this.#db.open) throw new Error("audit backend: the SQLite database is closed");
  }
}
