import { createHash, hash, timingSafeEqual } from "node:crypto";
import { nodeHash, ZERO_HASH_HEX } from "./hash.js";

/**
 * The RFC 9162 §2.1.1 Merkle Tree Hash over the records' leaf hashes (leaf_i = SHA-256(0x00 ‖
 * canonical_i), see hash.ts), with the §2.1.3 inclusion proofs and §2.1.4 consistency proofs:
 *   MTH({})      = SHA-256()                       (the hash of the empty string)
 *   MTH({d0})    = leaf hash of d0
 *   MTH(D[n])    = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of 2 < n
 * Functions take leaf hashes (32-byte buffers), not raw entries. Sizes are safe integers; the
 * bit arithmetic is done with division so trees beyond 2^31 leaves are handled.
 */

/** MTH of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function emptyRoot(): Buffer {
  return createHash("sha256").digest();
}

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && m % 2 === 0) m /= 2;
  return m === 1;
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly Uint8Array[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return Buffer.from(leaves[from] as Uint8Array);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/**
 * RFC 9162 Merkle Tree Hash over the given leaf hashes (recursive definition; O(n) hashes).
 *
 * @example
 * merkleRoot([]).toString("hex"); // EMPTY_ROOT_HEX
 * merkleRoot([leafHash("")]).toString("hex"); // "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return leaves.length === 0 ? emptyRoot() : subtreeRoot(leaves, 0, leaves.length);
}

/**
 * Node's per-encoding Buffer writers (what `buf.write(s, offset, length, encoding)` dispatches to;
 * present on every Buffer, though untyped). Called directly they skip the argument normalising
 * and encoding lookup of write(), which costs as much as the 32-byte decode itself.
 */
interface BufferCodecs {
  hexWrite(text: string, offset: number, length: number): number;
  latin1Write(text: string, offset: number, length: number): number;
}

const CODECS =
  typeof (Buffer.prototype as Partial<BufferCodecs>).hexWrite === "function" &&
  typeof (Buffer.prototype as Partial<BufferCodecs>).latin1Write === "function";

/** Writes 32 bytes given as 64 hex digits at `offset`. */
function writeHex32(buffer: Buffer, hex: string, offset: number): void {
  if (CODECS) (buffer as Buffer & BufferCodecs).hexWrite(hex, offset, 32);
  else buffer.write(hex, offset, 32, "hex");
}

/** Writes 32 bytes given as a 32-character "binary" (latin1) string at `offset`. */
function writeBinary32(buffer: Buffer, text: string, offset: number): void {
  if (CODECS) (buffer as Buffer & BufferCodecs).latin1Write(text, offset, 32);
  else buffer.write(text, offset, 32, "binary");
}

/** Perfect-subtree roots kept by the accumulator: enough for 2^64 leaves. */
const MAX_DEPTH = 64;
/** Byte offsets in the accumulator's buffer: 0x01 ‖ left ‖ right, then the stack slots. */
const LEFT = 1;
const RIGHT = 33;
const SLOTS = 65;

/**
 * Streaming Merkle Tree Hash: keeps only the roots of the perfect subtrees along the right edge
 * (a compact range: at most ⌈log2 n⌉ + 1 hashes), so the root of a million leaves needs no
 * million-element array. `rootHex()` folds them right to left, which is exactly MTH of the leaves
 * pushed so far, and may be called at any size (verification snapshots it at checkpoint sizes).
 *
 * Everything lives in one preallocated buffer (0x01 ‖ left ‖ right, then 64 stack slots of 32
 * bytes): a push copies the leaf in, each interior node is one SHA-256 of the 65-byte window
 * whose digest is written back in place, so a million pushes allocate only the digests' short
 * strings.
 *
 * @example
 * const acc = new MerkleAccumulator();
 * for (const leaf of leaves) acc.push(leaf);
 * acc.root().equals(merkleRoot(leaves)); // true
 */
export class MerkleAccumulator {
  private readonly memory = Buffer.alloc(SLOTS + 32 * MAX_DEPTH);
  private readonly window = this.memory.subarray(0, SLOTS);
  /** Number of occupied stack slots (the number of 1 bits of count). */
  private top = 0;
  private count = 0;

  constructor() {
    this.memory[0] = 1;
  }

  /** Number of leaves pushed. */
  get size(): number {
    return this.count;
  }

  /** Appends one 32-byte leaf hash. */
  push(leaf: Uint8Array): void {
    if (leaf.length !== 32) throw new RangeError("MerkleAccumulator: a leaf hash is 32 bytes");
    this.memory.set(leaf, RIGHT);
    this.pushRight();
  }

  /** Appends one leaf hash given as 64 lowercase hex digits (unchecked: for hot loops). */
  pushHex(leafHex: string): void {
    writeHex32(this.memory, leafHex, RIGHT);
    this.pushRight();
  }

  /** Hashes 0x01 ‖ left ‖ right and leaves the digest in the right half ("binary" = latin1: one char per byte, cheaper than hex or a Buffer). */
  private combine(): void {
    writeBinary32(this.memory, hash("sha256", this.window, "binary"), RIGHT);
  }

  /** Appends the leaf in the right half of the window. */
  private pushRight(): void {
    const memory = this.memory;
    // Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
    let n = this.count;
    while (n % 2 === 1) {
      this.top -= 1;
      const slot = SLOTS + 32 * this.top;
      memory.copyWithin(LEFT, slot, slot + 32);
      this.combine();
      n = (n - 1) / 2;
    }
    if (this.top >= MAX_DEPTH) throw new RangeError("MerkleAccumulator: too many leaves");
    const slot = SLOTS + 32 * this.top;
    memory.copyWithin(slot, RIGHT, RIGHT + 32);
    this.top += 1;
    this.count += 1;
  }

