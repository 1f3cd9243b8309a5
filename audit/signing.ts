import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
} from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { AuditError } from "./errors.js";
import { sha256Hex } from "./hash.js";

/**
 * Ed25519 (RFC 8032, pure mode) signing of checkpoints via node:crypto. A key is named by its
 * keyId: the hex SHA-256 of the 32-byte raw public key.
 */

/** Signs checkpoint bodies. `sign` returns the 64-byte Ed25519 signature in standard base64. */
export interface Signer {
  readonly keyId: string;
  /** SPKI PEM of the public key, for verifiers and exports. */
  readonly publicKeyPem: string;
  sign(bytes: Uint8Array | string): string;
}

/** File names used by loadOrCreateSigningKey inside its directory. */
export const SIGNING_KEY_FILE = "audit-signing-key.pem";
export const PUBLIC_KEY_FILE = "audit-signing-key.pub.pem";

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new AuditError("SIGNING_KEY", "public key has no raw form");
  return Buffer.from(jwk.x, "base64url");
}

/**
 * keyId of an Ed25519 public key (SPKI PEM or KeyObject): hex SHA-256 of its 32 raw bytes.
 *
 * @example
 * // RFC 8032 §7.1 TEST 1 public key d75a9801…511a:
 * publicKeyId(pem); // "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"
 */
export function publicKeyId(publicKey: string | KeyObject): string {
  const key = typeof publicKey === "string" ? parsePublicKey(publicKey) : publicKey;
  return sha256Hex(rawPublicKey(key));
}

function parsePublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new AuditError("SIGNING_KEY", "public key is not a PEM public key", undefined, {
      cause: error,
    });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new AuditError(
      "SIGNING_KEY",
      `public key is ${key.asymmetricKeyType ?? "unknown"}, not ed25519`,
    );
  }
  return key;
}

/**
 * A Signer from a PKCS#8 PEM Ed25519 private key (as given by configuration). Throws an
 * AuditError (SIGNING_KEY) for anything else — another algorithm, a public key, garbage.
 *
 * @example
 * const signer = createSigner(pem);
 * verifySignature(signer.publicKeyPem, "body", signer.sign("body")); // true
 */
export function createSigner(privateKeyPem: string): Signer {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: privateKeyPem, format: "pem" });
  } catch (error) {
    throw new AuditError("SIGNING_KEY", "signing key is not a PEM private key", undefined, {
      cause: error,
    });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new AuditError(
      "SIGNING_KEY",
      `signing key is ${privateKey.asymmetricKeyType ?? "unknown"}, not ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    keyId: publicKeyId(publicKey),
    publicKeyPem,
    sign: (bytes) => cryptoSign(null, toBytes(bytes), privateKey).toString("base64"),
  };
}

/** Decodes standard base64 only when it re-encodes to the same text (no malleable encodings). */
function strictBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : null;
}

/**
 * True when `signatureBase64` is a valid Ed25519 signature of `bytes` under the public key.
 * Never throws: a malformed key or signature is simply not valid.
 *
 * @example
 * verifySignature(signer.publicKeyPem, "body", signer.sign("body"));  // true
 * verifySignature(signer.publicKeyPem, "body!", signer.sign("body")); // false
 */
export function verifySignature(
  publicKey: string | KeyObject,
  bytes: Uint8Array | string,
  signatureBase64: string,
): boolean {
  try {
    const key = typeof publicKey === "string" ? parsePublicKey(publicKey) : publicKey;
    const signature = strictBase64(signatureBase64);
    if (signature === null || signature.length !== 64) return false;
    return cryptoVerify(null, toBytes(bytes), key, signature);
  } catch {
    return false;
  }
}

/** A public key parsed once, with its keyId (for verifying many checkpoints). */
export interface PublicKeyInfo {
  readonly keyId: string;
  readonly key: KeyObject;
  readonly pem: string;
}

/**
 * Parses every PEM public key block in `text` (one file may hold several, after a key rotation).
 * Throws an AuditError (SIGNING_KEY) for a block that is not an Ed25519 public key.
 *
 * @example
 * parsePublicKeys(signer.publicKeyPem)[0].keyId === signer.keyId; // true
 */
export function parsePublicKeys(text: string): PublicKeyInfo[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((pem) => {
    const key = parsePublicKey(pem);
    return { keyId: publicKeyId(key), key, pem: `${pem}\n` };
  });
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String(error.code)
    : undefined;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return null;
    throw new AuditError("SIGNING_KEY", `cannot read ${file}`, undefined, { cause: error });
  }
}

export interface LoadedSigningKey {
  readonly signer: Signer;
  /** True when this call generated the key (first start): the caller prints the public key. */
  readonly created: boolean;
  readonly publicKeyPem: string;
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
}

/**
 * The development signing key under `dir`: reads the PKCS#8 PEM private key from
 * `dir/audit-signing-key.pem`, or — on first start — generates an Ed25519 key pair and stores the
 * private key (mode 0600, created exclusively so two starting processes cannot both write one)
 * and the public key (`audit-signing-key.pub.pem`). Refuses a private key file that group or
 * others may read, and a public key file that does not belong to the private key.
 *
 * @example
 * const { signer, created, publicKeyPem } = await loadOrCreateSigningKey("var/keys");
 */
export async function loadOrCreateSigningKey(dir: string): Promise<LoadedSigningKey> {
  const privateKeyPath = path.join(dir, SIGNING_KEY_FILE);
  const publicKeyPath = path.join(dir, PUBLIC_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let created = false;
  let pem = await readIfExists(privateKeyPath);
  if (pem === null) {
    const { privateKey } = generateKeyPairSync("ed25519");
    const generated = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    try {
      await writeFile(privateKeyPath, generated, { mode: 0o600, flag: "wx" });
      pem = generated;
      created = true;
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") {
        throw new AuditError("SIGNING_KEY", `cannot write ${privateKeyPath}`, undefined, {
          cause: error,
        });
      }
      pem = await readIfExists(privateKeyPath);
      if (pem === null)
        throw new AuditError("SIGNING_KEY", `${privateKeyPath} vanished while starting`);
    }
  }
  if (process.platform !== "win32") {
    const mode = (await stat(privateKeyPath)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new AuditError(
        "SIGNING_KEY",
        `${privateKeyPath} is readable by others (mode ${mode.toString(8).padStart(4, "0")}); chmod 600 it`,
      );
    }
  }
  const signer = createSigner(pem);
  const existingPublic = await readIfExists(publicKeyPath);
  if (existingPublic === null) {
    await writeFile(publicKeyPath, signer.publicKeyPem, { mode: 0o644 });
  } else if (parsePublicKeys(existingPublic)[0]?.keyId !== signer.keyId) {
    throw new AuditError(
      "SIGNING_KEY",
      `${publicKeyPath} does not hold the public key of ${privateKeyPath}`,
    );
  }
  return { signer, created, publicKeyPem: signer.publicKeyPem, privateKeyPath, publicKeyPath };
}
