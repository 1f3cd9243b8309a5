import { randomBytes, randomUUID, webcrypto } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { z } from "zod";
import { ConfigError, type Config } from "./config.js";

/**
 * Authentication for Steward's HTTP API: bearer JWTs carrying who the caller is (`sub`), what they
 * may do (`roles`) and which portfolios they may see (`portfolios`). Tokens are either signed by
 * Steward itself (HS256 with STEWARD_JWT_SECRET, or a development secret under the data
 * directory) or by an identity provider whose keys are published at STEWARD_JWKS_URL.
 */

export const ROLES = ["pm", "supervisor", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, as the API's handlers see it. */
export interface Principal {
  readonly id: string;
  readonly roles: readonly Role[];
  /** `"*"` = every portfolio; otherwise the portfolio ids (lowercase slugs) in scope. */
  readonly portfolios: "*" | readonly string[];
}

/** Why a request was not authenticated; every reason is a 401-class failure. */
export type AuthFailure =
  | "MISSING"
  | "MALFORMED"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "BAD_SIGNATURE"
  | "BAD_ALGORITHM"
  | "BAD_ISSUER"
  | "BAD_AUDIENCE"
  | "BAD_CLAIMS"
  | "NO_KEY"
  /** The identity provider's key set could not be fetched: the server's problem (503), not the token's. */
  | "KEYS_UNAVAILABLE";

/**
 * An authentication failure. The message is written for the client: it never carries key
 * material, token contents or library internals.
 */
export class AuthError extends Error {
  readonly reason: AuthFailure;
  /** The claim at fault (e.g. `roles[1]`) for BAD_CLAIMS, when one is known. */
  readonly claim: string | undefined;
  constructor(reason: AuthFailure, message: string, claim?: string) {
    super(message);
    this.name = "AuthError";
    this.reason = reason;
    this.claim = claim;
  }
}

/** Longest bearer token accepted (identity-provider tokens with many claims stay well below). */
const MAX_TOKEN_LENGTH = 16_384;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BEARER = /^bearer (\S+)$/i;

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, one space, a
 * compact JWS of three non-empty base64url parts).
 *
 * @throws AuthError MISSING when the header is absent or blank, MALFORMED otherwise.
 * @example bearerOf("Bearer aaa.bbb.ccc") // "aaa.bbb.ccc"
 */
export function bearerOf(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === "")
    throw new AuthError("MISSING", "an Authorization: Bearer <token> header is required");
  const match = BEARER.exec(authorization);
  const token = match?.[1];
  if (token === undefined)
    throw new AuthError("MALFORMED", "the Authorization header must be: Bearer <token>");
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token))
    throw new AuthError(
      "MALFORMED",
      "the bearer token is not a compact JWS (header.payload.signature)",
    );
  return token;
}

const UserIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[^\s,]+$/, "must be one word (no spaces or commas)");

const PortfolioIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a lowercase slug (a-z, 0-9, -; at most 64)");

const PortfolioListSchema = z
  .array(PortfolioIdSchema, { error: 'must be "*" or an array of portfolio ids' })
  .max(1000, "must list at most 1000 portfolios");

/** The claims Steward reads; other claims (jti, scope, name, …) are allowed and ignored. */
const ClaimsSchema = z.object({
  sub: UserIdSchema,
  roles: z
    .array(z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }), {
      error: "must be an array of roles",
    })
    .min(1, "must name at least one role"),
  portfolios: z
    .unknown()
    .refine((v) => v !== undefined, 'must be "*" or an array of portfolio ids'),
});

function claimPath(p: readonly PropertyKey[]): string {
  let out = "";
  for (const part of p)
    out += typeof part === "number" ? `[${part}]` : `${out === "" ? "" : "."}${String(part)}`;
  return out;
}

function badClaims(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): AuthError {
  const issue = issues[0];
  const claim = claimPath([...prefix, ...(issue?.path ?? [])]) || "claims";
  return new AuthError("BAD_CLAIMS", `token claim ${claim}: ${issue?.message ?? "invalid"}`, claim);
}

