import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AuthError,
  bearerOf,
  createTokenVerifier,
  mintToken,
  resolveJwtSecret,
  type AuthFailure,
  type TokenVerifier,
} from "./auth.js";
import { ConfigError } from "./config.js";

const ISSUER = "steward";
const AUDIENCE = "steward-api";
/** 2025-03-03T09:00:00Z = 1740992400 s since the epoch (by hand: 20150 days × 86400 + 9 × 3600). */
const T0 = 1_740_992_400;
const SECRET = new TextEncoder().encode("steward-test-secret-0123456789abcdef");
const OTHER_SECRET = new TextEncoder().encode("another-secret-of-thirty-two-bytes!!");

/** A clock tests move by hand. */
function manualClock(startSeconds = T0) {
  let ms = startSeconds * 1000;
  return {
    now: () => new Date(ms),
    set: (seconds: number) => {
      ms = seconds * 1000;
    },
  };
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

const decodePayload = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;

/** The claims of a valid token at T0, signed independently of mintToken. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    sub: "pat",
    roles: ["pm"],
    portfolios: ["growth-fund", "income"],
    iss: ISSUER,
    aud: AUDIENCE,
    iat: T0,
    exp: T0 + 3600,
    ...overrides,
  };
}

async function hs(payload: JWTPayload, key: Uint8Array = SECRET, alg = "HS256"): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: "JWT" }).sign(key);
}

async function failureOf(promise: Promise<unknown>): Promise<AuthFailure | "accepted"> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

function secretVerifier(clock = manualClock(), tolerance = 0): TokenVerifier {
  return createTokenVerifier({
    secret: SECRET,
    issuer: ISSUER,
    audience: AUDIENCE,
    clock: clock.now,
    clockToleranceSeconds: tolerance,
  });
}

describe("bearerOf", () => {
  const token = `${b64url({ alg: "HS256" })}.${b64url({ sub: "pat" })}.c2lnbmF0dXJl`;

  it("returns the token of a Bearer header, whatever the scheme's case", () => {
    expect(bearerOf(`Bearer ${token}`)).toBe(token);
    expect(bearerOf(`bearer ${token}`)).toBe(token);
    expect(bearerOf(`BEARER ${token}`)).toBe(token);
  });

  it("says MISSING for an absent or blank header", () => {
    for (const header of [undefined, "", "   "]) {
      expect(() => bearerOf(header)).toThrow(AuthError);
      try {
        bearerOf(header);
      } catch (error) {
        expect((error as AuthError).reason).toBe("MISSING");
      }
    }
  });

  it.each([
    ["another scheme", `Basic ${token}`],
    ["no token", "Bearer"],
    ["no token after the space", "Bearer "],
    ["two spaces", `Bearer  ${token}`],
    ["the token alone", token],
    ["two parts", "Bearer aaa.bbb"],
    ["four parts", "Bearer aaa.bbb.ccc.ddd"],
    ["an empty signature (unsigned)", `Bearer ${b64url({ alg: "none" })}.${b64url({})}.`],
    ["non-base64url characters", "Bearer aa+a.bb/b.cc=c"],
    ["trailing text", `Bearer ${token} extra`],
    ["an oversized token", `Bearer ${"a".repeat(20_000)}.b.c`],
  ])("says MALFORMED for %s", (_label, header) => {
    let reason: AuthFailure | undefined;
    try {
      bearerOf(header);
    } catch (error) {
      reason = (error as AuthError).reason;
    }
    expect(reason).toBe("MALFORMED");
  });
});

describe("mintToken and createTokenVerifier (secret mode)", () => {
  it("round-trips a principal, with iat = the clock and exp = iat + ttl", async () => {
    const clock = manualClock();
    expect(clock.now().toISOString()).toBe("2025-03-03T09:00:00.000Z");
    const token = await mintToken({
      secret: SECRET,
      user: "pat",
      roles: ["pm", "auditor"],
      portfolios: ["growth-fund"],
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: clock.now,
      ttlSeconds: 8 * 3600,
    });
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as {
      alg: string;
    };
    expect(header.alg).toBe("HS256");
    const payload = decodePayload(token);
    expect(payload).toMatchObject({
      sub: "pat",
      roles: ["pm", "auditor"],
      portfolios: ["growth-fund"],
      iss: "steward",
      aud: "steward-api",
      iat: 1_740_992_400,
      exp: 1_741_021_200, // 09:00 + 8 h = 17:00 UTC
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    const other = await mintToken({
      secret: SECRET,
      user: "pat",
      roles: ["pm"],
      portfolios: "*",
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: clock.now,
      ttlSeconds: 60,
    });
    expect(decodePayload(other).jti).not.toBe(payload.jti);

    const verifier = secretVerifier(clock);
    expect(verifier.mode).toBe("secret");
    expect(await verifier.verify(token)).toEqual({
      id: "pat",
      roles: ["pm", "auditor"],
      portfolios: ["growth-fund"],
    });
    expect((await verifier.verify(other)).portfolios).toBe("*");
  });

  it("accepts a token signed independently with the same secret", async () => {
    const principal = await secretVerifier().verify(await hs(claims()));
    expect(principal).toEqual({ id: "pat", roles: ["pm"], portfolios: ["growth-fund", "income"] });
    expect(Object.isFrozen(principal)).toBe(true);
  });

  it("refuses invalid claims when minting, naming the claim", async () => {
    const base = {
      secret: SECRET,
      user: "pat",
      roles: ["pm"] as const,
      portfolios: "*" as const,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: manualClock().now,
      ttlSeconds: 60,
    };
    await expect(mintToken({ ...base, user: "pat smith" })).rejects.toMatchObject({
      reason: "BAD_CLAIMS",
      claim: "sub",
    });
    await expect(mintToken({ ...base, roles: [] })).rejects.toMatchObject({ claim: "roles" });
    await expect(mintToken({ ...base, portfolios: ["ok", "Not_A_Slug"] })).rejects.toMatchObject({
      claim: "portfolios[1]",
    });
    await expect(mintToken({ ...base, ttlSeconds: 0 })).rejects.toThrow(/ttl/);
  });

  describe("refuses bad tokens with the right reason", () => {
    const cases: ReadonlyArray<[string, () => Promise<string>, AuthFailure]> = [
      ["an empty token", async () => "", "MALFORMED"],
      ["a random string", async () => "not-a-jwt", "MALFORMED"],
      ["two parts", async () => "aaa.bbb", "MALFORMED"],
      ["a header that is not JSON", async () => "bm90IGpzb24.e30.c2ln", "MALFORMED"],
      [
        "a payload that is not JSON (correctly signed)",
        async () => {
          const signingInput = `${b64url({ alg: "HS256" })}.${Buffer.from("not json").toString("base64url")}`;
          const { createHmac } = await import("node:crypto");
          const sig = createHmac("sha256", SECRET).update(signingInput).digest("base64url");
          return `${signingInput}.${sig}`;
        },
        "MALFORMED",
      ],
      ["an expired token", () => hs(claims({ iat: T0 - 7200, exp: T0 - 1 })), "EXPIRED"],
      ["a token exactly at its exp", () => hs(claims({ exp: T0 })), "EXPIRED"],
      ["a token not yet valid", () => hs(claims({ nbf: T0 + 30 })), "NOT_YET_VALID"],
      [
        "alg none (unsigned)",
        async () => `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims())}.`,
        "BAD_ALGORITHM",
      ],
      ["HS384", () => hs(claims(), SECRET, "HS384"), "BAD_ALGORITHM"],
      ["HS512", () => hs(claims(), SECRET, "HS512"), "BAD_ALGORITHM"],
      [
        "RS256 (an asymmetric token in secret mode)",
        async () => {
          const { privateKey } = await generateKeyPair("RS256");
          return new SignJWT(claims()).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
        },
        "BAD_ALGORITHM",
      ],
      ["a token signed with another key", () => hs(claims(), OTHER_SECRET), "BAD_SIGNATURE"],
      [
        "a tampered payload",
        async () => {
          const [h, , s] = (await hs(claims())).split(".");
          return `${h}.${b64url(claims({ roles: ["admin"] }))}.${s}`;
        },
        "BAD_SIGNATURE",
      ],
      ["a wrong issuer", () => hs(claims({ iss: "someone-else" })), "BAD_ISSUER"],
      ["no issuer", () => hs(claims({ iss: undefined })), "BAD_ISSUER"],
      ["a wrong audience", () => hs(claims({ aud: "other-api" })), "BAD_AUDIENCE"],
      ["an unknown role", () => hs(claims({ roles: ["pm", "trader"] })), "BAD_CLAIMS"],
      ["no roles", () => hs(claims({ roles: [] })), "BAD_CLAIMS"],
      ["roles not an array", () => hs(claims({ roles: "pm" })), "BAD_CLAIMS"],
      ["a missing sub", () => hs(claims({ sub: undefined })), "BAD_CLAIMS"],
      ["a sub with a space", () => hs(claims({ sub: "pat smith" })), "BAD_CLAIMS"],
      ["a sub with a comma", () => hs(claims({ sub: "pat,sam" })), "BAD_CLAIMS"],
      ["a 201-character sub", () => hs(claims({ sub: "p".repeat(201) })), "BAD_CLAIMS"],
      ["no exp", () => hs(claims({ exp: undefined })), "BAD_CLAIMS"],
      ["a non-slug portfolio", () => hs(claims({ portfolios: ["Growth Fund"] })), "BAD_CLAIMS"],
      ["portfolios as a word", () => hs(claims({ portfolios: "all" })), "BAD_CLAIMS"],
      ["no portfolios", () => hs(claims({ portfolios: undefined })), "BAD_CLAIMS"],
      [
        "1001 portfolios",
        () => hs(claims({ portfolios: Array.from({ length: 1001 }, (_, i) => `p${i}`) })),
        "BAD_CLAIMS",
      ],
    ];
    it.each(cases)("%s", async (_label, make, reason) => {
      expect(await failureOf(secretVerifier().verify(await make()))).toBe(reason);
    });
  });

  it("names the claim at fault and keeps key material and library text out of messages", async () => {
    const verifier = secretVerifier();
    const error = await verifier
      .verify(await hs(claims({ roles: ["pm", "trader"] })))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).claim).toBe("roles[1]");
    expect((error as AuthError).message).toMatch(/roles\[1\]/);
    const wrongKey = await verifier
      .verify(await hs(claims(), OTHER_SECRET))
      .catch((e: unknown) => e);
    const text = String((wrongKey as Error).message);
    expect(text).not.toContain(new TextDecoder().decode(SECRET));
    expect(text).not.toContain(new TextDecoder().decode(OTHER_SECRET));
    expect(text).not.toMatch(/at .*\.ts|JWS|ERR_/);
  });

  it("allows the configured clock skew on exp and nbf", async () => {
    const clock = manualClock();
    const lenient = createTokenVerifier({
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: clock.now,
      clockToleranceSeconds: 30,
    });
    expect(await failureOf(lenient.verify(await hs(claims({ nbf: T0 + 20 }))))).toBe("accepted");
    expect(await failureOf(lenient.verify(await hs(claims({ nbf: T0 + 40 }))))).toBe(
      "NOT_YET_VALID",
    );
    expect(await failureOf(lenient.verify(await hs(claims({ exp: T0 - 20 }))))).toBe("accepted");
    expect(await failureOf(lenient.verify(await hs(claims({ exp: T0 - 40 }))))).toBe("EXPIRED");
  });

  it("refuses to be built without exactly one trust setup or with a short secret", () => {
    const base = { issuer: ISSUER, audience: AUDIENCE, clock: manualClock().now };
    expect(() => createTokenVerifier(base)).toThrow(/exactly one/);
    expect(() =>
      createTokenVerifier({ ...base, secret: SECRET, jwksUrl: "https://idp.example/jwks" }),
    ).toThrow(/exactly one/);
    expect(() => createTokenVerifier({ ...base, secret: new Uint8Array(16) })).toThrow(/32 bytes/);
  });
});

describe("the verified-token cache", () => {
  it("serves a repeated token from the cache, re-verifies after 60 s, and never past exp", async () => {
    const clock = manualClock();
    const verifier = secretVerifier(clock);
    const token = await hs(claims({ exp: T0 + 90 }));
    const first = await verifier.verify(token);
    // The same frozen object back = no re-verification.
    expect(await verifier.verify(token)).toBe(first);
    clock.set(T0 + 59);
    expect(await verifier.verify(token)).toBe(first);
    clock.set(T0 + 60);
    const second = await verifier.verify(token); // cache entry lapsed after 60 s: verified again
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    clock.set(T0 + 89);
    expect(await verifier.verify(token)).toBe(second);
    clock.set(T0 + 90); // exp reached: the cached entry must not be used
    expect(await failureOf(verifier.verify(token))).toBe("EXPIRED");
    clock.set(T0 + 3600);
    expect(await failureOf(verifier.verify(token))).toBe("EXPIRED");
  });

  it("does not cache a token that fails", async () => {
    const clock = manualClock();
    const verifier = secretVerifier(clock);
    const token = await hs(claims({ nbf: T0 + 10 }));
    expect(await failureOf(verifier.verify(token))).toBe("NOT_YET_VALID");
    clock.set(T0 + 10);
    expect(await failureOf(verifier.verify(token))).toBe("accepted");
  });

  it("stays bounded, evicting the oldest entries", async () => {
    const clock = manualClock();
    const verifier = createTokenVerifier({
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: clock.now,
      cacheSize: 2,
    });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((sub) => hs(claims({ sub }))));
    const pa = await verifier.verify(a ?? "");
    const pb = await verifier.verify(b ?? "");
    await verifier.verify(c ?? ""); // evicts a
    expect(await verifier.verify(b ?? "")).toBe(pb);
    expect(await verifier.verify(a ?? "")).not.toBe(pa);
  });
});

describe("createTokenVerifier (JWKS mode)", () => {
  let server: Server;
  let jwksUrl: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ed: Awaited<ReturnType<typeof generateKeyPair>>;
  let requests = 0;

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256");
    ed = await generateKeyPair("EdDSA");
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(ed.publicKey)), kid: "ed-1", alg: "EdDSA", use: "sig" },
    ];
    server = createServer((req, res) => {
      requests += 1;
      if (req.url !== "/.well-known/jwks.json") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const jwksVerifier = (url = jwksUrl): TokenVerifier =>
    createTokenVerifier({
      jwksUrl: url,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: manualClock().now,
    });

  it("accepts RS256 and EdDSA tokens signed with the provider's keys", async () => {
    const verifier = jwksVerifier();
    expect(verifier.mode).toBe("jwks");
    const rs = await new SignJWT(claims())
      .setProtectedHeader({ alg: "RS256", kid: "rsa-1" })
      .sign(rsa.privateKey);
    const eddsa = await new SignJWT(claims({ sub: "sam", roles: ["supervisor"], portfolios: "*" }))
      .setProtectedHeader({ alg: "EdDSA", kid: "ed-1" })
      .sign(ed.privateKey);
    expect(await verifier.verify(rs)).toEqual({
      id: "pat",
      roles: ["pm"],
      portfolios: ["growth-fund", "income"],
    });
    expect(await verifier.verify(eddsa)).toEqual({
      id: "sam",
      roles: ["supervisor"],
      portfolios: "*",
    });
    expect(requests).toBeGreaterThanOrEqual(1);
  });

  it("refuses HS256 tokens, including one keyed with the provider's public key", async () => {
    const verifier = jwksVerifier();
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const confused = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
      .sign(pem);
    expect(await failureOf(verifier.verify(confused))).toBe("BAD_ALGORITHM");
    expect(await failureOf(verifier.verify(await hs(claims())))).toBe("BAD_ALGORITHM");
  });

  it("refuses a token from a key outside the set, a forged signature and bad claims", async () => {
    const verifier = jwksVerifier();
    const stranger = await generateKeyPair("RS256");
    const unknownKid = await new SignJWT(claims())
      .setProtectedHeader({ alg: "RS256", kid: "rsa-2" })
      .sign(stranger.privateKey);
    expect(await failureOf(verifier.verify(unknownKid))).toBe("NO_KEY");
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: "RS256", kid: "rsa-1" })
      .sign(stranger.privateKey);
    expect(await failureOf(verifier.verify(forged))).toBe("BAD_SIGNATURE");
    const badRole = await new SignJWT(claims({ roles: ["root"] }))
      .setProtectedHeader({ alg: "RS256", kid: "rsa-1" })
      .sign(rsa.privateKey);
    expect(await failureOf(verifier.verify(badRole))).toBe("BAD_CLAIMS");
    const wrongAud = await new SignJWT(claims({ aud: "other" }))
      .setProtectedHeader({ alg: "EdDSA", kid: "ed-1" })
      .sign(ed.privateKey);
    expect(await failureOf(verifier.verify(wrongAud))).toBe("BAD_AUDIENCE");
  });

  it("says KEYS_UNAVAILABLE when the key set cannot be fetched", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: "RS256", kid: "rsa-1" })
      .sign(rsa.privateKey);
    expect(await failureOf(jwksVerifier(`http://127.0.0.1:${port}/jwks.json`).verify(token))).toBe(
      "KEYS_UNAVAILABLE",
    );
    const missing = jwksUrl.replace("/.well-known/jwks.json", "/nope");
    expect(await failureOf(jwksVerifier(missing).verify(token))).toBe("KEYS_UNAVAILABLE");
  });
});

describe("resolveJwtSecret", () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "steward-auth-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const config = (over: Partial<Parameters<typeof resolveJwtSecret>[0]> = {}) => ({
    jwtSecret: undefined,
    jwksUrl: undefined,
    dataDir: tempDir(),
    nodeEnv: "development" as const,
    ...over,
  });

  it("uses STEWARD_JWT_SECRET's UTF-8 bytes when set", () => {
    const resolved = resolveJwtSecret(config({ jwtSecret: "é".repeat(16) }));
    expect(resolved?.source).toBe("env");
    expect(resolved?.secret).toEqual(new Uint8Array(Buffer.from("é".repeat(16), "utf8")));
    expect(resolved?.secret.byteLength).toBe(32); // é is two bytes in UTF-8
  });

  it("has no local secret when tokens come from an identity provider", () => {
    const c = config({ jwksUrl: "https://idp.example/jwks.json", nodeEnv: "production" });
    expect(resolveJwtSecret(c)).toBeNull();
  });

  it("refuses production without a secret or a key set", () => {
    const c = config({ nodeEnv: "production" });
    expect(() => resolveJwtSecret(c)).toThrow(ConfigError);
    expect(() => resolveJwtSecret(c)).toThrow(/STEWARD_JWT_SECRET.*production/);
  });

  it("creates a 0600 development secret under a new data directory and reuses it", () => {
    const dataDir = path.join(tempDir(), "nested", "var");
    const c = config({ dataDir });
    expect(resolveJwtSecret(c, { create: false })).toBeNull();
    const created = resolveJwtSecret(c, { create: true });
    const file = path.join(dataDir, "jwt-secret");
    expect(created).toMatchObject({ source: "file", path: file });
    expect(created?.secret.byteLength).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "hex")).toEqual(
      Buffer.from(created?.secret ?? []),
    );
    const again = resolveJwtSecret(c);
    expect(again?.secret).toEqual(created?.secret);
    const fresh = resolveJwtSecret(config());
    expect(fresh?.secret).not.toEqual(created?.secret);
  });

  it("refuses a malformed development secret file, naming the variable", () => {
    const c = config();
    writeFileSync(path.join(c.dataDir, "jwt-secret"), "short\n");
    expect(() => resolveJwtSecret(c)).toThrow(/STEWARD_JWT_SECRET.*malformed/);
  });

  it("signs tokens that a verifier built from the same resolution accepts", async () => {
    const c = config();
    const minted = resolveJwtSecret(c, { create: true });
    const served = resolveJwtSecret(c);
    if (minted === null || served === null) throw new Error("expected a development secret");
    const clock = manualClock();
    const token = await mintToken({
      secret: minted.secret,
      user: "pat",
      roles: ["pm"],
      portfolios: "*",
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: clock.now,
      ttlSeconds: 60,
    });
    const verifier = createTokenVerifier({
      secret: served.secret,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: clock.now,
    });
    expect((await verifier.verify(token)).id).toBe("pat");
  });
});
