import { createHash } from "node:crypto";
import pg from "pg";
import type { AuditBackend, BuildBatch, ChainHead, StoredEventRef } from "./backend.js";
import {
  CHECKPOINT_COLUMNS,
  type CheckpointRow,
  checkpointsOf,
  checkpointValues,
  EVENT_COLUMNS,
  type EventRow,
  type QueryFilter,
  recordOf,
  refOf,
  valuesOf,
  whereOf,
} from "./sql-rows.js";
import type { AuditRecord, Checkpoint } from "./types.js";

/** The NOLOGIN role `init()` creates with SELECT and INSERT only on the audit tables. */
export const AUDIT_WRITER_ROLE = "steward_audit_writer";

export interface PostgresAuditBackendOptions {
  /** e.g. `DATABASE_URL`; the tables live in the connection's current schema (`search_path`). */
  readonly connectionString?: string;
  /** An existing pool instead (the caller keeps ownership: `close()` does not end it). */
  readonly pool?: pg.Pool;
  /** Connections in the pool the backend creates (default 4). */
  readonly maxConnections?: number;
  /**
   * The NOLOGIN role `init()` creates when absent and grants SELECT, INSERT only on both tables
   * (UPDATE, DELETE, TRUNCATE revoked). Default {@link AUDIT_WRITER_ROLE}; null leaves roles and
   * grants to the database administrator.
   */
  readonly writerRole?: string | null;
  /**
   * When true, every session the backend uses after `init()` runs `SET ROLE <writerRole>`, so the
   * application's own connection cannot alter rows even if the triggers are gone. A session whose
   * SET ROLE fails is discarded and the operation fails (fail closed).
   */
  readonly appRole?: boolean;
}

const ZERO_HASH = "0".repeat(64);
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Tables, indexes and the append-only triggers. `canonical` is TEXT — never jsonb, which would
 * reorder keys and change the hashed bytes. `seq` is a plain bigint primary key (not serial: a
 * sequence leaves gaps on rollback, and a gap looks like a deletion); appends assign it under the
 * advisory lock. The trigger function refuses UPDATE and DELETE row by row and TRUNCATE per
 * statement, on both tables, whoever runs them.
 */
const SCHEMA = `
create table if not exists audit_events (
  seq             bigint primary key,
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
  id          bigint generated always as identity primary key,
  size        bigint not null,
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
create or replace function audit_refuse_change() returns trigger language plpgsql as $fn$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op
    using hint = 'corrections are new audit events, never edits';
end
$fn$;
create or replace trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_refuse_change();
create or replace trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_refuse_change();
create or replace trigger audit_checkpoints_append_only before update or delete on audit_checkpoints
  for each row execute function audit_refuse_change();
create or replace trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
  for each statement execute function audit_refuse_change();
`;

/** Role and grants: SELECT and INSERT only; `grant … to current_user` so SET ROLE is allowed. */
function roleSql(role: string, schema: string): string {
  return `
do $do$ begin
  if not exists (select 1 from pg_roles where rolname = '${role}') then
    begin
      create role ${role} nologin;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not pg_has_role(current_user, '${role}', 'member') then
    execute 'grant ${role} to ' || quote_ident(current_user);
  end if;
end $do$;
grant usage on schema ${schema} to ${role};
revoke all on audit_events, audit_checkpoints from ${role};
grant select, insert on audit_events, audit_checkpoints to ${role};`;
}

/**
 * A fixed 64-bit advisory-lock key for one schema's audit table: the first 8 bytes of
 * SHA-256("steward.audit:<schema>.<name>") as a signed integer (decimal string for `::bigint`).
 * @example advisoryKey("public", "audit_events") // the same key in every process
 */
