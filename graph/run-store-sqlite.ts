import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { JsonValue } from "../audit/index.js";
import type { RunStatus } from "./run-status.js";
import {
  type ApprovalRow,
  type CountRunsQuery,
  LIST_RUNS_DEFAULT_LIMIT,
  type ListRunsQuery,
  type NewRun,
  parseAcknowledgements,
  parseAction,
  parseRequesterKind,
  parseStatus,
  type RunRecord,
  type RunStore,
  statusCountsOf,
  statusList,
  type TransitionPatch,
} from "./run-store.js";

/** The run database's file name inside the data directory. */
export const SQLITE_RUNS_FILE = "runs.db";

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
  seq              integer primary key,
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

interface RunRowSql {
  run_id: string;
  portfolio_id: string;
  requested_by_id: string;
  requested_by_kind: string;
  status: string;
  as_of: string;
  proposal_hash: string | null;
  created_at: string;
  expires_at: string | null;
  updated_at: string;
  summary: string;
}

interface ApprovalRowSql {
  run_id: string;
  actor_id: string;
  action: string;
  proposal_hash: string;
  reason: string | null;
  acknowledgements: string;
  at: string;
}

/** Maps a stored row (either backend) to a RunRecord. */
export function runOf(row: RunRowSql): RunRecord {
  return {
    runId: row.run_id,
    portfolioId: row.portfolio_id,
    requestedBy: { id: row.requested_by_id, kind: parseRequesterKind(row.requested_by_kind) },
    status: parseStatus(row.status),
    asOf: row.as_of,
    proposalHash: row.proposal_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
    summary: JSON.parse(row.summary) as JsonValue,
  };
}

/** Maps a stored approval row (either backend) to an ApprovalRow. */
export function approvalOf(row: ApprovalRowSql): ApprovalRow {
  return {
    runId: row.run_id,
    actorId: row.actor_id,
    action: parseAction(row.action),
    proposalHash: row.proposal_hash,
    reason: row.reason,
    acknowledgements: parseAcknowledgements(row.acknowledgements),
    at: row.at,
  };
}

export type { RunRowSql, ApprovalRowSql };

class SqliteRunStore implements RunStore {
  readonly kind = "sqlite" as const;
  readonly #db: Database.Database;
  /**
   * Prepared statements by SQL text. The texts vary only with which optional filters and patch
   * fields a call uses, so there are a few dozen at most; preparing one costs more than running it.
   */
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async create(run: NewRun): Promise<void> {
    this.#prepare(
      `insert into runs (run_id, portfolio_id, requested_by_id, requested_by_kind, status, as_of,
           proposal_hash, created_at, expires_at, updated_at, summary)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
    );
    return;
  }

  async get(runId: string): Promise<RunRecord | null> {
    const row = this.#prepare("select * from runs where run_id = ?").get(runId) as
      RunRowSql | undefined;
    return row === undefined ? null : runOf(row);
  }

  async transition(
    runId: string,
    from: readonly RunStatus[],
    to: RunStatus,
    patch: TransitionPatch,
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const sets = ["status = ?", "updated_at = ?"];
    const values: (string | null)[] = [to, patch.at];
    if (patch.proposalHash !== undefined) {
      sets.push("proposal_hash = ?");
      values.push(patch.proposalHash);
    }
    if (patch.expiresAt !== undefined) {
      sets.push("expires_at = ?");
      values.push(patch.expiresAt);
    }
    if (patch.summary !== undefined) {
      sets.push("summary = ?");
      values.push(JSON.stringify(patch.summary));
    }
    const info = this.#prepare(
      `update runs set ${sets.join(", ")} where run_id = ? and status in (${from.map(() => "?").join(", ")})`,
    ).run(...values, runId, ...from);
    return info.changes === 1;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<readonly RunRecord[]> {
    const where: string[] = [];
    const values: (string | number)[] = [];
    const statuses = statusList(query.status);
    if (statuses.length > 0) {
      where.push(`status in (${statuses.map(() => "?").join(", ")})`);
      values.push(...statuses);
    }
    if (query.portfolioId !== undefined) {
      where.push("portfolio_id = ?");
      values.push(query.portfolioId);
    }
    const clause = where.length === 0 ? "" : `where ${where.join(" and ")}`;
    const rows = this.#prepare(
      `select * from runs ${clause} order by created_at, run_id limit ?`,
    ).all(...values, query.limit ?? LIST_RUNS_DEFAULT_LIMIT) as RunRowSql[];
    return rows.map(runOf);
  }

  async countRuns(query: CountRunsQuery): Promise<number> {
    const where = ["created_at >= ?"];
    const values: string[] = [query.since];
    if (query.portfolioId !== undefined) {
      where.push("portfolio_id = ?");
      values.push(query.portfolioId);
    }
    if (query.excludeRunId !== undefined) {
      where.push("run_id <> ?");
      values.push(query.excludeRunId);
    }
    const row = this.#prepare(`select count(*) as n from runs where ${where.join(" and ")}`).get(
      ...values,
    ) as { n: number };
    return row.n;
  }

  async statusCounts(): Promise<Readonly<Record<RunStatus, number>>> {
    const rows = this.#prepare("select status, count(*) as n from runs group by status").all() as {
      status: string;
      n: number;
    }[];
    return statusCountsOf(rows);
  }

  async addApproval(approval: ApprovalRow): Promise<boolean> {
    const info = this.#prepare(
      `insert into approvals (run_id, actor_id, action, proposal_hash, reason, acknowledgements, at)
         values (?, ?, ?, ?, ?, ?, ?) on conflict (run_id, actor_id, proposal_hash) do nothing`,
    ).run(
      approval.runId,
      approval.actorId,
      approval.action,
      approval.proposalHash,
      approval.reason,
      JSON.stringify(approval.acknowledgements),
      approval.at,
    );
    return info.changes === 1;
  }

  async approvals(runId: string): Promise<readonly ApprovalRow[]> {
    const rows = this.#prepare(
      "select run_id, actor_id, action, proposal_hash, reason, acknowledgements, at from approvals where run_id = ? order by seq",
    ).all(runId) as ApprovalRowSql[];
    return rows.map(approvalOf);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return;
  }
}

/**
 * Opens (creating when missing) the SQLite run store at `file` (":memory:" for a private one), in
 * WAL mode so several processes can share it; writers wait up to 5 s for each other's lock.
 *
 * @example
 * const runs = openSqliteRunStore(path.join(dataDir, SQLITE_RUNS_FILE));
 */
export function openSqliteRunStore(file: string): RunStore {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);
  return new SqliteRunStore(db);
}