/** Validates a claims set into a frozen Principal, or AuthError BAD_CLAIMS naming the claim. */
function principalOf(payload: unknown): Principal {
  const parsed = ClaimsSchema.safeParse(payload);
  if (!parsed.success) throw badClaims(parsed.error.issues, []);
  const { sub, roles, portfolios } = parsed.data;
  let scope: "*" | readonly string[] = "*";
  if (portfolios !== "*") {
    const list = PortfolioListSchema.safeParse(portfolios);
    if (!list.success) throw badClaims(list.error.issues, ["portfolios"]);
    scope = Object.freeze([...new Set(list.data)]);
  }
  return Object.freeze({ id: sub, roles: Object.freeze([...new Set(roles)]), portfolios: scope });
}

/** Verifies bearer tokens into principals. */
export interface TokenVerifier {
  /** @throws AuthError with the reason the token was refused. */
  verify(token: string): Promise<Principal>;
  readonly mode: "secret" | "jwks";
}

export interface TokenVerifierOptions {
  /** HS256 secret (at least 32 bytes): tokens signed by Steward. Exclusive with `jwksUrl`. */
  readonly secret?: Uint8Array;
  /** An identity provider's JSON Web Key Set (RS256, PS256, ES256, EdDSA). */
  readonly jwksUrl?: string;
  readonly issuer: string;
  readonly audience: string;
  /** The time tokens are judged at (exp, nbf, cache expiry); the system time is never read. */
  readonly clock: () => Date;
  /** Allowed clock skew for exp and nbf (default 5 seconds). */
  readonly clockToleranceSeconds?: number;
  /** Verified tokens remembered (default 10,000). */
  readonly cacheSize?: number;
}

const SECRET_ALGORITHMS = ["HS256"];
const JWKS_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"];
/** A verified token is re-verified at least this often (and never used past its exp). */
const CACHE_TTL_MS = 60_000;
const DEFAULT_CACHE_SIZE = 10_000;
const MIN_SECRET_BYTES = 32;

const FAILURE_MESSAGES: Readonly<Record<AuthFailure, string>> = {
  MISSING: "an Authorization: Bearer <token> header is required",
  MALFORMED: "the bearer token is malformed",
  EXPIRED: "the token has expired",
  NOT_YET_VALID: "the token is not valid yet (nbf is in the future)",
  BAD_SIGNATURE: "the token's signature does not verify",
  BAD_ALGORITHM: "the token's signing algorithm is not accepted",
  BAD_ISSUER: "the token was issued by an issuer this API does not trust",
  BAD_AUDIENCE: "the token is not meant for this API (aud)",
  BAD_CLAIMS: "the token's claims are invalid",
  NO_KEY: "no key is available to verify the token",
  KEYS_UNAVAILABLE: "the identity provider's key set could not be fetched",
};

const fail = (reason: AuthFailure, claim?: string): AuthError =>
  new AuthError(reason, FAILURE_MESSAGES[reason], claim);

/** Maps a jose error to the AuthError the client sees; undefined when it is not one we know. */
function mapJoseError(error: unknown): AuthError | undefined {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return fail("EXPIRED");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return fail("NOT_YET_VALID");
    if (error.claim === "iss") return fail("BAD_ISSUER");
    if (error.claim === "aud") return fail("BAD_AUDIENCE");
    const claim = /^[a-z]{1,16}$/i.test(error.claim) ? error.claim : "claims";
    const what = error.reason === "missing" ? "is required" : "is invalid";
    return new AuthError("BAD_CLAIMS", `token claim ${claim} ${what}`, claim);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return fail("BAD_SIGNATURE");
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return fail("BAD_ALGORITHM");
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return fail("MALFORMED");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new AuthError("NO_KEY", "no key in the identity provider's key set matches the token");
  return undefined;
}

