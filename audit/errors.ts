/**
 * Errors raised by the audit trail. A closed union of codes so that the CLI and the HTTP layer can
 * map them in one place. `field` names the input at fault (`events[2].actor.kind`, `limit`,
 * `cursor`, a file path, …) where there is one.
 */
export type AuditErrorCode =
  /** An event failed validation (shape, types, lengths, formats, non-JSON values). */
  | "INVALID_EVENT"
  /** An eventId already stored (or repeated in the batch) with different content. */
  | "EVENT_ID_CONFLICT"
  /** A query, cursor, limit, checkpoint reason or range argument is malformed. */
  | "INVALID_QUERY"
  /** A value cannot be represented as RFC 8785 canonical JSON. */
  | "NOT_JSON"
  /** The signing key is missing, unreadable, not Ed25519, or too widely readable. */
  | "SIGNING_KEY"
  /** A checkpoint file cannot be written, read or parsed. */
  | "CHECKPOINT_FILE"
  /** The stored records do not verify, so no checkpoint is signed over them. */
  | "CHAIN_BROKEN"
  /** A stored record is unreadable (its canonical bytes do not parse or do not match its seq). */
  | "CORRUPT_RECORD"
  /** An export directory cannot be written or read. */
  | "EXPORT";

export class AuditError extends Error {
  readonly code: AuditErrorCode;
  readonly field: string | undefined;
  /** The message without the field prefix. */
  readonly detail: string;

  constructor(
    code: AuditErrorCode,
    message: string,
    field?: string,
    options?: { cause?: unknown },
  ) {
    super(field === undefined ? message : `${field}: ${message}`, options);
    this.name = "AuditError";
    this.code = code;
    this.field = field;
    this.detail = message;
  }
}

export function isAuditError(error: unknown): error is AuditError {
  return error instanceof AuditError;
}
