import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { createAuditLog, type AuditStore } from "../audit/audit-log.js";
import type { AuditBackend } from "../audit/backend.js";
import { openPostgresAuditBackend } from "../audit/postgres-backend.js";
import { createSigner, type Signer } from "../audit/signing.js";
import { openSqliteAuditBackend } from "../audit/sqlite-backend.js";
import type { AuditEventInput } from "../audit/types.js";
import { createTestSchema } from "./pg.js";

/**
 * Fixtures for the SQL audit backends' tests (tamper, property, concurrency, CLI): stores over a
 * temp SQLite file or a fresh PostgreSQL schema, a fixed signing key, a stepping clock, sample
 * events, and an "attacker" with raw database access. The attacker's hashing is written here
 * from the RFC 9162 definitions with node:crypto, independently of audit/hash.ts.
 */

export type Dialect = "sqlite" | "postgres";

/** A fresh Ed25519 key pair as PEM (the test's signing key, or an attacker's). */
export function newKeyPem(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** A clock that advances one second per reading from `start`. */
export function steppingClock(start = "2024-01-02T10:00:00.000Z"): () => Date {
  let t = Date.parse(start);
  return () => {
    const now = new Date(t);
    t += 1000;
    return now;
  };
}

/** A realistic event (≈ 400 bytes of canonical JSON) with a recognisable payload note. */
export function sampleEvent(i: number, prefix = "e"): AuditEventInput {
  const run = `run-${Math.floor(i / 10)}`;
  return {
    eventId: `${prefix}-${i}`,
    type: i % 3 === 0 ? "proposal.created" : i % 3 === 1 ? "check.failed" : "approval.granted",
    occurredAt: new Date(Date.UTC(2024, 0, 2, 9, 0, 0, 0) + i * 1000).toISOString(),
    actor: {
      kind: i % 2 === 0 ? "agent" : "human",
      id: i % 2 === 0 ? "rebalancer" : "alice",
      role: "pm",
    },
    recommendedBy: { agent: "rebalancer", model: "ensemble", version: "1.4.2" },
    subject: { portfolioId: `pf-${i % 4}`, runId: run, proposalVersion: 1 },
    outcome: { status: "success", code: "OK" },
    correlationId: run,
    policyVersion: "sha256:4b2f9c",
    payload: {
      note: `original note ${i}`,
      orders: [{ symbol: "AAPL", side: "BUY", qty: 10 + i, price: 187.25 }],
    },
  };
}

/** The raw row an attacker reads and writes. */
export interface RawRow {
  seq: number;
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  actor_id: string;
  run_id: string | null;
  portfolio_id: string | null;
  canonical: string;
  event_canonical: string;
  leaf_hash: string;
  chain_hash: string;
}

export const ROW_COLUMNS: readonly (keyof RawRow)[] = [
  "seq",
  "event_id",
  "type",
  "occurred_at",
  "recorded_at",
  "actor_id",
  "run_id",
  "portfolio_id",
  "canonical",
  "event_canonical",
  "leaf_hash",
  "chain_hash",
];

export interface RawCheckpoint {
  size: number;
  chain_head: string;
  merkle_root: string;
  time: string;
  previous: string | null;
  reason: string;
  key_id: string;
  signature: string;
  body: string;
}

/** Raw SQL access to the audit tables, as someone with the database's owner/superuser rights. */
export interface Attacker {
  readonly dialect: Dialect;
  /** Runs SQL with `?` placeholders (rewritten to $n on PostgreSQL). */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  dropTriggers(): Promise<void>;
  rows(): Promise<RawRow[]>;
  row(seq: number): Promise<RawRow>;
  /** Sets columns of the row at `seq`. */
  update(seq: number, set: Partial<RawRow>): Promise<void>;
  insert(row: RawRow): Promise<void>;
  checkpoints(): Promise<RawCheckpoint[]>;
  close(): Promise<void>;
}

function toPg(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

function sqliteAttacker(file: string): Attacker {
  const db = new Database(file);
  const a: Attacker = {
    dialect: "sqlite",
    exec: async (sql, params = []) => {
      if (params.length === 0) db.exec(sql);
      else db.prepare(sql).run(...params);
    },
    all: async <T>(sql: string, params: readonly unknown[] = []) =>
      db.prepare(sql).all(...params) as T[],
    dropTriggers: async () => {
      for (const t of [
        "audit_events_no_update",
        "audit_events_no_delete",
        "audit_checkpoints_no_update",
        "audit_checkpoints_no_delete",
      ]) {
        db.exec(`drop trigger if exists ${t}`);
      }
    },
    rows: () => a.all<RawRow>("select * from audit_events order by seq"),
    row: async (seq) => {
      const found = await a.all<RawRow>("select * from audit_events where seq = ?", [seq]);
      if (found[0] === undefined) throw new Error(`no row ${seq}`);
      return found[0];
    },
    update: async (seq, set) => {
      const keys = Object.keys(set) as (keyof RawRow)[];
      await a.exec(
        `update audit_events set ${keys.map((k) => `${k} = ?`).join(", ")} where seq = ?`,
        [...keys.map((k) => set[k]), seq],
      );
    },
    insert: async (row) => {
      await a.exec(
        `insert into audit_events (${ROW_COLUMNS.join(", ")}) values (${ROW_COLUMNS.map(() => "?").join(", ")})`,
        ROW_COLUMNS.map((k) => row[k]),
      );
    },
    checkpoints: () =>
      a.all<RawCheckpoint>(
        "select size, chain_head, merkle_root, time, previous, reason, key_id, signature, body from audit_checkpoints order by size, time",
      ),
    close: async () => {
      db.close();
    },
  };
  return a;
}

async function postgresAttacker(url: string): Promise<Attacker> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const a: Attacker = {
    dialect: "postgres",
    exec: async (sql, params = []) => {
      await client.query(toPg(sql), [...params]);
    },
    all: async <T>(sql: string, params: readonly unknown[] = []) => {
      const result = await client.query(toPg(sql), [...params]);
      return result.rows as T[];
    },
    dropTriggers: async () => {
      for (const [t, table] of [
        ["audit_events_append_only", "audit_events"],
        ["audit_events_no_truncate", "audit_events"],
        ["audit_checkpoints_append_only", "audit_checkpoints"],
        ["audit_checkpoints_no_truncate", "audit_checkpoints"],
      ]) {
        await client.query(`drop trigger if exists ${t} on ${table}`);
      }
    },
    rows: async () =>
      (await a.all<RawRow>("select * from audit_events order by seq")).map((r) => ({
        ...r,
        seq: Number(r.seq),
      })),
    row: async (seq) => {
      const found = await a.all<RawRow>("select * from audit_events where seq = ?", [seq]);
      if (found[0] === undefined) throw new Error(`no row ${seq}`);
      return { ...found[0], seq: Number(found[0].seq) };
    },
    update: async (seq, set) => {
      const keys = Object.keys(set) as (keyof RawRow)[];
      await a.exec(
        `update audit_events set ${keys.map((k) => `${k} = ?`).join(", ")} where seq = ?`,
        [...keys.map((k) => set[k]), seq],
      );
    },
    insert: async (row) => {
      await a.exec(
        `insert into audit_events (${ROW_COLUMNS.join(", ")}) values (${ROW_COLUMNS.map(() => "?").join(", ")})`,
        ROW_COLUMNS.map((k) => row[k]),
      );
    },
    checkpoints: async () =>
      (
        await a.all<RawCheckpoint>(
          "select size, chain_head, merkle_root, time, previous, reason, key_id, signature, body from audit_checkpoints order by size, time, id",
        )
      ).map((c) => ({ ...c, size: Number(c.size) })),
    close: async () => {
      await client.end();
    },
  };
  return a;
}

/** One store over fresh storage, plus the means to attack it and reopen it. */
export interface AuditFixture {
  readonly dialect: Dialect;
  readonly store: AuditStore;
  readonly signer: Signer;
  readonly checkpointDir: string;
  /** Scratch directory (checkpoints, SQLite file, exports); removed by cleanup. */
  readonly dir: string;
  /** A new backend over the same storage (not initialised). */
  newBackend(): AuditBackend;
  /** A new store over the same storage, same key and checkpoint directory. */
  reopen(): Promise<AuditStore>;
  attacker(): Promise<Attacker>;
  cleanup(): Promise<void>;
}

export interface FixtureOptions {
  readonly checkpointEvery?: number;
  readonly clock?: () => Date;
  /** PostgreSQL only: run the store's sessions as the SELECT/INSERT-only writer role (default true). */
  readonly appRole?: boolean;
}

const testKey = newKeyPem();

/** A store over a fresh SQLite file or PostgreSQL schema, signed with the suite's key. */
export async function openFixture(
  dialect: Dialect,
  options: FixtureOptions = {},
): Promise<AuditFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), `steward-audit-${dialect}-`));
  const checkpointDir = path.join(dir, "checkpoints");
  const signer = createSigner(testKey.privateKeyPem);
  const clock = options.clock ?? steppingClock();
  const schema = dialect === "postgres" ? await createTestSchema("audit_db") : null;
  const file = path.join(dir, "audit.db");
  const newBackend = (): AuditBackend =>
    schema === null
      ? openSqliteAuditBackend({ path: file })
      : openPostgresAuditBackend({
          connectionString: schema.url,
          appRole: options.appRole ?? true,
        });
  const open = async (): Promise<AuditStore> => {
    const backend = newBackend();
    await backend.init();
    return createAuditLog(backend, {
      signer,
      checkpointDir,
      clock,
      ...(options.checkpointEvery === undefined
        ? {}
        : { checkpointEvery: options.checkpointEvery }),
    });
  };
  const store = await open();
  const opened: AuditStore[] = [store];
  return {
    dialect,
    store,
    signer,
    checkpointDir,
    dir,
    newBackend,
    reopen: async () => {
      const s = await open();
      opened.push(s);
      return s;
    },
    attacker: async () => (schema === null ? sqliteAttacker(file) : postgresAttacker(schema.url)),
    cleanup: async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      if (schema !== null) await schema.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** RFC 9162 leaf hash, hex: SHA-256(0x00 ‖ UTF-8 text). */
export function leafHex(canonical: string): string {
  return createHash("sha256")
    .update(Buffer.from([0]))
    .update(canonical, "utf8")
    .digest("hex");
}

/** Chain step, hex: SHA-256(0x01 ‖ previous ‖ leaf). */
export function chainHex(previousHex: string, leafHexValue: string): string {
  return createHash("sha256")
    .update(Buffer.from([1]))
    .update(Buffer.from(previousHex, "hex"))
    .update(Buffer.from(leafHexValue, "hex"))
    .digest("hex");
}

export const ZERO64 = "0".repeat(64);

/**
 * The attacker's "recompute everything from `fromSeq`": every row's leaf from its (possibly
 * edited) canonical text and the chain onward, written back.
 */
export async function recomputeHashes(attacker: Attacker, fromSeq: number): Promise<void> {
  const rows = await attacker.rows();
  let previous = ZERO64;
  for (const row of rows) {
    if (row.seq >= fromSeq) {
      const leaf = leafHex(row.canonical);
      const chain = chainHex(previous, leaf);
      if (leaf !== row.leaf_hash || chain !== row.chain_hash)
        await attacker.update(row.seq, { leaf_hash: leaf, chain_hash: chain });
      previous = chain;
    } else previous = row.chain_hash;
  }
}

/** Appends events 1..n one batch at a time (`batch` per append). */
export async function appendSamples(
  store: AuditStore,
  n: number,
  batch = 1,
  prefix = "e",
): Promise<void> {
  for (let i = 1; i <= n; i += batch) {
    const events: AuditEventInput[] = [];
    for (let j = i; j < Math.min(n + 1, i + batch); j++) events.push(sampleEvent(j, prefix));
    await store.append(events);
  }
}
