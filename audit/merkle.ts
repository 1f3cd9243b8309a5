import { createHash, hash, timingSafeEqual } from "node:crypto";
import { nodeHash } from "./hash.js";

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
 * Streaming Merkle Tree Hash: keeps only the roots of the perfect subtrees along the right edge
 * (a compact range: at most ⌈log2 n⌉ + 1 hashes), so the root of a million leaves needs no
 * million-element array. `root()` folds them right to left, which is exactly MTH of the leaves
 * pushed so far, and may be called at any size (verification snapshots it at checkpoint sizes).
 *
 * @example
 * const acc = new MerkleAccumulator();
 * for (const leaf of leaves) acc.push(leaf);
 * acc.root().equals(merkleRoot(leaves)); // true
 */
export class MerkleAccumulator {
  /** Perfect subtree roots along the right edge, hex, largest first. */
  private readonly stack: string[] = [];
  private readonly scratch = Buffer.alloc(65);
  private count = 0;

  constructor() {
    this.scratch[0] = 1;
  }

  /** Number of leaves pushed. */
  get size(): number {
    return this.count;
  }

  private node(leftHex: string, rightHex: string): string {
    this.scratch.write(leftHex, 1, "hex");
    this.scratch.write(rightHex, 33, "hex");
    return hash("sha256", this.scratch, "hex");
  }

  /** Appends one 32-byte leaf hash. */
  push(leaf: Uint8Array): void {
    if (leaf.length !== 32) throw new RangeError("MerkleAccumulator: a leaf hash is 32 bytes");
    this.pushHex(Buffer.from(leaf).toString("hex"));
  }

  /** Appends one leaf hash given as 64 lowercase hex digits (unchecked: for hot loops). */
  pushHex(leafHex: string): void {
    let current = leafHex;
    // Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
    let n = this.count;
    while (n % 2 === 1) {
      const left = this.stack.pop();
      if (left === undefined) throw new Error("MerkleAccumulator: inconsistent state");
      current = this.node(left, current);
      n = (n - 1) / 2;
    }
    this.stack.push(current);
    this.count += 1;
  }

  /** MTH of the leaves pushed so far, hex. */
  rootHex(): string {
    const last = this.stack.length - 1;
    if (last < 0) return EMPTY_ROOT_HEX;
    let current = this.stack[last] as string;
    for (let i = last - 1; i >= 0; i--) current = this.node(this.stack[i] as string, current);
    return current;
  }

  /** MTH of the leaves pushed so far. */
  root(): Buffer {
    return Buffer.from(this.rootHex(), "hex");
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
