import { AuthError, mintToken, resolveJwtSecret, ROLES, type Role } from "../../server/auth.js";
import { ConfigError, loadConfig } from "../../server/config.js";
import { numberFlag, parseFlags, requireFlag } from "../args.js";
import { EXIT, UsageError, type Command } from "../io.js";
import { printJson } from "../output.js";

/** What `steward token` is given: the clock its tokens are issued at. */
export interface TokenCommandDeps {
  readonly clock: () => Date;
}

const DEFAULT_TTL_SECONDS = 8 * 3600;
const MAX_TTL_SECONDS = 30 * 86_400;

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Comma-separated (and repeatable) flag values, trimmed, empty entries dropped. */
function listOf(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** "8h", "30d", "90m", "45s": the largest whole unit. */
function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * `steward token --user U --role R[,R2] [--portfolios a,b] [--ttl SECONDS] [--json]`: mints a
 * bearer token for the HTTP API, signed with STEWARD_JWT_SECRET or the development secret under
 * the data directory (the one `steward serve` verifies with). Without --portfolios the token
 * covers every portfolio. Prints one human line and then the token alone on the last line, or
 * with --json one document `{ token, user, roles, portfolios, expiresAt }`. When tokens come from
 * an identity provider (STEWARD_JWKS_URL) there is no local secret and the command refuses.
 *
 * @example await createTokenCommand({ clock })(["--user", "pat", "--role", "pm"], io) // 0
 */
export function createTokenCommand(deps: TokenCommandDeps): Command {
  return async (args, io) => {
    const flags = parseFlags("token", args, {
      user: { type: "string" },
      role: { type: "string", multiple: true },
      portfolios: { type: "string" },
      ttl: { type: "string" },
      json: { type: "boolean" },
    });
    const user = requireFlag("token", "user", flags.user);
    const roleNames = listOf(flags.role ?? []);
    if (roleNames.length === 0)
      throw new UsageError(
        `steward token: --role is required (one or more of ${ROLES.join(", ")})`,
      );
    const roles: Role[] = [];
    for (const name of roleNames) {
      if (!isRole(name))
        throw new UsageError(`steward token: --role "${name}" is not a role (${ROLES.join(", ")})`);
      if (!roles.includes(name)) roles.push(name);
    }
    let portfolios: "*" | string[] = "*";
    if (flags.portfolios !== undefined && flags.portfolios.trim() !== "*") {
      portfolios = [...new Set(listOf([flags.portfolios]))];
      if (portfolios.length === 0)
        throw new UsageError(
          "steward token: --portfolios must list portfolio ids (a,b) or be * (omit it for all)",
        );
    }
    const ttl =
      numberFlag("token", "ttl", flags.ttl, { min: 1, max: MAX_TTL_SECONDS }) ??
      DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttl))
      throw new UsageError(`steward token: --ttl must be a whole number of seconds, got ${ttl}`);

    const config = loadConfig(io.env, io.cwd);
    const resolved = resolveJwtSecret(config, { create: true });
    if (resolved === null)
      throw new ConfigError(
        "STEWARD_JWKS_URL",
        "tokens come from your identity provider when STEWARD_JWKS_URL is set; `steward token` mints tokens only for Steward's own secret (STEWARD_JWT_SECRET, or the development secret when neither is set)",
      );

    const issuedAt = deps.clock();
    let token: string;
    try {
      token = await mintToken({
        secret: resolved.secret,
        user,
        roles,
        portfolios,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        clock: () => issuedAt,
        ttlSeconds: ttl,
      });
    } catch (error) {
      if (error instanceof AuthError) throw usageOf(error, user, portfolios);
      throw error;
    }
    const expiresAt = new Date((Math.floor(issuedAt.getTime() / 1000) + ttl) * 1000).toISOString();

    if (flags.json === true) {
      printJson(io, { token, user, roles, portfolios, expiresAt });
      return EXIT.ok;
    }
    const scope = portfolios === "*" ? "all portfolios (*)" : `portfolios ${portfolios.join(", ")}`;
    io.stdout(
      `token for ${user}, roles ${roles.join(", ")}, ${scope}, expires ${expiresAt} (${duration(ttl)})\n`,
    );
    io.stdout(`${token}\n`);
    return EXIT.ok;
  };
}

/** A claim refused by mintToken, as the flag that supplied it. */
function usageOf(error: AuthError, user: string, portfolios: "*" | readonly string[]): UsageError {
  const claim = error.claim ?? "";
  const detail = error.message.replace(/^token claim [^:]*: /, "");
  if (claim === "sub") return new UsageError(`steward token: --user "${user}" ${detail}`);
  const index = /^portfolios\[(\d+)\]$/.exec(claim)?.[1];
  if (index !== undefined && portfolios !== "*")
    return new UsageError(
      `steward token: --portfolios "${portfolios[Number(index)] ?? ""}" ${detail}`,
    );
  if (claim.startsWith("portfolios"))
    return new UsageError(`steward token: --portfolios ${detail}`);
  return new UsageError(`steward token: ${error.message}`);
}

/** The registered command, on the real clock. */
export const tokenCommand: Command = createTokenCommand({ clock: () => new Date() });
