import { canonicalJson, isIsoMillis, sha256Hex } from "../audit/index.js";
import { PortfolioSchema, type Portfolio } from "../governance/index.js";
import { invalidInput } from "../tools/index.js";

/**
 * The portfolio store: every saved version of every portfolio, immutable, one row per
 * (portfolioId, version). The body is kept as its RFC 8785 canonical JSON text and identified by
 * the hex SHA-256 of that text, so a version's hash can be recomputed from the stored bytes. A
 * new version is written only if no one else took that number first: the loser of a race gets
 * VERSION_CONFLICT, never a silent overwrite. One interface; SQLite and PostgreSQL implementations
 * pass the same contract suite (tests/portfolio-store.contract.test.ts).
 */

export interface PortfolioVersion {
  readonly portfolioId: string;
  /** 1 for the first save, then +1 per update. */
  readonly version: number;
  /** The owning desk (portfolio.desk), null when none. */
  readonly desk: string | null;
  /** Parsed with PortfolioSchema (defaults applied). */
  readonly portfolio: Portfolio;
  /** Hex SHA-256 of the RFC 8785 canonical JSON of `portfolio`. */
  readonly hash: string;
  /** ISO 8601 UTC with milliseconds. */
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface CreatePortfolioInput {
  readonly portfolio: Portfolio;
  readonly createdBy: string;
  /** ISO 8601 UTC with milliseconds. */
  readonly at: string;
}

export interface UpdatePortfolioInput extends CreatePortfolioInput {
  /** The version the writer read; the update is refused (VERSION_CONFLICT) when it is not the latest. */
  readonly expectedVersion?: number;
}

export interface ListPortfoliosQuery {
  /** The portfolios to include ("*" or omitted: all). */
  readonly ids?: "*" | readonly string[];
  /** At most this many (default and maximum {@link PORTFOLIO_LIST_MAX}). */
  readonly limit?: number;
  /** Only ids after this one (the last id of the previous page). */
  readonly after?: string;
}

export interface PortfolioStore {
  readonly kind: "sqlite" | "postgres";
  /** Writes version 1; throws PortfolioStoreError EXISTS when the id exists. */
  create(input: CreatePortfolioInput): Promise<PortfolioVersion>;
  /**
   * Writes version latest+1. PortfolioStoreError NOT_FOUND when there is no such id;
   * VERSION_CONFLICT when `expectedVersion` is given and is not the latest, or when a concurrent
   * writer took that version number first.
   */
  update(input: UpdatePortfolioInput): Promise<PortfolioVersion>;
  /** One version (the latest when `version` is omitted); null when there is none. */
  get(portfolioId: string, version?: number): Promise<PortfolioVersion | null>;
  /** The latest version of each portfolio, by id (bytewise order). */
  list(query?: ListPortfoliosQuery): Promise<readonly PortfolioVersion[]>;
  /** Every version of one portfolio, oldest first (empty when there is no such id). */
  versions(portfolioId: string): Promise<readonly PortfolioVersion[]>;
  close(): Promise<void>;
}

export const PORTFOLIO_LIST_MAX = 500;

export type PortfolioStoreErrorCode = "EXISTS" | "NOT_FOUND" | "VERSION_CONFLICT";

/**
 * A refused write, a closed union of codes the HTTP layer maps in one place: EXISTS and
 * VERSION_CONFLICT → 409, NOT_FOUND → 404.
 */
export class PortfolioStoreError extends Error {
  readonly code: PortfolioStoreErrorCode;
  readonly portfolioId: string;
  /** The latest version when the write was refused (null when there is none or it is unknown). */
  readonly latestVersion: number | null;

  constructor(
    code: PortfolioStoreErrorCode,
    portfolioId: string,
    message: string,
    latestVersion: number | null = null,
  ) {
    super(message);
    this.name = "PortfolioStoreError";
    this.code = code;
    this.portfolioId = portfolioId;
    this.latestVersion = latestVersion;
  }
}

/** True for a PortfolioStoreError (optionally with one of the codes). */
export function isPortfolioStoreError(
  error: unknown,
  ...codes: PortfolioStoreErrorCode[]
): error is PortfolioStoreError {
  return error instanceof PortfolioStoreError && (codes.length === 0 || codes.includes(error.code));
}

export function existsError(portfolioId: string): PortfolioStoreError {
  return new PortfolioStoreError(
    "EXISTS",
    portfolioId,
    `portfolio "${portfolioId}" already exists`,
  );
}

export function notFoundError(portfolioId: string): PortfolioStoreError {
  return new PortfolioStoreError("NOT_FOUND", portfolioId, `no portfolio "${portfolioId}"`);
}

export function conflictError(
  portfolioId: string,
  expected: number | undefined,
  latest: number | null,
): PortfolioStoreError {
  const what =
    expected === undefined
      ? "another writer saved a version first"
      : `expected version ${expected}, latest is ${latest ?? "unknown"}`;
  return new PortfolioStoreError(
    "VERSION_CONFLICT",
    portfolioId,
    `portfolio "${portfolioId}": ${what}`,
    latest,
  );
}

/** What a backend writes for one version. */
export interface VersionRow {
  readonly portfolio_id: string;
  readonly version: number;
  readonly desk: string | null;
  readonly body: string;
  readonly hash: string;
  readonly created_at: string;
  readonly created_by: string;
}

/**
 * Validates a write and prepares its row (version to be filled in): the portfolio re-parsed with
 * PortfolioSchema (so defaults are applied whoever calls), its canonical text and hash.
 */
export function prepareWrite(input: CreatePortfolioInput): Omit<VersionRow, "version"> {
  if (!isIsoMillis(input.at))
    throw invalidInput("at", "must be an ISO 8601 UTC time with milliseconds");
  if (input.createdBy.length === 0 || input.createdBy.length > 200)
    throw invalidInput("createdBy", "must be 1–200 characters");
  const portfolio = PortfolioSchema.parse(input.portfolio);
  const body = canonicalJson(portfolio, "portfolio");
  return {
    portfolio_id: portfolio.id,
    desk: portfolio.desk ?? null,
    body,
    hash: sha256Hex(body),
    created_at: input.at,
    created_by: input.createdBy,
  };
}

/** Checks `expectedVersion` (a positive integer when given). */
export function checkExpectedVersion(expected: number | undefined): void {
  if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 1))
    throw invalidInput("expectedVersion", "must be a positive integer");
}

/** True for a version number a row can have (anything else matches no row). */
export function isVersionNumber(version: number): boolean {
  return Number.isSafeInteger(version) && version >= 1 && version <= 2_147_483_647;
}

/** The page size a list query asks for: default and cap PORTFOLIO_LIST_MAX. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return PORTFOLIO_LIST_MAX;
  if (!(Number.isSafeInteger(limit) && limit >= 1))
    throw invalidInput("limit", "must be a positive integer");
  return Math.min(limit, PORTFOLIO_LIST_MAX);
}

/** Maps a stored row (either backend) to a PortfolioVersion; a body that does not parse is corruption. */
export function versionOf(row: VersionRow): PortfolioVersion {
  const parsed = PortfolioSchema.safeParse(JSON.parse(row.body));
  if (!parsed.success)
    throw new Error(
      `portfolio store: stored version ${row.version} of "${row.portfolio_id}" does not parse`,
    );
  return {
    portfolioId: row.portfolio_id,
    version: Number(row.version),
    desk: row.desk,
    portfolio: parsed.data,
    hash: row.hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}
