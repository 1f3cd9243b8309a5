import type pg from "pg";
import { openStorePool } from "./pg-pool.js";
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

/**
 * The portfolio store on PostgreSQL: the same table as SQLite in the connection's current schema
 * (`search_path`). Ids compare bytewise (`collate "C"`), as in SQLite, so both list in the same
 * order. Two writers that both read version n and insert n+1 collide on the primary key: the
 * second gets a unique violation (23505), reported as VERSION_CONFLICT.
 */

const SCHEMA = `
create table if not exists portfolio_versions (
  portfolio_id text collate "C" not null,
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
  values ($1, $2, $3, $4, $5, $6, $7)`;

function insertValues(row: VersionRow): (string | number | null)[] {
  return [
    row.portfolio_id,
    row.version,
    row.desk,
    row.body,
    row.hash,
    row.created_at,
    row.created_by,
  ];
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === "23505";
}

class PostgresPortfolioStore implements PortfolioStore {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(input: CreatePortfolioInput): Promise<PortfolioVersion> {
    const row: VersionRow = { ...prepareWrite(input), version: 1 };
    try {
      await this.#pool.query(INSERT, insertValues(row));
    } catch (error) {
      if (isUniqueViolation(error)) throw existsError(row.portfolio_id);
      throw error;
    }
    return versionOf(row);
  }

  async update(input: UpdatePortfolioInput): Promise<PortfolioVersion> {
    checkExpectedVersion(input.expectedVersion);
    const prepared = prepareWrite(input);
    const id = prepared.portfolio_id;
    const result = await this.#pool.query<{ v: number | null }>(
      "select max(version) as v from portfolio_versions where portfolio_id = $1",
      [id],
    );
    const latest = result.rows[0]?.v ?? null;
    if (latest === null) throw notFoundError(id);
    if (input.expectedVersion !== undefined && input.expectedVersion !== latest)
      throw conflictError(id, input.expectedVersion, latest);
    const row: VersionRow = { ...prepared, version: latest + 1 };
    try {
      await this.#pool.query(INSERT, insertValues(row));
    } catch (error) {
      if (isUniqueViolation(error)) throw conflictError(id, input.expectedVersion, latest);
      throw error;
    }
    return versionOf(row);
  }

  async get(portfolioId: string, version?: number): Promise<PortfolioVersion | null> {
    if (version !== undefined && !isVersionNumber(version)) return null;
    const result =
      version === undefined
        ? await this.#pool.query<VersionRow>(
            "select * from portfolio_versions where portfolio_id = $1 order by version desc limit 1",
            [portfolioId],
          )
        : await this.#pool.query<VersionRow>(
            "select * from portfolio_versions where portfolio_id = $1 and version = $2",
            [portfolioId, version],
          );
    const row = result.rows[0];
    return row === undefined ? null : versionOf(row);
  }

  async list(query: ListPortfoliosQuery = {}): Promise<readonly PortfolioVersion[]> {
    const limit = listLimit(query.limit);
    const ids = query.ids ?? "*";
    if (ids !== "*" && ids.length === 0) return [];
    const where: string[] = [];
    const values: (string | number | readonly string[])[] = [];
    if (ids !== "*") {
      values.push(ids);
      where.push(`portfolio_id = any($${values.length})`);
    }
    if (query.after !== undefined) {
      values.push(query.after);
      where.push(`portfolio_id > $${values.length}`);
    }
    values.push(limit);
    const clause = where.length === 0 ? "" : `where ${where.join(" and ")}`;
    const result = await this.#pool.query<VersionRow>(
      `select distinct on (portfolio_id) * from portfolio_versions ${clause}
       order by portfolio_id, version desc limit $${values.length}`,
      values,
    );
    return result.rows.map(versionOf);
  }

  async versions(portfolioId: string): Promise<readonly PortfolioVersion[]> {
    const result = await this.#pool.query<VersionRow>(
      "select * from portfolio_versions where portfolio_id = $1 order by version",
      [portfolioId],
    );
    return result.rows.map(versionOf);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * Opens the PostgreSQL portfolio store (table created if absent, under an advisory lock so
 * processes starting together do not race on the catalog).
 *
 * @example
 * const portfolios = await openPostgresPortfolioStore({ connectionString: config.databaseUrl });
 */
export async function openPostgresPortfolioStore(options: {
  readonly connectionString: string;
  readonly maxConnections?: number;
}): Promise<PortfolioStore> {
  const pool = await openStorePool(options, "steward.portfolios", SCHEMA);
  return new PostgresPortfolioStore(pool);
}
