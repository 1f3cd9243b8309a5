import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  checkExpectedVersion,
  conflictError,
  type CreatePortfolioInput,
  existsError,
  isVersionNumber,
  listLimit,
  type ListPortfoliosQuery,
  notFoundError,
  type PortfolioStore,
  type PortfolioVersion,
  prepareWrite,
  type UpdatePortfolioInput,
  versionOf,
  type VersionRow,
} from "./portfolio-store.js";

/** The portfolio database's file name inside the data directory. */
export const SQLITE_PORTFOLIOS_FILE = "portfolios.db";

const SCHEMA = `
create table if not exists portfolio_versions (
  portfolio_id text not null,
  version      integer not null,
  desk         text,
  body         text not null,
  hash         text not null,
  created_at   text not null,
  created_by   text not null,
  primary key (portfolio_id, version)
);
`;

const INSERT = `insert into portfolio_versions
  (portfolio_id, version, desk, body, hash, created_at, created_by)
  values (@portfolio_id, @version, @desk, @body, @hash, @created_at, @created_by)`;

function isPrimaryKeyViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

class SqlitePortfolioStore implements PortfolioStore {
  readonly kind = "sqlite" as const;
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async create(input: CreatePortfolioInput): Promise<PortfolioVersion> {
    const row: VersionRow = { ...prepareWrite(input), version: 1 };
    try {
      this.#db.prepare(INSERT).run(row);
    } catch (error) {
      if (isPrimaryKeyViolation(error)) throw existsError(row.portfolio_id);
      throw error;
    }
    return versionOf(row);
  }

  async update(input: UpdatePortfolioInput): Promise<PortfolioVersion> {
    checkExpectedVersion(input.expectedVersion);
    const prepared = prepareWrite(input);
    const id = prepared.portfolio_id;
    // BEGIN IMMEDIATE takes the write lock before reading the latest version, so another
    // process cannot insert between the read and the write.
    const write = this.#db.transaction((): VersionRow => {
      const latest = this.#latestVersion(id);
      if (latest === null) throw notFoundError(id);
      if (input.expectedVersion !== undefined && input.expectedVersion !== latest)
        throw conflictError(id, input.expectedVersion, latest);
      const row: VersionRow = { ...prepared, version: latest + 1 };
      try {
        this.#db.prepare(INSERT).run(row);
      } catch (error) {
        if (isPrimaryKeyViolation(error)) throw conflictError(id, input.expectedVersion, latest);
        throw error;
      }
      return row;
    });
    return versionOf(write.immediate());
  }

  #latestVersion(portfolioId: string): number | null {
    const row = this.#db
      .prepare("select max(version) as v from portfolio_versions where portfolio_id = ?")
      .get(portfolioId) as { v: number | null };
    return row.v;
  }

  async get(portfolioId: string, version?: number): Promise<PortfolioVersion | null> {
    if (version !== undefined && !isVersionNumber(version)) return null;
    const row = (
      version === undefined
        ? this.#db
            .prepare(
              "select * from portfolio_versions where portfolio_id = ? order by version desc limit 1",
            )
            .get(portfolioId)
        : this.#db
            .prepare("select * from portfolio_versions where portfolio_id = ? and version = ?")
            .get(portfolioId, version)
    ) as VersionRow | undefined;
    return row === undefined ? null : versionOf(row);
  }

  async list(query: ListPortfoliosQuery = {}): Promise<readonly PortfolioVersion[]> {
    const limit = listLimit(query.limit);
    const ids = query.ids ?? "*";
    if (ids !== "*" && ids.length === 0) return [];
    const where = [
      "v.version = (select max(w.version) from portfolio_versions w where w.portfolio_id = v.portfolio_id)",
    ];
    const values: (string | number)[] = [];
    if (ids !== "*") {
      where.push("v.portfolio_id in (select value from json_each(?))");
      values.push(JSON.stringify(ids));
    }
    if (query.after !== undefined) {
      where.push("v.portfolio_id > ?");
      values.push(query.after);
    }
    const rows = this.#db
      .prepare(
        `select v.* from portfolio_versions v where ${where.join(" and ")}
         order by v.portfolio_id limit ?`,
      )
      .all(...values, limit) as VersionRow[];
    return rows.map(versionOf);
  }

  async versions(portfolioId: string): Promise<readonly PortfolioVersion[]> {
    const rows = this.#db
      .prepare("select * from portfolio_versions where portfolio_id = ? order by version")
      .all(portfolioId) as VersionRow[];
    return rows.map(versionOf);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return;
  }
}

/**
 * Opens (creating when missing) the SQLite portfolio store at `file` (":memory:" for a private
 * one), in WAL mode so several processes can share it; writers wait up to 5 s for each other's lock.
 *
 * @example
 * const portfolios = openSqlitePortfolioStore(path.join(dataDir, SQLITE_PORTFOLIOS_FILE));
 */
export function openSqlitePortfolioStore(file: string): PortfolioStore {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqlitePortfolioStore(db);
}