  /** MTH of the leaves pushed so far, hex. */
  rootHex(): string {
    if (this.top === 0) return EMPTY_ROOT_HEX;
    const memory = this.memory;
    let slot = SLOTS + 32 * (this.top - 1);
    memory.copyWithin(RIGHT, slot, slot + 32);
    for (let i = this.top - 2; i >= 0; i--) {
      slot = SLOTS + 32 * i;
      memory.copyWithin(LEFT, slot, slot + 32);
      this.combine();
    }
    return memory.toString("hex", RIGHT, RIGHT + 32);
  }

  /** MTH of the leaves pushed so far. */
  root(): Buffer {
    return Buffer.from(this.rootHex(), "hex");
  }
}

/**
 * The running hash chain and Merkle tree of a trail, advanced together one leaf at a time (what
 * verification recomputes for every record): chain_i = SHA-256(0x01 ‖ chain_{i−1} ‖ leaf_i) from
 * 32 zero bytes, and the RFC 9162 tree over the leaves. The leaf is decoded from hex once, into
 * the chain's 65-byte buffer, and copied from there into the tree.
 *
 * @example
 * const acc = new TrailAccumulator();
 * acc.push(leafHashHex(canonical1)); // chain_1, hex
 * acc.merkleRootHex(); // MTH of the one leaf (the leaf itself)
 */
export class TrailAccumulator {
  private readonly chain = Buffer.alloc(65);
  private readonly leaf = this.chain.subarray(33, 65);
  private readonly tree = new MerkleAccumulator();
  private headHex = ZERO_HASH_HEX;

  constructor() {
    this.chain[0] = 1;
  }

  /** Number of leaves pushed. */
  get size(): number {
    return this.tree.size;
  }

  /** The chain hash of the last leaf pushed (64 zeros before the first), hex. */
  get chainHead(): string {
    return this.headHex;
  }

  /**
   * Appends one leaf hash given as 64 lowercase hex digits (unchecked: for hot loops whose leaf
   * comes from leafHashHex) and returns the new chain hash, hex.
   */
  push(leafHex: string): string {
    const chain = this.chain;
    writeHex32(chain, leafHex, 33);
    const next = hash("sha256", chain, "hex");
    writeHex32(chain, next, 1);
    this.headHex = next;
    this.tree.push(this.leaf);
    return next;
  }

  /** MTH of the leaves pushed so far, hex. */
  merkleRootHex(): string {
    return this.tree.rootHex();
  }
}

function path(index: number, leaves: readonly Uint8Array[], from: number, to: number): Buffer[] {
  const n = to - from;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (index < k) return [...path(index, leaves, from, from + k), subtreeRoot(leaves, from + k, to)];
  return [...path(index - k, leaves, from + k, to), subtreeRoot(leaves, from, from + k)];
}

/**
 * RFC 9162 §2.1.3.1 inclusion proof (audit path) of the leaf at 0-based `index`, deepest sibling
 * first. Throws a RangeError when index is outside [0, leaves.length).
 *
 * @example
 * inclusionProof(leaves8, 0).map((h) => h.toString("hex"));
 * // ["96a296d2…cfc7", "5f083f0a…031e", "6b47aaf2…f6e4"] (transparency-dev/merkle vectors)
 */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(
      `inclusionProof: index ${index} outside a tree of ${leaves.length} leaves`,
    );
  }
  return path(index, leaves, 0, leaves.length);
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * RFC 9162 §2.1.3.2: true when `proof` proves that `leaf` (a leaf hash) sits at 0-based `index`
 * in the tree of `size` leaves whose root is `root`.
 *
 * @example
 * verifyInclusion(leafHash(""), 0, 8, inclusionProof(leaves8, 0), root8); // true
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(r, root);
}

function subproof(
  m: number,
  leaves: readonly Uint8Array[],
  from: number,
  to: number,
  complete: boolean,
): Buffer[] {
  const n = to - from;
  if (m === n) return complete ? [] : [subtreeRoot(leaves, from, to)];
  const k = splitPoint(n);
  if (m <= k)
    return [...subproof(m, leaves, from, from + k, complete), subtreeRoot(leaves, from + k, to)];
  return [...subproof(m - k, leaves, from + k, to, false), subtreeRoot(leaves, from, from + k)];
}

/**
 * RFC 9162 §2.1.4.1 consistency proof that the first `size1` leaves are a prefix of `leaves`.
 * Empty when size1 is 0 or equals the tree size. Throws a RangeError when size1 is outside
 * [0, leaves.length].
 *
 * @example
 * consistencyProof(leaves8, 6).length; // 3 (transparency-dev/merkle vector {6, 8})
 */
export function consistencyProof(leaves: readonly Uint8Array[], size1: number): Buffer[] {
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > leaves.length) {
    throw new RangeError(
      `consistencyProof: size ${size1} outside a tree of ${leaves.length} leaves`,
    );
  }
  if (size1 === 0) return [];
  return subproof(size1, leaves, 0, leaves.length, true);
}

/**
 * RFC 9162 §2.1.4.2: true when `proof` shows the tree of `size1` leaves with root `root1` is a
 * prefix of the tree of `size2` leaves with root `root2`. Size 0 is consistent with anything
 * (empty proof); equal sizes need equal roots and an empty proof.
 *
 * @example
 * verifyConsistency(6, 8, consistencyProof(leaves8, 6), root6, root8); // true
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1)
    return false;
  if (size1 === size2) return proof.length === 0 && sameHash(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path = [...proof];
  // A power-of-two first tree is itself a node of the second: the proof omits it.
  if (isPowerOfTwo(size1)) path.unshift(Buffer.from(root1));
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(path[0] as Uint8Array);
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(fr, root1) && sameHash(sr, root2);
}
