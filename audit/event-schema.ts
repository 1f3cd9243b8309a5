import { z } from "zod";
import { canonicalJson } from "./canonical.js";
import { AuditError } from "./errors.js";
import {
  AUDIT_PAGE_DEFAULT,
  AUDIT_PAGE_MAX,
  type AuditEventInput,
  type AuditQuery,
} from "./types.js";

/**
 * Validation of what writers append and readers ask for. Events are strict: an unknown field at
 * any level is refused (nothing unvetted reaches the permanent record); timestamps are exactly
 * the form Date.prototype.toISOString() produces (UTC, milliseconds), so text order is time order.
 */

/** Dotted lowercase event type: run.started, data.quality_failed, approval.granted, … */
export const EVENT_TYPE = /^[a-z]+(\.[a-z_]+)+$/;
export const EVENT_ID_MAX = 200;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for a real instant written exactly as toISOString() writes it (UTC, milliseconds). */
export function isIsoMillis(value: string): boolean {
  if (!ISO_MILLIS.test(value)) return false;
  const time = Date.parse(value);
  return Number.isFinite(time) && new Date(time).toISOString() === value;
}

const text = (max: number) =>
  z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
const isoMillis = z
  .string()
  .refine(
    isIsoMillis,
    "must be an ISO 8601 UTC time with milliseconds, e.g. 2024-01-02T10:00:00.000Z",
  );

export const auditEventSchema = z.strictObject({
  eventId: text(EVENT_ID_MAX),
  type: z
    .string()
    .max(100, "must be at most 100 characters")
    .regex(EVENT_TYPE, "must be dotted lowercase, e.g. proposal.created"),
  occurredAt: isoMillis,
  actor: z.strictObject({
    kind: z.enum(["human", "agent", "system"]),
    id: text(200),
    role: text(100).optional(),
  }),
  recommendedBy: z
    .strictObject({
      agent: text(200),
      model: text(200).optional(),
      version: text(100),
    })
    .optional(),
  subject: z
    .strictObject({
      portfolioId: text(200).optional(),
      runId: text(200).optional(),
      proposalVersion: z.number().int().nonnegative().optional(),
    })
    .optional(),
  outcome: z
    .strictObject({
      status: z.enum(["success", "failure", "denied", "info"]),
      code: text(200).optional(),
    })
    .optional(),
  reason: z.string().max(10_000, "must be at most 10000 characters").optional(),
  correlationId: text(200).optional(),
  causationId: text(200).optional(),
  policyVersion: text(200).optional(),
  payload: z.unknown().optional(),
});

function fieldOf(base: string, path: readonly PropertyKey[]): string {
  let out = base;
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return out;
}

function zodFailure(
  code: "INVALID_EVENT" | "INVALID_QUERY",
  base: string,
  error: z.ZodError,
): AuditError {
  const issue = error.issues[0];
  if (issue === undefined) return new AuditError(code, "invalid", base);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return new AuditError(code, "unknown field", fieldOf(base, [...issue.path, key]));
  }
  return new AuditError(code, issue.message, fieldOf(base, issue.path));
}

/** A validated event and its RFC 8785 canonical JSON (what "same content" compares). */
export interface PreparedEvent {
  readonly event: AuditEventInput;
  readonly eventCanonical: string;
}

/**
 * Validates one event and canonicalises it. The returned event is re-read from its canonical
 * text, so it holds exactly what will be hashed (no undefined-valued keys, no extra prototype).
 * Throws an AuditError (INVALID_EVENT) naming the field, e.g. `events[2].actor.kind`.
 *
 * @example
 * prepareEvent({ eventId: "e1", type: "run.started", occurredAt: "2024-01-02T10:00:00.000Z",
 *   actor: { kind: "system", id: "scheduler" } }, "event").eventCanonical;
 * // '{"actor":{"id":"scheduler","kind":"system"},"eventId":"e1","occurredAt":"2024-01-02T10:00:00.000Z","type":"run.started"}'
 */