interface CacheEntry {
  readonly principal: Principal;
  readonly verifiedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * A verifier for one trust setup: `secret` (HS256 only) or `jwksUrl` (RS256, PS256, ES256, EdDSA
 * from the provider's key set). `exp` and `sub` are required, `iss` and `aud` must match, and the
 * claims must be a valid principal. Verified tokens are cached by their text (bounded; each entry
 * lives until min(exp, verification + 60 s) by the injected clock) so a client repeating one token
 * costs a map lookup.
 *
 * @example const v = createTokenVerifier({ secret, issuer: "steward", audience: "steward-api", clock: () => new Date() });
 *          (await v.verify(token)).roles // ["pm"]
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { secret, jwksUrl, issuer, audience, clock } = options;
  if ((secret === undefined) === (jwksUrl === undefined))
    throw new TypeError("createTokenVerifier: give exactly one of secret or jwksUrl");
  if (secret !== undefined && secret.byteLength < MIN_SECRET_BYTES)
    throw new TypeError(`createTokenVerifier: secret must be at least ${MIN_SECRET_BYTES} bytes`);
  const tolerance = options.clockToleranceSeconds ?? 5;
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new TypeError("createTokenVerifier: clockToleranceSeconds must be ≥ 0");
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (!Number.isInteger(cacheSize) || cacheSize < 0)
    throw new TypeError("createTokenVerifier: cacheSize must be a whole number ≥ 0");

  const mode = secret !== undefined ? "secret" : "jwks";
  const verifyOptions = (now: Date) => ({
    algorithms: mode === "secret" ? SECRET_ALGORITHMS : JWKS_ALGORITHMS,
    issuer,
    audience,
    requiredClaims: ["exp", "sub"],
    currentDate: now,
    clockTolerance: tolerance,
  });
  let verifyJwt: (token: string, now: Date) => Promise<JWTPayload>;
  if (secret !== undefined) {
    // Imported once: a raw-bytes key would be re-imported on every verification.
    const key = webcrypto.subtle.importKey(
      "raw",
      Uint8Array.from(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    verifyJwt = async (token, now) =>
      (await jwtVerify(token, await key, verifyOptions(now))).payload;
  } else {
    const remote = createRemoteJWKSet(new URL(String(jwksUrl)));
    const getKey: JWTVerifyGetKey = async (header, input) => {
      try {
        return await remote(header, input);
      } catch (error) {
        // Unreachable, slow or invalid key set: not the client's fault, but still no key.
        throw (
          mapJoseError(error) ??
          new AuthError("KEYS_UNAVAILABLE", "the identity provider's key set could not be fetched")
        );
      }
    };
    verifyJwt = async (token, now) => (await jwtVerify(token, getKey, verifyOptions(now))).payload;
  }
  const cache = new Map<string, CacheEntry>();

  return {
    mode,
    async verify(token: string): Promise<Principal> {
      const now = clock();
      const nowMs = now.getTime();
      const hit = cache.get(token);
      if (hit !== undefined) {
        if (nowMs >= hit.verifiedAtMs && nowMs < hit.expiresAtMs) return hit.principal;
        cache.delete(token);
      }
      if (token.length > MAX_TOKEN_LENGTH) throw fail("MALFORMED");
      let payload: JWTPayload;
      try {
        payload = await verifyJwt(token, now);
      } catch (error) {
        // Any other JOSE error is about the token's shape; anything else is a fault of ours.
        throw (
          mapJoseError(error) ?? (error instanceof errors.JOSEError ? fail("MALFORMED") : error)
        );
      }
      const principal = principalOf(payload);
      if (cacheSize > 0 && typeof payload.exp === "number") {
        const expiresAtMs = Math.min(payload.exp * 1000, nowMs + CACHE_TTL_MS);
        if (expiresAtMs > nowMs) {
          while (cache.size >= cacheSize) {
            const oldest = cache.keys().next();
            if (oldest.done === true) break;
            cache.delete(oldest.value);
          }
          cache.set(token, { principal, verifiedAtMs: nowMs, expiresAtMs });
        }
      }
      return principal;
    },
  };
}

export interface MintTokenOptions {
  readonly secret: Uint8Array;
  readonly user: string;
  readonly roles: readonly Role[];
  readonly portfolios: "*" | readonly string[];
  readonly issuer: string;
  readonly audience: string;
  readonly clock: () => Date;
  /** Lifetime in whole seconds (≥ 1). */
  readonly ttlSeconds: number;
}

/**
 * Signs an HS256 token for a principal: `iat` = the clock (whole seconds), `exp` = iat + ttl, a
 * random `jti`. The claims are validated as the verifier would (AuthError BAD_CLAIMS names the
 * claim at fault).
 *
 * @example await mintToken({ secret, user: "pat", roles: ["pm"], portfolios: "*", issuer: "steward", audience: "steward-api", clock: () => new Date(), ttlSeconds: 3600 })
 */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const { secret, user, roles, portfolios, issuer, audience, clock, ttlSeconds } = options;
  if (secret.byteLength < MIN_SECRET_BYTES)
    throw new TypeError(`mintToken: secret must be at least ${MIN_SECRET_BYTES} bytes`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)
    throw new AuthError(
      "BAD_CLAIMS",
      "token claim exp: ttlSeconds must be a whole number ≥ 1",
      "exp",
    );
  const principal = principalOf({ sub: user, roles, portfolios });
  const iat = Math.floor(clock().getTime() / 1000);
  if (!Number.isFinite(iat)) throw new TypeError("mintToken: the clock returned an invalid date");
  return new SignJWT({
    roles: [...principal.roles],
    portfolios: principal.portfolios === "*" ? "*" : [...principal.portfolios],
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(principal.id)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(randomUUID())
    .sign(secret);
}

const DEV_SECRET_FILE = "jwt-secret";

/**
 * The HS256 secret Steward signs and verifies its own tokens with: STEWARD_JWT_SECRET (UTF-8
 * bytes) when set; none (null) when tokens come from an identity provider (STEWARD_JWKS_URL);
 * refused in production otherwise; else a development secret in `<dataDir>/jwt-secret` (32 random
 * bytes as hex, mode 0600), created when absent unless `create: false` (then null). `steward
 * serve` and `steward token` share it, so tokens minted on the command line work against a local
 * server.
 *
 * @throws ConfigError naming STEWARD_JWT_SECRET in production without a secret or key set, or when
 *   the development secret file is unreadable or malformed.
 */
export function resolveJwtSecret(
  config: Pick<Config, "jwtSecret" | "jwksUrl" | "dataDir" | "nodeEnv">,
  options: { create?: boolean } = {},
): { secret: Uint8Array; source: "env" | "file"; path?: string } | null {
  if (config.jwtSecret !== undefined)
    return { secret: new TextEncoder().encode(config.jwtSecret), source: "env" };
  if (config.jwksUrl !== undefined) return null;
  if (config.nodeEnv === "production")
    throw new ConfigError(
      "STEWARD_JWT_SECRET",
      "set STEWARD_JWT_SECRET or STEWARD_JWKS_URL in production",
    );
  const file = path.join(config.dataDir, DEV_SECRET_FILE);
  const existing = readDevSecret(file);
  if (existing !== null) return { secret: existing, source: "file", path: file };
  if (options.create === false) return null;
  // Written whole to a private temporary file, then linked into place: a concurrent reader never
  // sees a half-written secret, and if another process got there first its secret wins (EEXIST).
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(temporary, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temporary, 0o600); // the umask may have narrowed the mode; never widened it
    try {
      linkSync(temporary, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") throw error;
      // A filesystem without hard links: create the file exclusively in place instead.
      writeFileSync(file, readFileSync(temporary), { mode: 0o600, flag: "wx" });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw unreadable(file, error);
  } finally {
    rmSync(temporary, { force: true });
  }
  const created = readDevSecret(file);
  if (created === null) throw unreadable(file, new Error("vanished after creation"));
  return { secret: created, source: "file", path: file };
}

function unreadable(file: string, error: unknown): ConfigError {
  const code =
    (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : "error");
  return new ConfigError(
    "STEWARD_JWT_SECRET",
    `the development secret ${file} cannot be written or read (${code}); set STEWARD_JWT_SECRET`,
  );
}

/** The development secret's bytes, null when the file does not exist. */
function readDevSecret(file: string): Uint8Array | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw unreadable(file, error);
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64,}$/i.test(hex) || hex.length % 2 !== 0)
    throw new ConfigError(
      "STEWARD_JWT_SECRET",
      `the development secret ${file} is malformed (expected 64 hex digits); delete it to have a new one created, or set STEWARD_JWT_SECRET`,
    );
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
