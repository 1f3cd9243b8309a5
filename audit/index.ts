// The audit trail's public face: other folders import only from here.

export type {
  AppendResult,
  AuditActor,
  AuditEventInput,
  AuditOutcome,
  AuditPage,
  AuditQuery,
  AuditRecord,
  AuditSubject,
  Checkpoint,
  JsonValue,
  RecommendedBy,
  VerifyReport,
} from "./types.js";
export { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from "./types.js";
export type { AuditBackend, BuildBatch, ChainHead, StoredEventRef } from "./backend.js";
export { AuditError, isAuditError, type AuditErrorCode } from "./errors.js";

export {
  createAuditLog,
  DEFAULT_CHECKPOINT_EVERY,
  READ_BATCH,
  type AuditLogOptions,
  type AuditStore,
} from "./audit-log.js";
export { createMemoryBackend, MemoryAuditBackend } from "./memory-backend.js";

export { verifyAuditTrail, RecordVerifier, type VerifyInput } from "./verify.js";
export {
  EXPORT_FILES,
  exportAudit,
  OFFLINE_VERIFIER_PATH,
  verifyExport,
  type ExportSummary,
} from "./export.js";

export {
  createSigner,
  loadOrCreateSigningKey,
  parsePublicKeys,
  PUBLIC_KEY_FILE,
  publicKeyId,
  SIGNING_KEY_FILE,
  verifySignature,
  type LoadedSigningKey,
  type PublicKeyInfo,
  type Signer,
} from "./signing.js";

export {
  checkpointBody,
  checkpointHash,
  checkpointProblem,
  checkpointSchema,
  checkpointText,
  CHECKPOINT_REASON,
  compareCheckpoints,
  parseCheckpoint,
} from "./checkpoint.js";
export {
  checkpointFileName,
  readCheckpointFiles,
  readCheckpointFilesLenient,
  writeCheckpointFile,
  type CheckpointFilesRead,
} from "./checkpoint-files.js";

export {
  auditEventSchema,
  decodeCursor,
  encodeCursor,
  EVENT_ID_MAX,
  EVENT_TYPE,
  isIsoMillis,
  normaliseQuery,
  prepareEvent,
  type NormalisedQuery,
  type PreparedEvent,
} from "./event-schema.js";
export { eventCanonicalOf, recordCanonical } from "./record.js";
export {
  assertJsonValue,
  canonicalizeParsed,
  canonicalJson,
  CANONICAL_MAX_DEPTH,
  isCanonicalJson,
  isCanonicalParsed,
  jsonEqual,
} from "./canonical.js";
export {
  chainHashHex,
  HashChain,
  isHashHex,
  leafHash,
  leafHashHex,
  nodeHash,
  sha256Hex,
  ZERO_HASH_HEX,
} from "./hash.js";
export {
  consistencyProof,
  EMPTY_ROOT_HEX,
  inclusionProof,
  MerkleAccumulator,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";

export {
  openSqliteAuditBackend,
  SQLITE_AUDIT_FILE,
  sqliteAuditPath,
  type SqliteAuditBackendOptions,
} from "./sqlite-backend.js";
export {
  advisoryKey,
  AUDIT_WRITER_ROLE,
  openPostgresAuditBackend,
  type PostgresAuditBackendOptions,
} from "./postgres-backend.js";
export { openAuditStore, type OpenAuditStoreOptions, type OpenedAuditStore } from "./open-store.js";
