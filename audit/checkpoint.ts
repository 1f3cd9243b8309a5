import { z } from "zod";
import { canonicalJson } from "./canonical.js";
import { AuditError } from "./errors.js";
import { sha256Hex } from "./hash.js";
import type { Checkpoint } from "./types.js";

/**
 * The signed body of a checkpoint and its hash. The signature covers the RFC 8785 canonical JSON
 * of every field except `signature` itself:
 *   {chainHead, keyId, merkleRoot, previous, reason, size, time}   (keys in canonical order)
 * and `previous` of the next checkpoint is the hex SHA-256 of that same body.
 */

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");
const isoMillis = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, "ISO 8601 UTC with milliseconds");

/** A checkpoint reason: interval, on-demand, export, run-at-rest:<status>, … */
export const CHECKPOINT_REASON = /^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$/;

export const checkpointSchema = z
  .object({
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    chainHead: hex64,
    merkleRoot: hex64,
    time: isoMillis,
    previous: hex64.nullable(),
    reason: z.string().max(200).regex(CHECKPOINT_REASON),
    keyId: hex64,
    signature: z.string().min(1).max(200),
  })
  .strict();

/**
 * Validates an unknown value (a parsed file, a database row) as a Checkpoint. Throws an
 * AuditError (CHECKPOINT_FILE) naming `where` and the first bad field.
 *
 * @example
 * parseCheckpoint(JSON.parse(text), "checkpoints/checkpoint-….json");
 */
export function parseCheckpoint(value: unknown, where: string): Checkpoint {
  const result = checkpointSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue === undefined ? "" : issue.path.map(String).join(".");
    throw new AuditError(
      "CHECKPOINT_FILE",
      `not a checkpoint: ${field} ${issue?.message ?? ""}`.trim(),
      where,
    );
  }
  return result.data;
}

const CHECKPOINT_FIELDS = [
  "size",
  "chainHead",
  "merkleRoot",
  "time",
  "previous",
  "reason",
  "keyId",
  "signature",
];
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The first field at fault in a would-be checkpoint (an unknown field's name, or "" when it is
 * not an object), or null when it is well-formed. The same rules as checkpointSchema, checked in
 * a fixed order so that the offline verifier, which repeats them, names the same field.
 *
 * @example
 * checkpointProblem({ ...checkpoint, size: -1 }); // "size"
 */
export function checkpointProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "";
  const cp = value as Record<string, unknown>;
  const extra = Object.keys(cp).find((key) => !CHECKPOINT_FIELDS.includes(key));
  if (extra !== undefined) return extra;
  const hex = (v: unknown): boolean => typeof v === "string" && HEX64.test(v);
  if (typeof cp.size !== "number" || !Number.isSafeInteger(cp.size) || cp.size < 0) return "size";
  if (!hex(cp.chainHead)) return "chainHead";
  if (!hex(cp.merkleRoot)) return "merkleRoot";
  if (typeof cp.time !== "string" || !ISO_MILLIS.test(cp.time)) return "time";
  if (cp.previous !== null && !hex(cp.previous)) return "previous";
  if (typeof cp.reason !== "string" || cp.reason.length > 200 || !CHECKPOINT_REASON.test(cp.reason))
    return "reason";
  if (!hex(cp.keyId)) return "keyId";
  if (typeof cp.signature !== "string" || cp.signature.length < 1 || cp.signature.length > 200)
    return "signature";
  return null;
}

/**
 * The canonical JSON text that is signed: every checkpoint field except `signature`.
 *
 * @example
 * checkpointBody(cp); // '{"chainHead":"…","keyId":"…","merkleRoot":"…","previous":null,"reason":"on-demand","size":3,"time":"…"}'
 */
export function checkpointBody(checkpoint: Omit<Checkpoint, "signature">): string {
  return canonicalJson({
    size: checkpoint.size,
    chainHead: checkpoint.chainHead,
    merkleRoot: checkpoint.merkleRoot,
    time: checkpoint.time,
    previous: checkpoint.previous,
    reason: checkpoint.reason,
    keyId: checkpoint.keyId,
  });
}

/**
 * Hex SHA-256 of the checkpoint's signed body: what the next checkpoint's `previous` holds.
 *
 * @example
 * next.previous === checkpointHash(prior); // true for consecutive checkpoints
 */
export function checkpointHash(checkpoint: Omit<Checkpoint, "signature">): string {
  return sha256Hex(checkpointBody(checkpoint));
}

/** Canonical JSON of the whole checkpoint, signature included: two copies agree iff these agree. */
export function checkpointText(checkpoint: Checkpoint): string {
  return canonicalJson({
    size: checkpoint.size,
    chainHead: checkpoint.chainHead,
    merkleRoot: checkpoint.merkleRoot,
    time: checkpoint.time,
    previous: checkpoint.previous,
    reason: checkpoint.reason,
    keyId: checkpoint.keyId,
    signature: checkpoint.signature,
  });
}

/** Ascending by size, then time, then body hash (a total order for sorting copies). */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  if (a.size !== b.size) return a.size - b.size;
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  const ha = checkpointText(a);
  const hb = checkpointText(b);
  return ha < hb ? -1 : ha > hb ? 1 : 0;
}
