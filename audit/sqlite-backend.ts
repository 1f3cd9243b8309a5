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
import { columnSpans, eventColumnsMatch } from "./record.js";
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
  readonly byId: Database.Statement<[string], EventRow>;
  readonly insertCheckpoint: Database.Statement<CheckpointValues>;
  readonly checkpoints: Database.Statement<[], CheckpointRow>;
  readonly recentCheckpoints: Database.Statement<[number], CheckpointRow>;
}

interface Prepared extends Statements {
  readonly append: Database.Transaction<
    (ids: readonly string[], build: BuildBatch) => AuditRecord[]
  >;
}

type CheckpointValues = ReturnType<typeof checkpointValues>;

/**
 * The fast read of a range (verification's million records), as one text per row: seq, then the
 * hashed columns, the query columns, an `event_canonical` check and the canonical bytes, joined by
 * U+001F. Every column goes through ifnull (a NULL becomes U+001E, which no check accepts — except
 * for runId and portfolioId, where it reads as null, so a text of exactly U+001E there is sent to
 * the exact path by the type probe), so concat_ws never skips one and the row always has exactly
 * 11 separators before the canonical bytes — which hold none (canonical JSON has no raw control
 * characters) — so a value holding U+001F is caught by the count. `event_canonical` is checked in
 * SQL without materialising it: not a BLOB, found at character 10 of `canonical`, and the
 * byte-length difference returned for the caller to compare with 9 + the framing suffix —
 * together, byte equality with the event's slice of the canonical bytes. Hashed columns are
 * compared by their content (a BLOB reads as its bytes); their storage class matters to no query.
 */
function packedRange(typeCheck: string): string {
  const field = (c: string): string => `ifnull(${c}, char(30))`;
  return `select concat_ws(char(31), seq, ${field("recorded_at")}, ${field("leaf_hash")}, ${field("chain_hash")}, ${field("event_id")}, ${field("type")}, ${field("occurred_at")}, ${field("actor_id")}, ${field("run_id")}, ${field("portfolio_id")}, case when ${typeCheck}event_canonical < x'' and instr(canonical, event_canonical) = 10 then octet_length(canonical) - octet_length(event_canonical) else -1 end, ${field("canonical")}) from audit_events where seq between ? and ? order by seq`;
}

const QUERY_COLUMNS =
  "event_id, type, occurred_at, actor_id, ifnull(run_id, ''), ifnull(portfolio_id, '')";

/**
 * The rows of a range whose query columns are stored as anything but text (a BLOB or a number
 * would drop the row from `where run_id = ?` and the like, while reading back as the same
 * characters): two range probes per column over the column's own index (numbers sort below '',
 * BLOBs from x'' up), so an intact table costs a dozen index seeks per range, not a check per row.
 * `indexed by` makes the statement fail, rather than scan, when an index is missing; the caller
 * then checks types row by row (TYPED_CHECK).
 */
const TYPE_PROBE = (
  [
    ["event_id", "sqlite_autoindex_audit_events_1", false],
    ["type", "audit_events_type", false],
    ["occurred_at", "audit_events_occurred", false],
    ["actor_id", "audit_events_actor", false],
    ["run_id", "audit_events_run", true],
    ["portfolio_id", "audit_events_portfolio", true],
  ] as const
)
  .flatMap(([column, index, optional]) =>
    // An optional column holding U+001E alone would read as NULL in the packed row: probed too.
    ["< ''", ">= x''", ...(optional ? ["= char(30)"] : [])].map(
      (bound) =>
        `select seq from audit_events indexed by ${index} where ${column} ${bound} and seq between @from and @to`,
    ),
  )
  .join(" union all ");

/** The per-row type check used when the probe cannot run: every query column is text. */
const TYPED_CHECK = `min(${QUERY_COLUMNS}) >= '' and max(${QUERY_COLUMNS}) < x'' and ifnull(run_id, '') <> char(30) and ifnull(portfolio_id, '') <> char(30) and `;

interface FastRange {
  readonly packed: Database.Statement<[number, number], unknown>;
  readonly typedPacked: Database.Statement<[number, number], unknown>;
  readonly probe: Database.Statement<[{ from: number; to: number }], number> | null;
  readonly bySeq: Database.Statement<[number], EventRow>;
}

function prepareFastRange(db: Database.Database): FastRange {
  let probe: FastRange["probe"] = null;
  try {
    probe = db.prepare<[{ from: number; to: number }], number>(TYPE_PROBE).pluck(true);
  } catch {
    // An index is missing: fall back to the per-row type check.
  }
  return {
    packed: db.prepare<[number, number], unknown>(packedRange("")).pluck(true),
    typedPacked: db.prepare<[number, number], unknown>(packedRange(TYPED_CHECK)).pluck(true),
    probe,
    bySeq: db
      .prepare<[number], EventRow>(`select ${EVENT_COLUMNS} from audit_events where seq = ?`)
      .raw(true),
  };
}

