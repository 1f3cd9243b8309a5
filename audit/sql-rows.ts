import type { StoredEventRef } from "./backend.js";
import { checkpointText } from "./checkpoint.js";
import {
  type EventColumns,
  eventCanonicalOf,
  markColumnsProblem,
  storedColumnsProblem,
} from "./record.js";
import type { AuditEventInput, AuditQuery, AuditRecord, Checkpoint } from "./types.js";

/**
 * What the SQL backends (SQLite, PostgreSQL) share: the row shape of `audit_events` and
 * `audit_checkpoints`, and the mapping between rows and records. No I/O here.
 *
 * `canonical` (the RFC 8785 bytes that were hashed) is stored verbatim and returned verbatim; the
 * other columns are copies kept for querying and idempotency. A record read back is built from the
 * columns as they are, and its query columns (event id, type, time, actor, run, portfolio and
 * `event_canonical`) are compared with its canonical bytes: a disagreement is noted on the record
 * for standard verification to report, and the event (from `event_canonical`) carries the columns
 * when they disagree with it, so deep verification and exports show the edit too.
 */

/** `audit_events`' columns in the order every SELECT returns them. */
export const EVENT_COLUMNS =
  "seq, event_id, type, occurred_at, recorded_at, actor_id, run_id, portfolio_id, canonical, event_canonical, leaf_hash, chain_hash";

/** One `audit_events` row, as selected in {@link EVENT_COLUMNS} order (SQLite/pg raw rows). */
export type EventRow = [
  seq: number | string,
  eventId: string,
  type: string,
  occurredAt: string,
  recordedAt: string,
  actorId: string,
  runId: string | null,
  portfolioId: string | null,
  canonical: string,
  eventCanonical: string,
  leafHash: string,
  chainHash: string,
];

/** The values one record inserts, in {@link EVENT_COLUMNS} order. */
export type EventValues = [
  seq: number,
  eventId: string,
  type: string,
  occurredAt: string,
  recordedAt: string,
  actorId: string,
  runId: string | null,
  portfolioId: string | null,
  canonical: string,
  eventCanonical: string,
  leafHash: string,
  chainHash: string,
];

/** The row a record is stored as (`event_canonical` is the event's slice of the canonical bytes). */
export function valuesOf(record: AuditRecord): EventValues {
  const e = record.event;
  return [
    record.seq,
    e.eventId,
    e.type,
    e.occurredAt,
    record.recordedAt,
    e.actor.id,
    e.subject?.runId ?? null,
    e.subject?.portfolioId ?? null,
    record.canonical,
    eventCanonicalOf(record.canonical),
    record.leafHash,
    record.chainHash,
  ];
}

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The stored event; text that is not a JSON object (only after tampering) becomes a marker event. */
function parseEvent(row: EventRow): Loose {
  try {
    const parsed: unknown = JSON.parse(row[9]);
    if (isObject(parsed)) return parsed;
  } catch {
    // fall through: an unreadable event is reported through the marker below
  }
  return { unreadableEventCanonical: row[9] };
}

/**
 * The stored event. When the row's indexed columns disagree with its `event_canonical` (only after
 * tampering: either copy may be the altered one), the event carries the columns' values under an
 * extra `storedColumnsDisagree` key, so it can equal no valid event and deep verification flags it.
 */
export function eventOf(row: EventRow): AuditEventInput {
  const event = parseEvent(row);
  const actor = isObject(event.actor) ? event.actor : {};
  const subject = isObject(event.subject) ? event.subject : {};
  if (
    event.eventId === row[1] &&
    event.type === row[2] &&
    event.occurredAt === row[3] &&
    actor.id === row[5] &&
    (subject.runId ?? null) === row[6] &&
    (subject.portfolioId ?? null) === row[7]
  ) {
    return event as unknown as AuditEventInput;
  }
  const columns = {
    eventId: row[1],
    type: row[2],
    occurredAt: row[3],
    actorId: row[5],
    runId: row[6],
    portfolioId: row[7],
  };
  return { ...event, storedColumnsDisagree: columns } as unknown as AuditEventInput;
}

/** The query columns of a row, as stored (what {@link storedColumnsProblem} compares). */
export function columnsOf(row: EventRow): EventColumns {
  return {
    eventId: row[1],
    type: row[2],
    occurredAt: row[3],
    actorId: row[5],
    runId: row[6],
    portfolioId: row[7],
    eventCanonical: row[9],
  };
}

