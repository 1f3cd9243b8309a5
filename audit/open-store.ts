import path from "node:path";
import { createAuditLog, type AuditStore } from "./audit-log.js";
import type { AuditBackend } from "./backend.js";
import { openPostgresAuditBackend } from "./postgres-backend.js";
import { createSigner, loadOrCreateSigningKey, type Signer } from "./signing.js";
import { openSqliteAuditBackend, sqliteAuditPath } from "./sqlite-backend.js";

export interface OpenAuditStoreOptions {
  /** Steward's data directory (`STEWARD_DATA_DIR`): audit.db and keys/ live here. */
  readonly dataDir: string;
  /** PostgreSQL (`DATABASE_URL`) instead of SQLite; the tables go in its current schema. */
  readonly databaseUrl?: string;
  /** Where checkpoint files are written (`STEWARD_CHECKPOINT_DIR`); default `<dataDir>/checkpoints`. */
  readonly checkpointDir?: string;
  /** PKCS#8 PEM Ed25519 key (`STEWARD_AUDIT_SIGNING_KEY`); default a development key in `<dataDir>/keys`. */
  readonly signingKeyPem?: string;
  /** The store's clock (recordedAt, checkpoint time). */
  readonly clock: () => Date;
  /** A checkpoint every this many events (default: the audit log's, 1000). */
  readonly checkpointEvery?: number;
  /** Further trusted public keys (SPKI PEM), e.g. keys used before a rotation. */
  readonly trustedPublicKeys?: readonly string[];
  /** On PostgreSQL, run every session as the SELECT/INSERT-only writer role (default true). */
  readonly appRole?: boolean;
}

export interface OpenedAuditStore {
  readonly store: AuditStore;
  /** Where the records are: the SQLite file, or the PostgreSQL server (without credentials). */
  readonly location: string;
  readonly checkpointDir: string;
  /**
   * Set when this call generated the development signing key (first start): the caller prints
   * the public key once. Null when a key was configured or already existed.
   */
  readonly createdKey: { readonly publicKeyPem: string; readonly publicKeyPath: string } | null;
}

/** The server part of a connection string, for messages (no user, password or options). */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.host}${u.pathname}`;
  } catch {
    return "postgres";
  }
}

/**
 * Opens the audit store the configuration asks for: SQLite at `<dataDir>/audit.db` by default,
 * PostgreSQL when `databaseUrl` is given; tables, triggers (and on PostgreSQL the writer role)
 * created if absent; checkpoints signed with the configured key or the development key under
 * `<dataDir>/keys` (generated on first start — see `createdKey`).
 *
 * @example
 * const { store, createdKey } = await openAuditStore({ dataDir: config.dataDir, clock: () => new Date() });
 * if (createdKey !== null) console.error(`audit signing key created:\n${createdKey.publicKeyPem}`);
 */
export async function openAuditStore(options: OpenAuditStoreOptions): Promise<OpenedAuditStore> {
  let signer: Signer;
  let createdKey: OpenedAuditStore["createdKey"] = null;
  if (options.signingKeyPem !== undefined) {
    signer = createSigner(options.signingKeyPem);
  } else {
    const loaded = await loadOrCreateSigningKey(path.join(options.dataDir, "keys"));
    signer = loaded.signer;
    if (loaded.created)
      createdKey = { publicKeyPem: loaded.publicKeyPem, publicKeyPath: loaded.publicKeyPath };
  }
  const checkpointDir = options.checkpointDir ?? path.join(options.dataDir, "checkpoints");
  let backend: AuditBackend;
  let location: string;
  if (options.databaseUrl !== undefined) {
    backend = openPostgresAuditBackend({
      connectionString: options.databaseUrl,
      appRole: options.appRole ?? true,
    });
    location = describeUrl(options.databaseUrl);
  } else {
    location = sqliteAuditPath(options.dataDir);
    backend = openSqliteAuditBackend({ path: location });
  }
  try {
    await backend.init();
    const store = createAuditLog(backend, {
      signer,
      checkpointDir,
      clock: options.clock,
      ...(options.checkpointEvery === undefined
        ? {}
        : { checkpointEvery: options.checkpointEvery }),
      ...(options.trustedPublicKeys === undefined
        ? {}
        : { trustedPublicKeys: options.trustedPublicKeys }),
    });
    return { store, location, checkpointDir, createdKey };
  } catch (error) {
    await backend.close().catch(() => undefined);
    throw error;
  }
}