export function prepareEvent(input: unknown, field: string): PreparedEvent {
  const result = auditEventSchema.safeParse(input);
  if (!result.success) throw zodFailure("INVALID_EVENT", field, result.error);
  let eventCanonical: string;
  try {
    eventCanonical = canonicalJson(result.data, field);
  } catch (error) {
    if (error instanceof AuditError)
      throw new AuditError("INVALID_EVENT", error.detail, error.field);
    throw error;
  }
  return { event: JSON.parse(eventCanonical) as AuditEventInput, eventCanonical };
}

const ISO_INPUT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function normaliseTime(value: string, field: string): string {
  const time = ISO_INPUT.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new AuditError(
      "INVALID_QUERY",
      "must be an ISO 8601 date or date-time with a zone",
      field,
    );
  }
  return new Date(time).toISOString();
}

const querySchema = z.strictObject({
  runId: text(200).optional(),
  portfolioId: text(200).optional(),
  actorId: text(200).optional(),
  type: text(100).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  cursor: z.string().max(100, "is not a cursor").optional(),
  limit: z.unknown().optional(),
});

/** A query checked and normalised for a backend. */
export interface NormalisedQuery {
  readonly filter: Omit<AuditQuery, "cursor" | "limit">;
  readonly afterSeq: number;
  readonly limit: number;
}

/**
 * The opaque page cursor: base64url of "a" followed by the last seq of the page.
 *
 * @example
 * encodeCursor(100); // "YTEwMA"
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`a${seq}`, "utf8").toString("base64url");
}

/**
 * The seq a cursor continues after. Throws an AuditError (INVALID_QUERY, field `cursor`) for
 * anything encodeCursor did not produce.
 *
 * @example
 * decodeCursor("YTEwMA"); // 100
 */
export function decodeCursor(cursor: string): number {
  const raw = Buffer.from(cursor, "base64url");
  const textForm = raw.toString("utf8");
  const match = /^a(0|[1-9]\d{0,15})$/.exec(textForm);
  const seq = match === null ? Number.NaN : Number(match[1]);
  if (raw.toString("base64url") !== cursor || !Number.isSafeInteger(seq)) {
    throw new AuditError("INVALID_QUERY", "is not a cursor this store issued", "cursor");
  }
  return seq;
}

/**
 * Validates a query: strict fields; `limit` absent → AUDIT_PAGE_DEFAULT, above AUDIT_PAGE_MAX →
 * clamped to it, not a positive integer → error; `from`/`to` (inclusive bounds on occurredAt)
 * normalised to toISOString() form, a date alone meaning its UTC midnight; from after to → error.
 *
 * @example
 * normaliseQuery({ runId: "r1", limit: 10_000 }).limit; // 500
 */
export function normaliseQuery(query: AuditQuery = {}): NormalisedQuery {
  const result = querySchema.safeParse(query);
  if (!result.success) throw zodFailure("INVALID_QUERY", "query", result.error);
  const { cursor, limit, from, to, ...rest } = result.data;
  let pageSize = AUDIT_PAGE_DEFAULT;
  if (limit !== undefined) {
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit <= 0) {
      throw new AuditError("INVALID_QUERY", "must be a positive integer", "limit");
    }
    pageSize = Math.min(limit, AUDIT_PAGE_MAX);
  }
  const filter: { -readonly [K in keyof NormalisedQuery["filter"]]: NormalisedQuery["filter"][K] } =
    { ...rest };
  if (from !== undefined) filter.from = normaliseTime(from, "from");
  if (to !== undefined) filter.to = normaliseTime(to, "to");
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    throw new AuditError("INVALID_QUERY", "is after `to`", "from");
  }
  return { filter, afterSeq: cursor === undefined ? 0 : decodeCursor(cursor), limit: pageSize };
}