/**
 * The record a row holds, exactly as stored. `event` is parsed on first read: standard
 * verification reads only the canonical bytes and hashes, and a million JSON parses would
 * dominate it. The row's query columns (event id, type, time, actor, run, portfolio and
 * `event_canonical`) are compared with its canonical bytes here (storedColumnsProblem: a fast
 * exact match, parsing only when that fails), and a disagreement is noted on the record
 * (markColumnsProblem), so standard verification reports a row whose `run_id`, say, was edited to
 * hide it from per-run queries.
 */
export function recordOf(row: EventRow): AuditRecord {
  let event: AuditEventInput | undefined;
  const record: AuditRecord = {
    seq: Number(row[0]),
    recordedAt: row[4],
    get event(): AuditEventInput {
      event ??= eventOf(row);
      return event;
    },
    canonical: row[8],
    leafHash: row[10],
    chainHash: row[11],
  };
  const problem = storedColumnsProblem(record, columnsOf(row));
  return problem === null ? record : markColumnsProblem(record, problem);
}

/** The idempotency view of a row. */
export function refOf(
  seq: number | string,
  eventId: string,
  eventCanonical: string,
): StoredEventRef {
  return { seq: Number(seq), eventId, eventCanonical };
}

/** `audit_checkpoints`' columns in the order every SELECT returns them. */
export const CHECKPOINT_COLUMNS =
  "size, chain_head, merkle_root, time, previous, reason, key_id, signature, body";

export type CheckpointRow = [
  size: number | string,
  chainHead: string,
  merkleRoot: string,
  time: string,
  previous: string | null,
  reason: string,
  keyId: string,
  signature: string,
  body: string,
];

/**
 * The row a checkpoint is stored as; `body` is the canonical JSON of the whole checkpoint, the
 * same text as its file copy.
 */
export function checkpointValues(
  checkpoint: Checkpoint,
): [number, string, string, string, string | null, string, string, string, string] {
  const c = checkpoint;
  return [
    c.size,
    c.chainHead,
    c.merkleRoot,
    c.time,
    c.previous,
    c.reason,
    c.keyId,
    c.signature,
    checkpointText(c),
  ];
}

/**
 * The checkpoints a row holds: the one its columns say and — when its `body` says something else
 * (only after tampering) — the body's version too, so verification sees two differing copies.
 */
export function checkpointsOf(row: CheckpointRow): Checkpoint[] {
  const columns: Checkpoint = {
    size: Number(row[0]),
    chainHead: row[1],
    merkleRoot: row[2],
    time: row[3],
    previous: row[4],
    reason: row[5],
    keyId: row[6],
    signature: row[7],
  };
  let same = false;
  try {
    same = checkpointText(columns) === row[8];
  } catch {
    // columns that are not JSON-representable: they differ from any body
  }
  if (same) return [columns];
  let body: unknown;
  try {
    body = JSON.parse(row[8]);
  } catch {
    body = { unreadableBody: row[8] };
  }
  return [columns, body as Checkpoint];
}

/** The filters of a query, each optional (cursor and limit are handled by the caller). */
export type QueryFilter = Omit<AuditQuery, "cursor" | "limit">;

/**
 * The WHERE clause of a filtered page and its parameters, with `placeholder(i)` producing the
 * i-th (1-based) parameter marker (`?` for SQLite, `$i` for PostgreSQL). Time bounds compare
 * `occurred_at` as text: ISO 8601 UTC timestamps of one format sort as they compare.
 */
export function whereOf(
  query: QueryFilter,
  afterSeq: number,
  placeholder: (i: number) => string,
): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string | number): void => {
    params.push(value);
    parts.push(clause.replace("?", placeholder(params.length)));
  };
  add("seq > ?", afterSeq);
  if (query.runId !== undefined) add("run_id = ?", query.runId);
  if (query.portfolioId !== undefined) add("portfolio_id = ?", query.portfolioId);
  if (query.actorId !== undefined) add("actor_id = ?", query.actorId);
  if (query.type !== undefined) add("type = ?", query.type);
  if (query.from !== undefined) add("occurred_at >= ?", query.from);
  if (query.to !== undefined) add("occurred_at <= ?", query.to);
  return { sql: parts.join(" and "), params };
}