export function advisoryKey(schema: string, name: string): string {
  const digest = createHash("sha256").update(`steward.audit:${schema}.${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * Opens the PostgreSQL audit backend (node-postgres pool). Each batch is one READ COMMITTED
 * transaction that takes `pg_advisory_xact_lock(<key of this schema's audit_events>)` before it
 * reads the head, so concurrent appenders — in this process or any other — queue and the chain
 * stays linear; `seq` is assigned under the lock. At REPEATABLE READ the head read after the lock
 * would come from a snapshot older than the previous holder's commit, so the level is explicit.
 *
 * @example const backend = openPostgresAuditBackend({ connectionString: config.databaseUrl });
 */
export function openPostgresAuditBackend(options: PostgresAuditBackendOptions): AuditBackend {
  const role = options.writerRole === undefined ? AUDIT_WRITER_ROLE : options.writerRole;
  if (role !== null && !IDENTIFIER.test(role)) {
    throw new Error(`audit backend: writerRole must be a lower-case SQL identifier, got "${role}"`);
  }
  if (options.appRole === true && role === null) {
    throw new Error("audit backend: appRole needs a writerRole");
  }
  if (options.pool === undefined && options.connectionString === undefined) {
    throw new Error("audit backend: give a connectionString or a pool");
  }
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4 });
  return new PostgresAuditBackend(pool, owned, role, options);
}

type HeadOrRefRow = [
  seq: string,
  chainHash: string | null,
  eventId: string | null,
  eventCanonical: string | null,
];

class PostgresAuditBackend implements AuditBackend {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  readonly #role: string | null;
  readonly #options: PostgresAuditBackendOptions;
  /** Sessions already switched to the writer role (pool clients are reused). */
  readonly #switched = new WeakSet<pg.PoolClient>();
  #lockKey: string | undefined;
  #closed = false;

  constructor(
    pool: pg.Pool,
    owned: boolean,
    role: string | null,
    options: PostgresAuditBackendOptions,
  ) {
    this.#pool = pool;
    this.#owned = owned;
    this.#role = role;
    this.#options = options;
  }

  async init(): Promise<void> {
    this.#open();
    if (this.#lockKey !== undefined) return;
    const client = await this.#pool.connect();
    try {
      await client.query("begin");
      const found = await client.query<[string | null]>({
        text: "select current_schema()",
        rowMode: "array",
      });
      const schema = found.rows[0]?.[0] ?? null;
      if (schema === null) throw new Error("audit backend: no current schema (check search_path)");
      if (!IDENTIFIER.test(schema))
        throw new Error(`audit backend: unsupported schema name "${schema}"`);
      // Serialise concurrent init() of the same schema: CREATE … IF NOT EXISTS and GRANT race on the catalog.
      await client.query(`select pg_advisory_xact_lock(${advisoryKey(schema, "schema")})`);
      await client.query(SCHEMA);
      if (this.#role !== null) await client.query(roleSql(this.#role, schema));
      await client.query("commit");
      this.#lockKey = advisoryKey(schema, "audit_events");
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async appendBatch(
    eventIds: readonly string[],
    build: BuildBatch,
  ): Promise<readonly AuditRecord[]> {
    const key = this.#key();
    return this.#session(async (client) => {
      // One simple-protocol round trip: the lock is taken inside the transaction before any read.
      await client.query(
        `begin isolation level read committed; select pg_advisory_xact_lock(${key})`,
      );
      try {
        // Read after the lock: at READ COMMITTED this statement's snapshot includes every earlier holder's commit.
        const rows = await client.query<HeadOrRefRow>({
          text:
            "select * from (select seq, chain_hash, null::text, null::text from audit_events order by seq desc limit 1) h " +
            "union all select seq, null, event_id, event_canonical from audit_events where event_id = any($1::text[])",
          values: [eventIds],
          rowMode: "array",
        });
        let head: ChainHead = { size: 0, chainHash: ZERO_HASH };
        const existing = new Map<string, StoredEventRef>();
        for (const [seq, chainHash, eventId, eventCanonical] of rows.rows) {
          if (chainHash !== null) head = { size: Number(seq), chainHash };
          else if (eventId !== null && eventCanonical !== null)
            existing.set(eventId, refOf(seq, eventId, eventCanonical));
        }
        const { records } = build(head, existing);
        if (records.length > 0) await this.#insert(client, records);
        await client.query("commit");
        return [...records];
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      }
    });
  }

  async head(): Promise<ChainHead> {
    this.#key();
    const rows = await this.#rows<[string, string]>(
      "select seq, chain_hash from audit_events order by seq desc limit 1",
      [],
    );
    const row = rows[0];
    return row === undefined
      ? { size: 0, chainHash: ZERO_HASH }
      : { size: Number(row[0]), chainHash: row[1] };
  }

  async readRange(fromSeq: number, toSeq: number): Promise<readonly AuditRecord[]> {
    this.#key();
    const rows = await this.#rows<EventRow>(
      `select ${EVENT_COLUMNS} from audit_events where seq between $1 and $2 order by seq`,
      [fromSeq, toSeq],
    );
    return rows.map(recordOf);
  }

  async query(
    query: QueryFilter,
    afterSeq: number,
    limit: number,
  ): Promise<readonly AuditRecord[]> {
    this.#key();
    const where = whereOf(query, afterSeq, (i) => `$${i}`);
    const rows = await this.#rows<EventRow>(
      `select ${EVENT_COLUMNS} from audit_events where ${where.sql} order by seq limit $${where.params.length + 1}`,
      [...where.params, limit],
    );
    return rows.map(recordOf);
  }

  async findByEventId(eventId: string): Promise<AuditRecord | null> {
    this.#key();
    const rows = await this.#rows<EventRow>(
      `select ${EVENT_COLUMNS} from audit_events where event_id = $1`,
      [eventId],
    );
    const row = rows[0];
    return row === undefined ? null : recordOf(row);
  }

  async insertCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.#key();
    await this.#session((client) =>
      client.query(
        `insert into audit_checkpoints (${CHECKPOINT_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        checkpointValues(checkpoint),
      ),
    );
  }

  async checkpoints(): Promise<readonly Checkpoint[]> {
    this.#key();
    const rows = await this.#rows<CheckpointRow>(
      `select ${CHECKPOINT_COLUMNS} from audit_checkpoints order by size, time, id`,
      [],
    );
    return rows.flatMap(checkpointsOf);
  }

  async recentCheckpoints(afterSize: number): Promise<readonly Checkpoint[]> {
    this.#key();
    const rows = await this.#rows<CheckpointRow>(
      `select ${CHECKPOINT_COLUMNS} from audit_checkpoints
        where size > $1 or size = (select max(size) from audit_checkpoints)
        order by size, time, id`,
      [afterSize],
    );
    return rows.flatMap(checkpointsOf);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#pool.end();
  }

  /** One multi-row INSERT: parallel arrays through `unnest`, one statement for any batch size. */
  async #insert(client: pg.PoolClient, records: readonly AuditRecord[]): Promise<void> {
    const columns: (string | number | null)[][] = Array.from(
      { length: 12 },
      () => new Array(records.length),
    );
    for (let i = 0; i < records.length; i++) {
      const values = valuesOf(records[i] as AuditRecord);
      for (let j = 0; j < 12; j++) (columns[j] as unknown[])[i] = values[j];
    }
    await client.query(
      `insert into audit_events (${EVENT_COLUMNS}) select * from unnest(` +
        "$1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], " +
        "$9::text[], $10::text[], $11::text[], $12::text[])",
      columns,
    );
  }

  async #rows<R extends unknown[]>(text: string, values: unknown[]): Promise<R[]> {
    const result = await this.#session((client) =>
      client.query<R>({ text, values, rowMode: "array" }),
    );
    return result.rows;
  }

  /** Runs `fn` on a pooled session, switched to the writer role first when `appRole` is set. */
  async #session<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#open();
    const client = await this.#pool.connect();
    if (this.#options.appRole === true && !this.#switched.has(client)) {
      try {
        await client.query(`set role ${this.#role ?? "none"}`);
        this.#switched.add(client);
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    }
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  #key(): string {
    this.#open();
    if (this.#lockKey === undefined) throw new Error("audit backend: init() has not run");
    return this.#lockKey;
  }

  #open(): void {
    if (this.#closed) throw new Error("audit backend: the PostgreSQL pool is closed");
  }
}
