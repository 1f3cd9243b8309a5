/**
 * The audit trail's contract. Events are stored as RFC 8785 canonical JSON, verbatim, in a gapless
 * sequence; each record's leaf and chain hashes follow RFC 9162 (Certificate Transparency):
 *   leaf_i  = SHA-256(0x00 ‖ canonical bytes of record i)
 *   chain_i = SHA-256(0x01 ‖ chain_{i−1} ‖ leaf_i), chain_0 = 32 zero bytes
 * Signed checkpoints (Ed25519) over (size, chain head, Merkle root, time, previous checkpoint hash)
 * are kept both in the store and outside it, so truncation and full rewrites are caught.
 * GOVERNANCE.md §3 gives the reasons.
 */

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface AuditActor {
  readonly kind: "human" | "agent" | "system";
  readonly id: string;
  readonly role?: string;
}

/** Who recommended: the agent and the tool/model version behind a recommendation. */
export interface RecommendedBy {
  readonly agent: string;
  readonly model?: string;
  readonly version: string;
}

export interface AuditSubject {
  readonly portfolioId?: string;
  readonly runId?: string;
  readonly proposalVersion?: number;
}

export interface AuditOutcome {
  readonly status: "success" | "failure" | "denied" | "info";
  /** Machine-readable reason code, e.g. NOTIONAL_EXCEEDS_MAX_PER_ORDER. */
  readonly code?: string;
}

/** What a writer appends. `eventId` is deterministic where a graph node may re-run. */
export interface AuditEventInput {
  readonly eventId: string;
  /** Dotted type: run.started, data.quality_failed, proposal.created, check.failed, approval.granted, order.released, authz.denied, policy.changed, … */
  readonly type: string;
  /** When it happened (ISO 8601 UTC with milliseconds). */
  readonly occurredAt: string;
  readonly actor: AuditActor;
  readonly recommendedBy?: RecommendedBy;
  readonly subject?: AuditSubject;
  readonly outcome?: AuditOutcome;
  readonly reason?: string;
  /** Equal to the runId for run events. */
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly policyVersion?: string;
  readonly payload?: JsonValue;
}

/** One stored record: the event plus what the store assigned, and the hashes over it. */
export interface AuditRecord {
  /** 1-based, gapless. */
  readonly seq: number;
  /** When the store recorded it (ISO 8601 UTC, ms), from the store's injected clock. */
  readonly recordedAt: string;
  readonly event: AuditEventInput;
  /** RFC 8785 canonical JSON of `{ seq, recordedAt, event }`, exactly the bytes hashed. */
  readonly canonical: string;
  /** Hex SHA-256(0x00 ‖ canonical). */
  readonly leafHash: string;
  /** Hex SHA-256(0x01 ‖ previous chainHash ‖ leafHash). */
  readonly chainHash: string;
}

export interface AppendResult {
  readonly seq: number;
  readonly eventId: string;
  /** False when an event with this id and identical content was already stored (idempotent replay). */
  readonly created: boolean;
}

export interface Checkpoint {
  /** Number of records covered (the tree size). */
  readonly size: number;
  /** chainHash of record `size` (hex; 64 zeros for size 0). */
  readonly chainHead: string;
  /** RFC 9162 Merkle tree hash over leaves 1..size (hex). */
  readonly merkleRoot: string;
  /** ISO 8601 UTC. */
  readonly time: string;
  /** Hex SHA-256 of the previous checkpoint's canonical signed body, or null for the first. */
  readonly previous: string | null;
  /** Why it was written: interval, on-demand, run-at-rest:<status>. */
  readonly reason: string;
  /** Key id (hex SHA-256 of the raw public key). */
  readonly keyId: string;
  /** Base64 Ed25519 signature over the canonical JSON of every field above. */
  readonly signature: string;
}

export interface AuditQuery {
  readonly runId?: string;
  readonly portfolioId?: string;
  readonly actorId?: string;
  readonly type?: string;
  /** Inclusive ISO bounds on occurredAt. */
  readonly from?: string;
  readonly to?: string;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
  /** Page size; capped by the store (see AUDIT_PAGE_MAX). */
  readonly limit?: number;
}

export interface AuditPage {
  readonly items: readonly AuditRecord[];
  readonly nextCursor: string | null;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly size: number;
  /** The first record whose seq, leaf or chain does not verify (null when ok or when only a checkpoint is bad). */
  readonly firstBadSeq: number | null;
  readonly reason: string | null;
  readonly latestCheckpoint: Checkpoint | null;
  readonly checkpointsVerified: number;
}

export const AUDIT_PAGE_MAX = 500;
export const AUDIT_PAGE_DEFAULT = 100;
