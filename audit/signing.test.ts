import { generateKeyPairSync } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditError } from "./errors.js";
import {
  createSigner,
  loadOrCreateSigningKey,
  parsePublicKeys,
  PUBLIC_KEY_FILE,
  publicKeyId,
  SIGNING_KEY_FILE,
  verifySignature,
} from "./signing.js";

// RFC 8032 §7.1 Ed25519 test vectors (TEST 1 and TEST 2): secret seed, public key, message, signature.
const VECTORS = [
  {
    seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
];

/** PKCS#8 PEM of an Ed25519 seed: the fixed RFC 8410 DER prefix, then the 32 seed bytes. */
function pkcs8Pem(seedHex: string): string {
  const der = Buffer.concat([
    Buffer.from("302e020100300506032b657004220420", "hex"),
    Buffer.from(seedHex, "hex"),
  ]);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString("base64")}\n-----END PRIVATE KEY-----\n`;
}

function signingKeyError(fn: () => unknown): AuditError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditError);
    expect((error as AuditError).code).toBe("SIGNING_KEY");
    return error as AuditError;
  }
  throw new Error("expected a SIGNING_KEY error");
}

describe("Ed25519 signing", () => {
  it("reproduces the RFC 8032 §7.1 signatures and public keys", () => {
    for (const v of VECTORS) {
      const signer = createSigner(pkcs8Pem(v.seed));
      const message = Buffer.from(v.message, "hex");
      expect(Buffer.from(signer.sign(message), "base64").toString("hex")).toBe(v.signature);
      // SPKI DER of Ed25519 ends with the 32 raw public key bytes.
      const spki = Buffer.from(signer.publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
      expect(spki.subarray(-32).toString("hex")).toBe(v.publicKey);
      expect(
        verifySignature(
          signer.publicKeyPem,
          message,
          Buffer.from(v.signature, "hex").toString("base64"),
        ),
      ).toBe(true);
    }
  });

  it("names a key by the SHA-256 of its raw public key", () => {
    // sha256(d75a98…511a), computed independently with Python's hashlib.
    const signer = createSigner(pkcs8Pem((VECTORS[0] as (typeof VECTORS)[number]).seed));
    expect(signer.keyId).toBe("21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");
    expect(publicKeyId(signer.publicKeyPem)).toBe(signer.keyId);
    expect(
      parsePublicKeys(`${signer.publicKeyPem}\n${signer.publicKeyPem}`).map((k) => k.keyId),
    ).toEqual([signer.keyId, signer.keyId]);
  });

  it("round-trips a signature and rejects a flipped bit in the signature or the message", () => {
    const signer = createSigner(
      generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    );
    const body = '{"size":3}';
    const signature = signer.sign(body);
    expect(verifySignature(signer.publicKeyPem, body, signature)).toBe(true);
    const bytes = Buffer.from(signature, "base64");
    for (const index of [0, 31, 63]) {
      const flipped = Buffer.from(bytes);
      flipped[index] = (flipped[index] as number) ^ 1;
      expect(verifySignature(signer.publicKeyPem, body, flipped.toString("base64"))).toBe(false);
    }
    expect(verifySignature(signer.publicKeyPem, '{"size":4}', signature)).toBe(false);
    const other = createSigner(
      generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    );
    expect(verifySignature(other.publicKeyPem, body, signature)).toBe(false);
    expect(verifySignature(signer.publicKeyPem, body, "not base64!")).toBe(false);
    expect(
      verifySignature(signer.publicKeyPem, body, bytes.subarray(0, 63).toString("base64")),
    ).toBe(false);
    expect(verifySignature("garbage", body, signature)).toBe(false);
  });

  it("refuses keys that are not Ed25519 private keys", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(signingKeyError(() => createSigner(rsa)).message).toMatch(/rsa, not ed25519/);
    const ed448 = generateKeyPairSync("ed448")
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(signingKeyError(() => createSigner(ed448)).message).toMatch(/ed448/);
    signingKeyError(() => createSigner("not a key"));
    const pub = generateKeyPairSync("ed25519")
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();
    signingKeyError(() => createSigner(pub));
    signingKeyError(() =>
      parsePublicKeys(
        generateKeyPairSync("ed448").publicKey.export({ type: "spki", format: "pem" }).toString(),
      ),
    );
  });
});

describe("loadOrCreateSigningKey", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "steward-keys-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("generates a development key on first start, stores it 0600, and loads the same key afterwards", async () => {
    const keys = path.join(dir, "nested", "keys");
    const first = await loadOrCreateSigningKey(keys);
    expect(first.created).toBe(true);
    expect((await stat(first.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(first.publicKeyPath, "utf8")).toBe(first.publicKeyPem);
    expect(path.basename(first.privateKeyPath)).toBe(SIGNING_KEY_FILE);
    expect(path.basename(first.publicKeyPath)).toBe(PUBLIC_KEY_FILE);
    const second = await loadOrCreateSigningKey(keys);
    expect(second.created).toBe(false);
    expect(second.signer.keyId).toBe(first.signer.keyId);
    expect(verifySignature(first.publicKeyPem, "x", second.signer.sign("x"))).toBe(true);
  });

  it("gives two processes starting at once one key, not two", async () => {
    const [a, b] = await Promise.all([loadOrCreateSigningKey(dir), loadOrCreateSigningKey(dir)]);
    expect(a?.signer.keyId).toBe(b?.signer.keyId);
    expect([a?.created, b?.created].filter(Boolean).length).toBeLessThanOrEqual(1);
  });

  it("loads a configured key file and writes its missing public key", async () => {
    await writeFile(
      path.join(dir, SIGNING_KEY_FILE),
      pkcs8Pem((VECTORS[0] as (typeof VECTORS)[number]).seed),
      { mode: 0o600 },
    );
    const loaded = await loadOrCreateSigningKey(dir);
    expect(loaded.created).toBe(false);
    expect(loaded.signer.keyId).toBe(
      "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9",
    );
    expect(parsePublicKeys(await readFile(loaded.publicKeyPath, "utf8"))[0]?.keyId).toBe(
      loaded.signer.keyId,
    );
  });

  it("refuses a private key file others can read, and a public key file of another key", async () => {
    const { privateKeyPath, publicKeyPath } = await loadOrCreateSigningKey(dir);
    await chmod(privateKeyPath, 0o644);
    await expect(loadOrCreateSigningKey(dir)).rejects.toThrow(/readable by others \(mode 0644\)/);
    await chmod(privateKeyPath, 0o600);
    await writeFile(
      publicKeyPath,
      generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString(),
    );
    await expect(loadOrCreateSigningKey(dir)).rejects.toThrow(/does not hold the public key/);
  });
});