const NO_SEQS: ReadonlySet<number> = new Set();
const SEPARATOR = "\u001f";
const NULL_MARK = 0x1e;
/** Start/end offsets of the 11 fields before the canonical bytes, then the canonical start. */
const PACKED_OFFSETS = 23;

/**
 * Splits a packed row in place: fills `fields` with the offsets of its 11 leading fields and the
 * start of the canonical bytes, and returns its seq — or −1 when the row is not as packed (a seq
 * that is not plain digits below 10^15, a missing field, or a separator inside the canonical
 * bytes: some value held U+001F).
 */
function splitPacked(text: string, fields: Int32Array): number {
  let start = 0;
  for (let k = 0; k < 11; k++) {
    const end = text.indexOf(SEPARATOR, start);
    if (end < 0) return -1;
    fields[2 * k] = start;
    fields[2 * k + 1] = end;
    start = end + 1;
  }
  fields[22] = start;
  if (text.indexOf(SEPARATOR, start) >= 0) return -1;
  const seqEnd = fields[1] as number;
  if (seqEnd < 1 || seqEnd > 15) return -1;
  let seq = 0;
  for (let i = 0; i < seqEnd; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    seq = seq * 10 + digit;
  }
  return seq;
}

/** A decimal integer field (possibly negative), or NaN. */
function integerField(text: string, from: number, to: number): number {
  let i = from;
  const negative = text.charCodeAt(i) === 0x2d;
  if (negative) i += 1;
  if (i >= to || to - i > 15) return Number.NaN;
  let value = 0;
  for (; i < to; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Fills spans[at], spans[at + 1] with field k's offsets; an optional column's NULL mark is start −1. */
function spanOf(
  text: string,
  fields: Int32Array,
  k: number,
  spans: Int32Array,
  at: number,
  optional: boolean,
): void {
  const from = fields[2 * k] as number;
  const to = fields[2 * k + 1] as number;
  spans[at] = optional && to === from + 1 && text.charCodeAt(from) === NULL_MARK ? -1 : from;
  spans[at + 1] = to;
}

/** True when field k is the NULL marker alone (a NULL column; a text of exactly U+001E also lands here). */
function isNullMark(text: string, fields: Int32Array, k: number): boolean {
  const from = fields[2 * k] as number;
  return (fields[2 * k + 1] as number) === from + 1 && text.charCodeAt(from) === NULL_MARK;
}

/**
 * The record a packed row holds, when every fast check passes: `event_canonical` equal to the
 * event's slice of the canonical bytes (the SQL check plus the byte lengths) and every query
 * column equal to what the canonical event says (eventColumnsMatch). The event's end is where this
 * row's framing suffix `,"recordedAt":"<recorded_at>","seq":<seq>}` begins; verification checks
 * that framing itself and fails the record when it does not hold, so the comparisons here only
 * matter for a correctly framed record. Null sends the row to the exact path.
 */
function packedRecord(
  text: string,
  seq: number,
  fields: Int32Array,
  spans: Int32Array,
  events: RangeEvents,
): AuditRecord | null {
  const canonicalStart = fields[22] as number;
  const recordedFrom = fields[2] as number;
  const recordedTo = fields[3] as number;
  // ,"recordedAt":" (15) + recorded_at + ","seq": (8) + digits + } (1)
  const suffix = 24 + (recordedTo - recordedFrom) + (fields[1] as number);
  const eventEnd = text.length - suffix;
  if (eventEnd < canonicalStart + 11) return null;
  // event_canonical: bytes(canonical) − bytes(event_canonical) = 9 + the (ASCII) framing suffix.
  if (integerField(text, fields[20] as number, fields[21] as number) !== 9 + suffix) return null;
  if (
    isNullMark(text, fields, 1) ||
    isNullMark(text, fields, 2) ||
    isNullMark(text, fields, 3) ||
    (text.length === canonicalStart + 1 && text.charCodeAt(canonicalStart) === NULL_MARK)
  )
    return null;
  spanOf(text, fields, 4, spans, 0, false);
  spanOf(text, fields, 5, spans, 2, false);
  spanOf(text, fields, 6, spans, 4, false);
  spanOf(text, fields, 7, spans, 6, false);
  spanOf(text, fields, 8, spans, 8, true);
  spanOf(text, fields, 9, spans, 10, true);
  if (!eventColumnsMatch(text, canonicalStart + 9, eventEnd, text, spans)) return null;
  return new PackedRecord(
    seq,
    text.slice(recordedFrom, recordedTo),
    text.slice(canonicalStart),
    text.slice(fields[4] as number, fields[5] as number),
    text.slice(fields[6] as number, fields[7] as number),
    events,
  );
}

/** The events of a range, loaded (every column, as stored) the first time one is asked for. */
class RangeEvents {
  #rows: Map<number, EventRow> | undefined;
  readonly #events = new Map<number, AuditEventInput>();
  readonly #load: () => EventRow[];

  constructor(load: () => EventRow[]) {
    this.#load = load;
  }

  eventAt(seq: number): AuditEventInput {
    let event = this.#events.get(seq);
    if (event === undefined) {
      this.#rows ??= new Map(this.#load().map((row) => [Number(row[0]), row]));
      const row = this.#rows.get(seq);
      if (row === undefined)
        throw new Error(`audit backend: the record at seq ${seq} can no longer be read`);
      event = eventOf(row);
      this.#events.set(seq, event);
    }
    return event;
  }
}

/**
 * A record of the fast read: plain own data fields and an own, enumerable `event` accessor (so it
 * compares, spreads and serialises like any record), defined from one shared descriptor — an
 * object literal with a getter would build a closure and an accessor pair per record.
 */
class PackedRecord implements AuditRecord {
  readonly seq: number;
  readonly recordedAt: string;
  declare readonly event: AuditEventInput;
  readonly canonical: string;
  readonly leafHash: string;
  readonly chainHash: string;
  readonly #events: RangeEvents;

  static readonly #event: PropertyDescriptor = {
    get(this: PackedRecord): AuditEventInput {
      return this.#events.eventAt(this.seq);
    },
    enumerable: true,
    configurable: true,
  };

  constructor(
    seq: number,
    recordedAt: string,
    canonical: string,
    leafHash: string,
    chainHash: string,
    events: RangeEvents,
  ) {
    this.seq = seq;
    this.recordedAt = recordedAt;
    Object.defineProperty(this, "event", PackedRecord.#event);
    this.canonical = canonical;
    this.leafHash = leafHash;
    this.chainHash = chainHash;
    this.#events = events;
  }
}

class SqliteAuditBackend implements AuditBackend {
  readonly kind = "sqlite" as const;
  readonly #db: Database.Database;
  #statements: Prepared | undefined;
  readonly #queries = new Map<string, Database.Statement<(string | number)[], EventRow>>();
  #fast: FastRange | undefined;

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
      recentCheckpoints: db
        .prepare<[number], CheckpointRow>(
          `select ${CHECKPOINT_COLUMNS} from audit_checkpoints
            where size > ? or size = (select max(size) from audit_checkpoints)
            order by size, time, rowid`,
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
   * Records fromSeq..toSeq, ascending, exactly as stored — read for speed, since verification
   * reads a million at a time (see PACKED_RANGE): one text per row packing the hashed columns, the
   * query columns and an in-SQL check of `event_canonical`, split without allocating, the query
   * columns compared with the canonical bytes in place (eventColumnsMatch), and only the fields a
   * record carries sliced out. Any row that does not pass every fast check — or whose query
   * columns a probe of their indexes finds stored as something other than text — is re-read whole
   * and built by recordOf, which compares its columns exactly and marks a disagreement for
   * verification to report. `event` is loaded on first access, for the whole range at once.
   */
  async readRange(fromSeq: number, toSeq: number): Promise<readonly AuditRecord[]> {
    const s = this.#stmts();
    const fast = (this.#fast ??= prepareFastRange(this.#db));
    let packed = fast.packed;
    let suspects: ReadonlySet<number> = NO_SEQS;
    if (fast.probe === null) packed = fast.typedPacked;
    else {
      try {
        const hits = fast.probe.all({ from: fromSeq, to: toSeq });
        if (hits.length > 0) suspects = new Set(hits);
      } catch {
        // An index was dropped since: check every row's column types in SQL instead.
        packed = fast.typedPacked;
      }
    }
    const rows = packed.all(fromSeq, toSeq);
    const events = new RangeEvents(() => s.range.all(fromSeq, toSeq));
    const fields = new Int32Array(PACKED_OFFSETS);
    const spans = columnSpans();
    const out = new Array<AuditRecord>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const text = rows[i];
      const seq = typeof text === "string" ? splitPacked(text, fields) : -1;
      let record: AuditRecord | null = null;
      if (seq >= 0 && !suspects.has(seq))
        record = packedRecord(text as string, seq, fields, spans, events);
      if (record === null) {
        // Only after tampering (or for an unusual but valid row): read the row as it is.
        const row = seq >= 0 ? fast.bySeq.get(seq) : undefined;
        if (row === undefined) return s.range.all(fromSeq, toSeq).map(recordOf);
        record = recordOf(row);
      }
      out[i] = record;
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

  async recentCheckpoints(afterSize: number): Promise<readonly Checkpoint[]> {
    return this.#stmts().recentCheckpoints.all(afterSize).flatMap(checkpointsOf);
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
