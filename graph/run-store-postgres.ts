import type pg from "pg";
import { openStorePool } from "./pg-pool.js";
import type { RunStatus } from "./run-status.js";
import {
  type ApprovalRow,
  type CountRunsQuery,
  LIST_RUNS_DEFAULT_LIMIT,
  type ListRunsQuery,
  type NewRun,
  type RunRecord,
  type RunStore,
  statusCountsOf,
  statusList,
  type TransitionPatch,
} from "./run-store.js";
import { approvalOf, type ApprovalRowSql, runOf, type RunRowSql } from "./run-store-sqlite.js";

/**
 * The run store on PostgreSQL: the same tables as SQLite in the connection's current schema
 * (`search_path`). Compare-and-set is one `UPDATE … WHERE status = ANY(…)`: at READ COMMITTED the
 * second of two concurrent updates re-checks the predicate on the row the first committed, so only
 * one of them changes it.
 */

const SCHEMA = `
create table if not exists runs (
  run_id            text primary key,
  portfolio_id      text not null,
  requested_by_id   text not null,
  requested_by_kind text not null,
  status            text not null,
  as_of             text not null,
  proposal_hash     text,
  created_at        text not null,
  expires_at        text,
  updated_at        text not null,
  summary           text not null
);
create index if not exists runs_status on runs (status, created_at, run_id);
create index if not exists runs_portfolio on runs (portfolio_id, created_at, run_id);
-- The firm-wide proposals-per-window count (RATE_LIMIT) reads runs by creation time alone.
create index if not exists runs_created on runs (created_at, run_id);
create table if not exists approvals (
  seq              bigint generated always as identity primary key,
  run_id           text not null references runs (run_id),
  actor_id         text not null,
  action           text not null,
  proposal_hash    text not null,
  reason           text,
  acknowledgements text not null,
  at               text not null,
  unique (run_id, actor_id, proposal_hash)
);
`;

class PostgresRunStore implements RunStore {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(run: NewRun): Promise<void> {
    await this.#pool.query(
      `insert into runs (run_id, portfolio_id, requested_by_id, requested_by_kind, status, as_of,
         proposal_hash, created_at, expires_at, updated_at, summary)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        run.runId,
        run.portfolioId,
        run.requestedBy.id,
        run.requestedBy.kind,
        run.status,
        run.asOf,
        run.proposalHash,
        run.createdAt,
        run.expiresAt,
        run.createdAt,
        JSON.stringify(run.summary),
      ],
    );
  }

  async get(runId: string): Promise<RunRecord | null> {
    const result = await this.#pool.query<RunRowSql>("select * from runs where run_id = $1", [
      runId,
    ]);
    const row = result.rows[0];
    return row === undefined ? null : runOf(row);
  }

  async transition(
    runId: string,
    from: readonly RunStatus[],
    to: RunStatus,
    patch: TransitionPatch,
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const values: (string | null | readonly string[])[] = [to, patch.at];
    const sets = ["status = $1", "updated_at = $2"];
    const add = (column: string, value: string | null): void => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (patch.proposalHash !== undefined) add("proposal_hash", patch.proposalHash);
    if (patch.expiresAt !== undefined) add("expires_at", patch.expiresAt);
    if (patch.summary !== undefined) add("summary", JSON.stringify(patch.summary));
    values.push(runId, from);
    const result = await this.#pool.query(
      `update runs set ${sets.join(", ")} where run_id = $${values.length - 1} and status = any($${values.length})`,
      values,
    );
    return result.rowCount === 1;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<readonly RunRecord[]> {
    const where: string[] = [];
    const values: (string | number | readonly string[])[] = [];
    const statuses = statusList(query.status);
    if (statuses.length > 0) {
      values.push(statuses);
      where.push(`status = any($${values.length})`);
    }
    if (query.portfolioId !== undefined) {
      values.push(query.portfolioId);
      where.push(`portfolio_id = $${values.length}`);
    }
    values.push(query.limit ?? LIST_RUNS_DEFAULT_LIMIT);
    const clause = where.length === 0 ? "" : `where ${where.join(" and ")}`;
    const result = await this.#pool.query<RunRowSql>(
      `select * from runs ${clause} order by created_at, run_id limit $${values.length}`,
      values,
    );
    return result.rows.map(runOf);
  }

  async countRuns(query: CountRunsQuery): Promise<number> {
    const values: string[] = [query.since];
    const where = ["created_at >= $1"];
    if (query.portfolioId !== undefined) {
      values.push(query.portfolioId);
      where.push(`portfolio_id = $${values.length}`);
    }
    if (query.excludeRunId !== undefined) {
      values.push(query.excludeRunId);
      where.push(`run_id <> $${values.length}`);
    }
    const result = await this.#pool.query<{ n: string }>(
      `select count(*) as n from runs where ${where.join(" and ")}`,
      values,
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async statusCounts(): Promise<Readonly<Record<RunStatus, number>>> {
    const result = await this.#pool.query<{ status: string; n: string }>(
      "select status, count(*) as n from runs group by status",
    );
    return statusCountsOf(result.rows);
  }

  async addApproval(approval: ApprovalRow): Promise<boolean> {
    const result = await this.#pool.query(
      `insert into approvals (run_id, actor_id, action, proposal_hash, reason, acknowledgements, at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (run_id, actor_id, proposal_hash) do nothing`,
      [
        approval.runId,
        approval.actorId,
        approval.action,
        approval.proposalHash,
        approval.reason,
        JSON.stringify(approval.acknowledgements),
        approval.at,
      ],
    );
    return result.rowCount === 1;
  }

  async approvals(runId: string): Promise<readonly ApprovalRow[]> {
    const result = await this.#pool.query<ApprovalRowSql>(
      `select run_id, actor_id, action, proposal_hash, reason, acknowledgements, at
       from approvals where run_id = $1 order by seq`,
      [runId],
    );
    return result.rows.map(approvalOf);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * Opens the PostgreSQL run store (tables created if absent, under an advisory lock so processes
 * starting together do not race on the catalog).
 *
 * @example
 * const runs = await openPostgresRunStore({ connectionString: config.databaseUrl });
 */
export async function openPostgresRunStore(options: {
  readonly connectionString: string;
  readonly maxConnections?: number;
}): Promise<RunStore> {
  const pool = await openStorePool(options, "steward.runs", SCHEMA);
  return new PostgresRunStore(pool);
}
