import { hash } from "node:crypto";

/**
 * The record hashes of the audit trail, in the RFC 9162 (Certificate Transparency v2) style:
 *   leaf_i  = SHA-256(0x00 ‖ UTF-8 canonical bytes of record i)
 *   chain_i = SHA-256(0x01 ‖ chain_{i−1} ‖ leaf_i), chain_0 = 32 zero bytes
 * The 0x00/0x01 domain separation is RFC 9162 §2.1.1's, so a leaf can never be mistaken for an
 * interior node. Hashes travel as lowercase hex (64 characters).
 */

/** chain_0 and the chainHead of an empty store: 32 zero bytes in hex. */
export const ZERO_HASH_HEX = "0".repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;

/** True for a lowercase 64-character hex string (the form every stored hash takes). */
export function isHashHex(value: unknown): value is string {
  return typeof value === "string" && HEX64.test(value);
}

/**
 * SHA-256 of `data` (a string is encoded as UTF-8), lowercase hex.
 *
 * @example
 * sha256Hex(""); // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 */
export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

/**
 * RFC 9162 leaf hash of a record's canonical text: SHA-256(0x00 ‖ UTF-8 bytes), as raw bytes.
 *
 * @example
 * leafHash("").toString("hex"); // "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
 */
export function leafHash(canonical: string | Uint8Array): Buffer {
  // "\0" + text encodes to the 0x00 prefix followed by the text's UTF-8 bytes.
  if (typeof canonical === "string") return hash("sha256", "\0" + canonical, "buffer");
  const bytes = Buffer.allocUnsafe(canonical.length + 1);
  bytes[0] = 0;
  bytes.set(canonical, 1);
  return hash("sha256", bytes, "buffer");
}

/**
 * Scratch space for leafHashHex: 0x00 then the text's UTF-8 bytes, hashed through a view of the
 * exact length (views are cached per length), so hashing a record's canonical text copies it once
 * and allocates nothing but the digest — `"\0" + text` would build and then flatten a second copy
 * of every text.
 */
const LEAF_SCRATCH = Buffer.alloc(1 << 16);
/** Node's UTF-8 Buffer writer (what write(s, offset, "utf8") dispatches to; untyped), called directly. */
interface Utf8Writer {
  utf8Write(text: string, offset: number): number;
}
const UTF8_WRITE = typeof (Buffer.prototype as Partial<Utf8Writer>).utf8Write === "function";
const LEAF_VIEWS: Buffer[] = [];
/** UTF-8 takes at most 3 bytes per UTF-16 code unit: texts this short always fit the scratch. */
const LEAF_MAX_UNITS = Math.floor((LEAF_SCRATCH.length - 1) / 3);

/**
 * RFC 9162 leaf hash in hex (see leafHash).
 *
 * @example
 * leafHashHex("L123456"); // "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
 */
export function leafHashHex(canonical: string): string {
  if (canonical.length > LEAF_MAX_UNITS) return hash("sha256", "\0" + canonical, "hex");
  const size =
    1 +
    (UTF8_WRITE
      ? (LEAF_SCRATCH as Buffer & Utf8Writer).utf8Write(canonical, 1)
      : LEAF_SCRATCH.write(canonical, 1, "utf8"));
  let view = LEAF_VIEWS[size];
  if (view === undefined) {
    view = LEAF_SCRATCH.subarray(0, size);
    LEAF_VIEWS[size] = view;
  }
  return hash("sha256", view, "hex");
}

/**
 * RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right), raw bytes. Used both for Merkle
 * tree nodes and for the hash chain (left = previous chain hash, right = leaf hash).
 *
 * @example
 * nodeHash(Buffer.from("N123"), Buffer.from("N456")).toString("hex");
 * // "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const bytes = Buffer.allocUnsafe(1 + left.length + right.length);
  bytes[0] = 1;
  bytes.set(left, 1);
  bytes.set(right, 1 + left.length);
  return hash("sha256", bytes, "buffer");
}

/**
 * chain_i = SHA-256(0x01 ‖ chain_{i−1} ‖ leaf_i) from hex inputs, hex output. Throws a
 * RangeError unless both inputs are 64-character lowercase hex.
 *
 * @example
 * chainHashHex(ZERO_HASH_HEX, leafHashHex("")); // SHA-256 of 0x01, 32 zero bytes, then leaf("")
 */
export function chainHashHex(previousHex: string, leafHex: string): string {
  if (!isHashHex(previousHex))
    throw new RangeError("chainHashHex: previous must be 64 lowercase hex digits");
  if (!isHashHex(leafHex))
    throw new RangeError("chainHashHex: leaf must be 64 lowercase hex digits");
  return nodeHash(Buffer.from(previousHex, "hex"), Buffer.from(leafHex, "hex")).toString("hex");
}

/**
 * The running hash chain, for hot loops (append batches, verification of a million records): one
 * reused 65-byte buffer holding 0x01 ‖ head ‖ leaf, so each step is a single SHA-256.
 */
export class HashChain {
  private readonly buffer = Buffer.alloc(65);
  private headHex: string;

  constructor(headHex: string = ZERO_HASH_HEX) {
    if (!isHashHex(headHex))
      throw new RangeError("HashChain: head must be 64 lowercase hex digits");
    this.buffer[0] = 1;
    this.buffer.write(headHex, 1, "hex");
    this.headHex = headHex;
  }

  /** The current head, hex. */
  get head(): string {
    return this.headHex;
  }

  /** Extends the chain by one 32-byte leaf hash and returns the new head in hex. */
  push(leaf: Uint8Array): string {
    this.buffer.set(leaf, 33);
    return this.step();
  }

  /**
   * Extends the chain by one leaf hash given in hex (64 lowercase digits, unchecked: for hot
   * loops whose leaf comes from leafHashHex) and returns the new head in hex.
   */
  pushHex(leafHex: string): string {
    this.buffer.write(leafHex, 33, "hex");
    return this.step();
  }

  private step(): string {
    // Hex output is about twice as fast as a Buffer from crypto.hash; the write back is cheap.
    const next = hash("sha256", this.buffer, "hex");
    this.buffer.write(next, 1, "hex");
    this.headHex = next;
    return next;
  }
}
