import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../server/auth.js";
import { cli } from "../../tests/cli-helpers.js";
import type { CliIo } from "../io.js";
import { createTokenCommand } from "./token.js";

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-token-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lastLine = (text: string): string => text.trimEnd().split("\n").at(-1) ?? "";

const payloadOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;

/** A verifier keyed with the development secret file's bytes, read independently of auth.ts. */
function devVerifier(dir: string, issuer = "steward", audience = "steward-api") {
  const hex = readFileSync(path.join(dir, "jwt-secret"), "utf8").trim();
  return createTokenVerifier({
    secret: Uint8Array.from(Buffer.from(hex, "hex")),
    issuer,
    audience,
    clock: () => new Date(),
  });
}

describe("steward token", () => {
  it("mints a development token that covers every portfolio, the token alone on the last line", async () => {
    const dir = dataDir();
    const r = await cli(["token", "--user", "pat", "--role", "pm"], { STEWARD_DATA_DIR: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/pat/);
    expect(lines[0]).toMatch(/pm/);
    expect(lines[0]).toMatch(/all portfolios/);
    expect(lines[0]).toMatch(/expires \d{4}-\d\d-\d\dT/);
    const token = lastLine(r.stdout);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(statSync(path.join(dir, "jwt-secret")).mode & 0o777).toBe(0o600);
    expect(await devVerifier(dir).verify(token)).toEqual({
      id: "pat",
      roles: ["pm"],
      portfolios: "*",
    });
    const payload = payloadOf(token);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(8 * 3600);
  });

  it("reuses the development secret on the next call", async () => {
    const dir = dataDir();
    const env = { STEWARD_DATA_DIR: dir };
    await cli(["token", "--user", "pat", "--role", "pm"], env);
    const secret = readFileSync(path.join(dir, "jwt-secret"), "utf8");
    const r = await cli(["token", "--user", "sam", "--role", "supervisor"], env);
    expect(readFileSync(path.join(dir, "jwt-secret"), "utf8")).toBe(secret);
    expect((await devVerifier(dir).verify(lastLine(r.stdout))).id).toBe("sam");
  });

  it("scopes to the given portfolios and roles, with a TTL, as one JSON document", async () => {
    const dir = dataDir();
    const r = await cli(
      [
        "token",
        "--user",
        "sam",
        "--role",
        "supervisor,auditor",
        "--role",
        "pm",
        "--portfolios",
        "growth-fund, income",
        "--ttl",
        "3600",
        "--json",
      ],
      { STEWARD_DATA_DIR: dir },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(["expiresAt", "portfolios", "roles", "token", "user"]);
    expect(doc).toMatchObject({
      user: "sam",
      roles: ["supervisor", "auditor", "pm"],
      portfolios: ["growth-fund", "income"],
    });
    const token = String(doc.token);
    expect(await devVerifier(dir).verify(token)).toEqual({
      id: "sam",
      roles: ["supervisor", "auditor", "pm"],
      portfolios: ["growth-fund", "income"],
    });
    const payload = payloadOf(token);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    expect(doc.expiresAt).toBe(new Date(Number(payload.exp) * 1000).toISOString());
  });

  it("issues at the injected clock and prints the expiry", async () => {
    const dir = dataDir();
    let out = "";
    const io: CliIo = {
      stdout: (t) => {
        out += t;
      },
      stderr: () => undefined,
      env: { STEWARD_DATA_DIR: dir },
      cwd: dir,
    };
    const command = createTokenCommand({ clock: () => new Date("2025-03-03T09:00:00.000Z") });
    expect(await command(["--user", "pat", "--role", "admin", "--ttl", "90"], io)).toBe(0);
    expect(out.split("\n")[0]).toMatch(/expires 2025-03-03T09:01:30\.000Z/);
    const payload = payloadOf(lastLine(out));
    expect(payload.iat).toBe(1_740_992_400); // 20150 days × 86400 + 9 × 3600
    expect(payload.exp).toBe(1_740_992_490);
  });

  it("uses STEWARD_JWT_SECRET, issuer and audience from the environment, creating no file", async () => {
    const dir = dataDir();
    const secret = "production-secret-with-at-least-32-chars";
    const r = await cli(["token", "--user", "ops", "--role", "admin", "--json"], {
      STEWARD_DATA_DIR: dir,
      STEWARD_JWT_SECRET: secret,
      STEWARD_JWT_ISSUER: "steward-prod",
      STEWARD_JWT_AUDIENCE: "steward-prod-api",
      NODE_ENV: "production",
    });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, "jwt-secret"))).toBe(false);
    const verifier = createTokenVerifier({
      secret: new TextEncoder().encode(secret),
      issuer: "steward-prod",
      audience: "steward-prod-api",
      clock: () => new Date(),
    });
    const token = String((JSON.parse(r.stdout) as { token: string }).token);
    expect((await verifier.verify(token)).roles).toEqual(["admin"]);
  });

  it.each([
    [["--role", "pm"], /--user is required/],
    [["--user", "pat"], /--role is required/],
    [["--user", "pat", "--role", "trader"], /--role "trader" is not a role/],
    [["--user", "pat smith", "--role", "pm"], /--user "pat smith" must be one word/],
    [["--user", "pat", "--role", "pm", "--portfolios", "ok,Bad_Slug"], /--portfolios "Bad_Slug"/],
    [["--user", "pat", "--role", "pm", "--portfolios", ","], /--portfolios must list/],
    [["--user", "pat", "--role", "pm", "--ttl", "2592001"], /--ttl must be ≤ 2592000/],
    [["--user", "pat", "--role", "pm", "--ttl", "0"], /--ttl must be ≥ 1/],
    [["--user", "pat", "--role", "pm", "--ttl", "1.5"], /--ttl must be a whole number/],
    [["--user", "pat", "--role", "pm", "--ttl", "8h"], /--ttl must be a finite number/],
    [["--user", "pat", "--role", "pm", "--scope", "x"], /--scope/],
  ])("exits 2 with one line for %j", async (argv, message) => {
    const dir = dataDir();
    const r = await cli(["token", ...argv], { STEWARD_DATA_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it("accepts the longest TTL, 30 days", async () => {
    const r = await cli(["token", "--user", "pat", "--role", "pm", "--ttl", "2592000"], {
      STEWARD_DATA_DIR: dataDir(),
    });
    expect(r.code).toBe(0);
    const payload = payloadOf(lastLine(r.stdout));
    expect(Number(payload.exp) - Number(payload.iat)).toBe(30 * 86_400);
  });

  it("refuses when tokens come from an identity provider", async () => {
    const dir = dataDir();
    const r = await cli(["token", "--user", "pat", "--role", "pm"], {
      STEWARD_DATA_DIR: dir,
      STEWARD_JWKS_URL: "https://idp.example/.well-known/jwks.json",
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/STEWARD_JWKS_URL/);
    expect(r.stderr).toMatch(/identity provider/);
    expect(existsSync(path.join(dir, "jwt-secret"))).toBe(false);
  });

  it("refuses production without a secret", async () => {
    const dir = dataDir();
    const r = await cli(["token", "--user", "pat", "--role", "pm"], {
      STEWARD_DATA_DIR: dir,
      NODE_ENV: "production",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/STEWARD_JWT_SECRET or STEWARD_JWKS_URL in production/);
    expect(existsSync(path.join(dir, "jwt-secret"))).toBe(false);
  });

  it("is listed in the help", async () => {
    const r = await cli(["help"]);
    expect(r.stdout).toMatch(/\n {2}token {6}/);
    expect((await cli(["token", "--help"])).stdout).toMatch(/^usage: steward token --user U/);
  });
});
