import path from "node:path";
import { z } from "zod";

/**
 * Steward's configuration: the only place that reads environment variables. `loadConfig(env)`
 * validates them with zod and returns a frozen object, or throws a {@link ConfigError} naming
 * the variable at fault. See `.env.example` for every variable.
 */
const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  STEWARD_DATA_DIR: z.string().min(1).default("./var"),
  LOG_LEVEL: z
    .enum(["silent", "error", "warn", "info", "http", "verbose", "debug"])
    .default("info"),
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  STEWARD_CHECKPOINT_DIR: z.string().min(1).optional(),
  STEWARD_AUDIT_SIGNING_KEY: z
    .string()
    .includes("BEGIN PRIVATE KEY", { message: "must be a PKCS#8 PEM Ed25519 private key" })
    .optional(),
  STEWARD_MARKET_DATA: z
    .string()
    .regex(/^(sample|simulated|yahoo|csv:.+)$/, "must be sample, simulated, yahoo or csv:<dir>")
    .default("sample"),
  STEWARD_USERS_FILE: z.string().min(1).optional(),
  STEWARD_POLICY_DIR: z.string().min(1).optional(),
  STEWARD_JWT_SECRET: z
    .string()
    .min(32, "must be at least 32 characters (HS256 needs a 256-bit secret)")
    .optional(),
  STEWARD_JWKS_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  STEWARD_JWT_ISSUER: z.string().min(1).default("steward"),
  STEWARD_JWT_AUDIENCE: z.string().min(1).default("steward-api"),
  STEWARD_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .default(600),
  STEWARD_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int("must be a whole number")
    .min(1024, "must be at least 1024")
    .max(67_108_864, "must be at most 67108864 (64 MiB)")
    .default(1_048_576),
  STEWARD_MAX_CONCURRENT_RUNS: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .default(4),
  STEWARD_BRIEFING_WORKERS: z
    .union([
      z.literal("auto"),
      z.coerce
        .number()
        .int("must be auto or a whole number")
        .min(0, "must be auto or 0..64")
        .max(64, "must be auto or 0..64"),
    ])
    .default("auto"),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute directory holding all of Steward's state (databases, checkpoints, caches). */
  readonly dataDir: string;
  readonly logLevel: z.infer<typeof ConfigSchema>["LOG_LEVEL"];
  readonly nodeEnv: z.infer<typeof ConfigSchema>["NODE_ENV"];
  /** PostgreSQL for every store when set; otherwise SQLite files under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Where signed audit checkpoints are also written, outside the database. */
  readonly checkpointDir: string;
  /** PEM Ed25519 private key for audit checkpoints; a development key is generated when absent. */
  readonly auditSigningKeyPem: string | undefined;
  /** Default market-data provider: sample (embedded), simulated, yahoo or csv:<dir>. */
  readonly marketData: string;
  /**
   * A JSON users file (`{ "users": [{ "id", "roles", "portfolios" }] }`) whose roles and scopes the
   * CLI applies to `--as USER`; unset = local use, where any named user other than the requester
   * acts as a supervisor.
   */
  readonly usersFile: string | undefined;
  /** The firm's own policies (`<id>.json` each); ids not found there are the bundled ones. */
  readonly policyDir: string | undefined;
  /**
   * HS256 secret (at least 32 characters) that API bearer tokens are signed with. Unset with no
   * `jwksUrl`: a development secret in `<dataDir>/jwt-secret` (refused when `nodeEnv` is
   * production). See `resolveJwtSecret` in server/auth.ts.
   */
  readonly jwtSecret: string | undefined;
  /**
   * JSON Web Key Set of an external identity provider (http(s) URL); when set, tokens are verified
   * against its keys (RS256, PS256, ES256, EdDSA) and no local secret is used. Exclusive with
   * `jwtSecret`.
   */
  readonly jwksUrl: string | undefined;
  /** Expected `iss` claim of API tokens (default "steward"). */
  readonly jwtIssuer: string;
  /** Expected `aud` claim of API tokens (default "steward-api"). */
  readonly jwtAudience: string;
  /** Requests each authenticated user may make per minute (default 600). */
  readonly rateLimitPerMinute: number;
  /** Largest accepted request body in bytes, 1024..67108864 (default 1048576 = 1 MiB). */
  readonly bodyLimitBytes: number;
  /** Agent-graph runs one user may have in progress at once (default 4). */
  readonly maxConcurrentRunsPerUser: number;
  /**
   * Worker threads running briefings (0 = in the server's thread; "auto", the default, = one per
   * core the process may use, at most 8). See server/briefing-pool.ts.
   */
  readonly briefingWorkers: number | "auto";
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`configuration ${variable}: ${message}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

/**
 * Parses configuration from an environment (defaults to nothing: pass `process.env` explicitly).
 * Empty strings count as unset.
 * @example loadConfig({}).port // 8080
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") cleaned[key] = value;
  }
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    throw new ConfigError(variable, issue?.message ?? "invalid");
  }
  const c = parsed.data;
  if (c.STEWARD_JWT_SECRET !== undefined && c.STEWARD_JWKS_URL !== undefined)
    throw new ConfigError(
      "STEWARD_JWKS_URL",
      "set either STEWARD_JWT_SECRET (tokens signed by Steward) or STEWARD_JWKS_URL (tokens from an identity provider), not both",
    );
  const dataDir = path.resolve(cwd, c.STEWARD_DATA_DIR);
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    dataDir,
    logLevel: c.LOG_LEVEL,
    nodeEnv: c.NODE_ENV,
    databaseUrl: c.DATABASE_URL,
    checkpointDir: path.resolve(cwd, c.STEWARD_CHECKPOINT_DIR ?? path.join(dataDir, "checkpoints")),
    auditSigningKeyPem: c.STEWARD_AUDIT_SIGNING_KEY,
    marketData: c.STEWARD_MARKET_DATA,
    usersFile:
      c.STEWARD_USERS_FILE === undefined ? undefined : path.resolve(cwd, c.STEWARD_USERS_FILE),
    policyDir:
      c.STEWARD_POLICY_DIR === undefined ? undefined : path.resolve(cwd, c.STEWARD_POLICY_DIR),
    jwtSecret: c.STEWARD_JWT_SECRET,
    jwksUrl: c.STEWARD_JWKS_URL,
    jwtIssuer: c.STEWARD_JWT_ISSUER,
    jwtAudience: c.STEWARD_JWT_AUDIENCE,
    rateLimitPerMinute: c.STEWARD_RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: c.STEWARD_BODY_LIMIT_BYTES,
    maxConcurrentRunsPerUser: c.STEWARD_MAX_CONCURRENT_RUNS,
    briefingWorkers: c.STEWARD_BRIEFING_WORKERS,
  });
}
